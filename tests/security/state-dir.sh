#!/bin/bash
# hutch's own state, reached through a volume: a sandbox given a volume
# that holds hutch's run directories or its cache of compiled seccomp
# filters (-v $XDG_RUNTIME_DIR:/x, or -v /tmp:/t under the /tmp fallback)
# must not be able to write a filter there, which the next launch would
# load: it would switch the filter off. The state is masked inside such a
# volume (and made first, so that a sandbox cannot make it itself).
# Shown red: with protect_state's mask (launcher/rootfs.c) dropped, the
# first three points fail (the cache is listed and written through both
# volumes); the refusal and the last point do not depend on the mask.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 5

root=$(busybox_layers)
# Fill the cache once, the ordinary way.
run_hutch run "$root" /bin/true
[ "$rc" = 0 ] || bail_out "hutch does not run a sandbox here: $err"
cache=$XDG_RUNTIME_DIR/hutch-cache
# (A launch refreshes a used filter's time; its content is what counts.)
before=$(cd "$cache" 2>/dev/null && md5sum -- *)

run_hutch run -v "$XDG_RUNTIME_DIR:/x" "$root" /bin/sh -c '
    ls -A /x/hutch-cache | wc -l
    for f in /x/hutch-cache/*.bpf /x/hutch-cache/planted.bpf; do echo evil > "$f" 2>/dev/null && echo "wrote:$f"; done
    touch /x/hutch/planted 2>/dev/null && echo wrote:run
    echo ran'
is "$rc:$(echo $out)" "0:0 ran" "-v \$XDG_RUNTIME_DIR: the cache shows empty, and nothing can be written to it or the run directories"
given ran 0 ran -- is "$(cd "$cache" && md5sum -- *)" "$before" "... and the cache on the host is unchanged"

# The /tmp fallback: XDG_RUNTIME_DIR unset, the state under /tmp/hutch-UID,
# and a volume of /tmp.
run env -u XDG_RUNTIME_DIR "$HUTCH" run -v /tmp:/t "$root" /bin/sh -c "
    ls -A /t/hutch-$(id -u) 2>/dev/null | wc -l
    mkdir -p /t/hutch-$(id -u)/cache 2>/dev/null && echo made
    echo ran"
is "$rc:$(echo $out)" "0:0 ran" "-v /tmp:/t with the /tmp fallback: /tmp/hutch-UID shows empty and cannot be written"

run_hutch run -v "$XDG_RUNTIME_DIR/hutch-cache:/c" "$root" /bin/true
check "the cache itself as a volume source is refused (125)" refused "hutch's own state directory"

# What stays usable: the rest of the volume.
run_hutch run -v "$XDG_RUNTIME_DIR:/x" "$root" /bin/sh -c 'echo ok > /x/mine && cat /x/mine'
is "$rc:$out:$(cat "$XDG_RUNTIME_DIR/mine" 2>/dev/null)" "0:ok:ok" "the rest of such a volume is writable as usual"
rm -f "$XDG_RUNTIME_DIR/mine"
