#!/bin/bash
# setuid: a setuid-root binary inside the sandbox must give an unprivileged
# user nothing: no_new_privs is always on, so exec keeps the caller's ids
# and capabilities, and the bounding set holds only hutch's small set.
#
# The binary is the ids probe, owned by the sandbox's root (the test user
# outside) and mode 4755, in a layer of its own, so that no nosuid mount is
# what stops it. Nothing lifts no_new_privs from the command line; the
# control runs the same binary as root inside and sees the ids and
# capabilities it would report.

. "$(dirname "$0")/lib-security.sh"
need_probes ids
plan 7

layers=$(busybox_layers)
suid=${layers#layers:}/20-suid
mkdir -p "$suid/suid"
cp "$PROBES/ids" "$suid/suid/ids"
chmod 4755 "$suid/suid/ids"

sandbox -- /bin/sh -c 'ls -ln /suid/ids; awk "\$5 == \"/\"" /proc/self/mountinfo'
root_line=$(printf '%s\n' "$out" | grep ' / / ')
given ran 0 -- like "$out" "-rwsr-xr-x    1 0        0" "the probe is setuid and owned by root inside"
given ran 0 -- like "$out" " / / rw," "the root mount is listed"
given test "$rc" = 0 -a -n "$root_line" -- unlike "$out" "nosuid" "the root is not mounted nosuid: only no_new_privs can stop it"

sandbox -u 1000:1000 -- /suid/ids
given ran 0 -- like "$out" "uid=1000 euid=1000 suid=1000" "default, as uid 1000: exec of a setuid-root binary keeps uid 1000"
given ran 0 -- like "$out" "CapEff=0000000000000000" "... and gains no capability"

# With every capability asked for, uid 1000 holds them (as ambient) before
# the exec already; the setuid exec must add nothing to that: the same probe
# without the setuid bit is the baseline.
sandbox "${UNCONFINED[@]}" -u 1000:1000 -- /bin/sh -c '/probes/ids; /suid/ids'
plain=$(printf '%s\n' "$out" | sed -n 1p)
setuid=$(printf '%s\n' "$out" | sed -n 2p)
if [[ $rc == 0 && $plain == *"uid=1000 euid=1000 suid=1000 gid=1000 egid=1000 sgid=1000"* ]] && [ "$setuid" = "$plain" ]; then
    ok "unconfined, every capability: the setuid exec gains nothing over the same binary without the bit"
else
    not_ok "unconfined, every capability: the setuid exec gains nothing over the same binary without the bit" \
        "without the bit: $plain" "setuid:          $setuid"
fi

sandbox -- /suid/ids
given ran 0 -- like "$out" "euid=0" "control: as root inside, the same probe reports euid 0 and capabilities (it would show a gain)"
