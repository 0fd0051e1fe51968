/* landlock.h: the second wall, under the mount namespace. */
#pragma once

#include <stdio.h>

#include "spec.h"

/* The kernel's Landlock ABI version (1, 2, ...), or a negative errno:
 * -ENOSYS for a kernel without Landlock, -EOPNOTSUPP when it is built in
 * but not enabled at boot (lsm=). */
int landlock_abi(void);
/* In the command's process, after no_new_privs and before seccomp: limit
 * file access to what lies under the sandbox's root. Does nothing with
 * --landlock off or without kernel support. */
int landlock_apply(const struct spec *s, struct error *err);
/* For --print-policy. */
void landlock_describe(const struct spec *s, FILE *f);
