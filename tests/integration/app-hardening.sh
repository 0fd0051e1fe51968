#!/bin/bash
# firejail's hardening switches for hutch app: a private /dev and /tmp
# (always), private-etc, device dri, no3d, nosound, novideo, nou2f, and the
# desktop sockets (wayland, pulseaudio, pipewire) bound where they exist,
# with a clear message where they do not.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 18

export HOME=$TEST_TMP/home XDG_DATA_HOME=$TEST_TMP/data XDG_CONFIG_HOME=$TEST_TMP/config
mkdir -p "$HOME"
unset DISPLAY WAYLAND_DISPLAY
me=$(id -u)

# --- private-dev: what every hutch sandbox has.
run_hutch app --private-dev sh -c 'ls -A /dev | tr "\n" " "; ls -A /dev/pts | grep -c ptmx; echo ran'
is "$rc:$(echo $out)" "0:fd full null ptmx pts random shm stderr stdin stdout tty urandom zero 1 ran" \
    "private-dev (always so): /dev holds only null zero full random urandom tty, pts, ptmx, shm and the fd links"
# --- private-tmp: an empty /tmp, nothing of the host's.
marker=$(mktemp "${TMPDIR:-/tmp}/hutch-host-tmp.XXXXXX")
remove_on_exit "$marker"
# (HOME may lie under /tmp: the way to it is there, and nothing else.)
home_top=$(echo "${HOME#/tmp/}" | cut -d/ -f1)
run_hutch app --private-tmp sh -c "ls -A /tmp | grep -vxF '$home_top' | wc -l; test -e '$marker' || echo host-tmp:invisible; echo ran"
is "$rc:$(echo $out)" "0:0 host-tmp:invisible ran" "private-tmp (always so): /tmp is empty, the host's files are not there"

# --- private-etc: hutch's set of /etc, and the names asked for.
run_hutch app --private-etc default sh -c 'id -un; test -e /etc/fstab || echo fstab:hidden; test -e /etc/ssl && echo ssl:shown; cat /etc/hostname; echo ran'
is "$rc:$(echo $out)" "0:$(id -un) fstab:hidden ssl:shown hutch ran" \
    "private-etc default: users and certificates are there, /etc/fstab is not, hutch's own /etc/hostname is"
run_hutch app --private-etc default,fstab sh -c 'test -e /etc/fstab && echo fstab:shown; echo ran'
is "$rc:$(echo $out)" "0:fstab:shown ran" "private-etc default,fstab: a name added to the set is there"
run_hutch app sh -c 'test -e /etc/fstab && echo fstab:shown; echo ran'
is "$rc:$(echo $out)" "0:fstab:shown ran" "control: without private-etc the whole of /etc is there"
run_hutch app --private-etc ../x true
check "private-etc with a path is refused (125)" refused "not a name in /etc"

run_hutch run --dbus-session talk=org.example.App / true
check "hutch run refuses the options only hutch app carries out (125), naming one" refused "--dbus-session is for desktop programs"

# --- no3d, novideo, nou2f: they keep the device out even when a volume
# brings one in (the host here may have none: a file stands in for it).
echo device > "$TEST_TMP/fake-dev"
mkdir -p "$TEST_TMP/fake-dri"
echo card > "$TEST_TMP/fake-dri/card0"
run_hutch app -v "$TEST_TMP/fake-dev:/dev/video0" -v "$TEST_TMP/fake-dev:/dev/hidraw0" -v "$TEST_TMP/fake-dri:/dev/dri" \
    sh -c 'cat /dev/video0 /dev/hidraw0 /dev/dri/card0; echo ran'
is "$rc:$(echo $out)" "0:device device card ran" "control: volumes at /dev/video0, /dev/hidraw0, /dev/dri show their content"
run_hutch app --novideo --nou2f --no3d -v "$TEST_TMP/fake-dev:/dev/video0" -v "$TEST_TMP/fake-dev:/dev/hidraw0" \
    -v "$TEST_TMP/fake-dri:/dev/dri" sh -c 'cat /dev/video0 /dev/hidraw0; ls -A /dev/dri | wc -l; echo ran'
is "$rc:$(echo $out)" "0:0 ran" "novideo, nou2f, no3d: those devices are masked, even where a volume put them"

# --- device dri: the GPU where there is one.
if [ -d /dev/dri ]; then
    run_hutch app --device dri sh -c 'ls -A /dev/dri | wc -l; echo ran'
    is "$rc:$(echo $out)" "0:$(ls -A /dev/dri | wc -l) ran" "device dri: /dev/dri is there, with the host's entries"
    run_hutch app --device dri --no3d sh -c 'test -e /dev/dri || echo dri:absent; echo ran'
    is "$rc:$(echo $out)" "0:dri:absent ran" "device dri with no3d: no /dev/dri"
else
    skip_n 2 "device dri" "this machine has no /dev/dri"
fi

# --- sockets of the caller's XDG_RUNTIME_DIR: made here (a socket file
# with no one behind it is enough to see what is bound).
mksock() {
    python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$1"
}
# --- socket wayland with a real compositor (weston, headless): a Wayland
# client in the app reaches it; without the option it cannot.
if command -v weston > /dev/null && command -v weston-info > /dev/null; then
    weston --backend=headless-backend.so --socket=wayland-hutchtest --idle-time=0 > "$TEST_TMP/weston.log" 2>&1 &
    weston=$!
    trap 'kill $weston 2>/dev/null; _tap_finish' EXIT
    wait_for_socket "$XDG_RUNTIME_DIR/wayland-hutchtest" 10
    WAYLAND_DISPLAY=wayland-hutchtest run_hutch app --socket wayland sh -c 'weston-info | grep -c "interface: .wl_compositor."; echo ran'
    is "$rc:$(echo $out)" "0:1 ran" "socket wayland: a Wayland client in the app talks to a real compositor (weston-info lists wl_compositor)"
    WAYLAND_DISPLAY=wayland-hutchtest run_hutch app sh -c 'weston-info > /dev/null 2>&1 || echo no-compositor; echo ran'
    is "$rc:$(echo $out)" "0:no-compositor ran" "control: without socket wayland the same client finds no compositor"
    kill "$weston" 2> /dev/null
    wait "$weston" 2> /dev/null
    trap _tap_finish EXIT
else
    skip_n 2 "socket wayland with weston" "weston is not installed (Debian: apt install weston)"
fi

if ! command -v python3 > /dev/null; then
    skip_n 4 "desktop sockets" "no python3 to make sockets with"
    exit 0
fi
mkdir -p "$XDG_RUNTIME_DIR/pulse"
mksock "$XDG_RUNTIME_DIR/pulse/native"
mksock "$XDG_RUNTIME_DIR/pipewire-0"
mksock "$XDG_RUNTIME_DIR/wayland-7"
mkdir -p "$XDG_RUNTIME_DIR/secret" && echo secret > "$XDG_RUNTIME_DIR/secret/x"
run_hutch app --socket pulseaudio --socket pipewire sh -c 'cd "$XDG_RUNTIME_DIR" && echo "$XDG_RUNTIME_DIR"; find . | sort | tr "\n" " "; test -S pulse/native && test -S pipewire-0 && echo sockets; echo ran'
is "$rc:$(echo $out)" "0:/run/user/$me . ./pipewire-0 ./pulse ./pulse/native sockets ran" \
    "socket pulseaudio, socket pipewire: those sockets in the app's own XDG_RUNTIME_DIR, nothing else of yours"
run_hutch app --socket pulseaudio --socket pipewire --nosound sh -c 'ls -A "${XDG_RUNTIME_DIR:-/nonexistent}" 2>/dev/null | wc -l; echo ran'
is "$rc:$(echo $out)" "0:0 ran" "nosound: no sound socket, whatever the profile asked"
WAYLAND_DISPLAY=wayland-7 run_hutch app --socket wayland sh -c 'echo "$WAYLAND_DISPLAY"; test -S "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" && echo socket; echo ran'
is "$rc:$(echo $out)" "0:wayland-7 socket ran" "socket wayland: \$WAYLAND_DISPLAY's socket, and the variable"
WAYLAND_DISPLAY=wayland-7 run_hutch app --socket wayland --print-policy true
like "$out" "the plain socket, not one made through the compositor's security-context" \
    "--print-policy says socket wayland binds the plain socket"
rm "$XDG_RUNTIME_DIR/pipewire-0"
run_hutch app --socket pipewire sh -c 'echo ran'
given ran 0 ran -- like "$err" "socket pipewire: no socket at $XDG_RUNTIME_DIR/pipewire-0" \
    "a missing socket: the app runs without it, and hutch says which socket it did not find"
