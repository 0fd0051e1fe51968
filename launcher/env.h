/* env.h: KEY=VAL variables for the command, from -e and --env-file. */
#pragma once

#include <stddef.h>

#include "error.h"

/* The largest --env-file read: far beyond any real one, and /dev/zero stops. */
#define ENV_FILE_MAX (1 << 20)

/* Add one -e argument or env-file line to *env (n entries); KEY alone copies
 * the value lookup() gives (the host's environment), or is skipped when it
 * gives NULL. A later setting of a key replaces the earlier one. origin
 * names the place for messages. */
int env_set(const char *item, const char *origin, char ***env, size_t *n,
            const char *(*lookup)(const char *key), struct error *err);
/* Parse env-file text, one KEY=VAL (or KEY) a line, # comments. */
int env_parse_text(const char *text, const char *origin, char ***env, size_t *n,
                   const char *(*lookup)(const char *key), struct error *err);
/* Every key once, at the place of its first setting with the value of its
 * last; O(n log n). */
void env_dedupe(char **env, size_t *n);
