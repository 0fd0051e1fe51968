#!/bin/bash
# bench/overlay-mount.sh: the kernel's own cost of a fresh overlay against
# its layer count (1, 10, 100), the floor under bench/launch.sh's "launch
# time against the layer count". overlay-mount.c mounts the overlay as
# hutch does at each launch (but for the links of its run directory that
# hutch names the layers by), with nothing else around it, inside
# `unshare -Urm`; each layer is given by path, then (Linux 6.13) by an
# O_PATH descriptor. The layers are made as bench/launch.sh makes them.
# Run as an unprivileged user: bench/overlay-mount.sh [BUILD_DIR]
. "$(dirname "$0")/lib.sh"
need_tools "Debian: apt install gcc util-linux" cc unshare
cc -O2 -o "$work/overlay-mount" "$src/bench/overlay-mount.c"
"$src/helpers/hutch-demo-layers" "$work/layers" > /dev/null
layer_counts "$work/layers"
mkdir "$work/scratch"
runs=${RUNS:-300}
echo "machine: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
for n in 1 10 100; do
    # top first, as overlayfs takes them
    bottom_first=("$work/l$n"/*) top_first=()
    for ((i = ${#bottom_first[@]} - 1; i >= 0; i--)); do top_first+=("${bottom_first[i]}"); done
    for by_fd in 0 1; do
        unshare -Urm "$work/overlay-mount" "$runs" "$work/scratch" "$by_fd" "${top_first[@]}" ||
            echo "($n layers$([ "$by_fd" = 1 ] && echo " by descriptor"): failed, see above)"
    done
done
