#!/bin/bash
# mount: the sandbox's shape is hutch's to decide. A command that could
# mount could unmask /proc/keys by unmounting the mask, mount over the
# files hutch provides, or pivot_root somewhere else. The default profile
# refuses mount, umount, pivot_root and the new mount API, through every
# entry; Landlock refuses mounts too, as a second wall (so --cap-add ALL,
# which lets the profile allow them, is not enough). Unconfined, they work.

. "$(dirname "$0")/lib-security.sh"
need_x86_64
plan 11

# native and x32; the i386 entry (int 0x80) is a point of its own, which
# skips where the kernel has none.
# Without --multiarch the i386 entry is not in the filter at all (any int
# 0x80 call kills: seccomp-syscalls.sh); the runs that check it through
# int 0x80 take --multiarch, which adds it with the same rules.
all2() { echo "$(probe_result "$1" "$2" native)/$(probe_result "$1" "$2" x32)"; }

sandbox --multiarch -- /probes/sysprobe all mount pivot_root open_tree fsopen
is "$rc/$(all2 "$out" mount)" "0/errno 1/killed 31" "default: mount refused (syscall; x32 kills)"
int80 is "$rc/$(probe_result "$out" mount i386)" "0/errno 1" "default: mount refused (int 0x80, --multiarch)"
is "$rc/$(all2 "$out" pivot_root)" "0/errno 1/killed 31" "default: pivot_root refused (syscall; x32 kills)"
int80 is "$rc/$(probe_result "$out" pivot_root i386)" "0/errno 1" "default: pivot_root refused (int 0x80, --multiarch)"
is "$rc/$(all2 "$out" open_tree)/$(all2 "$out" fsopen)" "0/errno 1/killed 31/errno 1/killed 31" \
    "default: the new mount API (open_tree, fsopen) refused (syscall; x32 kills)"
int80 is "$rc/$(probe_result "$out" open_tree i386)/$(probe_result "$out" fsopen i386)" "0/errno 1/errno 1" \
    "default: the new mount API (open_tree, fsopen) refused (int 0x80, --multiarch)"

sandbox -- /bin/sh -c 'mkdir -p /m; mount -t tmpfs none /m && echo mounted; umount /proc/keys && echo unmasked; pivot_root /tmp /tmp/old && echo pivoted; echo tried'
given ran 0 tried -- like "$out$err" "permission denied" "default: busybox mount, umount of a mask, pivot_root all refused"
is "$rc/$out" "0/tried" "default: nothing was mounted, unmounted or pivoted"

# The profile allows mounts with CAP_SYS_ADMIN (as podman's does); Landlock
# still refuses them.
sandbox --cap-add ALL -- /probes/sysprobe native mount
is "$rc/$(probe_result "$out" mount native)" "0/errno 1" "--cap-add ALL (Landlock on): mount still refused"

sandbox "${UNCONFINED[@]}" -- /bin/sh -c 'mkdir -p /m; mount -t tmpfs none /m && echo mounted; umount /proc/keys && echo unmasked'
given ran 0 -- like "$out" "mounted" "unconfined: mount works"
given ran 0 -- like "$out" "unmasked" "unconfined: a mask can be unmounted (what the filter prevents)"
