#!/bin/bash
# The sandbox's writes go to a throwaway upper layer: they are visible
# inside, never reach a lower layer or a ROOT DIR, and are gone on the next
# run. With both overlay backends and both ROOT forms.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/lib.sh"

per_case=3
plan $((2 * 2 * per_case + 1))

layers=$(busybox_layers)
layers_dir=${layers#layers:}
rootdir=$TEST_TMP/rootdir
cp -a "$(base_layer)" "$rootdir"
cp -a "$layers_dir/10-httpd/." "$rootdir/"

# Every kind of change: new file, append, delete, rename, new directories,
# chmod, chown, symlink, a whole lower directory removed, a hard link.
writes='
echo new > /newfile
echo appended >> /etc/motd
rm /etc/passwd
mv /etc/group /etc/group.moved
mkdir -p /newdir/sub && echo x > /newdir/sub/f
chmod 0700 /root
chown 5:5 /etc/motd
ln -s /newfile /newlink
rm -rf /var/www
ln /etc/httpd.conf /etc/httpd.link
touch -d "2001-01-01 00:00" /bin/sh
echo "motd:$(tail -n 1 /etc/motd) passwd:$(test -e /etc/passwd && echo present || echo gone)"
echo "www:$(test -e /var/www && echo present || echo gone) new:$(cat /newlink) owner:$(stat -c %u /etc/motd)"
echo done
'
fresh='echo "$(test -e /newfile && echo newfile) $(test -e /etc/passwd && echo passwd) $(test -e /var/www/index.html && echo www) $(tail -n 1 /etc/motd)"'

n_runs=0
for backend in kernel fuse; do
    for form in layers dir; do
        if [ $form = layers ]; then arg=$layers watched=$layers_dir; else arg=$rootdir watched=$rootdir; fi
        what="$backend, ROOT $form"
        if ! have_backend "$backend"; then
            skip_n "$per_case" "$what: write checks" "$(backend_missing_reason "$backend")"
            continue
        fi
        before=$(tree_state "$watched")
        run_hutch run --overlay "$backend" "$arg" /bin/sh -c "$writes"
        is "$rc/$out" "0/motd:appended passwd:gone
www:gone new:new owner:5
done" "$what: the writes take effect inside"
        after=$(tree_state "$watched")
        if ! ran 0 done; then
            not_ok "$what: nothing reached the lower layers" "not checked: the sandbox did not run its writes" "$(last_run)"
        elif [ "$after" = "$before" ]; then
            ok "$what: nothing reached the lower layers"
        else
            not_ok "$what: nothing reached the lower layers" "$(diff <(echo "$before") <(echo "$after") | head -20)"
        fi
        run_hutch run --overlay "$backend" "$arg" /bin/sh -c "$fresh"
        is "$rc/$out" "0/ passwd www layer: 10-httpd (overrides 00-base)" "$what: the next run starts fresh"
        ran 0 " passwd www layer: 10-httpd (overrides 00-base)" && n_runs=$((n_runs + 1))
    done
done
# Every backend this host has ran both forms: otherwise there is nothing to be gone.
n_backends=0
for backend in kernel fuse; do have_backend "$backend" && n_backends=$((n_backends + 1)); done
given test "$n_runs" -gt 0 -a "$n_runs" = $((2 * n_backends)) -- assert_clean "the upper layers are gone after the runs"
