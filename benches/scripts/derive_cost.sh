#!/usr/bin/env bash
# Compile-time cost of #[derive(GitOps)]: two throwaway crates of 200 structs
# (~8 fields each), one deriving `Serialize, Deserialize, JsonSchema` and the
# other the same plus `GitOps`. Both depend on the same crates (gitops-types by
# path on this workspace), share one target dir and one Cargo.lock (copied from
# this workspace); the dependencies are built once, then each leaf crate is
# rebuilt after `touch src/lib.rs`, several runs, median taken.
#
# Two modes, both dev profile (what `cargo build`/`cargo test` use):
#   incremental      Cargo's default for dev: what an edit-build loop costs.
#   non-incremental  CARGO_INCREMENTAL=0: the crate's full compile, as a
#                    fresh or CI build pays it.
#
# Usage: benches/scripts/derive_cost.sh            (RUNS=10 by default)
#        RUNS=15 STRUCTS=200 benches/scripts/derive_cost.sh
# Needs the crates fetched once (the script runs `cargo fetch`; builds are --offline).
# By default a loop timed by bash's `time` alternates the two crates (plain,
# gitops, plain, gitops, ...), so a load that comes and goes on a shared machine
# hits both alike; USE_HYPERFINE=1 uses hyperfine instead (apt-get install -y
# hyperfine), which runs all of one crate's builds, then all of the other's:
# on this 2-core shared machine that let a drift in load flip the result.
# Prints the median wall time and the mean CPU time (user + system) of each.
# SETUP_ONLY=1 KEEP=1: only generate and warm the crates in $WORK, to poke at.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNS=${RUNS:-10}
STRUCTS=${STRUCTS:-200}
WORK=${WORK:-/tmp/gitops-derive-cost}
KEEP=${KEEP:-0}

rm -rf "$WORK"
mkdir -p "$WORK"
cleanup() { if [ "$KEEP" != 1 ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

cat >"$WORK/Cargo.toml" <<TOML
[workspace]
resolver = "2"
members = ["plain", "gitops"]

[workspace.dependencies]
serde = { version = "1", features = ["derive"] }
schemars = "1"
gitops-types = { path = "$ROOT/gitops-types" }
TOML
cp "$ROOT/Cargo.lock" "$WORK/Cargo.lock"

# gen_crate NAME EXTRA_DERIVE: writes $WORK/NAME with $STRUCTS structs.
gen_crate() {
  local name=$1 extra=$2 dir="$WORK/$1"
  mkdir -p "$dir/src"
  cat >"$dir/Cargo.toml" <<TOML
[package]
name = "derive-cost-$name"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
serde.workspace = true
schemars.workspace = true
gitops-types.workspace = true
TOML
  local types=(u16 u32 u64 f64 bool String "Vec<String>" "Option<String>")
  {
    echo "//! $STRUCTS config structs for the derive-cost benchmark. Generated; throwaway."
    echo "#![allow(dead_code)]"
    if [ -n "$extra" ]; then echo "use gitops_types::GitOps;"; fi
    echo "use schemars::JsonSchema;"
    echo "use serde::{Deserialize, Serialize};"
    for ((i = 0; i < STRUCTS; i++)); do
      echo
      echo "/// Config section $i."
      echo "#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema$extra)]"
      echo "#[serde(rename_all = \"camelCase\", default)]"
      if [ -n "$extra" ] && [ "$i" -eq 0 ]; then echo "#[gitops(env_prefix = \"APP_\")]"; fi
      echo "pub struct Section$i {"
      for ((j = 0; j < 8; j++)); do
        local ty=${types[$(((i + j) % 8))]}
        # Every 10th struct nests the next one in place of its last field.
        if [ "$j" -eq 7 ] && [ $((i % 10)) -eq 0 ] && [ $((i + 1)) -lt "$STRUCTS" ]; then
          echo "    /// Nested section $((i + 1))."
          echo "    pub nested_$j: Section$((i + 1)),"
          continue
        fi
        echo "    /// Field $j of section $i, a \`$ty\`."
        if [ "$j" -eq 0 ] && [[ "$ty" == u* ]]; then echo "    #[schemars(range(min = 1, max = 1000))]"; fi
        echo "    pub field_${j}_of_$i: $ty,"
      done
      echo "}"
    done
  } >"$dir/src/lib.rs"
}
gen_crate plain ""
gen_crate gitops ", GitOps"

export CARGO_TARGET_DIR="$WORK/target"
cd "$WORK"
cargo fetch -q
echo "== warming the dependency build (once)"
cargo build --offline -q
CARGO_INCREMENTAL=0 cargo build --offline -q
if [ "${SETUP_ONLY:-0}" = 1 ]; then
  echo "== crates in $WORK/plain and $WORK/gitops, target dir $CARGO_TARGET_DIR"
  exit 0
fi

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
mean() { awk '{s+=$1} END {print s/NR}'; }

# measure MODE ENVS: prints "plain_wall gitops_wall plain_cpu gitops_cpu" in
# seconds: the median wall time, and the mean CPU time (user + system).
measure() {
  local mode=$1 envs=$2
  if [ "${USE_HYPERFINE:-0}" = 1 ] && command -v hyperfine >/dev/null; then
    hyperfine --style basic --warmup 1 --runs "$RUNS" --export-csv "$WORK/$mode.csv" \
      --prepare "touch $WORK/plain/src/lib.rs" -n "plain ($mode)" \
      "env $envs cargo build --offline -q -p derive-cost-plain" \
      --prepare "touch $WORK/gitops/src/lib.rs" -n "gitops ($mode)" \
      "env $envs cargo build --offline -q -p derive-cost-gitops" >&2
    # CSV: command,mean,stddev,median,user,system,min,max
    awk -F, 'NR==2{p=$4; pc=$5+$6} NR==3{g=$4; gc=$5+$6} END{print p, g, pc, gc}' "$WORK/$mode.csv"
  else
    # Alternates the two crates, so a load that comes and goes hits both alike.
    local r c TIMEFORMAT='%R %U %S'
    : >"$WORK/$mode.plain"
    : >"$WORK/$mode.gitops"
    for ((r = 0; r <= RUNS; r++)); do # run 0 is the warm-up
      for c in plain gitops; do
        touch "$WORK/$c/src/lib.rs"
        { time env $envs cargo build --offline -q -p "derive-cost-$c"; } 2>"$WORK/last" ||
          { cat "$WORK/last" >&2; exit 1; }
        if [ "$r" -gt 0 ]; then tail -n1 "$WORK/last" >>"$WORK/$mode.$c"; fi
      done
    done
    echo "   $mode, wall seconds of each run: plain $(awk '{printf "%s ", $1}' "$WORK/$mode.plain")| gitops $(awk '{printf "%s ", $1}' "$WORK/$mode.gitops")" >&2
    echo "$(awk '{print $1}' "$WORK/$mode.plain" | median)" "$(awk '{print $1}' "$WORK/$mode.gitops" | median)" \
      "$(awk '{print $2+$3}' "$WORK/$mode.plain" | mean)" "$(awk '{print $2+$3}' "$WORK/$mode.gitops" | mean)"
  fi
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version)"
echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for mode in incremental non-incremental; do
  if [ $mode = incremental ]; then envs="CARGO_INCREMENTAL=1"; else envs="CARGO_INCREMENTAL=0"; fi
  read -r plain gitops plain_cpu gitops_cpu < <(measure $mode "$envs")
  results+=("$(awk -v m=$mode -v p="$plain" -v g="$gitops" -v pc="$plain_cpu" -v gc="$gitops_cpu" -v n="$STRUCTS" -v r="$RUNS" 'BEGIN {
    printf "%-16s %d structs, %d runs. wall (median): without GitOps %.3f s, with %.3f s, ratio %.3f (%+.1f%%) | CPU user+sys (mean): without %.3f s, with %.3f s, ratio %.3f (%+.1f%%)",
      m, n, r, p, g, g / p, (g / p - 1) * 100, pc, gc, gc / pc, (gc / pc - 1) * 100 }')")
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s\n' "${results[@]}"
