#!/bin/bash
# --userns keep-id as podman's: the caller runs as its own uid and gid, while
# the image's owners stay what they are (root's files root's, uid 33's uid
# 33's), through fuse-overlayfs's uidmapping=/gidmapping=; the caller has an
# /etc/passwd entry (whoami works) and its HOME.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 12

if ! have_subids; then
    skip_all "no subordinate ranges for $(id -un) or no newuidmap/newgidmap"
fi
if ! have_fuse; then
    skip_all "$(backend_missing_reason fuse)"
fi

export XDG_DATA_HOME=$TEST_TMP/data
me=$(id -u)
my_gid=$(id -g)
my_name=$(id -un)
my_home=$(getent passwd "$me" | cut -d: -f6)

dir=$TEST_TMP/klayers
make_busybox_layers "$dir" || bail_out "cannot build the busybox layers in $dir"
root="layers:$dir"
# Owners other than root in the image: uid 33 and gid 44 inside, given by
# root inside (on disk they are subordinate ids).
mkdir -p "$dir/20-owners/srv/www" "$dir/20-owners/srv/root-only"
echo page > "$dir/20-owners/srv/www/index.html"
chmod 0700 "$dir/20-owners/srv/root-only"
# (0777, so that the script can remove it when it ends.)
run_hutch run -v "$dir/20-owners/srv:/s" "$root" /bin/sh -c 'chown -R 33:44 /s/www && chmod 0777 /s/www'

[ "$rc" = 0 ] || bail_out "cannot give the image's /srv/www to 33:44: $err"

owners='stat -c "%n %u:%g %a" / /bin /bin/busybox /etc /etc/motd /root /srv/www /srv/www/index.html /srv/root-only'

run_hutch run --userns auto "$root" /bin/sh -c "$owners"
auto_owners=$out
like "$auto_owners" "/srv/www 33:44" "the image's owners as --userns auto shows them (the reference)"

run_hutch run --log-level debug --userns keep-id "$root" /bin/sh -c "$owners"
given test -n "$auto_owners" -- is "$out" "$auto_owners" "--userns keep-id shows the image's owners unchanged: root's files root's, 33:44's 33:44's"
like "$err" "keep-id: fuse-overlayfs" "--userns keep-id says at debug level which backend keeps the owners"

run_hutch run --userns keep-id "$root" /bin/sh -c 'ls -ln / | awk "\$9 == \"bin\" || \$9 == \"etc\" { print \$3, \$4 }"'
is "$out" "0 0
0 0" "--userns keep-id: ls -ln / shows root's directories as 0 0"

run_hutch run --userns keep-id "$root" /bin/sh -c 'id -u; id -g; whoami; echo "$HOME"'
is "$out" "$me
$my_gid
$my_name
$my_home" "--userns keep-id: the caller's uid and gid, whoami names it, HOME is its home"

run_hutch run --userns keep-id "$root" /bin/sh -c 'grep -c "^www:" /etc/passwd; grep -c "^root:" /etc/group'
is "$out" "1
1" "--userns keep-id: the image's own /etc/passwd and /etc/group entries stay"

run_hutch run --userns keep-id "$root" /bin/sh -c 'cat /srv/root-only 2>/dev/null; ls /srv/root-only > /dev/null 2>&1 && echo listed || echo refused'
is "$out" refused "--userns keep-id: the caller is not root inside: a 0700 root directory is closed to it"

run_hutch run --userns keep-id "$root" /bin/sh -c 'echo x > /etc/motd 2>/dev/null && echo written || echo refused'
is "$out" refused "--userns keep-id: the caller cannot write root's files"

# Writes keep their owners: a file root makes (-u 0) shows as root's, and
# one the caller makes, in a directory it was given, as the caller's.
run_hutch run --userns keep-id -u 0 "$root" /bin/sh -c 'touch /new; mkdir /mine; chown '"$me:$my_gid"' /mine; stat -c "%u:%g" /new /mine'
is "$out" "0:0
$me:$my_gid" "--userns keep-id -u 0: a new file is root's, and chown to the caller shows the caller"

mkdir -m 0777 "$TEST_TMP/vol"
run_hutch run --userns keep-id -v "$TEST_TMP/vol:/vol" "$root" /bin/sh -c 'echo x > /vol/f; stat -c %u:%g /vol/f'
is "$out $(stat -c %u:%g "$TEST_TMP/vol/f")" "$me:$my_gid $me:$my_gid" \
    "--userns keep-id: a volume's files are the caller's, inside and on the host"

run_hutch run --userns keep-id --overlay kernel "$root" /bin/sh -c 'stat -c %u /bin'
like "$err" "--overlay kernel" "--userns keep-id --overlay kernel warns that the owners show shifted"

# --upper disk: the keeper, root inside but not the directory's owner by
# number under keep-id, still removes the writes' directory when it ends.
run_hutch run --userns keep-id --upper disk "$root" /bin/sh -c 'echo x > /tmp/f; echo ran'
is "$rc:$out:$(find "$XDG_DATA_HOME/hutch/rw" -mindepth 1 2>&1)" "0:ran:" \
    "--userns keep-id --upper disk: the run's directory under the data directory is gone after the run"
