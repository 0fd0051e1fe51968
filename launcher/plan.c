/* plan.c: spec_resolve(), from what the user asked for to what a launch
 * will do.
 *
 * Defaults are applied here and nowhere else, and everything that depends
 * on the machine is checked here: ROOT and the volumes exist, the network
 * backend is installed, the ports are free (and bound, for hutch's own
 * forwarder), the seccomp profile compiles, --user is mapped. What comes
 * out is complete: the launch stages only carry it out. */
#define _GNU_SOURCE
#include "plan.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "caps.h"
#include "env.h"
#include "keepid.h"
#include "layers.h"
#include "net.h"
#include "rootfs.h"
#include "store.h"
#include "users.h"
#include "util.h"

/* The command's environment: a small clean set, then the user's variables,
 * which win. */
static void plan_env(const struct spec *s, struct plan *p)
{
  size_t n = 0;
  const char *term = getenv("TERM");
  strv_append(&p->env, &n, xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  strv_append(&p->env, &n, xasprintf("HOME=%s", p->home));
  strv_append(&p->env, &n, xasprintf("TERM=%s", p->tty && term && *term ? term : "xterm"));
  strv_append(&p->env, &n, xasprintf("HOSTNAME=%s", p->hostname));
  strv_append(&p->env, &n, xstrdup("container=hutch"));
  for (size_t i = 0; i < p->n_extra_env; i++)
    strv_append(&p->env, &n, xstrdup(p->extra_env[i]));
  for (size_t i = 0; i < s->n_env; i++)
    strv_append(&p->env, &n, xstrdup(s->env[i]));
  env_dedupe(p->env, &n);
}

/* The files hutch provides at /etc/hostname, /etc/hosts, /etc/resolv.conf,
 * written in the run directory and bound over the image's. */
static void plan_etc_files(struct plan *p)
{
  _cleanup_free_ char *hostname = xasprintf("%s\n", p->hostname);
  _cleanup_free_ char *hosts = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                                         "127.0.1.1\t%s\n", p->hostname);
  _cleanup_free_ char *resolv = net_resolv_conf(p->network);
  rootfs_add_mount(p, MOUNT_FILE, "etc/hostname", "/etc/hostname", hostname, false);
  rootfs_add_mount(p, MOUNT_FILE, "etc/hosts", "/etc/hosts", hosts, false);
  rootfs_add_mount(p, MOUNT_FILE, "etc/resolv.conf", "/etc/resolv.conf", resolv, false);
}

/* Is a layer's owner one whose files root inside can own and change: the
 * caller, or one of the ids the sandbox maps? */
static bool mapped_owner(uid_t uid, void *arg)
{
  const struct userns_plan *ids = arg;
  if (uid == getuid())
    return true;
  for (size_t i = 0; i < ids->n_uid_map; i++)
    if (uid >= ids->uid_map[i].outside && uid - ids->uid_map[i].outside < ids->uid_map[i].count)
      return true;
  return false;
}

/* Is path the host's own root directory? */
static bool is_host_root(const char *path)
{
  struct stat a, b;
  return stat(path, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* A root owned by someone else (root's debootstrap, an administrator's tree
 * under /srv): in a user namespace its owner is nobody, and root inside may
 * not write there, nor copy a file up. fuse-overlayfs can show every owner
 * as root (squash_to_root) and do the writes itself; the kernel's idmapped
 * mounts could too, but not unprivileged on a host filesystem. What the
 * caller cannot read on the host at all, no unprivileged tool can read or
 * copy up: say so before anything starts, rather than let the command meet
 * a bare EACCES later.
 *
 * The host's own root (hutch run / ...) is used as the caller sees it every
 * day, through the kernel overlay: nothing in it is news to them, and a walk
 * of the whole system on each launch would cost far more than the launch. */
#define FOREIGN_SCAN_MAX 20000

static int plan_foreign_root(struct plan *p, struct error *err)
{
  (void) err;
  if (p->squashfs || !p->n_layers)
    return 0;
  /* mmdebstrap --mode=unshare makes the tree's root the caller's first
   * subordinate id, where podman and hutch put the caller: follow the tree. */
  struct stat st;
  if (p->ids.mode == USERNS_AUTO && p->ids.n_uid_map > 1 && stat(p->layers[0], &st) == 0 &&
      st.st_uid != getuid() && st.st_uid == p->ids.uid_map[1].outside && st.st_gid == p->ids.gid_map[1].outside) {
    log_debug("ROOT's root is your first subordinate id %u (as mmdebstrap --mode=unshare makes it): root inside "
              "is that id, and you come after the subordinate ids", st.st_uid);
    userns_root_at_subid(&p->ids);
    return 0;
  }
  uid_t owner = layers_foreign_owner(p->layers, p->layer_stats, p->n_layers, mapped_owner, &p->ids);
  if (owner == (uid_t) -1)
    return 0;
  for (size_t i = 0; i < p->n_layers; i++)
    if (is_host_root(p->layers[i])) {
      log_debug("ROOT is the host's own root: used as it is (root inside cannot write to root's directories)");
      return 0;
    }
  if (p->overlay == OVERLAY_KERNEL) {
    log_warn("ROOT is owned by uid %u, not you: with --overlay kernel root inside cannot write to its "
             "directories; --overlay auto or fuse can", owner);
    return 0;
  }
  _cleanup_free_ char *fuse = find_program("fuse-overlayfs");
  if (!fuse) {
    log_warn("ROOT is owned by uid %u, not you, and only fuse-overlayfs can let root inside write there: install "
             "it (Debian: apt install fuse-overlayfs), or use a copy you own (mmdebstrap --mode=unshare)", owner);
    return 0;
  }
  log_debug("ROOT is owned by uid %u: fuse-overlayfs with squash_to_root (every owner shows as root)", owner);
  p->overlay = OVERLAY_FUSE;
  p->squash_to_root = true;

  char *examples[4] = {NULL};
  bool cut = false;
  size_t n = layers_find_unreadable(p->layers, p->n_layers, FOREIGN_SCAN_MAX, examples, N_ELEMENTS(examples), &cut);
  if (n > 0) {
    char list[512] = "";
    for (size_t i = 0; i < N_ELEMENTS(examples) && examples[i]; i++) {
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", examples[i]);
      free(examples[i]);
    }
    log_warn("ROOT is owned by uid %u, not you, and holds %s%zu path%s you cannot read, such as %s%s: inside they "
             "cannot be read or changed either, not even by root. To fix: make them readable (sudo chmod -R a+rX "
             "ROOT), or make a copy you own (mmdebstrap --mode=unshare; or a squashfs image: mksquashfs ROOT FILE, "
             "then hutch run squashfs:FILE)", owner, cut ? "at least " : "", n, n > 1 ? "s" : "", list,
             n > N_ELEMENTS(examples) ? ", ..." : "");
  }
  return 0;
}

/* The capability sets, the seccomp filter and Landlock. */
static int plan_policy(const struct spec *s, struct plan *p, struct error *err)
{
  p->caps = caps_resolve(s);
  p->caps_other_uid = caps_for_other_uid(s, p->caps);
  p->seccomp_mode = s->seccomp == SECCOMP_UNSET ? SECCOMP_DEFAULT : s->seccomp;
  if (p->seccomp_mode == SECCOMP_FILE)
    p->seccomp_file = xstrdup(s->seccomp_file);
  else if (p->seccomp_mode == SECCOMP_DEFAULT)
    p->seccomp_file = data_path("seccomp/default.json");
  p->landlock = s->landlock != TRI_OFF;
  p->mdwe = s->mdwe == TRI_ON;
  p->multiarch = s->multiarch == TRI_ON;
  if (p->mdwe && !caps_mdwe_available())
    return error_set(err, 0, "--memory-deny-write-execute: this kernel has no PR_SET_MDWE (Linux 6.3 and later)\n"
                     "drop the option, or run a newer kernel");
  /* Compiled now, in hutch, before any namespace exists: a bad profile
   * fails here; the command's process only loads it. */
  return seccomp_filter_compile(p->seccomp_mode, p->seccomp_file, p->caps, p->multiarch, &p->seccomp, err);
}

/* The image's Env (before the command line's -e, which wins), WorkingDir;
 * its Entrypoint, Cmd and User are left in ic for the caller. */
static int plan_image(const struct spec *s, struct plan *p, struct image_config *ic, struct error *err)
{
  bool found;
  int r = store_image_config(s->root, ic, &found, err);
  if (r < 0 || !found)
    return r;
  for (size_t i = 0; i < ic->n_env; i++)
    strv_append(&p->extra_env, &p->n_extra_env, xstrdup(ic->env[i]));
  if (!s->workdir && ic->workdir) {
    free(p->workdir);
    p->workdir = xstrdup(ic->workdir);
  }
  return 0;
}

int spec_resolve(const struct spec *s, bool policy_only, struct plan *p, struct error *err)
{
  int r;
  *p = (struct plan) {.pf.pid = 0};
  p->log_level = s->log_level < 0 ? LOG_WARN : (enum log_level) s->log_level;
  p->overlay = s->overlay == OVERLAY_UNSET ? OVERLAY_AUTO : s->overlay;
  p->read_only = s->read_only == TRI_ON;
  p->upper_on_disk = s->upper == UPPER_DISK;
  p->upper_size = xstrdup(s->upper_size);
  p->hostname = xstrdup(s->hostname ? s->hostname : "hutch");
  p->workdir = xstrdup(s->workdir ? s->workdir : "/");
  p->preserve_fds = s->preserve_fds < 0 ? 0 : s->preserve_fds;
  p->tty = s->tty == TRI_ON || isatty(STDIN_FILENO);

  p->app = s->app;
  if (!policy_only && !s->app &&
      (r = layers_resolve(s->root, &p->layers, &p->layer_stats, &p->n_layers, &p->squashfs, err)) < 0)
    return r;
  /* An image of the store: its config fills what the command line left
   * unset. */
  struct image_config ic = {0};
  if (!policy_only && !s->app && layers_is_image(s->root) && (r = plan_image(s, p, &ic, err)) < 0) {
    image_config_free(&ic);
    return r;
  }
  size_t argc = 0;
  if (!s->argv && ic.argv)
    p->argv = steal_pointer(&ic.argv);
  else if (s->argv)
    for (char **a = s->argv; *a; a++)
      strv_append(&p->argv, &argc, xstrdup(*a));
  else
    strv_append(&p->argv, &argc, xstrdup("/bin/sh"));
  /* The image's User, as if given with -u when -u was not. */
  _cleanup_free_ char *image_user = s->user ? NULL : steal_pointer(&ic.user);
  struct spec with_user = {0};
  if (image_user) {
    with_user = *s;
    with_user.user = image_user;
  }
  const struct spec *su = image_user ? &with_user : s;
  image_config_free(&ic);

  if ((r = net_resolve(s, !policy_only, p, err)) < 0)
    return r;

  /* The mount plan: /proc, /dev, /sys, /tmp, the /etc files, the volumes,
   * then the masks. */
  rootfs_plan_base(s, p);
  if ((r = s->app ? app_plan(s, p, err) : app_refuse_desktop(s, err)) < 0)
    return r;
  plan_etc_files(p);
  if ((r = rootfs_plan_volumes(s, p, err)) < 0)
    return r;

  /* An app keeps the caller's own ids by default. */
  if ((r = userns_plan(s->app && s->userns == USERNS_UNSET ? USERNS_KEEP_ID : s->userns, &p->ids, err)) < 0)
    return r;
  p->ids.no_holder = s->no_holder;
  /* A root that is not the caller's: its owners decide the map and the
   * overlay backend. */
  if (!policy_only && (r = plan_foreign_root(p, err)) < 0)
    return r;
  /* --user, resolved in the image's /etc/passwd and /etc/group; then
   * keep-id's backend that keeps the image's owners, and its passwd entry. */
  if ((r = users_plan(su, p, err)) < 0 || (r = keepid_plan(su, p, err)) < 0)
    return r;
  /* The masks last of all the mounts (keep-id adds /etc files above), so
   * that no later mount can uncover them. */
  app_plan_masks(s, p);
  rootfs_plan_masks(s, p);
  /* The limits, for the command's uid and capabilities (with CAP_SETUID,
   * --pids-limit is per uid): before the filter, since they can fail. */
  uint64_t caps = caps_resolve(s);
  if ((r = limits_resolve(&s->limits, &p->ids, p->uid, p->uid == 0 ? caps : caps_for_other_uid(s, caps), &p->limits,
                          err)) < 0)
    return r;
  /* After the ids: the filter is compiled into a cache, which bad input
   * must not leave behind. */
  if ((r = plan_policy(s, p, err)) < 0)
    return r;

  plan_env(s, p);

  /* Bound last: nothing after this can fail on bad input. */
  if (!policy_only && p->port_driver == PORT_DRIVER_HUTCH &&
      (r = portfwd_listen(p->ports, p->n_ports, &p->pf, err)) < 0)
    return r;
  return sockact_resolve(s, policy_only, p, err);
}

void plan_free(struct plan *p)
{
  strvfreep(&p->layers);
  free(p->layer_stats);
  p->layer_stats = NULL;
  strvfreep(&p->argv);
  strvfreep(&p->env);
  strvfreep(&p->extra_env);
  free(p->workdir);
  free(p->hostname);
  free(p->upper_size);
  userns_plan_free(&p->ids);
  users_plan_free(p);
  free(p->ports);
  portfwd_free(&p->pf);
  sockact_free(&p->sockets);
  free(p->seccomp_file);
  seccomp_filter_free(&p->seccomp);
  for (size_t i = 0; i < p->n_mounts; i++) {
    free(p->mounts[i].src);
    free(p->mounts[i].dst);
    free(p->mounts[i].data);
  }
  free(p->mounts);
  dbusproxy_plan_free(&p->dbus);
  xnest_plan_free(&p->xnest);
  strvfreep(&p->notes);
  *p = (struct plan) {0};
}

static const char *mount_kind_name(enum mount_kind k)
{
  switch (k) {
  case MOUNT_PROC: return "proc";
  case MOUNT_DEV: return "dev";
  case MOUNT_SYS: return "sys";
  case MOUNT_TMPFS: return "tmpfs";
  case MOUNT_BIND: return "bind";
  case MOUNT_FILE: return "file";
  case MOUNT_MASK: return "mask";
  case MOUNT_READONLY: return "read-only";
  case MOUNT_SEAL_DEV: return "seal";
  case MOUNT_SYMLINK: return "symlink";
  case MOUNT_RUNDIR: return "helper";
  }
  return "?";
}

void plan_describe(const struct plan *p, FILE *f)
{
  fprintf(f, "plan:\n");
  fprintf(f, "  uid map:     ");
  for (size_t i = 0; i < p->ids.n_uid_map; i++)
    fprintf(f, " %lu:%lu:%lu", p->ids.uid_map[i].inside, p->ids.uid_map[i].outside, p->ids.uid_map[i].count);
  fprintf(f, "\n  gid map:     ");
  for (size_t i = 0; i < p->ids.n_gid_map; i++)
    fprintf(f, " %lu:%lu:%lu", p->ids.gid_map[i].inside, p->ids.gid_map[i].outside, p->ids.gid_map[i].count);
  fprintf(f, "\n  command ids:  %u:%u", p->uid, p->gid);
  for (size_t i = 0; i < p->n_groups; i++)
    fprintf(f, "%s%u", i ? "," : " groups ", p->groups[i]);
  fprintf(f, "\n");
  for (size_t i = p->n_layers; i-- > 0;)
    fprintf(f, "  layer %-6zu %s%s\n", i, p->layers[i], p->squashfs ? " (squashfs, mounted with squashfuse)" : "");
  if (p->squash_to_root)
    fprintf(f, "  overlay:      fuse-overlayfs, every owner shown as root (ROOT is another user's)\n");
  for (size_t i = 0; i < p->n_mounts; i++) {
    const struct mount_entry *m = &p->mounts[i];
    fprintf(f, "  mount %-9s %s%s%s%s\n", mount_kind_name(m->kind), m->dst,
            m->kind == MOUNT_BIND ? " <- " : m->kind == MOUNT_RUNDIR ? " <- RUNDIR/" : "",
            m->kind == MOUNT_BIND || m->kind == MOUNT_RUNDIR ? m->src : "",
            m->read_only && m->kind != MOUNT_MASK && m->kind != MOUNT_READONLY && m->kind != MOUNT_SEAL_DEV ? " (ro)" : "");
  }
  if (p->read_only)
    fprintf(f, "  then:        / read-only\n");
  for (size_t i = 0; i < p->n_ports; i++)
    fprintf(f, "  publish:     %s%s%u -> %u/%s\n", p->ports[i].host_ip, p->ports[i].host_ip[0] ? ":" : "",
            p->ports[i].host_port, p->ports[i].sandbox_port, p->ports[i].proto == PROTO_UDP ? "udp" : "tcp");
  dbusproxy_describe(&p->dbus, f);
  xnest_describe(&p->xnest, f);
  for (size_t i = 0; i < p->n_notes; i++)
    fprintf(f, "  desktop:      %s\n", p->notes[i]);
  sockact_describe(&p->sockets, f);
  limits_describe(&p->limits, f);
  fprintf(f, "  workdir:      %s\n  command:     ", p->workdir);
  for (char **a = p->argv; a && *a; a++)
    fprintf(f, " %s", *a);
  fprintf(f, "\n");
}
