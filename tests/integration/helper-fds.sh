#!/bin/bash
# The helpers hutch starts (pasta, slirp4netns, fuse-overlayfs) get no
# descriptor but stdin, stdout, stderr and those their command line names:
# pasta none (it opens what it needs by path, /proc/PID/fd/N of a child of
# hutch's that holds them); slirp4netns its --ready-fd, --exit-fd and the
# namespace fds. Anything else is a door a helper was never meant to have
# (and that outlives hutch's own use of it).
#
# A last case runs pasta as passt has started itself since 2024: closing
# every descriptor it inherits but the standard three (the snoop does it for
# Debian 12's pasta, which does not). The sandbox must still get its
# network, with pasta's pid file (a published UDP port is pasta's own, so
# the pid file says when it is ready) and its log (--log-level debug).
# The child of hutch's that holds pasta's descriptors (its lender) must
# outlive a ^C on hutch's terminal (SIGINT to hutch's process group) that
# the command ignores: a newer pasta quits once the lender is gone.
#
# Each case starts a sandbox running sleep in the background, with the
# helper's name in PATH first pointing at fd-snoop, which writes down the
# descriptors it was started with and execs the real helper. A helper's
# own /proc/PID/fd, read while the sandbox runs, mixes those with what it
# opened itself (fuse-overlayfs opens /dev/fuse and the layers), and pasta
# makes itself non-dumpable, which closes its /proc/PID/fd to us: the
# record at exec is what hutch handed over. Where /proc/PID/fd can be read,
# it must no longer hold any of what was handed over unnamed either.
# Each sandbox gets a preserved descriptor (--preserve-fds 1, fd 3), which
# hutch and its keeper hold without close-on-exec: only proc_spawn's
# closing keeps it from a helper.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

per_case=5
plan $((3 * per_case + 5))
root=$(busybox_layers)

snoop=${HUTCH_FD_SNOOP:-}
[ -x "$snoop" ] || bail_out "HUTCH_FD_SNOOP=$snoop is not an executable; build first (ninja -C build)"
wrap=$TEST_TMP/wrap records=$TEST_TMP/records ready=$TEST_TMP/ready
mkdir -p "$wrap" "$records" "$ready"
for h in pasta slirp4netns fuse-overlayfs; do
    ln -s "$snoop" "$wrap/$h"
done

# helper_pid PID NAME: the process below PID whose argv[0] is NAME.
helper_pid() {
    local k p a
    for k in $(descendants "$1"); do
        p=${k%%:*}
        a=$(tr '\0' '\n' 2>/dev/null < "/proc/$p/cmdline" | head -n 1)
        [ "${a##*/}" = "$2" ] && { echo "$p"; return 0; }
    done
    return 1
}

# named FILE: the descriptor numbers the recorded command line names.
named() {
    sed -n 's/^argv //p' "$1" | grep -oE '(/proc/self/fd/|--ready-fd=|--exit-fd=)[0-9]+' |
        grep -oE '[0-9]+$' | sort -un | tr '\n' ' '
}

# unnamed FILE: "N TARGET" for each descriptor above 2 in the record that
# the command line does not name.
unnamed() {
    local n t names
    names=" $(named "$1")"
    while read -r n t; do
        [ "$n" -gt 2 ] || continue
        case $names in *" $n "*) continue ;; esac
        echo "$n $t"
    done < <(sed -n 's/^fd //p' "$1")
}

# check_helper NAME OPTIONS...: the five points of one case.
check_helper() {
    local name=$1 pid hp rec extra live n t now left started=no
    shift
    rm -f "$ready/$name"
    HUTCH_SNOOP_DIR=$records HUTCH_SNOOP_PATH=$PATH PATH=$wrap:$PATH \
        "$HUTCH" run --preserve-fds 1 "$@" -v "$ready:/ready" "$root" /bin/sh -c "echo up > /ready/$name; exec sleep 60" \
        < /dev/null > "$TEST_TMP/$name.out" 2>&1 3< /dev/null &
    pid=$!
    if wait_for_file "$ready/$name" up 10 "$pid" && hp=$(helper_pid "$pid" "$name") &&
        rec=$(ls "$records/$name".* 2>/dev/null | head -n 1) && [ -n "$rec" ]; then
        started=yes
        ok "$name: the sandbox runs, and hutch started $name (pid $hp) through the snoop"
    else
        not_ok "$name: the sandbox runs, and hutch started $name through the snoop" \
            "hutch's output: $(cat "$TEST_TMP/$name.out")" "records: $(ls "$records")" \
            "processes: $(descendants "$pid" | tr '\n' ' ')"
    fi

    if [ $started = yes ]; then
        is "$(sed -n 's/^sigblk *//p' "$rec" | tr -d ' \t')" 0000000000000000 \
            "$name: started with no signal blocked (hutch blocks its own for a signalfd)"
        extra=$(unnamed "$rec")
        is "$extra" "" "$name: started with only 0, 1, 2 and what its command line names ($(named "$rec"))"
        [ -n "$extra" ] && diag "$name was started with:" "$(sed -n 's/^fd /  fd /p' "$rec")"

        if ! now=$(ls "/proc/$hp/fd" 2>&1); then
            skip "$name: while it runs, /proc/$hp/fd holds nothing handed over unnamed" \
                "/proc/$hp/fd cannot be read (${now##*: }): $name made itself non-dumpable; the record at exec covers it"
        else
            live=''
            while read -r n t; do
                [ -n "$n" ] || continue
                [ "$(readlink "/proc/$hp/fd/$n" 2>/dev/null)" = "$t" ] && live="$live$n -> $t; "
            done <<< "$extra"
            is "$live" "" "$name: while it runs, /proc/$hp/fd holds nothing handed over unnamed"
            [ -n "$live" ] && diag "/proc/$hp/fd of $name:" \
                "$(for n in $now; do printf '  %s -> %s\n' "$n" "$(readlink "/proc/$hp/fd/$n" 2>/dev/null)"; done)"
        fi
    else
        not_ok "$name: started with no signal blocked" "not checked: no $name ran"
        not_ok "$name: started with only 0, 1, 2 and what its command line names" "not checked: no $name ran"
        not_ok "$name: while it runs, /proc/PID/fd holds nothing handed over unnamed" "not checked: no $name ran"
    fi

    # Stop the sandbox; nothing of it, the helper included, may stay.
    kill -TERM "$pid" 2>/dev/null
    wait_exit "$pid" 10
    given test $started = yes -- assert_clean "$name: stopped, the sandbox and $name leave nothing behind"
    if [ $started = no ]; then
        left=$(wait_clean 5) || diag "left behind:" "$left"
    fi
}

if command -v pasta > /dev/null; then
    check_helper pasta --network pasta
else
    skip_n "$per_case" "pasta: helper descriptors" "pasta is not installed"
fi
if command -v slirp4netns > /dev/null; then
    check_helper slirp4netns --network slirp4netns
else
    skip_n "$per_case" "slirp4netns: helper descriptors" "slirp4netns is not installed"
fi
if have_fuse; then
    check_helper fuse-overlayfs --overlay fuse
else
    skip_n "$per_case" "fuse-overlayfs: helper descriptors" "$(backend_missing_reason fuse)"
fi

# pasta closing what it inherits (passt since 2024).
if command -v pasta > /dev/null; then
    uport=$(free_port)
    # The interfaces, one per line: lo and pasta's copy of the host's.
    links='ls /sys/class/net'
    pasta_link() { grep -qx lo <<< "$out" && grep -vx lo <<< "$out" | grep -q .; }
    HUTCH_SNOOP_CLOSE=1 HUTCH_SNOOP_DIR=$records HUTCH_SNOOP_PATH=$PATH PATH=$wrap:$PATH \
        run_hutch run --network pasta -p "$uport:5353/udp" "$root" /bin/sh -c "$links"
    given ran 0 -- check "pasta closing what it inherits: the sandbox gets pasta's interface (ready by its pid file)" \
        pasta_link
    HUTCH_SNOOP_CLOSE=1 HUTCH_SNOOP_DIR=$records HUTCH_SNOOP_PATH=$PATH PATH=$wrap:$PATH \
        run_hutch run --log-level debug --network pasta "$root" /bin/sh -c "$links"
    logged=no
    ran 0 && pasta_link && grep -q '^hutch: pasta: ' <<< "$err" && logged=yes
    given ran 0 -- check "pasta closing what it inherits: its log reaches hutch's stderr at --log-level debug" \
        test $logged = yes
    given test $logged = yes -- assert_clean "pasta closing what it inherits: nothing left behind"
else
    skip_n 3 "pasta closing what it inherits" "pasta is not installed"
fi

# pasta's lender and a ^C: hutch in a session and process group of its own
# (setsid), SIGINT to that group, as a terminal's ^C sends it. A job that a
# script starts in the background ignores SIGINT: env gives it back its
# default, as on a terminal.
if command -v pasta > /dev/null && command -v setsid > /dev/null && env --default-signal=INT true 2> /dev/null; then
    setsid env --default-signal=INT "$HUTCH" run --network pasta -v "$ready:/ready" "$root" /bin/sh -c 'trap "" INT; echo up > /ready/int; sleep 4' \
        < /dev/null > "$TEST_TMP/int.out" 2>&1 &
    pid=$!
    lender=''
    if wait_for_file "$ready/int" up 10 "$pid"; then
        # The lender: a fork of hutch (hutch's own command line) in another
        # user namespace, and dumpable (the keeper and init are not: their
        # /proc/PID/ns cannot be read).
        for k in $(descendants "$pid"); do
            p=${k%%:*}
            u=$(readlink "/proc/$p/ns/user" 2>/dev/null)
            [ "$p" != "$pid" ] && [ -n "$u" ] && [ "$u" != "$(readlink /proc/self/ns/user)" ] &&
                [ "$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)" = "$(tr '\0' ' ' < "/proc/$pid/cmdline")" ] && lender=$p
        done
    fi
    kill -INT -- "-$pid" 2>/dev/null
    sleep 0.5
    given test -n "$lender" -- check "pasta's lender (pid ${lender:-none}) outlives a SIGINT to hutch's process group" \
        running "$lender"
    kill -TERM "$pid" 2>/dev/null
    wait_exit "$pid" 10
    given test -n "$lender" -- assert_clean "pasta's lender and a ^C: nothing left behind"
else
    skip_n 2 "pasta's lender and a ^C" "pasta, setsid or env --default-signal (coreutils 8.31) missing"
fi
