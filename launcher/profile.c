/* profile.c: profile files, their search path, includes and variables.
 *
 * The format, one line each:
 *   # a comment
 *   NAME VALUE          an option of `hutch run`, without its dashes
 *   NAME                a flag (read-only)
 *   include NAME|FILE   another profile, read at that point (a FILE, with a
 *                       slash or ending in .profile, relative to this one)
 * Values may hold ${HOME}, ${UID}, ${XDG_RUNTIME_DIR}, ${XDG_CONFIG_HOME},
 * ${XDG_DATA_HOME} and ${APP}; `$$` is a plain `$`. A relative path in a
 * value resolves against the profile's own directory (options.c does it,
 * from the origin given here). */
#define _GNU_SOURCE
#include "profile.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define PROFILE_MAX (256 << 10)   /* bytes of one profile file */
#define INCLUDE_DEPTH 16
#define INCLUDE_TOTAL 256         /* files read for one profile, includes and all */

/* ------------------------------------------------------------ search path */

static char *config_home(void)
{
  const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
  if (x && x[0] == '/')
    return xstrdup(x);
  return home && home[0] == '/' ? xasprintf("%s/.config", home) : NULL;
}

/* The directories, first wins; NULL-terminated, newly allocated. */
static char **search_dirs(void)
{
  char **dirs = NULL;
  size_t n = 0;
  _cleanup_free_ char *cfg = config_home();
  if (cfg)
    strv_append(&dirs, &n, xasprintf("%s/hutch/profiles", cfg));
  strv_append(&dirs, &n, xstrdup("/etc/hutch/profiles"));
  _cleanup_free_ char *shipped = data_path("run/default.profile");
  char *slash = strrchr(shipped, '/');
  strv_append(&dirs, &n, xstrndup(shipped, (size_t) (slash - shipped)));
  return dirs;
}

static bool valid_name(const char *name)
{
  if (!*name || strlen(name) > 64)
    return false;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char) *p) && !strchr("-_.", *p))
      return false;
  return name[0] != '.';
}

char *profile_find(const char *name)
{
  if (!valid_name(name))
    return NULL;
  _cleanup_strv_ char **dirs = search_dirs();
  for (char **d = dirs; *d; d++) {
    char *path = xasprintf("%s/%s.profile", *d, name);
    if (access(path, R_OK) == 0)
      return path;
    free(path);
  }
  return NULL;
}

void profile_list(FILE *f)
{
  _cleanup_strv_ char **dirs = search_dirs();
  char **seen = NULL;
  size_t n_seen = 0;
  fprintf(f, "%-20s %s\n", "NAME", "FILE");
  for (char **d = dirs; *d; d++) {
    struct dirent **names = NULL;
    int n = scandir(*d, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
      const char *e = names[i]->d_name;
      size_t len = strlen(e);
      if (len > 8 && !strcmp(e + len - 8, ".profile")) {
        _cleanup_free_ char *name = xstrndup(e, len - 8);
        bool shadowed = false;
        for (size_t k = 0; k < n_seen; k++)
          shadowed = shadowed || !strcmp(seen[k], name);
        fprintf(f, "%-20s %s/%s%s\n", name, *d, e, shadowed ? "  (hidden by the one above)" : "");
        if (!shadowed)
          strv_append(&seen, &n_seen, steal_pointer(&name));
      }
      free(names[i]);
    }
    free(names);
  }
  strvfreep(&seen);
}

/* ------------------------------------------------------------- variables */

struct reader {
  profile_line_fn fn;
  void *ctx;
  const char *app;
  char *stack[INCLUDE_DEPTH];   /* the files being read, for loops */
  size_t depth;
  size_t files;                 /* read so far: a diamond of includes is bounded too */
};

static int var_value(const struct reader *rd, const char *var, char **out)
{
  const char *home = getenv("HOME");
  _cleanup_free_ char *cfg = config_home();
  if (!strcmp(var, "HOME") && home)
    *out = xstrdup(home);
  else if (!strcmp(var, "UID"))
    *out = xasprintf("%u", getuid());
  else if (!strcmp(var, "XDG_RUNTIME_DIR"))
    *out = getenv("XDG_RUNTIME_DIR") ? xstrdup(getenv("XDG_RUNTIME_DIR")) : xasprintf("/run/user/%u", getuid());
  else if (!strcmp(var, "XDG_CONFIG_HOME") && cfg)
    *out = steal_pointer(&cfg);
  else if (!strcmp(var, "XDG_DATA_HOME") && getenv("XDG_DATA_HOME") && getenv("XDG_DATA_HOME")[0] == '/')
    *out = xstrdup(getenv("XDG_DATA_HOME"));
  else if (!strcmp(var, "XDG_DATA_HOME") && home)
    *out = xasprintf("%s/.local/share", home);
  else if (!strcmp(var, "APP"))
    *out = xstrdup(rd->app);
  else
    return -ENOENT;
  return 0;
}

static int expand(const struct reader *rd, const char *in, const char *where, char **out, struct error *err)
{
  size_t cap = strlen(in) + 1, len = 0;
  char *o = xmalloc(cap);
  for (const char *p = in; *p;) {
    const char *add = p;
    size_t n = 1;
    _cleanup_free_ char *val = NULL;
    if (p[0] == '$' && p[1] == '$') {
      p += 2;
    } else if (p[0] == '$' && p[1] == '{') {
      const char *close = strchr(p, '}');
      if (!close) {
        free(o);
        return error_set(err, 0, "%s: `${` without its `}`", where);
      }
      _cleanup_free_ char *var = xstrndup(p + 2, (size_t) (close - p - 2));
      if (var_value(rd, var, &val) < 0) {
        free(o);
        return error_set(err, 0, "%s: unknown variable ${%s}\nuse ${HOME}, ${UID}, ${XDG_RUNTIME_DIR}, "
                         "${XDG_CONFIG_HOME}, ${XDG_DATA_HOME} or ${APP}; $$ for a plain $", where, var);
      }
      add = val;
      n = strlen(val);
      p = close + 1;
    } else {
      p++;
    }
    if (len + n + 1 > cap)
      o = xrealloc(o, cap = (len + n + 1) * 2);
    memcpy(o + len, add, n);
    len += n;
  }
  o[len] = '\0';
  *out = o;
  return 0;
}

/* ------------------------------------------------------------------ reading */

static int read_file_profile(struct reader *rd, const char *path, struct error *err);

/* include NAME|FILE, from the profile at `dir`. */
static int include(struct reader *rd, const char *what, const char *dir, const char *where, struct error *err)
{
  _cleanup_free_ char *path = NULL;
  size_t len = strlen(what);
  if (strchr(what, '/') || (len > 8 && !strcmp(what + len - 8, ".profile")))
    path = what[0] == '/' ? xstrdup(what) : xasprintf("%s/%s", dir, what);
  else if (!(path = profile_find(what)))
    return error_set(err, 0, "%s: include `%s`: no profile of that name\nput %s.profile in "
                     "~/.config/hutch/profiles, or see `hutch profiles`", where, what, what);
  return read_file_profile(rd, path, err);
}

static int read_file_profile(struct reader *rd, const char *path, struct error *err)
{
  _cleanup_free_ char *real = realpath(path, NULL);
  if (!real)
    return error_set(err, errno, "profile `%s`", path);
  for (size_t i = 0; i < rd->depth; i++)
    if (!strcmp(rd->stack[i], real))
      return error_set(err, 0, "profile `%s` includes itself (through `%s`)\nremove the include that loops",
                       real, rd->stack[rd->depth - 1]);
  if (rd->depth == INCLUDE_DEPTH)
    return error_set(err, 0, "profile `%s`: includes nested deeper than %d", real, INCLUDE_DEPTH);
  if (++rd->files > INCLUDE_TOTAL)
    return error_set(err, 0, "profile `%s`: more than %d files read through includes", real, INCLUDE_TOTAL);
  struct stat st;
  int se = stat(real, &st) < 0 ? errno : 0;
  if (se || !S_ISREG(st.st_mode))
    return error_set(err, se ? se : EINVAL, "profile `%s` is not a regular file", real);
  _cleanup_free_ char *text = read_file(real, PROFILE_MAX, NULL);
  if (!text)
    return error_set(err, errno, "profile `%s`", real);
  _cleanup_free_ char *dir = xstrdup(real);
  *strrchr(dir, '/') = '\0';
  if (!*dir)
    strcpy(dir, "/");
  rd->stack[rd->depth++] = xstrdup(real);

  int r = 0, lineno = 0;
  for (char *line = text, *next; line && r == 0; line = next) {
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    lineno++;
    char where[PATH_MAX + 32];
    snprintf(where, sizeof where, "%s:%d", real, lineno);
    /* Trim; skip blanks and comments. */
    while (*line == ' ' || *line == '\t')
      line++;
    size_t len = strlen(line);
    while (len && strchr(" \t\r", line[len - 1]))
      line[--len] = '\0';
    if (!*line || *line == '#')
      continue;
    char *value = line + strcspn(line, " \t");
    if (*value) {
      *value++ = '\0';
      value += strspn(value, " \t");
    }
    _cleanup_free_ char *expanded = NULL;
    if (*value && (r = expand(rd, value, where, &expanded, err)) < 0)
      break;
    if (!strcmp(line, "include")) {
      r = expanded ? include(rd, expanded, dir, where, err)
                   : error_set(err, 0, "%s: `include` needs a profile name or file", where);
      continue;
    }
    const struct origin o = {.name = where, .base_dir = dir};
    r = rd->fn(rd->ctx, line, expanded, &o, err);
  }
  free(rd->stack[--rd->depth]);
  return r;
}

int profile_read(const char *name, const char *app, profile_line_fn fn, void *ctx, struct error *err)
{
  struct reader rd = {.fn = fn, .ctx = ctx};
  size_t len = strlen(name);
  bool file = strchr(name, '/') || (len > 8 && !strcmp(name + len - 8, ".profile"));
  _cleanup_free_ char *path = file ? xstrdup(name) : profile_find(name);
  if (!path)
    return error_set(err, 0, "no profile `%s`\nput %s.profile in ~/.config/hutch/profiles, give a FILE, or see "
                     "`hutch profiles`", name, valid_name(name) ? name : "NAME");
  _cleanup_free_ char *own_app = NULL;
  if (!app) {
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t bl = strlen(base);
    own_app = bl > 8 && !strcmp(base + bl - 8, ".profile") ? xstrndup(base, bl - 8) : xstrdup(base);
  }
  rd.app = app ? app : own_app;
  return read_file_profile(&rd, path, err);
}
