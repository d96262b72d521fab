#!/usr/bin/env python3
"""Test oracle: lets the Rust integration tests ask real tools about generated charts.

Protocol: read ONE JSON request `{"ops": [op, ...]}` from stdin, write ONE JSON
response `{"results": [result, ...]}` (same order) to stdout.

Exit codes: 0 = request processed (tool findings are data, reported as ok=false),
2 = malformed request, 3 = oracle tools not installed, 1 = unexpected crash
(traceback on stderr).

Ops (each op_* function below documents its fields):
  lint, render, validate_k8s, render_validate, jsonschema, create_starter, ci_schema,
  values_from_yaml, checkov, releases, render_bench. A failing op yields {"ok": false, "error": "<Type>: <message>"}
  without affecting the other ops of the request.

Everything is offline: Helm renders/lints in-process through its Go SDK,
kubernetes-validate ships its schemas inside the package, custom resources are
checked by crd/validate.mjs against CRD schemas inside pinned npm packages, and
jsonschema gets an empty reference registry so it can never fetch a remote
`$ref`. As a backstop, Python-level sockets are disabled below.
"""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import traceback

try:
    import helm_python
    from helm_python import _native as helm_native  # the values bridge, see _values
    import jsonschema
    import kubernetes_validate
    import referencing
    import yaml
except ImportError as exc:
    print(
        f"oracle.py: missing Python module '{exc.name}'. The test oracles are installed by "
        "`cargo xtask test` into target/oracle-venv "
        "(pip install -r tests/oracle/requirements.txt).",
        file=sys.stderr,
    )
    sys.exit(3)


def _offline(*_args, **_kwargs):
    raise OSError("oracle.py is offline-only: network access is disabled")


# Backstop against any Python-side network use (e.g. a remote $ref lookup).
socket.socket.connect = socket.socket.connect_ex = _offline
socket.create_connection = socket.getaddrinfo = _offline

SEVERITIES = {0: "unknown", 1: "info", 2: "warning", 3: "error"}


class KubeLoader(yaml.SafeLoader):
    """PyYAML's YAML 1.1 SafeLoader, adjusted to the Go decoder kube clients use
    (sigs.k8s.io/yaml), so objects are what a cluster would receive: timestamps and
    base-60 numbers stay strings, y/n are booleans (keys too), `1e3` and `0o17` are
    numbers, a bare `=` is a string and !!binary becomes its decoded text. Plain
    safe_load differs on all of these (and yields dates JSON cannot carry)."""


def _str(loader, node):
    return loader.construct_scalar(node)


def _no_base60(base):
    return lambda loader, node: _str(loader, node) if ":" in node.value else base(loader, node)


def _bool(loader, node):
    return _str(loader, node).lower() in ("y", "yes", "true", "on")


def _binary(loader, node):
    return yaml.SafeLoader.construct_yaml_binary(loader, node).decode("utf-8", "replace")


for _tag, _ctor in [
    ("timestamp", _str), ("value", _str), ("bool", _bool), ("binary", _binary),
    ("int", _no_base60(yaml.SafeLoader.construct_yaml_int)),
    ("float", _no_base60(yaml.SafeLoader.construct_yaml_float)),
]:
    KubeLoader.add_constructor("tag:yaml.org,2002:" + _tag, _ctor)
KubeLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^[yYnN]$"), list("yYnN"))
KubeLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?0o[0-7_]+$"), list("-+0"))
KubeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)


def _go_float(text):
    """Go's JSON encoder writes integral floats below 1e21 without a fraction."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 1e21 else value


def _go_int(text):
    """Go's JSON writes a float64 -0 as `-0`, which Python reads as the integer 0."""
    return -0.0 if text == "-0" else int(text)


def _values(op):
    """Values exactly as Helm reads a -f file (YAML 1.1 via Helm's own parser).
    Decoded here, not by helm_python.values_from_yaml, so that a -0 reaches
    Helm's render as the float64 -0 that `helm template -f` would give it."""
    text = op.get("values_yaml")
    if text is None:
        return None
    return json.loads(helm_native.call_string("helm_values_from_yaml", text), parse_int=_go_int)


def op_lint(op):
    """`helm lint [--strict]`; ok=false iff any warning/error message or report error."""
    report = helm_python.lint(op["chart"], _values(op), strict=op.get("strict", True))
    messages = [
        {"severity": SEVERITIES.get(m.get("severity"), "unknown"),
         "path": m.get("path", ""), "error": m.get("error", "")}
        for m in report.get("messages") or []
    ]
    # Report-level errors normally repeat a message; keep any that do not
    # (e.g. a missing Chart.yaml) so ok=false always comes with a reason.
    seen = {m["error"] for m in messages}
    messages += [{"severity": "error", "path": "", "error": e}
                 for e in report.get("errors") or [] if e not in seen]
    bad = any(m["severity"] in ("warning", "error") for m in messages)
    return {"ok": not bad and not report.get("errors"), "messages": messages}


def op_render(op):
    """`helm template`: manifests per template plus every parsed YAML document."""
    try:
        with helm_python.Chart.load(op["chart"]) as chart:
            manifests = chart.render(_values(op), name=op.get("name"), namespace=op.get("namespace"))
    except helm_python.HelmError as exc:  # schema, values and template errors
        return {"ok": False, "error": str(exc)}
    objects = []
    for template in sorted(manifests):
        if template.endswith("NOTES.txt"):  # Helm prints it; it is not a manifest
            continue
        try:
            for doc in yaml.load_all(manifests[template], Loader=KubeLoader):
                if doc is None:
                    continue
                # Round-trip through JSON like a kube client does before sending:
                # int keys become strings, NaN/Inf is rejected, 1.0 becomes 1.
                doc = json.loads(json.dumps(doc, allow_nan=False), parse_float=_go_float)
                objects.append({"template": template, "object": doc})
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            return {"ok": False, "error": f"template {template}: invalid YAML: {exc}"}
    return {"ok": True, "manifests": manifests, "objects": objects}


def _validate_one(entry, version):
    """One readable error string for an invalid object, or None if it is valid."""
    obj, template = entry.get("object"), entry.get("template", "?")
    if not isinstance(obj, dict) or not isinstance(obj.get("apiVersion"), str) \
            or not isinstance(obj.get("kind"), str):
        return f"{template}: not a Kubernetes object (needs apiVersion and kind): {json.dumps(obj)[:200]}"
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    where = f"{template} {obj['kind']}/{meta.get('name', '?')}"
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        # jsonschema error: json_path like "$.spec.template.spec.containers[0]".
        return f"{where}: {exc.json_path}: {exc.message}"
    except Exception as exc:  # no schema for kind, unsupported version, ...
        # These classes carry their text in .message; str(exc) is empty.
        return f"{where}: {type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
    return None


# Custom resources kubernetes-validate has no schema for: checked against their
# CRDs' schemas by crd/validate.mjs (Node.js) instead.
CRD_API_VERSIONS = {"gateway.networking.k8s.io/v1", "external-secrets.io/v1", "argoproj.io/v1alpha1",
                    "helm.toolkit.fluxcd.io/v2", "source.toolkit.fluxcd.io/v1",
                    "kustomize.toolkit.fluxcd.io/v1",
                    "notification.toolkit.fluxcd.io/v1beta3", "bitnami.com/v1alpha1",
                    "monitoring.coreos.com/v1"}
HERE = os.path.dirname(os.path.abspath(__file__))


def _validate_custom(entries):
    """One error string (or None) per custom resource, from their CRD schemas."""
    if not entries:
        return []
    node_modules = os.environ.get("GITOPS_ORACLE_NODE_MODULES") or os.path.join(
        HERE, "..", "..", "target", "oracle-node", "node_modules")
    if not os.path.isdir(node_modules):
        raise RuntimeError(
            f"the custom-resource oracle is not installed at {node_modules}: run the suite with "
            "`cargo xtask test` (it runs `npm ci` for tests/oracle/crd), or set "
            "GITOPS_ORACLE_NODE_MODULES")
    request = {"node_modules": os.path.abspath(node_modules),
               "objects": [e["object"] for e in entries]}
    done = subprocess.run(["node", os.path.join(HERE, "crd", "validate.mjs")],
                          input=json.dumps(request), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"crd/validate.mjs failed ({done.returncode}): {done.stderr}")
    errors = []
    for entry, error in zip(entries, json.loads(done.stdout)):
        if error:
            meta = entry["object"].get("metadata") or {}
            errors.append(f"{entry.get('template', '?')} {entry['object']['kind']}/"
                          f"{meta.get('name', '?')}: {error}")
    return errors


def op_validate_k8s(op):
    """Structural validation against the bundled Kubernetes OpenAPI schemas (strict:
    unknown fields are errors), and custom resources against their CRD schemas.
    Reports the first (best-match) error per object."""
    version = op.get("version", "1.33.0")
    is_custom = lambda e: isinstance(e.get("object"), dict) and \
        e["object"].get("apiVersion") in CRD_API_VERSIONS
    custom = [e for e in op["objects"] if is_custom(e)]
    builtin = [e for e in op["objects"] if not is_custom(e)]
    errors = [e for e in (_validate_one(x, version) for x in builtin) if e]
    errors += _validate_custom(custom)
    return {"ok": not errors, "errors": errors}


def op_crds(op):
    """What Helm installs from `crds/` before any template (the install action's
    CRDObjects), each document parsed, and validated like a rendered object."""
    try:
        with helm_python.Chart.load(op["chart"]) as chart:
            crds = chart.crds
    except helm_python.HelmError as exc:
        return {"ok": False, "error": str(exc)}
    objects = []
    for crd in crds:
        for doc in yaml.load_all(crd["data"], Loader=KubeLoader):
            if doc is not None:
                objects.append({"template": crd["filename"], "object": doc})
    checked = op_validate_k8s({"objects": objects, "version": op.get("version", "1.33.0")})
    return {"ok": checked["ok"], "errors": checked["errors"], "objects": objects}


def op_render_validate(op):
    rendered = op_render(op)
    if not rendered["ok"]:
        return {"ok": False, "error": rendered["error"], "errors": [], "objects": []}
    checked = op_validate_k8s({"objects": rendered["objects"], "version": op.get("version", "1.33.0")})
    return {"ok": checked["ok"], "error": None, "errors": checked["errors"],
            "objects": rendered["objects"], "manifests": rendered["manifests"]}


def op_jsonschema(op):
    """Validate values (parsed as Helm parses them) against a values.schema.json."""
    with open(op["schema_file"], encoding="utf-8") as f:
        schema = json.load(f)
    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return {"ok": False, "errors": [f"schema: {exc.json_path}: {exc.message}"]}
    instance = helm_python.values_from_yaml(op["instance_yaml"])
    # An empty registry: remote $refs fail instead of being downloaded.
    validator = jsonschema.Draft7Validator(schema, registry=referencing.Registry())
    errors = sorted(f"{e.json_path}: {e.message}" for e in validator.iter_errors(instance))
    return {"ok": not errors, "errors": errors}


def op_ci_schema(op):
    """Validate a CI pipeline (YAML) against the schema check-jsonschema
    vendors for its system ("github": GitHub Actions workflows, "gitlab":
    GitLab CI), offline: the schema files ship in the package."""
    import importlib.resources

    names = {"github": "github-workflows.json", "gitlab": "gitlab-ci.json"}
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads((vendor / names[op["system"]]).read_text(encoding="utf-8"))
    # YAML 1.2, as the CI systems read it: GitHub's `on:` stays a key.
    from ruamel.yaml import YAML

    instance = YAML(typ="safe", pure=True).load(op["yaml"])
    validator = jsonschema.Draft7Validator(schema, registry=referencing.Registry())
    errors = sorted(f"{e.json_path}: {e.message}" for e in validator.iter_errors(instance))
    return {"ok": not errors, "errors": errors, "parsed": instance}


def op_create_starter(op):
    """`helm create NAME` inside an existing directory DIR; creates DIR/NAME."""
    helm_python.Chart.create(op["name"], op["dir"]).close()
    chart_dir = os.path.join(op["dir"], op["name"])
    with open(os.path.join(chart_dir, "values.yaml"), encoding="utf-8") as f:
        return {"ok": True, "chart": chart_dir, "values_yaml": f.read()}


def _as_deployment(obj):
    """An Argo Rollouts Rollout as the Deployment of the same pod template, which
    checkov's Kubernetes checks read (they know no Rollout); other objects as they are."""
    if obj.get("apiVersion") != "argoproj.io/v1alpha1" or obj.get("kind") != "Rollout":
        return obj
    spec = {k: v for k, v in obj["spec"].items() if k != "strategy"}
    return {**obj, "apiVersion": "apps/v1", "kind": "Deployment", "spec": spec}


def op_checkov(op):
    """Render, then scan the manifests with checkov's Kubernetes checks.

    checkov runs as its own process (the one installed beside this Python),
    always with --skip-download so it never fetches checks or metadata.
    """
    rendered = op_render(op)
    if not rendered["ok"]:
        return {"ok": False, "error": rendered["error"]}
    checkov = os.path.join(os.path.dirname(sys.executable), "checkov")
    with tempfile.TemporaryDirectory(prefix="oracle-checkov-") as tmp:
        for template, text in rendered["manifests"].items():
            if template.endswith(".yaml") and text.strip():
                objects = [o["object"] for o in rendered["objects"] if o["template"] == template]
                if any(o.get("kind") == "Rollout" for o in objects):
                    text = yaml.safe_dump_all([_as_deployment(o) for o in objects])
                with open(os.path.join(tmp, template.replace("/", "__")), "w", encoding="utf-8") as f:
                    f.write(text)
        proc = subprocess.run(
            [checkov, "-d", tmp, "--framework", "kubernetes", "--skip-download",
             "--compact", "-o", "json"],
            capture_output=True, text=True, check=False,
            env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
        )
    # Exit 1 means "some check failed", which is data here.
    if proc.returncode not in (0, 1):
        return {"ok": False, "error": f"checkov exited {proc.returncode}: {proc.stderr[-2000:]}"}
    reports = json.loads(proc.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed, skipped, passed = [], [], 0
    for report in reports:
        passed += report.get("summary", {}).get("passed", 0)
        results = report.get("results", {})
        for check in results.get("failed_checks", []):
            failed.append({"check_id": check["check_id"], "resource": check["resource"],
                           "check_name": check["check_name"]})
        for check in results.get("skipped_checks", []):
            skipped.append({"check_id": check["check_id"], "resource": check["resource"],
                            "reason": (check.get("check_result") or {}).get("suppress_comment")})
    by_id = lambda c: (c["check_id"], c["resource"])
    return {"ok": True, "passed": passed, "failed": sorted(failed, key=by_id),
            "skipped": sorted(skipped, key=by_id)}


def op_render_bench(op):
    """Render cost, timed here (perf_counter around each SDK render) so it measures
    Helm, not process start: each of `charts` ({"name", "chart", and optionally
    "values_yaml"}) is loaded once and rendered once to warm up (its values read
    once, as a -f file), then all are rendered in turn,
    `rounds` times, so load on the machine falls on every chart alike. Helm
    compiles values.schema.json inside every render. Returns the milliseconds of
    every render per chart name, in round order."""
    import time

    charts = op["charts"]
    rounds = int(op["rounds"])
    if rounds < 1 or not charts:
        raise ValueError("render_bench needs at least one chart and one round")
    loaded = []
    try:
        for entry in charts:
            chart = helm_python.Chart.load(entry["chart"])
            values = _values(entry)
            loaded.append((entry["name"], chart, values))
            chart.render(values, name="release", namespace="shop")
        ms = {name: [] for name, _, _ in loaded}
        for _ in range(rounds):
            for name, chart, values in loaded:
                start = time.perf_counter()
                chart.render(values, name="release", namespace="shop")
                ms[name].append((time.perf_counter() - start) * 1000.0)
    finally:
        for _, chart, _ in loaded:
            chart.close()
    return {"ok": True, "helm": helm_python.helm_sdk_version(), "ms": ms}


def op_values_from_yaml(op):
    return {"ok": True, "values": helm_python.values_from_yaml(op["yaml"])}


# --- releases: install and upgrade with Helm's own actions, against a stand-in API server ---
#
# Helm's install and upgrade actions talk to a cluster even when nothing about
# the cluster matters to the question (how values are combined): the upgrade
# checks that the API server is reachable, both discover the API and download
# its OpenAPI document to validate objects, and apply them. _FakeKubeAPI answers
# just that, on 127.0.0.1 (no network): discovery for the kinds the generated
# charts render, an OpenAPI v2 document whose definitions accept any object,
# and an in-memory object store for GET / POST / PATCH / DELETE. Releases live
# in Helm's "memory" storage driver, so every value Helm computes, stores and
# reuses is Helm's own; only the objects' fate on a server is not real.

_FAKE_CORE = [("configmaps", "ConfigMap", True), ("serviceaccounts", "ServiceAccount", True),
              ("services", "Service", True), ("pods", "Pod", True), ("secrets", "Secret", True),
              ("namespaces", "Namespace", False)]
_FAKE_GROUPS = {
    ("apps", "v1"): [("deployments", "Deployment", True)],
    ("networking.k8s.io", "v1"): [("networkpolicies", "NetworkPolicy", True),
                                  ("ingresses", "Ingress", True)],
    ("policy", "v1"): [("poddisruptionbudgets", "PodDisruptionBudget", True)],
    ("autoscaling", "v2"): [("horizontalpodautoscalers", "HorizontalPodAutoscaler", True)],
    ("gateway.networking.k8s.io", "v1"): [("httproutes", "HTTPRoute", True)],
    ("external-secrets.io", "v1"): [("externalsecrets", "ExternalSecret", True)],
    ("bitnami.com", "v1alpha1"): [("sealedsecrets", "SealedSecret", True)],
}


def _pb_varint(n):
    out = b""
    while True:
        low, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([low])
        out += bytes([low | 0x80])


def _pb_field(number, payload):
    """A length-delimited protobuf field (a string or an embedded message)."""
    payload = payload.encode() if isinstance(payload, str) else payload
    return _pb_varint(number << 3 | 2) + _pb_varint(len(payload)) + payload


def _fake_openapi_v2():
    """gnostic's openapi_v2.Document as protobuf (what /openapi/v2 serves): one
    definition per kind (Schema.description = 4, Schema.vendor_extension = 31
    carrying x-kubernetes-group-version-kind), with neither type nor properties,
    which kubectl's validator reads as "any value"."""
    definitions = b""
    for (group, version), kinds in [(("", "v1"), _FAKE_CORE), *_FAKE_GROUPS.items()]:
        for _, kind, _ in kinds:
            gvk = f'- group: "{group}"\n  version: {version}\n  kind: {kind}\n'
            extension = _pb_field(1, "x-kubernetes-group-version-kind") + _pb_field(2, _pb_field(2, gvk))
            schema = _pb_field(4, "any object (stand-in API server)") + _pb_field(31, extension)
            name = f"fake.{group or 'core'}.{version}.{kind}"
            definitions += _pb_field(1, _pb_field(1, name) + _pb_field(2, schema))
    info = _pb_field(1, "Kubernetes") + _pb_field(2, "v1.33.0")
    return _pb_field(1, "2.0") + _pb_field(2, info) + _pb_field(9, definitions)


class _FakeKubeAPI:
    """A stand-in Kubernetes API server on 127.0.0.1, for Helm's release actions."""

    def __init__(self):
        import http.server
        import socketserver
        import threading

        objects = {}
        openapi = _fake_openapi_v2()

        def resources(group_version, kinds):
            return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
                    "resources": [{"name": plural, "singularName": kind.lower(), "namespaced": namespaced,
                                   "kind": kind, "verbs": ["create", "delete", "get", "list", "patch",
                                                           "update", "watch"]}
                                  for plural, kind, namespaced in kinds]}

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *_args):
                pass

            def send(self, code, body, content_type="application/json"):
                body = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def not_found(self):
                self.send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                "reason": "NotFound", "code": 404, "message": f"{self.path} not found"})

            def answer(self):
                path = self.path.split("?")[0]
                if path == "/version":
                    return self.send(200, {"major": "1", "minor": "33", "gitVersion": "v1.33.0",
                                           "platform": "linux/amd64"})
                if path == "/api":
                    return self.send(200, {"kind": "APIVersions", "versions": ["v1"],
                                           "serverAddressByClientCIDRs": [
                                               {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
                if path == "/apis":
                    return self.send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                        {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v}],
                         "preferredVersion": {"groupVersion": f"{g}/{v}", "version": v}}
                        for g, v in _FAKE_GROUPS]})
                if path == "/openapi/v2":
                    return self.send(200, openapi, "application/octet-stream")
                if path == "/api/v1":
                    return self.send(200, resources("v1", _FAKE_CORE))
                match = re.fullmatch(r"/apis/([^/]+)/([^/]+)", path)
                if match and (match[1], match[2]) in _FAKE_GROUPS:
                    return self.send(200, resources(f"{match[1]}/{match[2]}", _FAKE_GROUPS[match[1], match[2]]))
                match = re.fullmatch(r"/(?:api/v1|apis/[^/]+/[^/]+)(?:/namespaces/[^/]+)?/[^/]+(/[^/]+)?", path)
                if not match:
                    return self.not_found()
                if self.command == "GET":
                    if match[1] is None:
                        return self.send(200, {"kind": "List", "apiVersion": "v1",
                                               "metadata": {"resourceVersion": "1"}, "items": []})
                    return self.send(200, objects[path]) if path in objects else self.not_found()
                if self.command == "DELETE":
                    objects.pop(path, None)
                    return self.send(200, {"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 200})
                length = int(self.headers.get("Content-Length") or 0)
                body = yaml.safe_load(self.rfile.read(length)) if length else None
                key = path if match[1] else f"{path}/{body['metadata']['name']}"
                previous = objects.get(key)
                if self.command == "PATCH" and "apply-patch" not in (self.headers.get("Content-Type") or ""):
                    body = previous  # a client-side merge patch: the stored object is enough here
                if not isinstance(body, dict):
                    return self.not_found()
                body.setdefault("metadata", {}).setdefault("uid", f"uid-{len(objects)}")
                body["metadata"]["resourceVersion"] = str(len(objects) + 1)
                objects[key] = body
                return self.send(200 if previous else 201, body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

        class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        port = self.server.server_address[1]
        self.kubeconfig = (
            "apiVersion: v1\nkind: Config\n"
            f"clusters: [{{name: fake, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
            "users: [{name: fake, user: {}}]\n"
            "contexts: [{name: fake, context: {cluster: fake, user: fake}}]\n"
            "current-context: fake\n")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _manifest_objects(manifest):
    """The objects of a release manifest, read as op_render reads a template."""
    objects = []
    for doc in yaml.load_all(manifest or "", Loader=KubeLoader):
        if doc is not None:
            objects.append(json.loads(json.dumps(doc, allow_nan=False), parse_float=_go_float))
    return objects


def _step_values(step):
    """A step's user values: a -f file (values_yaml) or one --set expression (set)."""
    if step.get("values_yaml") is not None and step.get("set") is not None:
        raise ValueError("a step takes values_yaml or set, not both")
    if step.get("set") is not None:
        return helm_python.parse_set_string(step["set"])
    return _values(step)


def _run_step(config, step, name, namespace):
    values = _step_values(step)
    action = step["action"]
    if action == "template":
        # `helm template`: the install action, client-only dry run; nothing stored.
        release = config.install(step["chart"], name, values, namespace=namespace, dry_run="client")
        return {"ok": True, "revision": release.get("revision"), "status": release.get("status"),
                "objects": _manifest_objects(release.get("manifest")),
                "user_values": None, "computed_values": None}
    if action == "install":
        release = config.install(step["chart"], name, values, namespace=namespace, wait="hookOnly")
    elif action == "upgrade":
        flags = {k: True for k in ("reuse_values", "reset_values", "reset_then_reuse_values") if step.get(k)}
        if flags.pop("reset_then_reuse_values", False):
            # Config.upgrade has no keyword for it; libhelm_c's upgrade options
            # (decoded strictly: an unknown key is an error) do.
            payload = helm_python._native.call_string(
                "helm_upgrade", config._raw(), helm_python._native.HANDLE(0), helm_python._native.HANDLE(0),
                os.fspath(step["chart"]), name, None if values is None else json.dumps(values),
                json.dumps({"namespace": namespace, "wait": "hookOnly", "reset_then_reuse_values": True,
                            **flags}))
            release = json.loads(payload)
        else:
            release = config.upgrade(step["chart"], name, values, namespace=namespace, wait="hookOnly",
                                     **flags)
    else:
        raise ValueError(f"unknown action {action!r} (template, install, upgrade)")
    return {"ok": True, "revision": release.get("revision"), "status": release.get("status"),
            "objects": _manifest_objects(release.get("manifest")),
            # `helm get values` and `helm get values --all` of the stored revision.
            "user_values": config.get_values(name),
            "computed_values": config.get_values(name, all_values=True)}


def op_releases(op):
    """A release's life, step by step, with Helm's own install/upgrade actions:
    each step {"action": "template"|"install"|"upgrade", "chart", "values_yaml"
    or "set", "reuse_values", "reset_values", "reset_then_reuse_values"} yields
    the manifest's objects and the stored user-supplied and computed values.
    Releases live in Helm's memory storage driver; the API server is
    _FakeKubeAPI. A failing step is {"ok": false, "error"} and later steps still run."""
    name, namespace = op.get("name", "release"), op.get("namespace", "shop")
    api = _FakeKubeAPI()
    try:
        with helm_python.Config(kubeconfig_content=api.kubeconfig, storage_driver="memory",
                                namespace=namespace) as config:
            results = []
            for step in op["steps"]:
                try:
                    results.append(_run_step(config, step, name, namespace))
                except (helm_python.HelmError, ValueError) as exc:
                    results.append({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        api.close()
    return {"ok": all(r["ok"] for r in results), "helm": helm_python.helm_sdk_version(), "steps": results}


# op name -> (handler, required fields)
OPS = {
    "lint": (op_lint, ["chart"]),
    "render": (op_render, ["chart"]),
    "validate_k8s": (op_validate_k8s, ["objects"]),
    "render_validate": (op_render_validate, ["chart"]),
    "crds": (op_crds, ["chart"]),
    "jsonschema": (op_jsonschema, ["schema_file", "instance_yaml"]),
    "create_starter": (op_create_starter, ["name", "dir"]),
    "values_from_yaml": (op_values_from_yaml, ["yaml"]),
    "checkov": (op_checkov, ["chart"]),
    "releases": (op_releases, ["steps"]),
    "render_bench": (op_render_bench, ["charts", "rounds"]),
    "ci_schema": (op_ci_schema, ["system", "yaml"]),
}


def parse_request(text):
    """Return the op list, or raise ValueError describing why the request is malformed."""
    try:
        request = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"request is not JSON: {exc}") from exc
    if not isinstance(request, dict) or not isinstance(request.get("ops"), list):
        raise ValueError('request must be an object {"ops": [...]}')
    for i, op in enumerate(request["ops"]):
        if not isinstance(op, dict) or op.get("op") not in OPS:
            raise ValueError(f"ops[{i}]: unknown or missing op (known: {', '.join(OPS)})")
        missing = [k for k in OPS[op["op"]][1] if k not in op]
        if missing:
            raise ValueError(f"ops[{i}] ({op['op']}): missing field(s) {', '.join(missing)}")
    return request["ops"]


def run_op(op):
    try:
        return OPS[op["op"]][0](op)
    except Exception as exc:  # a tool failure is a result, not a crash
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def main():
    # Keep stdout for the JSON response only: anything else that writes to
    # fd 1 (Python prints, the Go library) is redirected to stderr.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    try:
        ops = parse_request(sys.stdin.read())
    except ValueError as exc:
        print(f"oracle.py: malformed request: {exc}", file=sys.stderr)
        return 2
    results = [run_op(op) for op in ops]
    out.write(json.dumps({"results": results}, allow_nan=False))
    out.write("\n")
    out.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        sys.exit(1)
