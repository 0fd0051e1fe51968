#!/bin/bash
# chroot-escape: the classic way out of a chroot (mkdir x; chroot x;
# cd ../../..; chroot .) with CAP_SYS_CHROOT, which hutch's default set
# grants. hutch does not chroot: it pivots into the new root and detaches
# the old one, so above the sandbox's root there is nothing to climb to.
#
# Control: inside the sandbox, the same probe run in a plain chroot jail
# does escape the jail, so the probe can tell an escape when it sees one.

. "$(dirname "$0")/lib-security.sh"
need_probes chroot-escape
plan 5

sandbox -- /bin/sh -c 'grep CapEff /proc/self/status; /probes/chroot-escape'
# The probe exits 0 once it has climbed and looked, 3 when chroot is refused.
given ran 0 -- like "$out" "before" "default: the escape ran (chroot allowed, CAP_SYS_CHROOT granted)"
given ran 0 -- like "$out" "held" "default: it stays in the sandbox's root"

sandbox "${UNCONFINED[@]}" -- /probes/chroot-escape
given ran 0 -- like "$out" "held" "unconfined, every capability: it still stays in the sandbox's root"

sandbox -- /bin/sh -c 'mkdir -p /jail && cp /probes/chroot-escape /jail/ && chroot /jail /chroot-escape'
given ran 0 -- like "$out" "escaped" "control: from a plain chroot jail inside the sandbox, the probe escapes"

sandbox --cap-drop SYS_CHROOT -- /probes/chroot-escape
is "$rc/$out" "3/chroot: Operation not permitted" "--cap-drop SYS_CHROOT: chroot itself is refused"
