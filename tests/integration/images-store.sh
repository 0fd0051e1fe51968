#!/bin/bash
# The store's own commands and its protection: hutch --root DIR (another
# store), hutch inspect IMAGE (JSON), hutch prune (never a layer a running
# sandbox uses), and the store masked inside a volume that holds it, so
# that a sandbox cannot change the layers other sandboxes run on.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"
. "$HUTCH_SOURCE_DIR/tests/integration/images-lib.sh"

images_setup
trap 'images_cleanup "$TEST_TMP"/alt; _tap_finish' EXIT
images_built_in import oci:/nonexistent

plan 15

O=$TEST_TMP/oci
{
    oci_image "$O" stored &&
        umoci config --image "$O:v1" --config.workingdir /srv --config.exposedports 8080/tcp \
            --config.env MARK=inspected --config.cmd /bin/cat --config.cmd mark
} > "$TEST_TMP/umoci.log" 2>&1 || bail_out "umoci could not build the test image: $(tail -n 3 "$TEST_TMP/umoci.log")"

layer_dirs() { find "${1:-$STORE}/layers" -mindepth 1 -maxdepth 1 -type d 2> /dev/null | wc -l; }

# ------------------------------------------------------------- --root
ALT=$TEST_TMP/alt
run_hutch --root "$ALT" import "oci:$O:v1" alt
like "$rc/$out" "0/alt:latest sha256:" "--root DIR import: into another store"
run_hutch --root "$ALT" run --overlay kernel alt
is "$rc/$out/$(layer_dirs "$ALT")/$(layer_dirs)" "0/stored/2/0" "--root DIR run: the image of that store runs; the default store is untouched"
run_hutch images
listed() { [ "$rc" = 0 ] && [[ $out == NAME* ]]; }
given listed -- unlike "$out" "alt" "images: the default store does not list the other store's image"
run_hutch --root relative images
check "--root with a relative directory is refused" refused "absolute"

# ------------------------------------------------------------ inspect
run_hutch --root "$ALT" inspect alt
summary=$(python3 -c 'import json, sys
i = json.load(sys.stdin)[0]
print(i["Name"], i["Tag"], len(i["Layers"]), " ".join(i["Config"]["Cmd"]), i["Config"]["WorkingDir"],
      "MARK=inspected" in i["Config"]["Env"], list(i["Config"]["ExposedPorts"]), i["Id"][:7])' <<< "$out" 2>&1)
is "$rc/$summary" "0/alt latest 2 /bin/cat mark /srv True ['8080/tcp'] sha256:" \
    "inspect IMAGE: JSON with the name, the layers and the config's Cmd, WorkingDir, Env, ExposedPorts"
run_hutch --root "$ALT" inspect alt:latest
tagged=$(python3 -c 'import json, sys; i = json.load(sys.stdin)[0]; print(i["Name"], i["Tag"])' <<< "$out" 2>&1)
is "$rc/$tagged" "0/alt latest" "inspect NAME:TAG: a reference that can be no sandbox's name goes to the store"
run_hutch --root "$ALT" inspect nothing
check "inspect: a name neither a sandbox nor an image is refused" refused "no sandbox or image named \`nothing\`"

# -------------------------------------------------------------- prune
run_hutch import "oci:$O:v1" demo
"$HUTCH" run --overlay kernel demo /bin/sh -c 'echo started; sleep 3; cat /srv/mark; echo done' \
    > "$TEST_TMP/busy.out" 2>&1 < /dev/null &
busy=$!
wait_for_file "$TEST_TMP/busy.out" started 10 "$busy"
run_hutch rmi demo
run_hutch prune
prune_busy="$rc/$out/$(layer_dirs)"
wait "$busy"
is "$prune_busy/$?/$(tail -n 2 "$TEST_TMP/busy.out" | tr '\n' ' ')" \
    "0/removed 0 layers and 0 blobs that no image uses; kept 2 that a running sandbox uses/2/0/stored done " \
    "prune while a sandbox runs on a removed image: its layers stay, and it reads them to the end"
run_hutch prune
is "$rc/$out/$(layer_dirs)" "0/removed 2 layers and 0 blobs that no image uses/0" "prune: once the sandbox ended, its layers go"
run_hutch prune
is "$rc/$out" "0/removed 0 layers and 0 blobs that no image uses" "prune: nothing more to remove"

# ------------------------------------------ the store inside a volume
# A sandbox given a volume holding the store sees no layer there and can
# change none (without the mask it can: its root is the store's owner).
run_hutch import "oci:$O:v1" demo
state=$(tree_state "$STORE/layers")
attack='ls -A /x/hutch/store 2> /dev/null | tr "\n" " "; echo
    for d in /x/hutch/store/layers/*/srv; do echo evil > "$d/mark" 2> /dev/null && echo WROTE; done; echo done'
run_hutch run --overlay kernel -v "$XDG_DATA_HOME:/x" demo /bin/sh -c "$attack"
check "a sandbox with a volume holding the store runs" ran 0 done
given ran 0 done -- is "$(head -n 1 <<< "$out")/$(grep -c WROTE <<< "$out")" "/0" \
    "the store is masked inside the volume: nothing of it shows, nothing written"
given ran 0 done -- is "$(tree_state "$STORE/layers")" "$state" "the stored layers are unchanged on the host"
run_hutch run --overlay kernel demo
is "$rc/$out" "0/stored" "the image still runs from its unchanged layers"

state=$(tree_state "$ALT/layers")
run_hutch --root "$ALT" run --overlay kernel -v "$TEST_TMP:/x" alt /bin/sh -c \
    'for d in /x/alt/layers/*/srv; do echo evil > "$d/mark" 2> /dev/null && echo WROTE; done; echo done'
given ran 0 done -- is "$(grep -c WROTE <<< "$out")/$(tree_state "$ALT/layers")" "0/$state" \
    "--root DIR: that store is masked inside a volume holding it"
