#!/bin/bash
# Signals sent to hutch reach the command in the sandbox: SIGINT, SIGTERM,
# SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH are passed on by hutch and
# by the sandbox's init.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

signals="INT TERM HUP QUIT USR1 USR2 WINCH"
plan $((2 * 7 + 4))

root=$(busybox_layers)
# Job control: background jobs then keep SIGINT and SIGQUIT (a shell without
# it starts them ignored, and an ignored signal never reaches hutch).
set -m

# start_trapping SIG OUT: hutch in the background, its command trapping SIG
# (or nothing, when SIG is empty); sets pid once the trap is in place.
start_trapping() {
    local sig=$1 outfile=$2 trap_cmd=''
    [ -n "$sig" ] && trap_cmd="trap 'echo got $sig; exit 42' $sig;"
    "$HUTCH" run "$root" /bin/sh -c "$trap_cmd echo ready; while :; do sleep 0.05; done" \
        < /dev/null > "$outfile" 2>&1 &
    pid=$!
    wait_for_file "$outfile" ready 10 "$pid"
}

# Signals that the test's caller ignores (nohup, a background job started
# without job control) arrive ignored in every child, hutch's command too,
# and an ignored signal cannot be trapped: as without hutch. Read here as a
# background job sees them.
awk '/^SigIgn:/ {print $2}' /proc/self/status > "$TEST_TMP/sigign" &
wait $!
ign=$((16#$(cat "$TEST_TMP/sigign")))

n_started=0 n_ignored=0
for sig in $signals; do
    f=$TEST_TMP/out.$sig
    if (((ign >> ($(kill -l "$sig") - 1)) & 1)); then
        skip_n 2 "SIG$sig" "the test's caller ignores SIG$sig, so the command inherits it ignored, as without hutch"
        n_ignored=$((n_ignored + 1))
        continue
    fi
    if ! start_trapping "$sig" "$f"; then
        not_ok "SIG$sig: the sandbox starts" "$(cat "$f")"
        not_ok "SIG$sig: hutch exits with the trap's status"
        kill -KILL "$pid" 2>/dev/null
        continue
    fi
    n_started=$((n_started + 1))
    kill "-$sig" "$pid"
    wait_exit "$pid" 10
    status=$?
    like "$(cat "$f")" "got $sig" "SIG$sig sent to hutch reaches a trap in the sandbox"
    is "$status" 42 "SIG$sig: hutch exits with the trap's status"
done

# Without a trap, the command dies of the signal and hutch reports 128+N.
f=$TEST_TMP/out.plain
if start_trapping "" "$f"; then
    n_started=$((n_started + 1))
    kill -TERM "$pid"
    wait_exit "$pid" 10
    is "$?" 143 "SIGTERM to hutch kills an untrapping command: 143"
else
    not_ok "SIGTERM to hutch kills an untrapping command: 143" "$(cat "$f")"
fi
# A caller that ignores SIGCHLD (so that its own children are reaped
# unseen) passes that on to hutch: hutch hung there for ever, its init
# never seeing the command end. Without a keeper, and with one.
for how in "" "--upper disk"; do
    # shellcheck disable=SC2086
    run timeout -k 5 15 env --ignore-signal=CHLD "$HUTCH" run $how "$root" /bin/sh -c 'echo ran; exit 7'
    is "$rc/$out" "7/ran" "hutch run ${how:+$how }started with SIGCHLD ignored: the command's status (was: hutch hung)"
    [ "$rc" = 7 ] && n_started=$((n_started + 1))
done
# Only sandboxes that ran can have left something behind.
given test "$((n_started + n_ignored))" = 10 -- assert_clean "nothing is left behind after the signals"
