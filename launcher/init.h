/* init.h: the sandbox's pid 1. */
#pragma once

#include "launch.h"

/* Called in the child of the keeper's clone3, in the sandbox's new
 * namespaces, with l->keeper_sock its end of the keeper's socket. Never
 * returns. */
void init_main(struct launch *l) __attribute__((noreturn));
