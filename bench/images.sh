#!/bin/bash
# bench/images.sh: the image store against podman's, side by side, and
# start-up against the number of layers.
#   (a) import of a multi-layer image of IMAGE_MB MiB (a busybox base and 5
#       layers of random data, built with umoci): hutch import
#       docker-archive:FILE against podman load -i FILE (the same archive,
#       written by skopeo), and hutch import oci:DIR;
#   (b) a pull of that image from Debian's docker-registry on loopback:
#       hutch pull --tls-verify=false against podman pull --tls-verify=false;
#   (c) hutch run IMAGE /bin/true from images of 1, 10 and 100 layers.
# Every import and pull starts from an empty store (hyperfine --prepare);
# podman uses a store of its own under the work directory (vfs, as rootless
# podman does without fuse-overlayfs configured), never the user's.
#
# Usage: bench/images.sh [BUILD_DIR]   (as the unprivileged user)
# Settings: IMAGE_MB (120), RUNS (5: imports, pulls), RUNS_START (40),
# PARTS ("import pull start": which of (a), (b), (c) to run).
. "$(dirname "$0")/lib.sh"
need_tools "Debian: apt install hyperfine umoci skopeo docker-registry podman busybox-static" \
    hyperfine umoci skopeo docker-registry podman curl
image_mb=${IMAGE_MB:-120}
runs=${RUNS:-5}
runs_start=${RUNS_START:-40}
parts=${PARTS:-import pull start}
has() { [[ " $parts " == *" $1 "* ]]; }
export XDG_DATA_HOME=$work/data
# podman's runtime directory (and its pause process's pid) of our own.
export XDG_RUNTIME_DIR=$work/xdg
mkdir -m 0700 "$XDG_RUNTIME_DIR"
cleanup_stores() { unshare --map-root-user --map-auto rm -rf "$work/hs" "$work/ps" "$work/psr" 2> /dev/null || true; }
trap 'stop_podman_pause; cleanup_stores; cleanup' EXIT

# ------------------------------------------------------------ the images
"$src/helpers/hutch-demo-layers" "$work/layers" > /dev/null
O=$work/oci
umoci init --layout "$O"
if has import || has pull; then
    umoci new --image "$O:big"
    umoci insert --rootless --image "$O:big" "$work/layers/00-base" /
    for i in 1 2 3 4 5; do
        mkdir -p "$work/data$i/data"
        head -c $((image_mb * 1024 * 1024 / 5)) /dev/urandom > "$work/data$i/data/blob$i"
        umoci insert --rootless --image "$O:big" "$work/data$i" /
        rm -rf "$work/data$i"
    done
    skopeo copy -q "oci:$O:big" "docker-archive:$work/big.tar:bench/big:latest"
    echo "image: $(du -sm "$work/big.tar" | cut -f1) MB as a docker-archive, 6 layers"
fi

umoci new --image "$O:l1"
umoci insert --rootless --image "$O:l1" "$work/layers/00-base" /
for n in 10 100; do
    umoci new --image "$O:l$n"
    umoci insert --rootless --image "$O:l$n" "$work/layers/00-base" /
    for ((i = 2; i <= n; i++)); do
        mkdir -p "$work/small/etc"
        echo "$i" > "$work/small/etc/layer-$i"
        umoci insert --rootless --image "$O:l$n" "$work/small" / > /dev/null
        rm -rf "$work/small"
    done
done
H=("$hutch" --root "$work/hs")
P=(podman --root "$work/ps" --runroot "$work/psr" --storage-driver vfs)

# medians FILE.json: each command's median and its ratio to the first's.
medians() {
    python3 - "$1" << 'PY'
import json, statistics, sys
rs = json.load(open(sys.argv[1]))["results"]
base = statistics.median(rs[0]["times"])
for r in rs:
    m = statistics.median(r["times"])
    print(f"| {r['command']} | {m * 1000:.1f} ms | {m / base:.2f} |")
PY
}

# ----------------------------------------------------------- (a) import
has import && hyperfine --runs "$runs" --prepare "unshare --map-root-user --map-auto rm -rf $work/hs $work/ps $work/psr" \
    --export-json "$work/import.json" \
    -n "hutch import docker-archive" "${H[*]} import docker-archive:$work/big.tar big" \
    -n "podman load" "${P[*]} load -q -i $work/big.tar" \
    -n "hutch import oci" "${H[*]} import oci:$O:big big"

# ------------------------------------------------------------- (b) pull
if has pull; then
reg=$(port)
mkdir -p "$work/reg"
cat > "$work/reg/config.yml" << EOF2
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/reg/storage
http:
  addr: 127.0.0.1:$reg
EOF2
docker-registry serve "$work/reg/config.yml" > "$work/reg/log" 2>&1 &
pids+=($!)
for ((i = 0; i < 100; i++)); do curl -s -o /dev/null "http://127.0.0.1:$reg/v2/" && break; sleep 0.05; done
skopeo copy -q --dest-tls-verify=false "oci:$O:big" "docker://127.0.0.1:$reg/bench/big:latest"
hyperfine --runs "$runs" --prepare "unshare --map-root-user --map-auto rm -rf $work/hs $work/ps $work/psr" \
    --export-json "$work/pull.json" \
    -n "hutch pull" "${H[*]} pull --tls-verify=false 127.0.0.1:$reg/bench/big" \
    -n "podman pull" "${P[*]} pull -q --tls-verify=false 127.0.0.1:$reg/bench/big"
fi

# ------------------------------------------- (c) start-up against layers
cleanup_stores
for n in 1 10 100; do "${H[@]}" import "oci:$O:l$n" "l$n" > /dev/null; done
has start && hyperfine -N --warmup 3 --runs "$runs_start" --export-json "$work/start.json" \
    -n "1 layer" "${H[*]} run l1 /bin/true" \
    -n "10 layers" "${H[*]} run l10 /bin/true" \
    -n "100 layers" "${H[*]} run l100 /bin/true"

echo "| command | median | ratio to the first |"
for part in import pull start; do
    if has $part; then medians "$work/$part.json"; fi
done
