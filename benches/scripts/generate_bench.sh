#!/usr/bin/env bash
# Runs the divan benches of benches/benches/generate.rs several times, in a
# release build and an unoptimised (dev profile) build, and summarises them:
# per bench, the median of each run and, over the runs, the smallest "fastest"
# and the median of the medians. Repeating whole runs shows how much a shared
# machine moves the figures.
#
# Usage: benches/scripts/generate_bench.sh            (RUNS=5, PROFILES="release dev")
#        RUNS=3 PROFILES=dev benches/scripts/generate_bench.sh
#        SUMMARISE=/tmp/gitops-generate-bench.XXXXXX benches/scripts/generate_bench.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
RUNS=${RUNS:-5}
PROFILES=${PROFILES:-release dev}
# summarise PROFILE: per bench, the smallest "fastest" and the median of the
# run medians over $OUT/PROFILE-*.txt (divan's tables).
summarise() {
  # Table rows: "├─ name  fastest │ slowest │ median │ mean │ samples │ iters".
  cat "$OUT/$1"-*.txt | awk -F'│' '
    function ms(s,  n, u) { n = s; u = s; gsub(/[^0-9.]/, "", n); gsub(/[0-9. ]/, "", u)
      return u == "ms" ? n + 0 : u == "s" ? n * 1000 : u == "µs" ? n / 1000 : u == "ns" ? n / 1e6 : n }
    NF >= 6 && $1 ~ /[a-z_]+ +[0-9]/ {
      split($1, a, /[ ]+/); name = ""; fastest = ""
      for (i = 1; i <= length(a); i++) if (a[i] ~ /^[a-z_]+$/) { name = a[i]; fastest = a[i + 1] " " a[i + 2]; break }
      f = ms(fastest); m = ms($3)
      if (!(name in best) || f < best[name]) best[name] = f
      meds[name] = meds[name] " " m; order[name] = order[name] ? order[name] : ++n; names[n] = name
    }
    END {
      printf "   %-28s %12s  %12s   %s\n", "bench", "min fastest", "med of meds", "median of each run (ms)"
      for (i = 1; i <= n; i++) { k = names[i]; c = split(meds[k], v, " ")
        for (x = 1; x <= c; x++) for (y = x + 1; y <= c; y++) if (v[y] < v[x]) { t = v[x]; v[x] = v[y]; v[y] = t }
        mm = c % 2 ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2
        printf "   %-28s %9.4g ms  %9.4g ms  %s\n", k, best[k], mm, meds[k] }
    }'
}

if [ -n "${SUMMARISE:-}" ]; then # SUMMARISE=DIR: only summarise an earlier run's raw output
  OUT=$SUMMARISE
  for profile in $PROFILES; do echo "== profile $profile"; summarise "$profile"; done
  exit 0
fi
OUT=${OUT:-$(mktemp -d /tmp/gitops-generate-bench.XXXXXX)}
mkdir -p "$OUT"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version)"
echo "== gitops-gen at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- gitops-gen gitops-types gitops-model gitops-derive gitops-derive-internals || echo ' + uncommitted changes')"
for profile in $PROFILES; do
  if [ "$profile" = release ]; then flag=(); else flag=(--profile "$profile"); fi
  bin=$(cargo bench -q -p gitops-benches --bench generate --no-run "${flag[@]}" --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
  echo "== profile $profile ($bin), $RUNS runs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  for ((r = 1; r <= RUNS; r++)); do
    "$bin" --bench >"$OUT/$profile-$r.txt" 2>&1
  done
  echo "   load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  summarise "$profile"
done
echo "== raw divan output in $OUT"
