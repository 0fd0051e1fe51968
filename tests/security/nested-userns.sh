#!/bin/bash
# nested-userns: a user namespace inside the sandbox gives its creator every
# capability over new namespaces, and opens kernel code (mount, netfilter,
# overlayfs) that has had bugs root in a user namespace could reach. The
# default profile refuses unshare(CLONE_NEWUSER) and clone(CLONE_NEWUSER...)
# through every entry; --cap-add SYS_ADMIN is the option that allows them.

. "$(dirname "$0")/lib-security.sh"
need_x86_64
plan 8

# native and x32; the i386 entry (int 0x80) is a point of its own, which
# skips where the kernel has none.
# Without --multiarch the i386 entry is not in the filter at all (any int
# 0x80 call kills: seccomp-syscalls.sh); the runs that check it through
# int 0x80 take --multiarch, which adds it with the same rules.
all2() { echo "$(probe_result "$1" "$2" native)/$(probe_result "$1" "$2" x32)"; }

sandbox --multiarch -- /probes/sysprobe all unshare clone
is "$rc/$(all2 "$out" unshare)" "0/errno 1/killed 31" "default: unshare(CLONE_NEWUSER) refused (syscall; x32 kills)"
int80 is "$rc/$(probe_result "$out" unshare i386)" "0/errno 1" "default: unshare(CLONE_NEWUSER) refused (int 0x80, --multiarch)"
is "$rc/$(all2 "$out" clone)" "0/errno 1/killed 31" "default: clone(CLONE_NEWUSER) refused (syscall; x32 kills)"
int80 is "$rc/$(probe_result "$out" clone i386)" "0/errno 1" "default: clone(CLONE_NEWUSER) refused (int 0x80, --multiarch)"

sandbox -- unshare -U -r id -u
# busybox unshare exits 1, naming the call: the sandbox ran it.
given ran 1 -- like "$err" "unshare(0x10000000): Operation not permitted" "default: busybox unshare -U fails with EPERM"

sandbox "${UNCONFINED[@]}" -- unshare -U -r id -u
is "$rc/$out" "0/0" "unconfined: busybox unshare -U makes a nested user namespace"

sandbox "${UNCONFINED[@]}" -- /probes/sysprobe native unshare clone
is "$rc/$(probe_result "$out" unshare native)/$(probe_result "$out" clone native)" "0/ok/ok" \
    "unconfined: the probe's unshare and clone succeed"

sandbox --cap-add SYS_ADMIN -- unshare -U -r id -u
is "$rc/$out" "0/0" "--cap-add SYS_ADMIN: nested user namespaces are allowed (the option, off by default)"
