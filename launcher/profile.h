/* profile.h: profile files. A profile is hutch's own long options, one per
 * line without the dashes (`volume ${HOME}/Downloads:/downloads`, `network
 * pasta`, `read-only`), with # comments, `include NAME` and a few
 * variables. It is read here line by line and handed to a callback, which
 * options.c points at the one option table: so every option works in both
 * places, and this file knows no option. */
#pragma once

#include <stdio.h>

#include "options.h"

/* One option line: its name, its value (NULL for a flag) after variables,
 * and where it was written ("FILE:LINE", and FILE's directory for relative
 * paths). */
typedef int (*profile_line_fn)(void *ctx, const char *name, const char *value, const struct origin *o,
                               struct error *err);

/* Read profile NAME (NAME.profile on the search path) or FILE (with a
 * slash, or ending in .profile), includes and all, calling fn for each
 * option line in order. app is ${APP}; NULL: NAME's own name. Errors name
 * FILE:LINE. */
int profile_read(const char *name, const char *app, profile_line_fn fn, void *ctx, struct error *err);

/* The search path, first wins: $XDG_CONFIG_HOME/hutch/profiles (the
 * user's), /etc/hutch/profiles, then hutch's own. NAME.profile's path, or
 * NULL. */
char *profile_find(const char *name);
/* `hutch profiles`: every profile found, the one that wins first. */
void profile_list(FILE *f);
