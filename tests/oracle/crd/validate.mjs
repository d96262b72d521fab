// Validates custom resources against their CRDs' OpenAPI schemas, the way
// kubernetes-validate does for built-in kinds (which has no CRD schemas).
//
// stdin: {"node_modules": DIR, "objects": [object, ...]}
// stdout: [null | "error text", ...], one per object.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// apiVersion → the modules (inside DIR) that export its kinds. Argo CD and
// Argo Rollouts share `argoproj.io/v1alpha1`: the first module with the kind wins.
const MODULES = {
  "gateway.networking.k8s.io/v1": ["@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/index.js"],
  "external-secrets.io/v1": ["@kubernetes-models/external-secrets/external-secrets.io/v1/index.js"],
  "argoproj.io/v1alpha1": [
    "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/index.js",
    "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/index.js",
  ],
  "helm.toolkit.fluxcd.io/v2": ["@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2/index.js"],
  "source.toolkit.fluxcd.io/v1": ["@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/index.js"],
  "kustomize.toolkit.fluxcd.io/v1": ["@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/index.js"],
  "notification.toolkit.fluxcd.io/v1beta3": ["@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3/index.js"],
  "bitnami.com/v1alpha1": ["@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1/index.js"],
  "monitoring.coreos.com/v1": ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/index.js"],
};

const request = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const object of request.objects) {
  const modules = MODULES[object.apiVersion];
  if (!modules) {
    results.push(`no CRD schema for apiVersion ${object.apiVersion}`);
    continue;
  }
  let Kind;
  for (const module of modules) {
    // A file URL, not a package specifier: the packages live outside this directory.
    const kinds = await import(pathToFileURL(join(request.node_modules, module)).href);
    Kind = kinds[object.kind];
    if (Kind) break;
  }
  if (!Kind) {
    results.push(`no CRD schema for ${object.apiVersion} ${object.kind}`);
    continue;
  }
  try {
    new Kind(object).validate();
    results.push(null);
  } catch (error) {
    results.push(String(error.message));
  }
}
process.stdout.write(JSON.stringify(results));
