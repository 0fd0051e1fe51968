#!/bin/sh
# bench/launch.sh: launch latency of `hutch run` over a two-layer busybox root
# running /bin/true, side by side in one hyperfine run with bwrap on the same
# root (merged into one directory, since bwrap has no overlay) and the floor
# `unshare -Urmpf --mount-proc true`; hutch-keeper is the launch through the
# keeper (--upper disk takes it), the default has none. Then the memory
# hutch's own processes hold while a sandbox runs. Run it as an unprivileged user with subordinate
# ids; it prints medians and ratios. Usage: bench/launch.sh [BUILD_DIR]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
hutch=$build/launcher/hutch
runs=${RUNS:-100}
[ "$(id -u)" != 0 ] || { echo "run the benchmark as an unprivileged user" >&2; exit 125; }
for t in hyperfine bwrap unshare python3; do
    command -v $t >/dev/null || { echo "bench: $t is missing (Debian: apt install hyperfine bubblewrap util-linux python3)" >&2; exit 125; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$src/helpers/hutch-demo-layers" "$work/layers"
mkdir "$work/merged"
cp -a "$work/layers/00-base/." "$work/merged/"
cp -a "$work/layers/10-httpd/." "$work/merged/"

echo "machine: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
if [ -n "${XDG_RUNTIME_DIR:-}" ]; then
    echo "run directories: \$XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR ($(stat -f -c %T "$XDG_RUNTIME_DIR"))"
else
    echo "run directories: /tmp/hutch-$(id -u) ($(stat -f -c %T /tmp)), XDG_RUNTIME_DIR unset"
fi
"$hutch" run --log-level debug "layers:$work/layers" /bin/true 2>&1 | grep -E 'overlay|write id maps' || true

hyperfine -N --warmup 10 --runs "$runs" --export-json "$work/launch.json" \
    -n hutch "$hutch run --overlay kernel --userns auto layers:$work/layers /bin/true" \
    -n hutch-keeper "$hutch run --overlay kernel --upper disk --userns auto layers:$work/layers /bin/true" \
    -n hutch-fuse "$hutch run --overlay fuse --userns auto layers:$work/layers /bin/true" \
    -n hutch-single "$hutch run --overlay kernel --userns single layers:$work/layers /bin/true" \
    -n bwrap "bwrap --unshare-all --die-with-parent --ro-bind $work/merged / --proc /proc --dev /dev --tmpfs /tmp /bin/true" \
    -n unshare "unshare -Urmpf --mount-proc true" >/dev/null

python3 - "$work/launch.json" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
med = {k: v["median"] * 1000 for k, v in res.items()}
print(f"{'command':<14}{'median ms':>10}{'mean ms':>10}{'stddev':>9}{'x bwrap':>9}{'x floor':>9}")
for k, v in res.items():
    print(f"{k:<14}{med[k]:>10.2f}{v['mean']*1000:>10.2f}{v['stddev']*1000:>9.2f}"
          f"{med[k]/med['bwrap']:>9.2f}{med[k]/med['unshare']:>9.2f}")
print(f"target: hutch <= 1.5 x bwrap: {'met' if med['hutch'] <= 1.5 * med['bwrap'] else 'NOT met'} "
      f"({med['hutch']/med['bwrap']:.2f} x)")
PY

# Memory: hutch's own processes (hutch, keeper, init: comm "hutch", "hutch",
# "hutch-init") while the command runs.
"$hutch" run "layers:$work/layers" /bin/sleep 3 &
pid=$!
sleep 1
python3 - "$pid" <<'PY'
import os, sys
top = int(sys.argv[1])
def children(p):
    try:
        return [int(c) for c in open(f"/proc/{p}/task/{p}/children").read().split()]
    except OSError:
        return []
def field(p, f, name):
    for line in open(f"/proc/{p}/{f}"):
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0
procs, todo = [], [top]
while todo:
    p = todo.pop()
    exe = os.readlink(f"/proc/{p}/exe") if os.access(f"/proc/{p}/exe", os.R_OK) else ""
    comm = open(f"/proc/{p}/comm").read().strip()
    procs.append((p, comm))
    todo += children(p)
rss = pss = uss = 0
names = []
for p, comm in procs:
    if comm != "hutch" and not comm.startswith("hutch-"):
        continue  # the command itself (and fuse-overlayfs, if any); init is "hutch-init"
    try:
        r = field(p, "status", "VmRSS")
        s = field(p, "smaps_rollup", "Pss")
        u = field(p, "smaps_rollup", "Private_Clean") + field(p, "smaps_rollup", "Private_Dirty")
    except OSError:
        r = field(p, "status", "VmRSS"); s = u = 0
    rss += r; pss += s; uss += u
    names.append(f"{p}:{r}k")
print(f"hutch processes while the sandbox runs: {len(names)} ({', '.join(names)})")
print(f"  RSS {rss} KiB, PSS {pss or 'n/a'} KiB, private (USS) {uss or 'n/a'} KiB; target: under 1024 KiB")
PY
wait "$pid"
