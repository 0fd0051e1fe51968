#!/bin/bash
# hutch pull from a real registry: Debian's docker-registry on loopback,
# fed by skopeo with an image umoci made. Plain http only with
# --tls-verify=false; a second pull fetches no blob; by digest; a manifest
# list (podman's) resolved to this machine; a blob changed in the
# registry's storage refused with nothing kept; an unknown name refused;
# a pull killed halfway leaves nothing; basic auth with the credentials of
# an auth file.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"
. "$HUTCH_SOURCE_DIR/tests/integration/images-lib.sh"

images_setup skopeo docker-registry curl
registries=()
trap 'for p in "${registries[@]}"; do kill "$p" 2> /dev/null; wait "$p" 2> /dev/null; done
      images_cleanup; _tap_finish' EXIT
images_built_in pull --tls-verify=false 127.0.0.1:1/none

plan 20

# start_registry NAME [AUTH-YAML]: a docker-registry on a free loopback
# port, its storage and log in $TEST_TMP/NAME; sets $port.
start_registry() {
    local dir=$TEST_TMP/$1 i
    mkdir -p "$dir"
    port=$(free_port)
    cat > "$dir/config.yml" << EOF2
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $dir/storage
http:
  addr: 127.0.0.1:$port
${2:-}
EOF2
    docker-registry serve "$dir/config.yml" > "$dir/log" 2>&1 &
    registries+=($!)
    for ((i = 0; i < 100; i++)); do
        curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && return 0
        sleep 0.05
    done
    bail_out "docker-registry did not start: $(tail -n 3 "$dir/log")"
}

O=$TEST_TMP/oci
{
    oci_image "$O" pulled &&
        umoci config --image "$O:v1" --config.workingdir /srv \
            --config.cmd /bin/sh --config.cmd -c --config.cmd 'echo "cmd-ran $(cat mark)"' &&
        umoci config --image "$O:v1" --tag other --config.cmd /bin/sh --config.cmd -c --config.cmd 'echo other-platform'
} > "$TEST_TMP/tools.log" 2>&1 || bail_out "umoci could not build the test image: $(tail -n 3 "$TEST_TMP/tools.log")"

start_registry reg
R=127.0.0.1:$port
push() { skopeo copy -q --dest-tls-verify=false "oci:$O:$1" "docker://$R/$2" >> "$TEST_TMP/tools.log" 2>&1 ||
    bail_out "skopeo could not push to the registry: $(tail -n 3 "$TEST_TMP/tools.log")"; }
push v1 demo/app:v1
push other demo/app:other
layer_dirs() { find "$STORE/layers" -mindepth 1 -maxdepth 1 -type d 2> /dev/null | wc -l; }
store_files() { find "$STORE/layers" "$STORE/blobs" "$STORE/tmp" "$STORE/pulls" -mindepth 1 2> /dev/null | wc -l; }

run_hutch pull "$R/demo/app:v1"
check "pull: a plain-http registry is refused without --tls-verify=false, saying so" refused "--tls-verify=false"
given refused "--tls-verify=false" -- is "$(store_files)" 0 "pull: the refused pull kept nothing"

run_hutch pull --tls-verify=false "$R/demo/app:v1"
like "$rc/$out" "0/$R/demo/app:v1 sha256:" "pull --tls-verify=false: the image comes from the local registry"
run_hutch run --overlay kernel "$R/demo/app:v1"
is "$rc/$out/$(layer_dirs)" "0/cmd-ran pulled/2" "pull: the image runs with its config's Cmd and WorkingDir, its 2 layers stored"

# A second pull fetches no blob: every blob in the registry's storage but
# the manifest is made unreadable for its time, so that a request for one
# would fail.
digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$R/demo/app:v1" 2>> "$TEST_TMP/tools.log")
blobs_dir=$TEST_TMP/reg/storage/docker/registry/v2/blobs
hidden=$(find "$blobs_dir" -name data ! -path "*/${digest#sha256:}/data")
chmod 000 $hidden
run_hutch pull --tls-verify=false "$R/demo/app:v1"
chmod 644 $hidden
given test -n "$hidden" -- like "$rc/$out" "0/$R/demo/app:v1 sha256:" \
    "pull again: succeeds without fetching a blob (the registry could serve none but the manifest)"

run_hutch run --overlay kernel "$R/demo/app@$digest"
is "$rc/$out" "0/cmd-ran pulled" "run NAME@DIGEST: the image pulled by tag whose manifest has that digest"
run_hutch pull --tls-verify=false "$R/demo/app@$digest"
like "$rc/$out" "0/$R/demo/app:sha256-${digest#sha256:} " "pull NAME@DIGEST: stored under the tag sha256-HEX"
run_hutch run --overlay kernel "$R/demo/app@$digest"
is "$rc/$out" "0/cmd-ran pulled" "run NAME@DIGEST: the image pulled by digest runs"

# A manifest list made by podman (when it runs here): the other platform
# first, this machine's second.
arch=$(uname -m)
case $arch in x86_64) arch=amd64 other=arm64 ;; aarch64) arch=arm64 other=amd64 ;; *) other=amd64 ;; esac
P=(podman --root "$TEST_TMP/podman" --runroot "$TEST_TMP/podman-run" --storage-driver vfs)
if command -v podman > /dev/null &&
    { "${P[@]}" manifest create list &&
        "${P[@]}" manifest add --tls-verify=false --os linux --arch "$other" list "docker://$R/demo/app:other" &&
        "${P[@]}" manifest add --tls-verify=false --os linux --arch "$arch" list "docker://$R/demo/app:v1" &&
        "${P[@]}" manifest push --tls-verify=false list "docker://$R/demo/app:multi"; } >> "$TEST_TMP/tools.log" 2>&1; then
    run_hutch pull --tls-verify=false "$R/demo/app:multi"
    run_hutch run --overlay kernel "$R/demo/app:multi"
    is "$rc/$out" "0/cmd-ran pulled" "pull: a manifest list is resolved to this machine's platform ($arch)"
else
    skip "pull of a manifest list" "podman could not make one here: $(tail -n 1 "$TEST_TMP/tools.log")"
fi
# Rootless podman leaves its pause process (catatonit) running, its pid
# under our own $XDG_RUNTIME_DIR: it goes with the podman store.
kill "$(cat "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid" 2> /dev/null)" 2> /dev/null
unshare --map-root-user --map-auto rm -rf "$TEST_TMP/podman" "$TEST_TMP/podman-run" 2> /dev/null

run_hutch pull --tls-verify=false "$R/demo/nothing:v1"
check "pull: a name the registry does not have is refused with a clear message" refused "has no image \`demo/nothing:v1\`"
run_hutch pull --tls-verify=false "$R/demo/app@sha256:$(printf '0%.0s' {1..64})"
check "pull: a digest the registry does not have is named REPO@sha256:HEX" refused "has no image \`demo/app@sha256:0000"
run_hutch images
listed() { [ "$rc" = 0 ] && grep -q "^$R/demo/app " <<< "$out"; }
given listed -- unlike "$out" "nothing" "pull: the unknown name left nothing in the store"

# A layer blob changed in the registry's storage: into a fresh store, so
# that it must be fetched.
layer=$(find "$blobs_dir" -name data -size +100k | head -n 1)
cp "$layer" "$TEST_TMP/layer.orig"
printf 'X' | dd of="$layer" bs=1 seek=5000 conv=notrunc status=none
XDG_DATA_HOME=$TEST_TMP/data-bad run_hutch pull --tls-verify=false "$R/demo/app:v1"
check "pull: a blob that does not match its digest is refused, saying what to do" refused \
    "get it again from its source (nothing was kept)"
STORE=$TEST_TMP/data-bad/hutch/store
given refused "does not match" -- is "$(store_files)/$(cat "$STORE/index.json" 2> /dev/null)" "0/" \
    "pull: nothing is kept of the refused image (layers, blobs, downloads)"
STORE=$XDG_DATA_HOME/hutch/store
cp "$TEST_TMP/layer.orig" "$layer"

# A pull killed halfway through a layer. The pull goes through a proxy
# that passes the registry's answers on at about 2 MB/s, so that the
# 24 MB layer is still coming when the pull is killed (stopping the
# registry itself was not enough: on a fast host the whole layer was
# already in the socket's buffers). Nothing becomes an image or a layer;
# the next pull, straight from the registry, removes the dead one's
# download and succeeds.
mkdir -p "$TEST_TMP/big/data"
head -c 24M /dev/urandom > "$TEST_TMP/big/data/big"
umoci insert --rootless --image "$O:v1" --tag big "$TEST_TMP/big" / >> "$TEST_TMP/tools.log" 2>&1 ||
    bail_out "umoci could not add the big layer"
push big demo/app:big
slow_port=$(free_port)
python3 -c '
import socket, sys, threading, time
listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
def pump(src, dst, slow):
    try:
        while data := src.recv(65536):
            dst.sendall(data)
            if slow:
                time.sleep(0.03)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
while True:
    client, _ = listener.accept()
    upstream = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    threading.Thread(target=pump, args=(client, upstream, False), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client, True), daemon=True).start()
' "$slow_port" "${R#*:}" 2>> "$TEST_TMP/tools.log" &
registries+=($!)
for ((i = 0; i < 100; i++)); do
    curl -s -o /dev/null "http://127.0.0.1:$slow_port/v2/" && break
    sleep 0.05
done
export XDG_DATA_HOME=$TEST_TMP/data-kill
STORE=$XDG_DATA_HOME/hutch/store
"$HUTCH" pull --tls-verify=false "127.0.0.1:$slow_port/demo/app:big" > /dev/null 2>&1 &
puller=$!
started() { [ -n "$(find "$STORE/pulls" -name '*.part' -size +1024k 2> /dev/null)" ]; }
for ((i = 0; i < 1000; i++)); do started && break; sleep 0.01; done
halfway=no
started && kill -0 "$puller" 2> /dev/null && halfway=yes
kill -KILL "$puller" 2> /dev/null
wait "$puller" 2> /dev/null
given test $halfway = yes -- is "$(layer_dirs)/$(find "$STORE/tmp" -mindepth 1 | wc -l)/$(cat "$STORE/index.json" 2> /dev/null)" "0/0/" \
    "pull killed halfway through a layer: no layer, no work file, no image"
run_hutch pull --tls-verify=false "$R/demo/app:big"
run_hutch run --overlay kernel "$R/demo/app:big" /bin/sh -c 'test -s /data/big && echo done'
is "$rc/$out/$(find "$STORE/pulls" -mindepth 1 | wc -l)" "0/done/0" \
    "the next pull succeeds, and the killed one's download is gone"
export XDG_DATA_HOME=$TEST_TMP/data
STORE=$XDG_DATA_HOME/hutch/store

# ------------------------------------------------------------ basic auth
python3 -c 'import crypt; print("tester:" + crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))' \
    > "$TEST_TMP/htpasswd" 2> /dev/null || bail_out "python3 could not make a bcrypt password"
start_registry auth "auth:
  htpasswd:
    realm: hutch-test
    path: $TEST_TMP/htpasswd"
A=127.0.0.1:$port
skopeo copy -q --dest-tls-verify=false --dest-creds tester:s3cret "oci:$O:v1" "docker://$A/private/app:v1" \
    >> "$TEST_TMP/tools.log" 2>&1 || bail_out "skopeo could not push to the registry with auth"
export REGISTRY_AUTH_FILE=$TEST_TMP/no-auth.json
run_hutch pull --tls-verify=false "$A/private/app:v1"
check "pull: a registry asking for a password, with no auth file, is refused with how to log in" refused "podman login"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$A" "$(printf tester:wrong | base64)" > "$TEST_TMP/wrong-auth.json"
REGISTRY_AUTH_FILE=$TEST_TMP/wrong-auth.json run_hutch pull --tls-verify=false "$A/private/app:v1"
check "pull: wrong credentials are refused" refused "refuses access"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$A" "$(printf tester:s3cret | base64)" > "$TEST_TMP/auth.json"
REGISTRY_AUTH_FILE=$TEST_TMP/auth.json run_hutch pull --tls-verify=false "$A/private/app:v1"
like "$rc/$out" "0/$A/private/app:v1 sha256:" "pull: basic auth with the credentials of the auth file (REGISTRY_AUTH_FILE, as podman)"
skip "pull with a bearer token" "docker-registry's token auth needs a token server, which Debian does not package"
