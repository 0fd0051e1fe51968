#!/bin/bash
# -u USER[:GROUP] as podman takes it: names and numbers resolved in the
# image's /etc/passwd and /etc/group (never the host's), the group from the
# image (0 for a uid it does not list, never the uid's own number), the
# supplementary groups from the image's /etc/group, and unknown names
# refused before anything starts.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 23

if ! have_subids; then
    skip_all "no subordinate ranges for $(id -un) or no newuidmap/newgidmap: only uid 0 is mapped"
fi

dir=$TEST_TMP/ulayers
make_busybox_layers "$dir" || bail_out "cannot build the busybox layers in $dir"
root="layers:$dir"
users=$dir/20-users
mkdir -p "$users/etc"
# As Debian 12 has them: _apt is uid 42 in group nogroup, and gid 42 is
# shadow, which may read /etc/shadow.
cat > "$users/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
alice:x:1001:1001:Alice:/home/alice:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
P
cat > "$users/etc/group" <<'G'
root:x:0:
daemon:x:1:
audio:x:29:alice,root
www-data:x:33:
shadow:x:42:
video:x:44:bob,alice
users:x:100:alice
alice:x:1001:
nogroup:x:65534:
G
printf 'root:*:19000:0:99999:7:::\n_apt:*:19000:0:99999:7:::\n' > "$users/etc/shadow"
chmod 0640 "$users/etc/shadow"
# root:shadow inside: on disk the group must be the subordinate gid that
# stands for 42, which only root inside the sandbox can give it.
run_hutch run -v "$users/etc:/e" "$root" /bin/chown 0:42 /e/shadow
[ "$rc" = 0 ] || bail_out "cannot make the image's /etc/shadow root:shadow: $err"

ids='id -u; id -g; id -G; echo "$HOME"'
read_shadow='cat /etc/shadow > /dev/null 2>&1 && echo read || echo refused'

# --- a uid the image lists: its group from /etc/passwd, not the uid's number
run_hutch run -u 42 "$root" /bin/sh -c "$ids"
is "$out" "42
65534
65534
/nonexistent" "-u 42 runs as 42:65534 (_apt's group in the image), not 42:42 (shadow), HOME from the image"
run_hutch run -u 42 "$root" /bin/sh -c "$read_shadow"
is "$out" refused "-u 42 cannot read the image's /etc/shadow (0640 root:shadow)"

# --- the same by name
run_hutch run -u _apt "$root" /bin/sh -c "$ids"
is "$out" "42
65534
65534
/nonexistent" "-u _apt is looked up in the image's /etc/passwd: 42:65534"
run_hutch run -u _apt "$root" /bin/sh -c "$read_shadow"
is "$out" refused "-u _apt cannot read /etc/shadow"

# --- a uid the image does not list: group 0, podman's rule
run_hutch run -u 1000 "$root" /bin/sh -c "$ids"
is "$out" "1000
0
0
/" "-u 1000 (not in the image) runs with gid 0, not 1000, and HOME=/"

# --- supplementary groups from /etc/group
run_hutch run -u alice "$root" /bin/sh -c "$ids"
is "$(sed -n 1,2p <<< "$out")" "1001
1001" "-u alice: alice's uid and primary group from the image"
is "$(sed -n 3p <<< "$out" | tr ' ' '\n' | sort -n | tr '\n' ' ')" "29 44 100 1001 " \
    "-u alice: the supplementary groups that list alice in the image's /etc/group"
is "$(sed -n 4p <<< "$out")" /home/alice "-u alice: HOME from the image's /etc/passwd"
run_hutch run -u 1001 "$root" /bin/sh -c 'id -G'
is "$(tr ' ' '\n' <<< "$out" | sort -n | tr '\n' ' ')" "29 44 100 1001 " \
    "-u 1001: the same groups when the uid is given by number"
run_hutch run -u alice "$root" /bin/sh -c 'grep ^Groups: /proc/self/status'
is "$(awk '{ $1 = ""; print }' <<< "$out" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ')" "29 44 100 " \
    "-u alice: the kernel holds exactly those supplementary groups"

# --- USER:GROUP: names or numbers, and then no supplementary groups
run_hutch run -u alice:shadow "$root" /bin/sh -c 'id -u; id -g; id -G'
is "$out" "1001
42
42" "-u alice:shadow: the group by name from the image, no supplementary groups"
run_hutch run -u alice:shadow "$root" /bin/sh -c "$read_shadow"
is "$out" read "-u alice:shadow can read /etc/shadow (the check above can fail)"
run_hutch run -u _apt:44 "$root" /bin/sh -c 'id -u; id -g'
is "$out" "42
44" "-u _apt:44: a name and a number"
run_hutch run -u 33:44 "$root" /bin/sh -c 'id -u; id -g; id -G'
is "$out" "33
44
44" "-u 33:44: both numbers, as given"

# --- unknown names: 125 before anything starts, naming the user and the file
run_hutch run -u nosuchuser "$root" /bin/true
check "-u nosuchuser: exit 125" refused
like "$err" "nosuchuser" "-u nosuchuser: the message names the user"
like "$err" "$users/etc/passwd" "-u nosuchuser: the message names the image's /etc/passwd"
run_hutch run -u alice:nosuchgroup "$root" /bin/true
check "-u alice:nosuchgroup: exit 125" refused
like "$err" "nosuchgroup\` in the image's /etc/group (\`$users/etc/group\`)" \
    "-u alice:nosuchgroup: the message names the group and the image's /etc/group"

# --- the host's names never count: a name only the host has is unknown
run_hutch run -u "$(id -un)" "$root" /bin/true
check "-u $(id -un) (a host user the image does not have) is refused" refused

# --- a symlink in the image cannot make hutch read a host file
printf 'evil:x:4242:4242::/:/bin/sh\n' > "$TEST_TMP/host-passwd"
mkdir -p "$dir/30-evil/etc"
ln -s "$TEST_TMP/host-passwd" "$dir/30-evil/etc/passwd"
run_hutch run -u evil "$root" /bin/sh -c 'id -u'
is "$rc $out" "125 " "an image's etc/passwd -> a host file is followed inside its layer only: -u evil is unknown"
rm -r "$dir/30-evil"

# --- root's groups: set from the image with subordinate ids; in --userns
# single setgroups is denied, so none are set (the ones hutch was started
# with stay, shown as the overflow id or 0), and an unmapped one is no error
run_hutch run -u root "$root" /bin/sh -c 'grep ^Groups: /proc/self/status'
is "$(tr -s ' \t' ' ' <<< "$out" | sed 's/ $//')" "Groups: 29" "-u root: root's supplementary groups from the image"
run_hutch run --userns single -u root "$root" /bin/sh -c 'id -u; id -g; grep ^Groups: /proc/self/status'
if [ "$rc" = 0 ] && [ "$(sed -n 1,2p <<< "$out")" = "0
0" ] && ! grep -qw 29 <<< "$(sed -n 3p <<< "$out")"; then
    ok "--userns single -u root: 0:0, and the image's groups are not set"
else
    not_ok "--userns single -u root: 0:0, and the image's groups are not set" "$(last_run)"
fi
