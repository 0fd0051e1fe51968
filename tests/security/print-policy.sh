#!/bin/bash
# print-policy: hutch run --print-policy shows, for a user who wants to
# know what a sandbox may do, the namespaces, capabilities, seccomp
# profile, Landlock, masked paths and devices; it follows the options and
# runs nothing. A broken profile fails there as at launch.

. "$(dirname "$0")/lib-security.sh"
plan 9

run "$HUTCH" run --print-policy
# The policy's first line: exit 0 alone is what a hutch that did nothing gives.
is "$rc/$(head -n 1 <<< "$out" | cut -d: -f1)" "0/namespaces" "--print-policy without ROOT exits 0"
given ran 0 -- like "$out" "namespaces:     user, mount, pid, ipc, uts, cgroup, network" "namespaces"
given ran 0 -- like "$out" "capabilities:   CAP_CHOWN" "capabilities"
given ran 0 -- like "$out" "seccomp:        $HUTCH_SOURCE_DIR/profiles/seccomp/default.json (hutch's default)" "the seccomp profile, found in the source tree when run from a build directory"
given ran 0 -- like "$out" "clone3" "the calls the profile refuses"
given ran 0 -- like "$out" "masked paths:   /proc/acpi" "masked paths"
given ran 0 -- like "$out" "read-only:      /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger" "read-only paths"

run "$HUTCH" run --print-policy --seccomp unconfined --landlock off --unmask ALL --network host "$(busybox_layers)" /bin/sh
given ran 0 -- like "$out" "seccomp:        unconfined" "follows --seccomp unconfined"

printf '{"defaultAction": "SCMP_ACT_NOPE"}\n' > "$TEST_TMP/bad.json"
run "$HUTCH" run --print-policy --seccomp "$TEST_TMP/bad.json"
check "a broken profile: exit 125, as at launch" refused "$TEST_TMP/bad.json"
