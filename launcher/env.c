/* env.c: the command's environment variables from -e and --env-file. */
#define _GNU_SOURCE
#include "env.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static bool valid_env_key(const char *k, size_t len)
{
  if (len == 0 || isdigit((unsigned char) k[0]))
    return false;
  for (size_t i = 0; i < len; i++)
    if (!isalnum((unsigned char) k[i]) && k[i] != '_')
      return false;
  return true;
}

/* One -e argument or env-file line as a KEY=VAL string, or NULL with *skip
 * for a bare KEY the lookup does not know. */
static int env_entry(const char *item, const char *origin, const char *(*lookup)(const char *), char **out,
                     struct error *err)
{
  const char *eq = strchr(item, '=');
  size_t klen = eq ? (size_t) (eq - item) : strlen(item);
  *out = NULL;
  if (!valid_env_key(item, klen))
    return error_set(err, 0, "%s: bad variable `%s`: use KEY=VALUE with KEY made of letters, digits and _", origin, item);
  if (eq) {
    *out = xstrdup(item);
  } else {
    /* KEY alone copies the value from lookup() (the host's environment), as
     * docker and podman do. */
    const char *v = lookup ? lookup(item) : NULL;
    if (v)
      *out = xasprintf("%s=%s", item, v);
  }
  return 0;
}

static size_t key_len(const char *entry)
{
  return strcspn(entry, "=");
}

int env_set(const char *item, const char *origin, char ***env, size_t *n,
            const char *(*lookup)(const char *), struct error *err)
{
  char *entry;
  int r = env_entry(item, origin, lookup, &entry, err);
  if (r < 0 || !entry)
    return r;
  size_t klen = key_len(entry);
  /* A later setting of the same key replaces the earlier one. */
  for (size_t i = 0; i < *n; i++)
    if (!strncmp((*env)[i], entry, klen + 1)) {
      free((*env)[i]);
      (*env)[i] = entry;
      return 0;
    }
  strv_append(env, n, entry);
  return 0;
}

/* Sort by key, then by position: the runs of one key sit together. */
static char **sort_base;
static int by_key_then_pos(const void *a, const void *b)
{
  size_t i = *(const size_t *) a, j = *(const size_t *) b;
  const char *x = sort_base[i], *y = sort_base[j];
  size_t lx = key_len(x), ly = key_len(y);
  int c = strncmp(x, y, lx < ly ? lx : ly);
  if (c == 0 && lx != ly)
    c = lx < ly ? -1 : 1;
  if (c == 0)
    c = i < j ? -1 : i > j ? 1 : 0;
  return c;
}

/* An env file of many thousand lines must not cost the square of its
 * length: sort, then keep one entry a key. */
void env_dedupe(char **env, size_t *n)
{
  if (*n < 2)
    return;
  size_t *idx = xcalloc(*n, sizeof *idx);
  for (size_t i = 0; i < *n; i++)
    idx[i] = i;
  sort_base = env;
  qsort(idx, *n, sizeof *idx, by_key_then_pos);
  for (size_t k = 0; k < *n;) {
    size_t end = k + 1;
    while (end < *n && key_len(env[idx[end]]) == key_len(env[idx[k]]) &&
           !strncmp(env[idx[end]], env[idx[k]], key_len(env[idx[k]])))
      end++;
    /* First place, last value; the others are dropped. */
    if (end - k > 1) {
      size_t first = idx[k], last = idx[end - 1];
      free(env[first]);
      env[first] = env[last];
      env[last] = NULL;
      for (size_t m = k + 1; m < end - 1; m++) {
        free(env[idx[m]]);
        env[idx[m]] = NULL;
      }
    }
    k = end;
  }
  free(idx);
  size_t o = 0;
  for (size_t i = 0; i < *n; i++)
    if (env[i])
      env[o++] = env[i];
  env[o] = NULL;
  *n = o;
}

int env_parse_text(const char *text, const char *origin, char ***env, size_t *n,
                   const char *(*lookup)(const char *), struct error *err)
{
  int lineno = 0;
  for (const char *line = text; line && *line;) {
    const char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t) (nl - line) : strlen(line);
    _cleanup_free_ char *l = xstrndup(line, len);
    lineno++;
    line = nl ? nl + 1 : NULL;
    if (len && l[len - 1] == '\r')
      l[--len] = '\0';
    char *s = l;
    while (*s == ' ' || *s == '\t')
      s++;
    if (*s == '\0' || *s == '#')
      continue;
    char where[512];
    snprintf(where, sizeof where, "%s line %d", origin, lineno);
    char *entry;
    int r = env_entry(s, where, lookup, &entry, err);
    if (r < 0)
      return r;
    if (entry)
      strv_append(env, n, entry);
  }
  env_dedupe(*env, n);
  return 0;
}

