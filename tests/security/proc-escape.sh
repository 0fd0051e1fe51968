#!/bin/bash
# proc-escape: no process the command can see may lead back to the host
# through /proc. The sandbox's pid 1 is a copy of the hutch binary, which
# the user owns: if the command could open /proc/1/exe for writing, it
# could replace hutch and run code outside the sandbox the next time the
# user starts it (runc's CVE-2019-5736). Its root, working directory and
# descriptors must not lead to a host directory either (CVE-2024-21626).
#
# The check: inside the sandbox, every /proc/PID/{exe,root,cwd,fd/*} that
# can be opened is compared (device and inode) with the hutch binary and
# the host directories around the test; and every /proc/PID/exe is opened
# for writing. init is made non-dumpable by hutch, which closes all of its
# /proc links; no option lifts that, so the control runs the same check on
# the host against the running hutch process, and sees it find the binary.

. "$(dirname "$0")/lib-security.sh"
plan 7

ident() { stat -L -c %d:%i "$1"; }
FORBIDDEN="$(ident "$HUTCH") $(ident /) $(ident "$TEST_TMP") $(ident "$XDG_RUNTIME_DIR") $(ident /tmp) $(ident "$PWD")"

# The check, as a script for busybox sh (inside) or bash (on the host):
# prints LEAK and WRITABLE lines, then "checked N links".
CHECK='
n=0
for p in $PIDS; do
    for l in $p/exe $p/root $p/cwd $p/fd/*; do
        id=$(stat -L -c %d:%i "$l" 2>/dev/null) || continue
        n=$((n + 1))
        for f in $FORBIDDEN; do
            [ "$id" = "$f" ] && echo "LEAK $l is $f"
        done
    done
    if (exec 3>>"$p/exe") 2>/dev/null; then echo "WRITABLE $p/exe"; fi
done
echo "checked $n links"
'

inside='sleep 30 & cd /tmp; PIDS=$(echo /proc/[0-9]*); '"$CHECK"'
for l in /proc/1/exe /proc/1/root /proc/1/cwd; do
    stat -L "$l" > /dev/null 2>&1 && echo "OPEN $l"
done
ls /proc/1/fd/ > /dev/null 2>&1 && echo "OPEN /proc/1/fd/"
kill %1'

sandbox -e "FORBIDDEN=$FORBIDDEN" -- /bin/sh -c "$inside"
like "$out" "checked" "default: the check ran over every process in the sandbox"
unlike "$out" "LEAK" "default: no /proc/*/exe, root, cwd or fd leads to hutch or a host directory"
unlike "$out" "WRITABLE" "default: no /proc/*/exe opens for writing"
unlike "$out" "OPEN" "default: /proc/1/exe, root, cwd and fd are closed (init is not dumpable)"

sandbox "${UNCONFINED[@]}" -e "FORBIDDEN=$FORBIDDEN" -- /bin/sh -c "$inside"
is "$(printf '%s\n' "$out" | grep -E 'LEAK|WRITABLE|OPEN')" "" \
    "unconfined: still nothing (this wall is init's, not the filter's)"

# Control: the same check, on the host, over a running hutch process (the
# parent, which is dumpable, as any process of the user is) finds the hutch
# binary. So a dumpable init inside the sandbox would be caught above.
"$HUTCH" run "$(busybox_layers)" /bin/sleep 5 < /dev/null > /dev/null 2>&1 &
hutch_pid=$!
sleep 0.5
host_out=$(PIDS=/proc/$hutch_pid FORBIDDEN=$FORBIDDEN bash -c "$CHECK" 2>&1)
kill "$hutch_pid" 2>/dev/null
wait "$hutch_pid" 2>/dev/null
like "$host_out" "LEAK /proc/$hutch_pid/exe is $(ident "$HUTCH")" "control: on the host, the check finds hutch behind a dumpable process's exe"
assert_clean "nothing left behind"
