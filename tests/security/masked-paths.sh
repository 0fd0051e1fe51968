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
for d in '"$DIRS"'; do [ -d $d ] && echo "D $d $(ls -A $d | wc -l) $(touch $d/x 2>&1 | grep -c Read-only)"; done; echo looked'

# "looked" ends the listing: the sandbox ran it to the end.
sandbox -- /bin/sh -c "$look"
masked=$out masked_ran=no
ran 0 looked && masked_ran=yes
sandbox --unmask ALL -- /bin/sh -c "$look"
unmasked=$out unmasked_ran=no
ran 0 looked && unmasked_ran=yes

check "some of the masked paths exist on this kernel" test "$masked_ran" = yes -a -n "$(printf '%s\n' "$masked" | grep '^[FD] ')"
bad=$(printf '%s\n' "$masked" | awk '$1 == "F" && ($3 != 0 || $4 != "1:3")')
given test "$masked_ran" = yes -- is "$bad" "" "masked files read nothing and are /dev/null (1:3)"
bad=$(printf '%s\n' "$masked" | awk '$1 == "D" && ($3 != 0 || $4 != 1)')
given test "$masked_ran" = yes -- is "$bad" "" "masked directories are empty and read-only"
given test "$masked_ran" = yes -- like "$masked" "F /proc/keys 0 1:3" "/proc/keys (the user's key names) is masked"

unmasked_keys=$(printf '%s\n' "$unmasked" | awk '$2 == "/proc/keys" { print $3 }')
check "--unmask ALL: /proc/keys shows the keys (the test can tell)" test "$unmasked_ran" = yes -a "${unmasked_keys:-0}" -gt 0
fw=$(printf '%s\n' "$unmasked" | awk '$2 == "/sys/firmware" { print $3 }')
if [ -n "$fw" ] && [ "$fw" -gt 0 ] && [ "$unmasked_ran" = yes ]; then
    ok "--unmask ALL: /sys/firmware has entries"
elif [ "$unmasked_ran" != yes ]; then
    not_ok "--unmask ALL: /sys/firmware has entries" "the sandbox did not run: $unmasked"
else
    skip "--unmask ALL: /sys/firmware has entries" "empty or absent on this machine"
fi

sandbox --unmask /proc/keys -- /bin/sh -c "$look"
given ran 0 looked -- like "$out" "D /sys/firmware 0 1" "--unmask /proc/keys leaves the other masks in place"
