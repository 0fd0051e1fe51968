#!/bin/bash
# Mount destinations are resolved inside the new root and never follow a
# symlink out of it. An image whose etc is a symlink to a host directory
# (absolute or relative) must not make hutch create or mount anything on the
# host: not for /etc/hostname and friends, not for -v, --tmpfs or -w.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

per_case=5
plan $((4 * per_case + 2))

# The host directory a malicious image points at. It belongs to the test
# user, so a launcher that followed the link could really write there.
hostdir=$TEST_TMP/host-home
mkdir -p "$hostdir"
echo precious > "$hostdir/keep"
src=$TEST_TMP/volsrc
mkdir -p "$src"
echo vol > "$src/file"
host_before=$(tree_state "$hostdir")

# evil_layers NAME LINK: layers whose top layer has etc -> LINK and
# data -> LINK (a relative or absolute path to the host directory).
evil_layers() {
    local d=$TEST_TMP/$1
    mkdir -p "$d"
    cp -a "$(base_layer)" "$d/00-base"
    rm -rf "$d/00-base/etc"
    ln -s "$2" "$d/00-base/etc"
    ln -s "$2" "$d/00-base/data"
    printf '%s\n' "$d"
}

# Deep enough a relative climb to reach / from any layer directory.
climb=$(printf '../%.0s' $(seq 1 40))
abs_layers=$(evil_layers abs "$hostdir")
rel_layers=$(evil_layers rel "$climb${hostdir#/}")
# A ROOT DIR (not layers:) with the same trap.
rootdir=$TEST_TMP/rootdir
cp -a "$abs_layers/00-base" "$rootdir"
# In those three the link dangles inside the root: the mount points must be
# made inside (as crun does), never at the host's path.
cases=("abs:layers:$abs_layers" "rel:layers:$rel_layers" "dir:$rootdir")

# The spec's own example: etc -> a directory in the caller's home, where the
# image also has that path, so that the link resolves to a directory that
# exists inside the root. (Not under /tmp: the sandbox's /tmp is a tmpfs,
# which would hide it.)
home_trap=''
if [ -d "$HOME" ] && [ -w "$HOME" ] && home_trap=$(mktemp -d "$HOME/.hutch-test-home.XXXXXX" 2>/dev/null); then
    remove_on_exit "$home_trap"
    echo precious > "$home_trap/keep"
    home_before=$(tree_state "$home_trap")
    present_layers=$(evil_layers present "$home_trap")
    mkdir -p "$present_layers/00-base$home_trap"
    cases+=("present:layers:$present_layers")
fi

for case in "${cases[@]}"; do
    name=${case%%:*}
    arg=${case#*:}
    run_hutch run -v "$src:/etc/vol" --tmpfs /data/tmp -w /etc/wd "$arg" /bin/sh -c '
        cat /etc/hostname; cat /etc/vol/file
        [ "$(pwd -P)" = "$(cd /etc/wd && pwd -P)" ] && echo in-workdir
        echo written > /etc/new; echo written > /data/tmp/new
        ls /etc/keep 2>&1 | head -n 1
        echo done'
    is "$rc/$(tail -n 1 <<< "$out")" "0/done" "$name: the run succeeds"
    given ran 0 done -- like "$out" "hutch
vol
in-workdir" "$name: /etc/hostname, the volume and the workdir are there, inside"
    given ran 0 done -- like "$out" "No such file" "$name: the host directory's content is not visible through the link"
    if [ "$name" = present ]; then
        watched=$home_trap before=$home_before
    else
        watched=$hostdir before=$host_before
    fi
    after=$(tree_state "$watched")
    if ! ran 0 done; then
        not_ok "$name: nothing was created, changed or mounted in the host directory" "not checked: the sandbox did not run" "$(last_run)"
    elif [ "$after" = "$before" ]; then
        ok "$name: nothing was created, changed or mounted in the host directory"
    else
        not_ok "$name: nothing was created, changed or mounted in the host directory" \
            "$(diff <(echo "$before") <(echo "$after"))"
    fi
    given ran 0 done -- is "$(grep -cF "$watched" /proc/self/mountinfo)" 0 "$name: no mount on the host at the link's target"
done
if [ -z "$home_trap" ]; then
    skip_n "$per_case" "present: checks" "no writable \$HOME for a trap directory"
fi

# A destination that climbs with ..: resolved inside the root, it stays there.
run_hutch run -v "$src:/../../..$hostdir/climbed" "$(busybox_layers)" /bin/sh -c "cat $hostdir/climbed/file"
is "$rc/$out" "0/vol" "-v DST with ../.. is resolved inside the root"
given ran 0 vol -- check "... and nothing appears on the host" test ! -e "$hostdir/climbed"
