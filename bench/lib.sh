# bench/lib.sh: what the benchmark scripts share. A script sources it with
# its BUILD_DIR argument in $1:
#   . "$(dirname "$0")/lib.sh"
#   need_tools "Debian: apt install ..." curl pasta
# It sets src, build, hutch, size (SIZE, default 1G), rounds (ROUNDS,
# default 5), a private $work directory removed at exit, and pids, the
# background processes to stop then.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
hutch=$build/launcher/hutch
size=${SIZE:-1G}
rounds=${ROUNDS:-5}
[ "$(id -u)" != 0 ] || { echo "run the benchmark as an unprivileged user" >&2; exit 125; }

# need_tools HINT TOOL...: each TOOL is on PATH, or the script stops with HINT.
need_tools() {
    local hint=$1 t
    shift
    for t in "$@"; do
        command -v "$t" > /dev/null || { echo "bench: $t is missing ($hint)" >&2; exit 125; }
    done
}

work=$(mktemp -d)
pids=()
# Rootless podman leaves its pause process (catatonit) running after it:
# stopped at the end, through the pid file in podman's runtime directory.
# podman keeps its first run's paths: the pid file sits beside its run root.
stop_podman_pause() {
    local root dir
    root=$(podman info --format '{{.Store.RunRoot}}' 2> /dev/null) || root=
    for dir in ${root:+"$(dirname "$root")"} "${XDG_RUNTIME_DIR:-/tmp/podman-run-$(id -u)}"; do
        kill "$(cat "$dir/libpod/tmp/pause.pid" 2> /dev/null)" 2> /dev/null && break
    done
    return 0
}
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# port: a TCP/UDP port nobody listens on.
port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 20000))
        ss -Htaun "( sport = :$p )" | grep -q . || { echo "$p"; return; }
    done
}

# wait_port PORT: until GET /index.html on 127.0.0.1:PORT answers (10 s at
# most, as the slowest backend needs).
wait_port() {
    local i
    for ((i = 0; i < 1000; i++)); do
        curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$1/index.html" && return 0
        sleep 0.01
    done
    echo "bench: port $1 never answered" >&2
    return 1
}

# layer_counts LAYERS: $work/l1, l10 and l100, the base of LAYERS (made by
# helpers/hutch-demo-layers) and 0, 9 or 99 small layers over it, a file
# each, as tests/lib.sh's layers are made.
layer_counts() {
    local n i d
    for n in 1 10 100; do
        mkdir -p "$work/l$n"
        cp -a "$1/00-base" "$work/l$n/"
        for ((i = 1; i < n; i++)); do
            d=$(printf '%s/l%d/%02d-layer' "$work" "$n" "$i")
            mkdir -p "$d/etc/layers"
            echo "$i" > "$d/etc/layers/$i"
        done
    done
}
