#!/bin/bash
# hutch app's D-Bus through xdg-dbus-proxy: with a session bus of the
# test's own (dbus-daemon) and a real service on it owning two names, the
# app reaches the name its profile allows and not the other; without the
# proxy (the bus's own socket bound in) the other name answers, so the
# refusal is the proxy's. The proxy runs only while the app does, and goes
# with hutch whatever the ending (kill -9 included).
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 12

export HOME=$TEST_TMP/home XDG_DATA_HOME=$TEST_TMP/data XDG_CONFIG_HOME=$TEST_TMP/config
mkdir -p "$HOME" "$XDG_CONFIG_HOME/hutch/profiles"
unset DISPLAY DBUS_SESSION_BUS_ADDRESS DBUS_SYSTEM_BUS_ADDRESS

# Refusals first: they need nothing of the host.
run_hutch app --dbus-session talk=org.example.App true
check "dbus-session without a session bus is refused (125), saying why" refused "DBUS_SESSION_BUS_ADDRESS is not set"
run_hutch app --dbus-session talk=not-a-name true
check "a bad bus name is refused (125), naming it" refused "talk=not-a-name"

missing=
for t in dbus-daemon dbus-send xdg-dbus-proxy python3; do
    command -v "$t" > /dev/null || missing="$missing $t"
done
python3 -c 'import dbus, gi.repository.GLib' 2> /dev/null || missing="$missing python3-dbus/python3-gi"
if [ -n "$missing" ]; then
    skip_n 10 "D-Bus through xdg-dbus-proxy" "missing:$missing (Debian: dbus-daemon dbus-bin xdg-dbus-proxy python3-dbus python3-gi)"
    exit 0
fi

# The bus and its service, outside $TEST_TMP: a process naming $TEST_TMP
# counts as left behind by hutch.
busdir=$(mktemp -d "${TMPDIR:-/tmp}/hutch-dbus.XXXXXX") || bail_out "mktemp"
remove_on_exit "$busdir"
dbus-daemon --session --nofork --nopidfile --address="unix:path=$busdir/bus" --print-address=1 > "$busdir/address" 2> "$busdir/daemon.log" &
daemon=$!
trap 'kill $daemon $service 2>/dev/null; _tap_finish' EXIT
service=
for _ in $(seq 200); do
    [ -s "$busdir/address" ] && break
    sleep 0.05
done
DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$busdir/address")
export DBUS_SESSION_BUS_ADDRESS
[ -n "$DBUS_SESSION_BUS_ADDRESS" ] || bail_out "dbus-daemon gave no address: $(cat "$busdir/daemon.log")"

# A real service: one process owning org.hutchtest.Allowed and
# org.hutchtest.Forbidden, whose Ping answers with the name it was called by.
python3 -c '
import dbus, dbus.service, dbus.mainloop.glib
from gi.repository import GLib
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.SessionBus()
class Svc(dbus.service.Object):
    def __init__(self, name):
        self.name = name
        dbus.service.Object.__init__(self, dbus.service.BusName(name, bus), "/org/hutchtest/" + name.split(".")[-1])
    @dbus.service.method("org.hutchtest.Ping", out_signature="s")
    def Ping(self):
        return "pong-" + self.name
keep = [Svc("org.hutchtest.Allowed"), Svc("org.hutchtest.Forbidden")]
GLib.MainLoop().run()
' 2> "$busdir/service.log" &
service=$!
owned() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner "string:$1" 2> /dev/null | grep -q 'boolean true'
}
for _ in $(seq 200); do
    owned org.hutchtest.Forbidden && owned org.hutchtest.Allowed && break
    sleep 0.05
done
owned org.hutchtest.Forbidden || bail_out "the test's D-Bus service did not start: $(cat "$busdir/service.log")"

ping() {  # ping NAME: the call, as the app makes it
    printf 'dbus-send --session --print-reply=literal --dest=org.hutchtest.%s /org/hutchtest/%s org.hutchtest.Ping.Ping && echo' "$1" "$1"
}
cat > "$XDG_CONFIG_HOME/hutch/profiles/sh.profile" << 'P'
include default-app
dbus-session talk=org.hutchtest.Allowed own=org.hutchtest.Mine
P

# --- the allowed name answers, the other does not.
run_hutch app sh -c "$(ping Allowed); { $(ping Forbidden); } 2>/dev/null || echo forbidden:refused; echo ran"
is "$rc:$(echo $out)" "0:pong-org.hutchtest.Allowed forbidden:refused ran" \
    "dbus-session talk=org.hutchtest.Allowed: that name answers, org.hutchtest.Forbidden does not"
given ran 0 ran -- assert_clean "the proxy ends with the app: nothing left behind" xdg-dbus-proxy

# --- the control: the bus's own socket, no proxy: the other name answers.
run_hutch app --volume "$busdir:$busdir" -e "DBUS_SESSION_BUS_ADDRESS=unix:path=$busdir/bus" sh -c "$(ping Forbidden); echo ran"
is "$rc:$(echo $out)" "0:pong-org.hutchtest.Forbidden ran" \
    "control: with the bus's own socket (no proxy) org.hutchtest.Forbidden answers, so the refusal above is the proxy's"

# --- what the app sees: the proxy's socket where a program looks for it.
run_hutch app sh -c 'echo "$DBUS_SESSION_BUS_ADDRESS"; test -S "$XDG_RUNTIME_DIR/bus" && echo socket; ls -A "$XDG_RUNTIME_DIR"'
is "$rc:$(echo $out)" "0:unix:path=/run/user/$(id -u)/bus socket bus" \
    "inside: DBUS_SESSION_BUS_ADDRESS is the proxy's socket in the app's own XDG_RUNTIME_DIR, the only thing there"

# --- own=: the name granted can be owned, another cannot.
own() {
    printf 'python3 -c "import dbus; b = dbus.SessionBus(); print(b.request_name(\\"%s\\"))"' "$1"
}
run_hutch app sh -c "$(own org.hutchtest.Mine); $(own org.hutchtest.Other) 2>/dev/null || echo other:refused; echo ran"
is "$rc:$(echo $out)" "0:1 other:refused ran" "own=org.hutchtest.Mine: the app owns that name, and may not own another"

# --- --print-policy says what the proxy lets through.
run_hutch app --print-policy sh
like "$out" "xdg-dbus-proxy $DBUS_SESSION_BUS_ADDRESS RUNDIR/dbus-session --filter --talk=org.hutchtest.Allowed --own=org.hutchtest.Mine" \
    "--print-policy shows the proxy with --filter and the profile's names"

# --- the proxy lives as long as the app, and dies with a killed hutch.
"$HUTCH" app sh -c "$(ping Allowed) > /dev/null && echo up; sleep 60" > "$TEST_TMP/bg.log" 2>&1 < /dev/null &
bg=$!
proxy=
for _ in $(seq 200); do
    proxy=$(pgrep -f "xdg-dbus-proxy.*$TEST_TMP" | head -n 1)
    [ -n "$proxy" ] && grep -q up "$TEST_TMP/bg.log" 2> /dev/null && break
    running "$bg" || break
    sleep 0.05
done
check "while the app runs, its own xdg-dbus-proxy runs, a child of hutch" \
    test -n "$proxy" -a "$(ps -o ppid= -p "${proxy:-1}" 2> /dev/null | tr -d ' ')" = "$bg"
kill -KILL "$bg"
wait "$bg" 2> /dev/null
gone=no
for _ in $(seq 200); do
    [ -z "$proxy" ] || ! running "$proxy" && { gone=yes; break; }
    sleep 0.05
done
given test -n "$proxy" -- is "$gone" yes "kill -9 of hutch: the proxy is gone too"
given test -n "$proxy" -- assert_clean "kill -9 of hutch: nothing left behind" xdg-dbus-proxy

# --- dbus-system: the system bus's socket, filtered the same way (the
# test's bus stands in for it).
# (DBUS_SYSTEM_BUS_ADDRESS on hutch's side names the test's bus.)
DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS run_hutch app --dbus-system talk=org.hutchtest.Allowed sh -c \
    "echo \$DBUS_SYSTEM_BUS_ADDRESS; dbus-send --system --print-reply=literal --dest=org.hutchtest.Allowed /org/hutchtest/Allowed org.hutchtest.Ping.Ping; echo; dbus-send --system --print-reply --dest=org.hutchtest.Forbidden /org/hutchtest/Forbidden org.hutchtest.Ping.Ping 2>/dev/null || echo forbidden:refused; echo ran"
is "$rc:$(echo $out)" "0:unix:path=/run/dbus/system_bus_socket pong-org.hutchtest.Allowed forbidden:refused ran" \
    "dbus-system talk=NAME: the system bus's socket at /run/dbus/system_bus_socket, filtered the same way"
