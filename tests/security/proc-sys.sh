#!/bin/bash
# proc-sys: /proc/sys is read-only (as /proc/sysrq-trigger, /proc/irq,
# /proc/bus, /proc/fs). Root in the sandbox owns the sysctls of its own
# network and IPC namespaces and could otherwise change them; for the
# host's, a kernel bug would be one write away. --unmask ALL lifts it, and
# then the same writes succeed: the test can tell.

. "$(dirname "$0")/lib-security.sh"
plan 5

write='for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/core/somaxconn /proc/sys/kernel/shmmax; do
    v=$(cat $f); (echo $v > $f) 2>/dev/null && echo "wrote $f" || echo "refused $f"; done
grep -E " /proc/(sys|irq|bus|fs|sysrq-trigger) " /proc/self/mountinfo | awk "{ print \$5, \$6 }"'

sandbox -- /bin/sh -c "$write"
is "$(printf '%s\n' "$out" | grep -c '^wrote')" 0 "default: no write to /proc/sys succeeds"
like "$out" "/proc/sys ro" "default: /proc/sys is a read-only mount"
like "$out" "/proc/irq ro" "default: /proc/irq is a read-only mount"

sandbox "${UNCONFINED[@]}" -- /bin/sh -c "$write"
is "$(printf '%s\n' "$out" | grep -c '^wrote')" 0 "unconfined (filter, capabilities, Landlock lifted): still read-only"

sandbox "${UNCONFINED[@]}" --unmask ALL -- /bin/sh -c "$write"
is "$(printf '%s\n' "$out" | grep -c '^wrote')" 3 "unconfined and --unmask ALL: root writes its own namespaces' ip_forward, somaxconn, shmmax (the test can tell)"
