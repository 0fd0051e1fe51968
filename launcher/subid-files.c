/* subid-files.c: one user's subordinate ranges without libsubid, where
 * the system allows.
 *
 * shadow's libsubid reads /etc/nsswitch.conf for a `subid:` line: without
 * one (or with `files`) it reads /etc/subuid and /etc/subgid, otherwise it
 * loads the module that line names (sss, an LDAP one). Linking libsubid
 * costs every launch its dependencies (libaudit, libselinux, libsemanage,
 * libpam, libcrypt, pcre2, libsepol, libbz2...): their loading, and a
 * larger image for every fork. So hutch reads the files itself, with the
 * parser `hutch doctor` uses (subids.c), matching a line's owner to the
 * user's name or uid number as shadow does, and loads libsubid with
 * dlopen only when another source is named. newuidmap and newgidmap check
 * the ranges against the same sources whatever hutch read.
 */
#define _GNU_SOURCE
#include "subid-files.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <shadow/subid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "subids.h"
#include "util.h"

static const char *const files[2] = {"/etc/subuid", "/etc/subgid"};

bool subid_files_other_source(const char *nsswitch_path)
{
  FILE *f = fopen(nsswitch_path, "re");
  if (!f)
    return false;
  char line[512];
  bool other = false;
  while (fgets(line, sizeof line, f)) {
    char *p = line;
    while (*p == ' ' || *p == '\t')
      p++;
    if (strncasecmp(p, "subid:", 6))
      continue;
    p += 6;
    while (*p == ' ' || *p == '\t')
      p++;
    size_t n = 0;
    while (p[n] && !isspace((unsigned char) p[n]) && p[n] != '#')
      n++;
    /* The first subid line with a word decides, as in shadow (which also
     * reads `files` when the module it names cannot be loaded: asking
     * libsubid is never wrong, only slower). */
    if (n == 0)
      continue;
    other = !(n == 5 && !strncmp(p, "files", 5));
    break;
  }
  fclose(f);
  return other;
}

int subid_files_read(const char *path, const char *user, unsigned long uid, struct id_range **out,
                     struct error *err)
{
  *out = NULL;
  struct subids all = {0};
  int r = subids_read(path, &all, err);
  if (r < 0)
    return r;
  char number[24];
  snprintf(number, sizeof number, "%lu", uid);
  int n = 0;
  for (size_t i = 0; i < all.n; i++) {
    const struct subid_line *l = &all.lines[i];
    if (l->malformed || (strcmp(l->owner, user) && strcmp(l->owner, number)))
      continue;
    *out = xrealloc(*out, ((size_t) n + 1) * sizeof **out);
    (*out)[n++] = (struct id_range) {(unsigned long) l->start, (unsigned long) l->count};
  }
  subids_free(&all);
  return n;
}

/* Another source: ask libsubid, loaded now. */
static int through_libsubid(const char *user, int is_gid, struct id_range **out, struct error *err)
{
  static void *lib;
  static bool initialised;
  if (!lib && !(lib = dlopen("libsubid.so.4", RTLD_NOW | RTLD_LOCAL)) &&
      !(lib = dlopen("libsubid.so", RTLD_NOW | RTLD_LOCAL)))
    return error_set(err, 0, "/etc/nsswitch.conf names a subid source, and libsubid cannot be loaded: %s",
                     dlerror());
  bool (*init)(const char *, FILE *) = (bool (*)(const char *, FILE *)) dlsym(lib, "subid_init");
  int (*get)(const char *, struct subid_range **) =
    (int (*)(const char *, struct subid_range **)) dlsym(lib, is_gid ? "subid_get_gid_ranges" : "subid_get_uid_ranges");
  if (!get)
    return error_set(err, 0, "libsubid has no %s", is_gid ? "subid_get_gid_ranges" : "subid_get_uid_ranges");
  /* Once: each call opens a FILE for its log. */
  if (init && !initialised)
    initialised = init("hutch", stderr);
  struct subid_range *r = NULL;
  int n = get(user, &r);
  if (n < 0) {
    free(r);
    return error_set(err, 0, "cannot read subordinate %s ranges for %s through libsubid (the subid source in "
                     "/etc/nsswitch.conf)", is_gid ? "gid" : "uid", user);
  }
  *out = xcalloc((size_t) n, sizeof **out);
  for (int i = 0; i < n; i++)
    (*out)[i] = (struct id_range) {r[i].start, r[i].count};
  free(r);
  return n;
}

int subid_files_ranges(const char *user, unsigned long uid, int is_gid, struct id_range **out, struct error *err)
{
  *out = NULL;
  /* Read once per process: a launch asks for uids, then gids. */
  static int other_source = -1;
  if (other_source < 0)
    other_source = subid_files_other_source("/etc/nsswitch.conf");
  if (other_source)
    return through_libsubid(user, is_gid, out, err);
  /* shadow matches the owner field to the name, or to the uid the name has. */
  int n = subid_files_read(files[is_gid], user, uid, out, err);
  return n < 0 ? error_wrap(err, n, "subordinate %s ranges for %s", is_gid ? "gid" : "uid", user) : n;
}
