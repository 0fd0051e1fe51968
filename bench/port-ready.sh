#!/bin/bash
# bench/port-ready.sh: how long after the start of `hutch run -p H:80 ROOT
# busybox httpd -f` the published port answers an HTTP GET, median of ROUNDS
# (default 20) launches each, interleaved, for: hutch's forwarder on pasta
# (the default), pasta's own forwarding (--port-driver backend), hutch's
# forwarder on slirp4netns. Then pasta alone, started by hand on a namespace
# of ours, until it has written its pid file (what hutch waits for), with
# the options that could make it start sooner, and how long pasta takes to
# exit. All traffic is on 127.0.0.1.
# Run as an unprivileged user: bench/port-ready.sh [BUILD_DIR]
. "$(dirname "$0")/lib.sh"
need_tools "Debian: apt install passt slirp4netns python3 iproute2" pasta slirp4netns python3 ss
rounds=${ROUNDS:-20}
"$src/helpers/hutch-demo-layers" "$work/layers" > /dev/null

echo "machine: $(uname -srm), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); pasta $(dpkg-query -W -f '${Version}' passt 2>/dev/null || pasta --version 2>&1 | head -1 | awk '{print $2}'), $(slirp4netns --version | head -1)"

python3 - "$hutch" "$work/layers" "$rounds" "$(port)" <<'PY'
import os, signal, socket, statistics as st, subprocess, sys, time
hutch, layers, rounds, port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
variants = {
    "forwarder on pasta (default)": ["--network", "pasta"],
    "pasta --port-driver backend": ["--network", "pasta", "--port-driver", "backend"],
    "forwarder on slirp4netns": ["--network", "slirp4netns"],
}
def answered(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            return s.recv(16).startswith(b"HTTP/1.")
    except OSError:
        return False
res = {k: [] for k in variants}
for r in range(rounds):
    for k, args in variants.items():
        t0 = time.monotonic()
        p = subprocess.Popen([hutch, "run", *args, "-p", f"{port}:80", f"layers:{layers}", "httpd", "-f", "-p", "80",
                              "-h", "/var/www"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        while not answered(port):
            if p.poll() is not None:
                sys.exit(f"bench: hutch ended ({p.returncode}) before port {port} answered")
            time.sleep(0.0005)
        res[k].append((time.monotonic() - t0) * 1000)
        p.send_signal(signal.SIGTERM)
        p.wait()
print(f"\nTime from the start of hutch run until the published port answers, ms, {rounds} launches each:")
print(f"{'':<32}{'median':>8}{'min':>8}{'max':>8}")
for k, v in res.items():
    print(f"{k:<32}{st.median(v):>8.1f}{min(v):>8.1f}{max(v):>8.1f}")
PY

# pasta alone: each variant is what hutch passes (see net.c), plus options.
unshare -Urn sleep 600 & ns=$!; pids+=($ns)
sleep 0.3
python3 - "$ns" "$rounds" "$work/pasta.pid" <<'PY'
import os, signal, statistics as st, subprocess, sys, time
ns, rounds, pf = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = ["pasta", "--config-net", "--foreground", "--quiet", "-u", "none", "-T", "none", "-U", "none",
        "--dns-forward", "169.254.1.1", "--no-map-gw", "--netns", f"/proc/{ns}/ns/net", "--userns", f"/proc/{ns}/ns/user",
        "--pid", pf]
avx2 = "/usr/bin/passt.avx2" if os.path.exists("/usr/bin/passt.avx2") else None
variants = {
    "as hutch runs it (-t none)": (["-t", "none"], None),
    "-t PORT (backend driver)": (["-t", "31999:80"], None),
    "passt.avx2 exec'd directly": (["-t", "none"], avx2),
    "-4": (["-t", "none", "-4"], None),
    "--no-dhcp --no-dhcpv6 --no-ra": (["-t", "none", "--no-dhcp", "--no-dhcpv6", "--no-ra"], None),
    "--no-tcp": (["--no-tcp"], None),
    "-4 --no-tcp": (["--no-tcp", "-4"], None),
}
if not avx2:
    del variants["passt.avx2 exec'd directly"]
ready = {k: [] for k in variants}
gone = []
for r in range(rounds):
    for k, (extra, exe) in variants.items():
        if os.path.exists(pf):
            os.unlink(pf)
        t0 = time.monotonic()
        p = subprocess.Popen(base + extra, executable=exe, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not (os.path.exists(pf) and os.path.getsize(pf) > 0):
            if p.poll() is not None:
                sys.exit(f"bench: pasta {' '.join(extra)} failed ({p.returncode})")
            time.sleep(0.0002)
        ready[k].append((time.monotonic() - t0) * 1000)
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        p.wait()
        if k.startswith("as hutch"):
            gone.append((time.monotonic() - t0) * 1000)
print(f"\npasta alone until its pid file is written (what hutch waits for), ms, {rounds} starts each:")
print(f"{'':<32}{'median':>8}{'min':>8}")
for k, v in ready.items():
    print(f"{k:<32}{st.median(v):>8.1f}{min(v):>8.1f}")
print(f"pasta's exit after SIGTERM (as hutch runs it): median {st.median(gone):.1f} ms, min {min(gone):.1f}")
PY
