#!/bin/bash
# Processes and namespaces: pid 1 is hutch's init, no host process is
# visible, zombies are reaped, the sandbox has namespaces of its own, and the
# hostname is its own.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 16
root=$(busybox_layers)

# A host process the sandbox must not see, with a unique marker.
marker="hutch-host-marker-$$"
bash -c "exec -a '$marker' sleep 30" &
host_pid=$!
trap 'kill $host_pid 2>/dev/null; _tap_finish' EXIT
for ((i = 0; i < 100; i++)); do
    pgrep -f -- "$marker" > /dev/null && break
    sleep 0.05
done
pgrep -f -- "$marker" > /dev/null || bail_out "could not start the marker process"

# --- pid 1
run_hutch run "$root" /bin/sh -c 'echo $$; cat /proc/1/comm; cat /proc/self/stat'
pid_line=$(sed -n 1p <<< "$out")
is "$rc/$(sed -n 2p <<< "$out")" "0/hutch-init" "pid 1 is hutch's init"
given ran 0 -- check "the command is not pid 1" test -n "$pid_line" -a "$pid_line" != 1
ppid=$(sed -n 3p <<< "$out" | sed 's/^.*) //' | awk '{ print $2 }')
is "$rc/$ppid" "0/1" "the command's parent is pid 1"

# --- no host process visible
# Each listing ends with a line "listed": the sandbox ran and got through it.
run_hutch run "$root" /bin/sh -c 'for p in /proc/[0-9]*; do echo "${p#/proc/} $(tr "\0" " " < $p/cmdline)"; done; echo listed'
given ran 0 listed -- unlike "$out" "$marker" "a host process is not visible in /proc"
n=$(grep -c '^[0-9]' <<< "$out")
given ran 0 listed -- check "only the sandbox's processes are in /proc (init, sh, and what sh runs): $n" [ "$n" -le 4 ]
run_hutch run "$root" /bin/sh -c 'ps -o pid,args; echo listed'
given ran 0 listed -- unlike "$out" "$marker" "ps inside does not list a host process"
given ran 0 listed -- unlike "$out" "sleep 30" "ps inside does not list the host's sleep"

# A host pid (in the host's numbering) is not signalable from inside.
run_hutch run "$root" /bin/sh -c "kill -9 $host_pid 2>/dev/null; echo tried"
given ran 0 tried -- check "a kill -9 from inside of the host process's pid does not reach it" kill -0 "$host_pid"

# --- zombies are reaped by init
# The sleep is orphaned to init; then wait (at most 5 s) until it is gone
# from /proc: it has exited and been reaped. Left as a zombie, it stays.
run_hutch run "$root" /bin/sh -c '
    /bin/sh -c "sleep 0.1 & echo \$! > /tmp/orphan"
    o=$(cat /tmp/orphan)
    echo "orphan $o"
    i=0
    while [ -e /proc/$o ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    [ -e /proc/$o ] && echo "orphan left: $(cat /proc/$o/stat)"
    for s in /proc/[0-9]*/stat; do read -r line < $s; set -- ${line##*) }; echo "state $1"; done'
if [[ $rc = 0 && $out =~ orphan\ [0-9]+ && $out != *"orphan left"* && $out != *"state Z"* ]]; then
    ok "an orphan that exits is reaped by init (gone from /proc, no zombie)"
else
    not_ok "an orphan that exits is reaped by init (gone from /proc, no zombie)" "$(last_run)"
fi

# --- namespaces of its own
namespaces='for n in user mnt pid ipc uts cgroup net; do echo "$n $(readlink /proc/self/ns/$n)"; done'
# The namespaces of the last run's listing that are the host's, or missing.
same_as_host() {
    local n inside same=''
    for n in user mnt pid ipc uts cgroup net; do
        inside=$(awk -v n="$n" '$1 == n { print $2 }' <<< "$out")
        if [ -z "$inside" ] || [ "$inside" = "$(readlink "/proc/self/ns/$n")" ]; then
            same="$same $n($inside)"
        fi
    done
    echo "$same"
}
run_hutch run "$root" /bin/sh -c "$namespaces"
is "$rc/$(same_as_host)" "0/" "user, mnt, pid, ipc, uts, cgroup and net namespaces all differ from the host's"
# With --userns single (and without a holder) a child of hutch's makes the
# user and network namespaces while init builds the root (netns-beside.c):
# the namespaces are the sandbox's all the same, and nothing but init and
# the command runs in it (the shell's glob forks nothing).
run_hutch run --userns single "$root" /bin/sh -c "$namespaces"'; for p in /proc/[0-9]*; do echo "proc ${p#/proc/}"; done'
is "$rc/$(same_as_host)" "0/" "--userns single: every namespace differs from the host's, the network one too"
given ran 0 -- is "$(grep -c '^proc ' <<< "$out")" 2 "--userns single: only init and the command run in the sandbox"

# --- hostname
run_hutch run "$root" /bin/sh -c 'hostname; cat /etc/hostname; echo "$HOSTNAME"'
is "$rc/$out" "0/hutch
hutch
hutch" "the default hostname is hutch (uname, /etc/hostname, \$HOSTNAME)"
run_hutch run --hostname box-1.example "$root" /bin/sh -c 'hostname; cat /etc/hostname; echo "$HOSTNAME"; grep -c box-1.example /etc/hosts'
is "$rc/$out" "0/box-1.example
box-1.example
box-1.example
1" "--hostname sets the hostname, /etc/hostname, \$HOSTNAME and /etc/hosts"
host_name_before=$(uname -n)
run_hutch run --hostname other "$root" /bin/sh -c 'hostname changed-inside 2>/dev/null; echo tried'
given ran 0 tried -- is "$(uname -n)" "$host_name_before" "the host's hostname is untouched"
run_hutch run --hostname 'bad name!' "$root" /bin/true
check "a bad --hostname is refused with 125" refused "--hostname \`bad name!\`"
