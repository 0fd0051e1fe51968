#!/bin/bash
# landlock: the second wall. Even when a way to the host reaches the
# command without a path (a directory descriptor passed on, the magic links
# of /proc/self/fd), Landlock refuses any file outside the sandbox's root.
# Inside, the root, the volumes and /tmp work as usual. --landlock off
# lifts it, and then the host directory is readable: the test can tell.

. "$(dirname "$0")/lib-security.sh"

policy=$("$HUTCH" run --print-policy 2>&1)
case $policy in
*"landlock:       ABI"*) ;;
*) skip_all "Landlock is not available here: $(printf '%s\n' "$policy" | grep landlock:)" ;;
esac
plan 7

like "$policy" "landlock:       ABI" "--print-policy reports the Landlock ABI"

hostdir=$TEST_TMP/hostdir
voldir=$TEST_TMP/volume
mkdir -p "$hostdir" "$voldir"
echo "host secret" > "$hostdir/secret"
read_host='cat /proc/self/fd/7/secret; ls /proc/self/fd/7/; echo new > /proc/self/fd/7/new'

exec 7< "$hostdir"
sandbox --preserve-fds 5 -- /bin/sh -c "$read_host"
default_out=$out default_err=$err
[ -e "$hostdir/new" ] && created=yes || created=no
sandbox --preserve-fds 5 --landlock off -- /bin/sh -c "$read_host"
off_out=$out
exec 7<&-

unlike "$default_out" "host secret" "a host directory passed as fd 7: its files cannot be read"
like "$default_err" "Permission denied" "... refused by Landlock (EACCES), not missing"
is "$created" no "... nor created"
like "$off_out" "host secret" "--landlock off: the same host directory is readable (the test can tell)"
rm -f "$hostdir/new"

sandbox -v "$voldir:/data" -- /bin/sh -c 'echo inside > /data/f && cat /data/f && echo tmp > /tmp/t && cat /tmp/t && mkdir /newdir && ln -s /data/f /newdir/l && cat /newdir/l'
is "$rc/$(printf '%s' "$out" | tr '\n' ' ')" "0/inside tmp inside" "inside the root, volumes and /tmp: reads, writes, mkdir, symlinks work"

# Abstract unix sockets and signals are scoped too where the ABI has it (6+),
# shown by abstract-socket.sh; here only that Landlock is on by default.
sandbox -- /bin/sh -c 'grep -c . /proc/self/status > /dev/null; echo ok'
is "$out" "ok" "an ordinary command runs under Landlock"
