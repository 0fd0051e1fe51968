#!/bin/bash
# A new user's first hour with a real root: a Debian root they build
# themselves with mmdebstrap --mode=unshare (its root is their first
# subordinate id), then nginx serving a page on a published port, Python,
# and apt installing a package. Builds the root from Debian's packages, so
# it skips, saying why, where the machine cannot fetch them.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 11

if ! command -v mmdebstrap > /dev/null; then
    skip_n 11 "a Debian root" "mmdebstrap is not installed (Debian: apt install mmdebstrap)"
    exit 0
fi
if ! have_subids; then
    skip_n 11 "a Debian root" "mmdebstrap --mode=unshare needs subordinate ids for $(id -un)"
    exit 0
fi

# A sandbox must start at all before a Debian root is worth building.
run_hutch run "$(busybox_layers)" /bin/sh -c 'echo ready'
ran 0 ready || bail_out "hutch does not run a sandbox here: $err"

deb=$TEST_TMP/debian
# mmdebstrap's root in its namespace is a subordinate id: it must be able
# to enter the test's directory.
chmod 0755 "$TEST_TMP"
# Its files belong to subordinate ids: only a namespace that maps them can
# remove them.
trap 'unshare --map-root-user --map-auto rm -rf "$deb" 2>/dev/null; _tap_finish' EXIT
if ! timeout 600 mmdebstrap --mode=unshare --variant=apt --include=nginx-light,python3-minimal \
        bookworm "$deb" > "$TEST_TMP/mmdebstrap.log" 2>&1; then
    diag "$(tail -5 "$TEST_TMP/mmdebstrap.log")"
    skip_n 11 "a Debian root" "mmdebstrap could not build bookworm here (no access to Debian's packages?)"
    exit 0
fi

# The root's own owners, as the tree has them.
run_hutch run "$deb" /bin/sh -c 'stat -c "%U:%G" /etc/shadow /var/cache/apt/archives/partial; id -un; echo ran'
is "$rc" 0 "mmdebstrap root: exit 0"
is "$(echo $out)" "root:shadow _apt:root root ran" "mmdebstrap root: its owners show as the tree has them, and you are root"

# nginx, with its page from a volume, on a published port.
mkdir "$TEST_TMP/www"
echo "hello from hutch" > "$TEST_TMP/www/index.html"
port=$(free_port)
"$HUTCH" run -p "127.0.0.1:$port:80" -v "$TEST_TMP/www:/var/www/html:ro" "$deb" \
    nginx -g 'daemon off;' > "$TEST_TMP/nginx.out" 2>&1 < /dev/null &
nginx_pid=$!
page=
for _ in $(seq 100); do
    page=$(curl -s --max-time 2 "http://127.0.0.1:$port/") && [ -n "$page" ] && break
    sleep 0.1
done
is "$page" "hello from hutch" "nginx serves the page on the published port"
kill -TERM "$nginx_pid"
wait "$nginx_pid"
nginx_rc=$?
# (Both hold for a hutch that never started nginx: they count only once it served.)
served() { [ "$page" = "hello from hutch" ]; }
given served -- check "nginx stops on SIGTERM (exit $nginx_rc)" test "$nginx_rc" -lt 125
given served -- assert_clean "nginx: nothing left behind"

# Python.
run_hutch run "$deb" python3 -c 'import sys; print("python", sys.version_info[0])'
is "$rc:$out" '0:python 3' "python3 runs"

# apt installs a package (made here, so that nothing is fetched): dpkg's
# locks and database, maintainer scripts, the _apt user.
pkg=$TEST_TMP/pkg
mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin"
printf 'Package: hutch-hello\nVersion: 1.0\nArchitecture: all\nMaintainer: hutch <hutch@localhost>\nDescription: a test package\n' \
    > "$pkg/DEBIAN/control"
printf '#!/bin/sh\necho hello from a package\n' > "$pkg/usr/bin/hutch-hello"
printf '#!/bin/sh\necho postinst ran > /var/lib/hutch-hello-postinst\n' > "$pkg/DEBIAN/postinst"
chmod 0755 "$pkg/usr/bin/hutch-hello" "$pkg/DEBIAN/postinst"
dpkg-deb --root-owner-group -b "$pkg" "$TEST_TMP/hutch-hello.deb" > /dev/null
run_hutch run -v "$TEST_TMP/hutch-hello.deb:/tmp/hutch-hello.deb:ro" "$deb" /bin/sh -c '
    apt-get install -y -q /tmp/hutch-hello.deb > /tmp/apt.log 2>&1 || cat /tmp/apt.log
    hutch-hello; cat /var/lib/hutch-hello-postinst; dpkg-query -W -f "\${Status}\n" hutch-hello'
is "$rc" 0 "apt: exit 0"
installed=$(echo $out)
is "$installed" "hello from a package postinst ran install ok installed" \
    "apt-get install of a package: its program, its maintainer script, dpkg's database"
run_hutch run "$deb" /bin/sh -c 'command -v hutch-hello || echo gone'
is "$rc:$out" "0:gone" "the next run starts from the root as it was"

# The root's own tree is untouched.
given test "$installed" = "hello from a package postinst ran install ok installed" -- \
    check "the Debian root is unchanged on the host" test ! -e "$deb/usr/bin/hutch-hello"
given ran 0 gone -- assert_clean "nothing left behind"
