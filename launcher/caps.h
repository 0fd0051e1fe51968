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
/* The final set: podman's default (or every capability with --cap-add ALL,
 * or none with --cap-drop ALL), less the dropped ones, plus the added ones;
 * the order of the options does not matter, as with podman. */
uint64_t caps_resolve(const struct spec *s);
/* What a command running as a non-zero uid keeps of caps: only what
 * --cap-add named (or all with ALL), as podman does; nothing by default. */
uint64_t caps_for_other_uid(const struct spec *s, uint64_t caps);
/* "CAP_CHOWN CAP_KILL ...", newly allocated; "(none)" for an empty set. */
char *caps_describe(uint64_t caps);

/* Trim the bounding set to caps; call while still root inside, before
 * changing to the command's uid. */
int caps_trim_bounding(uint64_t caps, struct error *err);
/* Before the change to a non-zero uid that keeps capabilities (other):
 * keep the permitted set across it (PR_SET_KEEPCAPS). */
int caps_keep_across_setuid(uint64_t other, uid_t uid, struct error *err);
/* After the uid change: the effective, permitted and inheritable sets (caps
 * for uid 0, other for another uid, raised as ambient so that they survive
 * exec), and no_new_privs. */
int caps_apply(uint64_t caps, uint64_t other, uid_t uid, struct error *err);

/* memory-deny-write-execute: no memory both writable and executable, none
 * made executable once written; kept across fork and exec. */
bool caps_mdwe_available(void);
int caps_mdwe(bool on, struct error *err);
