/* exec.h: the command's process. */
#pragma once

#include "launch.h"

/* Forked by init: the last stages (session, ids, capabilities,
 * no_new_privs, Landlock, seccomp), then exec. Never returns; a failure is
 * written to errfd as a struct error. */
void exec_command(struct launch *l, int errfd, int pty_slave) __attribute__((noreturn));
