#!/bin/bash
# -v SRC:DST[:ro|rw] and --tmpfs DST: what is shared with the host, what is
# read-only for real, and what is the sandbox's own.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 23

root=$(busybox_layers)
layers_dir=${root#layers:}
vol=$TEST_TMP/vol
mkdir -p "$vol/sub"
echo from-host > "$vol/hostfile"
echo conf > "$TEST_TMP/file.conf"
layers_before=$(tree_state "$layers_dir")

# --- rw
run_hutch run -v "$vol:/vol" "$root" /bin/sh -c 'cat /vol/hostfile; echo from-sandbox > /vol/new; echo more >> /vol/hostfile; mkdir /vol/sub/dir && echo done'
is "$rc/$(head -n 1 <<< "$out")" "0/from-host" "-v: the host's files are visible inside"
is "$rc/$(cat "$vol/new" 2>&1)" "0/from-sandbox" "-v: a file written inside appears on the host"
is "$rc/$(tail -n 1 "$vol/hostfile")" "0/more" "-v: a change inside reaches the host's file"
given ran 0 done -- check "-v: a directory made inside appears on the host" test -d "$vol/sub/dir"
run_hutch run -v "$vol:/vol:rw" "$root" /bin/sh -c 'rm /vol/new && echo done'
given ran 0 done -- check "-v SRC:DST:rw is writable (a delete inside reaches the host)" test ! -e "$vol/new"

# --- ro
vol_before=$(tree_state "$vol")
run_hutch run -v "$vol:/ro:ro" "$root" /bin/sh -c 'exec 2>&1
    cat /ro/hostfile | head -n 1
    echo x > /ro/new 2>&1
    echo x >> /ro/hostfile 2>&1
    rm /ro/hostfile 2>&1
    mkdir /ro/sub/d 2>&1
    touch /ro/sub 2>&1
    while read -r dev mnt type opts rest; do [ "$mnt" = /ro ] && echo "mount:${opts%%,*}"; done < /proc/mounts
    echo done'
given ran 0 done -- like "$out" from-host ":ro: the files are readable"
n_erofs=$(grep -c "Read-only file system" <<< "$out")
is "$rc/$n_erofs" "0/5" ":ro: every write (create, append, rm, mkdir, touch) fails with EROFS"
given ran 0 done -- like "$out" "mount:ro" ":ro: the volume is mounted ro"
given ran 0 done -- is "$(tree_state "$vol")" "$vol_before" ":ro: nothing changed on the host"

# Root inside must not be able to lift the ro flag.
run_hutch run -v "$vol:/ro:ro" "$root" /bin/sh -c '
    mount -o remount,rw /ro 2>/dev/null; mount -o remount,bind,rw /ro 2>/dev/null
    echo x > /ro/after-remount 2>/dev/null && echo written || echo refused'
is "$rc/$out" "0/refused" ":ro: a remount rw from inside does not make it writable"
given ran 0 refused -- check ":ro: and the host's directory is still untouched" test ! -e "$vol/after-remount"

# A file volume.
run_hutch run -v "$TEST_TMP/file.conf:/etc/app.conf:ro" "$root" /bin/sh -c 'exec 2>&1; cat /etc/app.conf; echo x > /etc/app.conf; echo done'
given ran 0 done -- like "$out" conf "-v FILE:DST binds a single file"
given ran 0 done -- like "$out" "Read-only file system" "-v FILE:DST:ro is read-only"

# A destination the image does not have is made in the upper layer only.
run_hutch run -v "$vol:/new/deep/dir" "$root" /bin/sh -c 'cat /new/deep/dir/hostfile | head -n 1'
is "$rc/$out" "0/from-host" "-v: a missing destination is created inside"
given ran 0 from-host -- is "$(tree_state "$layers_dir")" "$layers_before" "-v: making the destination did not touch the layers"

# A relative source is the caller's relative path.
run run bash -c "cd '$TEST_TMP' && '$HUTCH' run -v vol:/vol '$root' /bin/cat /vol/hostfile"
is "$rc/$(head -n 1 <<< "$out")" "0/from-host" "-v: a relative SRC is resolved from the caller's working directory"

# Nothing of it is mounted on the host.
run_hutch run -v "$vol:/vol" "$root" /bin/sh -c 'test -e /vol/hostfile && echo mounted'
given ran 0 mounted -- is "$(grep -cF "$vol" /proc/self/mountinfo)" 0 "-v: the volume's mount does not appear on the host"

# --- tmpfs
run_hutch run --tmpfs /scratch --tmpfs /var/www "$root" /bin/sh -c '
    while read -r dev mnt type opts rest; do case $mnt in /scratch|/var/www) echo "$mnt $type";; esac; done < /proc/mounts
    echo s > /scratch/s && cat /scratch/s
    echo "www:$(ls -A /var/www | wc -l)"'
given ran 0 -- like "$out" "/scratch tmpfs" "--tmpfs mounts a tmpfs (at a new directory)"
given ran 0 -- like "$out" "/var/www tmpfs" "--tmpfs mounts a tmpfs over an existing directory"
given ran 0 -- like "$out" "www:0" "--tmpfs hides what the image has there"
given ran 0 -- like "$out" "
s
" "--tmpfs is writable"
run_hutch run --tmpfs /scratch "$root" /bin/sh -c 'ls -A /scratch | wc -l'
is "$rc/$out" "0/0" "--tmpfs starts empty on each run"
given ran 0 0 -- is "$(tree_state "$layers_dir")" "$layers_before" "--tmpfs and -v left the layers unchanged"
