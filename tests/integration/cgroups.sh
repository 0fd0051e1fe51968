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

plan 7
root=$(busybox_layers)

# ---------------------------------------------------------------- doctor

run_hutch doctor
line=$(grep '^[a-z]* *cgroup limits' <<< "$out")
check "doctor: the state of the memory, cpu and pids controllers, one line" \
    grep -Eq 'memory: [a-z].*, cpu: [a-z].*, pids: [a-z]' <<< "$line"

# ------------------------------------------------- the host's delegation

# lib.sh gives the test a private XDG_RUNTIME_DIR: systemd-run finds the
# user manager's bus at the real one.
user_bus=unix:path=/run/user/$(id -u)/bus

# scope_reason: empty when `systemd-run --user --scope -p Delegate=yes`
# gives this user a cgroup v2 scope with the memory and pids controllers;
# else why not. Sets scope_dir to such a scope's directory.
scope_reason() {
    local v1 path ctl
    if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
        v1=$(grep -E '^[1-9][0-9]*:[^:]*(memory|pids)' /proc/self/cgroup | cut -d: -f2 | tr '\n' ' ')
        if [ -n "$v1" ]; then
            echo "cgroup v1 hierarchies hold the controllers here (${v1% }; the cgroup v2 hierarchy at" \
                "/sys/fs/cgroup/unified has neither): no cgroup v2 subtree can be delegated with memory or pids"
        else
            echo "no cgroup v2 hierarchy at /sys/fs/cgroup"
        fi
        return
    fi
    if ! command -v systemd-run > /dev/null; then
        echo "cgroup v2, but no systemd-run to get a delegated scope"
        return
    fi
    run env DBUS_SESSION_BUS_ADDRESS="$user_bus" systemd-run --user --scope -q -p Delegate=yes -- cat /proc/self/cgroup
    if [ "$rc" != 0 ]; then
        echo "cgroup v2, but systemd-run --user --scope fails for $(id -un) (no systemd user manager on" \
            "${user_bus#unix:path=}: ${err%%$'\n'*})"
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
    skip_n 6 "cgroup limits for real" "$reason"
    exit 0
fi

in_scope() {
    DBUS_SESSION_BUS_ADDRESS=$user_bus systemd-run --user --scope -q -p Delegate=yes -- "$HUTCH" "$@"
}

# ---------------------------------------------------------------- memory

# busybox awk doubles a string to 128 MiB: more than 32 MiB of memory and
# 32 MiB of swap (--memory alone allows as much swap as memory).
grow='awk "BEGIN { s = \"x\"; while (length(s) < 100000000) s = s s; print \"survived\" }"; echo "awk $?"'
run in_scope run --memory 32m "$root" /bin/sh -c "$grow"
given ran 0 "awk 137" -- unlike "$out" survived "--memory 32m: a command that allocates 128 MiB is killed"
run in_scope run "$root" /bin/sh -c "$grow"
given ran 0 "awk 0" -- like "$out" survived "without --memory the same command survives: the check can fail"

# Without a keeper, init is cloned straight into the sandbox's cgroup: its
# cgroup namespace is rooted there, and a runtime that sizes itself from
# /sys/fs/cgroup/memory.max reads the limit.
run in_scope run --log-level debug --memory 32m "$root" /bin/sh -c \
    'cat /proc/self/cgroup /sys/fs/cgroup/memory.max; echo read'
desc="inside, the cgroup namespace is the sandbox's cgroup, and /sys/fs/cgroup/memory.max is the limit"
if [[ $err == *"launch with a keeper: "* ]]; then
    why=${err##*launch with a keeper: }
    skip "$desc" "this launch needs a keeper here (${why%%$'\n'*}), and the keeper clones init in hutch's leaf"
else
    given ran 0 read -- is "$(head -n 2 <<< "$out" | tr '\n' ' ')" "0::/ 33554432 " "$desc"
fi

# ------------------------------------------------ pids, and the cgroup

# In the background, a simple command (not in_scope), so that $! is
# hutch: systemd-run --scope execs it. Its cgroup, DIR/hutch-PID-supervisor,
# names the sandbox's. The inner shell starts sleeps until a fork fails,
# which ends it; the outer one reads the count and sleeps without a fork,
# so that the cgroup can be read while the sandbox runs.
bg=$TEST_TMP/bg.out
DBUS_SESSION_BUS_ADDRESS=$user_bus systemd-run --user --scope -q -p Delegate=yes -- \
    "$HUTCH" run --pids-limit 20 --memory 64m "$root" /bin/sh -c \
    'sh -c "i=0; while [ \$i -lt 40 ]; do sleep 3 & i=\$((i + 1)); echo \$i > /tmp/n; done" 2> /dev/null
     read n < /tmp/n; echo "started $n"; exec sleep 2' \
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
given ran 0 -- check "--pids-limit 20: the fork loop stops below 20 (started ${n:-none} of 40)" \
    test -n "$n" -a "${n:-99}" -lt 20
given test "${sup##*/}" = "hutch-$pid-supervisor" -- check "the sandbox's cgroup is gone afterwards" test ! -e "$sandbox"
