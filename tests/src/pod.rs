//! What the kubelet would hand the app: the environment and the files of
//! the first container of a rendered Deployment (or Job: [`simulate_kind`]), built from the rendered
//! ConfigMaps and Secrets (and any the test adds) the way Kubernetes builds
//! them: `envFrom` (with `prefix`), `env` (`value`, `configMapKeyRef`,
//! `secretKeyRef`, `optional`), and `configMap`/`secret` volumes (`items`,
//! `optional`) at their `mountPath` (`subPath` too). Later `env` entries win
//! over `envFrom`, as in Kubernetes. Then what the kubelet adds: the
//! `kubernetes` Service's link variables always, and unless the pod sets
//! `enableServiceLinks: false` those of every Service among the objects
//! (the render's and the test's), each only where the container does not
//! set the name itself. `$(VAR)` expansion is not modelled.

use base64::Engine as _;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The container's environment and mounted files.
#[derive(Debug, Default, PartialEq)]
pub struct Pod {
    pub env: BTreeMap<String, String>,
    /// Absolute path in the container → content.
    pub files: BTreeMap<PathBuf, Vec<u8>>,
    /// The mount paths, to rebase paths in `env` onto a test directory.
    pub mounts: Vec<PathBuf>,
}

/// One ConfigMap or Secret as key → bytes.
fn data_of(object: &Value) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut out = BTreeMap::new();
    let decode = |s: &str| {
        base64::engine::general_purpose::STANDARD.decode(s).map_err(|e| format!("bad base64: {e}"))
    };
    let kind = object["kind"].as_str().unwrap_or("");
    for (field, base64) in [("data", kind == "Secret"), ("binaryData", true), ("stringData", false)]
    {
        if let Some(map) = object[field].as_object() {
            for (key, value) in map {
                let text = value
                    .as_str()
                    .ok_or_else(|| format!("{kind} {field}.{key} is not a string"))?;
                out.insert(
                    key.clone(),
                    if base64 { decode(text)? } else { text.as_bytes().to_vec() },
                );
            }
        }
    }
    Ok(out)
}

/// Looks objects up by kind and name.
struct Store<'a>(Vec<&'a Value>);

impl Store<'_> {
    /// The data of the named ConfigMap or Secret; `None` when it does not
    /// exist and `optional` allows that.
    fn data(
        &self,
        kind: &str,
        name: &str,
        optional: bool,
    ) -> Result<Option<BTreeMap<String, Vec<u8>>>, String> {
        match self.0.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name) {
            Some(object) => data_of(object).map(Some),
            None if optional => Ok(None),
            None => Err(format!("{kind} {name} does not exist (the pod would not start)")),
        }
    }
}

fn text(bytes: &[u8], what: &str) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| format!("{what} is not UTF-8"))
}

fn is_env_name(name: &str) -> bool {
    // Kubernetes' rule for env var names (C_IDENTIFIER-like, also `.` and `-`).
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The first container of the app's workload ([`app_workload`]) among `objects`, with the
/// ConfigMaps and Secrets among `objects` and `extra`.
pub fn simulate(objects: &[Value], extra: &[Value]) -> Result<Pod, String> {
    simulate_kind(objects, extra, app_workload(objects))
}

/// The kind that runs the app's pods: its Deployment, or the Argo Rollouts
/// Rollout that replaces it while a canary is on.
pub fn app_workload(objects: &[Value]) -> &'static str {
    if objects.iter().any(|o| o["kind"] == "Rollout") {
        "Rollout"
    } else {
        "Deployment"
    }
}

/// The first container of the first workload of `kind` among `objects`
/// (a Deployment or a Job: both have a pod template at `spec.template`).
pub fn simulate_kind(objects: &[Value], extra: &[Value], kind: &str) -> Result<Pod, String> {
    let store = Store(objects.iter().chain(extra).collect());
    let workload =
        store.0.iter().find(|o| o["kind"] == kind).ok_or_else(|| format!("no {kind}"))?;
    let spec = &workload["spec"]["template"]["spec"];
    let container = &spec["containers"][0];
    let mut pod = Pod::default();

    for source in container["envFrom"].as_array().into_iter().flatten() {
        let prefix = source["prefix"].as_str().unwrap_or("");
        let (kind, reference) = if source["configMapRef"].is_object() {
            ("ConfigMap", &source["configMapRef"])
        } else {
            ("Secret", &source["secretRef"])
        };
        let name = reference["name"].as_str().ok_or("envFrom without a name")?;
        let optional = reference["optional"] == true;
        for (key, bytes) in store.data(kind, name, optional)?.into_iter().flatten() {
            let var = format!("{prefix}{key}");
            if is_env_name(&var) {
                pod.env.insert(var, text(&bytes, &key)?);
            }
        }
    }
    for var in container["env"].as_array().into_iter().flatten() {
        let name = var["name"].as_str().ok_or("env without a name")?.to_owned();
        if let Some(value) = var["value"].as_str() {
            pod.env.insert(name, value.to_owned());
            continue;
        }
        let from = &var["valueFrom"];
        let (kind, reference) = if from["configMapKeyRef"].is_object() {
            ("ConfigMap", &from["configMapKeyRef"])
        } else if from["secretKeyRef"].is_object() {
            ("Secret", &from["secretKeyRef"])
        } else if var.get("valueFrom").is_none() {
            pod.env.insert(name, String::new());
            continue;
        } else {
            return Err(format!("env {name}: valueFrom not modelled: {from}"));
        };
        let optional = reference["optional"] == true;
        let object = reference["name"].as_str().ok_or("keyRef without a name")?;
        let key = reference["key"].as_str().ok_or("keyRef without a key")?;
        match store.data(kind, object, optional)?.and_then(|data| data.get(key).cloned()) {
            Some(bytes) => {
                pod.env.insert(name, text(&bytes, key)?);
            }
            None if optional => {}
            None => return Err(format!("env {name}: key {key} of {kind} {object} does not exist")),
        }
    }

    // The API server's own Service, from the `default` namespace, is linked
    // into every pod; the namespace's Services unless links are off.
    let api_server = json!({"kind": "Service", "metadata": {"name": "kubernetes"},
        "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443}]}});
    let mut services = vec![&api_server];
    if spec["enableServiceLinks"] != false {
        services.extend(store.0.iter().filter(|o| o["kind"] == "Service"));
    }
    for (i, service) in services.into_iter().enumerate() {
        for (name, value) in service_links(service, i)? {
            pod.env.entry(name).or_insert(value);
        }
    }

    let volumes: BTreeMap<&str, &Value> = spec["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| Some((v["name"].as_str()?, v)))
        .collect();
    for mount in container["volumeMounts"].as_array().into_iter().flatten() {
        let name = mount["name"].as_str().ok_or("volumeMount without a name")?;
        let at = PathBuf::from(mount["mountPath"].as_str().ok_or("volumeMount without a path")?);
        let volume = volumes.get(name).ok_or_else(|| format!("no volume {name}"))?;
        let (kind, source, object) = if volume["configMap"].is_object() {
            ("ConfigMap", &volume["configMap"], &volume["configMap"]["name"])
        } else if volume["secret"].is_object() {
            ("Secret", &volume["secret"], &volume["secret"]["secretName"])
        } else {
            // emptyDir and the like: no files to model.
            pod.mounts.push(at);
            continue;
        };
        let object = object.as_str().ok_or("volume without a name")?;
        let Some(data) = store.data(kind, object, source["optional"] == true)? else {
            pod.mounts.push(at);
            continue;
        };
        // `items` picks keys and names their files; without it every key is a file.
        let files: Vec<(String, Vec<u8>)> = match source["items"].as_array() {
            Some(items) => items
                .iter()
                .map(|item| {
                    let key = item["key"].as_str().unwrap_or("");
                    let path = item["path"].as_str().unwrap_or(key);
                    data.get(key)
                        .map(|b| (path.to_owned(), b.clone()))
                        .ok_or_else(|| format!("{kind} {object} has no key {key}"))
                })
                .collect::<Result<_, _>>()?,
            None => data.into_iter().collect(),
        };
        match mount["subPath"].as_str() {
            Some(sub) => {
                if let Some((_, bytes)) = files.into_iter().find(|(path, _)| path == sub) {
                    pod.files.insert(at.clone(), bytes);
                }
            }
            None => {
                for (path, bytes) in files {
                    pod.files.insert(at.join(path), bytes);
                }
            }
        }
        pod.mounts.push(at);
    }
    Ok(pod)
}

/// The kubelet's variables for one Service: name upper-cased with `-` as
/// `_`; host and first port; each named port; and Docker's link variables
/// per port. A Service without a `clusterIP` gets `10.96.0.<10 + nth>`; a
/// headless one (`None`) gets none.
pub fn service_links(service: &Value, nth: usize) -> Result<Vec<(String, String)>, String> {
    let name = service["metadata"]["name"].as_str().ok_or("Service without a name")?;
    let ip = match service["spec"]["clusterIP"].as_str() {
        Some("None") => return Ok(Vec::new()),
        Some(ip) => ip.to_owned(),
        None => format!("10.96.0.{}", 10 + nth),
    };
    let s = name.to_uppercase().replace('-', "_");
    let ports = service["spec"]["ports"].as_array().ok_or("Service without ports")?;
    let mut out = vec![(format!("{s}_SERVICE_HOST"), ip.clone())];
    for (i, port) in ports.iter().enumerate() {
        let number = port["port"].as_u64().ok_or("Service port without a number")?;
        let proto = port["protocol"].as_str().unwrap_or("TCP");
        let url = format!("{}://{ip}:{number}", proto.to_lowercase());
        if i == 0 {
            out.push((format!("{s}_SERVICE_PORT"), number.to_string()));
            out.push((format!("{s}_PORT"), url.clone()));
        }
        if let Some(port_name) = port["name"].as_str() {
            let port_name = port_name.to_uppercase().replace('-', "_");
            out.push((format!("{s}_SERVICE_PORT_{port_name}"), number.to_string()));
        }
        let link = format!("{s}_PORT_{number}_{proto}");
        out.push((format!("{link}_PROTO"), proto.to_lowercase()));
        out.push((format!("{link}_PORT"), number.to_string()));
        out.push((format!("{link}_ADDR"), ip.clone()));
        out.push((link, url));
    }
    Ok(out)
}

impl Pod {
    /// Writes the files under `root` and returns the environment with every
    /// value that is a path under a mount rebased onto `root`, so a loader
    /// running outside a container reads the same files.
    pub fn materialize(&self, root: &Path) -> BTreeMap<String, String> {
        let rebase = |p: &Path| root.join(p.strip_prefix("/").unwrap_or(p));
        for (path, bytes) in &self.files {
            let file = rebase(path);
            std::fs::create_dir_all(file.parent().expect("a file has a parent"))
                .expect("create dirs");
            std::fs::write(&file, bytes).expect("write file");
        }
        self.env
            .iter()
            .map(|(name, value)| {
                let path = Path::new(value);
                let mounted = path.is_absolute() && self.mounts.iter().any(|m| path.starts_with(m));
                let value = if mounted {
                    rebase(path).to_string_lossy().into_owned()
                } else {
                    value.clone()
                };
                (name.clone(), value)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(container: Value, volumes: Value) -> Value {
        json!({"kind": "Deployment", "spec": {"template": {"spec": {
            "containers": [container], "volumes": volumes}}}})
    }

    fn objects() -> Vec<Value> {
        vec![
            json!({"kind": "ConfigMap", "metadata": {"name": "cm"},
                   "data": {"A": "1", "B": "two", "not valid!": "x", "file.json": "{}"}}),
            json!({"kind": "Secret", "metadata": {"name": "s"},
                   "data": {"token": "c2VjcmV0", "other": "b3RoZXI="}}),
        ]
    }

    #[test]
    fn env_from_and_env_in_kubernetes_order() {
        let container = json!({
            "envFrom": [{"configMapRef": {"name": "cm"}, "prefix": "P_"}, {"secretRef": {"name": "missing", "optional": true}}],
            "env": [
                {"name": "P_A", "value": "over"},
                {"name": "T", "valueFrom": {"secretKeyRef": {"name": "s", "key": "token"}}},
                {"name": "C", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "nope", "optional": true}}},
            ],
        });
        let mut all = objects();
        all.push(deployment(container, json!([])));
        let pod = simulate(&all, &[]).unwrap();
        let env: Vec<(&str, &str)> = pod
            .env
            .iter()
            .filter(|(k, _)| !k.starts_with("KUBERNETES_"))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        // Invalid names from envFrom are skipped; a later env entry wins.
        assert_eq!(env, [("P_A", "over"), ("P_B", "two"), ("P_file.json", "{}"), ("T", "secret")]);
    }

    fn orders_db() -> Value {
        json!({"kind": "Service", "metadata": {"name": "orders-db"}, "spec": {
            "clusterIP": "10.96.0.50",
            "ports": [{"name": "pg", "port": 5432}, {"port": 9187, "protocol": "TCP"}]}})
    }

    #[test]
    fn service_links_unless_the_pod_turns_them_off() {
        let container = json!({"env": [{"name": "ORDERS_DB_PORT", "value": "mine"}]});
        let mut all = vec![deployment(container.clone(), json!([]))];
        let pod = simulate(&all, &[orders_db()]).unwrap();
        let links: Vec<(&str, &str)> = pod
            .env
            .iter()
            .filter(|(k, _)| k.starts_with("ORDERS_DB_"))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            links,
            [
                ("ORDERS_DB_PORT", "mine"), // the container's own wins
                ("ORDERS_DB_PORT_5432_TCP", "tcp://10.96.0.50:5432"),
                ("ORDERS_DB_PORT_5432_TCP_ADDR", "10.96.0.50"),
                ("ORDERS_DB_PORT_5432_TCP_PORT", "5432"),
                ("ORDERS_DB_PORT_5432_TCP_PROTO", "tcp"),
                ("ORDERS_DB_PORT_9187_TCP", "tcp://10.96.0.50:9187"),
                ("ORDERS_DB_PORT_9187_TCP_ADDR", "10.96.0.50"),
                ("ORDERS_DB_PORT_9187_TCP_PORT", "9187"),
                ("ORDERS_DB_PORT_9187_TCP_PROTO", "tcp"),
                ("ORDERS_DB_SERVICE_HOST", "10.96.0.50"),
                ("ORDERS_DB_SERVICE_PORT", "5432"),
                ("ORDERS_DB_SERVICE_PORT_PG", "5432"),
            ]
        );
        assert_eq!(pod.env["KUBERNETES_SERVICE_PORT_HTTPS"], "443");

        all[0]["spec"]["template"]["spec"]["enableServiceLinks"] = json!(false);
        let pod = simulate(&all, &[orders_db()]).unwrap();
        let names: Vec<&str> = pod.env.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "KUBERNETES_PORT",
                "KUBERNETES_PORT_443_TCP",
                "KUBERNETES_PORT_443_TCP_ADDR",
                "KUBERNETES_PORT_443_TCP_PORT",
                "KUBERNETES_PORT_443_TCP_PROTO",
                "KUBERNETES_SERVICE_HOST",
                "KUBERNETES_SERVICE_PORT",
                "KUBERNETES_SERVICE_PORT_HTTPS",
                "ORDERS_DB_PORT",
            ],
            "only the API server's links, and the container's own variable"
        );
    }

    #[test]
    fn the_loader_tells_every_emulated_link_by_name_and_value() {
        let headless = json!({"kind": "Service", "metadata": {"name": "h"}, "spec": {"clusterIP": "None", "ports": [{"port": 1}]}});
        assert_eq!(service_links(&headless, 0).unwrap(), []);
        for (name, value) in service_links(&orders_db(), 0).unwrap() {
            assert!(gitops_model::service_link::is_service_link(&name, &value), "{name}={value}");
        }
    }

    #[test]
    fn volumes_with_items_sub_paths_and_whole_objects() {
        let container = json!({"volumeMounts": [
            {"name": "config", "mountPath": "/etc/app"},
            {"name": "one", "mountPath": "/etc/one.json", "subPath": "renamed.json"},
            {"name": "secrets", "mountPath": "/run/s", "readOnly": true},
            {"name": "tmp", "mountPath": "/tmp"},
        ]});
        let volumes = json!([
            {"name": "config", "configMap": {"name": "cm", "items": [{"key": "file.json", "path": "config.json"}]}},
            {"name": "one", "configMap": {"name": "cm", "items": [{"key": "file.json", "path": "renamed.json"}]}},
            {"name": "secrets", "secret": {"secretName": "s"}},
            {"name": "tmp", "emptyDir": {}},
        ]);
        let mut all = objects();
        all.push(deployment(container, volumes));
        let pod = simulate(&all, &[]).unwrap();
        let files: Vec<&str> = pod.files.keys().map(|p| p.to_str().unwrap()).collect();
        assert_eq!(
            files,
            ["/etc/app/config.json", "/etc/one.json", "/run/s/other", "/run/s/token"]
        );
        assert_eq!(pod.files[Path::new("/run/s/token")], b"secret");
    }

    #[test]
    fn what_would_keep_the_pod_from_starting_is_an_error() {
        let missing_key = json!({"env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "nope"}}}]});
        let mut all = objects();
        all.push(deployment(missing_key, json!([])));
        assert!(simulate(&all, &[]).unwrap_err().contains("nope"));
        let missing_object = json!({"envFrom": [{"configMapRef": {"name": "absent"}}]});
        let all = vec![deployment(missing_object, json!([]))];
        assert!(simulate(&all, &[]).unwrap_err().contains("absent"));
    }

    #[test]
    fn materialized_paths_point_into_the_root() {
        let pod = Pod {
            env: [
                ("F".to_string(), "/etc/app/config.json".to_string()),
                ("N".into(), "/elsewhere".into()),
            ]
            .into(),
            files: [(PathBuf::from("/etc/app/config.json"), b"{}".to_vec())].into(),
            mounts: vec![PathBuf::from("/etc/app")],
        };
        let root = crate::scratch_dir("pod-materialize");
        let env = pod.materialize(&root);
        assert_eq!(Path::new(&env["F"]), root.join("etc/app/config.json"));
        assert_eq!(env["N"], "/elsewhere", "not under a mount: unchanged");
        assert_eq!(std::fs::read(root.join("etc/app/config.json")).unwrap(), b"{}");
    }
}
