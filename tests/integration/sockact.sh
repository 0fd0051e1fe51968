#!/bin/bash
# Socket activation: with -p HOST:SANDBOX --port-driver socket the command
# gets the host's listening socket as fd 3 (LISTEN_FDS, LISTEN_PID as the
# sandbox sees it, LISTEN_FDNAMES), and a hutch started by a socket
# activator (systemd-socket-activate, or a small wrapper where systemd is
# not installed) passes its sockets on the same way.
#
# The real server is Debian's lighttpd, which speaks the protocol
# (server.systemd-socket-activation), run from the host's root, read-only
# under the sandbox's overlay; its document root is bound in with -v. All
# traffic goes to 127.0.0.1.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 13

marker="socket-activated page $$"
mkdir -p "$TEST_TMP/srv/www"
printf '%s\n' "$marker" > "$TEST_TMP/srv/www/index.html"
head -c $((20 << 20)) /dev/urandom > "$TEST_TMP/srv/www/big"
big_sum=$(md5sum < "$TEST_TMP/srv/www/big")
cat > "$TEST_TMP/srv/lighttpd.conf" << 'EOF'
server.document-root = "/srv/www"
server.port = 80
server.systemd-socket-activation = "enable"
server.modules = ()
EOF
srv=(-v "$TEST_TMP/srv:/srv:ro")
lighttpd=$(command -v lighttpd || echo /usr/sbin/lighttpd)

# fetch PORT PATH [PID]: GET PATH from 127.0.0.1:PORT, retrying until it
# answers; with PID (the process that serves it), not after that has ended.
fetch() {
    local i
    for ((i = 0; i < 100; i++)); do
        curl -fsS --max-time 5 "http://127.0.0.1:$1$2" 2>/dev/null && return 0
        [ -n "${3:-}" ] && ! running "$3" && return 1
        sleep 0.1
    done
    return 1
}

# poke PORT: one connection, to wake an activator that waits for the first.
poke() {
    local i
    for ((i = 0; i < 50; i++)); do
        (exec 3<> "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# activate PORT NAME CMD...: run CMD as a socket activator would, with a
# socket listening on 127.0.0.1:PORT as fd 3, LISTEN_FDS=1, LISTEN_PID its
# pid, LISTEN_FDNAMES=NAME. systemd-socket-activate execs CMD at the first
# connection; the wrapper at once.
activate() {
    local port=$1 name=$2
    shift 2
    if command -v systemd-socket-activate > /dev/null; then
        exec systemd-socket-activate -l "127.0.0.1:$port" --fdname="$name" "$@"
    fi
    exec python3 -c '
import os, socket, sys
port, name, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(64)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES=name)
os.execvp(argv[0], argv)' "$port" "$name" "$@"
}

# stop PID: SIGTERM to a background hutch; sets rc to its exit status.
stop() {
    kill -TERM "$1" 2>/dev/null
    wait_exit "$1" 10
    rc=$?
}

# stopped ERRFILE: "ok" when hutch ended with lighttpd's own status after
# SIGTERM and lighttpd said it stopped (ERRFILE is its stderr). lighttpd
# 1.4.69 itself exits 1 now and then on SIGTERM, on the host too (a race
# in its shutdown), so 1 is its as well; hutch's own failures are 125 up.
stopped() {
    case $rc in
    0 | 1) grep -q "server stopped" "$1" && echo ok || echo "exit $rc, and lighttpd did not say it stopped" ;;
    *) echo "exit $rc" ;;
    esac
}

# --- lighttpd takes the host's socket: -p 127.0.0.1:PORT:80 --port-driver socket.
if [ ! -x "$lighttpd" ]; then
    skip_n 2 "lighttpd through --port-driver socket" "lighttpd is not installed (apt install lighttpd)"
else
    port=$(free_port)
    "$HUTCH" run "${srv[@]}" -p "127.0.0.1:$port:80" --port-driver socket / "$lighttpd" -D -f /srv/lighttpd.conf \
        < /dev/null > "$TEST_TMP/l1.out" 2> "$TEST_TMP/l1.err" &
    pid=$!
    page=$(fetch "$port" /index.html "$pid")
    sum=$(curl -fsS --max-time 30 "http://127.0.0.1:$port/big" | md5sum)
    stop "$pid"
    _last_cmd="hutch run -p 127.0.0.1:$port:80 --port-driver socket / lighttpd -D" out=$(cat "$TEST_TMP/l1.out")
    err=$(cat "$TEST_TMP/l1.err")
    is "$(stopped "$TEST_TMP/l1.err")|$page" "ok|$marker" "lighttpd in the sandbox serves its page on the host's 127.0.0.1:$port, through the socket it was handed"
    is "$(stopped "$TEST_TMP/l1.err")|$sum" "ok|$big_sum" "20 MiB come through whole"
fi

# --- what the command is told.
port=$(free_port) uport=$(free_port)
run_hutch run -p "127.0.0.1:$port:80" --port-driver socket / sh -c 'echo "$LISTEN_PID $$"; echo ran'
pids=$(head -n 1 <<< "$out")
given ran 0 ran -- check "LISTEN_PID is the command's own pid in the sandbox ($pids)" test "${pids% *}" = "${pids#* }"
run_hutch run -p "127.0.0.1:$port:80" -p "127.0.0.1:$uport:53/udp" --port-driver socket / sh -c \
    'echo "$LISTEN_FDS $LISTEN_FDNAMES"; for f in 3 4 5; do readlink /proc/$$/fd/$f | cut -d: -f1; done; echo ran'
is "$rc|$out" "0|2 tcp-80:udp-53
socket
socket
ran" "LISTEN_FDS=2: a TCP and a UDP socket at fds 3 and 4, named PROTO-SANDBOX_PORT, and nothing at 5"
run_hutch run -p "127.0.0.1:$port:80" --port-driver socket --preserve-fds 1 / sh -c 'echo ran'
check "--preserve-fds with --port-driver socket is refused (both would be fd 3)" refused "--preserve-fds"
# The socket is the host's: the sandbox needs no network of its own for it.
run_hutch run -p "127.0.0.1:$port:80" --port-driver socket / sh -c 'echo "$LISTEN_FDS"; ls /sys/class/net; echo ran'
is "$rc|$out" "0|1
lo
ran" "--network none is the default with socket ports: the sandbox has only lo, and the socket"
if command -v pasta > /dev/null; then
    run_hutch run --network pasta -p "127.0.0.1:$port:80" --port-driver socket / sh -c \
        'echo "$LISTEN_FDS $(ls /sys/class/net | grep -vc "^lo$")"; echo ran'
    check "--network pasta combines with socket ports: the socket, and a network of the sandbox's own" \
        test "$rc/$(head -n 1 <<< "$out")/$(tail -n 1 <<< "$out")" = "0/1 1/ran"
else
    skip "--network pasta with socket ports" "pasta is not installed"
fi

# --- the helpers never get it: pasta and fuse-overlayfs, started through
# fd-snoop (tests/integration/helper-fds.sh), which writes down the
# descriptors each was started with. A socket's inode is the same number
# inside and out.
snoop=${HUTCH_FD_SNOOP:-}
if [ ! -x "$snoop" ] || ! command -v pasta > /dev/null; then
    skip "pasta and fuse-overlayfs do not get the socket" "no fd-snoop (HUTCH_FD_SNOOP), or pasta is not installed"
else
    helpers=pasta overlay=()
    if have_fuse; then helpers="pasta fuse-overlayfs" overlay=(--overlay fuse); fi
    mkdir -p "$TEST_TMP/wrap" "$TEST_TMP/records"
    for h in $helpers; do ln -sf "$snoop" "$TEST_TMP/wrap/$h"; done
    run env HUTCH_SNOOP_DIR="$TEST_TMP/records" HUTCH_SNOOP_PATH="$PATH" PATH="$TEST_TMP/wrap:$PATH" \
        "$HUTCH" run --network pasta "${overlay[@]}" -p "127.0.0.1:$port:80" --port-driver socket "$(busybox_layers)" \
        /bin/sh -c 'readlink /proc/$$/fd/3; echo ran'
    sock=$(head -n 1 <<< "$out")
    recorded=$(for h in $helpers; do ls "$TEST_TMP/records/$h".* 2> /dev/null | head -n 1; done | wc -l)
    leaked=$(cat "$TEST_TMP/records/"* 2> /dev/null | grep -cF -- "$sock")
    is "$rc|${sock%%:*}|$recorded|$leaked|$(tail -n 1 <<< "$out")" "0|socket|$(wc -w <<< "$helpers")|0|ran" \
        "$helpers: started without the socket ($sock) the command holds"
fi

# --- hutch started by a socket activator passes the socket on.
port=$(free_port)
(activate "$port" web "$HUTCH" run / sh -c \
    'echo "$LISTEN_FDS $LISTEN_FDNAMES"; [ "$LISTEN_PID" = $$ ] && echo pid-ok; readlink /proc/$$/fd/3 | cut -d: -f1; echo ran') \
    < /dev/null > "$TEST_TMP/a1.out" 2> "$TEST_TMP/a1.err" &
pid=$!
poke "$port"
wait_exit "$pid" 20
rc=$? out=$(cat "$TEST_TMP/a1.out") err=$(cat "$TEST_TMP/a1.err") _last_cmd="activate $port web hutch run / sh"
is "$rc|$out" "0|1 web
pid-ok
socket
ran" "an activated hutch passes its socket on: LISTEN_FDS=1, its name, LISTEN_PID the command's"

port=$(free_port) port2=$(free_port)
(activate "$port" web "$HUTCH" run -p "127.0.0.1:$port2:80" --port-driver socket / sh -c \
    'echo "$LISTEN_FDS $LISTEN_FDNAMES"; env | grep -c "^LISTEN_FDS="; echo ran') \
    < /dev/null > "$TEST_TMP/a2.out" 2> "$TEST_TMP/a2.err" &
pid=$!
poke "$port"
wait_exit "$pid" 20
rc=$? out=$(cat "$TEST_TMP/a2.out") err=$(cat "$TEST_TMP/a2.err") _last_cmd="activate $port web hutch run -p $port2:80 --port-driver socket / sh"
is "$rc|$out" "0|2 web:tcp-80
1
ran" "activated and published sockets together, the activator's first; LISTEN_FDS set once"

if [ ! -x "$lighttpd" ]; then
    skip_n 2 "lighttpd behind an activated hutch" "lighttpd is not installed (apt install lighttpd)"
else
    port=$(free_port)
    (activate "$port" http "$HUTCH" run "${srv[@]}" / "$lighttpd" -D -f /srv/lighttpd.conf) \
        < /dev/null > "$TEST_TMP/a3.out" 2> "$TEST_TMP/a3.err" &
    pid=$!
    page=$(fetch "$port" /index.html "$pid")
    sum=$(curl -fsS --max-time 30 "http://127.0.0.1:$port/big" | md5sum)
    stop "$pid"
    out=$(cat "$TEST_TMP/a3.out") err=$(cat "$TEST_TMP/a3.err") _last_cmd="activate $port http hutch run / lighttpd -D"
    is "$(stopped "$TEST_TMP/a3.err")|$page" "ok|$marker" "lighttpd behind a socket-activated hutch serves its page"
    is "$(stopped "$TEST_TMP/a3.err")|$sum" "ok|$big_sum" "and 20 MiB come through whole"
fi

# Counted only when the last sandbox that ran a command really ran it.
given grep -qx ran "$TEST_TMP/a2.out" -- assert_clean "nothing left behind: no lighttpd, no sandbox, no run directory" lighttpd.conf
