#!/bin/bash
# proc-escape: no process the command can see may lead back to the host
# through /proc. The sandbox's pid 1 is a copy of the hutch binary, which
# the user owns: if the command could get a descriptor for /proc/1/exe, it
# could wait for hutch to end and then reopen the binary for writing
# through /proc/self/fd, replacing hutch with code that runs outside the
# sandbox the next time the user starts it (runc's CVE-2019-5736). Its
# root, working directory and descriptors must not lead to a host directory
# either (CVE-2024-21626).
#
# The check: inside the sandbox, every /proc/PID/{exe,root,cwd,fd/*} that
# can be opened is compared (device and inode) with the hutch binary and
# the host directories around the test; and for every hutch process (by its
# comm), opening /proc/PID/exe at all (O_RDONLY, the first half of the CVE)
# must fail. Opening it for writing is no test: while the binary runs, the
# kernel refuses that with ETXTBSY whatever hutch does, so only the
# descriptor taken before, and kept, is the danger.
#
# init is made non-dumpable by hutch, which closes all of its /proc links;
# no option lifts that, so the control runs the same check on the host
# against the running hutch process, and sees it find and open the binary.

. "$(dirname "$0")/lib-security.sh"
plan 8

ident() { stat -L -c %d:%i "$1"; }
FORBIDDEN="$(ident "$HUTCH") $(ident /) $(ident "$TEST_TMP") $(ident "$XDG_RUNTIME_DIR") $(ident /tmp) $(ident "$PWD")"

# The check, as a script for busybox sh (inside) or bash (on the host):
# prints LEAK and OPENED lines, then "checked N links, H hutch processes".
CHECK='
n=0 h=0
for p in $PIDS; do
    for l in $p/exe $p/root $p/cwd $p/fd/*; do
        id=$(stat -L -c %d:%i "$l" 2>/dev/null) || continue
        n=$((n + 1))
        for f in $FORBIDDEN; do
            [ "$id" = "$f" ] && echo "LEAK $l is $f"
        done
    done
    comm=$(cat $p/comm 2>/dev/null)
    if [ "$comm" = hutch ] || [ "$comm" = hutch-init ]; then
        h=$((h + 1))
        if (exec 3< "$p/exe") 2>/dev/null; then echo "OPENED $p/exe"; fi
    fi
done
echo "checked $n links, $h hutch processes"
'

# checked OUT: the check went over some links and found hutch's init.
checked() {
    local n h
    read -r n h < <(printf '%s\n' "$1" | sed -n 's/^checked \([0-9]*\) links, \([0-9]*\) hutch processes$/\1 \2/p')
    [ "${n:-0}" -gt 0 ] && [ "${h:-0}" -gt 0 ]
}

inside='sleep 30 & cd /tmp; PIDS=$(echo /proc/[0-9]*); '"$CHECK"'
for l in /proc/1/exe /proc/1/root /proc/1/cwd; do
    stat -L "$l" > /dev/null 2>&1 && echo "OPEN $l"
done
ls /proc/1/fd/ > /dev/null 2>&1 && echo "OPEN /proc/1/fd/"
kill %1'

# By default the command has fewer capabilities than init, which alone
# makes the kernel refuse it init's /proc links; unconfined, with every
# capability, init's being non-dumpable is the only wall left.
sandbox -e "FORBIDDEN=$FORBIDDEN" -- /bin/sh -c "$inside"
out_default=$out rc_default=$rc
sandbox "${UNCONFINED[@]}" -e "FORBIDDEN=$FORBIDDEN" -- /bin/sh -c "$inside"
out_unconfined=$out rc_unconfined=$rc
# Each point below holds only over a check that ran (and hutch's status 0).
default_ran=no unconfined_ran=no
[ "$rc_default" = 0 ] && checked "$out_default" && default_ran=yes
[ "$rc_unconfined" = 0 ] && checked "$out_unconfined" && unconfined_ran=yes
if [ $default_ran = yes ] && [ $unconfined_ran = yes ]; then
    ok "the check ran over every process in the sandbox, default and unconfined (links checked > 0, init among them)"
else
    not_ok "the check ran over every process in the sandbox, default and unconfined (links checked > 0, init among them)" \
        "default: exit $rc_default, $out_default" "unconfined: exit $rc_unconfined, $out_unconfined"
fi
out=$out_default
given test $default_ran = yes -- unlike "$out" "LEAK" "default: no /proc/*/exe, root, cwd or fd leads to hutch or a host directory"
given test $default_ran = yes -- unlike "$out" "OPEN /proc/1" "default: /proc/1/exe, root, cwd and fd are closed (init is not dumpable)"
given test $default_ran/$unconfined_ran = yes/yes -- is "$(printf '%s\n' "$out_default" "$out_unconfined" | grep OPENED)" "" \
    "default and unconfined: no hutch process's /proc/PID/exe gives a descriptor (O_RDONLY)"
out=$out_unconfined
given test $unconfined_ran = yes -- is "$(printf '%s\n' "$out" | grep -E 'LEAK|OPEN /proc/1')" "" \
    "unconfined: no link leads out, /proc/1's are closed (this wall is init's, not the filter's)"

# Control: the same check, on the host, over a running hutch process (the
# parent, which is dumpable, as any process of the user is) finds the hutch
# binary and opens it. So a dumpable init inside the sandbox would be caught
# above.
"$HUTCH" run "$(busybox_layers)" /bin/sleep 5 < /dev/null > /dev/null 2>&1 &
hutch_pid=$!
hutch_bin=$(readlink -f "$HUTCH")
for ((i = 0; i < 100; i++)); do
    [ "$(readlink "/proc/$hutch_pid/exe" 2>/dev/null)" = "$hutch_bin" ] && break
    running "$hutch_pid" || break
    sleep 0.05
done
host_out=$(PIDS=/proc/$hutch_pid FORBIDDEN=$FORBIDDEN bash -c "$CHECK" 2>&1)
# The sandbox ran (sleep's status, or SIGTERM's 143, not a failure to start).
ran_control=no
running "$hutch_pid" && ran_control=yes
kill "$hutch_pid" 2>/dev/null
wait "$hutch_pid" 2>/dev/null
like "$host_out" "LEAK /proc/$hutch_pid/exe is $(ident "$HUTCH")" "control: on the host, the check finds hutch behind a dumpable process's exe"
like "$host_out" "OPENED /proc/$hutch_pid/exe" "control: on the host, the check opens a dumpable hutch process's exe"
given test $default_ran/$unconfined_ran/$ran_control = yes/yes/yes -- assert_clean "nothing left behind"
