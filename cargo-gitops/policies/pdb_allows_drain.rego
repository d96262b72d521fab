# A PodDisruptionBudget must leave room for a node drain: with minAvailable
# at or above the replicas the workload runs (or maxUnavailable 0), every
# drain of a node that holds one of its pods blocks.
package main

import rego.v1

deny contains msg if {
	input.kind == "PodDisruptionBudget"
	input.spec.maxUnavailable in {0, "0%"}
	msg := sprintf("maxUnavailable %v blocks every drain", [input.spec.maxUnavailable])
}

deny contains msg if {
	input.kind == "PodDisruptionBudget"
	min := input.spec.minAvailable
	is_number(min)
	some workload in data.gitops.objects
	workload.kind in {"Deployment", "StatefulSet", "Rollout"}
	selects(input.spec.selector, workload)
	replicas := fewest_replicas(workload)
	min >= replicas
	msg := sprintf("minAvailable %d with %d replica(s) of %s/%s blocks every drain: keep minAvailable below the replicas", [min, replicas, workload.kind, workload.metadata.name])
}

selects(selector, workload) if {
	labels := workload.spec.template.metadata.labels
	every key, value in selector.matchLabels {
		labels[key] == value
	}
}

# The fewest pods the workload may run: an autoscaler's minimum (1 when
# unset), else its replicas (1 when unset).
fewest_replicas(workload) := object.get(hpa.spec, "minReplicas", 1) if {
	some hpa in data.gitops.objects
	hpa.kind == "HorizontalPodAutoscaler"
	hpa.spec.scaleTargetRef.kind == workload.kind
	hpa.spec.scaleTargetRef.name == workload.metadata.name
} else := object.get(workload, ["spec", "replicas"], 1)
