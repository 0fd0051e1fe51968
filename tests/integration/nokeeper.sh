#!/bin/bash
# The launch without a keeper (run.c's direct path): with the kernel
# overlay and the writes in memory, hutch starts init itself and init
# mounts the overlay in its own mount namespace. There is no keeper, no run
# directory and no host mount while the sandbox runs, and nothing is left
# after a normal exit or a signal (kill -9 of hutch: cleanup.sh, on both
# paths). Options that need a helper beside the sandbox take the keeper,
# and --log-level debug says why.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 12

root=$(busybox_layers)
ready=$TEST_TMP/ready
mkdir -p "$ready"

if ! have_kernel_overlay; then
    skip_all "$(backend_missing_reason kernel)"
fi

# --- which path, and why
run_hutch run --log-level debug "$root" /bin/sh -c 'echo hi > /etc/written; cat /etc/written; echo ran'
given ran 0 ran -- like "$err" "launch without a keeper" "the default launch takes no keeper"
given ran 0 ran -- like "$out" "hi" "... and the sandbox writes into its root"
given ran 0 ran -- assert_clean "... and after a normal exit nothing is left"

run_hutch run --log-level debug --upper disk "$root" /bin/sh -c 'echo ran'
given ran 0 ran -- like "$err" "launch with a keeper: --upper disk" "--upper disk takes the keeper, and says why"

run_hutch run "$root" /no/such/command
is "$rc" 127 "a command not found: 127, without a keeper too"
like "$err" "command not found in the sandbox" "... with hutch's message"

run_hutch run "$root" /bin/sh -c 'echo ran; exit 7'
is "$rc/$out" "7/ran" "the command's status is hutch's"

# --- while it runs
"$HUTCH" run -v "$ready:/ready" "$root" /bin/sh -c "echo up > /ready/a; sleep 9$$" \
    < /dev/null > "$TEST_TMP/out.a" 2>&1 &
pid=$!
if wait_for_file "$ready/a" up 10 "$pid"; then
    init=$(pgrep -u "$(id -u)" -x -P "$pid" hutch-init)
    check "while it runs, init is hutch's own child" test -n "$init"
    check "... there is no run directory" test -z "$(ls -A "$RUN_BASE" 2>/dev/null)"
    # A keeper would be hutch's other child, in a mount namespace of its own
    # (and not dumpable: one we cannot read counts as its own too).
    others=$(for p in "$pid" $(pgrep -P "$pid" | grep -vx "${init:-x}"); do
        readlink "/proc/$p/ns/mnt" 2>/dev/null || echo "unreadable: $p"
    done | sort -u)
    is "$others" "$(readlink /proc/self/ns/mnt)" "... and no process of hutch's but init has a mount namespace of its own"
    kill -TERM "$pid"
    wait_exit "$pid" 10
    is "$?" 143 "SIGTERM to hutch ends the sandbox: 143"
    assert_clean "... and nothing is left" "sleep 9$$"
else
    kill -KILL "$pid" 2>/dev/null
    for ((i = 0; i < 5; i++)); do not_ok "while it runs (did not start)" "$(cat "$TEST_TMP/out.a")"; done
fi
