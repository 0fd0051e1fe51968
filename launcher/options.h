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
