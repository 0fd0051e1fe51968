#!/bin/bash
# bench/network.sh: published-port throughput and request rate, side by side
# in one run: busybox httpd on the host's own loopback (the reference), in a
# hutch sandbox on pasta and on slirp4netns, and the same backends driven by
# hand (httpd in `unshare -Urn`, the helper attached by us) so that hutch's
# own cost shows. For each download, the CPU time (user + system, from
# /proc/PID/stat) of the process that carries the bytes between the two
# sides: hutch's forwarder, pasta or slirp4netns (none for the host). Then
# the time from the start of `hutch run` until the published port answers.
# All traffic is on 127.0.0.1.
# Run as an unprivileged user: bench/network.sh [BUILD_DIR]
. "$(dirname "$0")/lib.sh"
need_tools "Debian: apt install curl wrk passt slirp4netns busybox-static python3 iproute2" curl wrk pasta slirp4netns busybox python3 ss
"$src/helpers/hutch-demo-layers" "$work/layers" > /dev/null
mkdir "$work/www"
truncate -s "$size" "$work/www/big"   # sparse: the disk is not what we measure
cp "$work/layers/10-httpd/var/www/index.html" "$work/www/"


declare -A PORT CARRIER
# The reference: the host's own loopback.
PORT[host]=$(port)
busybox httpd -f -p "127.0.0.1:${PORT[host]}" -h "$work/www" & pids+=($!)

# hutch on each backend: published through hutch's own forwarder (the
# default), and through the backend's (--port-driver backend).
for b in pasta slirp4netns; do
    for d in hutch backend; do
        k=hutch-$b; [ $d = hutch ] || k=hutch-$b-via-$b
        PORT[$k]=$(port)
        "$hutch" run --network $b --port-driver $d -p "${PORT[$k]}:80" -v "$work/www:/var/www:ro" \
            "layers:$work/layers" httpd -f -p 80 -h /var/www < /dev/null & pids+=($!)
        CARRIER[$k]="tree:$!:$d"
    done
done

# The same backends by hand.
PORT[pasta-by-hand]=$(port)
unshare -Urn sh -c "ip link set lo up; exec busybox httpd -f -p 80 -h $work/www" & ns1=$!; pids+=($ns1)
sleep 0.2
pasta --config-net --foreground --quiet -t "${PORT[pasta-by-hand]}:80" -u none -T none -U none --no-map-gw \
    --netns /proc/$ns1/ns/net --userns /proc/$ns1/ns/user > /dev/null 2>&1 & pids+=($!)
CARRIER[pasta-by-hand]=$!

PORT[slirp4netns-by-hand]=$(port)
unshare -Urn sh -c "exec busybox httpd -f -p 80 -h $work/www" & ns2=$!; pids+=($ns2)
sleep 0.2
slirp4netns --configure --mtu=65520 --disable-host-loopback --api-socket "$work/slirp.sock" \
    $ns2 tap0 > /dev/null 2>&1 & pids+=($!)
CARRIER[slirp4netns-by-hand]=$!
for ((i = 0; i < 200; i++)); do [ -S "$work/slirp.sock" ] && break; sleep 0.01; done
python3 - "$work/slirp.sock" "${PORT[slirp4netns-by-hand]}" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(json.dumps({"execute": "add_hostfwd", "arguments": {"proto": "tcp", "host_addr": "0.0.0.0",
    "host_port": int(sys.argv[2]), "guest_port": 80}}).encode()); s.shutdown(socket.SHUT_WR); s.recv(4096)
PY

order=(host hutch-pasta hutch-pasta-via-pasta pasta-by-hand hutch-slirp4netns hutch-slirp4netns-via-slirp4netns slirp4netns-by-hand)
for k in "${order[@]}"; do wait_port "${PORT[$k]}"; done

# The carrier of a hutch sandbox, found once it serves: with hutch's driver
# the forwarder (named like hutch, a child of the keeper beside hutch-init,
# without children of its own: pasta's lender, also named like hutch, is a
# child of hutch itself), else the backend (pasta runs as pasta.avx2 where
# the CPU has it).
carrier_of() {
    python3 - "$1" "$2" <<'PY'
import sys
top, driver = int(sys.argv[1]), sys.argv[2]
def kids(p):
    try:
        return [int(x) for x in open(f"/proc/{p}/task/{p}/children").read().split()]
    except OSError:
        return []
def comm(p):
    try:
        return open(f"/proc/{p}/comm").read().strip()
    except OSError:
        return ""
todo, found = [top], []
while todo:
    p = todo.pop()
    found.append(p)
    todo += kids(p)
for p in found[1:]:
    if driver == "hutch" and any(comm(k) == "hutch-init" for k in kids(p)):
        fwd = [k for k in kids(p) if comm(k) == "hutch" and not kids(k)]
        if fwd:
            print(fwd[0]); break
    if driver == "backend" and comm(p).startswith(("pasta", "passt", "slirp4netns")):
        print(p); break
else:
    print(0)
PY
}
for k in "${order[@]}"; do
    c=${CARRIER[$k]:-}
    [[ $c == tree:* ]] || continue
    IFS=: read -r _ top driver <<< "$c"
    CARRIER[$k]=$(carrier_of "$top" "$driver")
done
cpu_ticks() { [ "${1:-0}" != 0 ] && awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# The machine's CPU ticks: "idle total" (idle and iowait, all), from /proc/stat.
machine_ticks() { awk '/^cpu / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }

echo "machine: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); pasta $(pasta --version 2>&1 | head -1 | awk '{print $2}'), $(slirp4netns --version | head -1)"
echo
echo "Throughput of a $size download (curl to /dev/null), $rounds rounds interleaved, MB/s:"
declare -A SPEEDS CPU IDLE
for ((r = 0; r < rounds; r++)); do
    for k in "${order[@]}"; do
        c0=$(cpu_ticks "${CARRIER[$k]:-0}")
        read -r i0 t0 < <(machine_ticks)
        read -r s bytes < <(curl -s -o /dev/null -w '%{speed_download} %{size_download}\n' "http://127.0.0.1:${PORT[$k]}/big")
        read -r i1 t1 < <(machine_ticks)
        c1=$(cpu_ticks "${CARRIER[$k]:-0}")
        SPEEDS[$k]="${SPEEDS[$k]:-} $s"
        CPU[$k]="${CPU[$k]:-} $(python3 -c "print(($c1 - $c0) / $(getconf CLK_TCK) / ($bytes / 1e9))")"
        IDLE[$k]="${IDLE[$k]:-} $(( (t1 > t0) ? 100 * (i1 - i0) / (t1 - t0) : 0 ))"
    done
done
echo
echo "Request rate for the small page, wrk -t2 -c16 -d5s:"
declare -A RPS
for k in "${order[@]}"; do
    RPS[$k]=$(wrk -t2 -c16 -d5s "http://127.0.0.1:${PORT[$k]}/index.html" | awk '/Requests\/sec/ {print $2}')
done

# Time from the start of hutch run until the published port answers.
declare -A READY
for b in pasta slirp4netns; do
    READY[$b]=""
    for ((r = 0; r < rounds; r++)); do
        p=$(port)
        t=$(python3 - "$hutch" "$b" "$p" "$work" <<'PY'
import socket, subprocess, sys, time
hutch, backend, port, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
t0 = time.monotonic()
proc = subprocess.Popen([hutch, "run", "--network", backend, "-p", f"{port}:80", f"layers:{work}/layers",
                         "httpd", "-f", "-p", "80", "-h", "/var/www"], stdin=subprocess.DEVNULL)
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        if s.recv(16).startswith(b"HTTP/1."):
            break
    except OSError:
        pass
    time.sleep(0.001)
print(f"{(time.monotonic() - t0) * 1000:.1f}")
proc.terminate(); proc.wait()
PY
)
        READY[$b]="${READY[$b]} $t"
    done
done

python3 - <<PY
import statistics as st
order = "${order[*]}".split()
cpu = {$(for k in "${order[@]}"; do printf '"%s": [%s], ' "$k" "$(echo ${CPU[$k]} | tr ' ' ',')"; done)}
idle = {$(for k in "${order[@]}"; do printf '"%s": [%s], ' "$k" "$(echo ${IDLE[$k]} | tr ' ' ',')"; done)}
speeds = {$(for k in "${order[@]}"; do printf '"%s": [%s], ' "$k" "$(echo ${SPEEDS[$k]} | tr ' ' ',')"; done)}
rps = {$(for k in "${order[@]}"; do printf '"%s": %s, ' "$k" "${RPS[$k]}"; done)}
ready = {$(for b in pasta slirp4netns; do printf '"%s": [%s], ' "$b" "$(echo ${READY[$b]} | tr ' ' ',')"; done)}
med = {k: st.median(v) / 1e6 for k, v in speeds.items()}
print(f"{'server':<36}{'MB/s median':>12}{'x host':>8}{'CPU s/GB':>9}{'idle %':>7}{'req/s':>10}{'x host':>8}")
for k in order:
    c = f"{st.median(cpu[k]):.2f}" if k != "host" else "-"
    print(f"{k:<36}{med[k]:>12.0f}{med[k]/med['host']:>8.2f}{c:>9}{st.median(idle[k]):>7.0f}{rps[k]:>10.0f}{rps[k]/rps['host']:>8.2f}")
print("CPU s/GB: user + system time of the carrier (hutch's forwarder, pasta or slirp4netns) per GB downloaded")
print("idle %: the share of all CPUs' time left idle during the download; above 0 the transfer is not bound by CPU time")
for b in ("pasta", "slirp4netns"):
    v = f"hutch-{b}-via-{b}"
    print(f"hutch on {b}, ports through {b}: {med[v]/med[b+'-by-hand']:.2f} x the throughput of {b} by hand, "
          f"{rps[v]/rps[b+'-by-hand']:.2f} x its request rate (target >= 0.95)")
    print(f"  published port answers {st.median(ready[b]):.1f} ms (median of {len(ready[b])}) after hutch run starts")
print(f"targets: published port >= 0.70 x host loopback throughput: "
      f"pasta {'met' if med['hutch-pasta'] >= 0.7 * med['host'] else 'NOT met'}, "
      f"slirp4netns {'met' if med['hutch-slirp4netns'] >= 0.7 * med['host'] else 'NOT met'}")
PY
