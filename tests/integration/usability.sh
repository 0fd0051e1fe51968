#!/bin/bash
# What a podman or bubblewrap user expects on the first day: -i, -t and -it
# are taken; --read-only keeps /run and /var/tmp writable (podman's
# --read-only-tmpfs), unless told not to; a command that is a directory is
# named as one; pid 1's command line shows no host path.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 17

root=$(busybox_layers)

# -it with no terminal on stdin: -t still gives the command one.
run_hutch run -it "$root" /bin/sh -c 'tty; echo ran'
given test "$rc" = 0 -- like "$out" "/dev/pts/" "-it: the command has a terminal even with stdin from /dev/null"
like "$out" "ran" "-it: the command ran"
run_hutch run -i "$root" /bin/sh -c 'tty >/dev/null || echo no-tty'
is "$rc:$out" "0:no-tty" "-i alone: no terminal, as podman"

# --read-only: the root refuses writes, /run and /var/tmp take them.
run_hutch run --read-only "$root" /bin/sh -c '
    echo 1 > /run/app.pid && echo run:ok
    echo 2 > /var/tmp/scratch && echo vartmp:ok
    echo 3 > /tmp/t && echo tmp:ok
    echo 4 > /etc/x 2>/dev/null || echo etc:refused'
is "$rc:$(echo $out)" "0:run:ok vartmp:ok tmp:ok etc:refused" \
    "--read-only: /run, /var/tmp and /tmp are writable, the root is not"
run_hutch run --read-only --read-only-tmpfs=false "$root" /bin/sh -c '
    echo 1 > /run/app.pid 2>/dev/null || echo run:refused
    echo 3 > /tmp/t && echo tmp:ok'
is "$rc:$(echo $out)" "0:run:refused tmp:ok" "--read-only-tmpfs=false: /run is read-only too (/tmp stays a tmpfs)"
run_hutch run --read-only-tmpfs maybe "$root" /bin/true
check "--read-only-tmpfs maybe is refused (125), the message listing the choices" refused "false, true"

# A directory as the command.
run_hutch run "$root" /bin
is "$rc:$out" "126:" "a directory as the command: 126"
like "$err" "Is a directory" "a directory as the command: the message says it is a directory"

# pid 1 in the sandbox: hutch-init, not hutch's command line with the host
# paths of the root and the volumes in it.
mkdir "$TEST_TMP/vol-secret-name"
run_hutch run -v "$TEST_TMP/vol-secret-name:/data" "$root" /bin/sh -c 'tr "\0" " " < /proc/1/cmdline; echo; echo ran'
like "$out" "hutch-init" "pid 1's command line is hutch-init"
given ran 0 ran -- unlike "$out" "$TEST_TMP" "pid 1's command line shows no host path"

# The sandbox's mount table names no host path of the layers or the run
# directory: the overlay was given short names, the /etc files live on the
# sandbox's own tmpfs. (A volume shows its source: the kernel gives a bind
# mount's path within its filesystem, and that one the user chose.)
run_hutch run "$root" /bin/sh -c 'cat /proc/self/mountinfo; echo ran'
given ran 0 ran -- check "mountinfo names no host path of the layers or the run directory" \
    eval '[[ $out != *"$TEST_TMP"* && $out != *"$XDG_RUNTIME_DIR"* && $out != *"/hutch-$(id -u)/"* ]]'

# pasta's messages at --log-level debug: in hutch's log, not lost on the way
# to a system logger ("Failed to send N bytes to syslog").
if command -v pasta > /dev/null; then
    run_hutch run --log-level debug --network pasta "$root" /bin/sh -c 'echo ran'
    given ran 0 ran -- check "--log-level debug: pasta's messages come through hutch's log, none lost to syslog" \
        eval '[[ $err == *"hutch: pasta: "* && $err != *syslog* ]]'
else
    skip "--log-level debug: pasta's messages in hutch's log" "pasta is not installed"
fi

# The caller's umask is the command's (as bwrap passes it on), not hutch's:
# under umask 0777 hutch made its run base, cache and holder directories
# mode 0000, and every launch after, whatever its umask, failed to make its
# run directory there. Both paths: without a keeper, and with one. In a
# fresh XDG_RUNTIME_DIR: its directories are first made under 0777.
mkdir -m 0700 "$TEST_TMP/xdg-umask"
export XDG_RUNTIME_DIR=$TEST_TMP/xdg-umask
under_umask() { run sh -c 'umask "$1"; shift; exec "$@"' sh "$@"; }
under_umask 0777 "$HUTCH" run "$root" /bin/sh -c 'umask; echo ran'
is "$rc/$out" "0/0777
ran" "under umask 0777: the command runs, with that umask"
under_umask 0777 "$HUTCH" run --upper disk "$root" /bin/sh -c 'umask; echo ran'
is "$rc/$out" "0/0777
ran" "under umask 0777, --upper disk (the keeper's run directory): the same"
run_hutch run --upper disk "$root" /bin/sh -c 'umask; echo ran'
is "$rc/$out" "0/0022
ran" "the next launch, under umask 022, runs (was: mkdtemp in the run base: Permission denied)"
# A run base that an older hutch left mode 0000 is mended.
chmod 000 "$XDG_RUNTIME_DIR/hutch"
run_hutch run --upper disk "$root" /bin/sh -c 'echo ran'
is "$rc/$out/$(stat -c %a "$XDG_RUNTIME_DIR/hutch")" "0/ran/700" "a run base left mode 0000 is made 0700 again, and the launch runs"
given ran 0 ran -- is "$(find "$XDG_RUNTIME_DIR/hutch" -mindepth 1)" "" "the launches under umask 0777 left no run directory"
export XDG_RUNTIME_DIR=$TEST_TMP/xdg
