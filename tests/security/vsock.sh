#!/bin/bash
# vsock: socket(AF_VSOCK) opens a channel to the other side of a virtual
# machine (the hypervisor is CID 2), which no network namespace stands in
# front of: with --network none a sandbox could still talk to the host of
# its VM. hutch's default profile lets socket() open only the ordinary
# families (unix, inet, inet6, netlink; packet with CAP_NET_RAW) and
# refuses the others with EPERM, through every entry:
#   - the native call, also with bits set above the int the kernel reads
#     (the filter compares 64 bits, the kernel keeps 32: a filter that
#     compared `== 40` would miss 0x100000028, which the kernel reads as 40);
#   - the i386 entry's socket(), checked like the native one;
#   - the i386 entry's socketcall(), whose arguments are in memory where no
#     filter can read them: refused whatever the family.
# (The i386 entry's points skip where the kernel has no int 0x80 at all;
# the i386 entry is in the filter only with --multiarch, which the first
# run takes: without it any int 0x80 call kills, see seccomp-syscalls.sh.)
# Controls: the marked profile shows it is the filter that answers, and
# with --seccomp unconfined the call reaches the kernel (it may succeed on
# a VM, or fail with the kernel's own EAFNOSUPPORT, but not with EPERM).

. "$(dirname "$0")/lib-security.sh"
need_x86_64
plan 12

VSOCK="socket_vsock socket_vsock_hi socketcall_vsock"
ORDINARY="socket_unix socket_inet socket_inet6 socket_netlink"

# shellcheck disable=SC2086
sandbox --network none --multiarch -- /probes/sysprobe all $VSOCK $ORDINARY
default_out=$out
is "$(probe_result "$default_out" socket_vsock native)" "errno 1" "default: socket(AF_VSOCK) refused with EPERM (native)"
is "$(probe_result "$default_out" socket_vsock_hi native)" "errno 1" "default: socket(AF_VSOCK | 1<<32) refused with EPERM (the kernel would read 40)"
int80 is "$(probe_result "$default_out" socket_vsock i386)" "errno 1" "default: socket(AF_VSOCK) refused with EPERM (int 0x80, --multiarch)"
int80 is "$(probe_result "$default_out" socketcall_vsock i386)" "errno 1" "default: socketcall(SYS_SOCKET, AF_VSOCK) refused with EPERM (int 0x80, --multiarch)"

bad=''
for n in $ORDINARY; do
    res=$(probe_result "$default_out" "$n" native)
    [ "${res%% *}" = ok ] || bad="$bad $n: $res;"
done
if [ -z "$bad" ]; then
    ok "default: unix, inet, inet6 and netlink sockets still open"
else
    not_ok "default: unix, inet, inet6 and netlink sockets still open" "refused:$bad"
fi

# shellcheck disable=SC2086
sandbox --network none --multiarch --seccomp "$(marked_profile)" -- /probes/sysprobe all $VSOCK
# not_filtered "NAME ENTRY"...: those of the last run's calls the filter did
# not refuse (nothing when it refused them all); through int 0x80
# (--multiarch) refused by its rules, with a marker.
not_filtered() {
    local bad='' ne res want
    for ne in "$@"; do
        # shellcheck disable=SC2086
        res=$(probe_result "$out" $ne)
        want=filtered
        case $ne in *i386) want=marked ;; esac
        $want "$res" || bad="$bad $ne: $res;"
    done
    printf '%s' "$bad"
}
is "$(not_filtered "socket_vsock native" "socket_vsock_hi native")" "" "marked profile: the filter itself refused each of them (native)"
int80 is "$(not_filtered "socket_vsock i386" "socketcall_vsock i386")" "" "marked profile: the filter itself refused each of them (int 0x80, --multiarch)"

# shellcheck disable=SC2086
sandbox --network none "${UNCONFINED[@]}" -- /probes/sysprobe all $VSOCK
unconfined_out=$out
for ne in "socket_vsock native" "socket_vsock_hi native" "socket_vsock i386" "socketcall_vsock i386"; do
    # shellcheck disable=SC2086
    res=$(probe_result "$unconfined_out" $ne)
    if [ "${ne#* }" = i386 ] && int80_refused; then
        skip "unconfined: $ne reaches the kernel" "$INT80_REASON"
    elif [ "$res" != "errno 1" ] && reached "$res"; then
        ok "unconfined: $ne reaches the kernel ($res)"
    else
        not_ok "unconfined: $ne reaches the kernel ($res)"
    fi
done

run "$HUTCH" run --print-policy
like "$out" "  socket families: AF_UNIX AF_INET AF_INET6 AF_NETLINK; any other: fail with EPERM (1)" \
    "--print-policy lists the socket families the default profile allows"
