# tests/integration/app-lib.sh: the X servers and windows that the tests
# of hutch app share (app, app-isolated, app-programs). Not a test: a
# script sources it after tests/lib.sh:
#
#   . "$HUTCH_SOURCE_DIR/tests/integration/app-lib.sh"

# free_display VAR FROM TO: VAR set to the first X display number in
# FROM..TO that no server has taken (no socket, no lock file).
free_display() {
    local _n
    for _n in $(seq "$2" "$3"); do
        [ -e "/tmp/.X11-unix/X$_n" ] || [ -e "/tmp/.X$_n-lock" ] || { printf -v "$1" %s "$_n"; return 0; }
    done
    bail_out "no free X display between :$2 and :$3"
}

# start_xvfb N SIZE [XVFB-ARG...]: an Xvfb of the test's own on display :N,
# one screen of SIZE (WIDTHxHEIGHTxDEPTH), with XVFB-ARGs (-auth FILE);
# its log $TEST_TMP/xvfb-N.log; stopped when the script ends. Returns once
# it listens. -noreset: an X server resets when its last client goes, and a
# client that connects meanwhile is refused ("Can't open display", or
# "Invalid MIT-MAGIC-COOKIE-1 key" as the cookies are read again). The
# tests' window() polls with xwininfo, a client that comes and goes, while
# the app connects: that was the "first connection fails" seen in CI
# (reproduced: 19 of 300 connections refused beside an xwininfo loop; 0
# with -noreset).
start_xvfb() {
    local n=$1 size=$2
    shift 2
    Xvfb ":$n" -nolisten tcp -noreset "$@" -screen 0 "$size" > "$TEST_TMP/xvfb-$n.log" 2>&1 &
    kill_on_exit $!
    wait_for_socket "/tmp/.X11-unix/X$n" 10 || bail_out "Xvfb :$n did not start: $(tail -n 3 "$TEST_TMP/xvfb-$n.log")"
}

# window PID PATTERN [SECONDS]: wait for a window whose line in the window
# tree of $DISPLAY matches PATTERN (grep -E) while hutch (PID) runs;
# prints the line.
window() {
    local i line
    for ((i = 0; i < ${3:-60} * 5; i++)); do
        line=$(xwininfo -root -tree 2> /dev/null | grep -E -- "$2" | head -n 1)
        [ -n "$line" ] && { echo "$line"; return 0; }
        running "$1" || return 1
        sleep 0.2
    done
    return 1
}
