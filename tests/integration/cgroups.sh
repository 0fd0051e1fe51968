#!/bin/bash
# The sandbox's own cgroup, for real, where the host delegates a cgroup v2
# subtree to this user: --memory kills a command that allocates more,
# --pids-limit stops a fork loop, the sandbox's cgroup (DIR/hutch-PID)
# carries the limits while it runs and is gone afterwards. hutch is run as
# `systemd-run --user --scope -p Delegate=yes hutch ...`, so that its
# cgroup holds no other process (the test's shell would otherwise share
# it, and hutch refuses a cgroup it shares). Elsewhere (cgroup v1, the
# hybrid layout, no systemd user manager, a scope without the controllers)
# those points skip with the reason, and only the doctor's report is
# checked: the refusals on such a host are limits.sh's.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 6
root=$(busybox_layers)

# ---------------------------------------------------------------- doctor

run_hutch doctor
line=$(grep '^[a-z]* *cgroup limits' <<< "$out")
check "doctor: the state of the memory, cpu and pids controllers, one line" \
    grep -Eq 'memory: [a-z].*, cpu: [a-z].*, pids: [a-z]' <<< "$line"

# ------------------------------------------------- the host's delegation

# scope_reason: empty when `systemd-run --user --scope -p Delegate=yes`
# gives this user a cgroup v2 scope with the memory and pids controllers;
# else why not. Sets scope_dir to such a scope's directory.
scope_reason() {
    local v1 path ctl
    if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
        v1=$(grep -E '^[1-9][0-9]*:[^:]*(memory|pids)' /proc/self/cgroup | cut -d: -f2 | tr '\n' ' ')
        if [ -n "$v1" ]; then
            echo "cgroup v1 hierarchies hold the controllers here (${v1% }; cgroup v2 only at" \
                "/sys/fs/cgroup/unified, with none): no cgroup v2 subtree can be delegated with memory or pids"
        else
            echo "no cgroup v2 hierarchy at /sys/fs/cgroup"
        fi
        return
    fi
    if ! command -v systemd-run > /dev/null; then
        echo "cgroup v2, but no systemd-run to get a delegated scope"
        return
    fi
    run systemd-run --user --scope -q -p Delegate=yes -- cat /proc/self/cgroup
    if [ "$rc" != 0 ]; then
        echo "cgroup v2, but systemd-run --user --scope fails for $(id -un) (no systemd user manager or bus" \
            "reachable: ${err%%$'\n'*})"
        return
    fi
    path=$(sed -n 's/^0:://p' <<< "$out")
    scope_dir=/sys/fs/cgroup$path
    ctl=$(cat "$scope_dir/cgroup.controllers" 2> /dev/null)
    if ! grep -qw memory <<< "$ctl" || ! grep -qw pids <<< "$ctl"; then
        echo "the scope systemd-run --user gives ($scope_dir) has the controllers '$ctl', not memory and pids" \
            "(user@.service needs Delegate=memory pids)"
    fi
}

reason=$(scope_reason)
if [ -n "$reason" ]; then
    skip_n 5 "cgroup limits for real" "$reason"
    exit 0
fi

in_scope() {
    systemd-run --user --scope -q -p Delegate=yes -- "$HUTCH" "$@"
}

# ---------------------------------------------------------------- memory

# busybox awk doubles a string to 128 MiB: more than 32 MiB of memory and
# 32 MiB of swap (--memory alone allows as much swap as memory).
grow='awk "BEGIN { s = \"x\"; while (length(s) < 100000000) s = s s; print \"survived\" }"; echo "awk $?"'
run in_scope run --memory 32m "$root" /bin/sh -c "$grow"
given ran 0 "awk 137" -- unlike "$out" survived "--memory 32m: a command that allocates 128 MiB is killed"
run in_scope run "$root" /bin/sh -c "$grow"
given ran 0 "awk 0" -- like "$out" survived "without --memory the same command survives: the check can fail"

# ------------------------------------------------ pids, and the cgroup

# In the background: hutch is the scope's process (systemd-run --scope
# execs it), so its cgroup, DIR/hutch-PID-supervisor, names the sandbox's.
bg=$TEST_TMP/bg.out
in_scope run --pids-limit 20 --memory 64m "$root" /bin/sh -c \
    'i=0; while [ $i -lt 40 ]; do sleep 3 & i=$((i + 1)); done 2> /dev/null; echo "started $(ps | grep -c "[s]leep 3")"; wait' \
    > "$bg" 2>&1 < /dev/null &
pid=$!
if wait_for_file "$bg" started 20 "$pid"; then
    sup=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
    sandbox=${sup%-supervisor}
    limits="$(cat "$sandbox/pids.max" "$sandbox/memory.max" 2> /dev/null | tr '\n' ' ')"
else
    sup='' sandbox='' limits=''
fi
wait_exit "$pid" 20
rc=$? out=$(cat "$bg") err=''
is "${sup##*/}|$limits" "hutch-$pid-supervisor|20 67108864 " \
    "the sandbox's cgroup hutch-PID has pids.max 20 and memory.max 64m; hutch sits in hutch-PID-supervisor"
n=$(sed -n 's/^started //p' <<< "$out")
given ran 0 -- check "--pids-limit 20: the fork loop stops below 20 sleeps (started ${n:-none})" \
    test -n "$n" -a "${n:-99}" -lt 20
given test -n "$sandbox" -- check "the sandbox's cgroup is gone afterwards" test ! -e "$sandbox"
