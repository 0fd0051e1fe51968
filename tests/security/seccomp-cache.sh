#!/bin/bash
# seccomp-cache: a compiled filter is found again without parsing the
# profile (issue 9, item 4), under a key of the profile file's identity and
# text, and a changed profile never loads a stale filter:
#   - rewritten in place within the same second, to the same size, with its
#     modification time set back to the old one to the nanosecond;
#   - replaced by a rename (a new inode);
#   - the same file with another capability set ("includes": {"caps"}).
# Each profile answers mkdir with an errno of its own, so the message tells
# which filter the command ran under.
# Shown red: with the text, the change time and the capabilities left out
# of the file key (launcher/seccomp-cache.c), the rewrite's two points and
# the CAP_SYS_ADMIN one fail (the stale filter loads); the rename's pass
# on the inode alone.

. "$(dirname "$0")/lib-security.sh"
plan 9

profile() {  # profile ERRNO: the text of a profile that answers mkdir with ERRNO
    printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
  {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": %d},
  {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "includes": {"caps": ["CAP_SYS_ADMIN"]}}]}\n' "$1"
}
p=$TEST_TMP/profile.json
# 13 EACCES "Permission denied", 30 EROFS "Read-only file system": same size.
profile 13 > "$p"

sandbox --seccomp "$p" -- mkdir /tmp/d
like "$out$err" "Permission denied" "the profile's filter runs (mkdir: EACCES)"
sandbox --log-level debug --seccomp "$p" -- mkdir /tmp/d
like "$out$err" "Permission denied" "launched again, the same filter"
like "$err" "from the cache, unparsed" "and it came from the cache without a parse"

# Same inode, same size, the same mtime to the nanosecond: only the text
# (and the change time, which no one can set) differs.
mtime=$(stat -c %y "$p")
ino=$(stat -c %i "$p")
profile 30 > "$p"
touch -m -d "$mtime" "$p"
[ "$(stat -c %y.%s.%i "$p")" = "$mtime.$(profile 13 | wc -c).$ino" ] || diag "the rewrite did not keep mtime, size and inode: $(stat -c '%y %s %i' "$p")"
sandbox --log-level debug --seccomp "$p" -- mkdir /tmp/d
like "$out$err" "Read-only file system" "rewritten in place within the second, same size and mtime: the new filter (EROFS)"
said() { [[ $out$err == *"$1"* ]]; }
given said "Read-only file system" -- unlike "$err" "from the cache, unparsed" "and it was parsed again"

# Replaced by a rename: a new inode, the old text again.
profile 13 > "$p.new"
mv "$p.new" "$p"
sandbox --seccomp "$p" -- mkdir /tmp/d
like "$out$err" "Permission denied" "replaced by a rename: the new file's filter (EACCES)"
sandbox --seccomp "$p" -- mkdir /tmp/d
like "$out$err" "Permission denied" "and again, from the cache"

# The capability set is part of the key: rmdir is denied only with
# CAP_SYS_ADMIN, which the same file, cached without it, must not hide.
sandbox --seccomp "$p" --cap-add SYS_ADMIN -- rmdir /tmp
like "$out$err" "Operation not permitted" "the same file with CAP_SYS_ADMIN: its rule applies (rmdir: EPERM)"
sandbox --seccomp "$p" -- /bin/sh -c 'rmdir /tmp; echo tried'
given ran 0 tried -- unlike "$out$err" "Operation not permitted" "and without it, it does not"
