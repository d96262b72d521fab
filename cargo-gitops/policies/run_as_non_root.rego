# Every container runs as a non-root user: runAsNonRoot set true on the
# container, or on the pod and not turned off by the container.
package main

import rego.v1

pod_spec := input.spec.template.spec if input.spec.template.spec
pod_spec := input.spec.jobTemplate.spec.template.spec if input.kind == "CronJob"
pod_spec := input.spec if input.kind == "Pod"

deny contains msg if {
	some c in array.concat(object.get(pod_spec, "containers", []), object.get(pod_spec, "initContainers", []))
	not non_root(c)
	msg := sprintf("container %s must run with runAsNonRoot: true", [c.name])
}

non_root(c) if c.securityContext.runAsNonRoot == true

non_root(c) if {
	not c.securityContext.runAsNonRoot == false
	pod_spec.securityContext.runAsNonRoot == true
}
