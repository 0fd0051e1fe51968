#!/bin/bash
# landlock: the second wall. Even when a way to the host reaches the
# command without a path (a directory descriptor passed on, the magic links
# of /proc/self/fd), Landlock refuses any file outside the sandbox's root.
# Inside, the root, the volumes and /tmp work as usual. --landlock off
# lifts it, and then the host directory is readable: the test can tell.

. "$(dirname "$0")/lib-security.sh"

# Skipped only when hutch says, in a policy it printed, that Landlock is
# not there: a hutch that prints nothing is broken, not a host without it.
policy=$("$HUTCH" run --print-policy 2>&1)
policy_rc=$?
landlock_line=$(printf '%s\n' "$policy" | grep '^landlock:')
if [ "$policy_rc" = 0 ] && [ -n "$landlock_line" ] && [[ $landlock_line != *"landlock:       ABI"* ]]; then
    skip_all "Landlock is not available here: $landlock_line"
fi
plan 7

given test "$policy_rc" = 0 -- like "$policy" "landlock:       ABI" "--print-policy reports the Landlock ABI"

hostdir=$TEST_TMP/hostdir
voldir=$TEST_TMP/volume
mkdir -p "$hostdir" "$voldir"
echo "host secret" > "$hostdir/secret"
# "tried" at the end: the sandbox ran, and got through all three.
read_host='cat /proc/self/fd/7/secret; ls /proc/self/fd/7/; echo new > /proc/self/fd/7/new; echo tried'

exec 7< "$hostdir"
sandbox --preserve-fds 5 -- /bin/sh -c "$read_host"
[ -e "$hostdir/new" ] && created=yes || created=no
given ran 0 tried -- unlike "$out" "host secret" "a host directory passed as fd 7: its files cannot be read"
given ran 0 tried -- like "$err" "Permission denied" "... refused by Landlock (EACCES), not missing"
given ran 0 tried -- is "$created" no "... nor created"
sandbox --preserve-fds 5 --landlock off -- /bin/sh -c "$read_host"
given ran 0 tried -- like "$out" "host secret" "--landlock off: the same host directory is readable (the test can tell)"
exec 7<&-
rm -f "$hostdir/new"

sandbox -v "$voldir:/data" -- /bin/sh -c 'echo inside > /data/f && cat /data/f && echo tmp > /tmp/t && cat /tmp/t && mkdir /newdir && ln -s /data/f /newdir/l && cat /newdir/l'
is "$rc/$(printf '%s' "$out" | tr '\n' ' ')" "0/inside tmp inside" "inside the root, volumes and /tmp: reads, writes, mkdir, symlinks work"

# Abstract unix sockets and signals are scoped too where the ABI has it (6+),
# shown by abstract-socket.sh; here only that Landlock is on by default.
sandbox -- /bin/sh -c 'grep -c . /proc/self/status > /dev/null; echo ok'
is "$rc/$out" "0/ok" "an ordinary command runs under Landlock"
