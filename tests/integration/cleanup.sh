#!/bin/bash
# The sandbox dies with hutch. After kill -9 of hutch nothing is left: no
# process of the sandbox (fuse-overlayfs included), no mount, no run
# directory. When the command exits, hutch exits, even if the command left
# daemons running. When hutch and its keeper are both killed, the next start
# of hutch removes the stale run directory.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

per_backend=7
plan $((2 * per_backend + 8))

root=$(busybox_layers)
ready=$TEST_TMP/ready
mkdir -p "$ready"

# start_sandbox BACKEND NAME: hutch in the background running a daemon and a
# foreground sleep; waits until both run. Sets pid (hutch's) and marker.
start_sandbox() {
    marker="9$RANDOM$RANDOM"
    rm -f "$ready/$2"
    "$HUTCH" run --overlay "$1" -v "$ready:/ready" "$root" /bin/sh -c \
        "sleep $marker & sleep $marker & echo up > /ready/$2; sleep $marker" \
        < /dev/null > "$TEST_TMP/out.$2" 2>&1 &
    pid=$!
    wait_for_file "$ready/$2" up 10 "$pid"
}

# The processes the sandbox runs: hutch, its keeper, init, the command,
# its daemons, fuse-overlayfs.
for backend in kernel fuse; do
    if ! have_backend "$backend"; then
        skip_n "$per_backend" "$backend: kill -9 checks" "$(backend_missing_reason "$backend")"
        continue
    fi
    if ! start_sandbox "$backend" "$backend"; then
        not_ok "$backend: the sandbox starts" "$(cat "$TEST_TMP/out.$backend")"
        for ((i = 1; i < per_backend; i++)); do not_ok "$backend: kill -9 check $i (not run)"; done
        kill -KILL "$pid" 2>/dev/null
        continue
    fi
    ok "$backend: the sandbox starts"
    procs=$(descendants "$pid")
    n=$(wc -l <<< "$procs")
    n_sleep=0
    for k in $procs; do
        [ "$(cat "/proc/${k%%:*}/comm" 2>/dev/null)" = sleep ] && n_sleep=$((n_sleep + 1))
    done
    # hutch, keeper, init, 3 sleeps (sh execs the last), fuse-overlayfs: the
    # watch list must hold them all, or the checks below would prove nothing.
    if [ "$backend" = fuse ]; then want=7; else want=6; fi
    check "$backend: the watch list holds hutch and every sandbox process ($n, want $want; $n_sleep sleeps)" \
        test "$n" -ge "$want" -a "$n_sleep" -eq 3
    check "$backend: while it runs, there is a run directory" test -n "$(ls -A "$RUN_BASE" 2>/dev/null)"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        left=$(alive $procs)
        [ -z "$left" ] && break
        sleep 0.05
    done
    is "$left" "" "$backend: after kill -9 of hutch, every process of the sandbox is gone"
    check "$backend: ... including the command's daemons" test -z "$(pgrep -f "sleep $marker")"
    assert_clean "$backend: ... and there is no mount, no run directory, no process left"
    run_hutch run --overlay "$backend" "$root" /bin/sh -c 'echo ran'
    is "$rc/$out" "0/ran" "$backend: the next run works"
done

# --- daemons left running do not keep hutch alive
start=$(date +%s%N)
run_hutch run "$root" /bin/sh -c 'sleep 60 & sleep 60 & echo started'
elapsed=$((($(date +%s%N) - start) / 1000000))
is "$out/$rc" "started/0" "a command that leaves daemons exits with its own status"
given ran 0 started -- check "... and hutch returns at once (${elapsed} ms)" test "$elapsed" -lt 5000
given ran 0 started -- assert_clean "... and the daemons are gone"

# --- without XDG_RUNTIME_DIR, run directories go under /tmp/hutch-UID/run
fallback=/tmp/hutch-$(id -u)
FALLBACK_BASE_BEFORE=$(find "$fallback/run" -mindepth 1 -maxdepth 1 2>/dev/null | LC_ALL=C sort)
run env -u XDG_RUNTIME_DIR "$HUTCH" run "$root" /bin/sh -c 'echo ran'
is "$out/$rc" "ran/0" "without XDG_RUNTIME_DIR, a sandbox runs"
given ran 0 ran -- is "$(stat -c '%u %a %F' "$fallback" 2>&1)" "$(id -u) 700 directory" \
    "... its runtime directory is $fallback, private to the caller"
given ran 0 ran -- assert_clean "... and nothing is left in $fallback/run"
unset FALLBACK_BASE_BEFORE

# --- hutch and its keeper both killed: the next start cleans up
if start_sandbox kernel stale || start_sandbox fuse stale; then
    keeper=$(pgrep -P "$pid" | head -n 1)
    kill -KILL "$pid" $keeper
    wait "$pid" 2>/dev/null
    sleep 0.2
    stale=$(ls -A "$RUN_BASE" 2>/dev/null)
    diag "left by killing hutch and keeper together: ${stale:-nothing}"
    run_hutch run "$root" /bin/sh -c 'echo ran'
    # The stale directory goes during the next start (or was already gone).
    left=''
    for s in $stale; do [ -e "$RUN_BASE/$s" ] && left="$left $s"; done
    given ran 0 ran -- is "$left" "" "after hutch and keeper are both killed, the next start removes the stale run directory"
    given ran 0 ran -- assert_clean "... and nothing else is left" "sleep $marker"
else
    not_ok "stale run directory removed by the next start" "$(cat "$TEST_TMP/out.stale")"
    not_ok "... and nothing else is left"
fi
