#!/bin/bash
# --memory-deny-write-execute (firejail's memory-deny-write-execute, through
# PR_SET_MDWE): no memory both writable and executable, and none made
# executable once written, in the command and what it runs. The control,
# the same probe without the option, shows both work otherwise.
. "${HUTCH_SOURCE_DIR:?run me through meson test}/tests/security/lib-security.sh"

need_probes wx
plan 3

sandbox -- /probes/wx
is "$rc/$(echo $out)" "0/wx:ok w-then-x:ok" "control: without the option, writable and executable memory can be had"

sandbox --memory-deny-write-execute -- /probes/wx
if [ "$rc" = 125 ] && [[ $err == *"no PR_SET_MDWE"* ]]; then
    skip_n 2 "--memory-deny-write-execute" "this kernel has no PR_SET_MDWE (Linux 6.3)"
    exit 0
fi
is "$rc/$(echo $out)" "0/wx:EACCES w-then-x:EACCES" "--memory-deny-write-execute: neither can be had"
sandbox --memory-deny-write-execute -- /bin/sh -c '/probes/wx'
is "$rc/$(echo $out)" "0/wx:EACCES w-then-x:EACCES" "... nor by what the command runs"
