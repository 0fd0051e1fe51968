#!/bin/bash
# layers:DIR stacks its subdirectories bottom first in version-sort order;
# upper layers override lower ones; whiteouts (a 0/0 character device, an
# opaque directory, the xattr whiteout) delete or hide what lies below. With
# both overlay backends.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

per_backend=8
plan $((2 * per_backend))

L=$TEST_TMP/stack
mkdir -p "$L"
# Names chosen so that version sort and plain sort disagree: 2-mid < 10-top.
cp -a "$(base_layer)" "$L/1-base"
b=$L/1-base/data m=$L/2-mid/data t=$L/10-top/data
mkdir -p "$b/opq" "$b/dir-gone/sub" "$b/xw" "$m" "$t/opq" "$t/xw"
echo 1 > "$b/order"
echo base > "$b/gone"
echo base > "$b/keep"
echo base > "$b/opq/hidden"
echo base > "$b/dir-gone/sub/file"
echo base > "$b/xw/gone"
echo base > "$b/xw/stays"
echo 2 > "$m/order"
echo mid > "$m/mid-only"
echo 10 > "$t/order"
echo top > "$t/opq/new"

# A whiteout is a 0/0 character device; in a user namespace of our own we
# may make one (Linux 5.8+), as an unprivileged image builder would.
whiteouts=yes
unshare -r mknod "$t/gone" c 0 0 2>/dev/null && unshare -r mknod "$t/dir-gone" c 0 0 2>/dev/null || whiteouts=no
# An opaque directory hides everything below it.
opaque=yes
setfattr -n user.overlay.opaque -v y "$t/opq" 2>/dev/null || opaque=no
# The xattr whiteout (Linux 6.7+): a plain file marked user.overlay.whiteout
# in a directory marked user.overlay.opaque=x.
xwhiteout=yes
{ : > "$t/xw/gone" && setfattr -n user.overlay.whiteout -v y "$t/xw/gone" &&
    setfattr -n user.overlay.opaque -v x "$t/xw"; } 2>/dev/null || xwhiteout=no

lower_before=$(tree_state "$L")

for backend in kernel fuse; do
    if ! have_backend "$backend"; then
        skip_n "$per_backend" "$backend: layer checks" "$(backend_missing_reason "$backend")"
        continue
    fi
    run_hutch run --overlay "$backend" "layers:$L" /bin/sh -c '
        cat /data/order; cat /data/mid-only; cat /data/keep
        echo "gone:$(test -e /data/gone && echo present || echo absent)"
        ls -A /data/opq | tr "\n" " "; echo
        echo "dir-gone:$(test -e /data/dir-gone && echo present || echo absent)"
        ls -A /data/xw | tr "\n" " "; echo
        echo done'
    lines=()
    mapfile -t lines <<< "$out"
    is "$rc/${lines[0]:-}" "0/10" "$backend: layers stack in version-sort order (10-top over 2-mid over 1-base)"
    is "$rc/${lines[1]:-}/${lines[2]:-}" "0/mid/base" "$backend: files of lower layers show through"
    is "$rc/${lines[7]:-}" "0/done" "$backend: the run succeeds"
    if [ $whiteouts = yes ]; then
        is "$rc/${lines[3]:-}" "0/gone:absent" "$backend: a 0/0 character device deletes a file of a lower layer"
        is "$rc/${lines[5]:-}" "0/dir-gone:absent" "$backend: a 0/0 character device deletes a directory of a lower layer"
    else
        skip "$backend: 0/0 character device whiteout of a file" "cannot make a 0/0 character device in a user namespace here"
        skip "$backend: 0/0 character device whiteout of a directory" "cannot make a 0/0 character device in a user namespace here"
    fi
    if [ $opaque = yes ]; then
        is "$rc/${lines[4]:-}" "0/new " "$backend: an opaque directory (user.overlay.opaque) hides the lower one's content"
    else
        skip "$backend: opaque directory" "setfattr (attr package) missing or user xattrs unsupported in $TEST_TMP"
    fi
    if [ $xwhiteout = yes ]; then
        if [ "$rc/${lines[6]:-}" = "0/stays " ]; then
            ok "$backend: an xattr whiteout (user.overlay.whiteout) deletes a file of a lower layer"
        elif [ $backend = fuse ]; then
            todo_fail "$backend: an xattr whiteout (user.overlay.whiteout) deletes a file of a lower layer" \
                "fuse-overlayfs $(fuse-overlayfs --version 2>/dev/null | sed -n 's/^fuse-overlayfs: version //p') does not read user.overlay.whiteout" \
                "got: '${lines[6]:-}'"
        else
            not_ok "$backend: an xattr whiteout (user.overlay.whiteout) deletes a file of a lower layer" "got: '${lines[6]:-}'"
        fi
    else
        skip "$backend: xattr whiteout" "setfattr (attr package) missing or user xattrs unsupported in $TEST_TMP"
    fi
    given ran 0 done -- is "$(tree_state "$L")" "$lower_before" "$backend: the layers are unchanged after the run"
done
