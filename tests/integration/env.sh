#!/bin/bash
# The command's environment, working directory and user: a clean default
# environment (never the host's), -e, --env-file, -w, -u.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

plan 17
root=$(busybox_layers)

# Everything the command sees, minus what the shell itself adds; then
# "listed", the sign that the sandbox ran it to the end.
show_env='env | grep -Ev "^(PWD|SHLVL|_|OLDPWD)=" | sort; echo listed'

# --- clean by default
export HUTCH_TEST_SECRET=leaked-secret
export HOME=/home/should-not-leak
export PATH=$PATH:/host/only/path
export TERM=host-term-leaked
run_hutch run "$root" /bin/sh -c "$show_env"
keys=$(grep = <<< "$out" | sed 's/=.*//' | tr '\n' ' ')
is "$rc/$keys" "0/HOME HOSTNAME PATH TERM container " "the default environment holds only HOME, HOSTNAME, PATH, TERM, container"
given ran 0 listed -- unlike "$out" "leaked-secret" "a host variable does not leak"
given ran 0 listed -- unlike "$out" "/host/only/path" "the host's PATH does not leak"
given ran 0 listed -- unlike "$out" "should-not-leak" "the host's HOME does not leak"
given ran 0 listed -- like "$out" "container=hutch" "container=hutch is set"
given ran 0 listed -- like "$out" "HOME=/root" "HOME is /root for root inside"
given ran 0 listed -- unlike "$out" "host-term-leaked" "without a terminal, the host's TERM is not passed on"
unset TERM

# --- -e
run_hutch run -e FOO=bar -e 'SPACED=a b  c' -e EQ=x=y -e EMPTY= -e HUTCH_TEST_SECRET -e NOT_SET_ON_HOST \
    -e PATH=/bin -e FOO=last "$root" /bin/sh -c "$show_env"
is "$rc/$(grep -E '^(FOO|SPACED|EQ|EMPTY|HUTCH_TEST_SECRET|PATH)=' <<< "$out" | tr '\n' '|')" \
    "0/EMPTY=|EQ=x=y|FOO=last|HUTCH_TEST_SECRET=leaked-secret|PATH=/bin|SPACED=a b  c|" \
    "-e sets variables (values kept verbatim, later wins, KEY alone copies the host's, PATH overridable)"
given ran 0 listed -- unlike "$out" "NOT_SET_ON_HOST" "-e KEY of a variable the host does not have sets nothing"

# --- --env-file
printf '%s\n' '# a comment' '' 'A=1' '  B=two words' 'C=with=equals' 'HUTCH_TEST_SECRET' 'A=overridden' > "$TEST_TMP/env"
printf 'CRLF=yes\r\n' >> "$TEST_TMP/env"
run_hutch run --env-file "$TEST_TMP/env" -e B=from-e "$root" /bin/sh -c "$show_env"
is "$rc/$(grep -E '^(A|B|C|CRLF|HUTCH_TEST_SECRET)=' <<< "$out" | tr '\n' '|')" \
    "0/A=overridden|B=from-e|C=with=equals|CRLF=yes|HUTCH_TEST_SECRET=leaked-secret|" \
    "--env-file: comments, blank lines, spaces, =, CRLF, bare KEY; -e after it wins"

# --- -w
run_hutch run -w /etc "$root" /bin/sh -c 'pwd; cat motd'
is "$rc/$out" "0//etc
layer: 10-httpd (overrides 00-base)" "-w sets the working directory"
run_hutch run -w /new/work/dir "$root" /bin/sh -c 'pwd; touch here && echo writable'
is "$rc/$out" "0//new/work/dir
writable" "-w makes a missing directory (in the sandbox)"
run_hutch run "$root" /bin/pwd
is "$rc/$out" "0//" "the default working directory is /"

# --- -u
run_hutch run -u 1000 "$root" /bin/sh -c 'id -u; id -g; echo "$HOME"'
if have_subids; then
    is "$rc/$out" "0/1000
0
/" "-u UID the image does not list runs as UID:0 (podman's rule) with HOME=/"
    run_hutch run -u 33:44 "$root" /bin/sh -c 'id -u; id -g; id -G; touch /tmp/f; stat -c %u:%g /tmp/f'
    is "$rc/$out" "0/33
44
44
33:44" "-u UID:GID sets uid, gid, no supplementary groups, and files get those ids"
    run_hutch run -u 1000 "$root" /bin/sh -c 'grep -E "^Cap(Prm|Eff|Amb):" /proc/self/status'
    is "$rc/$(awk '{ print $2 }' <<< "$out" | tr '\n' ' ')" "0/0000000000000000 0000000000000000 0000000000000000 " \
        "-u 1000: no capabilities"
    run_hutch run -u 1000 "$root" /bin/sh -c 'echo x > /etc/motd 2>/dev/null && echo written || echo refused'
    is "$rc/$out" "0/refused" "-u 1000: cannot write root's files"
else
    skip "-u UID" "no subordinate ids: only uid 0 is mapped"
    skip "-u UID:GID" "no subordinate ids: only uid 0 is mapped"
    skip "-u 1000: no capabilities" "no subordinate ids"
    skip "-u 1000: cannot write root's files" "no subordinate ids"
fi
