# Images name what they run: no `:latest` and no image without a tag or a
# digest; in a production environment, a digest (`@sha256:…`), so that what
# was tested is what runs.
package main

import rego.v1

pod_spec := input.spec.template.spec if input.spec.template.spec
pod_spec := input.spec.jobTemplate.spec.template.spec if input.kind == "CronJob"
pod_spec := input.spec if input.kind == "Pod"

images contains [c.name, c.image] if {
	some c in array.concat(object.get(pod_spec, "containers", []), object.get(pod_spec, "initContainers", []))
}

deny contains msg if {
	some [name, image] in images
	not contains(image, "@")
	endswith(image, ":latest")
	msg := sprintf("container %s runs %s: name a version, not latest", [name, image])
}

deny contains msg if {
	some [name, image] in images
	not contains(image, "@")
	not regex.match(`:[^/]+$`, image)
	msg := sprintf("container %s runs %s, which has no tag or digest", [name, image])
}

deny contains msg if {
	data.gitops.production
	some [name, image] in images
	not contains(image, "@sha256:")
	msg := sprintf("container %s runs %s: production environments pin images by digest", [name, image])
}
