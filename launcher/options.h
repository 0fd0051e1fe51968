/* options.h: one option table, shared by the command line and (later) profiles. */
#pragma once

#include "spec.h"

/* Parse `hutch run` arguments (argv[0] is "run"). Returns 0 when the spec is
 * ready to launch, 1 when help was printed, or a negative errno with err set. */
int options_parse_run(int argc, char **argv, struct spec *s, struct error *err);
void options_print_run_help(void);

/* Parsers exposed for the unit tests. */
int options_parse_volume(const char *arg, struct mount_entry *out, struct error *err);
int options_parse_user(const char *arg, uid_t *uid, gid_t *gid, struct error *err);
/* Parse env-file text into KEY=VAL entries appended to *env; lookup() answers
 * bare KEY lines (docker's form) and may return NULL to skip the key. */
int env_parse_text(const char *text, const char *origin, char ***env, size_t *n,
                   const char *(*lookup)(const char *key), struct error *err);
