#!/bin/bash
# Terminals: when stdin is a terminal, the command gets a new pseudo-terminal
# of the sandbox's own devpts as its controlling terminal, relayed to the
# caller's (input, output, window size, exit status); it never holds the
# caller's terminal. Without a terminal it runs in a new session with no
# controlling terminal. script(1) from util-linux provides the terminal.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

command -v script > /dev/null || skip_all "script (util-linux) is not installed"
plan 10
root=$(busybox_layers)

# in_pty COMMAND: run COMMAND (a shell string) on a new terminal; sets out
# (carriage returns removed) and rc. script's stdin is /dev/null: it sends
# an end-of-file character at once, usually before hutch has started.
in_pty() {
    run timeout -k 2 20 script -qefc "$1" /dev/null
    out=$(tr -d '\r' <<< "$out")
}

# tty_nr (field 7) and session (field 6) of the command, from /proc/self/stat.
ttyinfo='tty; read -r s < /proc/self/stat; set -- ${s##*) }; echo "tty_nr:$5 sid:$4 pid:$$"; ls /dev/pts | tr "\n" " "; echo'

in_pty "'$HUTCH' run '$root' /bin/sh -c '$ttyinfo; exit 3'"
# The line "tty_nr:N sid:N pid:N" is the command's: the sign that it ran.
tty_nr=$(sed -n 's/.*tty_nr:\([0-9]*\).*/\1/p' <<< "$out")
sid=$(sed -n 's/.*sid:\([0-9]*\).*/\1/p' <<< "$out")
pid=$(sed -n 's/.*pid:\([0-9]*\).*/\1/p' <<< "$out")
given ran 3 -- like "$out" "/dev/pts/0" "with a terminal, the command's terminal is /dev/pts/0 of the sandbox's devpts"
is "$rc/${pid:+ran}" "3/ran" "... and the command's exit status comes back through the terminal"
given ran 3 -- check "... it is the command's controlling terminal (tty_nr $tty_nr)" test "${tty_nr:-0}" -ne 0
given test -n "$pid" -- is "$rc/$sid" "3/$pid" "... in a session of its own"
given ran 3 -- like "$out" "0 ptmx " "... and the sandbox's devpts is a new instance holding only its own pty"

# Switching the caller's terminal to raw mode puts no byte into the stream.
# script(1) with stdin at its end writes the EOF character to its terminal
# before hutch starts; the line discipline keeps it as an end-of-file mark
# (a NUL byte that ends a line), and a switch to raw mode turned that mark
# into a real NUL, which reached the command's terminal (echoed as ^@).
# The command waits for input, so that anything relayed is surely echoed
# before it prints; it gets the end of file script sent. hutch starts a
# moment late, so that the end of file is surely there before it: a
# launch can otherwise switch to raw mode first, and script's EOF
# character then comes as a byte of data, as a raw terminal passes it.
in_pty "sleep 0.3; exec '$HUTCH' run '$root' /bin/sh -c 'read -t 3 l; echo \"read:\$?:\$l\"; tty'"
is "$rc:$out" "0:read:1:
/dev/pts/0" "switching the caller's terminal to raw mode injects no byte (the script </dev/null case)"

# The caller's terminal is not among the command's descriptors: all of
# 0, 1, 2 point at the sandbox's pty.
in_pty "'$HUTCH' run '$root' /bin/sh -c 'for f in 0 1 2; do readlink /proc/\$\$/fd/\$f; done'"
is "$rc/$(grep -c '/dev/pts/0$' <<< "$out")" "0/3" "stdin, stdout and stderr are the sandbox's pty, not the caller's terminal"

# Window size is relayed.
in_pty "stty rows 37 cols 91; '$HUTCH' run '$root' stty size"
given ran 0 -- like "$out" "37 91" "the caller's window size is passed on"

# Input is relayed.
run bash -c "echo typed-line | timeout -k 2 20 script -qefc \"'$HUTCH' run '$root' /bin/sh -c 'read l; echo got:\\\$l'\" /dev/null"
given ran 0 -- like "$out" "got:typed-line" "what the caller types reaches the command"

# Without a terminal: a new session, no controlling terminal.
run_hutch run "$root" /bin/sh -c "$ttyinfo"
given ran 0 -- like "$out" "tty_nr:0 sid:$(sed -n 's/.*pid:\([0-9]*\).*/\1/p' <<< "$out")" \
    "without a terminal, the command has no controlling terminal and leads its own session"
