#!/bin/bash
# proc-sys: /proc/sys is read-only, as are /proc/sysrq-trigger, /proc/irq,
# /proc/bus and /proc/fs. Root in the sandbox owns the sysctls of its own
# network and IPC namespaces and could otherwise change them; for the
# host's, a kernel bug would be one write away. --unmask ALL lifts it, and
# then the same writes succeed: the test can tell.
#
# Each write prints "wrote" or "refused", so that a sandbox that did not
# run at all (no line) is not taken for one that refused everything.

. "$(dirname "$0")/lib-security.sh"
plan 9

write='for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/core/somaxconn /proc/sys/kernel/shmmax; do
    v=$(cat $f); (echo $v > $f) 2>/dev/null && echo "wrote $f" || echo "refused $f"; done
grep -E " /proc/(sys|irq|bus|fs|sysrq-trigger) " /proc/self/mountinfo | awk "{ split(\$6, o, \",\"); print \$5, o[1] }"'

# writes OUT: what became of the three writes, e.g. "refused refused refused".
writes() {
    printf '%s\n' "$1" | awk '$1 == "wrote" || $1 == "refused" { printf "%s%s", s, $1; s = " " }'
}

# ro_mount OUT PATH: the sandbox listed PATH as a mount of its own, read-only.
ro_mount() {
    printf '%s\n' "$1" | grep -qx -- "$2 ro"
}

sandbox -- /bin/sh -c "$write"
is "$rc/$(writes "$out")" "0/refused refused refused" "default: the sandbox ran, and every write to /proc/sys was refused"
for p in /proc/sys /proc/irq /proc/bus /proc/fs /proc/sysrq-trigger; do
    if [ -e "$p" ]; then
        given ran 0 -- check "default: $p is a read-only mount" ro_mount "$out" "$p"
    else
        skip "default: $p is a read-only mount" "this kernel has no $p"
    fi
done

sandbox "${UNCONFINED[@]}" -- /bin/sh -c "$write"
is "$rc/$(writes "$out")" "0/refused refused refused" "unconfined (filter, capabilities, Landlock lifted): the sandbox ran, and /proc/sys is still read-only"
given ran 0 -- check "unconfined: /proc/sys is still a read-only mount" ro_mount "$out" /proc/sys

sandbox "${UNCONFINED[@]}" --unmask ALL -- /bin/sh -c "$write"
is "$rc/$(writes "$out")" "0/wrote wrote wrote" "unconfined and --unmask ALL: root writes its own namespaces' ip_forward, somaxconn, shmmax (the test can tell)"
