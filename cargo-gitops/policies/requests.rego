# Every container asks for the CPU and memory it needs: without requests
# the scheduler places it blind and it is evicted first.
package main

import rego.v1

pod_spec := input.spec.template.spec if input.spec.template.spec
pod_spec := input.spec.jobTemplate.spec.template.spec if input.kind == "CronJob"
pod_spec := input.spec if input.kind == "Pod"

deny contains msg if {
	some c in array.concat(object.get(pod_spec, "containers", []), object.get(pod_spec, "initContainers", []))
	some resource in ["cpu", "memory"]
	not c.resources.requests[resource]
	msg := sprintf("container %s sets no %s request", [c.name, resource])
}
