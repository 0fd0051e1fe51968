#!/bin/bash
# run.sh: run one libFuzzer target for a bounded time and say what it did.
#   run.sh TARGET WORKDIR [-FLAG=VALUE | SEED_DIR]...
# Runs TARGET for FUZZ_SECONDS (default 25) from the seed inputs in the
# SEED_DIRs, with libFuzzer's FLAGs (libFuzzer tells them apart by the
# dash). What the fuzzer finds goes to WORKDIR (remade each run), never to
# a SEED_DIR: libFuzzer writes new inputs into the first corpus directory.
# Prints the number of runs, the time and the coverage; on a failure, the
# end of libFuzzer's report and the input that failed. Exits with the
# target's status: 0 when nothing crashed, leaked or hung.
set -u

exe=$(realpath "$1") work=$2
shift 2
seconds=${FUZZ_SECONDS:-25}
name=$(basename "$exe")

rm -rf "$work"
mkdir -p "$work/corpus" "$work/crashes"
log=$work/fuzz.log

# -timeout: one input slower than this is a failure (a hang); the outer
# timeout stops a target that does not stop itself.
timeout --kill-after=10 $((seconds + 120)) \
    "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/crashes/" "$work/corpus" "$@" > "$log" 2>&1
rc=$?

runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$log" | tail -1)
seeds_n=0
for a in "$@"; do
    [ "${a#-}" = "$a" ] && seeds_n=$((seeds_n + $(find "$a" -type f | wc -l)))
done

if [ "$rc" -eq 0 ]; then
    echo "$name: ${runs:-? runs} (${rate:-?} exec/s), $seeds_n seeds, ${cov:-no coverage line}; no crash"
    exit 0
fi

executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
echo "$name: FAILED (status $rc) after ${executed:-an unknown number of} runs; $seeds_n seeds, ${cov:-no coverage line}"
echo "--- libFuzzer's report (all of it in $log)"
# From the first report line on, without the shadow memory map.
awk '/ERROR|runtime error:|ALARM:/ { p = 1 }
     p && /^Shadow bytes around/ { s = 1 }
     p && s && /^(SUMMARY|==[0-9]+==ABORTING)/ { s = 0 }
     p && !s' "$log" | head -n 80
for f in "$work"/crashes/*; do
    [ -f "$f" ] || continue
    echo "--- failing input: $f ($(stat -c %s "$f") bytes); reproduce: $exe $f"
    head -c 2048 "$f" | od -c | head -n 40
done
exit "$rc"
