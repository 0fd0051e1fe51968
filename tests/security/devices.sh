#!/bin/bash
# devices: /dev holds only the minimal set (null, zero, full, random,
# urandom, tty, a private pts with ptmx, shm and the fd links), and no new
# device node can be made. A disk, /dev/mem, /dev/kmsg, /dev/fuse or
# /dev/net/tun would each be a door to the host's kernel.
#
# Control: with the host's /dev/kmsg bound in on purpose (-v), the same
# check reports it: it can tell an extra device when there is one.

. "$(dirname "$0")/lib-security.sh"
plan 6

ALLOWED="fd full null ptmx pts random shm stderr stdin stdout tty urandom zero"
list='ls -A /dev | tr "\n" " "; echo; find /dev -xdev \( -type b -o -type c \) | sort | tr "\n" " "; echo;
ls -A /dev/pts | tr "\n" " "; echo'

extra() { # the entries of /dev not in ALLOWED
    local e x=''
    for e in $1; do
        case " $ALLOWED " in *" $e "*) ;; *) x="$x $e" ;; esac
    done
    printf '%s\n' "${x# }"
}

sandbox -- /bin/sh -c "$list"
is "$(extra "$(printf '%s\n' "$out" | sed -n 1p)")" "" "default: /dev holds only the minimal set"
is "$(printf '%s\n' "$out" | sed -n 2p)" "/dev/full /dev/null /dev/random /dev/tty /dev/urandom /dev/zero " \
    "default: the only device nodes are null, zero, full, random, urandom, tty"
is "$(printf '%s\n' "$out" | sed -n 3p)" "ptmx " "default: /dev/pts is the sandbox's own instance (no host terminals)"

sandbox "${UNCONFINED[@]}" -- /bin/sh -c 'mknod /tmp/mem c 1 1 && echo made; mknod /tmp/sda b 8 0 && echo made'
unlike "$out" "made" "unconfined, every capability: mknod of /dev/mem or a disk is refused (user namespace)"
like "$err" "Operation not permitted" "... with EPERM"

sandbox -v /dev/kmsg:/dev/kmsg -- /bin/sh -c "$list"
is "$(extra "$(printf '%s\n' "$out" | sed -n 1p)")" "kmsg" "control: a device bound in on purpose is reported"
