#!/bin/bash
# caps: the command starts with podman's default set, as root inside; the
# bounding set matches, so no exec can win more; the ambient set is empty,
# but for a non-zero uid that asked for a capability with --cap-add.
# --cap-add and --cap-drop take NET_RAW, CAP_NET_RAW or ALL; a wrong name
# fails with 125 before anything starts.

. "$(dirname "$0")/lib-security.sh"
plan 11

caps='grep -E "^Cap(Eff|Bnd|Amb):" /proc/self/status | tr -s "\t" " " | tr "\n" " "'
# CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE SYS_CHROOT SETFCAP
DEFAULT=00000000800405fb

sandbox -- /bin/sh -c "$caps"
is "$rc/$out" "0/CapEff: $DEFAULT CapBnd: $DEFAULT CapAmb: 0000000000000000 " "default: podman's set, bounding the same, ambient empty"

sandbox --cap-drop ALL -- /bin/sh -c "$caps; chown 1 /tmp 2>&1"
# chown fails: the shell's status is chown's, 1.
given ran 1 -- like "$out" "CapEff: 0000000000000000 CapBnd: 0000000000000000" "--cap-drop ALL: nothing"
given ran 1 -- like "$out" "Operation not permitted" "--cap-drop ALL: root inside cannot chown"

sandbox --cap-add NET_RAW --cap-drop CAP_CHOWN -- /bin/sh -c "$caps"
is "$rc/$out" "0/CapEff: 00000000800425fa CapBnd: 00000000800425fa CapAmb: 0000000000000000 " "--cap-add NET_RAW --cap-drop CAP_CHOWN"

sandbox --cap-drop ALL --cap-add net_bind_service -- /bin/sh -c "$caps"
is "$rc/$out" "0/CapEff: 0000000000000400 CapBnd: 0000000000000400 CapAmb: 0000000000000000 " "--cap-drop ALL --cap-add net_bind_service: only that one"

last=$(cat /proc/sys/kernel/cap_last_cap)
all=$(printf '%016x' $(((1 << (last + 1)) - 1)))
sandbox --cap-add ALL -- /bin/sh -c "$caps"
is "$rc/$out" "0/CapEff: $all CapBnd: $all CapAmb: 0000000000000000 " "--cap-add ALL: every capability of this kernel (of the sandbox's user namespace)"

sandbox -u 1000:1000 -- /bin/sh -c "$caps"
is "$rc/$out" "0/CapEff: 0000000000000000 CapBnd: 00000000800405fb CapAmb: 0000000000000000 " "as uid 1000: no capabilities, the bounding set still trimmed"

# Asked for by name, a capability reaches a non-zero uid through the ambient
# set (as podman does); only that one, and not from the default set.
sandbox -u 1000:1000 --cap-add NET_RAW -- /bin/sh -c "$caps"
is "$rc/$out" "0/CapEff: 0000000000002000 CapBnd: 00000000800425fb CapAmb: 0000000000002000 " "as uid 1000 with --cap-add NET_RAW: that one, ambient, and nothing else"

sandbox --cap-add NET_RAWW -- /bin/true
check "--cap-add with a wrong name: exit 125" refused
given ran 125 -- like "$err" "bad --cap-add \`NET_RAWW\`: not a capability" "... naming the option and the name"

run "$HUTCH" run --cap-drop SYS_CHROOT --print-policy
is "$rc: $(printf '%s\n' "$out" | sed -n 's/^capabilities: *//p')" \
    "0: CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_FSETID CAP_KILL CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_SETFCAP" \
    "--print-policy follows --cap-drop: the default set, without CAP_SYS_CHROOT"
