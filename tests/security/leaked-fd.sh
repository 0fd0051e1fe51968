#!/bin/bash
# leaked-fd: a descriptor the caller has open (here fd 7 on a host
# directory, and fd 9 on a host file) must not reach the sandbox, nor the
# caller's working directory: either would be a way out that no mount
# namespace closes (runc's CVE-2024-21626 leaked a directory this way).
# hutch closes every descriptor above stderr unless --preserve-fds asks
# for it, and the command starts in its own root.
#
# No option lifts this wall; the control passes the descriptors on with
# --preserve-fds and Landlock off, and shows the check then sees the host.

. "$(dirname "$0")/lib-security.sh"
plan 6

hostdir=$TEST_TMP/hostdir
mkdir -p "$hostdir"
echo "host secret" > "$hostdir/secret"
look='ls /proc/self/fd/ | tr "\n" " "; echo; cat /proc/self/fd/7/secret /proc/self/fd/9; stat -L -c "cwd %d:%i" /proc/self/cwd; stat -L -c "root %d:%i" /'

cd "$hostdir" || bail_out "cd $hostdir"
exec 7< "$hostdir" 9< "$hostdir/secret"
sandbox -- /bin/sh -c "$look"
default_out=$out default_rc=$rc
sandbox "${UNCONFINED[@]}" -- /bin/sh -c "$look"
unconfined_out=$out unconfined_rc=$rc
sandbox --preserve-fds 7 "${UNCONFINED[@]}" -- /bin/sh -c "$look"
control_out=$out control_rc=$rc
exec 7<&- 9<&-
cd / || bail_out "cd /"

# ls itself has its directory open as fd 3.
# The last line, "root DEV:INODE", is the sign that the look ran to its end.
is "$default_rc/$(printf '%s\n' "$default_out" | head -1)" "0/0 1 2 3 " "default: only stdin, stdout, stderr reach the command"
given test "$default_rc" = 0 -a -n "$(printf '%s\n' "$default_out" | sed -n 's/^root //p')" -- \
    unlike "$default_out" "host secret" "default: nothing of the host directory or file is readable"
cwd=$(printf '%s\n' "$default_out" | sed -n 's/^cwd //p')
root=$(printf '%s\n' "$default_out" | sed -n 's/^root //p')
check "default: the working directory is the sandbox's root, not the caller's" test "$default_rc" = 0 -a -n "$cwd" -a "$cwd" = "$root"
is "$unconfined_rc/$(printf '%s\n' "$unconfined_out" | head -1)" "0/0 1 2 3 " "unconfined: still only stdin, stdout, stderr"
given test "$control_rc" = 0 -- like "$(printf '%s\n' "$control_out" | head -1)" " 7 " "control, --preserve-fds 7: the descriptors are there"
given test "$control_rc" = 0 -- like "$control_out" "host secret" "control, --preserve-fds 7 and no Landlock: the check sees the host"
