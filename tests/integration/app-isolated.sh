#!/bin/bash
# socket x11-isolated: the app gets an X server of its own (Xephyr), shown
# as one window on the caller's display (Xvfb here). The app draws inside
# the nested server; a client of the outer display sees only Xephyr's
# window, never the app's, and so cannot read it or send it input.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"
. "$HUTCH_SOURCE_DIR/tests/integration/app-lib.sh"

plan 11

export HOME=$TEST_TMP/home XDG_DATA_HOME=$TEST_TMP/data XDG_CONFIG_HOME=$TEST_TMP/config
mkdir -p "$HOME"
unset DISPLAY

run_hutch app --socket x11-isolated true
check "socket x11-isolated without DISPLAY is refused (125), saying why" refused "DISPLAY is not set"

skip_rest_without 10 "socket x11-isolated" "Debian: xvfb xserver-xephyr x11-apps x11-utils xdotool xauth" \
    Xvfb Xephyr xlogo xwininfo xdotool xauth mcookie

free_display d 150 190
# The outer display wants a cookie, as a desktop's does. (Outside
# $TEST_TMP: a process naming $TEST_TMP counts as left behind by hutch.)
XAUTHORITY=$(mktemp "${TMPDIR:-/tmp}/hutch-xauth.XXXXXX") || bail_out "mktemp"
export XAUTHORITY
remove_on_exit "$XAUTHORITY"
xauth -f "$XAUTHORITY" add ":$d" . "$(mcookie)"
start_xvfb "$d" 1280x1024x24 -auth "$XAUTHORITY"
export DISPLAY=":$d"

# --- inside: one display, :0, the nested one, and its cookie alone.
run_hutch app --socket x11-isolated sh -c 'echo "$DISPLAY"; ls -A /tmp/.X11-unix; xauth list | wc -l; xwininfo -root | grep -c "the root window"'
is "$rc:$(echo $out)" "0::0 X0 1 1" \
    "inside: DISPLAY=:0 is the only X socket, the app connects to it with the one cookie it holds"

# --- a real program in the nested server.
"$HUTCH" app --socket x11-isolated xlogo > "$TEST_TMP/xlogo.log" 2>&1 < /dev/null &
app=$!
nested= xephyr=
for _ in $(seq 300); do
    link=$(find "$XDG_RUNTIME_DIR/hutch" -maxdepth 2 -name x11 -type l 2> /dev/null | head -n 1)
    [ -n "$link" ] && nested=$(readlink "$link") && break
    running "$app" || break
    sleep 0.05
done
nested=${nested##*/X}
xephyr=$(pgrep -P "$app" -x Xephyr)
# The nested server takes only its cookie: the test gets it from the run
# directory, as only the caller can.
nested_auth=$TEST_TMP/nested.xauth
if [ -n "$link" ]; then
    cookie=$(xauth -f "${link%/x11}/xephyr.auth" list | awk '{ print $3 }' | head -n 1)
    xauth -f "$nested_auth" add ":$nested" MIT-MAGIC-COOKIE-1 "$cookie" 2> /dev/null
fi
inner=
[ -n "$link" ] && inner=$(DISPLAY=":$nested" XAUTHORITY=$nested_auth window "$app" '"xlogo"' 20)
like "$inner" '"xlogo"' "the app's window is in the nested server (xwininfo -root -tree on :$nested lists it)"
outer=$(xwininfo -root -tree 2> /dev/null)
given test -n "$inner" -- like "$outer" '"hutch: xlogo"' "the outer display shows the nested server's window, titled hutch: xlogo"
given test -n "$inner" -- unlike "$outer" '"xlogo"' "... and not the app's window: the outer display's clients do not see it"
found=$(xdotool search --name '^xlogo$' 2> /dev/null)
given test -n "$inner" -- is "$found" "" "xdotool on the outer display finds no xlogo window to send input to"
found_inner=$(DISPLAY=":$nested" XAUTHORITY=$nested_auth xdotool search --name '^xlogo$' 2> /dev/null)
given test -n "$inner" -- check "control: xdotool on the nested display finds it" test -n "$found_inner"

kill -TERM "$app" 2> /dev/null
wait_exit "$app" 15
is "$?" 143 "hutch app ends on SIGTERM with the command's status (128+15)"
gone=yes
[ -n "$xephyr" ] && running "$xephyr" && gone=no
[ -e "/tmp/.X11-unix/X$nested" ] || [ -e "/tmp/.X$nested-lock" ] && gone="no (socket or lock file left)"
given test -n "$xephyr" -a -n "$nested" -- is "$gone" yes "Xephyr stopped with the app, its socket and lock file removed"

# --- kill -9 of hutch: Xephyr goes too, and tidies up after itself.
"$HUTCH" app --socket x11-isolated sh -c 'echo up; sleep 60' > "$TEST_TMP/bg.log" 2>&1 < /dev/null &
bg=$!
wait_for_file "$TEST_TMP/bg.log" up 30 "$bg"
xephyr2=$(pgrep -P "$bg" -x Xephyr)
link=$(find "$XDG_RUNTIME_DIR/hutch" -maxdepth 2 -name x11 -type l 2> /dev/null | head -n 1)
nested2=$(readlink "$link" 2> /dev/null)
nested2=${nested2##*/X}
kill -KILL "$bg"
wait "$bg" 2> /dev/null
gone=no
for _ in $(seq 200); do
    [ -n "$xephyr2" ] || break
    if ! running "$xephyr2" && [ ! -e "/tmp/.X11-unix/X$nested2" ] && [ ! -e "/tmp/.X$nested2-lock" ]; then
        gone=yes
        break
    fi
    sleep 0.05
done
given test -n "$xephyr2" -a -n "$nested2" -- is "$gone" yes "kill -9 of hutch: Xephyr ends too, its socket and lock file removed"
given test -n "$xephyr2" -- assert_clean "kill -9 of hutch: nothing left behind" Xephyr
