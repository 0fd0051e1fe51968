#!/bin/bash
# Where the sandbox's writes go: a tmpfs of its own by default (never the
# runtime directory, a small tmpfs on most desktops), of a given size with
# --upper tmpfs:SIZE, or the disk under the data directory with --upper
# disk; gone after the run either way. Both overlay backends.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

per_backend=7
plan $((2 * per_backend + 4))

root=$(busybox_layers)
export XDG_DATA_HOME=$TEST_TMP/data

for backend in kernel fuse; do
    if ! have_backend "$backend"; then
        skip_n "$per_backend" "$backend: --upper" "$(backend_missing_reason "$backend")"
        continue
    fi
    # Default: a tmpfs of the sandbox's own at /, not the runtime dir's fs.
    run_hutch run --overlay "$backend" "$root" /bin/sh -c 'echo w > /etc/written && cat /etc/written'
    is "$rc:$out" "0:w" "$backend: default upper: a write to the root works"
    given ran 0 w -- assert_clean "$backend: default upper: nothing left behind"

    # tmpfs:SIZE: a bound the sandbox meets.
    run_hutch run --overlay "$backend" --upper tmpfs:8m "$root" /bin/sh -c '
        df -k / | tail -1
        dd if=/dev/zero of=/big bs=1M count=16 2>&1; echo "dd:$?"'
    given test "$rc" = 0 -- like "$out" "No space left" "$backend: --upper tmpfs:8m: a 16 MiB write runs out of space"
    given test "$rc" = 0 -a -n "$out" -- assert_clean "$backend: --upper tmpfs:8m: nothing left behind"

    # disk: the writes land under the data directory while it runs, and go.
    run_hutch run --overlay "$backend" --upper disk "$root" /bin/sh -c '
        echo d > /etc/on-disk; echo ran'
    is "$rc:$out" "0:ran" "$backend: --upper disk: exit 0, the command ran"
    "$HUTCH" run --overlay "$backend" --upper disk "$root" /bin/sh -c 'echo d > /etc/on-disk; sleep 30' < /dev/null &
    pid=$!
    found=
    for _ in $(seq 100); do
        found=$(find "$XDG_DATA_HOME/hutch/rw" -name on-disk 2>/dev/null)
        [ -n "$found" ] && break
        sleep 0.05
    done
    kill -TERM $pid 2>/dev/null
    wait $pid 2>/dev/null
    like "$found" "$XDG_DATA_HOME/hutch/rw/run-" "$backend: --upper disk: the write is on disk under the data directory"
    given test -n "$found" -- is "$(find "$XDG_DATA_HOME/hutch/rw" -mindepth 1 2>/dev/null)" "" \
        "$backend: --upper disk: nothing left under the data directory after the run"
done

# A runtime directory on a small tmpfs must not bound the sandbox's writes.
if [ -n "${HUTCH_TEST_SMALL_RUNTIME:-}" ] && [ -d "$HUTCH_TEST_SMALL_RUNTIME" ] && [ -w "$HUTCH_TEST_SMALL_RUNTIME" ]; then
    small=$(df -k --output=size "$HUTCH_TEST_SMALL_RUNTIME" | tail -1)
    XDG_RUNTIME_DIR=$HUTCH_TEST_SMALL_RUNTIME run_hutch run "$root" /bin/sh -c '
        dd if=/dev/zero of=/big bs=1M count=200 2>/dev/null && echo wrote:$(($(wc -c < /big) / 1048576))'
    is "$rc:$out" "0:wrote:200" "200 MiB written while the runtime directory is a ${small} KiB tmpfs"
    given ran 0 wrote:200 -- is "$(find "$HUTCH_TEST_SMALL_RUNTIME/hutch" -mindepth 1 -maxdepth 1 2>/dev/null)" "" \
        "the small runtime directory holds nothing after the run"
else
    skip_n 2 "200 MiB written with a small runtime directory" \
        "set HUTCH_TEST_SMALL_RUNTIME to a small tmpfs of yours (.ci/run mounts one)"
fi

# A tree deeper than the descriptors one may hold open, left on disk by the
# sandbox: still removed when it ends.
run_hutch run --upper disk "$root" /bin/sh -c 'i=0; while [ $i -lt 1500 ]; do mkdir d && cd d || exit 1; i=$((i + 1)); done; echo deep'
given ran 0 deep -- is "$(find "$XDG_DATA_HOME/hutch/rw" -mindepth 1 -maxdepth 1 2>/dev/null)" "" \
    "--upper disk: a tree 1500 levels deep is removed with the run"

run_hutch run --upper tmpfs:lots "$root" /bin/true
check "--upper tmpfs:lots is refused (125), the message showing the form" refused "tmpfs:SIZE"
