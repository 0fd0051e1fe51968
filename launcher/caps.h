/* caps.h: capability sets (libcap-ng) and no_new_privs. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec.h"

/* The running kernel's highest capability number. */
int caps_last(void);
/* podman's default set, as a mask of capability numbers. */
uint64_t caps_default(void);
/* Add one --cap-add/--cap-drop argument (NET_RAW, CAP_NET_RAW, net_raw or
 * ALL) to mask, or set *all for ALL. */
int caps_parse_name(const char *opt, const char *arg, uint64_t *mask, bool *all, struct error *err);
/* Compute s->caps from the default set and the --cap-add/--cap-drop masks. */
void caps_resolve(struct spec *s);
/* "CAP_CHOWN CAP_KILL ...", newly allocated; "(none)" for an empty set. */
char *caps_describe(uint64_t caps);

/* Trim the bounding set to the sandbox's set; call while still root inside,
 * before changing to the command's uid. */
int caps_trim_bounding(const struct spec *s, struct error *err);
/* After the uid change: effective, permitted and inheritable sets for the
 * command (empty for a non-root uid), an empty ambient set, no_new_privs. */
/* Before the change to a non-zero uid, when --cap-add asked for
 * capabilities: keep the permitted set across it (PR_SET_KEEPCAPS). */
int caps_keep_across_setuid(const struct spec *s, uid_t uid, struct error *err);
int caps_apply(const struct spec *s, uid_t uid, struct error *err);
