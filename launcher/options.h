/* options.h: the one option table. Each option is one entry: its long and
 * short names, its value, its help, where it may be used (the command line,
 * a profile, or both) and the setter that applies it to a struct spec. The
 * command line parser, `--help`, the man page and (with the profiles issue)
 * the profile reader are all made from this table, so an option is added in
 * one place. Parsing has no side effects: nothing is resolved, bound,
 * mounted or made global here; spec_resolve() does that. */
#pragma once

#include <stdio.h>

#include "spec.h"

/* Where a setting came from, for messages and relative paths. */
struct origin {
  const char *name;      /* "command line", or "FILE:LINE" */
  const char *base_dir;  /* relative paths resolve against it; NULL: the
                          * working directory */
};

enum option_where { OPT_CLI = 1, OPT_PROFILE = 2, OPT_BOTH = 3 };

struct option_def {
  const char *name;         /* long name, without the dashes */
  char short_name;          /* 0: none */
  const char *value;        /* the value's form in help; NULL: a flag */
  const char *help;         /* may hold \n; continuation lines are indented */
  const char *example;      /* a valid value, for help and the tests */
  unsigned where;           /* enum option_where */
  int (*set)(struct spec *s, const char *value, const struct origin *o, struct error *err);
};

/* The table, for the unit tests and the man page. */
const struct option_def *options_table(size_t *n);

/* Parse `hutch run` arguments (argv[0] is "run") into s (spec_init first).
 * Returns 0 when the spec is complete, 1 when help was printed, or a
 * negative errno with err set. */
int options_parse_run(int argc, char **argv, struct spec *s, struct error *err);
/* The same for `hutch app` (argv[0] is "app"): PROGRAM [ARG...] in place of
 * ROOT; PROGRAM's own profile (or default-app) is applied first. */
int options_parse_app(int argc, char **argv, struct spec *s, struct error *err);
/* Apply one option by its long name, as a profile line does; value is NULL
 * for a flag. Errors name o->name and the option. */
int options_set(struct spec *s, const char *name, const char *value, const struct origin *o, struct error *err);

/* Apply profile NAME or FILE, through options_set for each of its lines. */
int options_apply_profile(struct spec *s, const char *name, struct error *err);

void options_print_run_help(FILE *f);
/* The OPTIONS section of hutch(1), in troff. */
void options_print_man(FILE *f);

/* Parsers exposed for the unit tests and the fuzz targets. */
int options_parse_volume(const char *arg, const struct origin *o, struct volume *out, struct error *err);
int options_parse_user(const char *arg, struct error *err);
