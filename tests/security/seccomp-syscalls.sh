#!/bin/bash
# seccomp-syscalls: every call hutch's default profile denies, through each
# way into the kernel on x86-64: the native `syscall`, the x32 ABI and the
# i386 entry (int 0x80). A filter that only knows x86-64 numbers would let
# the other two through.
#
# Four runs of sysprobe over the same calls:
#   default    each call is refused with the profile's errno natively;
#              through x32 and int 0x80, which the profile does not list,
#              the process is killed (SIGSYS) whatever the call, getpid too;
#   multiarch  --multiarch adds the i386 entry with the same rules: each
#              call is refused with the same errno through int 0x80, and
#              getpid works there;
#   marked     the default profile with its errnos replaced by markers,
#              with --multiarch: each call comes back with a marker (through
#              int 0x80 too: the rules, not the wrong-entry kill), so it was
#              the filter that refused it, through that entry, not the kernel;
#   unconfined no call comes back with a marker, and the ones the sandbox's
#              root could make (mount, nested user namespace, personality)
#              succeed: without the filter they are really open.
# The i386 entry's points skip where the kernel has no int 0x80 at all
# (lib-security.sh's int80_refused).

. "$(dirname "$0")/lib-security.sh"
need_x86_64

DENIED_EPERM="mount umount2 pivot_root setns unshare clone open_tree fsopen move_mount mount_setattr
  init_module finit_module delete_module kexec_load kexec_file_load reboot swapon swapoff settimeofday
  clock_settime clock_adjtime adjtimex acct quotactl keyctl add_key request_key bpf perf_event_open
  userfaultfd open_by_handle_at name_to_handle_at io_uring_setup io_uring_enter io_uring_register syslog
  iopl ioperm fanotify_init"
# clone3 (so that libc falls back to clone) and personality with a flag
# outside the harmless ones (not in the allow list: ENOSYS).
DENIED_ENOSYS="clone3 personality"
ENTRIES="native x32 i386"

plan 20

# check_all OUT WANT-FN DESC: one test point per entry; WANT-FN NAME RESULT
# says whether RESULT is right for NAME. Over the last run, which must have
# ended with status 0.
check_all() {
    local o=$1 want=$2 desc=$3 e n res bad
    for e in $ENTRIES; do
        if [ "$e" = i386 ] && int80_refused; then
            skip "$desc ($e entry)" "$INT80_REASON"
            continue
        fi
        bad=''
        [ "$rc" = 0 ] || bad=" sysprobe's run: exit $rc;"
        [ -n "$o" ] || bad="$bad no output from sysprobe;"
        [ -z "$bad" ] && for n in $DENIED_EPERM $DENIED_ENOSYS; do
            res=$(probe_result "$o" "$n" "$e")
            [ "$res" = none ] && continue  # no such call on this entry
            "$want" "$n" "$res" "$e" || bad="$bad $n: $res;"
        done
        if [ -z "$bad" ]; then
            ok "$desc ($e entry)"
        else
            not_ok "$desc ($e entry)" "wrong:$bad"
        fi
    done
}

want_multiarch() {
    [ "$3" = x32 ] && { [ "$2" = "killed 31" ]; return; }
    case " $DENIED_ENOSYS " in
    *" $1 "*) [ "$2" = "errno 38" ] ;;
    *) [ "$2" = "errno 1" ] ;;
    esac
}
want_default() {
    [ "$3" = i386 ] && { [ "$2" = "killed 31" ]; return; }
    want_multiarch "$@"
}
# Through int 0x80 (with --multiarch), by the rules: a marker, not a kill.
want_marked() {
    [ "$3" = i386 ] && { marked "$2"; return; }
    filtered "$2"
}
want_unfiltered() { reached "$2"; }

# shellcheck disable=SC2086
sandbox -- /probes/sysprobe all $DENIED_EPERM $DENIED_ENOSYS getpid
default_out=$out default_rc=$rc
is "$rc/$(probe_result "$out" getpid native)" "0/ok" "sysprobe runs under the default profile"
check_all "$default_out" want_default "default profile: every denied call refused with EPERM (clone3, personality: ENOSYS), natively; through the other entries, killed"

# shellcheck disable=SC2086
sandbox --multiarch -- /probes/sysprobe all $DENIED_EPERM $DENIED_ENOSYS getpid
multiarch_out=$out multiarch_rc=$rc
check_all "$multiarch_out" want_multiarch "--multiarch: every denied call refused with EPERM (clone3, personality: ENOSYS; x32: killed)"

# shellcheck disable=SC2086
sandbox --multiarch --seccomp "$(marked_profile)" -- /probes/sysprobe all $DENIED_EPERM $DENIED_ENOSYS
check_all "$out" want_marked "marked default profile, --multiarch: the filter itself refused every call"

# shellcheck disable=SC2086
sandbox "${UNCONFINED[@]}" -- /probes/sysprobe all $DENIED_EPERM $DENIED_ENOSYS getpid
unconfined_out=$out unconfined_rc=$rc
check_all "$unconfined_out" want_unfiltered "unconfined: every call reaches the kernel"

# Without the filter the dangerous calls the sandbox's root may make do
# succeed: the tests above would see it.
# not_ok_calls ENTRY: the dangerous calls that did not succeed unconfined.
not_ok_calls() {
    local bad='' n res
    [ "$unconfined_rc" = 0 ] || bad=" sysprobe's run: exit $unconfined_rc;"
    for n in mount unshare clone personality open_tree fsopen; do
        res=$(probe_result "$unconfined_out" "$n" "$1")
        [ "$res" = ok ] || bad="$bad $n/$1: $res;"
    done
    printf '%s' "$bad"
}
is "$(not_ok_calls native)" "" "unconfined: mount, nested user namespaces, personality, new mount API really work (native)"
int80 is "$(not_ok_calls i386)" "" "unconfined: mount, nested user namespaces, personality, new mount API really work (int 0x80)"

# Ordinary calls still work under the default profile natively, and
# through int 0x80 with --multiarch.
is "$default_rc/$(probe_result "$default_out" getpid native)/$(probe_result "$default_out" getpid x32)" \
    "0/ok/killed 31" "default profile: getpid works through syscall; any x32 call kills"
int80 is "$default_rc/$(probe_result "$default_out" getpid i386)" "0/killed 31" "default profile: any call through int 0x80 kills, getpid too"
int80 is "$multiarch_rc/$(probe_result "$multiarch_out" getpid i386)" "0/ok" "--multiarch: getpid works through int 0x80"

# A command that dies of SIGSYS: hutch says what may have killed it.
sandbox -- /bin/sh -c 'kill -SYS $$'
given ran 159 -- like "$err" "unless --multiarch is given" "a command killed by SIGSYS: exit 159, and hutch names --multiarch"

# x32: this kernel may not have the ABI at all (CONFIG_X86_X32_ABI), and
# then answers every x32 call ENOSYS itself; the marked run above shows the
# filter answers first either way.
if [ "$unconfined_rc/$(probe_result "$unconfined_out" getpid x32)" = 0/ok ]; then
    ok "x32 ABI present: its calls reach the kernel without a filter"
else
    skip "x32 ABI present: its calls reach the kernel without a filter" "this kernel has no x32 ABI (the filter still answers x32 calls first)"
fi
