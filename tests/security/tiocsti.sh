#!/bin/bash
# tiocsti: TIOCSTI pushes bytes into a terminal's input, as if typed; a
# sandboxed command that reaches the caller's terminal could type commands
# into the caller's shell once it exits (bubblewrap's CVE-2017-5226).
# TIOCLINUX can do the same on a console. Both are refused by the default
# profile, through every entry, and with the request's upper 32 bits set
# (the kernel ignores them; flatpak's CVE-2019-10063 slipped through them).
#
# Two cases, each on a real pseudo-terminal from script(1):
#   stdin a terminal: the command gets a pty of the sandbox's own (its
#     controlling terminal); TIOCSTI on it is refused.
#   stdin not a terminal: the command's stdout is the caller's terminal
#     itself. hutch puts the command in a session of its own, so the
#     kernel refuses TIOCSTI there anyway (not its controlling terminal);
#     the marked profile shows the filter refuses it first.

. "$(dirname "$0")/lib-security.sh"
need_x86_64
command -v script > /dev/null || skip_all "script(1) is needed for a pseudo-terminal (apt install bsdutils)"
plan 13

# native and x32; the i386 entry (int 0x80) has points of its own, which
# skip where the kernel has none.
# Without --multiarch the i386 entry is not in the filter at all (any int
# 0x80 call kills: seccomp-syscalls.sh); the runs that check it through
# int 0x80 take --multiarch, which adds it with the same rules.
all2() { echo "$(probe_result "$1" "$2" native)/$(probe_result "$1" "$2" x32)"; }
E2="errno 1/killed 31"

in_pty "$(hutch_line --multiarch -- /probes/sysprobe -f 0 all tiocsti tiocsti_hi tioclinux)"
is "$rc/$(all2 "$out" tiocsti)" "0/$E2" "own pty: TIOCSTI refused (syscall; x32 kills)"
int80 is "$rc/$(probe_result "$out" tiocsti i386)" "0/errno 1" "own pty: TIOCSTI refused (int 0x80, --multiarch)"
is "$rc/$(all2 "$out" tiocsti_hi)" "0/$E2" "own pty: TIOCSTI with the upper 32 bits set refused (syscall; x32 kills)"
int80 is "$rc/$(probe_result "$out" tiocsti_hi i386)" "0/errno 1" "own pty: TIOCSTI with the upper 32 bits set refused (int 0x80, --multiarch)"
is "$rc/$(all2 "$out" tioclinux)" "0/$E2" "own pty: TIOCLINUX refused (syscall; x32 kills)"
int80 is "$rc/$(probe_result "$out" tioclinux i386)" "0/errno 1" "own pty: TIOCLINUX refused (int 0x80, --multiarch)"

# Since Linux 6.2, dev.tty.legacy_tiocsti = 0 makes the kernel refuse
# TIOCSTI (EIO) to anyone without CAP_SYS_ADMIN in the host's namespace:
# then it works nowhere, and the unconfined control cannot show it working.
legacy_tiocsti=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)
if [ "$legacy_tiocsti" = 0 ]; then
    skip_n 2 "unconfined: TIOCSTI works on the pty (both forms through syscall; int 0x80)" \
        "sysctl dev.tty.legacy_tiocsti is 0: this kernel refuses TIOCSTI to everyone without CAP_SYS_ADMIN"
else
    in_pty "$(hutch_line "${UNCONFINED[@]}" -- /probes/sysprobe -f 0 all tiocsti tiocsti_hi)"
    is "$rc/$(probe_result "$out" tiocsti native)/$(probe_result "$out" tiocsti_hi native)" \
        "0/ok/ok" "unconfined: TIOCSTI works on the pty (both forms, syscall)"
    int80 is "$rc/$(probe_result "$out" tiocsti i386)" "0/ok" "unconfined: TIOCSTI works on the pty (int 0x80)"
fi

in_pty "$(hutch_line --multiarch -- /probes/sysprobe -f 1 all tiocsti tiocsti_hi) < /dev/null"
is "$rc/$(all2 "$out" tiocsti)/$(all2 "$out" tiocsti_hi)" "0/$E2/$E2" "caller's terminal: TIOCSTI refused (syscall; x32 kills)"
int80 is "$rc/$(probe_result "$out" tiocsti i386)/$(probe_result "$out" tiocsti_hi i386)" "0/errno 1/errno 1" \
    "caller's terminal: TIOCSTI refused (int 0x80, --multiarch)"

in_pty "$(hutch_line --multiarch --seccomp "$(marked_profile)" -- /probes/sysprobe -f 1 all tiocsti tiocsti_hi) < /dev/null"
# not_filtered ENTRY...: the last run's TIOCSTI calls through those entries
# that the filter did not refuse (nothing when it refused them all);
# through int 0x80 (--multiarch) refused by its rules, with a marker.
not_filtered() {
    local bad='' n e want
    [ "$rc" = 0 ] || bad=" sysprobe's run: exit $rc;"
    for n in tiocsti tiocsti_hi; do
        for e in "$@"; do
            want=filtered
            [ "$e" = i386 ] && want=marked
            $want "$(probe_result "$out" $n $e)" || bad="$bad $n/$e: $(probe_result "$out" $n $e);"
        done
    done
    printf '%s' "$bad"
}
is "$(not_filtered native x32)" "" "caller's terminal, marked profile: the filter refuses TIOCSTI before the kernel looks (syscall, x32)"
int80 is "$(not_filtered i386)" "" "caller's terminal, marked profile: the filter refuses TIOCSTI before the kernel looks (int 0x80, --multiarch)"

in_pty "$(hutch_line "${UNCONFINED[@]}" -- /probes/sysprobe -f 1 native tiocsti) < /dev/null"
got=$(probe_result "$out" tiocsti native)
# With dev.tty.legacy_tiocsti = 0 the kernel may answer EIO before it looks
# at the session; either way it is the kernel's refusal, not the filter's.
if [ "$legacy_tiocsti" = 0 ] && [ "$got" = "errno 5" ]; then got="errno 1"; fi
is "$rc/$got" "0/errno 1" \
    "caller's terminal, unconfined: the kernel still refuses (the command has a session of its own)"
