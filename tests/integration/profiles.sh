#!/bin/bash
# Profiles: files of hutch's own long options, read through the same option
# table as the command line. Search path (the user's wins over hutch's own),
# include, variables, relative paths against the profile's directory, the
# order (later profiles win, the command line last), and errors that name
# FILE:LINE.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 18

root=$(busybox_layers)
export XDG_CONFIG_HOME=$TEST_TMP/config
mine=$XDG_CONFIG_HOME/hutch/profiles
mkdir -p "$mine" "$TEST_TMP/p/data"
echo "from the profile's own directory" > "$TEST_TMP/p/data/note"

# --- a profile with a relative volume, variables and an include.
cat > "$TEST_TMP/p/base.profile" << 'P'
# a comment, then a blank line

hostname base
env WHO=${APP}-${UID}
P
cat > "$TEST_TMP/p/app.profile" << 'P'
include base.profile
volume data:/data:ro
env HOMEDIR=${HOME}
env PRICE=$$5
P
run_hutch run --profile "$TEST_TMP/p/app.profile" "$root" /bin/sh -c 'hostname; echo "$WHO $HOMEDIR $PRICE"; cat /data/note'
is "$rc:$out" "0:base
app-$(id -u) $HOME \$5
from the profile's own directory" "a profile: include, variables, \$\$, and a relative volume from the profile's directory"

# --- the order: later profiles win, the command line last, wherever it is.
printf 'hostname second\n' > "$TEST_TMP/p/second.profile"
run_hutch run --profile "$TEST_TMP/p/app.profile" --profile "$TEST_TMP/p/second.profile" "$root" hostname
is "$rc:$out" "0:second" "a later profile wins over an earlier one"
run_hutch run --hostname cli --profile "$TEST_TMP/p/second.profile" "$root" hostname
is "$rc:$out" "0:cli" "the command line wins over a profile, even when given before it"

# --- shipped profiles, and the user's of the same name.
run_hutch profiles
like "$rc:$out" "0:NAME" "hutch profiles: exit 0, a table"
like "$out" "run/default.profile" "hutch profiles lists hutch's own default"
run_hutch run --profile shell "$root" /bin/sh -c 'hostname; tty > /dev/null && echo terminal'
is "$rc:$(echo $out | tr -d '\r')" "0:shell terminal" "the shipped shell profile: its hostname, and a terminal (tty)"
printf 'hostname mine\n' > "$mine/shell.profile"
run_hutch run --profile shell "$root" hostname
is "$rc:$out" "0:mine" "a user's profile of the same name wins over hutch's own"
run_hutch profiles
like "$out" "$mine/shell.profile" "hutch profiles shows the user's shell profile"
like "$out" "(hidden by the one above)" "... and hutch's own as hidden by it"
run_hutch profile show "$TEST_TMP/p/app.profile"
given test "$rc" = 0 -- like "$out" "volume data:/data:ro" "hutch profile show: exit 0, the included and own lines, resolved"
like "$out" "hostname base  " "hutch profile show: the included profile's lines come first"
like "$out" "base.profile:3" "hutch profile show: each line says where it came from"

# --- errors name FILE:LINE, exit 125, nothing runs.
printf 'hostname ok\nfrobnicate yes\n' > "$TEST_TMP/p/unknown.profile"
run_hutch run --profile "$TEST_TMP/p/unknown.profile" "$root" /bin/true
check "an unknown option is refused, naming FILE:LINE" refused "unknown.profile:2: unknown option \`frobnicate\`"
printf 'userns sideways\n' > "$TEST_TMP/p/badvalue.profile"
run_hutch run --profile "$TEST_TMP/p/badvalue.profile" "$root" /bin/true
check "a bad value is refused, naming FILE:LINE and the option" refused "badvalue.profile:1: bad --userns"
printf 'include loop2.profile\n' > "$TEST_TMP/p/loop1.profile"
printf 'include loop1.profile\n' > "$TEST_TMP/p/loop2.profile"
run_hutch run --profile "$TEST_TMP/p/loop1.profile" "$root" /bin/true
check "an include loop stops with an error" refused "includes itself"
printf 'include no-such-profile\n' > "$TEST_TMP/p/missing.profile"
run_hutch run --profile "$TEST_TMP/p/missing.profile" "$root" /bin/true
check "a missing include is refused, naming FILE:LINE" refused "missing.profile:1: include \`no-such-profile\`"
printf 'env X=${NOPE}\n' > "$TEST_TMP/p/var.profile"
run_hutch run --profile "$TEST_TMP/p/var.profile" "$root" /bin/true
check "an unknown variable is refused, naming FILE:LINE" refused 'var.profile:1: unknown variable ${NOPE}'
printf 'print-policy\n' > "$TEST_TMP/p/cli.profile"
run_hutch run --profile "$TEST_TMP/p/cli.profile" "$root" /bin/true
check "a command-line-only option is refused in a profile" refused "cli.profile:1: \`print-policy\` can only be given on the command line"
