#!/bin/bash
# clone3: its flags sit in memory, where a seccomp filter cannot look, so it
# could make namespaces that clone's filtered flags forbid. The default
# profile answers ENOSYS, through every entry, and libc falls back to clone,
# so threads keep working. Unconfined, clone3 reaches the kernel (which
# answers EINVAL to the probe's empty arguments).
#
# Without --multiarch the i386 entry is not in the filter at all (any int
# 0x80 call kills: seccomp-syscalls.sh); the runs that check it through
# int 0x80 take --multiarch, which adds it with the same rules.

. "$(dirname "$0")/lib-security.sh"
need_x86_64
need_probes threads
plan 7

sandbox --multiarch -- /probes/sysprobe all clone3
is "$rc/$(probe_result "$out" clone3 native)/$(probe_result "$out" clone3 x32)" \
    "0/errno 38/killed 31" "default: clone3 is ENOSYS through syscall (x32 kills)"
int80 is "$rc/$(probe_result "$out" clone3 i386)" "0/errno 38" "default, --multiarch: clone3 is ENOSYS through int 0x80"

sandbox --seccomp "$(marked_profile)" -- /probes/sysprobe native clone3
given ran 0 -- check "marked default profile: it is the filter that answers clone3" filtered "$(probe_result "$out" clone3 native)"

sandbox -- /probes/threads
is "$rc/$out" "0/thread joined" "default: threads still start (libc falls back from clone3 to clone)"

sandbox "${UNCONFINED[@]}" -- /probes/sysprobe all clone3
is "$rc/$(probe_result "$out" clone3 native)" "0/errno 22" \
    "unconfined: clone3 reaches the kernel through syscall (EINVAL for empty arguments)"
int80 is "$rc/$(probe_result "$out" clone3 i386)" "0/errno 22" \
    "unconfined: clone3 reaches the kernel through int 0x80 (EINVAL for empty arguments)"

sandbox --cap-add SYS_ADMIN -- /probes/sysprobe native clone3
is "$rc/$(probe_result "$out" clone3 native)" "0/errno 22" "--cap-add SYS_ADMIN: the profile lets clone3 through, as podman's does"
