#!/bin/bash
# Exit status: the command's own; 128+N when it died of signal N; 125 when
# hutch failed; 126 when the command cannot be invoked; 127 when it is not
# found (the podman/docker conventions).
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 17

root=$(busybox_layers)

run_hutch run "$root" /bin/true
is "$rc" 0 "true: 0"
run_hutch run "$root" /bin/false
is "$rc" 1 "false: 1"
run_hutch run "$root" /bin/sh -c 'exit 7'
is "$rc" 7 "exit 7: 7"
run_hutch run "$root" /bin/sh -c 'exit 255'
is "$rc" 255 "exit 255: 255"
run_hutch run "$root" /bin/sh -c 'exit 125'
is "$rc" 125 "the command's own 125 is passed on"
is "$err" "" "... without a message from hutch"

run_hutch run "$root" /bin/sh -c 'kill -TERM $$'
is "$rc" 143 "killed by SIGTERM: 128+15"
run_hutch run "$root" /bin/sh -c 'kill -KILL $$'
is "$rc" 137 "killed by SIGKILL: 128+9"
run_hutch run "$root" /bin/sh -c 'ulimit -c 0; kill -SEGV $$'
is "$rc" 139 "killed by SIGSEGV: 128+11"

# The command left daemons running: hutch still ends with the command.
run_hutch run "$root" /bin/sh -c 'sleep 60 & exit 3'
is "$rc" 3 "the status of the command, not of a daemon it left"

run_hutch run "$root" /no/such/command
is "$rc" 127 "a missing command: 127"
like "$err" "/no/such/command" "... and the message names it"
run_hutch run "$root" no-such-command-in-path
is "$rc" 127 "a command not in PATH: 127"
run_hutch run "$root" /etc/motd
is "$rc" 126 "a file that is not executable: 126"
like "$err" "/etc/motd" "... and the message names it"
run_hutch run "$root" /etc
is "$rc" 126 "a directory: 126"

run_hutch run --no-such-option "$root" /bin/true
is "$rc" 125 "hutch's own failure (an unknown option): 125"
