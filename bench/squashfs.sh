#!/bin/bash
# bench/squashfs.sh: a root as a plain directory against the same root as a
# squashfs image (mksquashfs with its defaults: gzip, 128 KiB blocks),
# side by side: (a) start-up, `hutch run ROOT /bin/true`; (b) reading one
# large file of random data (dd, 1 MiB blocks); (c) reading a tree of many
# small files (tar of the tree into wc). Each of the three is one hyperfine
# run with every ROOT in it. The root is built here, offline: the busybox
# demo layers (helpers/hutch-demo-layers) merged into one directory, plus
# /data/big (BIG_MB MiB from /dev/urandom) and /data/small (SMALL_FILES
# files of 0-8 KiB of text, 100 to a directory).
#
# The ROOTs:
#   dir          the tree, owned by the user (kernel overlay on it)
#   sqfs-user    an image the user made of that tree (owners: the user's uid)
#   sqfs-user-ll the same image, hutch given squashfuse_ll in place of
#                squashfuse (a PATH entry; skipped where there is none)
#   sqfs-lz4     an image the user made with -comp lz4
#   sqfs-root    an image root made of a root-owned copy (owners: root)
#   dir-root     that root-owned copy as a directory (hutch runs it through
#                fuse-overlayfs with squash_to_root)
# The last two need root to make them. Run the script as root and it makes
# them, then measures as BENCH_USER (default hutchtest: hutch never runs as
# root); run it as an unprivileged user and they are left out.
#
# Usage: bench/squashfs.sh [BUILD_DIR]      (BUILD_DIR must be the user's)
# Settings: BIG_MB (200), SMALL_FILES (10000), RUNS_START (30),
# RUNS_READ (9), ROUNDS (3), BENCH_USER (hutchtest), XDG_RUNTIME_DIR (passed on).
# All reads are warm: the image and the tree sit in the host's page cache
# (the warm-up runs put them there); only a fresh squashfuse mount, and its
# empty cache, comes with each run, as it does with each `hutch run`.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
mode=
case ${1:-} in --make-tree|--measure) mode=$1; work=$2; shift 2 ;; esac
build=$(cd "${1:-$src/build}" && pwd)
hutch=$build/launcher/hutch
big_mb=${BIG_MB:-200}
small_files=${SMALL_FILES:-10000}
runs_start=${RUNS_START:-30}
runs_read=${RUNS_READ:-9}
rounds=${ROUNDS:-3}

for t in hyperfine mksquashfs squashfuse python3; do
    command -v $t > /dev/null || { echo "bench: $t is missing (Debian: apt install hyperfine squashfs-tools squashfuse python3)" >&2; exit 125; }
done
[ -x "$hutch" ] || { echo "bench: no hutch at $hutch (build it first)" >&2; exit 125; }

# Build the user's tree and image in WORK (as the user).
make_tree() {
    local work=$1
    "$src/helpers/hutch-demo-layers" "$work/layers" > /dev/null
    mkdir "$work/tree"
    cp -a "$work/layers/00-base/." "$work/layers/10-httpd/." "$work/tree/"
    rm -rf "$work/layers"
    mkdir -p "$work/tree/data"
    head -c "${big_mb}M" /dev/urandom > "$work/tree/data/big"
    python3 - "$work/tree/data/small" "$small_files" <<'PY'
import os, random, sys
top, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(8)
words = "the quick brown fox jumps over a lazy dog while hutch runs its sandbox".split()
for i in range(n):
    d = os.path.join(top, f"d{i // 100:03d}")
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    size = rng.randrange(0, 8192)
    text = " ".join(rng.choice(words) for _ in range(size // 4 + 1))[:size]
    with open(os.path.join(d, f"f{i:05d}.txt"), "w") as f:
        f.write(text)
PY
    chmod -R a+rX "$work/tree"
    local t0
    t0=$(date +%s.%N)
    mksquashfs "$work/tree" "$work/user.sqfs" -quiet -no-progress > /dev/null
    echo "mksquashfs (as the user): $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$t0" "$(date +%s.%N)") s"
    mksquashfs "$work/tree" "$work/user-lz4.sqfs" -comp lz4 -quiet -no-progress > /dev/null
}

if [ "$(id -u)" = 0 ]; then
    # As root: make the user's tree as the user, the root-owned copy and
    # image as root, then measure as the user.
    user=${BENCH_USER:-hutchtest}
    id "$user" > /dev/null 2>&1 || { echo "bench: no user $user (set BENCH_USER)" >&2; exit 125; }
    work=$(mktemp -d /tmp/hutch-bench-sqfs.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    chown "$user:" "$work"
    chmod 0755 "$work"
    runuser -u "$user" -- env BIG_MB="$big_mb" SMALL_FILES="$small_files" PATH="$PATH" \
        "$0" --make-tree "$work" "$build"
    cp -a "$work/tree" "$work/tree-root"
    chown -R 0:0 "$work/tree-root"
    t0=$(date +%s.%N)
    mksquashfs "$work/tree-root" "$work/root.sqfs" -quiet -no-progress > /dev/null
    echo "mksquashfs (as root): $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$t0" "$(date +%s.%N)") s"
    runuser -u "$user" -- env -i PATH="$PATH" HOME="$(getent passwd "$user" | cut -d: -f6)" LANG=C.UTF-8 \
        ${XDG_RUNTIME_DIR:+XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR} BIG_MB="$big_mb" SMALL_FILES="$small_files" \
        RUNS_START="$runs_start" RUNS_READ="$runs_read" ROUNDS="$rounds" "$0" --measure "$work" "$build"
    exit
fi

case $mode in
--make-tree) make_tree "$work"; exit ;;
--measure) ;;
*)
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    make_tree "$work"
    ;;
esac

echo "machine: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "hutch: $("$hutch" --version 2>&1 | head -1); $(mksquashfs -version 2>&1 | head -1); squashfuse $(dpkg-query -W -f '${Version}' squashfuse 2>/dev/null || echo '?')"
echo "run directories: ${XDG_RUNTIME_DIR:-/tmp/hutch-$(id -u)} ($(stat -f -c %T "${XDG_RUNTIME_DIR:-/tmp}"))"
sizes="user.sqfs $(du -h "$work/user.sqfs" | cut -f1), user-lz4.sqfs $(du -h "$work/user-lz4.sqfs" | cut -f1)"
[ ! -e "$work/root.sqfs" ] || sizes="$sizes, root.sqfs $(du -h "$work/root.sqfs" | cut -f1)"
echo "tree: $(du -sh "$work/tree" | cut -f1), $(find "$work/tree" | wc -l) entries; $sizes"

declare -A root
names=(dir sqfs-user)
root[dir]=$work/tree
root[sqfs-user]=squashfs:$work/user.sqfs
if command -v squashfuse_ll > /dev/null; then
    mkdir -p "$work/ll"
    ln -sf "$(command -v squashfuse_ll)" "$work/ll/squashfuse"
    names+=(sqfs-user-ll)
    root[sqfs-user-ll]=squashfs:$work/user.sqfs
fi
names+=(sqfs-lz4)
root[sqfs-lz4]=squashfs:$work/user-lz4.sqfs
if [ -e "$work/root.sqfs" ]; then
    names+=(sqfs-root dir-root)
    root[sqfs-root]=squashfs:$work/root.sqfs
    root[dir-root]=$work/tree-root
else
    echo "note: not run as root, so no root-owned image or directory (sqfs-root, dir-root left out)"
fi

# The command line for ROOT name $1 running the rest.
cmd() {
    local n=$1; shift
    local env=""
    [ "$n" != sqfs-user-ll ] || env="env PATH=$work/ll:$PATH "
    echo "$env$hutch run ${root[$n]} $*"
}

# Check once that every ROOT holds the same data, and how each shows owners.
echo "check (bytes of /data/big, bytes of the tar of /data/small, owner of /data/big inside):"
for n in "${names[@]}"; do
    out=$(eval "$(cmd "$n" sh -c "'wc -c < /data/big; cd / && tar cf - data/small | wc -c; ls -ln /data/big'")" 2>&1) ||
        { echo "bench: $n failed: $out" >&2; exit 1; }
    echo "  $n: $(echo "$out" | awk 'NR <= 2 {printf "%s ", $1} NR == 3 {printf "owner %s:%s", $3, $4}')"
done

# ROUNDS rounds, each with every workload and every ROOT (in an order turned
# by one each round), so that a busy minute on the shared machine falls on
# all of them rather than on one; the medians are over all the rounds' runs.
run() {
    local what=$1 round=$2 runs=$3 warm=$4; shift 4
    local args=() i n
    for ((i = 0; i < ${#names[@]}; i++)); do
        n=${names[(i + round) % ${#names[@]}]}
        args+=(-n "$n" "$(cmd "$n" "$@")")
    done
    hyperfine -N --warmup "$warm" --runs "$runs" --export-json "$work/$what.$round.json" "${args[@]}" > /dev/null
}
for ((round = 0; round < rounds; round++)); do
    run start $round $(((runs_start + rounds - 1) / rounds)) 3 /bin/true
    run big $round $(((runs_read + rounds - 1) / rounds)) 1 dd if=/data/big of=/dev/null bs=1M
    run small $round $(((runs_read + rounds - 1) / rounds)) 1 sh -c "'cd / && tar cf - data/small | wc -c'"
done

python3 - "$work" "$big_mb" "$small_files" "$rounds" "${names[@]}" <<'PY'
import json, statistics, sys
work, big_mb, small, rounds, names = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
times = {}   # times[what][name] = all runs, s
rmed = {}    # rmed[what][name] = each round's median, ms
for what in ("start", "big", "small"):
    times[what], rmed[what] = {}, {}
    for r in range(rounds):
        for res in json.load(open(f"{work}/{what}.{r}.json"))["results"]:
            times[what].setdefault(res["command"], []).extend(res["times"])
            rmed[what].setdefault(res["command"], []).append(res["median"] * 1000)
def ms(what, n):
    return statistics.median(times[what][n]) * 1000
print()
for what, title in (("start", "start-up: hutch run ROOT /bin/true"),
                    ("big", f"read {big_mb} MiB of random data: dd bs=1M"),
                    ("small", f"read {small} small files: tar cf - | wc -c")):
    print(title)
    head = f"  {'ROOT':<14}{'runs':>5}{'median ms':>10}{'min':>9}{'max':>9}{'x dir':>8}"
    if what != "start":
        head += f"{'net ms':>9}{'net x dir':>10}"
        head += f"{'MiB/s':>8}" if what == "big" else f"{'files/s':>9}"
    print(head)
    for n in names:
        t = times[what][n]
        line = f"  {n:<14}{len(t):>5}{ms(what, n):>10.1f}{min(t)*1000:>9.1f}{max(t)*1000:>9.1f}{ms(what, n)/ms(what, 'dir'):>8.2f}"
        if what != "start":
            # net: the median of the start-up of the same ROOT taken off
            net = ms(what, n) - ms("start", n)
            netdir = ms(what, "dir") - ms("start", "dir")
            if net > 0 and netdir > 0:
                line += f"{net:>9.1f}{net/netdir:>10.2f}"
                line += f"{big_mb / (net / 1000):>8.0f}" if what == "big" else f"{small / (net / 1000):>9.0f}"
            else:  # too little data: the read is lost in the start-up's noise
                line += f"{net:>9.1f}{'n/a':>10}" + (f"{'n/a':>8}" if what == "big" else f"{'n/a':>9}")
        line += "   rounds: " + "/".join(f"{m:.0f}" for m in rmed[what][n])
        print(line)
    print()
PY
