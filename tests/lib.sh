# tests/lib.sh: shared helpers for hutch's integration tests (bash, TAP).
#
# A test script sources this file first thing:
#
#   . "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"
#   plan 2
#   run_hutch run "$(busybox_layers)" /bin/sh -c 'cat /etc/motd; echo ran'
#   is "$rc/$(tail -n 1 <<< "$out")" "0/ran" "the command runs"
#   given ran 0 ran -- unlike "$out" "host" "the motd is the image's"
#
# Every point about a run checks hutch's exit status and something only the
# command in the sandbox can have printed (its output, or a marker it prints
# last): a point that would hold had hutch run nothing proves nothing.
# tests/meta/broken-hutch.sh runs every script with hutch replaced by stubs
# that run nothing, and fails if any point still passes.
#
# meson sets HUTCH (the built binary) and HUTCH_SOURCE_DIR. Every script gets
# a private temporary directory, $TEST_TMP, removed on exit, and a private
# $XDG_RUNTIME_DIR inside it, so that its run directories cannot be confused
# with those of another test running at the same time, and "nothing left
# behind" can be checked exactly.
#
# Sandboxes in tests run as an unprivileged user, never as root: a sandbox
# started by root would prove nothing about the rootless case, and a bug
# would hit the host with root's rights.

set -u

_tap_planned=0
_tap_count=0
_tap_failed=0

# ---------------------------------------------------------------- TAP output

# diag MESSAGE...: each MESSAGE (which may span lines) as TAP comments.
diag() {
    local msg line
    for msg in "$@"; do
        while IFS= read -r line; do
            printf '# %s\n' "$line"
        done <<< "$msg"
    done
}

bail_out() {
    printf 'Bail out! %s\n' "$*"
    printf 'hutch tests: %s\n' "$*" >&2
    exit 1
}

# plan N: the number of test points this script will print.
plan() {
    _tap_planned=$1
    printf '1..%s\n' "$1"
}

# skip_all REASON: the whole script cannot run on this host.
skip_all() {
    printf '1..0 # SKIP %s\n' "$*"
    exit 0
}

ok() {
    _tap_count=$((_tap_count + 1))
    printf 'ok %d - %s\n' "$_tap_count" "$*"
}

# not_ok DESC [DIAGNOSTIC...]
not_ok() {
    _tap_count=$((_tap_count + 1))
    _tap_failed=$((_tap_failed + 1))
    printf 'not ok %d - %s\n' "$_tap_count" "$1"
    shift
    [ $# -gt 0 ] && diag "$@"
    return 0
}

# skip DESC REASON: a test point this host cannot support.
skip() {
    _tap_count=$((_tap_count + 1))
    printf 'ok %d - %s # SKIP %s\n' "$_tap_count" "$1" "$2"
}

# skip_n COUNT DESC REASON: COUNT test points this host cannot support.
skip_n() {
    local i
    for ((i = 1; i <= $1; i++)); do
        skip "$2 ($i/$1)" "$3"
    done
}

# skip_rest_without N DESC HINT TOOL...: unless every TOOL is installed,
# the script's last N points are skipped, naming the missing ones and
# HINT (the packages), and the script ends there.
skip_rest_without() {
    local n=$1 desc=$2 hint=$3 t missing=
    shift 3
    for t; do
        command -v "$t" > /dev/null || missing="$missing $t"
    done
    [ -z "$missing" ] && return 0
    skip_n "$n" "$desc" "missing:$missing ($hint)"
    exit 0
}

# todo_fail DESC REASON [DIAGNOSTIC...]: a known failure, reported but expected.
todo_fail() {
    _tap_count=$((_tap_count + 1))
    printf 'not ok %d - %s # TODO %s\n' "$_tap_count" "$1" "$2"
    shift 2
    [ $# -gt 0 ] && diag "$@"
    return 0
}

# check DESC CONDITION...: ok when the command CONDITION... succeeds. The
# last hutch run's output is shown when it fails.
check() {
    local desc=$1
    shift
    if "$@"; then
        ok "$desc"
    else
        not_ok "$desc" "failed: $*" "$(last_run)"
    fi
}

# is GOT WANT DESC
is() {
    if [ "$1" = "$2" ]; then
        ok "$3"
    else
        not_ok "$3" "got:  '$1'" "want: '$2'" "$(last_run)"
    fi
}

# like TEXT PATTERN DESC: TEXT contains the fixed string PATTERN.
like() {
    case $1 in
    *"$2"*) ok "$3" ;;
    *) not_ok "$3" "'$1'" "does not contain '$2'" "$(last_run)" ;;
    esac
}

# unlike TEXT PATTERN DESC
unlike() {
    case $1 in
    *"$2"*) not_ok "$3" "'$1'" "contains '$2'" "$(last_run)" ;;
    *) ok "$3" ;;
    esac
}

# ran RC [MARKER]: the last run ended with status RC and, when MARKER is
# given, its stdout holds MARKER as a whole line: the command's own proof
# that it ran in the sandbox and got that far. (A check of what a command
# printed, or did not print, proves nothing if it never ran.)
ran() {
    [ "$rc" = "$1" ] || return 1
    [ $# -lt 2 ] || grep -qxF -- "$2" <<< "$out"
}

# refused [TEXT]: hutch itself refused the last run: exit 125, nothing on
# stdout, and its message ("hutch: ...", containing TEXT) on stderr. A
# stub that exits 125 and says nothing is not hutch refusing.
refused() {
    [ "$rc" = 125 ] && [ -z "$out" ] && [[ $err == "hutch: "* ]] && [[ $err == *"${1:-}"* ]]
}

# given CONDITION... -- POINT ARGS...: the test point POINT ARGS... (is,
# like, unlike, check, assert_clean) when the command CONDITION... succeeds;
# when it does not, that point is not ok, naming the condition. For points
# that would hold with no sandbox at all ("the secret is not in the
# output", "nothing was left behind", "the layers are unchanged"): they
# count only when the run they look at really happened.
given() {
    local cond=() desc
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        cond+=("$1")
        shift
    done
    shift
    if "${cond[@]}"; then
        "$@"
        return 0
    fi
    case $1 in
    check | assert_clean) desc=$2 ;;
    *) desc=${!#} ;;
    esac
    not_ok "$desc" "not checked: what it looks at did not happen (${cond[*]} failed)" "$(last_run)"
}

_tap_finish() {
    local status=$?
    if [ "$_tap_planned" -gt 0 ] && [ "$_tap_count" -ne "$_tap_planned" ]; then
        printf '# planned %d tests but ran %d\n' "$_tap_planned" "$_tap_count"
    fi
    if [ "$_sanitizer_reports" -gt 0 ]; then
        printf '# %d run(s) printed a sanitizer report (see above): failing the script\n' "$_sanitizer_reports"
        status=1
    fi
    _cleanup_tmp
    exit "$status"
}

# ------------------------------------------------------- sanitizer reports

# In a sanitizer build (tests/meson.build sets HUTCH_SANITIZED=1), a report
# stops the process that made it with status 86, which fails the test point
# that checks hutch's status. But nobody reads the status of some of hutch's
# processes: the keeper after it has passed the command's status on, the
# forwarder. Their reports still reach hutch's stderr, so every run's stderr
# is searched, and a script in which one was seen fails at its end.
_sanitizer_reports=0
_check_sanitizer() {
    [ "${HUTCH_SANITIZED:-0}" = 1 ] || return 0
    case $1 in
    *"ERROR: AddressSanitizer"* | *"ERROR: LeakSanitizer"* | *": runtime error: "*)
        _sanitizer_reports=$((_sanitizer_reports + 1))
        diag "sanitizer report from: $_last_cmd" "$1"
        ;;
    esac
}

# ------------------------------------------------------------- environment

if [ "$(id -u)" -eq 0 ]; then
    bail_out "run the tests as an unprivileged user (e.g. runuser -u hutchtest -- meson test -C build): sandboxes in tests must not run as root"
fi
[ -n "${HUTCH:-}" ] || bail_out "HUTCH is not set; run the tests with meson test -C build"
[ -x "$HUTCH" ] || bail_out "HUTCH=$HUTCH is not an executable; build first (ninja -C build)"
HUTCH_SOURCE_DIR=${HUTCH_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

TEST_NAME=$(basename "$0" .sh)
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hutch-test-$TEST_NAME.XXXXXX") || bail_out "mktemp failed"
# Own runtime directory: what hutch leaves in it is ours alone to account for.
export XDG_RUNTIME_DIR=$TEST_TMP/xdg
mkdir -m 0700 "$XDG_RUNTIME_DIR"
RUN_BASE=$XDG_RUNTIME_DIR/hutch
# The caller's environment must not matter, and must not leak: give every
# script the same small one.
export LC_ALL=C
unset TERM

# remove_on_exit PATH: a path outside $TEST_TMP to remove when the script ends.
_remove_on_exit=()
remove_on_exit() {
    _remove_on_exit+=("$1")
}

# kill_on_exit PID: a background process of this shell (a server the test
# started) to stop when the script ends, however it ends.
_kill_on_exit=()
kill_on_exit() {
    _kill_on_exit+=("$1")
}

_cleanup_tmp() {
    local p
    for p in "${_kill_on_exit[@]}"; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    for p in "${_remove_on_exit[@]}"; do
        chmod -R u+rwX "$p" 2>/dev/null
        rm -rf "$p"
    done
    [ -n "${TEST_TMP:-}" ] && [ -d "$TEST_TMP" ] || return 0
    # Kill anything a failed test left running with our paths in its command
    # line, so that the directory can go.
    pkill -KILL -f -- "$TEST_TMP" 2>/dev/null
    chmod -R u+rwX "$TEST_TMP" 2>/dev/null
    rm -rf "$TEST_TMP" 2>/dev/null || diag "could not remove $TEST_TMP completely"
}
trap _tap_finish EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# --------------------------------------------------------- running hutch

# hutch ARGS...: the hutch under test.
hutch() {
    "$HUTCH" "$@"
}

# run_hutch ARGS...: run hutch, stdin from /dev/null; sets rc, out, err.
run_hutch() {
    run "$HUTCH" "$@"
}

# run CMD...: run any command; sets rc, out (stdout) and err (stderr).
run() {
    "$@" < /dev/null > "$TEST_TMP/.out" 2> "$TEST_TMP/.err"
    rc=$?
    out=$(cat "$TEST_TMP/.out")
    err=$(cat "$TEST_TMP/.err")
    _last_cmd="$*"
    _check_sanitizer "$err"
    return 0
}
rc=0 out='' err='' _last_cmd=''

# The last run, for diagnostics.
last_run() {
    [ -n "$_last_cmd" ] || return 0
    printf 'last run: %s\nexit status: %s\nstdout: %s\nstderr: %s\n' "$_last_cmd" "$rc" "$out" "$err"
}

# free_port: a TCP/UDP port nobody listens on.
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 20000))
        ss -Htaun "( sport = :$p )" 2>/dev/null | grep -q . || { echo "$p"; return; }
    done
}

# ------------------------------------------------------------- host checks

# have_fuse: the fuse-overlayfs backend is built in (HUTCH_HAVE_FUSE, from
# meson: 0 with -Dfuse=disabled) and the host has what it needs.
have_fuse() {
    [ "${HUTCH_HAVE_FUSE:-1}" = 1 ] &&
        command -v fuse-overlayfs > /dev/null && [ -r /dev/fuse ] && [ -w /dev/fuse ]
}

# Whether the kernel mounts overlayfs inside a user namespace (5.11+): no
# only when hutch says so, failing with its message (kept for the SKIP
# line). A hutch that fails without one, or succeeds without running the
# command, is broken, not a sign of an old kernel: the checks then run, and
# fail, instead of being skipped.
_kernel_overlay='' _kernel_overlay_why=''
have_kernel_overlay() {
    local o e r
    if [ -z "$_kernel_overlay" ]; then
        o=$("$HUTCH" run --overlay kernel "$(busybox_layers)" /bin/sh -c 'echo overlay-ran' 2> "$TEST_TMP/.overlay-err" < /dev/null)
        r=$?
        e=$(cat "$TEST_TMP/.overlay-err")
        if [ "$r" != 0 ] && [[ $e == "hutch: "* ]]; then
            _kernel_overlay=no _kernel_overlay_why=$(head -n 1 <<< "$e")
        else
            _kernel_overlay=yes
            [ "$r" = 0 ] && [ "$o" = overlay-ran ] ||
                diag "hutch --overlay kernel neither ran the command nor said why (exit $r): the kernel checks run"
        fi
    fi
    [ "$_kernel_overlay" = yes ]
}

# have_backend kernel|fuse
have_backend() {
    case $1 in
    kernel) have_kernel_overlay ;;
    fuse) have_fuse ;;
    *) return 1 ;;
    esac
}

# Why a backend is missing, for SKIP lines.
backend_missing_reason() {
    case $1 in
    kernel) echo "this kernel does not mount overlayfs in a user namespace ($_kernel_overlay_why)" ;;
    fuse)
        if [ "${HUTCH_HAVE_FUSE:-1}" = 1 ]; then
            echo "fuse-overlayfs or a usable /dev/fuse is missing"
        else
            echo "hutch was built without it (-Dfuse=disabled)"
        fi ;;
    esac
}

# subid_ranges uid|gid: this user's subordinate ranges, "START COUNT" lines,
# read from /etc/subuid or /etc/subgid (by name or by number).
subid_ranges() {
    local file=/etc/sub$1 name id
    name=$(id -un)
    id=$(id -u)
    [ -r "$file" ] || return 0
    awk -F: -v n="$name" -v u="$id" '$1 == n || $1 == u { print $2, $3 }' "$file"
}

have_subids() {
    [ -n "$(subid_ranges uid)" ] && [ -n "$(subid_ranges gid)" ] &&
        command -v newuidmap > /dev/null && command -v newgidmap > /dev/null
}

# ------------------------------------------------------------- test roots

# busybox_layers: the path of a layers: ROOT built once per script with
# helpers/hutch-demo-layers (00-base with a static busybox, 10-httpd on top).
# Prints "layers:DIR".
busybox_layers() {
    local dir=$TEST_TMP/layers
    if [ ! -d "$dir/00-base" ]; then
        make_busybox_layers "$dir" || bail_out "cannot build the busybox layers in $dir"
    fi
    printf 'layers:%s\n' "$dir"
}

# make_busybox_layers DIR: a fresh copy of the demo layers at DIR. Where
# HUTCH_TEST_LAYERS names a directory of layers already built (the
# broken-hutch test builds them once for every script it runs), they are
# copied from there: the same tree, without a second of forks per script.
make_busybox_layers() {
    local out
    if [ -n "${HUTCH_TEST_LAYERS:-}" ] && [ -d "$HUTCH_TEST_LAYERS/00-base" ]; then
        mkdir -p "$1" && cp -a "$HUTCH_TEST_LAYERS/." "$1/"
        return
    fi
    if ! out=$("$HUTCH_SOURCE_DIR/helpers/hutch-demo-layers" "$1" 2>&1); then
        case $out in
        *"need a static busybox"*) skip_all "no static busybox (apt install busybox-static)" ;;
        esac
        printf '%s\n' "$out" >&2
        return 1
    fi
}

# base_layer: the 00-base layer of busybox_layers, a complete busybox root.
base_layer() {
    busybox_layers > /dev/null
    printf '%s\n' "$TEST_TMP/layers/00-base"
}

# tree_state DIR: a listing of DIR that changes when anything in it does
# (names, types, modes, owners, sizes, mtimes, ctimes, contents, xattrs).
tree_state() {
    (
        cd "$1" || exit 1
        find . -printf '%p %y %m %U:%G %s %T@ %C@ %l\n' | LC_ALL=C sort
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0r md5sum
        if command -v getfattr > /dev/null; then
            getfattr -R -h -d -m - . 2>/dev/null
        fi
    )
}

# ------------------------------------------------- the namespace holder

# holder_map_to_host KIND: "inside outside count" lines (stdin) as a sandbox
# reads its /proc/self/KIND_map. On the holder path (launcher/holder.c) the
# sandbox's user namespace is nested in the holder's, and the kernel shows
# a reader in that namespace the outside ids of its parent, the holder's:
# through the holder's own map (read from the host) they become the host's.
# Without a live holder recorded under $XDG_RUNTIME_DIR the lines pass as
# they are. An id the holder does not map comes out as "unmapped:ID".
holder_map_to_host() {
    local kind=$1 hp
    hp=$(sed -n 's/^pid //p' "$XDG_RUNTIME_DIR/hutch-holder/state" 2> /dev/null)
    if [ -n "${HUTCH_NO_HOLDER:-}" ] || [ -z "$hp" ] || [ ! -r "/proc/$hp/${kind}_map" ]; then
        cat
        return
    fi
    awk 'BEGIN { n = 0 } NR == FNR { pin[n] = $1; pout[n] = $2; pc[n] = $3; n++; next }
         { i = $1; o = $2; left = $3
           while (left > 0) {
               for (j = 0; j < n; j++) if (o >= pin[j] && o < pin[j] + pc[j]) break
               if (j == n) { print i, "unmapped:" o, left; break }
               take = pin[j] + pc[j] - o; if (take > left) take = left
               print i, pout[j] + (o - pin[j]), take
               i += take; o += take; left -= take } }' "/proc/$hp/${kind}_map" -
}

# host_maps TEXT: TEXT with "uid_map" and "gid_map" header lines, each
# followed by its map's lines, with the maps seen from the host.
host_maps() {
    local kind='' line
    while IFS= read -r line; do
        case $line in
        uid_map | gid_map) kind=${line%_map}; echo "$line" ;;
        [0-9]*" "[0-9]*" "[0-9]*)
            if [ -n "$kind" ]; then holder_map_to_host "$kind" <<< "$line"; else echo "$line"; fi ;;
        *) kind=''; echo "$line" ;;
        esac
    done <<< "$1"
}

# ---------------------------------------------------- nothing left behind

# proc_key PID: "PID:STARTTIME", to tell a process from a later one that
# reuses its pid.
proc_key() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    # After "(comm) " come field 3 (state) onwards; starttime is field 22.
    set -- "$1" ${stat##*) }
    printf '%s:%s\n' "$1" "${21}"
}

# descendants PID: PID and every process below it, as proc_key lines.
descendants() {
    local all pids=" $1 " grew=1 p pp
    all=$(ps -e -o pid= -o ppid=)
    while [ $grew = 1 ]; do
        grew=0
        while read -r p pp; do
            case $pids in
            *" $pp "*)
                case $pids in *" $p "*) ;; *) pids="$pids$p " grew=1 ;; esac ;;
            esac
        done <<< "$all"
    done
    for p in $pids; do
        proc_key "$p"
    done
}

# alive KEYS...: print the keys (from descendants) still alive. A zombie
# counts as gone: it holds nothing but its pid until its (new) parent, maybe
# the host's pid 1, gets round to reaping it.
alive() {
    local k pid stat
    for k in "$@"; do
        pid=${k%%:*}
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        set -- ${stat##*) }
        case $1 in Z | X) continue ;; esac
        [ "$(proc_key "$pid")" = "$k" ] && printf '%s ' "$k"
    done
    return 0
}

# leftovers [PATTERN...]: what hutch left behind, one line each, empty when
# nothing: processes whose command line contains $TEST_TMP (the keeper
# carries hutch's arguments, fuse-overlayfs its run directory; the sandbox's
# init calls itself hutch-init, and dies with the keeper) or a
# PATTERN; host mounts under $TEST_TMP; entries in the run base directory.
leftovers() {
    local pat p
    for pat in "$TEST_TMP" "$@"; do
        for p in $(pgrep -f -- "$pat"); do
            [ "$p" = "$$" ] && continue
            printf 'process %s: %s\n' "$p" "$(tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline")"
        done
    done
    grep -F -- "$TEST_TMP" /proc/self/mountinfo | sed 's/^/mount: /'
    if [ -d "$RUN_BASE" ]; then
        find "$RUN_BASE" -mindepth 1 -maxdepth 1 | sed 's/^/run directory: /'
    fi
    # The fallback base, when XDG_RUNTIME_DIR is not usable.
    if [ -n "${FALLBACK_BASE_BEFORE+set}" ] && [ -d "/tmp/hutch-$(id -u)/run" ]; then
        comm -13 <(printf '%s\n' "$FALLBACK_BASE_BEFORE") \
            <(find "/tmp/hutch-$(id -u)/run" -mindepth 1 -maxdepth 1 | LC_ALL=C sort) |
            sed '/^$/d; s/^/run directory: /'
    fi
    return 0
}

# wait_clean SECONDS [PATTERN...]: wait until leftovers is empty; prints
# what is left when time runs out. Succeeds when clean.
wait_clean() {
    local secs=$1 left i
    shift
    for ((i = 0; i < secs * 20; i++)); do
        left=$(leftovers "$@")
        [ -z "$left" ] && return 0
        sleep 0.05
    done
    printf '%s\n' "$left"
    return 1
}

# assert_clean DESC [PATTERN...]: a test point: nothing left behind.
assert_clean() {
    local desc=$1 left
    shift
    if left=$(wait_clean 5 "$@"); then
        ok "$desc"
    else
        not_ok "$desc" "left behind:" "$left"
    fi
}

# proc_state PID: the state letter of a process (R, S, Z...), empty if gone.
proc_state() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    set -- ${stat##*) }
    printf '%s\n' "$1"
}

# wait_exit PID [SECONDS]: wait for a background job of this shell and
# return its status; when it has not ended in time, kill -9 it and return
# 124, so that a test of an ending fails instead of hanging until meson's
# timeout.
wait_exit() {
    local pid=$1 secs=${2:-10} i st
    for ((i = 0; i < secs * 20; i++)); do
        st=$(proc_state "$pid")
        [ -z "$st" ] || [ "$st" = Z ] && break
        sleep 0.05
    done
    if [ -n "$st" ] && [ "$st" != Z ]; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 124
    fi
    wait "$pid"
}

# wait_for_file FILE TEXT [SECONDS] [PID]: wait until FILE contains TEXT.
# With PID (the background hutch that is to write it), give up as soon as
# that process has ended without writing it.
wait_for_file() {
    local i secs=${3:-10} pid=${4:-}
    for ((i = 0; i < secs * 50; i++)); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        if [ -n "$pid" ] && ! running "$pid"; then
            grep -qF -- "$2" "$1" 2>/dev/null
            return
        fi
        sleep 0.02
    done
    return 1
}

# running PID: the process is there and not a zombie.
running() {
    local st
    st=$(proc_state "$1")
    [ -n "$st" ] && [ "$st" != Z ]
}

# wait_for_socket PATH [SECONDS]: wait until PATH is a socket (a server
# the test started is listening); false when it is not within SECONDS.
wait_for_socket() {
    local i
    for ((i = 0; i < ${2:-10} * 20; i++)); do
        [ -S "$1" ] && return 0
        sleep 0.05
    done
    return 1
}
