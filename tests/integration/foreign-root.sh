#!/bin/bash
# Roots that are not the caller's, as a lab machine has them: a tree owned
# by root (debootstrap run as root, an image unpacked under /srv), with or
# without root-only files, and a squashfs image an administrator built.
# The trees are made by root before the tests (.ci/run does it) and named
# by HUTCH_TEST_ROOT_FIXTURES:
#   root-owned/        root's, every file readable by others
#   root-secret/       root's, with /etc/shadow 0640 and /root 0700
#   root-secret.sqfs   mksquashfs of root-secret
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"


fx=${HUTCH_TEST_ROOT_FIXTURES:-}
if [ -z "$fx" ] || [ ! -d "$fx/root-owned" ]; then
    skip_all "no fixtures: root must make them first (set HUTCH_TEST_ROOT_FIXTURES; .ci/run does)"
fi

plan 20

# --- a root-owned tree, all of it readable: root inside writes anywhere.
run_hutch run "$fx/root-owned" /bin/sh -c '
    echo e > /etc/written && cat /etc/written
    echo r > /root/written && cat /root/written
    echo u > /run/written && cat /run/written
    stat -c owner:%u:%g /etc/passwd; echo ran'
is "$rc:$(echo $out)" "0:e r u owner:0:0 ran" \
    "root-owned tree: root inside writes to /etc, /root and /run, and sees root's files as root's"
given ran 0 ran -- is "$(stat -c %U "$fx/root-owned/etc")" root "root-owned tree: the tree is still root's"
given ran 0 ran -- check "root-owned tree: nothing was written to the tree" test ! -e "$fx/root-owned/etc/written"
given ran 0 ran -- assert_clean "root-owned tree: nothing left behind"
run_hutch run --log-level debug "$fx/root-owned" /bin/true
like "$err" "squash_to_root" "root-owned tree: --log-level debug says which backend and why"
# The kernel overlay cannot even make /etc/hostname there (the tree has
# none): the warning comes first, and says what would work.
run_hutch run --overlay kernel "$fx/root-owned" /bin/true
check "root-owned tree with --overlay kernel: hutch refuses it (125)" refused "owned by uid 0"
like "$err" "owned by uid 0" "root-owned tree with --overlay kernel: a warning names the owner"
like "$err" "--overlay auto or fuse" "root-owned tree with --overlay kernel: ... and the way to writes"

# --- the same tree as the lower layer of layers:DIR (a link to it), under
# a layer of the caller's: the owners are read as the layers are listed.
# /root is only in root's layer: the kernel overlay could not write there.
mkdir -p "$TEST_TMP/mixed/10-mine/etc"
ln -s "$fx/root-owned" "$TEST_TMP/mixed/00-root"
echo mine > "$TEST_TMP/mixed/10-mine/etc/mine"
run_hutch run --log-level debug "layers:$TEST_TMP/mixed" /bin/sh -c \
    'cat /etc/mine; echo r > /root/written && cat /root/written; stat -c %u /etc/passwd'
is "$rc:$(echo $out)" "0:mine r 0" "layers:DIR with a layer of root's: root inside writes to /root, which only root's layer has"
like "$err" "squash_to_root" "layers:DIR with a layer of root's: found as root's (fuse-overlayfs shows it as root's)"
given ran 0 r -- check "layers:DIR with a layer of root's: nothing was written to root's tree" test ! -e "$fx/root-owned/root/written"

# --- root-only files: said before anything starts, with which and why.
run_hutch run "$fx/root-secret" /bin/sh -c 'echo ran >&2; echo w > /etc/w && echo etc:written'
is "$rc:$out" "0:etc:written" "root-only paths: the rest of the root works, writes included"
like "$(head -1 <<< "$err")" "2 paths you cannot read" "root-only paths: the warning, before the command ran, counts them"
like "$err" "/etc/shadow" "root-only paths: the warning shows an example"
like "$err" "mksquashfs" "root-only paths: the warning gives the ways out"
given ran 0 etc:written -- assert_clean "root-only paths: nothing left behind"

# --- the same tree as a squashfs image: everything readable inside.
for form in "squashfs:$fx/root-secret.sqfs" "$fx/root-secret.sqfs"; do
    run_hutch run "$form" /bin/sh -c 'cat /etc/shadow; echo r > /root/w && cat /root/w; stat -c %a:%u /etc/shadow'
    is "$rc:$(echo $out)" "0:secret r 640:0" "squashfs (${form%%:*}): reads a root-only file, writes to /root, owners kept"
done
given test "$rc" = 0 -a -n "$out" -- assert_clean "squashfs: nothing left behind" "$fx/root-secret.sqfs"
run_hutch run "squashfs:$fx/root-owned/etc/passwd" /bin/true
check "squashfs: a file that is not an image is refused (125)" refused "not a squashfs image"
