#!/bin/bash
# Exit status: the command's own; 128+N when it died of signal N; 125 when
# hutch failed; 126 when the command cannot be invoked; 127 when it is not
# found (the podman/docker conventions).
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 17

root=$(busybox_layers)

# Each command first prints "ran": the status is the command's, not that of
# a hutch that never started it. (exec: the status of true and false
# themselves, not of a shell around them.)
run_hutch run "$root" /bin/sh -c 'echo ran; exec /bin/true'
is "$rc/$out" "0/ran" "true: 0"
run_hutch run "$root" /bin/sh -c 'echo ran; exec /bin/false'
is "$rc/$out" "1/ran" "false: 1"
run_hutch run "$root" /bin/sh -c 'echo ran; exit 7'
is "$rc/$out" "7/ran" "exit 7: 7"
run_hutch run "$root" /bin/sh -c 'echo ran; exit 255'
is "$rc/$out" "255/ran" "exit 255: 255"
run_hutch run "$root" /bin/sh -c 'echo ran; exit 125'
is "$rc/$out" "125/ran" "the command's own 125 is passed on"
given ran 125 ran -- is "$err" "" "... without a message from hutch"

run_hutch run "$root" /bin/sh -c 'echo ran; kill -TERM $$'
is "$rc/$out" "143/ran" "killed by SIGTERM: 128+15"
run_hutch run "$root" /bin/sh -c 'echo ran; kill -KILL $$'
is "$rc/$out" "137/ran" "killed by SIGKILL: 128+9"
run_hutch run "$root" /bin/sh -c 'ulimit -c 0; echo ran; kill -SEGV $$'
is "$rc/$out" "139/ran" "killed by SIGSEGV: 128+11"

# The command left daemons running: hutch still ends with the command.
run_hutch run "$root" /bin/sh -c 'sleep 60 & echo ran; exit 3'
is "$rc/$out" "3/ran" "the status of the command, not of a daemon it left"

# A command that cannot start prints nothing: the sign that the sandbox got
# that far is the status together with the message of hutch's last stage.
run_hutch run "$root" /no/such/command
is "$rc" 127 "a missing command: 127"
given ran 127 -- like "$err" "/no/such/command" "... and the message names it"
run_hutch run "$root" no-such-command-in-path
is "$rc/$(grep -c no-such-command-in-path <<< "$err")" "127/1" "a command not in PATH: 127"
run_hutch run "$root" /etc/motd
is "$rc" 126 "a file that is not executable: 126"
given ran 126 -- like "$err" "/etc/motd" "... and the message names it"
run_hutch run "$root" /etc
is "$rc/$(grep -c /etc <<< "$err")" "126/1" "a directory: 126"

run_hutch run --no-such-option "$root" /bin/true
check "hutch's own failure (an unknown option): 125" refused "--no-such-option"
