#!/bin/bash
# devices: /dev holds only the minimal set (null, zero, full, random,
# urandom, tty, a private pts with ptmx, shm and the fd links), and no new
# device node can be made. A disk, /dev/mem, /dev/kmsg, /dev/fuse or
# /dev/net/tun would each be a door to the host's kernel.
#
# /dev itself is read-only once hutch has filled it: no new name can be put
# there, and no link replaced (/dev/stdin pointed elsewhere would feed a
# program reading it something else). Its pts and shm are mounts of their
# own, and stay writable. The mount flag is the wall, so even with every
# capability a write fails; the test can tell, since root in the sandbox
# owns the tmpfs and would write it otherwise.
#
# Control: with the host's /dev/kmsg bound in on purpose (-v), the same
# check reports it: it can tell an extra device when there is one.

. "$(dirname "$0")/lib-security.sh"
plan 10

ALLOWED="fd full null ptmx pts random shm stderr stdin stdout tty urandom zero"
# Ends with "listed": the sandbox ran it to the end.
list='ls -A /dev | tr "\n" " "; echo; find /dev -xdev \( -type b -o -type c \) | sort | tr "\n" " "; echo;
ls -A /dev/pts | tr "\n" " "; echo; echo listed'

extra() { # the entries of /dev not in ALLOWED
    local e x=''
    for e in $1; do
        case " $ALLOWED " in *" $e "*) ;; *) x="$x $e" ;; esac
    done
    printf '%s\n' "${x# }"
}

sandbox -- /bin/sh -c "$list"
given ran 0 listed -- is "$(extra "$(printf '%s\n' "$out" | sed -n 1p)")" "" "default: /dev holds only the minimal set"
is "$rc/$(printf '%s\n' "$out" | sed -n 2p)" "0//dev/full /dev/null /dev/random /dev/tty /dev/urandom /dev/zero " \
    "default: the only device nodes are null, zero, full, random, urandom, tty"
is "$rc/$(printf '%s\n' "$out" | sed -n 3p)" "0/ptmx " "default: /dev/pts is the sandbox's own instance (no host terminals)"

sandbox "${UNCONFINED[@]}" -- /bin/sh -c 'mknod /tmp/mem c 1 1 && echo made; mknod /tmp/sda b 8 0 && echo made; echo tried'
given ran 0 tried -- unlike "$out" "made" "unconfined, every capability: mknod of /dev/mem or a disk is refused (user namespace)"
given ran 0 tried -- like "$err" "Operation not permitted" "... with EPERM"

sandbox -v /dev/kmsg:/dev/kmsg -- /bin/sh -c "$list"
is "$rc/$(extra "$(printf '%s\n' "$out" | sed -n 1p)")" "0/kmsg" "control: a device bound in on purpose is reported"

dev_write='touch /dev/x 2>&1; [ -e /dev/x ] && echo "made /dev/x"
ln -sf /tmp/evil /dev/stdin 2>&1; echo "stdin -> $(readlink /dev/stdin)"
echo written > /dev/shm/s && echo "shm: $(cat /dev/shm/s)"'

sandbox -- /bin/sh -c "$dev_write"
if [[ $rc == 0 && $out == *"touch: /dev/x: Read-only file system"* && $out != *"made /dev/x"* ]]; then
    ok "default: touch /dev/x fails (/dev is read-only)"
else
    not_ok "default: touch /dev/x fails (/dev is read-only)" "$(last_run)"
fi
given ran 0 -- like "$out" "stdin -> /proc/self/fd/0" "default: /dev/stdin cannot be replaced"
given ran 0 -- like "$out" "shm: written" "default: /dev/shm stays writable"

sandbox "${UNCONFINED[@]}" -- /bin/sh -c "$dev_write"
if [[ $rc == 0 && $out == *"touch: /dev/x: Read-only file system"* && $out != *"made /dev/x"* && $out == *"stdin -> /proc/self/fd/0"* ]]; then
    ok "unconfined, every capability: still no /dev/x, and /dev/stdin unchanged (the mount flag is the wall)"
else
    not_ok "unconfined, every capability: still no /dev/x, and /dev/stdin unchanged (the mount flag is the wall)" "$(last_run)"
fi
