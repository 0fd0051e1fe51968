#!/bin/bash
# bench/ab.sh BUILD_A BUILD_B: two builds of hutch side by side, for a
# change too small to see in bench/launch.sh's spread. Each launches the
# two-layer busybox root with /bin/true, in ROUNDS hyperfine runs (default
# 8) of RUNS launches each (default 60), the order swapped every round;
# each build has a runtime directory of its own, so a holder of its own.
# Prints B - A for each round's medians, their median, and the pooled
# medians. On a shared 2-vCPU machine a round's difference wanders by
# +-0.5 ms: believe a sign that holds in most rounds, and repeat.
# Run as an unprivileged user with subordinate ids.
. "$(dirname "$0")/lib.sh" "${1:-}"
need_tools "Debian: apt install hyperfine python3" hyperfine python3
[ $# -eq 2 ] || { echo "usage: bench/ab.sh BUILD_A BUILD_B" >&2; exit 125; }
a=$1/launcher/hutch
b=$2/launcher/hutch
for h in "$a" "$b"; do
    [ -x "$h" ] || { echo "bench: no hutch at $h (build first)" >&2; exit 125; }
done
"$src/helpers/hutch-demo-layers" "$work/layers" > /dev/null
mkdir -m 0700 "$work/run-a" "$work/run-b"
trap 'XDG_RUNTIME_DIR=$work/run-a "$a" system reset > /dev/null 2>&1; XDG_RUNTIME_DIR=$work/run-b "$b" system reset > /dev/null 2>&1; cleanup' EXIT
A="env XDG_RUNTIME_DIR=$work/run-a $a run layers:$work/layers /bin/true"
B="env XDG_RUNTIME_DIR=$work/run-b $b run layers:$work/layers /bin/true"

echo "machine: $(uname -srm), $(nproc) cores; date: $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "A: $1"
echo "B: $2"
n=${ROUNDS:-8}
for ((r = 0; r < n; r++)); do
    if ((r % 2)); then
        hyperfine -N --warmup 5 --runs "${RUNS:-60}" --export-json "$work/ab-$r.json" -n A "$A" -n B "$B" > /dev/null
    else
        hyperfine -N --warmup 5 --runs "${RUNS:-60}" --export-json "$work/ab-$r.json" -n B "$B" -n A "$A" > /dev/null
    fi
done
python3 - "$work" "$n" << 'EOF'
import json, statistics as st, sys
work, n = sys.argv[1], int(sys.argv[2])
pooled, diffs = {"A": [], "B": []}, []
for r in range(n):
    med = {}
    for res in json.load(open(f"{work}/ab-{r}.json"))["results"]:
        pooled[res["command"]] += res["times"]
        med[res["command"]] = st.median(res["times"])
    diffs.append((med["B"] - med["A"]) * 1000)
print("B - A per round (ms):", " ".join(f"{d:+.2f}" for d in diffs))
print(f"median of the rounds: {st.median(diffs):+.3f} ms; B faster in {sum(d < 0 for d in diffs)} of {n}")
for k in ("A", "B"):
    print(f"{k}: pooled median {st.median(pooled[k]) * 1000:.3f} ms over {len(pooled[k])} launches")
EOF
