#!/bin/bash
# The root the command sees: a fresh /proc, a minimal /dev, /sys read-only,
# /tmp a tmpfs, /etc/hosts and resolv.conf provided, and nothing of the
# host's tree reachable after pivot_root.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 10
root=$(busybox_layers)

# Then "listed": the sandbox ran it to the end.
mtab='while read -r dev mnt type opts rest; do echo "$mnt $type ${opts%%,*}"; done < /proc/mounts; echo listed'

run_hutch run "$root" /bin/sh -c 'ls -A /dev | tr "\n" " "'
is "$rc/$out" "0/fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " \
    "/dev holds null, zero, full, random, urandom, tty, pts, ptmx, shm and the fd links, nothing else"

run_hutch run "$root" /bin/sh -c 'echo x > /dev/null && head -c 4 /dev/zero | od -An -tx1 && head -c 8 /dev/urandom | wc -c'
is "$rc/$(tr -s ' \n' ' ' <<< "$out")" "0/ 00 00 00 00 8 " "/dev/null, /dev/zero and /dev/urandom work"

run_hutch run "$root" /bin/sh -c "$mtab"
given ran 0 listed -- like "$out" "/proc proc rw" "/proc is a fresh proc"
given ran 0 listed -- like "$out" "/sys sysfs ro" "/sys is read-only"
given ran 0 listed -- like "$out" "/tmp tmpfs rw" "/tmp is a tmpfs"
# The root's own entry; every other mount is one hutch made below it.
given ran 0 listed -- is "$(awk 'NF == 3 && $1 !~ /^\/(proc|dev|sys|tmp|etc)(\/|$)/ && $1 != "/"' <<< "$out")" "" \
    "no mount but /, /proc, /dev, /sys, /tmp and the /etc files"

run_hutch run "$root" /bin/sh -c 'cat /etc/hosts; cat /etc/resolv.conf'
given ran 0 -- like "$out" "127.0.0.1" "/etc/hosts is provided"

# After pivot_root nothing of the host's tree is reachable: not the source
# tree, not this test's directory, not the host's root through /proc. The
# source tree's top directory may exist in the image too (the busybox root
# has /tmp, /root, /var...); then only its own check is skipped.
host_dirs=("$HUTCH_SOURCE_DIR" "$TEST_TMP")
run_hutch run "$root" /bin/sh -c 'for p in "$@"; do test -e "$p" && echo "reachable:$p"; done; echo done' sh "${host_dirs[@]}"
is "$rc/$out" "0/done" "the host's directories ($HUTCH_SOURCE_DIR, $TEST_TMP) are not reachable"
run_hutch run "$root" /bin/sh -c 'for p in "$@"; do for r in /proc/1/root /proc/self/root /proc/1/cwd /proc/self/cwd; do
    test -e "$r$p" && echo "reachable:$r$p"; done; done; echo done' sh "${host_dirs[@]}"
is "$rc/$out" "0/done" "nor through /proc/*/root or /proc/*/cwd"
top=/$(cut -d/ -f2 <<< "$HUTCH_SOURCE_DIR")
if [ -e "$(base_layer)$top" ]; then
    skip "the host's $top is not reachable, directly or through /proc/*/root" "the image has $top too"
else
    run_hutch run "$root" /bin/sh -c 'for p in "$1" /proc/1/root$1 /proc/self/root$1 /proc/1/cwd$1; do test -e $p && echo reachable:$p; done; echo done' sh "$top"
    is "$rc/$out" "0/done" "the host's $top is not reachable, directly or through /proc/*/root"
fi
