#!/bin/bash
# File descriptors: every host descriptor above 2 is closed before the
# command runs, so a directory the caller left open (7</some/dir) cannot be
# used to reach the host; --preserve-fds N passes 3..N+2 on.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 8
root=$(busybox_layers)
secret=$TEST_TMP/host-dir
mkdir -p "$secret"
echo host-secret > "$secret/secret"
echo passed > "$TEST_TMP/passed"

# ls lists its own descriptor on /proc/self/fd as 3.
run bash -c "exec 7<'$secret' 9>'$TEST_TMP/out9'; '$HUTCH' run '$root' ls /proc/self/fd"
is "$rc/$(tr '\n' ' ' <<< "$out")" "0/0 1 2 3 " "a caller's fds 7 and 9 are not visible inside (only 0 1 2, and ls's own 3)"

run bash -c "exec 7<'$secret'; '$HUTCH' run '$root' /bin/sh -c 'cat /proc/self/fd/7/secret; ls /proc/self/fd/7 2>&1; echo tried'"
given ran 0 tried -- unlike "$out" host-secret "the host directory is not reachable through fd 7"

# Nothing of hutch's own (sockets, signalfd, the run directory) either.
# (sh lists its own descriptors with ls as a child, not with a pipe of its own.)
run "$HUTCH" run "$root" /bin/sh -c 'ls -l /proc/$$/fd; echo listed'
given ran 0 listed -- is "$(awk '$9 ~ /^[0-9]+$/ && $9 > 2' <<< "$out")" "" "the command holds no descriptor of hutch's beyond stdio"

# --preserve-fds
run bash -c "exec 3<'$TEST_TMP/passed' 4>'$TEST_TMP/written'; '$HUTCH' run --preserve-fds 2 '$root' /bin/sh -c 'cat <&3; echo from-sandbox >&4'"
is "$rc/$out" "0/passed" "--preserve-fds 2: fd 3 is passed and readable"
is "$rc/$(cat "$TEST_TMP/written" 2>&1)" "0/from-sandbox" "--preserve-fds 2: fd 4 is passed and writable"
run bash -c "exec 3<'$TEST_TMP/passed' 5<'$TEST_TMP/passed'; '$HUTCH' run --preserve-fds 1 '$root' ls /proc/self/fd"
is "$rc/$(tr '\n' ' ' <<< "$out")" "0/0 1 2 3 4 " "--preserve-fds 1 passes fd 3 but not fd 5 (ls's own is 4)"
run bash -c "exec 5<'$TEST_TMP/passed'; '$HUTCH' run --preserve-fds 3 '$root' /bin/sh -c 'cat <&5'"
is "$rc/$out" "0/passed" "--preserve-fds 3 passes fd 5 across gaps at 3 and 4"

# stdin, stdout, stderr are the caller's.
run bash -c "echo via-stdin | '$HUTCH' run '$root' /bin/sh -c 'read l; echo out:\$l; echo err:\$l >&2'"
is "$rc|$out|$err" "0|out:via-stdin|err:via-stdin" "stdin, stdout and stderr are passed through"
