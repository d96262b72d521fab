#!/usr/bin/env python3
"""Test oracle: lets the Rust integration tests ask real tools about generated charts.

Protocol: read ONE JSON request `{"ops": [op, ...]}` from stdin, write ONE JSON
response `{"results": [result, ...]}` (same order) to stdout.

Exit codes: 0 = request processed (tool findings are data, reported as ok=false),
2 = malformed request, 3 = oracle tools not installed, 1 = unexpected crash
(traceback on stderr).

Ops (each op_* function below documents its fields):
  lint, render, validate_k8s, render_validate, jsonschema, create_starter,
  values_from_yaml, checkov. A failing op yields {"ok": false, "error": "<Type>: <message>"}
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


def _values(op):
    """Values exactly as Helm reads a -f file (YAML 1.1 via Helm's own parser)."""
    text = op.get("values_yaml")
    return None if text is None else helm_python.values_from_yaml(text)


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
CRD_API_VERSIONS = {"gateway.networking.k8s.io/v1", "external-secrets.io/v1"}
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


def op_render_validate(op):
    rendered = op_render(op)
    if not rendered["ok"]:
        return {"ok": False, "error": rendered["error"], "errors": [], "objects": []}
    checked = op_validate_k8s({"objects": rendered["objects"], "version": op.get("version", "1.33.0")})
    return {"ok": checked["ok"], "error": None, "errors": checked["errors"],
            "objects": rendered["objects"]}


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


def op_create_starter(op):
    """`helm create NAME` inside an existing directory DIR; creates DIR/NAME."""
    helm_python.Chart.create(op["name"], op["dir"]).close()
    chart_dir = os.path.join(op["dir"], op["name"])
    with open(os.path.join(chart_dir, "values.yaml"), encoding="utf-8") as f:
        return {"ok": True, "chart": chart_dir, "values_yaml": f.read()}


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


def op_values_from_yaml(op):
    return {"ok": True, "values": helm_python.values_from_yaml(op["yaml"])}


# op name -> (handler, required fields)
OPS = {
    "lint": (op_lint, ["chart"]),
    "render": (op_render, ["chart"]),
    "validate_k8s": (op_validate_k8s, ["objects"]),
    "render_validate": (op_render_validate, ["chart"]),
    "jsonschema": (op_jsonschema, ["schema_file", "instance_yaml"]),
    "create_starter": (op_create_starter, ["name", "dir"]),
    "values_from_yaml": (op_values_from_yaml, ["yaml"]),
    "checkov": (op_checkov, ["chart"]),
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
