#!/bin/bash
# no-int80: the security scripts on a kernel without the int 0x80 entry (no
# IA32 emulation, or booted with ia32_emulation=0), where every int 0x80 dies
# of a protection fault, inside hutch or not. This host's kernel cannot be
# swapped, so such a kernel is simulated (tests/security/lib-security.sh):
# with HUTCH_TEST_NO_INT80=1, sysprobe's int 0x80 faults as it would there.
#
#   - the probe: on this host, without the override, it agrees with the
#     kernel's own configuration (CONFIG_IA32_EMULATION and the
#     ia32_emulation= boot option); with it, it sees the fault;
#   - the simulation reaches the sandbox: sysprobe in it dies of SIGSEGV
#     through int 0x80, and still answers through syscall;
#   - each script given as an argument (every one with int 0x80 points) runs
#     three times: as it is (its int 0x80 points are those whose description
#     names int 0x80 or i386, and that do not skip already); with the
#     override, where it must pass with exactly those points SKIPped, with
#     the reason; and with the fault in the sandboxes only (the probe not
#     told), where exactly those points must fail: without the probe, they
#     would fail on such a kernel.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

[ $# -gt 0 ] || bail_out "usage: no-int80.sh SCRIPT... (meson passes the security scripts with int 0x80 points)"
[ "$(uname -m)" = x86_64 ] || skip_all "int 0x80 is the x86-64 kernel's i386 entry"
PROBES=${HUTCH_PROBES_SECURITY:?HUTCH_PROBES_SECURITY is not set; run the tests with meson test}
[ -x "$PROBES/sysprobe" ] || {
    [ -n "${HUTCH_PROBES_MISSING:-}" ] && skip_all "no sysprobe probe: $HUTCH_PROBES_MISSING"
    bail_out "no probe sysprobe in $PROBES; build first (ninja -C build)"
}
REASON="this kernel refuses int 0x80 everywhere (no IA32 emulation): nothing to filter"
grep -qF "INT80_REASON=\"$REASON\"" "$HUTCH_SOURCE_DIR/tests/security/lib-security.sh" ||
    bail_out "lib-security.sh does not give the reason this test looks for: $REASON"
plan $((4 + 2 * $#))

# i386_result OUT: what sysprobe said of getpid through int 0x80.
i386_result() { awk '$1 == "getpid" && $2 == "i386" { $1 = ""; $2 = ""; sub(/^  /, ""); print; exit }' <<< "$1"; }

# --- the probe, on the host
# kernel_says: "works" or "refused", from the kernel's configuration and its
# command line; nothing where its configuration cannot be read.
kernel_says() {
    local config arg
    if [ -r /proc/config.gz ]; then
        config=$(zcat /proc/config.gz 2>/dev/null)
    elif [ -r "/boot/config-$(uname -r)" ]; then
        config=$(< "/boot/config-$(uname -r)")
    fi
    [ -n "${config:-}" ] || return 0
    if ! grep -qx 'CONFIG_IA32_EMULATION=y' <<< "$config"; then
        echo refused
        return
    fi
    # ia32_emulation= is read as a boolean; the last one given wins.
    arg=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^ia32_emulation=//p' | tail -n 1)
    case $arg in
    [yY]* | 1 | on) echo works ;;
    [nN]* | 0 | off) echo refused ;;
    *)
        if grep -qx 'CONFIG_IA32_EMULATION_DEFAULT_DISABLED=y' <<< "$config"; then
            echo refused
        else
            echo works
        fi
        ;;
    esac
}
got=$(i386_result "$(HUTCH_TEST_NO_INT80='' "$PROBES/sysprobe" i386 getpid 2>&1)")
case $got in
ok*) probe=works ;;
"killed 11" | "killed 4") probe=refused ;;
*) probe="unexpected: $got" ;;
esac
want=$(kernel_says)
if [ -z "$want" ]; then
    skip "the probe agrees with the kernel's configuration (int 0x80 $probe)" \
        "neither /proc/config.gz nor /boot/config-$(uname -r) can be read"
else
    is "$probe" "$want" "the probe agrees with the kernel's configuration (int 0x80 $want)"
fi

out=$(HUTCH_TEST_NO_INT80=1 "$PROBES/sysprobe" all getpid 2>&1)
is "$(i386_result "$out")/$(awk '$1 == "getpid" && $2 == "native" { print $3 }' <<< "$out")" "killed 11/ok" \
    "simulated on the host: int 0x80 dies of SIGSEGV, syscall still answers"

# --- the simulation in the sandbox
run_hutch run -v "$PROBES:/probes:ro" -e HUTCH_TEST_NO_INT80=1 "$(busybox_layers)" /probes/sysprobe all getpid
is "$rc/$(i386_result "$out")/$(awk '$1 == "getpid" && $2 == "native" { print $3 }' <<< "$out")" "0/killed 11/ok" \
    "simulated in a sandbox: int 0x80 dies of SIGSEGV, syscall still answers"

# --- the scripts
# Every security script that runs sysprobe through int 0x80 (i386 or all)
# is given, so that a new one cannot be left out.
missing=''
for f in "$HUTCH_SOURCE_DIR"/tests/security/*.sh; do
    grep -qE 'sysprobe( -f [0-9]+)? (i386|all) ' "$f" || continue
    given_too=no
    for script in "$@"; do
        [ "$(basename "$script")" = "$(basename "$f")" ] && given_too=yes
    done
    [ $given_too = yes ] || missing="$missing $(basename "$f")"
done
is "$missing" "" "every security script with int 0x80 points is checked here (tests/meson.build)"

# The demo layers, built once and copied by each script (HUTCH_TEST_LAYERS).
export HUTCH_TEST_LAYERS=$TEST_TMP/layers

# run_script SCRIPT OUTFILE [VAR=VALUE]: one run of SCRIPT, at most 120 s;
# its TAP goes to OUTFILE, its status is returned.
run_script() {
    env HUTCH_PROBES="$PROBES" HUTCH_TEST_NO_INT80= ${3:+"$3"} timeout -k 5 120 bash "$1" < /dev/null > "$2" 2> "$2.err"
}

# points FILE KIND: the numbers of the points of a TAP run, one a line:
#   int80  ok and named after int 0x80 or the i386 entry, not skipped (or
#          skipped with the int 0x80 reason: on a kernel that really has
#          no int 0x80, the run as it is skips them already);
#   skip80 skipped with the int 0x80 reason;
#   other  ok, not skipped with that reason;
#   failed not ok.
points() {
    awk -v kind="$2" -v reason="$REASON" '
        /^(not )?ok [0-9]+/ {
            n = ($1 == "not") ? $3 : $2
            skip = match($0, /# *SKIP/)
            skip80 = skip && index($0, "# SKIP " reason)
            if (kind == "failed" && $1 == "not") print n
            if ($1 == "not") next
            if (kind == "int80" && (skip80 || (!skip && ($0 ~ /int 0x80/ || $0 ~ /i386/)))) print n
            if (kind == "skip80" && skip80) print n
            if (kind == "other" && !skip80) print n
        }' "$1" | tr '\n' ' '
}
# planned FILE: the script's plan, or nothing.
planned() { sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$1" | head -n 1; }

for script in "$@"; do
    name=security/$(basename "$script" .sh)
    o=$TEST_TMP/$(basename "$script" .sh)
    # The three runs side by side: each has a temporary directory of its own.
    run_script "$script" "$o.plain" &
    plain_pid=$!
    run_script "$script" "$o.sim" HUTCH_TEST_NO_INT80=1 &
    sim_pid=$!
    run_script "$script" "$o.ctl" HUTCH_TEST_NO_INT80=sandbox &
    ctl_pid=$!
    wait $plain_pid
    plain_status=$?
    wait $sim_pid
    sim_status=$?
    wait $ctl_pid || true
    int80=$(points "$o.plain" int80)
    n=$(wc -w <<< "$int80")
    all=$(planned "$o.plain")
    # With the kernel simulated: a pass, every point ok, the int 0x80 ones
    # (and only they) skipped with the reason.
    got="status $sim_status, plan $(planned "$o.sim"), failed [$(points "$o.sim" failed)], skipped for int 0x80 [$(points "$o.sim" skip80)], others ok $(wc -w <<< "$(points "$o.sim" other)")"
    want="status 0, plan $all, failed [], skipped for int 0x80 [$int80], others ok $((all - n))"
    if [ "$plain_status" = 0 ] && [ "$n" -gt 0 ] && [ "$got" = "$want" ]; then
        ok "$name: on a kernel without int 0x80 (simulated), it passes, its $n int 0x80 points skipped with the reason"
    else
        not_ok "$name: on a kernel without int 0x80 (simulated), it passes, its $n int 0x80 points skipped with the reason" \
            "as it is: status $plain_status, int 0x80 points [$int80]" "got:  $got" "want: $want" "$(cat "$o.sim")"
    fi
    # The control: the fault in the sandboxes only. The same points fail,
    # and no other: the skip is what the probe adds, nothing else. (Where
    # the kernel really has no int 0x80, the probe cannot be kept from
    # seeing it.)
    if [ "$probe" = refused ]; then
        skip "$name: with int 0x80 faulting in the sandbox and the probe not told, those $n points fail and no other" \
            "this kernel really refuses int 0x80: the probe cannot be left untold"
        continue
    fi
    # (A script's status does not tell: TAP's `not ok` lines do.)
    got="plan $(planned "$o.ctl"), failed [$(points "$o.ctl" failed)]"
    want="plan $all, failed [$int80]"
    if [ "$n" -gt 0 ] && [ "$got" = "$want" ]; then
        ok "$name: with int 0x80 faulting in the sandbox and the probe not told, those $n points fail and no other"
    else
        not_ok "$name: with int 0x80 faulting in the sandbox and the probe not told, those $n points fail and no other" \
            "got:  $got" "want: $want" "$(cat "$o.ctl")"
    fi
done
