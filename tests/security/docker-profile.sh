#!/bin/bash
# docker-profile: --seccomp FILE takes the OCI / Docker JSON format, so the
# profiles users have for podman and docker work: archMap, the old single
# "name", includes and excludes by capability, architecture and kernel,
# argument conditions. The test profile denies a few file calls; the test
# checks each is enforced (through int 0x80 too), and that unconfined the
# same commands work. Malformed profiles fail with exit 125, naming the
# file and the entry.

. "$(dirname "$0")/lib-security.sh"
plan 17

P=$HUTCH_SOURCE_DIR/tests/security/profiles/docker-style.json
try='cd /tmp; mkdir d 2>&1; mkdir -p /tmp/e 2>&1; touch f; chmod 600 f 2>&1; ln f g && echo linked; rm g 2>&1 && echo unlinked;
mv f h 2>&1; rmdir /root 2>&1; truncate -s 0 f 2>&1; kill -USR1 $$ 2>&1; kill -0 $$ && echo signalled; echo done'

# "done" is the shell's last line: it ran in the sandbox, to the end.
sandbox --seccomp "$P" -- /bin/sh -c "$try"
is "$rc/$(tail -n 1 <<< "$out")" "0/done" "the Docker-format profile is accepted"
given ran 0 done -- like "$out" "mkdir: can't create directory 'd': Permission denied" "names + errnoRet: mkdir answers EACCES"
given ran 0 done -- like "$out" "chmod: f: Operation not permitted" "includes minKernel 4.8: the rule applies on this kernel"
given ran 0 done -- like "$out" "linked" "includes minKernel 99.0: the rule does not apply"
given ran 0 done -- like "$out" "unlinked" "includes caps CAP_SYS_ADMIN: not applied without it"
given ran 0 done -- like "$out" "mv: can't rename 'f': Operation not permitted" "excludes caps CAP_SYS_ADMIN: applied without it"
given ran 0 done -- like "$out" "File too large" "includes arches amd64/arm64: applied here"
given ran 0 done -- like "$out" "signalled" "args: kill is allowed for other signals"
is "$rc/$(tail -n 1 <<< "$out")" "0/done" "args: kill with SIGUSR1 (arg 1 == 10) refused: the shell survived it"
given ran 0 done -- like "$out" "rmdir: '/root': Read-only file system" "the old single \"name\": rmdir answers EROFS"

sandbox --seccomp "$P" --cap-add SYS_ADMIN -- /bin/sh -c "$try"
# The refusal itself, not only the missing "unlinked": a sandbox that did
# not run prints neither.
if [[ $rc == 0 && $out == *"rm: can't remove 'g': Operation not permitted"* && $out != *unlinked* ]]; then
    ok "with CAP_SYS_ADMIN: the includes rule applies (unlink refused with EPERM)"
else
    not_ok "with CAP_SYS_ADMIN: the includes rule applies (unlink refused with EPERM)" "$(last_run)"
fi

if [ "$(uname -m)" != x86_64 ]; then
    skip "archMap sub-architecture: int 0x80 mkdir is refused too" "not x86-64"
elif ! have_probe sysprobe; then
    skip "archMap sub-architecture: int 0x80 mkdir is refused too" "no sysprobe probe: $HUTCH_PROBES_MISSING"
else
    sandbox --seccomp "$P" -- /probes/sysprobe i386 mkdir
    is "$rc/$(probe_result "$out" mkdir i386)" "0/errno 13" "archMap sub-architecture: int 0x80 mkdir is refused too"
fi

# Unconfined, the SIGUSR1 the profile refuses reaches the shell and ends it
# (128+10) after the file commands; "unlinked" shows they ran.
sandbox "${UNCONFINED[@]}" -- /bin/sh -c "$try"
given ran 138 unlinked -- is "$(printf '%s\n' "$out" | grep -c -E "Permission denied|not permitted|too large|Read-only")" 0 \
    "unconfined: the same commands all work (the test can tell)"

# Bad profiles: exit 125 before anything starts, naming the file and entry.
bad() { # NAME JSON
    printf '%s\n' "$2" > "$TEST_TMP/$1.json"
    sandbox --seccomp "$TEST_TMP/$1.json" -- /bin/true
}
bad name '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO"}, {"names": ["mkdir", "mkdri"], "action": "SCMP_ACT_ERRNO"}]}'
is "$rc: $err" "125: hutch: seccomp profile \`$TEST_TMP/name.json\`: syscalls[1].names[1]: unknown system call \`mkdri\` (if it is newer than libseccomp $(pkg-config --modversion libseccomp 2>/dev/null || echo '?'), which hutch uses, remove it from the profile or update libseccomp)" \
    "unknown system call: exit 125, file, entry and name"
bad action '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_DENY"}]}'
like "$rc: $err" "125: hutch: seccomp profile \`$TEST_TMP/action.json\`: syscalls[0]: unknown action \`SCMP_ACT_DENY\`" \
    "unknown action: exit 125, file and entry"
bad json '{"defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["mkdir"] "action": "SCMP_ACT_ERRNO"}]}'
like "$rc: $err" "125: hutch: seccomp profile \`$TEST_TMP/json.json\`: line 2: not valid JSON" \
    "malformed JSON: exit 125, file and line"
bad op '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQUAL"}]}]}'
like "$rc: $err" "125: hutch: seccomp profile \`$TEST_TMP/op.json\`: syscalls[0].args[0]: unknown operator \`SCMP_CMP_EQUAL\`" \
    "unknown operator: exit 125, file and argument"
