#!/bin/bash
# The caller's identity inside: uid_map and gid_map for each --userns mode,
# and what ids files written from the sandbox get on the host.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 14
root=$(busybox_layers)
me=$(id -u)
my_gid=$(id -g)

# The map as "inside outside count" lines, spaces squeezed.
maps='for f in uid_map gid_map; do echo "$f"; while read -r a b c; do echo "$a $b $c"; done < /proc/self/$f; done'

# What --userns auto must give: 0 is the caller, then the ranges in order.
expected_auto() {
    local next=1 start count
    echo "0 $2 1"
    while read -r start count; do
        echo "$next $start $count"
        next=$((next + count))
    done <<< "$(subid_ranges "$1")"
}

# --- single: only the caller, as root; setgroups denied.
run_hutch run --userns single "$root" /bin/sh -c "$maps; cat /proc/self/setgroups; id -u; id -g"
is "$rc/$out" "0/uid_map
0 $me 1
gid_map
0 $my_gid 1
deny
0
0" "--userns single maps only the caller, to root, with setgroups denied"

mkdir -m 0777 "$TEST_TMP/vol"
run_hutch run --userns single -v "$TEST_TMP/vol:/vol" "$root" /bin/sh -c 'echo x > /vol/by-root'
is "$rc/$(stat -c %u:%g "$TEST_TMP/vol/by-root" 2>&1)" "0/$me:$my_gid" "--userns single: root inside writes as the caller on the host"

run_hutch run --userns single -u 1000 "$root" /bin/true
check "--userns single: an unmapped --user fails with 125" refused
given ran 125 -- like "$err" "not mapped" "--userns single: the message says the uid is not mapped"

if ! have_subids; then
    skip_n 10 "--userns auto/keep-id checks" "no subordinate ranges for $(id -un) or no newuidmap/newgidmap"
    exit 0
fi

# --- auto (the default): caller is 0, subordinate ids are 1..N.
want="uid_map
$(expected_auto uid "$me")
gid_map
$(expected_auto gid "$my_gid")"
# On the holder path the sandbox sees its map relative to the holder's
# namespace: host_maps shows it as the host sees it (tests/lib.sh).
run_hutch run --userns auto "$root" /bin/sh -c "$maps"
out=$(host_maps "$out")
is "$rc/$out" "0/$want" "--userns auto maps the caller to 0 and the subordinate ranges from 1"
run_hutch run "$root" /bin/sh -c "$maps"
out=$(host_maps "$out")
is "$rc/$out" "0/$want" "auto is the default"
given test "$rc/$out" = "0/$want" -- is "$err" "" "auto prints no fallback warning where ranges and helpers exist"

first_sub_uid=$(subid_ranges uid | awk 'NR == 1 { print $1 }')
first_sub_gid=$(subid_ranges gid | awk 'NR == 1 { print $1 }')
run_hutch run -u 1:1 -v "$TEST_TMP/vol:/vol" "$root" /bin/sh -c 'id -u; id -g; echo x > /vol/by-1'
is "$rc/$out" "0/1
1" "--userns auto: --user 1:1 runs as 1:1 inside"
is "$rc/$(stat -c %u:%g "$TEST_TMP/vol/by-1" 2>&1)" "0/$first_sub_uid:$first_sub_gid" \
    "--userns auto: uid 1 inside writes as the first subordinate id on the host"

# --- keep-id: the caller keeps its ids; the subordinate ids fill the rest.
run_hutch run --userns keep-id -v "$TEST_TMP/vol:/vol" "$root" /bin/sh -c \
    "$maps; echo ids; id -u; id -g; echo x > /vol/by-keep-id"
out=$(host_maps "$out")
uid_part=$(sed -n '/^uid_map$/,/^gid_map$/p' <<< "$out" | sed '1d;$d')
gid_part=$(sed -n '/^gid_map$/,/^ids$/p' <<< "$out" | sed '1d;$d')
ids=$(sed -n '/^ids$/,$p' <<< "$out" | sed 1d)
keep_id_rc=$rc
is "$rc/$ids" "0/$me
$my_gid" "--userns keep-id: the command runs with the caller's uid and gid"

# The map must hold the caller at its own id, map every subordinate id once
# (and nothing else), and give inside 0 to a subordinate id, never the caller.
check_keep_id_map() {
    local map=$1 id=$2 kind=$3 total=0 want_total=1 start count
    grep -qx "$id $id 1" <<< "$map" || { echo "no line '$id $id 1'"; return 1; }
    while read -r start count; do want_total=$((want_total + count)); done <<< "$(subid_ranges "$kind")"
    total=$(awk '{ s += $3 } END { print s }' <<< "$map")
    [ "$total" = "$want_total" ] || { echo "maps $total ids, want $want_total"; return 1; }
    # Inside ranges must not overlap (the kernel would refuse the map anyway).
    awk '{ print $1, $1 + $3 }' <<< "$map" | sort -n | awk 'NR > 1 && $1 < end { bad = 1 } { end = $2 } END { exit bad }' ||
        { echo "overlapping inside ranges"; return 1; }
    local zero
    zero=$(awk '$1 == 0 { print $2 }' <<< "$map")
    [ -n "$zero" ] && [ "$zero" != "$id" ] || { echo "inside 0 maps to '$zero'"; return 1; }
}
if [ "$keep_id_rc" != 0 ]; then not_ok "--userns keep-id: uid_map keeps the caller and every subordinate uid" "exit status $keep_id_rc"
elif msg=$(check_keep_id_map "$uid_part" "$me" uid); then ok "--userns keep-id: uid_map keeps the caller and every subordinate uid"
else not_ok "--userns keep-id: uid_map keeps the caller and every subordinate uid" "$msg" "$uid_part"; fi
if [ "$keep_id_rc" != 0 ]; then not_ok "--userns keep-id: gid_map keeps the caller and every subordinate gid" "exit status $keep_id_rc"
elif msg=$(check_keep_id_map "$gid_part" "$my_gid" gid); then ok "--userns keep-id: gid_map keeps the caller and every subordinate gid"
else not_ok "--userns keep-id: gid_map keeps the caller and every subordinate gid" "$msg" "$gid_part"; fi
is "$keep_id_rc/$(stat -c %u:%g "$TEST_TMP/vol/by-keep-id" 2>&1)" "0/$me:$my_gid" "--userns keep-id: files are written as the caller"

# ls -n inside: the caller's own file shows its own uid, not 0.
run_hutch run --userns keep-id -v "$TEST_TMP/vol:/vol" "$root" /bin/sh -c 'stat -c %u /vol/by-keep-id'
is "$rc/$out" "0/$me" "--userns keep-id: the caller's files show the caller's uid inside"
