#!/bin/bash
# bench/sockact.sh: the throughput of a socket-activated port, side by side
# in one run with the host's own loopback and with hutch's forwarder. The
# server is lighttpd in each case, with the same configuration:
#   host          lighttpd on the host, listening on 127.0.0.1 itself (the reference);
#   socket        hutch run -p PORT:80 --port-driver socket: lighttpd in the
#                 sandbox takes the host's listening socket (LISTEN_FDS);
#   activated     the same, with hutch itself socket-activated (a wrapper
#                 binds the port and execs hutch with LISTEN_FDS=1);
#   forwarder     hutch run --network pasta -p PORT:80 (--port-driver hutch, the
#                 default): hutch's splice forwarder into the sandbox's lo.
# Each downloads a SIZE file (sparse: the disk is not what we measure) with
# curl to /dev/null, ROUNDS rounds interleaved; then, with wrk installed,
# the request rate of a small page. All traffic is on 127.0.0.1.
# Run as an unprivileged user: bench/sockact.sh [BUILD_DIR]
. "$(dirname "$0")/lib.sh"
lighttpd=$(command -v lighttpd || echo /usr/sbin/lighttpd)
[ -x "$lighttpd" ] || { echo "bench: lighttpd is missing (Debian: apt install lighttpd)" >&2; exit 125; }
need_tools "Debian: apt install curl passt python3 iproute2" curl pasta python3 ss
mkdir "$work/www"
truncate -s "$size" "$work/www/big"
echo "a small page" > "$work/www/index.html"
conf() {  # conf DOCROOT [BIND PORT]
    printf 'server.document-root = "%s"\nserver.systemd-socket-activation = "enable"\nserver.modules = ()\n' "$1"
    if [ $# -gt 1 ]; then
        printf 'server.bind = "%s"\nserver.port = %s\n' "$2" "$3"
    else
        printf 'server.port = 80\n'
    fi
}
conf /srv/www > "$work/sandbox.conf"


declare -A PORT
PORT[host]=$(port)
conf "$work/www" 127.0.0.1 "${PORT[host]}" > "$work/host.conf"
"$lighttpd" -D -f "$work/host.conf" < /dev/null 2> /dev/null & pids+=($!)

PORT[socket]=$(port)
"$hutch" run -v "$work:/srv:ro" -p "127.0.0.1:${PORT[socket]}:80" --port-driver socket / \
    "$lighttpd" -D -f /srv/sandbox.conf < /dev/null 2> /dev/null & pids+=($!)

PORT[activated]=$(port)
python3 -c '
import os, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(512)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
os.execvp(sys.argv[2], sys.argv[2:])' "${PORT[activated]}" "$hutch" run -v "$work:/srv:ro" / \
    "$lighttpd" -D -f /srv/sandbox.conf < /dev/null 2> /dev/null & pids+=($!)

PORT[forwarder]=$(port)
"$hutch" run --network pasta --port-driver hutch -v "$work:/srv:ro" -p "127.0.0.1:${PORT[forwarder]}:80" / \
    "$lighttpd" -D -f /srv/sandbox.conf < /dev/null 2> /dev/null & pids+=($!)

order=(host socket activated forwarder)
for k in "${order[@]}"; do wait_port "${PORT[$k]}"; done

echo "machine: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $("$lighttpd" -v | head -1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A SPEEDS
for ((r = 0; r < rounds; r++)); do
    for k in "${order[@]}"; do
        s=$(curl -s -o /dev/null -w '%{speed_download}' "http://127.0.0.1:${PORT[$k]}/big")
        SPEEDS[$k]="${SPEEDS[$k]:-} $s"
    done
done
# The request rate: short wrk runs, interleaved too, on a machine others share.
declare -A RPS
for k in "${order[@]}"; do RPS[$k]=""; done
if command -v wrk > /dev/null; then
    for ((r = 0; r < rounds; r++)); do
        for k in "${order[@]}"; do
            RPS[$k]="${RPS[$k]} $(wrk -t2 -c16 -d2s "http://127.0.0.1:${PORT[$k]}/index.html" | awk '/Requests\/sec/ {print $2}')"
        done
    done
fi

python3 - <<PY
import statistics as st
order = "${order[*]}".split()
speeds = {$(for k in "${order[@]}"; do printf '"%s": [%s], ' "$k" "$(echo ${SPEEDS[$k]} | tr ' ' ',')"; done)}
rps = {$(for k in "${order[@]}"; do printf '"%s": [%s], ' "$k" "$(echo ${RPS[$k]} | tr ' ' ',')"; done)}
rps = {k: st.median(v) if v else 0 for k, v in rps.items()}
med = {k: st.median(v) / 1e6 for k, v in speeds.items()}
print(f"\nThroughput of a $size download (curl to /dev/null), $rounds rounds interleaved; request rate: median of $rounds wrk -t2 -c16 -d2s, interleaved")
print(f"{'lighttpd':<12}{'MB/s median':>12}{'min':>8}{'max':>8}{'x host':>8}{'req/s':>10}{'x host':>8}")
for k in order:
    v = [x / 1e6 for x in speeds[k]]
    r = f"{rps[k]:>10.0f}{rps[k] / rps['host']:>8.2f}" if rps['host'] else f"{'-':>10}{'-':>8}"
    print(f"{k:<12}{med[k]:>12.0f}{min(v):>8.0f}{max(v):>8.0f}{med[k] / med['host']:>8.2f}{r}")
print(f"socket-activated port: {med['socket'] / med['host']:.2f} x host loopback "
      f"({'met' if med['socket'] >= 0.95 * med['host'] else 'NOT met'}: target >= 0.95), "
      f"{med['socket'] / med['forwarder']:.2f} x hutch's forwarder")
PY
