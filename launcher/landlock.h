/* landlock.h: the second wall, under the mount namespace. */
#pragma once

#include <stdio.h>

#include <stdbool.h>

#include "error.h"

/* The kernel's Landlock ABI version (1, 2, ...), or a negative errno:
 * -ENOSYS for a kernel without Landlock, -EOPNOTSUPP when it is built in
 * but not enabled at boot (lsm=). */
int landlock_abi(void);
/* In the command's process, after no_new_privs and before seccomp: limit
 * file access to what lies under the sandbox's root. Does nothing with
 * --landlock off or without kernel support. */
int landlock_apply(bool on, struct error *err);
/* For a helper that needs no file at all (the port forwarder): no file
 * access anywhere, and, where the ABI scopes them, no abstract unix
 * socket or signal outside its domain. Nothing where the kernel has no
 * Landlock. */
int landlock_deny_files(struct error *err);
/* For --print-policy. */
void landlock_describe(bool on, FILE *f);
