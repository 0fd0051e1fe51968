#!/bin/bash
# --read-only: the root cannot be written at all; /tmp, --tmpfs and rw
# volumes still can. With both overlay backends.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

per_backend=6
plan $((2 * per_backend))

root=$(busybox_layers)
mkdir "$TEST_TMP/vol"

for backend in kernel fuse; do
    if ! have_backend "$backend"; then
        skip_n "$per_backend" "$backend: --read-only checks" "$(backend_missing_reason "$backend")"
        continue
    fi
    run_hutch run --overlay "$backend" --read-only -v "$TEST_TMP/vol:/vol" --tmpfs /scratch "$root" /bin/sh -c '
        echo new > /newfile 2>/dev/null && echo "newfile:written" || echo "newfile:refused"
        echo more >> /etc/motd 2>/dev/null && echo "motd:written" || echo "motd:refused"
        mkdir /newdir 2>/dev/null && echo "mkdir:done" || echo "mkdir:refused"
        rm /etc/passwd 2>/dev/null && echo "rm:done" || echo "rm:refused"
        touch /x 2>&1
        echo t > /tmp/t && echo "tmp:$(cat /tmp/t)"
        echo s > /scratch/s && echo "tmpfs:$(cat /scratch/s)"
        echo v > /vol/v && echo "vol:$(cat /vol/v)"
        while read -r dev mnt type opts rest; do [ "$mnt" = / ] && echo "root:${opts%%,*}"; done < /proc/mounts
        echo done'
    is "$rc/$(grep -E '^(newfile|motd|mkdir|rm):' <<< "$out" | tr '\n' ' ')" \
        "0/newfile:refused motd:refused mkdir:refused rm:refused " \
        "$backend: --read-only refuses new files, appends, mkdir and rm on the root"
    given ran 0 done -- like "$out" "Read-only file system" "$backend: --read-only: the error is EROFS, not a permission problem"
    given ran 0 done -- like "$out" "root:ro" "$backend: --read-only: / is mounted ro"
    given ran 0 done -- like "$out" "tmp:t" "$backend: --read-only: /tmp is still writable"
    given ran 0 done -- like "$out" "tmpfs:s" "$backend: --read-only: a --tmpfs is still writable"
    is "$rc/$(cat "$TEST_TMP/vol/v" 2>&1)" "0/v" "$backend: --read-only: a rw volume is still writable, and the write reaches the host"
    rm -f "$TEST_TMP/vol/v"
done
