#!/bin/bash
# nested-userns: a user namespace inside the sandbox gives its creator every
# capability over new namespaces, and opens kernel code (mount, netfilter,
# overlayfs) that has had bugs root in a user namespace could reach. The
# default profile refuses unshare(CLONE_NEWUSER) and clone(CLONE_NEWUSER...)
# through every entry; --cap-add SYS_ADMIN is the option that allows them.

. "$(dirname "$0")/lib-security.sh"
need_x86_64
plan 6

all3() { echo "$(probe_result "$1" "$2" native)/$(probe_result "$1" "$2" x32)/$(probe_result "$1" "$2" i386)"; }

sandbox -- /probes/sysprobe all unshare clone
is "$rc/$(all3 "$out" unshare)" "0/errno 1/killed 31/errno 1" "default: unshare(CLONE_NEWUSER) refused (syscall, int 0x80; x32 kills)"
is "$rc/$(all3 "$out" clone)" "0/errno 1/killed 31/errno 1" "default: clone(CLONE_NEWUSER) refused (syscall, int 0x80; x32 kills)"

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
