#!/bin/bash
# hutch doctor is right: for a caller without subordinate ids it proposes a
# range that overlaps no one's in /etc/subuid and /etc/subgid (crafted here,
# read through doctor's test hooks HUTCH_DOCTOR_SUBUID/SUBGID), tells the
# missing range apart from a newuidmap that is not setuid, and says the
# advice once; its XDG_RUNTIME_DIR advice explains the fallback and names no
# directory that does not exist; a small tmpfs as the run directory is
# named; and it exits 0 when hutch can run.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 9

user=$(id -un)
uid=$(id -u)
other_uid=$((uid + 1))

# Everybody but the caller, with what real files hold: comments, blank
# lines, a uid number as owner, ranges off useradd's grid, a line shadow
# would not read (a trailing word: its ids still count as taken), and a slot
# taken in one file only. The first free slot of 65536 ids from 100000 in
# both files is 427680.
cat > "$TEST_TMP/subuid" <<EOF
# crafted for hutch's doctor test
alice:100000:65536

bob:165536:65536
carol:231072:1000
this line is garbage
dave:300000:10 trailing
$other_uid:362144:65536
EOF
cat > "$TEST_TMP/subgid" <<EOF
alice:100000:65536
   # an indented comment
bob:165536:65536
erin:296608:65536
$other_uid:362144:65536
EOF
export HUTCH_DOCTOR_SUBUID=$TEST_TMP/subuid HUTCH_DOCTOR_SUBGID=$TEST_TMP/subgid

# The lines of a crafted file that name ids, as "START COUNT" (a bad line's
# leading digits included, as a careful reader would take them).
crafted_ranges() {
    awk -F: '$0 !~ /^[ \t]*#/ && NF >= 3 && $2 ~ /^[0-9]/ && $3 ~ /^[0-9]/ { print $2 + 0, $3 + 0 }' "$1"
}

# free_in FIRST LAST FILE: no line of FILE shares an id with FIRST..LAST;
# prints the lines that do.
free_in() {
    local first=$1 last=$2 start count clash=''
    while read -r start count; do
        if [ "$start" -le "$last" ] && [ "$first" -lt $((start + count)) ]; then
            clash="$clash $start:$count"
        fi
    done < <(crafted_ranges "$3")
    [ -z "$clash" ] || { printf 'overlaps%s\n' "$clash"; return 1; }
}

# --------------------------------------------- a caller with no ranges

run_hutch doctor

# The proposal: one usermod with the same range for uids and gids.
proposal=$(grep -o -- "sudo usermod --add-subuids [0-9]*-[0-9]* --add-subgids [0-9]*-[0-9]* $user" <<< "$out")
uids=$(grep -o -- '--add-subuids [0-9]*-[0-9]*' <<< "$proposal" | cut -d' ' -f2)
gids=$(grep -o -- '--add-subgids [0-9]*-[0-9]*' <<< "$proposal" | cut -d' ' -f2)
first=${uids%-*} last=${uids#*-}
if [ -n "$uids" ] && [ "$uids" = "$gids" ] && [ $((last - first + 1)) -eq 65536 ] &&
    [ "$first" -ge 100000 ] && [ $(((first - 100000) % 65536)) -eq 0 ]; then
    ok "no ranges: doctor proposes 'sudo usermod --add-subuids A-B --add-subgids A-B $user', 65536 ids on useradd's grid ($uids)"
else
    not_ok "no ranges: doctor proposes 'sudo usermod --add-subuids A-B --add-subgids A-B $user', 65536 ids on useradd's grid" \
        "proposal: '$proposal'" "$(last_run)"
    first=100000 last=165535  # the old fixed range, so the next points say what it hits
fi
if why=$(free_in "$first" "$last" "$TEST_TMP/subuid") && [ -n "$uids" ]; then
    ok "the proposed range overlaps no range in the crafted subuid"
else
    not_ok "the proposed range overlaps no range in the crafted subuid" "range $first-$last: ${why:-none proposed}"
fi
if why=$(free_in "$first" "$last" "$TEST_TMP/subgid") && [ -n "$gids" ]; then
    ok "the proposed range overlaps no range in the crafted subgid (free in both files)"
else
    not_ok "the proposed range overlaps no range in the crafted subgid (free in both files)" \
        "range $first-$last: ${why:-none proposed}"
fi

# A missing range is said as such, in each file, and as a warning: hutch
# still runs (--userns single), so doctor exits 0 unless another check
# failed.
ranges_lines=$(grep -E '^warn +subordinate [ug]ids +none for '"$user"' in ' <<< "$out")
if grep -qE '^fail ' <<< "$out"; then want_rc=1; else want_rc=0; fi
if [[ $ranges_lines == *"in $TEST_TMP/subuid"*"in $TEST_TMP/subgid"* ]] && [ "$rc" = "$want_rc" ]; then
    ok "no ranges: doctor says the caller has none in each file, as a warning (exit $want_rc)"
else
    not_ok "no ranges: doctor says the caller has none in each file, as a warning (exit $want_rc)" "$(last_run)"
fi

# The helpers are as they are, whatever the ranges: newuidmap is not said
# to be "not setuid" when it is.
helper_line=$(grep -E '^(ok|warn|fail) +newuidmap/newgidmap' <<< "$out")
newuidmap=$(command -v newuidmap)
if [ -z "$newuidmap" ]; then
    skip "no ranges: newuidmap reported as it is" "newuidmap is not installed"
elif [ -u "$newuidmap" ] && [ "$(stat -c %u "$newuidmap")" = 0 ]; then
    case $helper_line in
    ok*"$newuidmap (setuid root)"*) ok "no ranges: newuidmap reported as setuid root, as it is" ;;
    *) not_ok "no ranges: newuidmap reported as setuid root, as it is" "line: '$helper_line'" ;;
    esac
else
    case $helper_line in
    *"not setuid"* | ok*"file capabilities"*) ok "no ranges: newuidmap reported as it is (not setuid here)" ;;
    *) not_ok "no ranges: newuidmap reported as it is (not setuid here)" "line: '$helper_line'" ;;
    esac
fi

# The advice once: one usermod in all doctor says (stdout and stderr), no
# mapping tried, no fix repeated.
n_usermod=$(grep -o usermod <<< "$out$err" | wc -l)
repeated=$(grep -o 'fix: .*' <<< "$out$err" | sort | uniq -d)
mapping_line=$(grep -E '^(ok|warn|fail) +id mapping' <<< "$out")
if [ "$n_usermod" -eq 1 ] && [ -z "$repeated" ] && [[ $mapping_line == warn*"not tried"* ]]; then
    ok "no ranges: no mapping tried, the usermod advice given once"
else
    not_ok "no ranges: no mapping tried, the usermod advice given once" "usermod said $n_usermod times" \
        "repeated: '$repeated'" "id mapping: '$mapping_line'" "$(last_run)"
fi

# --------------------------------------------------- XDG_RUNTIME_DIR

# names_only_real_dirs TEXT: every /run/user/N it names exists and is ours.
names_only_real_dirs() {
    local d
    for d in $(grep -o '/run/user/[0-9]*' <<< "$1" | sort -u); do
        [ -d "$d" ] && [ -O "$d" ] || { printf 'names %s, which is not a directory of yours\n' "$d"; return 1; }
    done
}

# names_fallback DESC: the last doctor's XDG_RUNTIME_DIR line names the
# fallback /tmp/hutch-UID, and it names no missing directory.
names_fallback() {
    local why xdg_line
    xdg_line=$(grep -E '^(ok|warn|fail) +XDG_RUNTIME_DIR' <<< "$out")
    if why=$(names_only_real_dirs "$out$err") && [[ $xdg_line == *"/tmp/hutch-$uid"* ]]; then
        ok "$1"
    else
        not_ok "$1" "${why:-the fallback is not named}" "$(last_run)"
    fi
}

run env -u XDG_RUNTIME_DIR "$HUTCH" doctor
names_fallback "XDG_RUNTIME_DIR unset: the advice names the fallback /tmp/hutch-$uid, and no missing directory"

# Another user's directory, as after su: the same.
run env XDG_RUNTIME_DIR=/ "$HUTCH" doctor
names_fallback "XDG_RUNTIME_DIR not yours: the advice names the fallback, and no missing directory"

# A small tmpfs as the runtime directory: mounted in a user namespace of
# our own (where the caller is root, and so owns the tmpfs).
small=$TEST_TMP/small
mkdir "$small"
if unshare -rm true 2>/dev/null; then
    run unshare -rm sh -c 'mount -t tmpfs -o size=50m none "$1" && XDG_RUNTIME_DIR=$1 exec "$2" doctor' _ "$small" "$HUTCH"
    space_line=$(grep -E '^(ok|warn|fail) +run directory space' <<< "$out")
    case $space_line in
    warn*"small tmpfs"*) ok "a 50 MiB tmpfs as the runtime directory: said to be a small tmpfs" ;;
    *) not_ok "a 50 MiB tmpfs as the runtime directory: said to be a small tmpfs" "line: '$space_line'" "$(last_run)" ;;
    esac
else
    skip "a 50 MiB tmpfs as the runtime directory: said to be a small tmpfs" "unshare -rm is not allowed here"
fi
