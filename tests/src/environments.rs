//! The checks every chart's environments and controller manifests must pass
//! with the real tools, for any config type: the test fixtures' and the
//! examples' committed ones alike.

use crate::{differential, oracle, pod, scratch_dir};
use gitops_gen::{Files, RenderOptions, Renderer};
use gitops_types::{GitOps, Loader};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One environment to check: its name, the fleet cluster when it has one
/// (its `clusters/<name>.yaml` read after the environment's file), and the
/// config the app must read.
pub struct Expected<T> {
    pub name: &'static str,
    pub cluster: Option<&'static str>,
    pub config: T,
}

impl<T> Expected<T> {
    /// `env`, or `env-on-cluster`: for messages and scratch directories.
    pub fn label(&self) -> String {
        match self.cluster {
            None => self.name.to_owned(),
            Some(cluster) => format!("{}-on-{cluster}", self.name),
        }
    }
}

/// For each environment, `values-<name>.yaml` from `chart` after values.yaml,
/// and its image pin `pins/<name>.yaml` after that when it exists (the
/// Deployment then runs the pinned image):
/// `helm lint --strict`; Helm's render validated by kubernetes-validate
/// (strict) on Kubernetes 1.33 and 1.37; checkov's failed checks equal to
/// the default render's; and the pod the render makes (with `extra` objects
/// such as the Secret) read back by the loader as exactly `config`. Argo CD
/// and Flux deliver the same user values (Argo CD's valueFiles, Flux's
/// valuesFrom: `null` deletes); `check_controllers` proves Flux's ConfigMap
/// holds these very files; the native render ([`differential`]) equals
/// Helm's for each. Returns each environment's rendered objects, for
/// assertions of its own.
pub fn check_environments<T>(
    chart: &Path,
    release: &str,
    extra: &[Value],
    environments: &[Expected<T>],
) -> Vec<Vec<Value>>
where
    T: GitOps + JsonSchema + Serialize + DeserializeOwned + Default + PartialEq + Debug,
{
    let checkov = |values: Option<&str>| json!({"op": "checkov", "chart": chart, "values_yaml": values, "name": release, "namespace": "shop"});
    let mut ops = vec![checkov(None)];
    let pins: Vec<Option<Value>> = environments.iter().map(|env| pin_of(chart, env.name)).collect();
    let values: Vec<String> = environments
        .iter()
        .zip(&pins)
        .map(|(env, pin)| user_values(chart, env.name, env.cluster, pin.as_ref()))
        .collect();
    for values in &values {
        ops.push(oracle::lint(chart, Some(values)));
        for version in ["1.33.0", "1.37.0"] {
            let mut op = oracle::render_validate(chart, Some(values));
            op["name"] = json!(release);
            op["version"] = json!(version);
            ops.push(op);
        }
        ops.push(checkov(Some(values)));
    }
    let results = oracle::run(ops);
    let failed = |result: &Value| -> BTreeSet<String> {
        assert_eq!(result["ok"], true, "checkov: {result:#}");
        let list = result["failed"].as_array().expect("checkov's failed checks");
        list.iter().map(|c| format!("{} {}", c["check_id"], c["resource"])).collect()
    };
    let default = failed(&results[0]);
    let mut rendered = Vec::new();
    let renderer = Renderer::new(&differential::chart_files(chart)).expect("the chart parses");
    let options = RenderOptions::new(release, "shop");
    for (index, (env, results)) in environments.iter().zip(results[1..].chunks(4)).enumerate() {
        let name = &env.label();
        assert_eq!(results[0]["ok"], true, "helm lint --strict, {name}: {:#}", results[0]);
        for render in &results[1..3] {
            assert_eq!(render["ok"], true, "render and kubernetes-validate, {name}: {render:#}");
        }
        if let Err(difference) =
            differential::compare_as(&renderer, Some(&values[index]), &results[1], &options)
        {
            panic!("{name}: the native render differs from Helm's: {difference}");
        }
        // An image pinned by digest passes checkov's digest checks (CKV_K8S_43,
        // and CKV_K8S_15, pull policy, which a digest makes moot).
        let by_digest = pins[index]
            .as_ref()
            .is_some_and(|p| p["image"]["digest"].as_str().is_some_and(|d| !d.is_empty()));
        let expected: BTreeSet<String> = default
            .iter()
            .filter(|f| {
                // The migration Job runs the app's image too.
                !(by_digest
                    && (f.contains("\"Deployment.") || f.contains("\"Job."))
                    && (f.starts_with("\"CKV_K8S_43\"") || f.starts_with("\"CKV_K8S_15\"")))
            })
            .cloned()
            .collect();
        assert_eq!(failed(&results[3]), expected, "checkov, {name} against the default render");
        let objects: Vec<Value> = results[1]["objects"]
            .as_array()
            .expect("rendered objects")
            .iter()
            .map(|o| o["object"].clone())
            .collect();
        let loaded = read_back::<T>(&objects, extra, release, name);
        assert_eq!(loaded, env.config, "{name}: the loader reads the environment's config");
        rendered.push(objects);
    }
    for ((env, pin), objects) in environments.iter().zip(&pins).zip(&rendered) {
        if let Some(pin) = pin {
            assert_pinned(objects, pin, &env.label());
        }
    }
    rendered
}

/// The environment's pin file (`pins/<env>.yaml`), as Helm's own parser
/// reads it, if it pins a tag or a digest (`write` creates it with comments
/// only: no pin yet).
fn pin_of(chart: &Path, environment: &str) -> Option<Value> {
    let file = chart.join(gitops_gen::layout::pin_file(environment));
    let text = std::fs::read_to_string(&file).ok()?;
    let read = oracle::one(json!({"op": "values_from_yaml", "yaml": text}));
    assert_eq!(read["ok"], true, "{}: {read:#}", file.display());
    let pin = read["values"].clone();
    let set = |key: &str| pin["image"][key].as_str().is_some_and(|v| !v.is_empty());
    (set("tag") || set("digest")).then_some(pin)
}

/// What Helm makes of `-f values-<env>.yaml [-f clusters/<cluster>.yaml]
/// -f pins/<env>.yaml`: the files merged in order, maps key by key,
/// anything else replacing (Helm's `mergeMaps`), as one values text (JSON
/// is YAML).
fn user_values(
    chart: &Path,
    environment: &str,
    cluster: Option<&str>,
    pin: Option<&Value>,
) -> String {
    let read = |name: String| -> Value {
        let file = chart.join(name);
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let read = oracle::one(json!({"op": "values_from_yaml", "yaml": text}));
        assert_eq!(read["ok"], true, "{}: {read:#}", file.display());
        match &read["values"] {
            Value::Null => json!({}),
            values => values.clone(),
        }
    };
    let mut merged = read(format!("values-{environment}.yaml"));
    if let Some(cluster) = cluster {
        merge_maps(&mut merged, &read(gitops_gen::layout::cluster_file(cluster)));
    }
    if let Some(pin) = pin {
        merge_maps(&mut merged, pin);
    }
    merged.to_string()
}

/// Helm's merge of several `-f` files (and helm-controller's of
/// `valuesFrom`): maps key by key, anything else (`null` too) replacing.
pub fn merge_maps(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(key) {
                    Some(old) if old.is_object() && value.is_object() => merge_maps(old, value),
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, overlay) => *base = overlay.clone(),
    }
}

/// The app's workload runs the pinned image: `repository@digest` when the
/// pin has a digest, else `repository:tag`.
fn assert_pinned(objects: &[Value], pin: &Value, name: &str) {
    let kind = pod::app_workload(objects);
    let deployment = objects.iter().find(|o| o["kind"] == kind).expect("the app's workload");
    let image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .expect("the container's image");
    let tag = pin["image"]["tag"].as_str().unwrap_or_default();
    let digest = pin["image"]["digest"].as_str().unwrap_or_default();
    let suffix = if digest.is_empty() { format!(":{tag}") } else { format!("@{digest}") };
    assert!(!tag.is_empty() || !digest.is_empty(), "{name}: the pin file pins nothing");
    assert!(image.ends_with(&suffix), "{name}: image {image} is not the pin's ({suffix})");
}

/// The config the loader reads in the pod a render makes.
fn read_back<T>(objects: &[Value], extra: &[Value], release: &str, name: &str) -> T
where
    T: GitOps + JsonSchema + Serialize + DeserializeOwned + Default,
{
    let pod = pod::simulate(objects, extra).unwrap_or_else(|e| panic!("{name}: {e}"));
    let env_vars = pod.materialize(&scratch_dir(&format!("environment-pod-{release}-{name}")));
    Loader::<T>::with_vars(env_vars).load().unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every object of the `.yaml` files under `dir` (documents split at
/// `---`), parsed, by path.
pub fn manifests(dir: &Path) -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    for path in
        crate::files_under(dir).into_iter().filter(|p| p.extension().is_some_and(|e| e == "yaml"))
    {
        let text = std::fs::read_to_string(&path).expect("read manifest");
        for document in text.split("\n---\n") {
            let object = yaml_serde::from_str(document)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push((path.clone(), object));
        }
    }
    out
}

/// The controllers' manifests in `gitops` (as `Chart::write` wrote
/// them), for a repository checked out at `repo`: Argo CD's and Flux's
/// objects valid against their CRD schemas and Kubernetes' own; every chart
/// directory, values file and directory a manifest names exists; each Flux
/// directory builds with `kubectl kustomize` as Flux builds it, into a
/// ConfigMap holding exactly the environment's values file and pin, named
/// by the HelmRelease; the ApplicationSet makes exactly each of
/// `applications`, the per-environment Applications the same chart writes
/// without it (only one of the two sources is written), its cluster
/// generators given the declared `clusters` as Argo CD's cluster Secrets.
/// Returns the objects.
pub fn check_controllers(
    repo: &Path,
    gitops: &Path,
    applications: &Files,
    clusters: &[gitops_gen::Cluster],
) -> Vec<Value> {
    let all = manifests(gitops);
    let applications: Vec<(PathBuf, Value)> = applications
        .iter()
        .filter(|(path, _)| path.starts_with("argocd/applications/"))
        .map(|(path, text)| {
            let object = yaml_serde::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"));
            (PathBuf::from(path), object)
        })
        .collect();
    let kustomize_files = |path: &Path| {
        path.ends_with("kustomization.yaml") || path.ends_with("kustomizeconfig.yaml")
    };
    let mut objects: Vec<Value> = all
        .iter()
        .filter(|(path, _)| !kustomize_files(path))
        .map(|(path, object)| json!({"template": path, "object": object}))
        .collect();

    let exists = |file: PathBuf, what: &Path| {
        assert!(file.is_file(), "{}: {} is not a file", what.display(), file.display());
    };
    // The Applications an ApplicationSet makes name files too.
    for (path, object) in all.iter().chain(&applications) {
        match object["kind"].as_str() {
            Some("Application") => {
                let source = &object["spec"]["source"];
                let dir = repo.join(source["path"].as_str().expect("source.path"));
                if source.get("directory").is_some() {
                    // The root Application: a directory of manifests.
                    assert!(
                        dir.is_dir(),
                        "{}: {} is not a directory",
                        path.display(),
                        dir.display()
                    );
                    continue;
                }
                exists(dir.join("Chart.yaml"), path);
                for file in source["helm"]["valueFiles"].as_array().expect("valueFiles") {
                    exists(dir.join(file.as_str().expect("a path")), path);
                }
            }
            Some("HelmRelease") => {
                let spec = &object["spec"]["chart"]["spec"];
                exists(repo.join(spec["chart"].as_str().expect("chart")).join("Chart.yaml"), path);
            }
            Some("Kustomization") if object["apiVersion"] == "kustomize.toolkit.fluxcd.io/v1" => {
                let dir = repo.join(object["spec"]["path"].as_str().expect("spec.path"));
                exists(dir.join("kustomization.yaml"), path);
            }
            _ => {}
        }
    }

    for (path, _) in all.iter().filter(|(path, _)| path.ends_with("kustomization.yaml")) {
        let dir = path.parent().expect("a directory");
        let built = build_as_flux_does(dir);
        let kinds: BTreeSet<&str> = built.iter().filter_map(|o| o["kind"].as_str()).collect();
        // What the directory holds, each file listed once in its
        // kustomization, and the values ConfigMap it generates.
        let mut expected: BTreeSet<&str> = all
            .iter()
            .filter(|(p, _)| p.parent() == Some(dir) && !kustomize_files(p))
            .filter_map(|(_, o)| o["kind"].as_str())
            .collect();
        assert!(expected.is_superset(&["Namespace", "GitRepository", "HelmRelease"].into()));
        expected.insert("ConfigMap");
        assert_eq!(kinds, expected, "{}", dir.display());
        check_values_delivery(repo, dir, &built);
        objects.extend(
            built
                .iter()
                .filter(|o| o["kind"] == "ConfigMap")
                .map(|o| json!({"template": dir.join("(built)"), "object": o})),
        );
    }
    let checked = oracle::one(
        json!({"op": "validate_k8s", "objects": objects, "version": oracle::KUBE_VERSION}),
    );
    assert_eq!(checked["ok"], true, "{checked:#}");

    let set = all.iter().find(|(_, o)| o["kind"] == "ApplicationSet");
    if let Some((path, set)) = set {
        assert!(
            !all.iter().any(|(_, o)| o["kind"] == "Application"
                && o["metadata"]["labels"].get("environment").is_some()),
            "{}: an ApplicationSet and Applications in one tree make the same Applications twice",
            path.display()
        );
        let applications: Vec<Value> = applications.iter().map(|(_, o)| o.clone()).collect();
        assert!(!applications.is_empty(), "no per-environment Applications to compare with");
        check_application_set(path, set, &applications, clusters);
    }
    objects.into_iter().map(|o| o["object"].clone()).collect()
}

/// `kubectl kustomize` of `dir`, as kustomize-controller builds it: files
/// may be read from anywhere in the repository (fluxcd/pkg
/// `kustomize/kustomize_generator.go`: `LoadRestrictionsNone` on a
/// file system rooted at the source's root).
pub fn build_as_flux_does(dir: &Path) -> Vec<Value> {
    let built = Command::new("kubectl")
        .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(dir)
        .output()
        .expect("`kubectl kustomize` is the suite's Kustomize oracle: install kubectl (it ships Kustomize)");
    assert!(
        built.status.success(),
        "{}: {}",
        dir.display(),
        String::from_utf8_lossy(&built.stderr)
    );
    let text = String::from_utf8(built.stdout).expect("UTF-8");
    text.split("\n---\n")
        .map(|doc| yaml_serde::from_str(doc).unwrap_or_else(|e| panic!("{}: {e}", dir.display())))
        .collect()
}

/// The HelmRelease built from `dir` reads its values from the ConfigMap
/// built beside it (kustomize renamed both), whose keys hold the chart's
/// values file and pin for the environment, byte for byte, in that order.
fn check_values_delivery(repo: &Path, dir: &Path, built: &[Value]) {
    let release = built.iter().find(|o| o["kind"] == "HelmRelease").expect("a HelmRelease");
    let config_map = built.iter().find(|o| o["kind"] == "ConfigMap").expect("a ConfigMap");
    let chart = repo.join(release["spec"]["chart"]["spec"]["chart"].as_str().expect("chart"));
    // `flux/<env>`, or `flux/<env>/<cluster>` on a fleet.
    let name = |dir: &Path| dir.file_name().and_then(|n| n.to_str()).expect("a name").to_owned();
    let parent = dir.parent().expect("a parent");
    let (environment, cluster) = match name(parent).as_str() {
        "flux" => (name(dir), None),
        _ => (name(parent), Some(name(dir))),
    };
    let refs = release["spec"]["valuesFrom"].as_array().expect("valuesFrom");
    let mut files = vec![format!("values-{environment}.yaml")];
    files.extend(cluster.map(|c| gitops_gen::layout::cluster_file(&c)));
    files.push(gitops_gen::layout::pin_file(&environment));
    assert_eq!(refs.len(), files.len(), "{}: valuesFrom", dir.display());
    for (reference, file) in refs.iter().zip(&files) {
        assert_eq!(reference["kind"], "ConfigMap");
        assert_eq!(reference["name"], config_map["metadata"]["name"], "{}", dir.display());
        assert_eq!(reference["namespace"], Value::Null, "the release's own namespace");
        assert_eq!(config_map["metadata"]["namespace"], release["metadata"]["namespace"]);
        let key = reference["valuesKey"].as_str().expect("valuesKey");
        let text = std::fs::read_to_string(chart.join(file)).expect("a values file");
        assert_eq!(config_map["data"][key], json!(text), "{}: {key} is {file}", dir.display());
    }
}

/// The ApplicationSet's template and `templatePatch`, run through Go's
/// text/template with sprig for each element (Helm's engine; Argo CD's
/// ApplicationSet controller uses the same two), the patch merged in as Argo
/// CD does: the result is exactly the environment's own Application.
fn check_application_set(
    path: &Path,
    set: &Value,
    applications: &[Value],
    clusters: &[gitops_gen::Cluster],
) {
    let spec = &set["spec"];
    assert_eq!(spec["goTemplate"], true, "{}", path.display());
    assert_eq!(spec["goTemplateOptions"], json!(["missingkey=error"]), "{}", path.display());
    let generators = spec["generators"].as_array().expect("generators");
    let elements: Vec<Value> = generators.iter().flat_map(|g| parameters(g, clusters)).collect();
    let elements = &elements;
    assert_eq!(elements.len(), applications.len(), "one element per environment's Application");
    let chart = scratch_dir("application-set-chart");
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: set\nversion: 0.1.0\n")
        .expect("write");
    std::fs::create_dir(chart.join("templates")).expect("mkdir");
    let template = yaml_serde::to_string(&spec["template"]).expect("YAML");
    let patch = spec["templatePatch"].as_str().expect("templatePatch");
    std::fs::write(chart.join("templates/template.yaml"), under_values(&template)).expect("write");
    std::fs::write(chart.join("templates/patch.yaml"), under_values(patch)).expect("write");
    let ops = elements
        .iter()
        .map(|e| json!({"op": "render", "chart": chart, "values_yaml": e.to_string(), "name": "set"}))
        .collect();
    for (element, render) in elements.iter().zip(oracle::run(ops)) {
        assert_eq!(render["ok"], true, "{render:#}");
        let part = |name: &str| -> Value {
            let text = render["manifests"][format!("set/templates/{name}.yaml")]
                .as_str()
                .expect("a rendered template");
            yaml_serde::from_str(text).expect("rendered YAML")
        };
        let mut made = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application"});
        made.as_object_mut()
            .expect("object")
            .extend(part("template").as_object().expect("map").clone());
        merge(&mut made, &part("patch"));
        made["metadata"]["namespace"] = set["metadata"]["namespace"].clone();
        let name = made["metadata"]["name"].clone();
        let own = applications.iter().find(|a| a["metadata"]["name"] == name);
        assert_eq!(Some(&made), own, "the ApplicationSet's {element}");
    }
}

/// The parameter sets a generator makes, as Argo CD's ApplicationSet
/// controller does with Go templates: a list's elements; a matrix's every
/// pair, the first generator's keys winning (argo-cd
/// `applicationset/generators/matrix.go`, `mergo.WithOverride` applied
/// second with the first's); the clusters whose labels the selector matches,
/// as `name`, `nameNormalized`, `server` and `metadata.labels`
/// (`applicationset/generators/cluster.go`), each declared cluster standing
/// for its Secret.
fn parameters(generator: &Value, clusters: &[gitops_gen::Cluster]) -> Vec<Value> {
    if let Some(list) = generator.get("list") {
        return list["elements"].as_array().expect("elements").clone();
    }
    if let Some(matrix) = generator.get("matrix") {
        let pair = matrix["generators"].as_array().expect("two generators");
        assert_eq!(pair.len(), 2, "{matrix}");
        let mut out = Vec::new();
        for first in parameters(&pair[0], clusters) {
            for second in parameters(&pair[1], clusters) {
                let mut merged = second.as_object().expect("a map").clone();
                merged.extend(first.as_object().expect("a map").clone());
                out.push(Value::Object(merged));
            }
        }
        return out;
    }
    let selector = &generator["clusters"]["selector"];
    // An empty selector takes Argo CD's own cluster as well, which no
    // declared cluster stands for: the expansion would not match.
    let empty = |key: &str| {
        selector[key].as_object().is_none_or(|m| m.is_empty())
            && selector[key].as_array().is_none_or(|a| a.is_empty())
    };
    assert!(
        !(empty("matchLabels") && empty("matchExpressions")),
        "an empty cluster selector also takes `in-cluster` (argo-cd applicationset/generators/cluster.go)"
    );
    let matches = |labels: &std::collections::BTreeMap<String, String>| {
        let equal = selector["matchLabels"].as_object().into_iter().flatten();
        let equal = equal.clone().all(|(k, v)| labels.get(k).map(|l| json!(l)) == Some(v.clone()));
        let sets = selector["matchExpressions"].as_array().into_iter().flatten();
        equal
            && sets.clone().all(|e| {
                assert_eq!(e["operator"], "In", "{e}");
                let value = labels.get(e["key"].as_str().expect("a key"));
                value.is_some_and(|v| e["values"].as_array().expect("values").contains(&json!(v)))
            })
    };
    clusters
        .iter()
        .filter(|c| matches(c.labels()))
        .map(|c| {
            json!({
                "name": c.name(),
                "nameNormalized": c.name(),
                "server": c.server(),
                "metadata": {"labels": c.labels()},
            })
        })
        .collect()
}

/// Argo CD's template parameters are the template's root; in a chart they
/// are under `.Values`.
fn under_values(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let end = start + rest[start..].find("}}").expect("a closed action") + 2;
        out.push_str(&rest[..start]);
        let mut chars = rest[start..end].chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            if c == '.' && chars.peek().is_some_and(|n| n.is_ascii_alphabetic()) {
                out.push_str("Values.");
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A strategic merge of maps (lists replaced), as Argo CD applies
/// `templatePatch`.
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(base.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (base, patch) => *base = patch.clone(),
    }
}

/// `kubectl kustomize` of each release's overlay in `kustomize_dir`
/// (`Outputs::kustomize`) builds exactly the objects of that release's
/// native render (`Chart::render_environments`), compared by kind and name,
/// field by field; `Err` names the first difference.
pub fn check_kustomize(
    kustomize_dir: &Path,
    renders: &[gitops_gen::EnvironmentRender],
) -> Result<(), String> {
    let key = |o: &Value| {
        format!(
            "{}/{}",
            o["kind"].as_str().unwrap_or(""),
            o["metadata"]["name"].as_str().unwrap_or("")
        )
    };
    for render in renders {
        let overlay = kustomize_dir.join("overlays").join(render.path());
        let built = Command::new("kubectl")
            .arg("kustomize")
            .arg(&overlay)
            .output()
            .expect("`kubectl kustomize` is the suite's Kustomize oracle: install kubectl (it ships Kustomize)");
        if !built.status.success() {
            return Err(format!(
                "{}: {}",
                overlay.display(),
                String::from_utf8_lossy(&built.stderr)
            ));
        }
        let text = String::from_utf8(built.stdout).expect("UTF-8");
        let mut got: Vec<Value> = text
            .split("\n---\n")
            .map(|doc| {
                yaml_serde::from_str(doc).unwrap_or_else(|e| panic!("{}: {e}", overlay.display()))
            })
            .collect();
        let mut want: Vec<Value> = render.rendered.applied().map(|o| o.object.clone()).collect();
        got.sort_by_key(key);
        want.sort_by_key(key);
        let (g, w): (Vec<String>, Vec<String>) =
            (got.iter().map(key).collect(), want.iter().map(key).collect());
        if g != w {
            return Err(format!(
                "{}: kustomize builds {g:?}, the release has {w:?}",
                overlay.display()
            ));
        }
        for (g, w) in got.iter().zip(&want) {
            if let Some(at) =
                crate::differential::first_difference_of(w, g, key(w), ("render", "kustomize"))
            {
                return Err(format!("{}: {at}", overlay.display()));
            }
        }
    }
    Ok(())
}
