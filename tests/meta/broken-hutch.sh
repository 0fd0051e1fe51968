#!/bin/bash
# broken-hutch: every integration and security script fails when hutch is
# broken, and none of its test points passes. Each script given as an
# argument runs three times with HUTCH replaced by a stub that runs nothing:
#   exit125  exits 125 and prints nothing (hutch failing before the command,
#            without even its message);
#   false    exits 1 and prints nothing;
#   true     exits 0 and prints nothing (a hutch that claims success).
# Under each, the script must fail (a `not ok`, a bail out, a plan not
# kept, or a non-zero exit) and every one of its points must be `not ok`,
# a SKIP (the host cannot support it) or a TODO. A point that passes with
# no sandbox at all proves nothing: it is named in the diagnostics.
#
# A script may skip entirely (1..0 # SKIP) only if it also does so with
# the real hutch: a skip decided by asking a broken hutch is a pass in
# disguise. Those scripts, and only those, are run once more for real.
#
# The control: a script with one point that holds without hutch is flagged,
# and one whose points all need the sandbox is not, so that this test can
# tell (a parser that saw no points would flag nothing).
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

[ $# -gt 0 ] || bail_out "usage: broken-hutch.sh SCRIPT... (meson passes every integration and security script)"
plan $(($# + 2))
real_hutch=$HUTCH
started=$(date +%s%N)

stubs=$TEST_TMP/stubs
mkdir -p "$stubs"
for s in exit125:125 false:1 true:0; do
    printf '#!/bin/sh\nexit %s\n' "${s#*:}" > "$stubs/${s%%:*}"
    chmod 755 "$stubs/${s%%:*}"
done
STUBS="exit125 false true"

# The demo layers, built once and copied by each script (HUTCH_TEST_LAYERS).
busybox_layers > /dev/null
export HUTCH_TEST_LAYERS=$TEST_TMP/layers

# The scripts' temporary directories on a tmpfs where there is one: copying
# and removing the layers there is ten times faster than on a disk.
script_tmp=${TMPDIR:-/tmp}
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -f -c %T /dev/shm)" = tmpfs ]; then
    script_tmp=/dev/shm
fi

# run_script SCRIPT HUTCH OUTFILE: run one script with that hutch, at most
# 60 s; its TAP goes to OUTFILE, its status is returned.
run_script() {
    local probes=${HUTCH_PROBES_INTEGRATION:-}
    case $1 in */security/*) probes=${HUTCH_PROBES_SECURITY:-} ;; esac
    HUTCH=$2 HUTCH_PROBES=$probes TMPDIR=$script_tmp timeout -k 5 60 bash "$1" < /dev/null > "$3" 2> "$3.err"
}

# tap_verdict FILE STATUS: judges one run's TAP. Prints "skip REASON" for a
# script that skipped entirely, "failed" for one that failed with no point
# passing, or "weak WHY" (a line per passing point) otherwise.
tap_verdict() {
    local file=$1 status=$2
    awk -v status="$status" '
        /^1\.\.0 *# *SKIP/ { sub(/^1\.\.0 *# *SKIP */, ""); skip = $0; next }
        /^1\.\.[0-9]+/ { planned = substr($1, 4) + 0; has_plan = 1; next }
        /^Bail out!/ { bail = 1; next }
        /^(not )?ok/ {
            count++
            directive = ""
            if (match($0, /# *(SKIP|TODO)/)) directive = toupper(substr($0, RSTART, RLENGTH))
            if ($1 == "not") {
                if (directive !~ /TODO/) failed++
            } else if (directive !~ /SKIP/) {
                passed = passed "\npasses: " $0
            }
        }
        END {
            if (skip != "" && count == 0) { print "skip " skip; exit }
            fails = failed > 0 || bail || status != 0 || !has_plan || count != planned
            if (passed != "") print "weak" passed
            else if (!fails) print "weak: no point failed, and the script ended well (status " status ")"
            else print "failed"
        }' "$file"
}

# judge SCRIPT: prints "ok", "skip REASON" or "weak" and the reasons.
# The three runs go side by side: each has its own temporary directory.
judge() {
    local script=$1 stub v skips=0 why='' status reason='' pids=()
    for stub in $STUBS; do
        run_script "$script" "$stubs/$stub" "$TEST_TMP/run.$stub" &
        pids+=($!)
    done
    for stub in $STUBS; do
        wait "${pids[0]}"
        status=$?
        pids=("${pids[@]:1}")
        v=$(tap_verdict "$TEST_TMP/run.$stub" "$status")
        case $v in
        failed) ;;
        skip\ *) skips=$((skips + 1)) reason=${v#skip } ;;
        *) why="$why
with the $stub stub: $v" ;;
        esac
        [ "$status" = 124 ] && why="$why
with the $stub stub: it ran 60 s and was stopped"
    done
    if [ "$skips" -gt 0 ] && [ "$skips" -lt 3 ]; then
        why="$why
it skips entirely under some stubs only ($reason)"
    fi
    if [ -n "$why" ]; then
        printf 'weak%s\n' "$why"
    elif [ "$skips" = 3 ]; then
        # Every stub run skipped it: so must the real hutch.
        run_script "$script" "$real_hutch" "$TEST_TMP/real.out"
        v=$(tap_verdict "$TEST_TMP/real.out" "$?")
        case $v in
        skip\ *) printf 'skip %s\n' "$reason" ;;
        *) printf 'weak\nit skips entirely with a broken hutch (%s), but runs with the real one: it asked the broken hutch whether to skip\n' "$reason" ;;
        esac
    else
        echo ok
    fi
}

# --- the control
cat > "$TEST_TMP/weak-fixture.sh" <<'FIXTURE'
. "$HUTCH_SOURCE_DIR/tests/lib.sh"
plan 2
run_hutch run "$(busybox_layers)" /bin/sh -c 'echo ran'
is "$rc/$out" "0/ran" "a point that needs the sandbox"
unlike "$out" secret "a point that holds without a sandbox"
FIXTURE
sed '$d' "$TEST_TMP/weak-fixture.sh" | sed 's/^plan 2/plan 1/' > "$TEST_TMP/honest-fixture.sh"
v=$(judge "$TEST_TMP/weak-fixture.sh")
if [[ $v == weak* && $v == *"passes: ok 2 - a point that holds without a sandbox"* && $v != *"passes: ok 1"* ]]; then
    ok "control: a script with a point that holds without hutch is flagged, that point named"
else
    not_ok "control: a script with a point that holds without hutch is flagged, that point named" "$v"
fi
v=$(judge "$TEST_TMP/honest-fixture.sh")
is "$v" ok "control: a script whose only point needs the sandbox is not flagged"

# --- the scripts
for script in "$@"; do
    name=$(basename "$(dirname "$script")")/$(basename "$script" .sh)
    t0=$(date +%s%N)
    v=$(judge "$script")
    ms=$((($(date +%s%N) - t0) / 1000000))
    case $v in
    ok) ok "$name fails, with no point passing, under each broken hutch ($ms ms)" ;;
    skip\ *) skip "$name" "skips entirely on this host, with the real hutch too: ${v#skip }" ;;
    *) not_ok "$name fails, with no point passing, under each broken hutch ($ms ms)" "${v#weak$'\n'}" ;;
    esac
done
diag "$# scripts, 3 stubs each, in $((($(date +%s%N) - started) / 1000000)) ms"
