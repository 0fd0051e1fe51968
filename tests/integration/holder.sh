#!/bin/bash
# The per-user namespace holder (launcher/holder.c): the first launch with
# subordinate ids starts it, later launches join it and map a nested user
# namespace of their own; it is checked at every launch and replaced when it
# is not the one recorded or its maps are not /etc/subuid's; it exits by
# itself when idle; `hutch system reset` stops it; --no-holder and --userns
# single do not use it; a missing or unusable holder falls back to the
# helpers. Whatever the setup, this script tests the holder itself.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"
unset HUTCH_NO_HOLDER
export HUTCH_HOLDER_IDLE=2

me=$(id -u)
sub=$(awk -F: -v u="$(id -un)" -v i="$me" '($1 == u || $1 == i) { print $2 ":" $3; exit }' /etc/subuid)
if [ -z "$sub" ]; then
    skip_all "$(id -un) has no subordinate uids in /etc/subuid"
fi
plan 105

root=$(busybox_layers)
hdir=$XDG_RUNTIME_DIR/hutch-holder
ready=$TEST_TMP/ready
mkdir -p "$ready"

# The map a sandbox sees: on the holder path its outside ids are the
# holder's (0 0 1: the caller is 0 there), on the helper path the host's.
nested="0 0 1"
direct="0 $me 1"
show='read -r a b c < /proc/self/uid_map; echo "map $a $b $c"; echo "ns $(readlink /proc/self/ns/user)"; echo done'

holder_pid() { sed -n 's/^pid //p' "$hdir/state" 2> /dev/null; }
# alive_pid PID: the process exists and is not a zombie.
alive_pid() {
    local s
    s=$(cat "/proc/$1/stat" 2> /dev/null) || return 1
    set -- ${s##*) }
    [ "$1" != Z ] && [ "$1" != X ]
}
# gone_within SECONDS PID: wait (bounded) until PID, a real pid, has exited.
gone_within() {
    local i
    [ "${2:-0}" -gt 0 ] 2> /dev/null || return 1
    for ((i = 0; i < $1 * 10; i++)); do
        alive_pid "$2" || return 0
        sleep 0.1
    done
    return 1
}
map_of() { sed -n 's/^map //p' <<< "$1"; }
ns_of() { sed -n 's/^ns //p' <<< "$1"; }

# --- the first launch starts the holder
run_hutch system reset
run_hutch run "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$nested/done" \
    "the first launch runs in a user namespace nested in the holder's"
hp=$(holder_pid)
given ran 0 done -- check "... and a holder runs, recorded in $hdir/state" alive_pid "${hp:-0}"
given ran 0 done -- is "$(cat "/proc/$hp/comm" 2>&1)" "hutch-holder" "... named hutch-holder"
stat=$(cat "/proc/$hp/stat" 2> /dev/null)
set -- ${stat##*) }
# Fields 6 (session) and 7 (tty_nr), counted from field 3 (state).
mysid=$(ps -o sid= -p $$ | tr -d ' ')
given ran 0 done -- check "... out of the caller's session (${4:-}, not $mysid), with no terminal" \
    test -n "${4:-}" -a "${4:-}" != "$mysid" -a "${5:-}" = 0
# (The launch's mount namespace, handed over as it ended, is closed a
# moment later: wait for that.)
# Besides its socket, it holds its spare's pidfd and pipe (below).
fd_kinds() {
    local fd l
    for fd in $(ls "/proc/$hp/fd" 2> /dev/null | sort -n); do
        l=$(readlink "/proc/$hp/fd/$fd" 2> /dev/null)
        case $l in
        /dev/null) printf 'null ' ;; socket:*) printf 'socket ' ;; pipe:*) printf 'pipe ' ;;
        *pidfd*) printf 'pidfd ' ;; *) printf '%s ' "$l" ;;
        esac
    done
}
for _ in $(seq 20); do
    fds=$(fd_kinds | tr ' ' '\n' | sed '/^$/d' | LC_ALL=C sort | tr '\n' ' ')
    [ "$fds" = "null null null pidfd pipe socket " ] && break
    sleep 0.05
done
given ran 0 done -- is "$fds" "null null null pidfd pipe socket " \
    "... holding no descriptor but its stdio, its socket, and its spare's pidfd and pipe"
given ran 0 done -- check "... which is its socket $hdir/drop, where launches hand over their mount namespace" \
    test -S "$hdir/drop" -a "$(readlink "/proc/$hp/fd/3" 2>&1 | cut -c1-8)" = "socket:["
given ran 0 done -- is "$(readlink "/proc/$hp/fd/0")/$(readlink "/proc/$hp/fd/1")/$(readlink "/proc/$hp/fd/2")" \
    "/dev/null//dev/null//dev/null" "... which is /dev/null"
given ran 0 done -- is "$(awk '{print $1, $2, $3}' "/proc/$hp/uid_map" 2>&1 | tr '\n' ' ')" \
    "0 $me 1 1 ${sub%%:*} ${sub##*:} " "... and its user namespace maps the caller to 0 and the subordinate ids from 1"
given ran 0 done -- is "$(readlink "/proc/$hp/cwd" 2>&1)" "/" \
    "... its working directory is /"

# --- later launches join it, each in a namespace of its own
run_hutch run "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$nested/done" "a second launch joins the holder"
given ran 0 done -- is "$(holder_pid)" "$hp" "... the same holder"
given ran 0 done -- check "... in a user namespace that is not the holder's" \
    test -n "$(ns_of "$out")" -a "$(ns_of "$out")" != "$(readlink "/proc/$hp/ns/user")"
run_hutch run --log-level debug "$root" /bin/sh -c "$show"
given ran 0 done -- unlike "$err" "newuidmap" "... and no newuidmap runs (nothing falls back to it)"

# Files on the host: root inside is the caller, uid 1 the first subordinate uid.
mkdir -p "$TEST_TMP/vol"
run_hutch run -v "$TEST_TMP/vol:/v" "$root" /bin/sh -c 'touch /v/r /v/one && chown 1:1 /v/one && echo done'
is "$rc/$(tail -n 1 <<< "$out")" "0/done" "a sandbox on the holder path writes to a volume"
given ran 0 done -- is "$(stat -c %u "$TEST_TMP/vol/r" 2>&1)/$(stat -c %u "$TEST_TMP/vol/one" 2>&1)" "$me/${sub%%:*}" \
    "... as the caller (root inside) and the first subordinate uid (uid 1), as on the helper path"

run_hutch run --userns keep-id "$root" /bin/sh -c 'id -u; echo done'
is "$rc/$(head -n 1 <<< "$out")/$(tail -n 1 <<< "$out")" "0/$me/done" "--userns keep-id works on the holder path"

# --- the spare: the next launch's user and network namespaces, made ahead
spare_pid() { sed -n 's/^pid //p' "$hdir/spare" 2> /dev/null; }
# wait_spare OLD: the pid of a live spare other than OLD, within 2 s.
wait_spare() {
    local i sp
    for ((i = 0; i < 40; i++)); do
        sp=$(spare_pid)
        if [ -n "$sp" ] && [ "$sp" != "$1" ] && alive_pid "$sp"; then
            echo "$sp"
            return 0
        fi
        sleep 0.05
    done
    return 1
}
sp=$(wait_spare none)
check "the holder keeps a spare, named in $hdir/spare" alive_pid "${sp:-0}"
given test -n "$sp" -- is "$(cat "/proc/$sp/comm" 2>&1)/$(awk '{print $4}' "/proc/$sp/stat" 2>&1)" "hutch-spare/$hp" \
    "... a process of the holder's, named hutch-spare"
given test -n "$sp" -- is "$(awk '{print $1, $2, $3}' "/proc/$sp/uid_map" 2>&1 | tr '\n' ' ')" \
    "0 $me 1 1 ${sub%%:*} ${sub##*:} " "... in a user namespace with a sandbox's map"
given test -n "$sp" -- check "... nested in the holder's, with a network namespace of its own" \
    test "$(readlink "/proc/$sp/ns/user")" != "$(readlink "/proc/$hp/ns/user")" \
    -a "$(readlink "/proc/$sp/ns/net")" != "$(readlink "/proc/$hp/ns/net")"
spare_net=$(readlink "/proc/$sp/ns/net" 2> /dev/null)
spare_user=$(readlink "/proc/$sp/ns/user" 2> /dev/null)
run_hutch run --log-level debug "$root" /bin/sh -c 'echo "net $(readlink /proc/self/ns/net)"; echo "user $(readlink /proc/self/ns/user)"; cat /sys/class/net/lo/flags; echo done'
is "$rc/$(sed -n 's/^net //p' <<< "$out")/$(sed -n 's/^user //p' <<< "$out")/$(tail -n 1 <<< "$out")" \
    "0/$spare_net/$spare_user/done" "a launch takes the spare: its network and user namespaces are the spare's"
given ran 0 done -- like "$err" "joined the holder's spare" "... and says so (--log-level debug)"
given ran 0 done -- is "$(sed -n 3p <<< "$out")" "0x9" "... with lo up (IFF_UP|IFF_LOOPBACK)"
given ran 0 done -- check "... the spare it took is gone" gone_within 2 "${sp:-0}"
sp2=$(wait_spare "$sp")
given ran 0 done -- check "... and the holder makes the next one ($sp2, not $sp)" alive_pid "${sp2:-0}"
run_hutch run --network host "$root" /bin/sh -c "$show"
given ran 0 done -- is "$(spare_pid)" "$sp2" "a launch with --network host leaves the spare alone (it makes no network namespace)"
run_hutch run --userns keep-id "$root" /bin/sh -c "$show"
given ran 0 done -- is "$(spare_pid)" "$sp2" "... as does --userns keep-id (another map)"
# The kernel copies some of the creator's limits into a new user namespace
# and enforces them there (RLIMIT_NPROC among them, which --pids-limit
# relies on): a launch with other limits than the holder's makes its own.
run bash -c "ulimit -u $(($(ulimit -u) - 1)) 2> /dev/null || ulimit -u 4000; exec \"\$0\" \"\$@\"" \
    "$HUTCH" run --log-level debug "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$nested/done" "a launch with a lower ulimit -u than the holder's runs"
given ran 0 done -- like "$err" "did not fit: Disk quota exceeded" "... in namespaces of its own, not the spare's (other limits)"
# A file that names a process of ours that is not the holder's spare: left
# alone, and not joined.
sp3=$(wait_spare "$sp2")
sleep 100 &
decoy=$!
dstat=$(cat "/proc/$decoy/stat")
set -- ${dstat##*) }
printf 'pid %s\nstart %s\nlimits %s\n' "$decoy" "${20}" "$(sed -n 's/^limits //p' "$hdir/spare" 2> /dev/null)" > "$hdir/spare"
run_hutch run --log-level debug "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$nested/done" "a spare file naming a process that is not the holder's child: the launch runs"
given ran 0 done -- unlike "$err" "joined the holder's spare (pid $decoy)" "... without joining it"
given ran 0 done -- check "... and leaves that process alone" alive_pid "$decoy"
kill "$decoy" 2> /dev/null
wait "$decoy" 2> /dev/null
# The kernel overlay refuses the host's own root: the launch starts again
# with a keeper, from inside the spare it has joined for good.
if command -v fuse-overlayfs > /dev/null && [ -w /dev/fuse ]; then
    wait_spare none > /dev/null
    run_hutch run --log-level debug / /bin/sh -c "$show"
    is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$nested/done" \
        "a launch that took the spare and must start again with a keeper (the host's root) runs"
    given ran 0 done -- is "$(grep -c -e "joined the holder's spare" -e "launching again with a keeper" <<< "$err")" 2 \
        "... from inside the spare"
else
    skip "a launch that took the spare and must start again with a keeper" "no fuse-overlayfs or /dev/fuse"
    skip "... from inside the spare" "no fuse-overlayfs or /dev/fuse"
fi

# --- doctor shows it
sp_d=$(wait_spare none)
run_hutch doctor
like "$out" "running, pid $hp," "hutch doctor shows the holder and its pid"
given ran 0 -- like "$out" "namespaces made ahead (spare, pid $sp_d)" "... and its spare"

# --- the spare's stack: for a launch of 64 layers or more, the next spares
# keep a read-only overlay of those layers, and a launch of the same layers
# stacks its own overlay on it (overlayfs sets up each layer at each mount,
# ~7 us apiece); a layer replaced since is seen, and the stack not used.
stk=$TEST_TMP/stack-layers
mkdir -p "$stk"
cp -a "$(base_layer)" "$stk/000-base"
for ((i = 1; i <= 69; i++)); do
    d=$(printf '%s/%03d-layer' "$stk" "$i")
    mkdir -p "$d/layers"
    echo "$i" > "$d/layers/$i"
    echo "$i" > "$d/order"
done
see='echo "order $(cat /order) layers $(ls /layers | wc -l) $(cat /layers/5 /layers/X /layers/Y 2> /dev/null | tr -d "\n")"; echo w >> /order && echo wrote'
run_hutch run --log-level debug "layers:$stk" /bin/sh -c "$see"
is "$rc/$(head -n 1 <<< "$out")" "0/order 69 layers 69 5" "70 layers: the launch runs, and sees each layer in order"
given ran 0 wrote -- is "$(sed -n 1p "$hdir/stack" 2> /dev/null)" "layers 70" "... and asks the holder's next spares for a stack of its layers ($hdir/stack)"
# wait_stack: a spare whose file offers a stack of 70 layers, or says the
# kernel refused one, within 3 s.
wait_stack() {
    local i
    for ((i = 0; i < 60; i++)); do
        grep -q -e '^stack [0-9]* 70$' -e '^stack refused$' "$hdir/spare" 2> /dev/null && return 0
        sleep 0.05
    done
    return 1
}
if wait_stack && grep -q '^stack refused$' "$hdir/spare"; then
    # A kernel before 6.8 (no lowerdir+), before 6.13 (no layer by
    # descriptor), or one that takes no detached mount as a layer.
    skip_n 11 "the spare's stack" "this kernel refused the spare's test of a stacked overlay ($(uname -r))"
else
    check "the next spare offers a read-only overlay of the 70 layers" grep -q '^stack [0-9]* 70$' "$hdir/spare"
    run_hutch doctor
    like "$out" "with a read-only overlay of its 70 layers" "... and hutch doctor says so"
    echo Y > "$stk/003-layer/layers/Y"   # in place, after the spare was made
    run_hutch run --log-level debug "layers:$stk" /bin/sh -c "$see"
    is "$rc/$(head -n 1 <<< "$out")/$(tail -n 1 <<< "$out")" "0/order 69 layers 70 5Y/wrote" \
        "a launch of the same layers sees each in order, a file added in place since, and writes"
    if grep -q "pidfd_getfd:" <<< "$err"; then  # Yama's ptrace_scope 2 or 3
        skip "... its overlay stacked on the spare's" "$(grep -m1 'pidfd_getfd:' <<< "$err")"
    else
        given ran 0 wrote -- like "$err" "stacked on the holder's read-only overlay of the 70 layers" "... its overlay stacked on the spare's"
    fi
    given ran 0 wrote -- is "$(cat "$stk/069-layer/order")" 69 "... and the layer on the host is unchanged"
    # A layer replaced (another directory by the same name): its new content,
    # not the stack's.
    check "the next spare offers a stack again" wait_stack
    mv "$stk/005-layer" "$TEST_TMP/005-layer.old"
    mkdir -p "$stk/005-layer/layers"
    echo X > "$stk/005-layer/layers/X"
    run_hutch run --log-level debug "layers:$stk" /bin/sh -c "$see"
    is "$rc/$(head -n 1 <<< "$out")" "0/order 69 layers 70 XY" "a layer replaced since the spare was made: the launch sees the new one"
    given ran 0 wrote -- like "$err" "read-only overlay is of other layers" "... and does not use that spare's stack"
    check "the next spare offers a stack of the new layers" wait_stack
    run_hutch run "$root" /bin/sh -c 'echo done'
    given ran 0 done -- check "a launch of fewer layers takes a spare with a stack and asks for none ($hdir/stack removed)" \
        test ! -e "$hdir/stack"
    given ran 0 done -- is "$(ls "$hdir" | grep -c '^stack')" 0 "... and leaves no stack file"
fi
run_hutch run "layers:$stk" /bin/true
run_hutch system reset
given ran 0 "removed $hdir" -- check "hutch system reset after a launch of 70 layers removes the holder's directory" test ! -e "$hdir"
given ran 0 "removed $hdir" -- assert_clean "the stack's launches: nothing left behind"
"$HUTCH" run "$root" /bin/true < /dev/null > /dev/null 2>&1   # a holder again, for what follows
hp=$(holder_pid)

# --- kill -9 of the holder while a sandbox runs
rm -f "$ready/a"
"$HUTCH" run -v "$ready:/ready" "$root" /bin/sh -c 'readlink /proc/self/ns/user > /ready/ns; readlink /proc/self/ns/net > /ready/net; echo up > /ready/a; sleep 3; echo survived' \
    < /dev/null > "$TEST_TMP/out.a" 2>&1 &
bg=$!
if wait_for_file "$ready/a" up 10 "$bg"; then
    run_hutch run "$root" /bin/sh -c "echo \"net \$(readlink /proc/self/ns/net)\"; $show"
    given ran 0 done -- check "two sandboxes at once are in user namespaces of their own ($(ns_of "$out"), $(cat "$ready/ns"))" \
        test -n "$(ns_of "$out")" -a "$(ns_of "$out")" != "$(cat "$ready/ns")"
    net_b=$(sed -n 's/^net //p' <<< "$out")
    given ran 0 done -- check "... and network namespaces of their own ($net_b, $(cat "$ready/net"))" \
        test -n "$net_b" -a "$net_b" != "$(cat "$ready/net")"
    sp_now=$(wait_spare none)
    kill -KILL "$hp"
    wait "$bg"
    bg_rc=$?
    is "$bg_rc/$(tail -n 1 "$TEST_TMP/out.a")" "0/survived" "kill -9 of the holder leaves a running sandbox alone"
else
    not_ok "two sandboxes at once are in user namespaces of their own (not run)"
    not_ok "... and network namespaces of their own (not run)"
    not_ok "kill -9 of the holder leaves a running sandbox alone" "$(cat "$TEST_TMP/out.a")"
fi
check "... the holder is gone" gone_within 5 "$hp"
check "... and its spare ($sp_now) with it" gone_within 5 "${sp_now:-0}"
run_hutch run "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$nested/done" "... and the next launch recovers, with a new holder"
hp2=$(holder_pid)
given ran 0 done -- check "... which runs ($hp2, not $hp)" test -n "$hp2" -a "$hp2" != "$hp" -a -d "/proc/$hp2"

# --- idle exit: not while a sandbox runs, then by itself
rm -f "$ready/b"
"$HUTCH" run -v "$ready:/ready" "$root" /bin/sh -c 'echo up > /ready/b; sleep 5; echo done' \
    < /dev/null > "$TEST_TMP/out.b" 2>&1 &
bg=$!
if wait_for_file "$ready/b" up 10 "$bg"; then
    hp=$(holder_pid)
    sleep 4  # twice the idle time
    check "the holder stays while a sandbox runs, past its idle time" alive_pid "${hp:-0}"
    wait "$bg"
    is "$?/$(tail -n 1 "$TEST_TMP/out.b")" "0/done" "... and the sandbox ends normally"
    sp=$(spare_pid)
    check "... then it exits by itself after its idle time (HUTCH_HOLDER_IDLE=2)" gone_within 10 "$hp"
    check "... removing its state" test ! -e "$hdir/state"
    check "... and its spare (${sp:-none}), and the spare's file" eval 'gone_within 5 "${sp:-0}" && test ! -e "$hdir/spare"'
    assert_clean "... and nothing else is left"
else
    not_ok "the holder stays while a sandbox runs" "$(cat "$TEST_TMP/out.b")"
    for i in 1 2 3 4 5; do not_ok "idle exit check $i (not run)"; done
fi

# --- a stale record: another process under the recorded pid
run_hutch run "$root" /bin/sh -c "$show"
hp=$(holder_pid)
sleep 100 &
decoy=$!
sed -i "s/^pid .*/pid $decoy/" "$hdir/state"
run_hutch run "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$nested/done" "a record naming another process: the launch starts a new holder"
given ran 0 done -- check "... the other process is left alone" alive_pid "$decoy"
given ran 0 done -- check "... the new holder is recorded" test -n "$(holder_pid)" -a "$(holder_pid)" != "$decoy"
given ran 0 done -- check "... and the holder that lost its record exits" gone_within 10 "$hp"
kill "$decoy" 2> /dev/null
wait "$decoy" 2> /dev/null

# --- a record from before a reboot
hp=$(holder_pid)
sed -i "s/^boot .*/boot 00000000-0000-0000-0000-000000000000/" "$hdir/state"
run_hutch run "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$nested/done" "a record from another boot: the launch starts a new holder"
given ran 0 done -- check "... a new one ($(holder_pid), not $hp)" test -n "$(holder_pid)" -a "$(holder_pid)" != "$hp"

# --- a record whose namespace is not the holder's (same pid, same start)
hp=$(holder_pid)
sed -i "s/^userns \([0-9]*\) .*/userns \1 1/" "$hdir/state"
run_hutch run "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$nested/done" "a record naming another user namespace: the launch starts a new holder"
given ran 0 done -- check "... a new one ($(holder_pid), not $hp)" test -n "$(holder_pid)" -a "$(holder_pid)" != "$hp"

# --- maps that are not /etc/subuid's: a holder of the right identity, but
# made with another map (only the caller's uid), is replaced.
unshare --user --map-root-user sleep 100 < /dev/null > /dev/null 2>&1 &
fake=$!
for ((i = 0; i < 50; i++)); do
    [ "$(awk '{print $2}' "/proc/$fake/uid_map" 2> /dev/null)" = "$me" ] && break
    sleep 0.1
done
fstat=$(cat "/proc/$fake/stat")
set -- ${fstat##*) }
hp=$(holder_pid)
{
    echo "pid $fake"
    echo "start ${20}"
    echo "boot $(cat /proc/sys/kernel/random/boot_id)"
    echo "userns $(stat -L -c '%d %i' "/proc/$fake/ns/user")"
    echo "idle 2"
} > "$hdir/state"
run_hutch run "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$nested/done" \
    "a holder whose maps are not those of /etc/subuid and /etc/subgid is replaced"
given ran 0 done -- check "... it is stopped" gone_within 5 "$fake"
given ran 0 done -- check "... and a new one is recorded" test -n "$(holder_pid)" -a "$(holder_pid)" != "$fake"
kill -KILL "$fake" 2> /dev/null
wait "$fake" 2> /dev/null
check "... the holder before it exits (its record is gone)" gone_within 10 "$hp"

# --- hutch system reset
hp=$(holder_pid)
sp=$(spare_pid)
run_hutch system reset
is "$rc/$out" "0/stopped the holder (pid $hp)
removed $hdir" "hutch system reset stops the holder and says so"
check "... it is gone" gone_within 5 "${hp:-0}"
check "... and its spare" gone_within 5 "${sp:-0}"
given test "$rc" = 0 -a -n "$hp" -- check "... with its directory" test ! -e "$hdir"
run_hutch system reset
is "$rc/$(head -n 1 <<< "$out")" "0/no holder was running" "... and a second reset finds none"

# --- --no-holder, HUTCH_NO_HOLDER=1, --userns single: no holder
run_hutch run --no-holder "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$direct/done" "--no-holder maps with the helpers (host ids in uid_map)"
given ran 0 done -- check "... and starts no holder" test ! -e "$hdir/state"
run env HUTCH_NO_HOLDER=1 "$HUTCH" run "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$direct/done" "HUTCH_NO_HOLDER=1 does the same"
run_hutch run --userns single "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$direct/done" "--userns single maps only the caller, without a holder"
given ran 0 done -- check "... and starts none" test ! -e "$hdir/state"

# --- a launch that does not join the holder (--userns single) still hands
# it the sandbox's mount namespace to unmount, when one runs; never with
# --no-holder, and without a holder it unmounts the sandbox itself.
run_hutch run "$root" /bin/true
hp=$(holder_pid)
run_hutch run --log-level debug --userns single "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$direct/done" "--userns single beside a running holder keeps its own map"
given ran 0 done -- like "$err" "mount namespace went to the holder, which unmounts it" \
    "... and hands the holder its mount namespace once it has ended"
given ran 0 done -- check "... without joining it: the same holder runs" test "$(holder_pid)" = "$hp"
# It closes what it was handed a moment later (not at once, so that the
# launch's own close is not the last one, which would unmount there): a
# holder that kept them would hold every ended sandbox's mounts.
handed=0
for _ in 1 2 3; do
    run_hutch run --log-level debug "$root" /bin/true
    [ "$rc" = 0 ] && grep -q "mount namespace went to the holder" <<< "$err" && handed=$((handed + 1))
done
mnt_fds() {
    local l
    l=$(ls -l "/proc/$hp/fd" 2>&1) || { echo "unreadable: $l"; return; }
    grep -c 'mnt:\[' <<< "$l"
}
for _ in $(seq 20); do [ "$(mnt_fds)" = 0 ] && break; sleep 0.05; done
is "$handed/$(mnt_fds)" "3/0" "... and the holder lets go of the mount namespaces three launches handed it, within a second"
run_hutch run --log-level debug --no-holder "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")/$(grep -c 'holder, which unmounts\|dropping it here' <<< "$err")" "0/$direct/done/0" \
    "--no-holder never hands the holder anything"
run_hutch system reset
run_hutch run --log-level debug --userns single "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$direct/done" "--userns single with no holder running"
given ran 0 done -- like "$err" "did not take the sandbox's mount namespace" "... unmounts its sandbox itself"
given ran 0 done -- check "... and starts no holder" test ! -e "$hdir/state"

# --- a holder that cannot be had: the launch falls back to the helpers
rm -rf "$hdir"
touch "$hdir"
run_hutch run "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")/$err" "0/$direct/done/" \
    "where no holder can be made, the launch maps with the helpers, silently"
rm -f "$hdir"

# A launch that holds the holder's lock and never lets go (stopped, say):
# the next one waits a bounded time, then maps with the helpers.
mkdir -m 0700 "$hdir"
flock -x "$hdir/lock" sh -c "touch '$TEST_TMP/locked'; exec sleep 30" < /dev/null > /dev/null 2>&1 &
locker=$!
for ((i = 0; i < 100; i++)); do [ -e "$TEST_TMP/locked" ] && break; sleep 0.05; done
start=$(date +%s%N)
run_hutch run "$root" /bin/sh -c "$show"
elapsed=$((($(date +%s%N) - start) / 1000000))
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$direct/done" \
    "a launch that cannot get the holder's lock maps with the helpers"
given ran 0 done -- check "... after a bounded wait (${elapsed} ms)" test "$elapsed" -lt 9000
pkill -KILL -P "$locker" 2> /dev/null
kill "$locker" 2> /dev/null
wait "$locker" 2> /dev/null
rm -rf "$hdir"

# --- a changed XDG_RUNTIME_DIR: a holder of its own there
mkdir -m 0700 "$TEST_TMP/xdg2"
run env XDG_RUNTIME_DIR="$TEST_TMP/xdg2" "$HUTCH" run "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$nested/done" "with another XDG_RUNTIME_DIR, a launch runs on the holder path"
hp_other=$(sed -n 's/^pid //p' "$TEST_TMP/xdg2/hutch-holder/state" 2> /dev/null)
given ran 0 done -- check "... with a holder recorded there" alive_pid "${hp_other:-0}"
run_hutch run "$root" /bin/sh -c "$show"
is "$rc/$(map_of "$out")/$(tail -n 1 <<< "$out")" "0/$nested/done" "... and back to the first XDG_RUNTIME_DIR, launches still run"

# --- concurrent first launches: one holder, all succeed
run_hutch system reset
pids=()
for i in $(seq 10); do
    "$HUTCH" run --log-level debug "$root" /bin/sh -c "$show" < /dev/null > "$TEST_TMP/c.$i" 2> "$TEST_TMP/c.$i.err" &
    pids+=($!)
done
fails=0 nested_n=0
for i in $(seq 10); do
    wait "${pids[$((i - 1))]}" || fails=$((fails + 1))
    [ "$(sed -n 's/^map //p' "$TEST_TMP/c.$i")" = "$nested" ] && nested_n=$((nested_n + 1))
done
is "$fails/$nested_n" "0/10" "10 first launches at once all succeed, all on the holder path"
started=$(cat "$TEST_TMP"/c.*.err | grep -c 'started the holder')
is "$started" 1 "... and exactly one holder was started"

# --- in the end every holder exits by itself, and nothing is left
hp=$(holder_pid)
check "every holder exits when idle: this one" gone_within 15 "${hp:-0}"
check "... and the one of the other XDG_RUNTIME_DIR" gone_within 15 "${hp_other:-0}"
given test "$fails/$nested_n" = 0/10 -- assert_clean "nothing is left behind"
