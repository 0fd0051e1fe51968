/* keepid.c: --userns keep-id, as podman's.
 *
 * The layers of a rootless image are owned on disk as --userns auto maps
 * them: the caller's uid stands for root, subordinate id S+k for uid k+1.
 * keep-id's map is another one: the caller inside is the caller itself, and
 * the subordinate ids fill the rest in order (0..caller-1, then above it).
 * Through that map alone the image's root files would show as owned by the
 * caller, and every other owner shifted by one.
 *
 * The kernel's overlayfs cannot present other owners without an idmapped
 * mount, which an unprivileged process may not make on a host filesystem.
 * fuse-overlayfs (1.0+) can: with uidmapping= and gidmapping= it shows an id
 * it reads on disk (as its user namespace sees it) as another, and maps the
 * other way when it writes. Here each id is shown as --userns auto would
 * show it: the caller (seen on disk as itself) as 0, the subordinate ids as
 * 1..N. So keep-id picks fuse-overlayfs where it can; where it cannot
 * (--overlay kernel, no fuse-overlayfs, or no subordinate ids) it says so
 * and runs with the owners shifted, as before.
 *
 * As podman's, it also gives the caller an /etc/passwd entry (its host
 * name, its uid and gid, its host home) and an /etc/group entry when the
 * image has none, written in the run directory and bound over the image's,
 * and HOME from that entry. */
#define _GNU_SOURCE
#include "keepid.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"
#include "rootfs.h"
#include "users.h"
#include "util.h"

char *keepid_fuse_mapping(const struct id_map *map, size_t n, unsigned long caller)
{
  if (n < 2)
    return NULL;
  /* Auto's inside ids follow the subordinate segments in the order keep-id
   * lists them (by inside id), from 1; the caller is 0. */
  size_t cap = 32 * (n + 1), len = 0;
  char *out = xcalloc(cap, 1);
  len += (size_t) snprintf(out + len, cap - len, "%lu:0:1", caller);
  unsigned long next = 1;
  for (size_t i = 0; i < n; i++) {
    if (map[i].outside == caller && map[i].count == 1)
      continue;
    len += (size_t) snprintf(out + len, cap - len, ":%lu:%lu:%lu", map[i].inside, next, map[i].count);
    next += map[i].count;
  }
  return out;
}

/* The image's copy of REL with LINE added, for a MOUNT_FILE; or NULL when
 * the image has none (and LINE alone). */
static int file_with_line(const struct plan *p, const char *rel, const char *line, char **out, struct error *err)
{
  FILE *f = NULL;
  _cleanup_free_ char *where = NULL, *text = NULL;
  size_t len = 0;
  int r = users_open_image_file(p->layers, p->n_layers, rel, &f, &where, err);
  if (r < 0)
    return r;
  if (f) {
    FILE *mem = open_memstream(&text, &len);
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0 && len < (8u << 20))
      fwrite(buf, 1, got, mem);
    bool bad = ferror(f);
    fclose(f);
    fclose(mem);
    if (bad)
      return error_set(err, EIO, "read `%s`", where);
  }
  *out = xasprintf("%s%s%s\n", text ? text : "", len && text[len - 1] != '\n' ? "\n" : "", line);
  return 0;
}

/* Is ID listed in the image's passwd (uid) or group (gid) file? */
static int image_has_id(const struct plan *p, bool group, unsigned long id, bool *has, struct error *err)
{
  FILE *f = NULL;
  _cleanup_free_ char *where = NULL;
  *has = false;
  int r = users_open_image_file(p->layers, p->n_layers, group ? "etc/group" : "etc/passwd", &f, &where, err);
  if (r < 0 || !f)
    return r;
  if (group) {
    struct group *gr;
    while (!*has && (gr = fgetgrent(f)))
      *has = gr->gr_gid == id;
  } else {
    struct passwd *pw;
    while (!*has && (pw = fgetpwent(f)))
      *has = pw->pw_uid == id;
  }
  fclose(f);
  return 0;
}

static int plan_owners(struct plan *p)
{
  if (!p->ids.newuidmap) {
    /* userns_plan() has warned of the fallback already. */
    log_debug("--userns keep-id without subordinate ids: only your own uid is mapped, so the image's "
              "files show as owned by you or by nobody");
    return 0;
  }
  if (p->overlay == OVERLAY_KERNEL) {
    log_warn("--userns keep-id with --overlay kernel: the image's owners show shifted (root's files as yours), "
             "since the kernel's overlay cannot map ids unprivileged; --overlay fuse keeps them");
    return 0;
  }
  _cleanup_free_ char *prog = find_program("fuse-overlayfs");
  if (!prog) {
    log_warn("--userns keep-id: fuse-overlayfs is not installed, so the image's owners show shifted (root's "
             "files as yours); install it (Debian: apt install fuse-overlayfs) to keep them");
    return 0;
  }
  p->fuse_uidmapping = keepid_fuse_mapping(p->ids.uid_map, p->ids.n_uid_map, getuid());
  p->fuse_gidmapping = keepid_fuse_mapping(p->ids.gid_map, p->ids.n_gid_map, getgid());
  if (!p->fuse_uidmapping || !p->fuse_gidmapping)
    return 0;
  p->overlay = OVERLAY_FUSE;
  log_debug("--userns keep-id: fuse-overlayfs, which keeps the image's owners (uidmapping=%s gidmapping=%s); "
            "the kernel's overlay cannot map ids unprivileged", p->fuse_uidmapping, p->fuse_gidmapping);
  return 0;
}

int keepid_plan(const struct spec *s, struct plan *p, struct error *err)
{
  /* An app's root is the host's own system: no image owners to keep, and
   * /etc/passwd is the host's. */
  if (p->ids.mode != USERNS_KEEP_ID || p->n_layers == 0 || p->app)
    return 0;
  if (p->squashfs)
    return error_set(err, 0, "--userns keep-id with a squashfs ROOT is not supported yet\nuse --userns auto, "
                     "or unpack the image (unsquashfs) and run the directory");
  int r = plan_owners(p);
  if (r < 0)
    return r;

  uid_t uid = getuid();
  gid_t gid = getgid();
  struct passwd *pw = getpwuid(uid);
  _cleanup_free_ char *name = xstrdup(pw ? pw->pw_name : "user");
  _cleanup_free_ char *home = xstrdup(pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/");
  struct group *gr = getgrgid(gid);
  _cleanup_free_ char *gname = xstrdup(gr ? gr->gr_name : name);

  bool has;
  if ((r = image_has_id(p, false, uid, &has, err)) < 0)
    return r;
  if (!has) {
    _cleanup_free_ char *line = xasprintf("%s:*:%u:%u:%s:%s:/bin/sh", name, uid, gid, name, home), *text = NULL;
    if ((r = file_with_line(p, "etc/passwd", line, &text, err)) < 0)
      return r;
    rootfs_add_mount(p, MOUNT_FILE, "etc/passwd", "/etc/passwd", text, false);
    /* HOME from this entry, unless --user picked someone else. */
    if (!s->user || p->uid == uid) {
      free(p->home);
      p->home = xstrdup(home);
    }
  }
  else if (!s->user) {
    /* The image has the caller's uid: its entry says where home is. */
    _cleanup_free_ char *num = xasprintf("%u", uid);
    struct users_ids ids;
    if ((r = users_resolve(num, p->layers, p->n_layers, &ids, err)) < 0)
      return r;
    if (ids.home) {
      free(p->home);
      p->home = steal_pointer(&ids.home);
    }
    users_ids_free(&ids);
  }
  if ((r = image_has_id(p, true, gid, &has, err)) < 0)
    return r;
  if (!has) {
    _cleanup_free_ char *line = xasprintf("%s:x:%u:", gname, gid), *text = NULL;
    if ((r = file_with_line(p, "etc/group", line, &text, err)) < 0)
      return r;
    rootfs_add_mount(p, MOUNT_FILE, "etc/group", "/etc/group", text, false);
  }
  return 0;
}
