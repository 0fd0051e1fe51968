#!/bin/bash
# Bad input fails early: exit 125, one clear message on stderr that names
# what is wrong (prefixed "hutch:"), nothing on stdout, and nothing created
# (no run directory, no process, no mount).
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

root=$(busybox_layers)
layers_dir=${root#layers:}
mkdir -p "$TEST_TMP/vol" "$TEST_TMP/empty-layers" "$TEST_TMP/locked/00-base" "$TEST_TMP/locked/10-top"
cp -a "$(base_layer)/." "$TEST_TMP/locked/00-base/"
chmod 000 "$TEST_TMP/locked/10-top"
echo '{"defaultAction": ' > "$TEST_TMP/bad.json"
echo 'GOOD=1' > "$TEST_TMP/bad.env"
echo '1BAD=x' >> "$TEST_TMP/bad.env"
touch "$TEST_TMP/afile"

# Each case: a description, the text the message must contain, then the
# arguments of hutch.
cases=(
    "missing ROOT directory|/no/such/root|run /no/such/root /bin/true"
    "missing layers: directory|/no/such/layers|run layers:/no/such/layers /bin/true"
    "missing layers: directory: the fix|hutch-demo-layers DIR makes one|run layers:/no/such/layers /bin/true"
    "no ROOT at all|ROOT|run"
    "ROOT that is a file|$TEST_TMP/afile|run $TEST_TMP/afile /bin/true"
    "layers: directory with no layer|no layer|run layers:$TEST_TMP/empty-layers /bin/true"
    "unreadable layer|$TEST_TMP/locked/10-top|run layers:$TEST_TMP/locked /bin/true"
    "-v without a destination|$TEST_TMP/vol|run -v $TEST_TMP/vol $root /bin/true"
    "-v with a relative destination|relative/dst|run -v $TEST_TMP/vol:relative/dst $root /bin/true"
    "-v with an unknown mode|rx|run -v $TEST_TMP/vol:/vol:rx $root /bin/true"
    "-v with too many fields|/vol:ro:x|run -v $TEST_TMP/vol:/vol:ro:x $root /bin/true"
    "-v over the root|$TEST_TMP/vol:/|run -v $TEST_TMP/vol:/ $root /bin/true"
    "-v with a missing source|/no/such/source|run -v /no/such/source:/vol $root /bin/true"
    "-v with a missing source: the fix|create \`/no/such/source\` first, or use --tmpfs /vol|run -v /no/such/source:/vol $root /bin/true"
    "-v with an empty source|:/vol|run -v :/vol $root /bin/true"
    "unknown long option|--frobnicate|run --frobnicate $root /bin/true"
    "unknown short option|-Z|run -Z $root /bin/true"
    "option missing its argument|option \`--hostname\` needs a value|run --hostname"
    "mistyped long option|did you mean \`--pids-limit\`|run --pid-limit 5 $root /bin/true"
    "a flag given a value|option \`--read-only\` takes no value|run --read-only=yes $root /bin/true"
    "bad --userns|sideways|run --userns sideways $root /bin/true"
    "bad --overlay|zfs|run --overlay zfs $root /bin/true"
    "bad --user|bob|run --user bob $root /bin/true"
    "bad --preserve-fds|many|run --preserve-fds many $root /bin/true"
    "relative --workdir|relative|run -w relative $root /bin/true"
    "relative --tmpfs|scratch|run --tmpfs scratch $root /bin/true"
    "missing --env-file|/no/such/env|run --env-file /no/such/env $root /bin/true"
    "bad line in --env-file|line 2|run --env-file $TEST_TMP/bad.env $root /bin/true"
    "bad -e|1BAD|run -e 1BAD=x $root /bin/true"
    "an endless --env-file|/dev/zero|run --env-file /dev/zero $root /bin/true"
    "an endless --seccomp profile|/dev/zero|run --seccomp /dev/zero $root /bin/true"
    "a --seccomp profile that is not JSON|not valid JSON|run --seccomp $TEST_TMP/bad.json $root /bin/true"
    "unknown command|frobnicate|frobnicate"
    "images with an argument|usage: hutch images|images extra"
    "unknown system subcommand|usage: hutch system reset|system frob"
)
plan $((${#cases[@]} * 3 + 1))
layers_before=$(tree_state "$layers_dir")
n_refused=0

for c in "${cases[@]}"; do
    IFS='|' read -r desc text args <<< "$c"
    # shellcheck disable=SC2086
    run_hutch $args
    # 125 with hutch's own message: a stub that exits 125 is not a refusal.
    check "$desc: exit 125" refused
    refused && n_refused=$((n_refused + 1))
    first=$(head -n 1 <<< "$err")
    if [ "$rc" = 125 ] && [ -z "$out" ] && [ "${first#hutch: }" != "$first" ] && [[ $err == *"$text"* ]]; then
        ok "$desc: a message on stderr names '$text'"
    else
        not_ok "$desc: a message on stderr names '$text'" "stdout: $out" "stderr: $err"
    fi
    # Not even the run base or the seccomp cache: $XDG_RUNTIME_DIR stays empty.
    # Only hutch refusing the input proves anything by creating nothing.
    left=$(leftovers; find "$XDG_RUNTIME_DIR" -mindepth 1 | sed 's/^/created: /')
    given refused -- is "$left" "" "$desc: nothing created"
    rm -rf "${XDG_RUNTIME_DIR:?}"/* 2>/dev/null
done
given test "$n_refused" = ${#cases[@]} -- is "$(tree_state "$layers_dir")" "$layers_before" "the layers are untouched"
