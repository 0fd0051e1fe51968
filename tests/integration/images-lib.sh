# tests/integration/images-lib.sh: what the tests of the image store share
# (images, images-archive, images-store, pull). Not a test: a script
# sources it after tests/lib.sh:
#
#   . "$HUTCH_SOURCE_DIR/tests/integration/images-lib.sh"

# images_setup TOOL...: skip the script unless the host has umoci, python3
# and each TOOL, the kernel's overlay (it reads the xattr whiteouts the
# import writes) and user xattrs in $TEST_TMP. Then a store of the
# script's own under $XDG_DATA_HOME ($STORE), removed when the script ends
# with the other $TEST_TMP/data* directories. The files the imports gave
# to subordinate ids are removed in a namespace that maps them, as hutch
# rmi does; a script that sets its own EXIT trap calls images_cleanup.
images_setup() {
    local tool
    for tool in umoci python3 "$@"; do
        command -v "$tool" > /dev/null || skip_all "$tool missing (apt install $tool)"
    done
    have_kernel_overlay || skip_all "$(backend_missing_reason kernel)"
    touch "$TEST_TMP/.x"
    setfattr -n user.test -v 1 "$TEST_TMP/.x" 2> /dev/null || skip_all "no user xattrs in $TEST_TMP"
    export XDG_DATA_HOME=$TEST_TMP/data
    STORE=$XDG_DATA_HOME/hutch/store
    trap 'images_cleanup; _tap_finish' EXIT
}

# images_cleanup [DIR...]: those directories (other stores) and the
# $TEST_TMP/data* ones removed, as the user and its subordinate ids.
images_cleanup() {
    unshare --map-root-user --map-auto rm -rf "$TEST_TMP"/data* "$@" 2> /dev/null
}

# images_built_in HUTCH-ARGS...: skip the script when hutch, run with these
# arguments (an image that is not there), says it was built without the
# libraries they need.
images_built_in() {
    run_hutch "$@"
    case $err in
    *"was built without"*)
        local what=${err#*was built without }
        skip_all "hutch was built without ${what%%,*}"
        ;;
    esac
}

# oci_image DIR [MARK]: an OCI layout at DIR whose image v1 is the busybox
# base layer and, given MARK, a layer of $TEST_TMP/src with /srv/mark
# holding MARK. The caller adds to it and sends the tools' output to a log.
oci_image() {
    umoci init --layout "$1" &&
        umoci new --image "$1:v1" &&
        umoci insert --rootless --image "$1:v1" "$(base_layer)" / || return
    [ $# -gt 1 ] || return 0
    mkdir -p "$TEST_TMP/src/srv" &&
        echo "$2" > "$TEST_TMP/src/srv/mark" &&
        umoci insert --rootless --image "$1:v1" "$TEST_TMP/src" /
}
