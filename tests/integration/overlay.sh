#!/bin/bash
# --overlay kernel|fuse|auto: the root is really mounted by the chosen
# backend; and a root of 128 layers mounts with each (the classic lowerdir=
# string is capped at a page, which 128 long paths overflow).
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 9

root=$(busybox_layers)
# (true: the loop's own status is that of its last test, not an error.)
root_type='while read -r dev mnt type rest; do [ "$mnt" = / ] && echo "$type"; done < /proc/mounts; true'

if have_backend kernel; then
    run_hutch run --overlay kernel "$root" /bin/sh -c "$root_type"
    is "$rc/$out" "0/overlay" "--overlay kernel: / is a kernel overlayfs"
else
    skip "--overlay kernel" "$(backend_missing_reason kernel)"
fi
if have_backend fuse; then
    run_hutch run --overlay fuse "$root" /bin/sh -c "$root_type; cat /proc/[0-9]*/comm | grep -cx fuse-overlayfs || true"
    is "$rc/$out" "0/fuse.fuse-overlayfs
0" "--overlay fuse: / is fuse-overlayfs, and its process is not visible inside"
elif [ "${HUTCH_HAVE_FUSE:-1}" = 0 ]; then
    run_hutch run --overlay fuse "$root" /bin/sh -c 'echo ran'
    is "$rc:$out:$(grep -c 'built without the fuse-overlayfs backend' <<< "$err")" "125::1" \
        "--overlay fuse, built with -Dfuse=disabled: refused with exit 125, saying why"
else
    skip "--overlay fuse" "$(backend_missing_reason fuse)"
fi
run_hutch run --overlay auto "$root" /bin/sh -c "$root_type"
if have_backend kernel; then
    is "$rc/$out" "0/overlay" "--overlay auto picks the kernel's overlayfs where it works"
else
    is "$rc/$out" "0/fuse.fuse-overlayfs" "--overlay auto falls back to fuse-overlayfs"
fi

# --- 128 layers: 1 is busybox, 2..128 each add a file and bump /order. Long
# directory names make the classic option string far longer than a page.
many=$TEST_TMP/many-layers-with-a-rather-long-directory-name-to-fill-the-option-string
mkdir -p "$many"
cp -a "$(base_layer)" "$many/1-busybox-base-layer-with-a-long-name"
for ((i = 2; i <= 128; i++)); do
    d=$many/$i-layer-number-$i-with-a-long-name-to-overflow-a-page
    mkdir -p "$d/layers"
    echo "$i" > "$d/layers/$i"
    echo "$i" > "$d/order"
done
lowerdir_len=$(find "$many" -mindepth 1 -maxdepth 1 | wc -c)
diag "128 layers: their paths add up to $lowerdir_len bytes"

for backend in kernel fuse; do
    if ! have_backend "$backend"; then
        skip "$backend: 128 layers mount" "$(backend_missing_reason "$backend")"
        skip "$backend: 128 layers all visible" "$(backend_missing_reason "$backend")"
        skip "$backend: 128 layers stack in order" "$(backend_missing_reason "$backend")"
        continue
    fi
    run_hutch run --overlay "$backend" "layers:$many" /bin/sh -c 'echo mounted; ls /layers | wc -l; cat /order'
    is "$rc/$(sed -n 1p <<< "$out")" "0/mounted" "$backend: a root of 128 layers mounts"
    is "$rc/$(sed -n 2p <<< "$out")" "0/127" "$backend: the files of all 128 layers are visible"
    is "$rc/$(sed -n 3p <<< "$out")" "0/128" "$backend: the 128 layers stack in version-sort order (128 on top)"
done
