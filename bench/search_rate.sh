#!/bin/sh
# Search throughput: candidates evaluated per minute by `nasc search` on
# examples/nb201.nas and examples/mobilenet_space.nas, first with an empty
# kernel cache (cold), then with the cache the first run filled (warm).
# The warm run uses another seed, so its candidates are new but share
# kernels with the cold run's. Every candidate is compiled, timed and
# scored with NASWOT, as in a default search.
#
#   bench/search_rate.sh NASC [NB201_BUDGET [MOBILENET_BUDGET]]
#
# Prints one line per run and a Markdown table for docs/benchmarks.md.
set -eu
nasc=${1:?usage: bench/search_rate.sh NASC [NB201_BUDGET [MOBILENET_BUDGET]]}
nb201_budget=${2:-30}
mobilenet_budget=${3:-8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }

# run SPACE BUDGET CACHE SEED LABEL: one search, then a table row.
run() {
    space=$1 budget=$2 cache=$3 seed=$4 label=$5
    out="$work/$space-$label"
    start=$(now)
    NASC_CACHE=$cache "$nasc" search "examples/$space.nas" --out "$out" --budget "$budget" \
        --seed "$seed" --strategy random >"$out.log" 2>&1 || {
        echo "search of $space failed:" >&2
        tail -5 "$out.log" >&2
        exit 1
    }
    end=$(now)
    # Measured candidates, kernels compiled and found cached, from the log.
    python3 - "$out/log.jsonl" "$start" "$end" "$space" "$label" <<'EOF'
import json, sys
path, start, end, space, label = sys.argv[1:]
rows = [json.loads(line) for line in open(path) if line.strip()]
measured = [r for r in rows if r["status"] not in ("duplicate", "pruned", "invalid")]
minutes = (float(end) - float(start)) / 60
compiled = sum(r.get("kernels_compiled", 0) for r in measured)
cached = sum(r.get("kernels_cached", 0) for r in measured)
compile_s = sum(r.get("compile_s") or 0 for r in measured)
print(f"| {space} | {label} | {len(measured)} | {minutes * 60:.0f} s | "
      f"{len(measured) / minutes:.1f} | {compiled} / {cached} | "
      f"{compile_s / max(len(measured), 1):.2f} s |")
EOF
}

echo "| space | cache | candidates | wall time | candidates/min | kernels compiled / cached | compile time per candidate |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for space in nb201 mobilenet_space; do
    budget=$nb201_budget
    [ "$space" = mobilenet_space ] && budget=$mobilenet_budget
    cache="$work/cache-$space"
    mkdir -p "$cache"
    run "$space" "$budget" "$cache" 1 cold
    run "$space" "$budget" "$cache" 2 warm
done
