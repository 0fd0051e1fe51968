/* users.c: who the command runs as.
 *
 * --user USER[:GROUP] takes names or numbers, as podman's does, and names
 * mean what they mean in the image: they are looked up in the image's
 * /etc/passwd and /etc/group, never the host's (the host's `www-data` or
 * `shadow` need not have the image's numbers). The rules are runc's and
 * podman's:
 *   - GROUP defaults to USER's primary group in the image's /etc/passwd,
 *     and to 0 when USER is a number the image does not list. Never to the
 *     uid's own number: on Debian gid 42 is `shadow`, which reads
 *     /etc/shadow, while uid 42 is `_apt`, whose group is 65534.
 *   - Without an explicit GROUP, the supplementary groups are those of the
 *     image's /etc/group that list the user by name. With one, there are
 *     none: the caller said which group to use.
 *   - A name the image does not have fails before anything starts (125).
 *
 * The files are read from the plan's layers on the host, as the caller,
 * before any namespace exists. A layer is a directory anyone may have
 * written, so each file is opened with openat2(RESOLVE_IN_ROOT) relative to
 * its layer: a symlink such as etc/passwd -> /etc/shadow resolves inside the
 * layer, and can never make hutch read a file of the host. It is opened
 * O_PATH first and only reopened for reading when it is a regular file, so
 * a device node or FIFO in an image is never opened. */
#define _GNU_SOURCE
#include "users.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "plan.h"
#include "util.h"

#define USERS_FILE_MAX (2 << 20)  /* an image's /etc/passwd or /etc/group */

static void fclosep(FILE **f)
{
  if (*f)
    fclose(*f);
}
#define _cleanup_fclose_ __attribute__((cleanup(fclosep)))

/* Whiteouts: the kernel's form, a 0/0 character device in a higher layer,
 * hides the file, and is honoured here (the image has no such file). The
 * rarer forms are not looked at: an opaque etc/ in a higher layer, or the
 * user.overlay.whiteout xattr. With those a lower layer's file, which the
 * sandbox does not see, is read; its names then resolve as that older file
 * says, which at worst picks ids the image's own tools would also have
 * given before the file was removed. A symlink is followed within its own
 * layer only: one that points into a lower layer reads as missing there,
 * and the search goes on downwards. */
int users_open_image_file(char *const *layers, size_t n_layers, const char *rel, FILE **f, char **where,
                          struct error *err)
{
  *f = NULL;
  *where = NULL;
  for (size_t i = n_layers; i-- > 0;) {
    _cleanup_close_ int dir = open(layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
      return error_set(err, errno, "layer `%s`", layers[i]);
    struct open_how how = {
      .flags = O_PATH | O_CLOEXEC,
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    _cleanup_close_ int fd = openat2_retry(dir, rel, &how);
    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
      continue;
    if (fd < 0)
      return error_set(err, errno, "open `%s/%s`", layers[i], rel);
    struct stat st;
    if (fstat(fd, &st) < 0)
      return error_set(err, errno, "stat `%s/%s`", layers[i], rel);
    if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
      return 0;  /* a whiteout: the image has no such file */
    if (!S_ISREG(st.st_mode))
      return error_set(err, 0, "`%s/%s` is not a regular file", layers[i], rel);
    /* glibc's reader takes time in the square of a line's length: an image
     * must not hold hutch up with a huge file before anything starts. */
    if (st.st_size > USERS_FILE_MAX)
      return error_set(err, 0, "`%s/%s` is larger than %d KiB; hutch does not read it", layers[i], rel,
                       USERS_FILE_MAX >> 10);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    int rfd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (rfd < 0)
      return error_set(err, errno, "open `%s/%s`", layers[i], rel);
    if (!(*f = fdopen(rfd, "re"))) {
      int e = errno;
      close(rfd);
      return error_set(err, e, "fdopen `%s/%s`", layers[i], rel);
    }
    *where = xasprintf("%s/%s", layers[i], rel);
    return 0;
  }
  return 0;
}

/* A part of --user that is all digits is a number (the form was checked by
 * the option parser: at most (uid_t) -1 - 1). */
static bool as_number(const char *s, unsigned long *id)
{
  if (!*s || s[strspn(s, "0123456789")])
    return false;
  *id = strtoul(s, NULL, 10);
  return true;
}

static void add_group(struct users_ids *ids, gid_t g)
{
  for (size_t i = 0; i < ids->n_groups; i++)
    if (ids->groups[i] == g)
      return;
  ids->groups = xrealloc(ids->groups, (ids->n_groups + 1) * sizeof *ids->groups);
  ids->groups[ids->n_groups++] = g;
}

static int read_passwd(const char *user, char *const *layers, size_t n_layers, struct users_ids *out,
                       bool *found, struct error *err)
{
  unsigned long id;
  bool numeric = as_number(user, &id);
  _cleanup_fclose_ FILE *f = NULL;
  _cleanup_free_ char *where = NULL;
  int r = users_open_image_file(layers, n_layers, "etc/passwd", &f, &where, err);
  if (r < 0)
    return r;
  *found = false;
  if (numeric)
    out->uid = (uid_t) id;
  if (!f) {
    if (!numeric && n_layers == 0)
      return error_set(err, 0, "--user `%s`: a name is looked up in ROOT's /etc/passwd\ngive ROOT, or a number, e.g. --user 1000", user);
    if (!numeric)
      return error_set(err, 0, "--user `%s`: the image has no /etc/passwd to look the name up in\nuse a number, e.g. --user 1000", user);
    return 0;
  }
  struct passwd *pw;
  errno = 0;
  while ((pw = fgetpwent(f))) {
    if (numeric ? pw->pw_uid != out->uid : strcmp(pw->pw_name, user) != 0)
      continue;
    *found = true;
    out->uid = pw->pw_uid;
    out->gid = pw->pw_gid;
    out->name = xstrdup(pw->pw_name);
    out->home = pw->pw_dir && *pw->pw_dir ? xstrdup(pw->pw_dir) : NULL;
    break;
  }
  if (!*found && ferror(f))
    return error_set(err, errno, "read `%s`", where);
  if (!*found && !numeric)
    return error_set(err, 0, "--user `%s`: no such user in the image's /etc/passwd (`%s`)", user, where);
  return 0;
}

/* The group by name or number, and the groups that list NAME. */
static int read_group(const char *group, const char *name, char *const *layers, size_t n_layers,
                      struct users_ids *out, struct error *err)
{
  unsigned long id;
  bool numeric = group && as_number(group, &id);
  if (numeric)
    out->gid = (gid_t) id;
  if (numeric || (!group && !name))
    return 0;  /* nothing to look up */
  _cleanup_fclose_ FILE *f = NULL;
  _cleanup_free_ char *where = NULL;
  int r = users_open_image_file(layers, n_layers, "etc/group", &f, &where, err);
  if (r < 0)
    return r;
  if (!f) {
    if (group && !numeric)
      return error_set(err, 0, "--user: group `%s`: the image has no /etc/group to look the name up in\nuse a number, e.g. --user USER:1000", group);
    return 0;
  }
  bool found = false;
  struct group *gr;
  errno = 0;
  while ((gr = fgetgrent(f))) {
    if (group && !numeric && !found && !strcmp(gr->gr_name, group)) {
      out->gid = gr->gr_gid;
      found = true;
    }
    if (!group && name)
      for (char **m = gr->gr_mem; m && *m; m++)
        if (!strcmp(*m, name)) {
          add_group(out, gr->gr_gid);
          break;
        }
  }
  if (ferror(f))
    return error_set(err, errno, "read `%s`", where);
  if (group && !numeric && !found)
    return error_set(err, 0, "--user: no such group `%s` in the image's /etc/group (`%s`)", group, where);
  return 0;
}

int users_resolve(const char *user, char *const *layers, size_t n_layers, struct users_ids *out, struct error *err)
{
  *out = (struct users_ids) {0};
  _cleanup_free_ char *u = xstrdup(user);
  char *group = strchr(u, ':');
  if (group)
    *group++ = '\0';
  bool found;
  int r = read_passwd(u, layers, n_layers, out, &found, err);
  if (r == 0 && !found)
    out->gid = 0;  /* podman's rule for a uid the image does not list */
  if (r == 0)
    r = read_group(group, out->name, layers, n_layers, out, err);
  if (r < 0)
    users_ids_free(out);
  return r;
}

void users_ids_free(struct users_ids *ids)
{
  free(ids->groups);
  free(ids->name);
  free(ids->home);
  *ids = (struct users_ids) {0};
}

int users_plan(const struct spec *s, struct plan *p, struct error *err)
{
  p->uid = p->ids.inside_uid;
  p->gid = p->ids.inside_gid;
  /* A squashfs image is mounted by the keeper, after the plan: its
   * /etc/passwd cannot be read here. Numbers need no lookup. */
  if (p->squashfs && s->user) {
    unsigned long u, g;
    const char *colon = strchr(s->user, ':');
    _cleanup_free_ char *uid_part = colon ? xstrndup(s->user, (size_t) (colon - s->user)) : xstrdup(s->user);
    if (!colon || !as_number(uid_part, &u) || !as_number(colon + 1, &g))
      return error_set(err, 0, "--user `%s` with a squashfs ROOT: hutch cannot read the image's /etc/passwd "
                       "before it is mounted\ngive both as numbers, e.g. --user 33:33", s->user);
    p->uid = (uid_t) u;
    p->gid = (gid_t) g;
    p->home = xstrdup(u == 0 ? "/root" : "/");
    return userns_check_user(p->uid, p->gid, &p->ids, err);
  }
  if (!s->user) {
    if (!p->home)  /* hutch app has set the caller's own */
      p->home = xstrdup(p->uid == 0 ? "/root" : "/");
    return 0;
  }
  struct users_ids ids;
  int r = users_resolve(s->user, p->layers, p->n_layers, &ids, err);
  if (r < 0)
    return r;
  p->uid = ids.uid;
  p->gid = ids.gid;
  p->home = ids.home ? steal_pointer(&ids.home) : xstrdup(ids.uid == 0 ? "/root" : "/");
  /* setgroups() is allowed only where newgidmap wrote the gid map; in
   * --userns single it is denied, and the command keeps no groups. */
  if (p->ids.newgidmap) {
    p->groups = steal_pointer(&ids.groups);
    p->n_groups = ids.n_groups;
  }
  users_ids_free(&ids);
  if ((r = userns_check_user(p->uid, p->gid, &p->ids, err)) < 0)
    return r;
  for (size_t i = 0; i < p->n_groups; i++)
    if ((r = userns_check_user(p->uid, p->groups[i], &p->ids, err)) < 0)
      return error_wrap(err, r, "--user `%s`: supplementary group %u (from the image's /etc/group)", s->user,
                        p->groups[i]);
  log_debug("--user %s: uid %u, gid %u, %zu supplementary group%s, HOME=%s", s->user, p->uid, p->gid,
            p->n_groups, p->n_groups == 1 ? "" : "s", p->home);
  return 0;
}

void users_plan_free(struct plan *p)
{
  free(p->groups);
  free(p->home);
  free(p->fuse_uidmapping);
  free(p->fuse_gidmapping);
  p->groups = NULL;
  p->home = NULL;
  p->fuse_uidmapping = p->fuse_gidmapping = NULL;
  p->n_groups = 0;
}
