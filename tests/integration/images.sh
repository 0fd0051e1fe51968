#!/bin/bash
# The image store: hutch import oci:DIR[:TAG] of an OCI layout made by umoci
# (three layers over the busybox base: files, a whiteout, an opaque
# directory), hutch run NAME (the layers stacked, the config's Cmd, Env and
# WorkingDir applied), layers shared between images, hutch images and rmi;
# a tampered blob and crafted tarballs (../, an absolute path, a write
# through a symlink, hard links out) refused with nothing kept or written.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"
. "$HUTCH_SOURCE_DIR/tests/integration/images-lib.sh"

images_setup
images_built_in import oci:/nonexistent

plan 39

# ------------------------------------------------------------ the image
O=$TEST_TMP/oci
src=$TEST_TMP/src
mkdir -p "$src/lower/srv/data" "$src/newdata" "$src/extra/opt"
echo old > "$src/lower/srv/data/old"
echo keep > "$src/lower/srv/keep"
echo gone > "$src/lower/srv/gone"
echo fresh > "$src/newdata/fresh"
echo extra > "$src/extra/opt/extra"
{
    oci_image "$O" &&
        umoci insert --rootless --image "$O:v1" "$src/lower" / &&
        umoci insert --rootless --image "$O:v1" --whiteout /srv/gone &&
        umoci insert --rootless --image "$O:v1" --opaque "$src/newdata" /srv/data &&
        umoci config --image "$O:v1" --config.env MARK=image-env --config.workingdir /srv \
            --config.cmd /bin/sh --config.cmd -c --config.cmd 'echo "cmd-ran $MARK $PWD"' &&
        # v2: v1 and one more layer: shares every layer of v1.
        umoci insert --rootless --image "$O:v1" --tag v2 "$src/extra" / &&
        # v3: v1 with a User in its config.
        umoci config --image "$O:v1" --tag v3 --config.user 1000:1000
} > "$TEST_TMP/umoci.log" 2>&1 || bail_out "umoci could not build the test image: $(tail -n 3 "$TEST_TMP/umoci.log")"

layer_dirs() { find "$STORE/layers" -mindepth 1 -maxdepth 1 -type d 2> /dev/null | wc -l; }

run_hutch import "oci:$O:v1" demo
like "$rc/$out" "0/demo:latest sha256:" "import: an OCI layout made by umoci is imported"
is "$(layer_dirs)" 4 "import: its 4 layers (the base, files, a whiteout, an opaque directory) are stored"

run_hutch run --overlay kernel demo
is "$rc/$out" "0/cmd-ran image-env /srv" "run NAME: the config's Cmd runs, with its Env and WorkingDir"

run_hutch run --overlay kernel demo /bin/sh -c '
    echo "gone:$(test -e /srv/gone && echo present || echo absent)"
    echo "keep:$(cat /srv/keep)"
    echo "data:$(ls -A /srv/data | tr "\n" " ")"
    echo "busybox:$(test -x /bin/busybox && echo yes)"
    echo done'
check "run NAME COMMAND: the command given runs instead of Cmd" ran 0 done
given ran 0 done -- is "$(grep ^gone: <<< "$out")" "gone:absent" "a whiteout layer deletes a file of a lower layer"
given ran 0 done -- is "$(grep ^data: <<< "$out")" "data:fresh " "an opaque directory hides the lower layer's content"
given ran 0 done -- is "$(grep ^keep: <<< "$out")/$(grep ^busybox: <<< "$out")" "keep:keep/busybox:yes" \
    "the lower layers show through where nothing hides them"

run_hutch run --overlay kernel -e MARK=cli -w / demo /bin/sh -c 'echo "$MARK $PWD"; echo done'
is "$rc/$out" "0/cli /
done" "-e and -w override the image's Env and WorkingDir"

# The config's User, unless -u is given.
run_hutch import "oci:$O:v3" demo:user
run_hutch run --overlay kernel demo:user /bin/sh -c 'echo "$(id -u):$(id -g)"; echo done'
is "$rc/$out" "0/1000:1000
done" "run NAME: the config's User applies"
run_hutch run --overlay kernel -u 0 demo:user /bin/sh -c 'echo "$(id -u)"; echo done'
is "$rc/$out" "0/0
done" "-u overrides the config's User"
run_hutch rmi demo:user

# A second image on the same layers: only its own layer is added.
run_hutch import "oci:$O:v2" other:2
like "$rc/$out" "0/other:2 sha256:" "import: a second image sharing the base layers"
is "$(layer_dirs)" 5 "the shared layers are stored once (4 + 1 layer directories)"
run_hutch run --overlay kernel other:2 /bin/sh -c 'cat /opt/extra; test -e /srv/gone || echo done'
is "$rc/$out" "0/extra
done" "the second image runs with its own layer over the shared ones"

run_hutch images
like "$rc/$out" "0/NAME" "images: lists the store"
both_listed() { grep -Eq '^demo +latest ' <<< "$out" && grep -Eq '^other +2 ' <<< "$out"; }
check "images: names both images with their tags" both_listed

run_hutch rmi other:2
is "$rc/$out" "0/other:2 removed" "rmi: removes an image"
is "$(layer_dirs)" 4 "rmi: the layer no other image uses goes; the shared ones stay"
run_hutch run --overlay kernel demo /bin/sh -c 'echo done'
is "$rc/$out" "0/done" "the image sharing the layers still runs"
run_hutch images
demo_listed() { [ "$rc" = 0 ] && grep -Eq '^demo +latest ' <<< "$out"; }
given demo_listed -- unlike "$out" "other" "images: the removed image is gone"
run_hutch rmi other:2
check "rmi: an image not in the store is an error" refused "no image"

# rmi while a sandbox runs on the image: its layers stay until it ends, and
# go at the next clean-up.
"$HUTCH" run --overlay kernel demo /bin/sh -c 'echo started; sleep 2; cat /srv/keep; echo done' \
    > "$TEST_TMP/busy.out" 2>&1 < /dev/null &
busy=$!
wait_for_file "$TEST_TMP/busy.out" started 10 "$busy"
run_hutch rmi demo
rmi_result="$rc/$out/$(layer_dirs)"
wait "$busy"
is "$rmi_result/$?/$(tail -n 2 "$TEST_TMP/busy.out" | tr '\n' ' ')" "0/demo removed/4/0/keep done " \
    "rmi of an image a sandbox runs on: its layers stay, and the sandbox reads them to the end"
run_hutch import "oci:$O:v1" again
run_hutch rmi again
is "$rc/$out/$(layer_dirs)" "0/again removed/0" "the layers go at the next clean-up, once no sandbox uses them"

# ------------------------------------------- two imports at the same time
# Into a fresh store, of two images sharing four layers: the store's lock
# puts one after the other, and the second finds the shared layers there.
export XDG_DATA_HOME=$TEST_TMP/data-par
STORE=$XDG_DATA_HOME/hutch/store
hutch import "oci:$O:v1" par1 > "$TEST_TMP/par1.out" 2>&1 &
p1=$!
hutch import "oci:$O:v2" par2 > "$TEST_TMP/par2.out" 2>&1 &
p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
rc="$r1 $r2" out="$(cat "$TEST_TMP/par1.out" "$TEST_TMP/par2.out")" err='' _last_cmd="two imports at once"
is "$rc/$(grep -c ' sha256:' <<< "$out")" "0 0/2" "two imports at once of images sharing layers both succeed"
run_hutch run --overlay kernel par2 /bin/sh -c 'cat /opt/extra /srv/data/fresh; echo done'
is "$rc/$out/$(layer_dirs)" "0/extra
fresh
done/5" "the images imported at once run, their shared layers stored once"

# ------------------------------------------------- a crash halfway through
# The base layer's blob is a FIFO fed half of it: hutch extracts what it
# gets, waits for the rest, and is killed there. Nothing it did may become
# a layer; the next import cleans up and succeeds.
export XDG_DATA_HOME=$TEST_TMP/data-crash
STORE=$XDG_DATA_HOME/hutch/store
cp -a "$O" "$TEST_TMP/crash"
base_blob=$(find "$TEST_TMP/crash/blobs/sha256" -type f -size +100k | head -n 1)
mv "$base_blob" "$TEST_TMP/base.blob"
mkfifo "$base_blob"
{ head -c $(($(stat -c %s "$TEST_TMP/base.blob") / 2)) "$TEST_TMP/base.blob"; exec sleep 20; } > "$base_blob" &
feeder=$!
"$HUTCH" import "oci:$TEST_TMP/crash:v1" crash > /dev/null 2>&1 &
importer=$!
halfway() { [ -n "$(find "$STORE/tmp" -mindepth 3 -print -quit 2> /dev/null)" ]; }
for ((i = 0; i < 250; i++)); do halfway && break; sleep 0.02; done
kill -KILL "$importer" 2> /dev/null
wait "$importer" 2> /dev/null
kill "$feeder" 2> /dev/null
wait "$feeder" 2> /dev/null
given halfway -- is "$(layer_dirs)/$(grep -c crash "$STORE/index.json" 2> /dev/null)" "0/" \
    "an import killed halfway through a layer leaves no layer and no image"
run_hutch import "oci:$O:v1" crash
run_hutch run --overlay kernel crash /bin/sh -c 'test -x /bin/busybox && echo done'
is "$rc/$out/$(find "$STORE/tmp" -mindepth 1 | wc -l)" "0/done/0" \
    "the next import of the same layers succeeds, and what the killed one left is gone"

# ---------------------------------------------------- refused: tampering
# A fresh store, so that no layer is there already.
export XDG_DATA_HOME=$TEST_TMP/data-bad
STORE=$XDG_DATA_HOME/hutch/store
cp -a "$O" "$TEST_TMP/tampered"
blob=$(find "$TEST_TMP/tampered/blobs/sha256" -type f -size +100k | head -n 1)
printf 'X' | dd of="$blob" bs=1 seek=5000 conv=notrunc status=none
run_hutch import "oci:$TEST_TMP/tampered:v1" bad
check "import: a layer blob whose sha256 does not match is refused" refused "does not match its digest"
given refused "does not match its digest" -- \
    is "$(layer_dirs)/$(find "$STORE/tmp" -mindepth 1 | wc -l)/$(find "$STORE/blobs" -type f | wc -l)" "0/0/0" \
    "import: nothing is kept of the refused image (layers, work files, blobs)"

# ------------------------------------- refused: crafted layer tarballs
# make_layout DIR CASE [BASE_BLOB]: an OCI layout with one layer made by
# python's tarfile, holding the hostile entries of CASE (over the layer
# BASE_BLOB, when given).
mkdir -p "$TEST_TMP/outside"
make_layout() {
    python3 - "$1" "$2" "$TEST_TMP" "${3:-}" << 'EOF'
import hashlib, io, json, os, sys, tarfile
out, case, tmp, base = sys.argv[1:]
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as t:
    def add(name, type=tarfile.REGTYPE, data=b"escaped\n", link="", uid=0, gid=0):
        i = tarfile.TarInfo(name)
        i.uid, i.gid = uid, gid
        i.type, i.linkname, i.mode = type, link, 0o755 if type in (tarfile.DIRTYPE, tarfile.SYMTYPE) else 0o644
        i.size = len(data) if type == tarfile.REGTYPE else 0
        t.addfile(i, io.BytesIO(data) if type == tarfile.REGTYPE else None)
    add("etc", tarfile.DIRTYPE)
    add("etc/ok")
    if case == "dotdot":
        add("../../../../../../../../" + tmp.lstrip("/") + "/outside/dotdot")
    elif case == "absolute":
        add(tmp + "/outside/absolute")
    elif case == "symlink":
        add("link", tarfile.SYMTYPE, link=tmp + "/outside")
        add("link/symlink")
    elif case == "symlink-rel":
        add("up", tarfile.SYMTYPE, link="../../../../../../../../../../" + tmp.lstrip("/") + "/outside")
        add("up/symlink-rel")
    elif case == "hardlink":
        add("hl", tarfile.LNKTYPE, link="../../../../../../../../etc/passwd")
    elif case == "owners":
        add("srv", tarfile.DIRTYPE)
        add("srv/owned", uid=33, gid=34)
        add("srv/odir", tarfile.DIRTYPE, uid=1000, gid=1001)
        add("srv/olink", tarfile.SYMTYPE, link="owned", uid=7, gid=8)
    elif case == "late-opaque":
        add("data", tarfile.DIRTYPE)
        add("data/.wh.a")
        add("data/.wh..wh..opq")
        add("data/b")
    elif case == "dot-symlink":
        add(".", tarfile.SYMTYPE, link=tmp + "/outside")
        add("dot-symlink")
    elif case == "chmod-symlink":
        add("victim", tarfile.SYMTYPE, link=tmp + "/victim")
        i = tarfile.TarInfo("victim")
        i.type, i.mode = tarfile.DIRTYPE, 0o777
        t.addfile(i)
    elif case == "hardlink-via-symlink":
        add("etclink", tarfile.SYMTYPE, link="/etc")
        add("hl", tarfile.LNKTYPE, link="etclink/passwd")
layer = buf.getvalue()
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    os.makedirs(out + "/blobs/sha256", exist_ok=True)
    open(out + "/blobs/sha256/" + d, "wb").write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
config = blob(json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                          "rootfs": {"type": "layers", "diff_ids": []}}).encode())
config["mediaType"] = "application/vnd.oci.image.config.v1+json"
layers = [blob(open(base, "rb").read())] if base else []
layers.append(blob(layer))
for l in layers:
    l["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
m = blob(json.dumps({"schemaVersion": 2, "config": config, "layers": layers}).encode())
m["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
m["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
open(out + "/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')
open(out + "/index.json", "w").write(json.dumps({"schemaVersion": 2, "manifests": [m]}))
EOF
}

all_refused=yes
# chmod-symlink's target: its mode must stay 0600.
echo victim > "$TEST_TMP/victim"
chmod 0600 "$TEST_TMP/victim"
for case in dotdot absolute symlink symlink-rel hardlink hardlink-via-symlink dot-symlink; do
    make_layout "$TEST_TMP/craft-$case" "$case" || bail_out "python3 could not make the $case layout"
    run_hutch import "oci:$TEST_TMP/craft-$case" "craft-$case"
    check "import: a layer with a $case entry is refused" refused "refusing the layer"
    refused "refusing the layer" || all_refused=no
done
# A link, then a directory of the same name with mode 0777: the directory
# takes the link's place in the layer; the link's target keeps its mode.
make_layout "$TEST_TMP/craft-chmod-symlink" chmod-symlink || bail_out "python3 could not make the chmod-symlink layout"
XDG_DATA_HOME=$TEST_TMP/data-chmod run_hutch import "oci:$TEST_TMP/craft-chmod-symlink" chmod
d=$(find "$TEST_TMP/data-chmod/hutch/store/layers" -mindepth 2 -maxdepth 2 -name victim -type d 2> /dev/null)
is "$rc/$([ -n "$d" ] && stat -c %a "$d")/$(stat -c %a "$TEST_TMP/victim")" "0/777/600" \
    "import: a directory entry over a link to a file outside replaces the link in the layer, and chmods nothing outside"
# Not hostile: owners other than root, kept through the subordinate ids.
if [ -n "$(subid_ranges uid)" ] && [ -n "$(subid_ranges gid)" ]; then
    make_layout "$TEST_TMP/craft-owners" owners "$TEST_TMP/base.blob" ||
        bail_out "python3 could not make the owners layout"
    XDG_DATA_HOME=$TEST_TMP/data-owners run_hutch import "oci:$TEST_TMP/craft-owners" owners
    XDG_DATA_HOME=$TEST_TMP/data-owners run_hutch run --overlay kernel owners /bin/sh -c \
        'stat -c %u:%g /srv/owned /srv/odir; stat -c %u:%g /srv/olink; echo done'
    is "$rc/$out" "0/33:34
1000:1001
7:8
done" "import: the image's owners are kept (through your subordinate ids) and show in the sandbox"
else
    skip "import keeps the image's owners" "no subordinate ids for $(id -un)"
fi

# Not hostile: a whiteout, then the opaque marker of its directory. The
# whiteout file (an empty file with user.overlay.whiteout) would show in an
# opaque directory, so it goes.
make_layout "$TEST_TMP/craft-late-opaque" late-opaque || bail_out "python3 could not make the late-opaque layout"
XDG_DATA_HOME=$TEST_TMP/data-late run_hutch import "oci:$TEST_TMP/craft-late-opaque" late
d=$(find "$TEST_TMP/data-late/hutch/store/layers" -mindepth 2 -maxdepth 2 -name data)
is "$rc/$(ls -A "$d" 2> /dev/null | tr '\n' ' ')/$(getfattr --only-values -n user.overlay.opaque "$d" 2> /dev/null)" \
    "0/b /y" "import: a whiteout then the opaque marker of its directory leaves an opaque directory without the whiteout"
given test $all_refused = yes -- \
    is "$(find "$TEST_TMP/outside" -mindepth 1 | wc -l)/$(layer_dirs)/$(find "$STORE/tmp" -mindepth 1 | wc -l)" "0/0/0" \
    "nothing was written outside the store, and nothing kept in it"
