#!/bin/bash
# Limits without root: --pids-limit against a real fork bomb, --ulimit,
# --nice, --cpu-idle, --io-idle on the command and its children, and the
# cgroup-only options (--memory, --memory-swap, --cpus, --cpu-weight) refused
# with the fix where no cgroup is delegated.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 30
root=$(busybox_layers)

# ------------------------------------------------------------ fork bomb
#
# The whole bomb runs under an RLIMIT_NPROC of the caller's current count
# plus 400, as a limits.conf nproc line would give a user: without
# --pids-limit the bomb eats that allowance and the caller's own processes
# on the host can no longer start; with it the bomb stops at 50 in the
# sandbox's user namespace and the caller goes on. (It also keeps a broken
# build from taking the machine down.)
# count_tree PID: tree_n, the number of processes below PID, found with
# shell builtins only (no fork: the bomb may leave none to the caller).
count_tree() {
    local -A kids=()
    local f line pid queue p c
    for f in /proc/[0-9]*/stat; do
        read -r line < "$f" 2> /dev/null || continue
        pid=${f#/proc/}
        line=${line##*) }
        line=${line#* }
        kids[${line%% *}]+=" ${pid%/stat}"
    done
    tree_n=0
    queue=("$1")
    while [ ${#queue[@]} -gt 0 ]; do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        for c in ${kids[$p]:-}; do
            queue+=("$c")
            tree_n=$((tree_n + 1))
        done
    done
}

# run_bomb NAME BOMB_ARGS HUTCH_ARGS...: run the forkbomb probe (with
# BOMB_ARGS, unquoted) in a sandbox for 3 s and measure it. Sets brc (hutch's
# exit status), bout (the command's output), bmax (the most processes seen in
# the sandbox), bok of btried (host processes started while the bomb was at
# its limit), bat (the sandbox's size then) and bmine (the caller's
# processes before).
#
# It runs under an RLIMIT_NPROC of the caller's current count plus 400, as a
# limits.conf nproc line would give a user: a bomb that is not held eats
# that allowance and the caller's own processes on the host can no longer
# start. (It also keeps a broken build from taking the machine down.)
run_bomb() {
    local name=$1 bomb_args=$2
    shift 2
    rm -f "$TEST_TMP/tick" "$TEST_TMP/go"
    mkfifo "$TEST_TMP/tick" "$TEST_TMP/go"
    (
        mine=$(ps -L -u "$(id -u)" --no-headers | wc -l)
        ulimit -S -u $((mine + 400))
        # Started now, it tries its 20 forks when told to: once each, where
        # bash would retry a failed fork until the bomb is gone.
        exec 8<> "$TEST_TMP/go"
        "$HUTCH_PROBES/forktry" 20 <&8 > "$TEST_TMP/forktry.out" &
        tp=$!
        # The command: start the bomb, wait 3 s with shell builtins only (a
        # fork may fail by then), report the bomb's first failed fork, and
        # end: with init, the pid namespace and every bomb process go.
        timeout -s KILL 30 "$HUTCH" run "$@" -v "$HUTCH_PROBES/forkbomb:/forkbomb:ro" "$root" /bin/sh -c \
            "mkfifo /tmp/f; exec 3<>/tmp/f; /forkbomb $bomb_args /tmp/failed & read -t 3 x <&3; read l < /tmp/failed; echo \"contained: \$l\"" \
            < /dev/null > "$TEST_TMP/bomb.out" 2> "$TEST_TMP/bomb.err" &
        hp=$!
        # Sample the sandbox's size with shell builtins only (without the
        # limit, the test's own forks would fail or wait), and have forktry
        # start its processes once the bomb is at its limit.
        exec 7<> "$TEST_TMP/tick"
        max=0 host_tried=0 prev=0 cur='' probe_at=none
        for ((i = 0; i < 60; i++)); do
            count_tree "$hp"
            n=$((tree_n - 1))  # hutch is outside the sandbox
            [ "$n" -gt "$max" ] && max=$n
            prev=${cur:-0} cur=$n
            # Once the bomb stops growing (at its limit, whichever it is):
            if { { [ "$n" -ge 45 ] && [ "$n" -eq "$prev" ]; } || [ "$i" -ge 20 ]; } && [ "$host_tried" -lt 20 ]; then
                probe_at=$n
                echo go >&8
                host_tried=20
            fi
            read -r st < "/proc/$hp/stat" 2> /dev/null || break
            st=${st##*) }
            [ "${st%% *}" = Z ] && break
            read -r -t 0.1 -u 7 _
        done
        wait "$hp"
        hrc=$?
        echo go >&8  # in case it was never told (then host_tried is 0)
        wait "$tp"
        read -r host_ok < "$TEST_TMP/forktry.out"
        echo "$hrc $max $host_ok $host_tried $probe_at $mine" > "$TEST_TMP/bomb.result"
    )
    read -r brc bmax bok btried bat bmine < "$TEST_TMP/bomb.result"
    bout=$(cat "$TEST_TMP/bomb.out")
    out=$bout err=$(cat "$TEST_TMP/bomb.err") rc=$brc _last_cmd="hutch run $* ... /forkbomb $bomb_args"
    diag "$name: at most $bmax processes in the sandbox; host processes started meanwhile: $bok of $btried (with $bat in the sandbox and the caller's allowance at $bmine + 400)"
}

if [ -n "${HUTCH_PROBES:-}" ] && [ -x "$HUTCH_PROBES/forkbomb" ] && [ -x "$HUTCH_PROBES/forktry" ]; then
    # The bomb ran, met EAGAIN, and filled its allowance: what the other
    # points look at happened.
    bomb_ran() {
        ran 0 'contained: fork: Resource temporarily unavailable' && [ "$bmax" -ge 45 ]
    }
    run_bomb "fork bomb under --pids-limit 50" "" --pids-limit 50
    check "--pids-limit 50: the fork bomb runs, meets EAGAIN, fills at least 45 processes ($bmax), and the command ends on its own (exit 0)" \
        bomb_ran
    given bomb_ran -- check "the sandbox never held more than 50 processes (hutch's keeper and init included): $bmax" \
        test "$bmax" -le 50
    given bomb_ran -- check "the caller could start processes on the host meanwhile: $bok of $btried" \
        test "$btried" -eq 20 -a "$bok" -eq 20
    given test -s "$TEST_TMP/bomb.out" -- assert_clean "nothing left behind by the fork bomb's sandbox" forkbomb

    # RLIMIT_NPROC is counted per uid: a bomb that changes uid when it meets
    # the limit starts a new count. Without CAP_SETUID it cannot.
    run_bomb "uid-changing fork bomb under --pids-limit 50 --cap-drop SETUID" -u --pids-limit 50 --cap-drop SETUID
    given bomb_ran -- check "--pids-limit 50 --cap-drop SETUID: a bomb that tries to change uid stays at $bmax (at most 50), the caller starts $bok of $btried" \
        test "$bmax" -le 50 -a "$bok" -eq 20
    run_bomb "uid-changing fork bomb under --pids-limit 50 (CAP_SETUID kept)" -u --pids-limit 50
    if ! bomb_ran; then
        not_ok "--pids-limit 50 with CAP_SETUID: the uid-changing bomb ran" "$(last_run)"
    elif [ "$bmax" -le 50 ]; then
        ok "--pids-limit 50 with CAP_SETUID: the uid-changing bomb stays at $bmax"
    else
        todo_fail "--pids-limit 50 with CAP_SETUID: the uid-changing bomb reached $bmax" \
            "RLIMIT_NPROC is counted per uid; drop CAP_SETUID for one bound on the whole sandbox"
    fi
else
    skip_n 6 "fork bomb under --pids-limit" "no forkbomb or forktry probe (no static linking)"
fi

run_hutch run --pids-limit 3 "$root" /bin/sh -c 'echo in-sandbox; sleep 5 & sleep 5 & echo started-two'
is "$rc|$out" "2|in-sandbox" "--pids-limit 3 (keeper, init and the shell): the shell runs, its first child cannot start"
given ran 2 in-sandbox -- like "$err" "can't fork" "--pids-limit 3: the shell says it cannot fork"

run_hutch run --pids-limit 50 --ulimit nproc=10 "$root" /bin/echo ran
check "--pids-limit with --ulimit nproc: 125, nothing runs" refused "both set the process limit"

# ---------------------------------------------------------------- ulimit

# The shell fills descriptors 3..63 itself; cat, its child, inherits them
# all and has no 65th to open.
fill='echo "soft=$(ulimit -Sn) hard=$(ulimit -Hn)"
i=3; while [ $i -lt 64 ]; do eval "exec $i</dev/null" || exit 3; i=$((i + 1)); done
echo filled
cat /etc/hostname > /dev/null 2>&1 && echo 65th-opened || echo 65th-refused'
run_hutch run --ulimit nofile=64 "$root" /bin/sh -c "$fill"
is "$rc|$out" "0|soft=64 hard=64
filled
65th-refused" "--ulimit nofile=64: soft and hard 64 inside, fds 3..63 open, a 65th open fails"
run_hutch run "$root" /bin/sh -c "$fill"
check "without --ulimit, the same 65th open works (the check can fail)" ran 0 65th-opened

# Landlock's ruleset and path descriptors are made before the limit.
run_hutch run --ulimit nofile=4 "$root" /bin/sh -c 'ulimit -n; echo ran'
is "$rc|$out" "0|4
ran" "--ulimit nofile=4: the command still starts (hutch's own descriptors come first)"

run_hutch run --ulimit nofile=64:32 "$root" /bin/echo ran
check "--ulimit nofile=64:32 (soft above hard): 125, nothing runs, the error says why" \
    refused "soft limit 64 is above the hard limit 32"

hard=$(ulimit -Hn)
if [ "$hard" != unlimited ]; then
    run_hutch run --ulimit "nofile=64:$((hard + 1))" "$root" /bin/echo ran
    check "--ulimit nofile=64:$((hard + 1)), a hard limit above the caller's $hard: 125, nothing runs, the error says why" \
        refused "only root on the host can raise a hard limit"
else
    skip "a hard limit above the caller's" "the caller's hard nofile limit is unlimited"
fi

run_hutch run --ulimit core=0 --ulimit stack=unlimited:unlimited --ulimit stack=4194304:-1 --ulimit cpu=100:200 \
    "$root" /bin/sh -c 'echo "$(ulimit -c) $(ulimit -Ss) $(ulimit -t) $(ulimit -Ht)"'
if [ "$(ulimit -Hs)" = unlimited ] && [ "$(ulimit -Ht)" = unlimited ]; then
    is "$rc|$out" "0|0 4096 100 200" "--ulimit core, stack (the later one wins, -1 as unlimited), cpu SOFT:HARD hold inside"
else
    skip "--ulimit core, stack, cpu" "the caller's hard stack or cpu limit is not unlimited"
fi

run_hutch run --ulimit nofiles=64 "$root" /bin/echo ran
check "--ulimit with an unknown name: 125, and the error lists podman's names" refused "nproc, nofile"

# ------------------------------------------------------ nice and idle

# /proc/self/stat: after "(comm) ", field 3 comes first; nice is field 19,
# the scheduling policy field 41 (SCHED_IDLE is 5). cat is the shell's
# child, so this also shows the settings are inherited.
stat_field_of() {
    local n=$2
    set -- ${1##*) }
    shift $((n - 3))
    printf '%s\n' "$1"
}
# 10, or 19 when the tests already run at 10 or more (meson under nice):
# the value must differ from the one the command would have anyway.
own=$(stat_field_of "$(cat /proc/self/stat)" 19)
want=10
[ "$own" -ge 10 ] && want=19
if [ "$own" -lt 19 ]; then
    run_hutch run --nice $want "$root" /bin/sh -c 'cat /proc/self/stat; echo ran'
    is "$rc|$(stat_field_of "$(head -n1 <<< "$out")" 19)|$(tail -n1 <<< "$out")" "0|$want|ran" \
        "--nice $want (the tests run at $own): a child of the command runs at nice $want"
else
    skip "--nice" "the tests run at nice 19 already"
fi

run_hutch run --nice -5 "$root" /bin/echo ran
if [ "$(ulimit -e)" -lt 25 ] 2> /dev/null; then
    check "--nice -5 beyond the caller's RLIMIT_NICE: 125, nothing runs" refused "needs RLIMIT_NICE"
else
    skip "--nice -5 refused" "this caller's RLIMIT_NICE allows it"
fi

run_hutch run --cpu-idle "$root" /bin/sh -c 'cat /proc/self/stat; echo ran'
is "$rc|$(stat_field_of "$(head -n1 <<< "$out")" 41)|$(tail -n1 <<< "$out")" "0|5|ran" \
    "--cpu-idle: a child of the command has policy 5 (SCHED_IDLE)"
run_hutch run "$root" /bin/sh -c 'cat /proc/self/stat; echo ran'
is "$rc|$(stat_field_of "$(head -n1 <<< "$out")" 41)|$(tail -n1 <<< "$out")" "0|0|ran" \
    "without --cpu-idle the policy is 0 (SCHED_OTHER): the check can fail"

run_hutch run --io-idle "$root" /bin/sh -c 'ionice; echo ran'
is "$rc|$out" "0|idle
ran" "--io-idle: a child of the command is in the idle I/O class"
run_hutch run "$root" /bin/sh -c 'ionice; echo ran'
given ran 0 ran -- unlike "$out" idle "without --io-idle the class is not idle: the check can fail"

# ------------------------------------------------- cgroup-only options

# Does the caller own their cgroup v2 directory, with the memory controller?
delegated() {
    local path dir
    path=$(sed -n 's/^0:://p' /proc/self/cgroup)
    [ -n "$path" ] || return 1
    grep -q '^[1-9][0-9]*:[^:]*memory' /proc/self/cgroup && return 1
    for dir in /sys/fs/cgroup /sys/fs/cgroup/unified; do
        [ -f "$dir/cgroup.controllers" ] || continue
        [ -O "$dir$path" ] && grep -qw memory "$dir$path/cgroup.controllers" && return 0
    done
    return 1
}
# hutch-* cgroups below the caller's cgroup v2 directory (none may appear
# where the options are refused).
cg_made() {
    local path dir
    path=$(sed -n 's/^0:://p' /proc/self/cgroup)
    for dir in /sys/fs/cgroup /sys/fs/cgroup/unified; do
        [ -f "$dir/cgroup.controllers" ] && ls -d "$dir$path"/hutch-* 2> /dev/null
    done
}
if delegated; then
    skip_n 2 "cgroup-only options refused" "a cgroup v2 memory controller is delegated to this user here"
else
    bad=''
    for o in "--memory 512m" "--memory-swap 1g" "--cpus 1.5" "--cpu-weight 50"; do
        run_hutch run $o "$root" /bin/echo ran
        refused "${o% *} needs" && [[ $err == *"fix:"*"Delegate="* ]] && [ -z "$(cg_made)" ] ||
            bad="$bad [$o: $(last_run) $(cg_made)]"
    done
    is "$bad" "" "--memory, --memory-swap, --cpus, --cpu-weight: 125, nothing runs, no cgroup made, the fix names a delegated scope"
    run_hutch run --memory 512m "$root" /bin/echo ran
    diag "$err"
    if grep -q '^[1-9][0-9]*:[^:]*memory' /proc/self/cgroup; then
        check "here (cgroup v1 holds memory) the error says so" refused "a cgroup v1 hierarchy holds it"
    else
        check "the error names the option" refused "--memory needs"
    fi
fi

# ------------------------------------------------------ help and policy

run_hutch run --help
bad=''
for o in ulimit pids-limit nice cpu-idle io-idle memory memory-swap cpus cpu-weight; do
    grep -q -- "--$o " <<< "$out" || bad="$bad --$o"
done
is "$bad" "" "run --help lists every limit option"

run_hutch run --print-policy --ulimit nofile=100:200 --pids-limit 40 --nice 19 --cpu-idle --io-idle
like "$out" "ulimit:       nofile=100:200" "--print-policy shows --ulimit"
like "$out" "pids limit:   40" "--print-policy shows --pids-limit"
like "$out" "--cap-drop SETUID makes it one bound" "--print-policy says the count is per uid while CAP_SETUID is kept"

# ---------------------------------------------------------------- doctor

run_hutch doctor
like "$(grep '^ok *process limits' <<< "$out")" "per user namespace" "doctor: --pids-limit works here (Linux 5.14+)"
if delegated; then
    skip "doctor: the cgroup controllers" "a cgroup v2 memory controller is delegated to this user here"
else
    like "$(grep '^warn *cgroup limits' <<< "$out")" "are refused" "doctor: a warning that the cgroup-only options are refused, with the reason"
fi
