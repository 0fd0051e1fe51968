#!/bin/bash
# ordinary-work: the default policy must not get in the way of ordinary
# work: a shell, busybox httpd serving a page, threads, and a compiler
# where the root has one (here the host's own root, read-only below the
# sandbox's overlay, when it has cc).

. "$(dirname "$0")/lib-security.sh"
plan 5

sandbox -- /bin/sh -c 'cd /tmp && for i in 1 2 3; do echo $i > f$i; done; cat f* | tr "\n" " "; ls | wc -l; sort -r f1 f2 f3 | head -1'
is "$rc/$(printf '%s' "$out" | tr '\n' '|')" "0/1 2 3 3|3" "a shell: files, pipes, a subshell"

sandbox -- /bin/sh -c 'httpd -p 127.0.0.1:8080 -h /var/www && sleep 0.3 && wget -q -O - http://127.0.0.1:8080/index.html'
given ran 0 -- like "$out" "Hello from a hutch sandbox" "busybox httpd serves a page over loopback"

if have_probe threads; then
    sandbox -- /probes/threads
    is "$rc/$out" "0/thread joined" "a threaded program starts threads"
else
    skip "a threaded program starts threads" "no threads probe: $HUTCH_PROBES_MISSING"
fi

cc=$(command -v cc || command -v gcc || true)
if [ -n "$cc" ] && [ -x /bin/sh ]; then
    mkdir -p "$TEST_TMP/src"
    printf '#include <stdio.h>\nint main(void) { puts("compiled and ran"); return 0; }\n' > "$TEST_TMP/src/hello.c"
    run "$HUTCH" run -v "$TEST_TMP/src:/src:ro" ${HUTCH_TEST_LIFT:-} / /bin/sh -c "cd /tmp && $cc -o hello /src/hello.c && ./hello"
    is "$rc/$out" "0/compiled and ran" "the host's cc compiles and runs a program under the default policy"
else
    skip "the host's cc compiles and runs a program under the default policy" "no cc on this host"
fi

sandbox -- /bin/sh -c 'echo $((6 * 7)) | od -c | head -1 | tr -s " "'
given ran 0 -- like "$out" "4 2" "pipes through several busybox tools"
