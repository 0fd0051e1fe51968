/* keeper.h: the monitor between hutch and the sandbox. */
#pragma once

#include "launch.h"

/* The keeper's life, in its new user and mount namespace: called in the
 * child of clone3 with l->parent_sock its end of hutch's socket. Never
 * returns. */
void keeper_main(struct launch *l) __attribute__((noreturn));
