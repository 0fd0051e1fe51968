#!/bin/bash
# The command's environment, working directory and user: a clean default
# environment (never the host's), -e, --env-file, -w, -u.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 17
root=$(busybox_layers)

# Everything the command sees, minus what the shell itself adds.
show_env='env | grep -Ev "^(PWD|SHLVL|_|OLDPWD)=" | sort'

# --- clean by default
export HUTCH_TEST_SECRET=leaked-secret
export HOME=/home/should-not-leak
export PATH=$PATH:/host/only/path
export TERM=host-term-leaked
run_hutch run "$root" /bin/sh -c "$show_env"
keys=$(sed 's/=.*//' <<< "$out" | tr '\n' ' ')
is "$keys" "HOME HOSTNAME PATH TERM container " "the default environment holds only HOME, HOSTNAME, PATH, TERM, container"
unlike "$out" "leaked-secret" "a host variable does not leak"
unlike "$out" "/host/only/path" "the host's PATH does not leak"
unlike "$out" "should-not-leak" "the host's HOME does not leak"
like "$out" "container=hutch" "container=hutch is set"
like "$out" "HOME=/root" "HOME is /root for root inside"
unlike "$out" "host-term-leaked" "without a terminal, the host's TERM is not passed on"
unset TERM

# --- -e
run_hutch run -e FOO=bar -e 'SPACED=a b  c' -e EQ=x=y -e EMPTY= -e HUTCH_TEST_SECRET -e NOT_SET_ON_HOST \
    -e PATH=/bin -e FOO=last "$root" /bin/sh -c "$show_env"
is "$(grep -E '^(FOO|SPACED|EQ|EMPTY|HUTCH_TEST_SECRET|PATH)=' <<< "$out" | tr '\n' '|')" \
    "EMPTY=|EQ=x=y|FOO=last|HUTCH_TEST_SECRET=leaked-secret|PATH=/bin|SPACED=a b  c|" \
    "-e sets variables (values kept verbatim, later wins, KEY alone copies the host's, PATH overridable)"
unlike "$out" "NOT_SET_ON_HOST" "-e KEY of a variable the host does not have sets nothing"

# --- --env-file
printf '%s\n' '# a comment' '' 'A=1' '  B=two words' 'C=with=equals' 'HUTCH_TEST_SECRET' 'A=overridden' > "$TEST_TMP/env"
printf 'CRLF=yes\r\n' >> "$TEST_TMP/env"
run_hutch run --env-file "$TEST_TMP/env" -e B=from-e "$root" /bin/sh -c "$show_env"
is "$(grep -E '^(A|B|C|CRLF|HUTCH_TEST_SECRET)=' <<< "$out" | tr '\n' '|')" \
    "A=overridden|B=from-e|C=with=equals|CRLF=yes|HUTCH_TEST_SECRET=leaked-secret|" \
    "--env-file: comments, blank lines, spaces, =, CRLF, bare KEY; -e after it wins"

# --- -w
run_hutch run -w /etc "$root" /bin/sh -c 'pwd; cat motd'
is "$out" "/etc
layer: 10-httpd (overrides 00-base)" "-w sets the working directory"
run_hutch run -w /new/work/dir "$root" /bin/sh -c 'pwd; touch here && echo writable'
is "$out" "/new/work/dir
writable" "-w makes a missing directory (in the sandbox)"
run_hutch run "$root" /bin/pwd
is "$out" "/" "the default working directory is /"

# --- -u
run_hutch run -u 1000 "$root" /bin/sh -c 'id -u; id -g; echo "$HOME"'
if have_subids; then
    is "$out" "1000
0
/" "-u UID the image does not list runs as UID:0 (podman's rule) with HOME=/"
    run_hutch run -u 33:44 "$root" /bin/sh -c 'id -u; id -g; id -G; touch /tmp/f; stat -c %u:%g /tmp/f'
    is "$out" "33
44
44
33:44" "-u UID:GID sets uid, gid, no supplementary groups, and files get those ids"
    run_hutch run -u 1000 "$root" /bin/sh -c 'grep -E "^Cap(Prm|Eff|Amb):" /proc/self/status'
    is "$(awk '{ print $2 }' <<< "$out" | tr '\n' ' ')" "0000000000000000 0000000000000000 0000000000000000 " \
        "-u 1000: no capabilities"
    run_hutch run -u 1000 "$root" /bin/sh -c 'echo x > /etc/motd 2>/dev/null && echo written || echo refused'
    is "$out" refused "-u 1000: cannot write root's files"
else
    skip "-u UID" "no subordinate ids: only uid 0 is mapped"
    skip "-u UID:GID" "no subordinate ids: only uid 0 is mapped"
    skip "-u 1000: no capabilities" "no subordinate ids"
    skip "-u 1000: cannot write root's files" "no subordinate ids"
fi
