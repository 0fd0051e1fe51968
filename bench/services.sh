#!/bin/bash
# bench/services.sh: a detached httpd, from `run -d` until its published
# port answers, hutch against `podman run -d` (rootless, the same busybox
# root imported as an image, when podman works here), ROUNDS rounds each
# under hyperfine; then the memory a detached sandbox's monitor costs: the
# USS (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup) of each of
# N monitors (N: SANDBOXES, default 10) running at once.
# Run as an unprivileged user: bench/services.sh [BUILD_DIR]
. "$(dirname "$0")/lib.sh"
need_tools "Debian: apt install hyperfine curl passt python3" hyperfine curl pasta python3
# hutch's state and data in $work (podman keeps its own defaults).
mkdir -m 0700 "$work/xdg"
hutch="env XDG_DATA_HOME=$work/data XDG_RUNTIME_DIR=$work/xdg $hutch"
"$src/helpers/hutch-demo-layers" "$work/layers" > /dev/null
root=layers:$work/layers
n=${SANDBOXES:-10}
# Whatever the ending (a failed step under set -e, ^C), the detached
# sandboxes and the holder of $work/xdg go before $work, which holds their
# state, and so do podman's container, image and pause process; at a
# normal end this removes what the memory step started.
podman_ok=no imported=no
stop_launched() {
    $hutch rm -f bench > /dev/null 2>&1 || true
    [ "$podman_ok" = no ] || podman rm -f -t 0 hutch-bench > /dev/null 2>&1 || true
    [ "$imported" = no ] || podman rmi -f localhost/hutch-bench-busybox > /dev/null 2>&1 || true
    podman_ok=no imported=no
    stop_podman_pause
}
stop_monitors() {
    local i
    for ((i = 0; i < n; i++)); do $hutch rm -f "mem$i" > /dev/null 2>&1 & done
    wait
    $hutch system reset > /dev/null 2>&1 || true
}
trap 'stop_launched; stop_monitors; cleanup' EXIT

echo "machine: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); load: $(cut -d' ' -f1-3 /proc/loadavg)"

p1=$(port)
cmds=(-n "hutch run -d" --prepare "$hutch rm -f bench > /dev/null 2>&1 || true"
      "$hutch run -d --name bench -p $p1:80 $root httpd -f -p 80 -h /var/www > /dev/null && until curl -fs -o /dev/null http://127.0.0.1:$p1/; do :; done")
if command -v podman > /dev/null && cp -a "$work/layers/00-base" "$work/flat" && cp -a "$work/layers/10-httpd/." "$work/flat/" &&
   tar -C "$work/flat" -cf "$work/base.tar" . && podman import -q "$work/base.tar" localhost/hutch-bench-busybox > /dev/null 2>&1; then
    imported=yes
    # crun refuses a hybrid cgroup layout; runc, where installed, does not.
    for rt in "" runc; do
        podman_cmd="podman${rt:+ --runtime $rt}"
        if why=$($podman_cmd run --rm localhost/hutch-bench-busybox true 2>&1); then
            podman_ok=yes
            break
        fi
    done
    if [ $podman_ok = yes ]; then
        p2=$(port)
        cmds+=(-n "$podman_cmd run -d" --prepare "podman rm -f -t 0 hutch-bench > /dev/null 2>&1 || true"
               "$podman_cmd run -d --name hutch-bench -p $p2:80 localhost/hutch-bench-busybox httpd -f -p 80 -h /var/www > /dev/null && until curl -fs -o /dev/null http://127.0.0.1:$p2/; do :; done")
    else
        echo "podman: skipped, rootless podman does not run here: $(tail -n 1 <<< "$why")"
    fi
else
    echo "podman: skipped (not installed, or podman import failed)"
fi
hyperfine -w 1 -r "$rounds" "${cmds[@]}" --export-json "$work/launch.json" > /dev/null
python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%-16s median %6.1f ms  (min %.1f, max %.1f, %d runs)" % (r["command"], r["median"] * 1000, r["min"] * 1000, r["max"] * 1000, len(r["times"])))
' "$work/launch.json"
stop_launched

# The monitors' memory, N sandboxes at once.
for ((i = 0; i < n; i++)); do
    $hutch run -d --name "mem$i" -p "$(port):80" "$root" httpd -f -p 80 -h /var/www > /dev/null
done
sleep 1
uss=()
for ((i = 0; i < n; i++)); do
    pid=$($hutch inspect "mem$i" | sed -n 's/.*"monitor_pid": *\([0-9]*\).*/\1/p')
    uss+=("$(awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s}' "/proc/$pid/smaps_rollup")")
done
printf '%s\n' "${uss[@]}" | sort -n | awk -v n="$n" '{a[NR] = $1} END {printf "monitor USS over %d sandboxes: median %d KiB, min %d KiB, max %d KiB\n", n, a[int((NR + 1) / 2)], a[1], a[NR]}'
