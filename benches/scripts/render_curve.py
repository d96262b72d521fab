#!/usr/bin/env python3
"""Variants of the orders chart for the render-cost curve (BENCHMARKS.md, "Render cost").

Starts from the orders chart's values.schema.json as it was with every Kubernetes
key in full (commit 4a16154: 104 definitions) and writes one chart directory per
point of the curve: which keys keep their full Kubernetes schema, the others
replaced by a shallow `{"type": "object"}` (or an array of them), and only the
definitions the schema reaches kept (one point keeps them all, unused).
Prints the RENDER_EXTRA value for `cargo bench -p gitops-benches --bench render`.

    git show 4a16154:examples/orders/chart/values.schema.json > /tmp/full.json
    python3 benches/scripts/render_curve.py /tmp/full.json examples/orders/chart /tmp/curve
"""

import json
import os
import shutil
import sys

FULL, CHART, OUT = sys.argv[1:4]
with open(FULL, encoding="utf-8") as f:
    BASE = json.load(f)
DEFS = BASE["definitions"]
C = "io.k8s.api.core.v1."
STRICT = {"resources", "livenessProbe", "readinessProbe", "startupProbe", "securityContext",
          "podSecurityContext", "tolerations", "imagePullSecrets", "extraEnv"}
NESTED = {C + n for n in ["AppArmorProfile", "Capabilities", "SELinuxOptions", "SeccompProfile",
                          "Sysctl", "WindowsSecurityContextOptions", "HTTPHeader", "ExecAction",
                          "GRPCAction", "HTTPGetAction", "TCPSocketAction", "EnvVarSource",
                          "ResourceClaim"]}


def refs(value, out):
    if isinstance(value, dict):
        if isinstance(value.get("$ref"), str):
            out.add(value["$ref"].rsplit("/", 1)[1])
        for v in value.values():
            refs(v, out)
    elif isinstance(value, list):
        for v in value:
            refs(v, out)
    return out


def shallow(value, cut):
    """Every $ref to a definition in `cut` (a set, or True for all) as {"type": "object"}."""
    if isinstance(value, dict):
        target = value.get("$ref")
        if isinstance(target, str) and (cut is True or target.rsplit("/", 1)[1] in cut):
            return {"type": "object"}
        return {k: shallow(v, cut) for k, v in value.items()}
    if isinstance(value, list):
        return [shallow(v, cut) for v in value]
    return value


def variant(full_keys, cut_nested=False, keep_unused=False):
    schema = json.loads(json.dumps(BASE))
    props = schema["properties"]
    for key in props:
        if key not in full_keys:
            props[key] = shallow(props[key], True)
    if cut_nested:
        schema = shallow(schema, NESTED)
    reached, todo = set(), list(refs(schema["properties"], set()))
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(refs(schema["definitions"][name], set()))
    if not keep_unused:
        schema["definitions"] = {k: v for k, v in schema["definitions"].items() if k in reached}
    return schema


POINTS = [
    ("curve: none in full", variant(set())),
    ("curve: none in full + 104 unused", variant(set(), keep_unused=True)),
    ("curve: strict keys top level only", variant(STRICT, cut_nested=True)),
    ("curve: strict keys", variant(STRICT)),
    ("curve: strict + affinity", variant(STRICT | {"affinity"})),
    ("curve: strict + volumes", variant(STRICT | {"volumes", "volumeMounts"})),
    ("curve: all in full", variant(set(BASE["properties"]))),
]
extra = []
for i, (name, schema) in enumerate(POINTS):
    target = os.path.join(OUT, f"point-{i}")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(CHART, target)
    with open(os.path.join(target, "values.schema.json"), "w", encoding="utf-8") as f:
        json.dump(schema, f, indent=2)
    extra.append(f"{name}={target}")
print(",".join(extra))
