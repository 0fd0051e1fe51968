/* seccomp-profile.h: an OCI / Docker seccomp profile (JSON) read into
 * memory, keeping only the rules that apply to this machine and to the
 * command's capability set. No libseccomp filter is built here: see
 * seccomp.h for that, and seccomp-cache.h for keeping the result. */
#pragma once

#include <seccomp.h>   /* libseccomp's (no -Ilauncher): struct scmp_arg_cmp */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "spec.h"

struct json_object;

/* Bounds on what a profile may hold. Docker's is about 20 KiB, 60 rules and
 * 400 names; a filter the kernel loads has at most 4096 instructions, and
 * libseccomp's time grows with the rules it already holds for every one it
 * adds, so a profile far past these could only stall hutch. */
#define SECCOMP_PROFILE_MAX (4 << 20)      /* bytes of a profile file */
#define SECCOMP_PROFILE_MAX_RULES 1024     /* entries in "syscalls" */
#define SECCOMP_PROFILE_MAX_NAMES 4096     /* names, repeats within a rule dropped */

struct sc_rule {
  char where[48];          /* "syscalls[3]", for messages */
  uint32_t action;
  struct scmp_arg_cmp *conds;
  unsigned int n_conds;
  char **names;            /* no name twice */
  size_t n_names;
};

struct sc_profile {
  char *origin;            /* the profile's file (or what held it), for messages */
  uint32_t default_action;
  uint32_t arches[24];
  size_t n_arches;
  struct sc_rule *rules;   /* only the rules that apply to these capabilities */
  size_t n_rules;
  unsigned int flags;      /* SECCOMP_FILTER_FLAG_* */
};

/* Read the profile --seccomp names: hutch's default for SECCOMP_DEFAULT
 * (path NULL), or the file at path. caps is the command's final capability
 * set, which the rules' "includes" and "excludes" test. Errors name the
 * file and the entry ("syscalls[3].args[0]"). */
int seccomp_profile_load(enum seccomp_mode mode, const char *path, uint64_t caps, struct sc_profile *out,
                         struct error *err);
/* The same from a text buffer (not necessarily NUL-terminated); origin
 * names it in messages. */
int seccomp_profile_parse_text(const char *text, size_t len, const char *origin, uint64_t caps,
                               struct sc_profile *out, struct error *err);
/* The same from a JSON object already parsed, as an OCI config.json carries
 * the profile in `linux.seccomp`. json-c has already read its numbers, and
 * it reads one too large for 64 bits as the largest it can hold: check the
 * text the object came from with seccomp_json_check_integers() first. */
int seccomp_profile_parse_json(struct json_object *root, const char *origin, uint64_t caps,
                               struct sc_profile *out, struct error *err);
void seccomp_profile_free(struct sc_profile *p);
/* --multiarch: add the machine's 32-bit entry (i386 on x86-64, arm on
 * aarch64), with the same rules, to what the profile lists. */
void seccomp_profile_add_compat(struct sc_profile *p);

/* Refuse an integer in JSON text that does not fit in 64 bits (outside
 * -2^63 .. 2^64-1), naming its place ("syscalls[2].args[0].value"). The
 * text must be valid JSON. */
int seccomp_json_check_integers(const char *text, size_t len, const char *origin, struct error *err);

/* Allow or allow-and-log. */
bool seccomp_action_permissive(uint32_t action);
/* Does the rule deny only under a condition on the arguments? Such rules
 * go into a filter of their own (see seccomp.c). */
bool seccomp_rule_conditional_denial(const struct sc_rule *r);
/* A call that libseccomp 2.5 may never finish compiling: it has a second
 * rule with conditions, and one of its rules compares an argument by order
 * (<, <=, >, >=). libseccomp 2.5.4 (Debian 12) spins in _db_tree_put on
 * `kill` with [arg0 < 1, arg1 == 9] and [arg0 < 1, arg2 == 0]. Not every
 * such profile hangs it; for the message when one does. NULL if none. */
const char *seccomp_profile_loop_suspect(const struct sc_profile *p);
/* "fail with EPERM (1)", "allow", "kill the process"... */
void seccomp_action_describe(uint32_t action, char *buf, size_t len);
/* "x86_64", "x86 (int 0x80)"... */
const char *seccomp_arch_describe(uint32_t token);

/* "seccomp profile `ORIGIN`: WHERE: WHAT", for the parser and the compiler
 * alike. Returns -EINVAL. */
int seccomp_profile_error(struct error *err, const struct sc_profile *p, const char *where, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
