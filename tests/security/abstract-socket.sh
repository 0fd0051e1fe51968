#!/bin/bash
# abstract-socket: abstract unix sockets have no file: the only thing that
# keeps a sandbox from the host's (an X server, a D-Bus daemon, a systemd
# socket) is the network namespace they belong to. With --network none the
# sandbox has its own and cannot reach them. Landlock (ABI 6+) scopes them
# too, so even --network host does not reach them; with Landlock off and
# the host's network, the connection works: the test can tell.

. "$(dirname "$0")/lib-security.sh"
need_probes abstract
plan 4

name=hutch-test-$$-$RANDOM
"$PROBES/abstract" listen "$name" 30 > "$TEST_TMP/listener.out" 2>&1 &
listener=$!
wait_for_file "$TEST_TMP/listener.out" listening 5 || bail_out "the host listener did not start: $(cat "$TEST_TMP/listener.out")"

# Control, before any sandbox: the host itself reaches the socket. It needs
# no hutch, so it is a precondition, not a test point of its own.
run "$PROBES/abstract" connect "$name"
[ "$rc/$out" = "0/connected: hello from the host" ] ||
    bail_out "control: the host itself cannot reach its abstract socket: exit $rc, $out"

# The probe exits 1 when connect fails: the status and its "errno N" line
# together show it ran in the sandbox and was refused.
sandbox --network none -- /probes/abstract connect "$name"
is "$rc/$out" "1/errno 111" "--network none: the host's abstract socket does not exist here (ECONNREFUSED)"

sandbox --network none "${UNCONFINED[@]}" -- /probes/abstract connect "$name"
is "$rc/$out" "1/errno 111" "--network none, unconfined: still unreachable (the network namespace is the wall)"

policy=$("$HUTCH" run --print-policy 2>&1)
sandbox --network host -- /probes/abstract connect "$name"
case $policy in
*"abstract unix sockets and signals only within"*)
    is "$rc/$out" "1/errno 1" "--network host: Landlock's scope refuses it (EPERM)" ;;
*)
    skip "--network host: Landlock's scope refuses it (EPERM)" "Landlock ABI 6 or later needed" ;;
esac

sandbox --network host --landlock off -- /probes/abstract connect "$name"
is "$rc/$out" "0/connected: hello from the host" "--network host --landlock off: reachable (what the walls above prevent)"

kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null || true
