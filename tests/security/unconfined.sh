#!/bin/bash
# unconfined: --seccomp unconfined really lifts the filter, and the
# default really installs one. The other tests use the unconfined run as
# the sandbox "without the protection"; if it did not lift anything they
# would all pass vacuously, so this is checked on its own.

. "$(dirname "$0")/lib-security.sh"
plan 7

status='grep -E "^(Seccomp|Seccomp_filters|NoNewPrivs):" /proc/self/status | tr -s "\t" " " | tr "\n" " "'

sandbox -- /bin/sh -c "$status"
given ran 0 -- like "$out" "Seccomp: 2" "default: the command runs in seccomp filter mode"
given ran 0 -- like "$out" "NoNewPrivs: 1" "default: no_new_privs is on"
sandbox --seccomp unconfined -- /bin/sh -c "$status"
given ran 0 -- like "$out" "Seccomp: 0" "--seccomp unconfined: no filter at all"
given ran 0 -- like "$out" "NoNewPrivs: 1" "--seccomp unconfined: no_new_privs stays on"

sandbox -- /bin/sh -c 'unshare -U true 2>&1; echo rc=$?'
given ran 0 rc=1 -- like "$out" "Operation not permitted" "default: a denied call fails"
sandbox --seccomp unconfined --cap-add ALL -- /bin/sh -c 'unshare -U true 2>&1; echo rc=$?'
is "$rc/$out" "0/rc=0" "--seccomp unconfined: the same call works"

sandbox --seccomp unconfined -- /bin/sh -c 'touch /tmp/f && mkdir /tmp/d && echo ok'
is "$rc/$out" "0/ok" "--seccomp unconfined: ordinary work goes on"
