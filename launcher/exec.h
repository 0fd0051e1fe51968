/* exec.h: the command's process. */
#pragma once

#include "launch.h"

/* Forked by init: the last stages (session, ids, capabilities,
 * no_new_privs, Landlock, seccomp), then exec. With go_sock >= 0, GO
 * (sync.h) is awaited there just before the seccomp filter: what comes
 * before it is done while hutch still waits for the network. Never
 * returns; a failure is written to errfd as a struct error. */
void exec_command(struct launch *l, int errfd, int pty_slave, int go_sock) __attribute__((noreturn));
