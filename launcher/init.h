/* init.h: the sandbox's pid 1. */
#pragma once

#include "launch.h"

/* Called in the child of the keeper's clone3, in the sandbox's new
 * namespaces, with l->keeper_sock its end of the keeper's socket. Never
 * returns. */
void init_main(struct launch *l) __attribute__((noreturn));
/* The same, as hutch's own child on the path without a keeper (run.c):
 * in the sandbox's user namespace too, with l->keeper_sock its end of
 * hutch's socket. It waits for its map, then mounts the overlay in its
 * own mount namespace, and goes on as init_main. Never returns. */
void init_main_direct(struct launch *l) __attribute__((noreturn));
/* The namespaces init is cloned into: pid, mount, ipc, uts, cgroup and
 * (but with --network host) network. */
unsigned long long init_namespaces(const struct plan *p);
