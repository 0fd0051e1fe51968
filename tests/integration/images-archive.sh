#!/bin/bash
# hutch import of the other image sources: a docker-archive written by
# skopeo (and by podman save) from an OCI layout made by umoci (named by its RepoTags, picked by
# REF, a tampered layer refused with nothing kept), and a root
# filesystem tarball (one layer, named after the file or as given); and
# hutch run oci:DIR / docker-archive:FILE, imported on the fly.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"
. "$HUTCH_SOURCE_DIR/tests/integration/images-lib.sh"

images_setup skopeo
images_built_in import docker-archive:/nonexistent

plan 23

O=$TEST_TMP/oci
{
    oci_image "$O" from-archive &&
        umoci config --image "$O:v1" --config.workingdir /srv --config.exposedports 8080/tcp \
            --config.cmd /bin/sh --config.cmd -c --config.cmd 'echo "cmd-ran $(cat mark)"' &&
        umoci config --image "$O:v1" --tag v2 --config.env MARK=second &&
        skopeo copy -q "oci:$O:v1" "docker-archive:$TEST_TMP/one.tar:demo/arch:v1" &&
        # One image under two names.
        skopeo copy -q --additional-tag demo/arch:v2 "oci:$O:v2" "docker-archive:$TEST_TMP/two.tar:demo/arch:v2b"
} > "$TEST_TMP/tools.log" 2>&1 || bail_out "umoci or skopeo could not build the test images: $(tail -n 3 "$TEST_TMP/tools.log")"

layer_dirs() { find "$STORE/layers" -mindepth 1 -maxdepth 1 -type d 2> /dev/null | wc -l; }
store_files() { find "$STORE/layers" "$STORE/blobs" "$STORE/tmp" -mindepth 1 2> /dev/null | wc -l; }

# ------------------------------------------------------ docker-archive
run_hutch import "docker-archive:$TEST_TMP/one.tar"
like "$rc/$out" "0/docker.io/demo/arch:v1 sha256:" "docker-archive: skopeo's archive is imported under its own RepoTag"
run_hutch run --overlay kernel demo/arch:v1
is "$rc/$out/$(layer_dirs)" "0/cmd-ran from-archive/2" "docker-archive: the image runs with its config's Cmd and WorkingDir, its 2 layers stored"

run_hutch import "docker-archive:$TEST_TMP/two.tar"
like "$rc/$out" "0/docker.io/demo/arch:v2b sha256:" "docker-archive: an image of two RepoTags takes the first"
run_hutch import "docker-archive:$TEST_TMP/two.tar:demo/arch:v2" picked
like "$rc/$out" "0/picked:latest sha256:" "docker-archive:FILE:REF picks one of the archive's images"
run_hutch run --overlay kernel picked /bin/sh -c 'echo "$MARK"; echo done'
is "$rc/$out" "0/second
done" "docker-archive: the picked image's config applies"
run_hutch import "docker-archive:$TEST_TMP/two.tar:demo/arch:v2"
like "$rc/$out" "0/docker.io/demo/arch:v2 sha256:" "docker-archive:FILE:REF without NAME: named by the RepoTag REF picked"
run_hutch import "docker-archive:$TEST_TMP/two.tar:demo/arch:v9" none
check "docker-archive: a REF the archive does not hold is refused, with the tags it holds" refused \
    "holds no image tagged \`demo/arch:v9\`
hutch: fix: name one it holds: docker.io/demo/arch:v2b, docker.io/demo/arch:v2"

# The same image through podman (load, then save: podman's own
# docker-archive), where podman runs rootless here.
P=(podman --root "$TEST_TMP/podman" --runroot "$TEST_TMP/podman-run" --storage-driver vfs)
if command -v podman > /dev/null &&
    { "${P[@]}" load -q -i "$TEST_TMP/one.tar" && "${P[@]}" save -o "$TEST_TMP/podman.tar" demo/arch:v1; } \
        >> "$TEST_TMP/tools.log" 2>&1; then
    run_hutch import "docker-archive:$TEST_TMP/podman.tar" saved
    run_hutch run --overlay kernel saved
    is "$rc/$out" "0/cmd-ran from-archive" "docker-archive: podman save's archive is imported and runs with its config"
else
    skip "import of podman save's archive" "podman cannot run here: $(tail -n 1 "$TEST_TMP/tools.log")"
fi
# Rootless podman leaves its pause process (catatonit) running, its pid
# under our own $XDG_RUNTIME_DIR: it goes with the podman store.
kill "$(cat "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid" 2> /dev/null)" 2> /dev/null
unshare --map-root-user --map-auto rm -rf "$TEST_TMP/podman" "$TEST_TMP/podman-run" 2> /dev/null

# A layer changed inside the archive: its digest no longer matches the
# config's diff_id. Into a fresh store, so that nothing is there already.
python3 - "$TEST_TMP/one.tar" "$TEST_TMP/tampered.tar" << 'PY' || bail_out "python3 could not tamper with the archive"
import sys, tarfile, io
src, dst = sys.argv[1:]
with tarfile.open(src) as t, tarfile.open(dst, "w") as out:
    done = False
    for m in t.getmembers():
        data = t.extractfile(m).read() if m.isfile() else None
        if data is not None and not done and m.size > 100000:
            data = data[:5000] + bytes([data[5000] ^ 1]) + data[5001:]
            done = True
        out.addfile(m, io.BytesIO(data) if data is not None else None)
PY
XDG_DATA_HOME=$TEST_TMP/data-bad run_hutch import "docker-archive:$TEST_TMP/tampered.tar" bad
check "docker-archive: a layer that does not match the config's diff_id is refused" refused "does not match its digest"
STORE=$TEST_TMP/data-bad/hutch/store
given refused "does not match" -- is "$(store_files)/$(grep -c bad "$STORE/index.json" 2> /dev/null)" "0/" \
    "docker-archive: nothing is kept of the refused image"
STORE=$XDG_DATA_HOME/hutch/store

# A tar without manifest.json is not a docker-archive.
tar -C "$TEST_TMP/src" -cf "$TEST_TMP/plain.tar" srv
run_hutch import "docker-archive:$TEST_TMP/plain.tar" plain
check "docker-archive: a tar without manifest.json is refused, with how to make one" refused "not a docker-archive"

# ----------------------------------------------------- rootfs tarballs
tar -C "$(base_layer)" -czf "$TEST_TMP/Base-Root.tar.gz" . || bail_out "tar failed"
run_hutch import "$TEST_TMP/Base-Root.tar.gz"
like "$rc/$out" "0/base-root:latest sha256:" "tarball: FILE.tar.gz is imported as one layer, named after the file"
run_hutch run --overlay kernel base-root /bin/sh -c 'test -x /bin/busybox && echo "path=$PATH"; echo done'
is "$rc/$(head -n 1 <<< "$out")" "0/path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "tarball: the image runs, with the usual PATH from the config made for it"
tar -C "$(base_layer)" -cf "$TEST_TMP/base.data" . || bail_out "tar failed"
run_hutch import "tar:$TEST_TMP/base.data" plainroot:1
run_hutch run --overlay kernel plainroot:1 /bin/busybox echo done
is "$rc/$out/$(layer_dirs)" "0/done/3" \
    "tar:FILE NAME: an uncompressed tarball is the same layer as the gzipped one (named by its diff_id), stored once"
run_hutch import "tar:$TEST_TMP/nonexistent.tar" none
check "tarball: a file that is not there is refused" refused "nonexistent.tar"
# A FIFO keeps the mode the archive gives it: mknod's mode goes through
# the umask (hutch's own 022 would make 0666 0644).
mkdir -p "$TEST_TMP/fifo-root/run"
cp -a "$(base_layer)/." "$TEST_TMP/fifo-root/"
mkfifo -m 0666 "$TEST_TMP/fifo-root/run/pipe"
tar -C "$TEST_TMP/fifo-root" -cf "$TEST_TMP/fifo.tar" . || bail_out "tar failed"
run_hutch import "tar:$TEST_TMP/fifo.tar" fifo:1
run_hutch run --overlay kernel fifo:1 /bin/sh -c 'stat -c "%A" /run/pipe'
is "$rc/$out" "0/prw-rw-rw-" "tarball: a FIFO keeps its mode (0666), whatever the umask"

# ------------------------------------------------- run SOURCE directly
export XDG_DATA_HOME=$TEST_TMP/data-run
STORE=$XDG_DATA_HOME/hutch/store
run_hutch run --overlay kernel "oci:$O:v1"
is "$rc/$out/$(layer_dirs)" "0/cmd-ran from-archive/2" "run oci:DIR:TAG: imported on the fly, then run with its config"
run_hutch run --overlay kernel --log-level info "oci:$O:v1" /bin/sh -c 'echo done'
given ran 0 done -- is "$(grep -c 'exposes 8080/tcp: publish it with -p HOSTPORT:8080' <<< "$err")/$(layer_dirs)" "1/2" \
    "run oci:DIR again: its ExposedPorts shown as a hint at --log-level info, no layer added"
run_hutch run --overlay kernel "docker-archive:$TEST_TMP/one.tar" /bin/sh -c 'cat /srv/mark; echo done'
is "$rc/$out" "0/from-archive
done" "run docker-archive:FILE COMMAND: imported on the fly, the command given runs"
run_hutch images
given ran 0 -- like "$out" "docker.io/demo/arch" "run docker-archive:FILE: the image stays in the store under its name"
# Unchanged since: not read again (unreadable now, it still runs); a
# layout changed since: imported again, its new config applies.
chmod 000 "$TEST_TMP/one.tar"
run_hutch run --overlay kernel "docker-archive:$TEST_TMP/one.tar" /bin/sh -c 'cat /srv/mark; echo done'
chmod 644 "$TEST_TMP/one.tar"
is "$rc/$out" "0/from-archive
done" "run docker-archive:FILE again, the file unchanged: the stored image runs without reading it again"
umoci config --image "$O:v1" --config.cmd /bin/sh --config.cmd -c --config.cmd 'echo changed-config' \
    >> "$TEST_TMP/tools.log" 2>&1 || bail_out "umoci config failed"
run_hutch run --overlay kernel "oci:$O:v1"
is "$rc/$out/$(layer_dirs)" "0/changed-config/4" \
    "run oci:DIR after the layout changed: imported again, its new config applies (no layer added)"
run_hutch run --overlay kernel "oci:$TEST_TMP/nonexistent" /bin/sh -c 'echo done'
check "run oci:DIR of no layout is refused, saying why" refused "nonexistent"
