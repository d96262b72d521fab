#!/usr/bin/env bash
# Cold-build cost of adding gitops-gen to an app. Two throwaway crates:
#   baseline  serde (derive) + schemars + yaml_serde, a tiny main using them;
#   gitops    the same plus gitops-types (the derive) and, as build
#             dependencies, gitops-gen, gitops-types, serde and schemars, with a
#             build.rs that generates a Helm chart from the app's config struct
#             (the set-up of examples/orders).
# Each is built with `cargo build` (dev profile) into a fresh CARGO_TARGET_DIR,
# crates fetched beforehand and builds --offline, so no network time counts.
# Cargo.lock is copied from this workspace so both use its versions.
#
# Usage: benches/scripts/cold_build.sh             (RUNS=2, PROFILE=dev)
#        RUNS=3 PROFILE=release benches/scripts/cold_build.sh
# Keeps each build's `cargo --timings` report in $WORK/timings/ with KEEP=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNS=${RUNS:-2}
PROFILE=${PROFILE:-dev}
WORK=${WORK:-/tmp/gitops-cold-build}
KEEP=${KEEP:-0}

rm -rf "$WORK"
mkdir -p "$WORK/timings"
cleanup() {
  rm -rf "$WORK/target"
  if [ "$KEEP" != 1 ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

CONFIG='use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A small app'"'"'s configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GITOPS_DERIVE)]
#[serde(rename_all = "camelCase", default)]
GITOPS_PREFIX
pub struct Config {
    /// Port the HTTP server listens on.
    #[schemars(range(min = 1024, max = 65535))]
    pub http_port: u16,
    /// Greeting returned by `GET /`.
    pub greeting: String,
    /// Origins allowed to call the API.
    pub allowed_origins: Vec<String>,
    /// Share of requests traced, 0 to 1.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub sample_ratio: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config { http_port: 8080, greeting: "hello".into(), allowed_origins: Vec::new(), sample_ratio: 0.1 }
    }
}
'

MAIN='mod config;

fn main() {
    let config: config::Config = yaml_serde::from_str("httpPort: 9000\n").expect("config");
    print!("{}", yaml_serde::to_string(&config).expect("yaml"));
    print!("{}", yaml_serde::to_string(&schemars::schema_for!(config::Config)).expect("schema"));
}
'

# baseline
mkdir -p "$WORK/baseline/src"
cat >"$WORK/baseline/Cargo.toml" <<'TOML'
[package]
name = "cold-baseline"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
serde = { version = "1", features = ["derive"] }
schemars = "1"
yaml_serde = "0.10"
TOML
echo "$CONFIG" | sed -e 's/, GITOPS_DERIVE//' -e '/GITOPS_PREFIX/d' >"$WORK/baseline/src/config.rs"
echo "$MAIN" >"$WORK/baseline/src/main.rs"

# gitops
mkdir -p "$WORK/gitops/src"
cat >"$WORK/gitops/Cargo.toml" <<TOML
[package]
name = "cold-gitops"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
serde = { version = "1", features = ["derive"] }
schemars = "1"
yaml_serde = "0.10"
gitops-types = { path = "$ROOT/gitops-types" }

[build-dependencies]
gitops-gen = { path = "$ROOT/gitops-gen" }
gitops-types = { path = "$ROOT/gitops-types" }
serde = { version = "1", features = ["derive"] }
schemars = "1"
TOML
echo "$CONFIG" | sed -e 's/GITOPS_DERIVE/gitops_types::GitOps/' -e 's/GITOPS_PREFIX/#[gitops(env_prefix = "APP_")]/' >"$WORK/gitops/src/config.rs"
echo "$MAIN" >"$WORK/gitops/src/main.rs"
cat >"$WORK/gitops/build.rs" <<'RS'
#[path = "src/config.rs"]
mod config;

fn main() {
    println!("cargo:rerun-if-changed=src/config.rs");
    let dir = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("chart");
    let report = gitops_gen::Chart::new("app")
        .image("ghcr.io/acme/app")
        .config::<config::Config>()
        .write(&dir)
        .expect("chart");
    assert!(!report.written.is_empty());
}
RS

for c in baseline gitops; do
  cp "$ROOT/Cargo.lock" "$WORK/$c/Cargo.lock"
  (cd "$WORK/$c" && cargo fetch -q)
done

profile_flag=()
if [ "$PROFILE" != dev ]; then profile_flag=(--profile "$PROFILE"); fi

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version)"
echo "== profile $PROFILE, $RUNS run(s) each, alternating; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A times
TIMEFORMAT='%R %U %S'
for ((r = 1; r <= RUNS; r++)); do
  for c in baseline gitops; do
    rm -rf "$WORK/target"
    if ! { time CARGO_TARGET_DIR="$WORK/target" cargo build --offline -q --timings "${profile_flag[@]}" \
        --manifest-path "$WORK/$c/Cargo.toml" 2>"$WORK/build.log"; } 2>"$WORK/last"; then
      cat "$WORK/build.log" >&2
      exit 1
    fi
    read -r wall user sys <"$WORK/last"
    units=$(grep -o '"unit-count":[0-9]*\|Total units:</td><td>[0-9]*' "$WORK/target/cargo-timings/cargo-timing.html" | grep -o '[0-9]*$' | head -1 || true)
    cp "$WORK/target/cargo-timings/cargo-timing.html" "$WORK/timings/$c-$r.html"
    printf '%-8s run %d: wall %6.2f s, CPU user+sys %6.2f s, units compiled: %s\n' \
      "$c" "$r" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')" "${units:-?}"
    times[$c]="${times[$c]:-} $wall"
  done
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= RUNS; r++)); do
  b=$(echo ${times[baseline]} | cut -d' ' -f$r)
  g=$(echo ${times[gitops]} | cut -d' ' -f$r)
  awk -v r=$r -v b="$b" -v g="$g" 'BEGIN{printf "run %d: baseline %.2f s, with gitops-gen %.2f s, ratio %.2f\n", r, b, g, g / b}'
done
