#!/bin/bash
# Services: hutch run -d and --name, and the commands on named sandboxes
# (ps, logs, stop, kill, rm, wait, start, inspect). busybox httpd in the
# background on a published port; its log, followed; stop within the grace
# and SIGKILL at its end for a command ignoring SIGTERM; a file kept across
# stop and start and gone after rm; kill -9 of the monitor leaves nothing
# running; two runs racing on one name; a reboot (the runtime state gone,
# the data kept); 20 sandboxes at once; --restart on-failure:3; nothing
# left behind.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 65
root=$(busybox_layers)
export XDG_DATA_HOME=$TEST_TMP/data
SANDBOXES=$RUN_BASE/sandboxes
DATA_SANDBOXES=$XDG_DATA_HOME/hutch/sandboxes

# fetch PORT [SECONDS]: GET / from 127.0.0.1:PORT, retrying until it answers.
fetch() {
    local i
    for ((i = 0; i < ${2:-5} * 10; i++)); do
        curl -fsS --max-time 1 "http://127.0.0.1:$1/" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# field NAME KEY: a number field of `hutch inspect NAME`.
field() {
    "$HUTCH" inspect "$1" 2>/dev/null | sed -n "s/^ *\"$2\": *\([0-9-]*\).*/\1/p"
}

# logs_have NAME TEXT: until NAME's log has TEXT (3 s at most).
logs_have() {
    local i
    for ((i = 0; i < 60; i++)); do
        "$HUTCH" logs "$1" 2>/dev/null | grep -qxF -- "$2" && return 0
        sleep 0.05
    done
    return 1
}

# ps_line NAME: NAME's line of `hutch ps -a`.
ps_line() {
    "$HUTCH" ps -a 2>/dev/null | awk -v n="$1" '$1 == n'
}

# --- run -d: back at once with the name, the service answering.
port=$(free_port)
start=$(date +%s%N)
run_hutch run -d --name web -p "$port:80" "$root" httpd -f -p 80 -h /var/www
ms=$((($(date +%s%N) - start) / 1000000))
is "$rc/$out" "0/web" "run -d --name web returns 0 and prints the name"
page=''
[ "$rc" = 0 ] && page=$(fetch "$port")
given ran 0 web -- like "$page" "Hello from a hutch sandbox" "the detached httpd answers on its published port (run -d took $ms ms)"
run_hutch ps
given ran 0 -- check "ps lists web as running with its port" grep -qE "^web +running .*$port->80/tcp .*httpd -f -p 80" <<< "$out"
run_hutch ps --format json
given ran 0 -- like "$(tr -d ' \n' <<< "$out")" "\"name\":\"web\",\"id\":" "ps --format json names web"
given ran 0 -- like "$(tr -d ' \n' <<< "$out")" "\"status\":\"running\",\"exit_code\":null,\"uptime\":" "... running"
mon=$(field web monitor_pid)
check "the monitor is out of the caller's session, with no terminal" \
    test -n "$mon" -a "$(ps -o sid= -p "${mon:-0}" | tr -d ' ')" = "${mon:-x}" -a "$(ps -o tty= -p "${mon:-0}" | tr -d ' ')" = "?"
given test -n "$mon" -a -d "/proc/${mon:-x}" -- is "$(ps -o stat= --ppid "${mon:-0}" | grep -c Z)" 0 \
    "the monitor keeps no zombie child while the sandbox runs (pasta's route watcher is reaped once the network is up)"
given ran 0 -- is "$(stat -c '%a %F' "$RUN_BASE/sandboxes/web/ctl" 2>&1)" "600 socket" \
    "the control socket is the user's alone (0600), in a 0700 directory"

# --- stop: httpd ends on SIGTERM, well within the grace.
start=$(date +%s)
run_hutch stop -t 8 web
secs=$(($(date +%s) - start))
is "$rc/$out/$(ps_line web | awk '{print $2, $3}')" "0/web/exited (143)" "stop ends httpd with SIGTERM (exit 143)"
given ran 0 web -- check "stop returned within the grace ($secs s)" test "$secs" -lt 8
given test "$rc/$out" = 0/web -a -n "$page" -- check "the port is closed after stop" sh -c "! curl -fsS --max-time 1 http://127.0.0.1:$port/ 2>/dev/null"

# --- a command ignoring SIGTERM is killed at the grace's end.
run_hutch run -d --name stubborn "$root" sh -c 'trap "" TERM; echo trapped; while :; do sleep 0.1; done'
start=$(date +%s%N)
run_hutch stop -t 1 stubborn
ms=$((($(date +%s%N) - start) / 1000000))
is "$rc/$out/$(ps_line stubborn | awk '{print $2, $3}')" "0/stubborn/exited (137)" "a command ignoring SIGTERM is killed (137)"
given ran 0 stubborn -- check "... at the end of the 1 s grace ($ms ms)" test "$ms" -ge 900 -a "$ms" -lt 6000

# --- logs, logs -f, --tail.
run_hutch run -d --name talk "$root" sh -c 'echo first-line; echo to-stderr >&2; sleep 1.5; echo later-line; sleep 100'
"$HUTCH" logs -f talk > "$TEST_TMP/follow" 2>&1 &
follower=$!
given ran 0 talk -- check "logs -f shows a line printed after it started" wait_for_file "$TEST_TMP/follow" later-line 5
kill "$follower" 2>/dev/null
wait "$follower" 2>/dev/null
run_hutch logs talk
is "$rc/$(grep -c . <<< "$out")/$(head -n 2 <<< "$out" | tr '\n' ' ')" "0/3/first-line to-stderr " "logs: stdout and stderr, in order"
run_hutch logs --tail 1 talk
is "$rc/$out" "0/later-line" "logs --tail 1: the last line"
run_hutch kill -s TERM talk
is "$rc/$out" "0/talk" "kill -s TERM"
run_hutch wait talk
is "$rc/$out" "0/143" "wait prints the exit status"

# --- the log is bounded: 1 MiB, and one older file.
run_hutch run -d --name chatty "$root" sh -c 'i=0; while [ $i -lt 30000 ]; do echo "line $i: padding to fill the log a little faster"; i=$((i+1)); done; echo end-marker; exec sleep 1000'
chatty_up=$rc/$out
for ((i = 0; i < 100; i++)); do
    [ "$chatty_up" = 0/chatty ] || break
    [ "$("$HUTCH" logs --tail 1 chatty 2>/dev/null)" = end-marker ] && break
    sleep 0.05
done
run_hutch logs --tail 40000 chatty
is "$rc/$(grep -c . <<< "$out")/$(head -n 1 <<< "$out")/$(tail -n 1 <<< "$out")/$(stat -c %s "$SANDBOXES/chatty/log.1" 2>/dev/null)/$(($(stat -c %s "$SANDBOXES/chatty/log" 2>/dev/null || echo 9999999) <= 1048576))" \
    "0/30001/line 0: padding to fill the log a little faster/end-marker/1048576/1" \
    "1.5 MB of output: log.1 holds 1 MiB, log the rest, and logs reads both in order"
run_hutch rm -f chatty

# --- a file survives stop and start, and is gone after rm.
keep_cmd='if [ -f /kept/v ]; then echo found-kept; else mkdir /kept; echo v1 > /kept/v; chown -R 1000:1000 /kept; chmod 700 /kept; echo wrote-kept; fi'
run_hutch run -d --name keep "$root" sh -c "$keep_cmd; exec sleep 1000"
[ "$rc/$out" = 0/keep ] && logs_have keep wrote-kept  # its word out before the SIGKILL
run_hutch stop -t 0 keep
run_hutch start keep
is "$rc/$out" "0/keep" "start runs a stopped sandbox again"
[ "$rc/$out" = 0/keep ] && logs_have keep found-kept
run_hutch logs keep
is "$rc/$(tr '\n' ' ' <<< "$out")" "0/wrote-kept found-kept " "its changes were kept across stop and start (and its log)"

# --- a reboot: the runtime state gone, the data kept.
run_hutch stop -t 0 keep
rm -rf "$SANDBOXES"
run_hutch ps -a
given ran 0 -- check "after a reboot ps -a shows keep as exited" grep -qE "^keep +exited" <<< "$out"
run_hutch start keep
is "$rc/$out" "0/keep" "after a reboot it starts again"
started=$rc/$out
# A shell with another XDG_RUNTIME_DIR sees it running too: its changes
# are not run twice.
mkdir -m 0700 "$TEST_TMP/xdg2"
XDG_RUNTIME_DIR=$TEST_TMP/xdg2 run_hutch start keep
given test "$started" = 0/keep -- is "$rc/$(grep -c 'is running' <<< "$err")/$(ls -A "$TEST_TMP/xdg2/hutch/sandboxes" 2> /dev/null)" "125/1/" \
    "start from a shell with another XDG_RUNTIME_DIR is refused while it runs (125), making nothing there"
run_hutch rm -f keep
is "$rc/$out/$(ls "$DATA_SANDBOXES" 2>/dev/null | grep -c '^keep$')" "0/keep/0" "rm -f stops and removes it, its changes too"
run_hutch run --rm --name keep "$root" sh -c "$keep_cmd"
is "$rc/$out" "0/wrote-kept" "a new sandbox of that name starts from the image (--rm, in the foreground)"
given ran 0 wrote-kept -- check "--rm removed it at its exit" test ! -e "$DATA_SANDBOXES/keep" -a ! -e "$SANDBOXES/keep"

# --- detached for good: the caller's pipe is not held, the terminal may close.
name=$(timeout 10 "$HUTCH" run -d "$root" sleep 1000 < /dev/null)
st=$?
is "$st/$(ps_line "${name:-none}" | awk '{print $2}')" "0/running" "\$(hutch run -d) returns: no process of the sandbox holds the caller's stdout (a generated name: $name)"
if command -v script > /dev/null; then
    run timeout -k 2 20 script -qefc "$HUTCH run -d --name hup $root sleep 1000" /dev/null
    sleep 0.3
    is "$rc/$(ps_line hup | awk '{print $2}')" "0/running" "started from a terminal that then closes, it runs on"
else
    skip "run -d from a terminal" "script (util-linux) is not installed"
fi

# --- kill -9 of the monitor: nothing keeps running, ps says exited.
run_hutch run -d --name victim "$root" sh -c 'echo victim-up; exec sleep 1000'
mon=$(field victim monitor_pid)
keys=$([ -n "$mon" ] && descendants "$mon")
[ -n "$mon" ] && kill -KILL "$mon"
left=''
for ((i = 0; i < 100; i++)); do
    left=$(alive $keys)
    [ -z "$left" ] && break
    sleep 0.05
done
given test -n "$keys" -- is "$(wc -w <<< "$keys")/$left" "$(wc -w <<< "$keys")/" "kill -9 of the monitor leaves none of its $(wc -w <<< "$keys") processes (keeper, init, sleep, pasta...) running"
is "$(ps_line victim | awk '{print $2}')" "exited" "the next ps shows it exited"

# --- exec: a command in a running sandbox, under its policy.
run_hutch run -d --name box --ulimit nofile=900:1000 --ulimit core=0 "$root" sh -c 'echo box-file > /tmp/box-file; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; { grep -E "^(Cap|NoNewPrivs|Seccomp)" /proc/self/status; cat /proc/self/limits; } > /tmp/main-policy; exec sleep 1000'
box_up=$rc/$out
run_hutch exec box sh -c 'cat /tmp/box-file; echo "pid1=$(cat /proc/1/comm)"; exit 5'
is "$rc/$out" "5/box-file
pid1=hutch-init" "exec runs in the sandbox (its files, its pid 1) and passes the status on"
run_hutch exec -e EX=42 -w /tmp -u 1000:1000 box sh -c 'echo "$EX $(pwd) $(id -u):$(id -g)"'
is "$rc/$out" "0/42 /tmp 1000:1000" "exec -e, -w and -u apply"
run_hutch exec -e 1BAD=x box sh -c 'echo ran'
check "exec -e with a bad variable name: 125, nothing runs, the message says why" refused "bad variable"
check "exec passes stdin on" test "$(echo piped-in | "$HUTCH" exec box cat 2>&1)" = piped-in
for ((i = 0; i < 60; i++)); do
    [ "$box_up" = 0/box ] || break
    [ "$("$HUTCH" logs box 2>/dev/null | grep -c .)" -ge 3 ] && break
    sleep 0.05
done
run_hutch exec box grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status
given ran 0 -- is "$out/$(grep -c . <<< "$out")" "$("$HUTCH" logs box 2>/dev/null)/3" "exec gets the command's capabilities, no_new_privs and seccomp mode"
if command -v script > /dev/null; then
    run timeout -k 2 20 script -qefc "$HUTCH exec -t box sh -c 'tty; exit 4'" /dev/null
    is "$rc/$(tr -d '\r' <<< "$out")" "4//dev/pts/0" "exec -t: a terminal of the sandbox's own devpts, and the status"
    # Without -t from a terminal: a pty of the sandbox's own as well, as
    # for run; never the caller's terminal, which a process the command
    # leaves behind could read from after exec returns.
    cat > "$TEST_TMP/exec-tty" <<EOF
#!/bin/sh
exec "$HUTCH" exec box sh -c 'echo "devpts \$(stat -L -c %d /proc/self/fd/0) \$(stat -c %d /dev/pts/ptmx)"'
EOF
    chmod +x "$TEST_TMP/exec-tty"
    run timeout -k 2 20 script -qefc "$TEST_TMP/exec-tty" /dev/null
    set -- $(tr -d '\r' <<< "$out" | grep '^devpts ')
    check "exec from a terminal without -t: stdin is a terminal of the sandbox's devpts, not the caller's" \
        test "$rc" = 0 -a -n "${2:-}" -a "${2:-}" = "${3:-}"
else
    skip_n 2 "exec -t" "script (util-linux) is not installed"
fi
run_hutch exec box unshare -U sh -c 'echo escaped'
given test "$(field box exit_code)" = "" -- check "a call the seccomp filter denies (unshare -U) fails in exec's process" \
    test "$rc" != 0 -a -z "$out" -a -n "$(grep -F 'Operation not permitted' <<< "$err")"
run_hutch run -d --name open --seccomp unconfined "$root" sleep 1000
run_hutch exec open unshare -U sh -c 'echo escaped'
is "$rc/$out" "0/escaped" "control: with --seccomp unconfined the same call succeeds (the filter is the sandbox's own)"
run_hutch exec box sh -c 'ls "$1" 2>&1; for f in /proc/[0-9]*/cmdline; do tr "\0" " " < "$f"; echo; done; echo listed' sh "$TEST_TMP"
given ran 0 listed -- unlike "$out" "$TEST_TMP/" "exec sees no host path: not the test directory, not the monitor's or the keeper's command line"
given ran 0 -- like "$out" "No such file or directory" "... the host's directory is not there"
# exec's process against the main command: every capability set, the
# bounding set and the ambient one included, no_new_privs, the filter, and
# every rlimit (box runs with --ulimit, which exec must apply too).
run_hutch exec box sh -c '{ grep -E "^(Cap|NoNewPrivs|Seccomp)" /proc/self/status; cat /proc/self/limits; } > /tmp/exec-policy; diff /tmp/main-policy /tmp/exec-policy && grep -c . /tmp/main-policy && echo same'
given ran 0 same -- check "exec's process has the main command's CapInh/Prm/Eff/Bnd/Amb, NoNewPrivs, Seccomp and rlimits" \
    grep -qx '2[0-9]' <<< "$(sed -n 1p <<< "$out")"
# Descriptors: the exec'd shell's own, listed by a child of it: none but
# the client's three, none leading to the keeper or the monitor.
run_hutch exec box sh -c 'ls -l /proc/$$/fd; echo fds-listed' < /dev/null
given ran 0 fds-listed -- is "$(sed -n 's/.* \([0-9]*\) -> .*/\1/p' <<< "$out" | tr '\n' ' ')" "0 1 2 " "exec's process holds no descriptor but its stdio"
given ran 0 fds-listed -- unlike "$out" "socket:" "... no socket of the keeper or the monitor"
# The caller's environment stays outside; only -e goes in.
run env HUTCH_REVIEW_LEAK=leaked "$HUTCH" exec -e GIVEN=given box env
given ran 0 GIVEN=given -- unlike "$out" "HUTCH_REVIEW_LEAK" "exec passes none of the caller's environment, only -e"
# kill -9 of the exec client: its command goes too (nothing could take it
# back, and it would hold the client's stdio).
"$HUTCH" exec box sh -c 'echo $$ > /tmp/exec-pid; exec sleep 1000' > /dev/null 2>&1 &
client=$!
for ((i = 0; i < 100; i++)); do
    run_hutch exec box cat /tmp/exec-pid
    [ "$rc" = 0 ] && [ -n "$out" ] && break
    sleep 0.05
done
xpid=$out
kill -KILL "$client"
wait "$client" 2> /dev/null
for ((i = 0; i < 40; i++)); do
    run_hutch exec box sh -c "[ -d /proc/$xpid ] && echo alive || echo gone"
    [ "$out" = gone ] && break
    sleep 0.05
done
given test -n "$xpid" -- check "kill -9 of the exec client ends its command in the sandbox" ran 0 gone
# ps: a command's control characters (an image's Cmd can hold any) reach
# no terminal as they are.
run_hutch run -d --name esc "$root" sh -c 'exec sleep 1000' "$(printf '\033]0;pwned\007\033[2J')"
run_hutch ps -a
given ran 0 -- check "ps prints no terminal escape of a command (ESC and BEL shown escaped)" \
    sh -c '! printf %s "$1" | grep -q "$(printf "[\033\007]")" && printf %s "$1" | grep -q "^esc "' sh "$out"
# The data directory inside a volume that holds it: the sandboxes' state
# and changes are masked, as the store is (a sandbox that could edit
# another's state.json would choose the options of its next start).
run_hutch run -v "$XDG_DATA_HOME:/data" "$root" sh -c 'cat /data/hutch/sandboxes/box/state.json 2> /dev/null; ls /data/hutch/sandboxes; echo looked'
given ran 0 looked -- unlike "$out" '"name":' "a volume holding the data directory shows no sandbox's state.json"
given ran 0 looked -- unlike "$out" "box" "... nor the sandboxes' names"
# rm removes the sandbox's own directories and never follows a link planted
# in their place.
mkdir -p "$TEST_TMP/victim/rw" "$DATA_SANDBOXES"
echo keep > "$TEST_TMP/victim/rw/precious"
ln -s "$TEST_TMP/victim" "$DATA_SANDBOXES/ghost"
run_hutch rm ghost
given ran 0 ghost -- check "rm of a sandbox whose directory is a link removes the link, not what it points to" \
    test -e "$TEST_TMP/victim/rw/precious" -a ! -L "$DATA_SANDBOXES/ghost"
# kill -9 of box's keeper while an exec runs: the exec'd command dies with
# the sandbox and the client returns (137), nothing of the exec left.
"$HUTCH" exec box sh -c 'echo started; while :; do sleep 1; done' "$TEST_TMP/exec-mark" > "$TEST_TMP/exec-out" 2>&1 &
client=$!
for ((i = 0; i < 100; i++)); do
    grep -qx started "$TEST_TMP/exec-out" 2> /dev/null && break
    sleep 0.05
done
mon=$(field box monitor_pid)
keeper=$([ -n "$mon" ] && ps -o pid=,comm= --ppid "$mon" | awk '$2 == "hutch" {print $1}')
[ -n "$keeper" ] && grep -qx started "$TEST_TMP/exec-out" && kill -KILL $keeper
wait_exit "$client"
crc=$?
for ((i = 0; i < 40; i++)); do
    pgrep -f -- "$TEST_TMP/exec-mark" > /dev/null || break
    sleep 0.05
done
given test -n "$keeper" -- is "$crc/$(pgrep -f -- "$TEST_TMP/exec-mark")" "137/" "kill -9 of the keeper during an exec: the client returns 137, the exec'd command is gone"

# --- two runs racing on one name: one wins, the other is refused.
"$HUTCH" run -d --name race "$root" sleep 1000 > "$TEST_TMP/race1" 2>&1 &
r1=$!
"$HUTCH" run -d --name race "$root" sleep 1000 > "$TEST_TMP/race2" 2>&1 &
r2=$!
wait_exit "$r1"; s1=$?
wait_exit "$r2"; s2=$?
is "$(printf '%s\n' "$s1" "$s2" | sort | tr '\n' ' ')" "0 125 " "two runs on one name: one wins, the other exits 125"
like "$(cat "$TEST_TMP/race1" "$TEST_TMP/race2")" "a sandbox named race exists" "... saying the name is taken, with the fix"

# --- bad names.
run_hutch run -d --name '-bad' "$root" true
check "a bad name is refused (125) with the fix" refused "bad sandbox name"
run_hutch stop nosuch
check "stop of an unknown name: 125, with the fix" refused "no sandbox named"

# --- --restart on-failure:3 restarts exactly three times.
run_hutch run -d --name flaky --restart on-failure:3 "$root" sh -c 'echo attempt; exit 3'
run_hutch wait flaky
is "$rc/$out" "0/3" "the failing command's status, after its restarts"
run_hutch logs flaky
is "$rc/$(grep -c '^attempt$' <<< "$out")/$(field flaky restarts)" "0/4/3" "on-failure:3: four runs, three restarts"

# --- a foreground named run is in ps while it runs.
mkdir "$TEST_TMP/fgdir"
"$HUTCH" run --name fg -v "$TEST_TMP/fgdir:/fgdir" "$root" sh -c 'i=0; while [ ! -e /fgdir/go ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; echo fg-done' > "$TEST_TMP/fg" 2>&1 &
fgpid=$!
for ((i = 0; i < 50; i++)); do
    run_hutch ps
    grep -qE "^fg +running" <<< "$out" && break
    running "$fgpid" || break
    sleep 0.1
done
given ran 0 -- check "a foreground --name run shows in ps" grep -qE "^fg +running" <<< "$out"
touch "$TEST_TMP/fgdir/go"
wait_exit "$fgpid"
is "$?/$(cat "$TEST_TMP/fg")" "0/fg-done" "and ends as usual"

# --- 20 at once, names and ports straight.
ports=()
for i in $(seq 1 20); do
    ports[i]=$(free_port)
    "$HUTCH" run -d --name "svc$i" -p "${ports[i]}:80" "$root" sh -c "echo svc$i > /var/www/index.html; exec httpd -f -p 80 -h /var/www" > "$TEST_TMP/svc$i" 2>&1 &
done
wait
good=0
for i in $(seq 1 20); do
    [ "$(cat "$TEST_TMP/svc$i")" = "svc$i" ] && [ "$(fetch "${ports[i]}" 5)" = "svc$i" ] && good=$((good + 1))
done
is "$good" 20 "20 sandboxes started at once: each has its name and serves its own page on its own port"
run_hutch ps
is "$rc/$(grep -cE '^svc[0-9]+ +running' <<< "$out")" "0/20" "ps lists the 20 running"
had_data=no
[ -d "$DATA_SANDBOXES/svc1" ] && had_data=yes
for i in $(seq 1 20); do
    "$HUTCH" rm -f "svc$i" > /dev/null 2>&1 &
done
wait

# --- rm of the rest: nothing left behind.
for n in web stubborn talk victim race flaky fg box open hup esc ghost ${name:-}; do
    "$HUTCH" rm -f "$n" > /dev/null 2>&1
done
run_hutch ps -a
is "$rc/$(head -c 4 <<< "$out")/$(sed 1d <<< "$out")" "0/NAME/" "after rm, ps -a lists nothing"
given test "$had_data" = yes -- check "after rm, no state is left in the data directory" test ! -e "$DATA_SANDBOXES"
given test "$had_data" = yes -- assert_clean "nothing left behind after rm"
