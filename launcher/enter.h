/* enter.h: hutch exec's process, which joins a running sandbox. */
#pragma once

#include "launch.h"
#include "sync.h"

/* In the keeper: start a process for the hutch exec client on conn (the
 * connection the monitor passed on). It reads the request, joins init's
 * namespaces (nsfds, in the order of SYNC_NAMESPACES), runs the
 * command under the sandbox's policy (exec.c) and sends the client its
 * status. Returns 0 once that process runs, or a negative errno. */
int enter_start(struct launch *l, const int *nsfds, int conn);
