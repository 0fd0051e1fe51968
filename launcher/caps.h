/* caps.h: capability sets (libcap-ng) and no_new_privs. */
#pragma once

#include <sys/types.h>

#include "spec.h"

/* Trim the bounding set to the sandbox's set; call while still root inside,
 * before changing to the command's uid. */
int caps_trim_bounding(const struct spec *s, struct error *err);
/* After the uid change: effective, permitted and inheritable sets for the
 * command (empty for a non-root uid), an empty ambient set, no_new_privs. */
int caps_apply(const struct spec *s, uid_t uid, struct error *err);
