#!/bin/bash
# lean: hutch reads /etc/subuid and /etc/subgid itself where nsswitch.conf
# names no subid source, so a launch loads no libsubid, nor the libraries
# it pulls in (libaudit, libselinux, libsemanage, libpam, libcrypt, pcre2,
# libsepol, libbz2), and still maps the caller's whole ranges.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 5
root=$(busybox_layers)
if grep -Eiq '^subid:[[:space:]]*[^[:space:]#]' /etc/nsswitch.conf 2>/dev/null &&
   ! grep -Eiq '^subid:[[:space:]]*files' /etc/nsswitch.conf; then
    skip_n 5 "/etc/nsswitch.conf names a subid source: hutch loads libsubid there"
    exit 0
fi
have_subids || { skip_n 5 "no subordinate ids for $(id -un)"; exit 0; }

# A sandbox that waits, and hutch's own mappings meanwhile.
"$HUTCH" run --userns auto "$root" /bin/sh -c 'wc -l < /proc/self/uid_map; wc -l < /proc/self/gid_map; echo mapped; sleep 2' \
    < /dev/null > "$TEST_TMP/out" 2>&1 &
pid=$!
wait_for_file "$TEST_TMP/out" mapped 10 "$pid"
maps=$(cat "/proc/$pid/maps" 2>/dev/null)
wait "$pid"
rc=$?
# The points that would hold with no hutch at all count only when the
# mappings were hutch's own and its command ran.
hutchs_maps() { [[ $maps == *"$(readlink -f "$HUTCH")"* ]] && grep -qx mapped "$TEST_TMP/out"; }
like "$maps" "$(readlink -f "$HUTCH")" "control: the mappings read are hutch's own"
given hutchs_maps -- unlike "$maps" "libsubid" "no libsubid in hutch's memory"
pulled=$(printf '%s\n' "$maps" | grep -oE 'lib(audit|selinux|semanage|pam|sepol|crypt|pcre2|bz2)[^/]*' | sort -u | tr '\n' ' ')
given hutchs_maps -- is "$pulled" "" "nor what it pulls in"
is "$rc/$(tr '\n' ' ' < "$TEST_TMP/out")" "0/$(( $(subid_ranges uid | wc -l) + 1 )) $(( $(subid_ranges gid | wc -l) + 1 )) mapped " \
    "the caller and every subordinate range mapped, read from the files"
given hutchs_maps -- assert_clean "nothing is left behind"
