#!/bin/bash
# The sandbox dies with hutch. After kill -9 of hutch nothing is left: no
# process of the sandbox (fuse-overlayfs included), no mount, no run
# directory; proven on both launch paths (run.c): without a keeper (the
# default: kernel overlay, writes in memory) and with one (--upper disk,
# --overlay fuse), both while the command runs and at many moments of the
# start. When the command exits, hutch exits, even if the command left
# daemons running. When hutch and its keeper are both killed, the next start
# of hutch removes the stale run directory.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

per_path=8
paths="direct disk fuse"
plan $((3 * per_path + 2 * 3 + 8))

root=$(busybox_layers)
ready=$TEST_TMP/ready
mkdir -p "$ready"

# path_opts PATH: the options that take a launch down that path.
path_opts() {
    case $1 in
    direct) echo --overlay kernel ;;        # no keeper
    disk) echo --overlay kernel --upper disk ;;  # the keeper, kernel overlay
    fuse) echo --overlay fuse ;;            # the keeper and fuse-overlayfs
    esac
}

# start_sandbox PATH NAME: hutch in the background running a daemon and a
# foreground sleep; waits until both run. Sets pid (hutch's) and marker.
start_sandbox() {
    marker="9$RANDOM$RANDOM"
    rm -f "$ready/$2"
    "$HUTCH" run $(path_opts "$1") -v "$ready:/ready" "$root" /bin/sh -c \
        "sleep $marker & sleep $marker & echo up > /ready/$2; sleep $marker" \
        < /dev/null > "$TEST_TMP/out.$2" 2>&1 &
    pid=$!
    wait_for_file "$ready/$2" up 10 "$pid"
}

# The processes an orphan can be handed to: pid 1, or a subreaper among
# this shell's ancestors (systemd --user, on a desktop).
reapers=1
p=$$
while [ "$p" -gt 1 ]; do
    p=$(ps -o ppid= -p "$p" | tr -d ' ')
    [ -n "$p" ] || break
    reapers=$reapers,$p
done

# orphans: a sandbox's init (it calls itself hutch-init) that outlived the
# hutch (or keeper) that started it and was handed to a reaper; not one of
# $inits_before (another test's), and not a zombie (which holds nothing,
# and whose reaping is up to that reaper).
orphans() {
    local p st
    for p in $(pgrep -u "$(id -u)" -x -P "$reapers" hutch-init); do
        st=$(proc_state "$p")
        [ -z "$st" ] || [ "$st" = Z ] && continue
        case " $inits_before " in *" $(proc_key "$p") "*) continue ;; esac
        echo "orphan init $p"
    done
    return 0
}

# The processes the sandbox runs: hutch, the keeper (but on the direct
# path), init, the command, its daemons, fuse-overlayfs.
for path in $paths; do
    backend=kernel
    [ "$path" = fuse ] && backend=fuse
    if ! have_backend "$backend"; then
        skip_n "$per_path" "$path: kill -9 checks" "$(backend_missing_reason "$backend")"
        continue
    fi
    if ! start_sandbox "$path" "$path"; then
        not_ok "$path: the sandbox starts" "$(cat "$TEST_TMP/out.$path")"
        for ((i = 1; i < per_path; i++)); do not_ok "$path: kill -9 check $i (not run)"; done
        kill -KILL "$pid" 2>/dev/null
        continue
    fi
    ok "$path: the sandbox starts"
    procs=$(descendants "$pid")
    n=$(wc -l <<< "$procs")
    n_sleep=0
    for k in $procs; do
        [ "$(cat "/proc/${k%%:*}/comm" 2>/dev/null)" = sleep ] && n_sleep=$((n_sleep + 1))
    done
    # hutch, keeper, init, 3 sleeps (sh execs the last), fuse-overlayfs: the
    # watch list must hold them all, or the checks below would prove nothing.
    case $path in direct) want=5 ;; disk) want=6 ;; fuse) want=7 ;; esac
    check "$path: the watch list holds hutch and every sandbox process ($n, want $want; $n_sleep sleeps)" \
        test "$n" -ge "$want" -a "$n_sleep" -eq 3
    init=$(pgrep -u "$(id -u)" -x -P "$pid" hutch-init)
    if [ "$path" = direct ]; then
        check "$path: init is hutch's own child (no keeper)" test -n "$init"
        check "$path: while it runs, there is no run directory" test -z "$(ls -A "$RUN_BASE" 2>/dev/null)"
    else
        check "$path: init is not hutch's child (a keeper between)" test -z "$init"
        check "$path: while it runs, there is a run directory" test -n "$(ls -A "$RUN_BASE" 2>/dev/null)"
    fi
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        left=$(alive $procs)
        [ -z "$left" ] && break
        sleep 0.05
    done
    is "$left" "" "$path: after kill -9 of hutch, every process of the sandbox is gone"
    check "$path: ... including the command's daemons" test -z "$(pgrep -f "sleep $marker")"
    assert_clean "$path: ... and there is no mount, no run directory, no process left"
    run_hutch run $(path_opts "$path") "$root" /bin/sh -c 'echo ran'
    is "$rc/$out" "0/ran" "$path: the next run works"
done

# --- kill -9 of hutch at many moments of its start, on both paths: a
# launch takes a few ms, so the delays below land in its stages from the
# first to the command's run (the last stage each reached before the kill
# is shown; the keeper's cleanup after it is left out).
inits_before=$(for p in $(pgrep -u "$(id -u)" -x hutch-init); do proc_key "$p"; done | tr '\n' ' ')
for path in direct disk; do
    marker="9$RANDOM$RANDOM"
    stages=''
    for d in 0 0 0.001 0.002 0.003 0.004 0.005 0.006 0.008 0.010 0.013 0.016 0.020 0.030 0.050 0.1; do
        "$HUTCH" run --log-level debug $(path_opts "$path") "$root" /bin/sh -c "echo up; sleep $marker" \
            < /dev/null > "$TEST_TMP/out.kill" 2> "$TEST_TMP/err.kill" &
        p=$!
        sleep "$d"
        kill -KILL "$p"
        wait "$p" 2>/dev/null
        last=$(grep -a -o '\] [a-z]* *[a-z][^(]*' "$TEST_TMP/err.kill" | grep -v -E 'sandbox ended|unmount overlay|cleaned up' | tail -n 1 | sed 's/^] //; s/ *$//; s/  */ /g')
        stages="$stages${last:-before any stage}; "
    done
    diag "$path: killed after: $stages"
    run_hutch run $(path_opts "$path") "$root" /bin/sh -c 'echo ran'
    is "$rc/$out" "0/ran" "$path: after 16 kills of hutch during its start, a run works"
    given ran 0 ran -- assert_clean "$path: ... and the kills left no process, mount or run directory" \
        "sleep $marker"
    given ran 0 ran -- is "$(wait_clean 5 >/dev/null; orphans)" "" "$path: ... and no orphaned init"
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
if start_sandbox disk stale || start_sandbox fuse stale; then
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
