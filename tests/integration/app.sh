#!/bin/bash
# hutch app: a program of this system in a sandbox whose root is a
# read-only view of the host's system folders, with a home of its own, and
# a real X11 program drawing its window on a real X server (Xvfb).
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"
. "$HUTCH_SOURCE_DIR/tests/integration/app-lib.sh"

plan 17

export HOME=$TEST_TMP/home XDG_DATA_HOME=$TEST_TMP/data XDG_CONFIG_HOME=$TEST_TMP/config
mkdir -p "$HOME/.ssh" "$TEST_TMP/dl"
echo "private key" > "$HOME/.ssh/id_test"
unset DISPLAY

# --- the view: system folders read-only, an empty home of the caller's.
run_hutch app sh -c '
    id -u; echo "home:$HOME"; ls -A "$HOME" | wc -l
    cat "$HOME/.ssh/id_test" 2>/dev/null || echo ssh:invisible
    touch "$HOME/w" && echo home:writable
    touch /usr/hutch-test 2>/dev/null || echo usr:read-only
    for d in /var /media /mnt /root /run/user; do [ -e "$d" ] && echo "seen:$d"; done
    echo ran'
is "$rc:$(echo $out)" "0:$(id -u) home:$HOME 0 ssh:invisible home:writable usr:read-only ran" \
    "hutch app: your ids, an empty home of your own, nothing of your files, the system read-only, no /var /media /mnt /root /run/user"
given ran 0 ran -- assert_clean "hutch app: nothing left behind"

# --- a profile's folder: writable, and the write lands on the host.
mkdir -p "$XDG_CONFIG_HOME/hutch/profiles"
printf 'include default-app\nvolume %s:${HOME}/Downloads\n' "$TEST_TMP/dl" > "$XDG_CONFIG_HOME/hutch/profiles/sh.profile"
run_hutch app sh -c 'echo saved > "$HOME/Downloads/file" && echo ran'
is "$rc:$out:$(cat "$TEST_TMP/dl/file" 2>/dev/null)" "0:ran:saved" "a profile's folder is writable, and the write lands on the host"
rm "$XDG_CONFIG_HOME/hutch/profiles/sh.profile"

# --- home persist: kept per program, under the data directory.
run_hutch app --home persist sh -c 'echo kept > "$HOME/note" && echo ran'
run_hutch app --home persist sh -c 'cat "$HOME/note"'
is "$rc:$out" "0:kept" "--home persist: the home is kept for the next run"
check "--home persist: it lives in the data directory" test -f "$XDG_DATA_HOME/hutch/home/sh/note"

run_hutch app --socket x11 sh -c 'echo ran'
check "socket x11 without DISPLAY is refused (125), saying why" refused "DISPLAY is not set"
run_hutch app no-such-program-here
check "a program not in PATH is refused (125)" refused "not found in your PATH"

# --- a real X11 program on a real X server.
skip_rest_without 10 "hutch app on an X server" "Debian: xvfb x11-apps x11-utils netpbm" \
    Xvfb xeyes xwininfo xwd xwdtopnm ppmhist xauth mcookie
# Two displays of the test's own: the app must see only its own.
free_display d1 90 130
free_display d2 $((d1 + 1)) 140
start_xvfb "$d1" 640x480x24
# The second display wants a cookie, as a desktop's does; the caller's
# Xauthority holds cookies for both displays.
# (Outside $TEST_TMP: the X servers name it, and a process naming
# $TEST_TMP counts as left behind by hutch.)
XAUTHORITY=$(mktemp "${TMPDIR:-/tmp}/hutch-xauth.XXXXXX") || bail_out "mktemp"
export XAUTHORITY
remove_on_exit "$XAUTHORITY"
xauth -f "$XAUTHORITY" add ":$d2" . "$(mcookie)"
xauth -f "$XAUTHORITY" add ":$d1" . "$(mcookie)"
start_xvfb "$d2" 320x240x24 -auth "$XAUTHORITY"
export DISPLAY=":$d1"

run_hutch app --socket x11 sh -c 'ls -A /tmp/.X11-unix; echo "$DISPLAY"'
is "$rc:$(echo $out)" "0:X$d1 :$d1" "socket x11: the app's display socket is the only one it sees, and DISPLAY names it"

"$HUTCH" app xeyes > "$TEST_TMP/xeyes.log" 2>&1 < /dev/null &
app=$!
win=$(window "$app" '"xeyes"' 10)
like "$win" '"xeyes"' "hutch app xeyes: its window is on the X server (xwininfo lists it)"
[ -n "$win" ] || diag "hutch app xeyes said: $(cat "$TEST_TMP/xeyes.log")"
# Mapped is not yet drawn: look again for a while.
colors=0
for _ in $(seq 40); do
    [ -n "$win" ] || break
    colors=$(xwd -root -silent 2>/dev/null | xwdtopnm 2>/dev/null | ppmhist -noheader 2>/dev/null | wc -l)
    [ "$colors" -gt 2 ] && break
    sleep 0.1
done
given test -n "$win" -- check "the screen is not blank: the window was drawn ($colors colours)" test "$colors" -gt 2
kill -TERM "$app" 2>/dev/null
wait_exit "$app" 10
app_rc=$?
is "$app_rc" 143 "hutch app xeyes ends on SIGTERM with the command's status (128+15)"
given test -n "$win" -- assert_clean "hutch app xeyes: nothing left behind"

# The shipped profiles of real X programs: each starts, and draws its window.
for prog in xterm xclock xlogo; do
    if ! command -v "$prog" > /dev/null; then
        skip "hutch app $prog: its window on the X server" "$prog is not installed"
        continue
    fi
    for attempt in 1 2; do
        "$HUTCH" app "$prog" > "$TEST_TMP/$prog.log" 2>&1 < /dev/null &
        pid=$!
        win=$(window "$pid" "\"$prog\"" 10)
        kill -TERM "$pid" 2>/dev/null
        wait_exit "$pid" 10
        st=$?
        # Once in a CI run (noholder setup, the suites in parallel) an X
        # client here failed its first connection to the test's Xvfb
        # ("Can't open display"): the server's reset as window()'s
        # xwininfo left, which start_xvfb's -noreset now prevents. Kept as a
        # guard that says so if it comes back: try once more.
        [ -z "$win" ] && [ $attempt = 1 ] && grep -q "Can't open display" "$TEST_TMP/$prog.log" || break
        diag "hutch app $prog: the X client could not connect once ($(cat "$TEST_TMP/$prog.log")); again"
    done
    like "$win" "\"$prog\"" "hutch app $prog (its shipped profile): the window is on the X server"
    [ -n "$win" ] || diag "hutch app $prog ended with $st, saying: $(cat "$TEST_TMP/$prog.log")"
done

# A display that wants its cookie: the app gets that one, and no other.
DISPLAY=":$d2" run_hutch app --socket x11 sh -c 'xwininfo -root | grep -c "the root window"; xauth list | wc -l'
is "$rc:$(echo $out)" "0:1 1" "socket x11 on a display that wants a cookie: the app connects, holding only that display's cookie"
DISPLAY=":$d2" run_hutch app --socket x11 sh -c 'XAUTHORITY=/nonexistent xwininfo -root > /dev/null 2>&1 || echo refused-without'
is "$rc:$out" "0:refused-without" "... and without the cookie the display refuses (the check can fail)"
