# Pod Security Standards, restricted profile: what the restricted level
# refuses in a pod template (Deployment, Job, Pod and the like).
package main

import rego.v1

pod_spec := input.spec.template.spec if input.spec.template.spec
pod_spec := input.spec.jobTemplate.spec.template.spec if input.kind == "CronJob"
pod_spec := input.spec if input.kind == "Pod"

containers contains c if some c in pod_spec.containers
containers contains c if some c in pod_spec.initContainers

deny contains msg if {
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	pod_spec[field] == true
	msg := sprintf("%s is not allowed (restricted)", [field])
}

deny contains msg if {
	some v in pod_spec.volumes
	v.hostPath
	msg := sprintf("volume %s is a hostPath (restricted)", [v.name])
}

deny contains msg if {
	some c in containers
	c.securityContext.privileged == true
	msg := sprintf("container %s is privileged (restricted)", [c.name])
}

deny contains msg if {
	some c in containers
	not c.securityContext.allowPrivilegeEscalation == false
	msg := sprintf("container %s must set allowPrivilegeEscalation: false (restricted)", [c.name])
}

deny contains msg if {
	some c in containers
	not "ALL" in object.get(c, ["securityContext", "capabilities", "drop"], [])
	msg := sprintf("container %s must drop ALL capabilities (restricted)", [c.name])
}

deny contains msg if {
	some c in containers
	not seccomp_set(c)
	msg := sprintf("container %s needs a RuntimeDefault or Localhost seccomp profile (restricted)", [c.name])
}

seccomp_set(c) if c.securityContext.seccompProfile.type in {"RuntimeDefault", "Localhost"}

seccomp_set(c) if {
	not c.securityContext.seccompProfile
	pod_spec.securityContext.seccompProfile.type in {"RuntimeDefault", "Localhost"}
}
