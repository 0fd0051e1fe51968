#!/bin/bash
# masked-paths: the OCI default masked paths read as nothing: files are
# /dev/null, directories an empty read-only tmpfs. Which exist depends on
# the kernel; those that do not are skipped. --unmask ALL lifts the masks,
# and then at least /proc/keys (the user's keys) and /sys/firmware show
# content: the test can tell a mask from an empty file.

. "$(dirname "$0")/lib-security.sh"
plan 7

FILES="/proc/kcore /proc/keys /proc/latency_stats /proc/sched_debug /proc/timer_list /proc/timer_stats"
DIRS="/proc/acpi /proc/asound /proc/scsi /sys/firmware /sys/dev/block /sys/devices/virtual/powercap /sys/fs/selinux"
look='for f in '"$FILES"'; do [ -e $f ] && echo "F $f $(cat $f 2>/dev/null | wc -c) $(stat -c %t:%T $f)"; done
for d in '"$DIRS"'; do [ -d $d ] && echo "D $d $(ls -A $d | wc -l) $(touch $d/x 2>&1 | grep -c Read-only)"; done; true'

sandbox -- /bin/sh -c "$look"
masked=$out
sandbox --unmask ALL -- /bin/sh -c "$look"
unmasked=$out

check "some of the masked paths exist on this kernel" test -n "$masked"
bad=$(printf '%s\n' "$masked" | awk '$1 == "F" && ($3 != 0 || $4 != "1:3")')
is "$bad" "" "masked files read nothing and are /dev/null (1:3)"
bad=$(printf '%s\n' "$masked" | awk '$1 == "D" && ($3 != 0 || $4 != 1)')
is "$bad" "" "masked directories are empty and read-only"
like "$masked" "F /proc/keys 0 1:3" "/proc/keys (the user's key names) is masked"

unmasked_keys=$(printf '%s\n' "$unmasked" | awk '$2 == "/proc/keys" { print $3 }')
check "--unmask ALL: /proc/keys shows the keys (the test can tell)" test "${unmasked_keys:-0}" -gt 0
fw=$(printf '%s\n' "$unmasked" | awk '$2 == "/sys/firmware" { print $3 }')
if [ -n "$fw" ] && [ "$fw" -gt 0 ]; then
    ok "--unmask ALL: /sys/firmware has entries"
else
    skip "--unmask ALL: /sys/firmware has entries" "empty or absent on this machine"
fi

sandbox --unmask /proc/keys -- /bin/sh -c "$look"
like "$out" "D /sys/firmware 0 1" "--unmask /proc/keys leaves the other masks in place"
