# tests/security/lib-security.sh: what the security tests share, on top of
# tests/lib.sh (TAP, hutch, the busybox root, cleanup).
#
# Each test shows a technique blocked under the default policy AND, so that
# it cannot pass vacuously, the same technique working (or at least reaching
# the kernel) when the protection is lifted: usually with
#   --seccomp unconfined --cap-add ALL --landlock off   ($UNCONFINED)
# and where a protection cannot be lifted from the command line, with a
# control that shows the check itself can see an escape.
#
# To see the suite fail without the protections, set HUTCH_TEST_LIFT to
# options added after every test's own, e.g.
#   HUTCH_TEST_LIFT="--seccomp unconfined --cap-add ALL --landlock off --unmask ALL"
# (later options win, so this lifts the protections of every run).
#
# The int 0x80 entry: a kernel built without IA32 emulation, or booted with
# ia32_emulation=0, kills every int 0x80 with a protection fault (SIGSEGV),
# inside hutch or not; there is nothing for a filter to refuse. Each script
# asks the kernel once, outside any sandbox (int80_refused: sysprobe makes
# an int 0x80 getpid on the host, without hutch, so a broken hutch cannot
# turn the answer into a skip), and where the kernel refuses, its int 0x80
# points are SKIPs with that reason (int80). To simulate such a kernel:
#   HUTCH_TEST_NO_INT80=1        sysprobe's int 0x80 faults as it would
#                                there, on the host and in every sandbox
#                                (passed in with -e): the probe answers
#                                "refused" and the points skip;
#   HUTCH_TEST_NO_INT80=sandbox  only the probes in the sandboxes fault,
#                                the host probe does not: the int 0x80
#                                points run, and fail (what they would do on
#                                such a kernel without the probe).
# tests/meta/no-int80.sh runs the scripts both ways.

if [ ! -f "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh" ]; then
    echo "Bail out! tests/lib.sh (the helpers shared with the integration tests) is missing from $HUTCH_SOURCE_DIR"
    exit 1
fi
. "$HUTCH_SOURCE_DIR/tests/lib.sh"

PROBES=${HUTCH_PROBES:?HUTCH_PROBES is not set; run the tests with meson test}
UNCONFINED=(--seccomp unconfined --cap-add ALL --landlock off)
DEFAULT_PROFILE=$HUTCH_SOURCE_DIR/profiles/seccomp/default.json

# Errors the marked profile answers with (see marked_profile).
MARK=4000
MARK_DEFAULT=4001

# have_probe NAME: whether the probe NAME was built. The probes are built
# only where the compiler links statically; where it cannot, meson says why
# in HUTCH_PROBES_MISSING, and a missing probe is a skip. Otherwise a
# missing probe is a broken build, and the script stops.
have_probe() {
    [ -x "$PROBES/$1" ] && return 0
    [ -n "${HUTCH_PROBES_MISSING:-}" ] && return 1
    bail_out "no probe $1 in $PROBES; build first (ninja -C build)"
}

# need_probes NAME...: the whole script needs these probes; without them it
# prints a TAP skip_all with the reason (call it before plan).
need_probes() {
    local p
    for p in "$@"; do
        have_probe "$p" || skip_all "no $p probe: $HUTCH_PROBES_MISSING"
    done
}

need_x86_64() {
    [ "$(uname -m)" = x86_64 ] || skip_all "the probes test the x86-64 system call entries"
    need_probes sysprobe
    int80_refused || true
}

INT80_REASON="this kernel refuses int 0x80 everywhere (no IA32 emulation): nothing to filter"

# int80_refused: whether this kernel refuses int 0x80 to every process
# (see above). sysprobe runs on the host, as the test user, once per
# script; its answer is kept in $TEST_TMP/int80 (so a call from a subshell
# sees it too). Only a death by SIGSEGV or SIGILL counts as refused: an
# answer, an error, or anything unexpected (said as a diagnostic) lets the
# points run and show it.
int80_refused() {
    local f=$TEST_TMP/int80 res sim=
    if [ ! -f "$f" ]; then
        res="no probe"
        [ "${HUTCH_TEST_NO_INT80:-}" = 1 ] && sim=1
        if [ "$(uname -m)" = x86_64 ] && [ -x "$PROBES/sysprobe" ]; then
            res=$(probe_result "$(HUTCH_TEST_NO_INT80=$sim "$PROBES/sysprobe" i386 getpid 2>&1)" getpid i386)
        fi
        printf '%s\n' "$res" > "$f" || bail_out "cannot write $f"
        case $res in
        ok) ;;
        "killed 11" | "killed 4")
            diag "int 0x80 getpid on the host, outside any sandbox: $res${sim:+ (simulated: HUTCH_TEST_NO_INT80=1)}; the int 0x80 points skip"
            ;;
        *) diag "int 0x80 getpid on the host, outside any sandbox: $res (unexpected); the int 0x80 points run" ;;
        esac
    fi
    case $(< "$f") in
    "killed 11" | "killed 4") return 0 ;;
    esac
    return 1
}

# int80 POINT ARGS...: a test point (is, like, check, ok, ...) about the
# int 0x80 entry; a SKIP with the reason where the kernel refuses int 0x80
# everywhere. The point's description is its last argument (check's is
# its first).
int80() {
    local desc
    if int80_refused; then
        case $1 in
        check) desc=$2 ;;
        *) desc=${!#} ;;
        esac
        skip "$desc" "$INT80_REASON"
        return 0
    fi
    "$@"
}

# The options that carry a simulated kernel without int 0x80 into a sandbox.
_int80_sim() {
    case ${HUTCH_TEST_NO_INT80:-} in
    1 | sandbox) printf '%s\n' -e HUTCH_TEST_NO_INT80=1 ;;
    esac
}

# sandbox [OPTIONS...] -- COMMAND...: run COMMAND as `hutch run` would in
# the busybox root, with the probes at /probes; sets rc, out, err. The
# output's carriage returns and NULs (from a pty) are dropped.
sandbox() {
    local opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    # shellcheck disable=SC2046,SC2086
    run_hutch run -v "$PROBES:/probes:ro" $(_int80_sim) "${opts[@]}" ${HUTCH_TEST_LIFT:-} "$(busybox_layers)" "$@"
}

# in_pty COMMAND-LINE: run a shell command line under script(1), so that
# it has a real pseudo-terminal as its stdin, stdout and controlling
# terminal; sets rc, out, err like run.
in_pty() {
    run script -qec "$1" /dev/null
    # script(1) may push an EOF into the terminal when its own stdin ends,
    # which the terminal echoes as ^@.
    out=$(printf '%s' "$out" | tr -d '\r\000' | sed 's/\^@//g')
}

# marked_profile: hutch's default profile with every errno it answers made
# unmistakable: MARK for the calls it names, MARK_DEFAULT for the calls it
# does not. A call that comes back with one of them was stopped by the
# filter, not by the kernel (which often says EPERM for its own reasons,
# such as a missing capability in the host's namespace). Prints its path.
marked_profile() {
    local p=$TEST_TMP/marked.json
    if [ ! -f "$p" ]; then
        sed -e "s/\"errnoRet\": [0-9]*/\"errnoRet\": $MARK/g" \
            -e "s/\"defaultErrnoRet\": [0-9]*/\"defaultErrnoRet\": $MARK_DEFAULT/" \
            "$DEFAULT_PROFILE" > "$p" || bail_out "cannot write $p"
        grep -q "\"errnoRet\": $MARK" "$p" || bail_out "the default profile has no errnoRet to mark"
    fi
    printf '%s\n' "$p"
}

# probe_result OUT NAME ENTRY: the result sysprobe printed for a call, as
# "ok", "errno N", "killed N" or "none".
probe_result() {
    local line
    line=$(printf '%s\n' "$1" | awk -v n="$2" -v e="$3" '$1 == n && $2 == e { $1 = ""; $2 = ""; sub(/^  /, ""); print; exit }')
    case $line in
    ok*) echo ok ;;
    '') echo missing ;;
    *) echo "$line" ;;
    esac
}

# filtered RESULT: the result came from a seccomp filter (the marked
# profile's errno, or SIGSYS).
filtered() {
    case $1 in
    "errno $MARK" | "errno $MARK_DEFAULT" | "killed 31") return 0 ;;
    esac
    return 1
}

# marked RESULT: the call came back with one of the marked profile's
# errnos: the filter answered it through its rules (an entry the filter
# does not take kills instead, which filtered accepts and this does not).
marked() {
    case $1 in
    "errno $MARK" | "errno $MARK_DEFAULT") return 0 ;;
    esac
    return 1
}

# reached RESULT: the call came back from the kernel, with an answer or an
# errno of its own: not a marker of the filter, not a death (SIGSYS from
# a filter, SIGSEGV where the kernel has no such entry), not missing.
reached() {
    case $1 in
    ok*) return 0 ;;
    "errno "*) ! filtered "$1" ;;
    *) return 1 ;;
    esac
}

# hutch_line [OPTIONS...] -- COMMAND...: the same run as sandbox, as one
# shell-quoted command line (for script(1) and background runs).
hutch_line() {
    local opts=() w line
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    # shellcheck disable=SC2046,SC2086
    set -- "$HUTCH" run -v "$PROBES:/probes:ro" $(_int80_sim) "${opts[@]}" ${HUTCH_TEST_LIFT:-} "$(busybox_layers)" "$@"
    line=''
    for w in "$@"; do
        line="$line $(printf '%q' "$w")"
    done
    printf '%s\n' "${line# }"
}
