/* rootfs.c: the sandbox's root filesystem.
 *
 * The keeper stacks the layers at RUNDIR/merged, in the mount namespace it
 * made with the user namespace. init then gets a mount namespace of its own,
 * copied from that one, where it:
 *   1. makes every mount private, so nothing it does propagates to the host;
 *   2. mounts /proc, a minimal /dev, /sys, /tmp and the files of /etc on the
 *      merged root, then the user's volumes and tmpfs, in order;
 *   3. pivots into the merged root and detaches the old one.
 * Every target inside the new root is opened with openat2(RESOLVE_IN_ROOT):
 * a symlink in an image (say etc -> /home/alice) resolves inside the root and
 * can never make hutch mount or create anything on the host. Mounts are made
 * with the new mount API (fsopen/open_tree + move_mount onto an fd), so no
 * path string is resolved twice.
 */
#define _GNU_SOURCE
#include "rootfs.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "config.h"
#include "proc.h"
#include "store.h"
#include "util.h"

/* ---------------------------------------------------------------- helpers */

static int openat2_in_root(int rootfd, const char *path, int flags)
{
  struct open_how how = {
    .flags = (unsigned long long) (flags | O_CLOEXEC),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  int fd = openat2_retry(rootfd, path, &how);
  return fd < 0 ? -errno : fd;
}

static int open_in_root(int rootfd, const char *path, int create, int dir, int depth)
{
  while (*path == '/')
    path++;
  if (*path == '\0')
    return openat2_in_root(rootfd, ".", O_PATH | O_DIRECTORY);
  int fd = openat2_in_root(rootfd, path, O_PATH);
  if (fd >= 0 || fd != -ENOENT || !create)
    return fd;
  if (depth > 40)
    return -ELOOP;

  /* Walk down from the root: each prefix is resolved inside the root, and a
   * missing component is created in its (already resolved) parent with
   * mkdirat/openat, which never follow a symlink in the last component. */
  _cleanup_free_ char *copy = xstrdup(path);
  _cleanup_close_ int parent = openat2_in_root(rootfd, ".", O_PATH | O_DIRECTORY);
  char *save = NULL, *next;
  char *comp = strtok_r(copy, "/", &save);
  while (comp) {
    next = strtok_r(NULL, "/", &save);
    bool last = next == NULL;
    /* Resolve prefix up to and including comp. */
    size_t prefix_len = (size_t) (comp - copy) + strlen(comp);
    _cleanup_free_ char *prefix = xstrndup(path, prefix_len);
    int cfd = openat2_in_root(rootfd, prefix, O_PATH);
    if (cfd == -ENOENT) {
      if (!strcmp(comp, "..") || !strcmp(comp, "."))
        return -ENOENT;
      char target[PATH_MAX];
      ssize_t tl = readlinkat(parent, comp, target, sizeof target - 1);
      if (tl > 0) {
        /* A dangling symlink: its target, read as a path inside the root,
         * is where the missing part belongs (as crun does). */
        target[tl] = '\0';
        size_t dir_len = (size_t) (comp - copy);
        _cleanup_free_ char *redirected = target[0] == '/'
          ? xasprintf("%s%s%s", target, last ? "" : "/", last ? "" : path + prefix_len + 1)
          : xasprintf("%.*s%s%s%s", (int) dir_len, path, target, last ? "" : "/", last ? "" : path + prefix_len + 1);
        return open_in_root(rootfd, redirected, create, dir, depth + 1);
      }
      if (!last || dir) {
        if (mkdirat(parent, comp, 0755) < 0 && errno != EEXIST)
          return -errno;
      } else {
        int f = openat(parent, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (f < 0 && errno != EEXIST)
          return -errno;
        if (f >= 0)
          close(f);
      }
      cfd = openat2_in_root(rootfd, prefix, O_PATH);
    }
    if (cfd < 0)
      return cfd;
    close(parent);
    parent = cfd;
    comp = next;
  }
  return steal_fd(&parent);
}

int rootfs_open_in_root(int rootfd, const char *path, int create, int dir)
{
  return open_in_root(rootfd, path, create, dir, 0);
}

/* Make a new filesystem instance; keys/values are NULL-terminated pairs, a NULL
 * value sets a flag. Returns a detached mount fd. */
static int new_fs(const char *fstype, const char *const *kv, unsigned int attrs, struct error *err)
{
  _cleanup_close_ int fs = fsopen(fstype, FSOPEN_CLOEXEC);
  if (fs < 0)
    return error_set(err, errno, "fsopen `%s`", fstype);
  for (; kv && kv[0]; kv += 2) {
    int r = kv[1] ? fsconfig(fs, FSCONFIG_SET_STRING, kv[0], kv[1], 0)
                  : fsconfig(fs, FSCONFIG_SET_FLAG, kv[0], NULL, 0);
    if (r < 0)
      return error_set(err, errno, "%s option `%s%s%s`", fstype, kv[0], kv[1] ? "=" : "", kv[1] ? kv[1] : "");
  }
  if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return error_set(err, errno, "create %s", fstype);
  int m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
  if (m < 0)
    return error_set(err, errno, "fsmount %s", fstype);
  return m;
}

static int attach(int mntfd, int targetfd, const char *what, struct error *err)
{
  if (move_mount(mntfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return error_set(err, errno, "mount `%s`", what);
  return 0;
}

/* Mount a new filesystem at PATH inside the root. */
static int mount_fs_in_root(int rootfd, const char *path, const char *fstype, const char *const *kv,
                            unsigned int attrs, struct error *err)
{
  _cleanup_close_ int target = rootfs_open_in_root(rootfd, path, 1, 1);
  if (target < 0)
    return error_set(err, -target, "mount point `%s`", path);
  _cleanup_close_ int m = new_fs(fstype, kv, attrs, err);
  if (m < 0)
    return error_wrap(err, m, "mount `%s`", path);
  return attach(m, target, path, err);
}

/* Bind the host path SRC (recursively) at PATH inside the root. */
static int bind_in_root(int rootfd, const char *src, const char *path, bool read_only, struct error *err)
{
  struct stat st;
  if (stat(src, &st) < 0)
    return error_set(err, errno, "bind source `%s`", src);
  _cleanup_close_ int target = rootfs_open_in_root(rootfd, path, 1, S_ISDIR(st.st_mode));
  if (target < 0)
    return error_set(err, -target, "mount point `%s` (for `%s`)", path, src);
  _cleanup_close_ int tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (tree < 0)
    return error_set(err, errno, "bind `%s`", src);
  if (read_only) {
    /* Recursive, so a mount below SRC cannot be written through either. */
    struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
      return error_set(err, errno, "make `%s` read-only", path);
  }
  return attach(tree, target, path, err);
}

/* ------------------------------------------------------------- the overlay */

/* RUNDIR/l/N -> layer N, and the list "TOP:...:0" of those names, each
 * behind `prefix`: short names keep an option string of many layers small
 * (a page at most for mount(2)), and free of the `:` and `,` a layer path
 * may hold. *links_fd is the l directory. */
static int make_layer_links(const struct overlay *ov, const struct runtime *rt, const char *prefix,
                            char **list, int *links_fd, struct error *err)
{
  if (mkdirat(rt->dir_fd, "l", 0700) < 0 || (*links_fd = openat(rt->dir_fd, "l", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    return error_set(err, errno, "mkdir `%s/l`", rt->dir);
  size_t cap = ov->n_layers * (strlen(prefix) + 24) + 1, len = 0;
  *list = xcalloc(cap, 1);
  for (size_t i = ov->n_layers; i-- > 0;) {
    char name[16];
    snprintf(name, sizeof name, "%zu", i);
    if (symlinkat(ov->layers[i], *links_fd, name) < 0)
      return error_set(err, errno, "symlink for layer `%s`", ov->layers[i]);
    len += (size_t) snprintf(*list + len, cap - len, "%s%s%s", len ? ":" : "", prefix, name);
  }
  return 0;
}

/* The rest of an overlay after its lower layers: upper and work (none,
 * read-only, with upper NULL), created and mounted, as a detached mount fd. */
static int overlay_finish(int fs, const char *upper, const char *work, struct error *err)
{
  if (upper && (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
                fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0))
    return error_set(err, errno, "overlay upper/work dir `%s`", upper);
  /* In a user namespace the trusted.overlay.* xattrs cannot be used: whiteouts
   * and opaque directories are read from user.overlay.* instead. */
  if (fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
    return error_set(err, errno, "overlay option userxattr");
  if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return error_set(err, errno, "mount kernel overlayfs");
  int m = fsmount(fs, FSMOUNT_CLOEXEC, upper ? 0 : MOUNT_ATTR_RDONLY);
  return m < 0 ? error_set(err, errno, "fsmount overlay") : m;
}

int rootfs_overlay_fs(char *const *layers, size_t n_layers, const char *lower, const char *upper,
                      const char *work, struct error *err)
{
  _cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
  if (fs < 0)
    return error_set(err, errno, "fsopen overlay");
  /* "lowerdir+" (Linux 6.8) adds one layer per call, top first, so there is
   * no page-size limit on the number of layers. Older kernels take the whole
   * list as one string (lower). */
  if (lower) {
    if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0)
      return error_set(err, errno, "overlay lowerdir (%zu layers)", n_layers);
  } else {
    for (size_t i = n_layers; i-- > 0;)
      if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", layers[i], 0) < 0) {
        if (errno == EINVAL && i == n_layers - 1) {
          error_set(err, 0, "this kernel has no overlay lowerdir+ (Linux 6.8)");
          return -EOPNOTSUPP;
        }
        return error_set(err, errno, "overlay layer `%s`", layers[i]);
      }
  }
  return overlay_finish(fs, upper, work, err);
}

int rootfs_overlay_on_stack(int stack, const char *upper, const char *work, struct error *err)
{
  _cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
  if (fs < 0)
    return error_set(err, errno, "fsopen overlay");
  if (fsconfig(fs, FSCONFIG_SET_FD, "lowerdir+", NULL, stack) < 0)
    return error_set(err, errno, "overlay lowerdir+ by descriptor (Linux 6.13)");
  return overlay_finish(fs, upper, work, err);
}

/* The overlay m, made with our working directory at its short names, at
 * RUNDIR/merged; the working directory back to /. By path: rt->dir_fd was
 * opened by hutch, in the host's mount namespace, and a mount cannot be
 * attached to another namespace's tree. m is closed. */
static int attach_merged(int m, const struct runtime *rt, struct error *err)
{
  if (chdir("/") < 0 && m >= 0) {
    close(m);
    return error_set(err, errno, "chdir /");
  }
  if (m < 0)
    return m;
  _cleanup_free_ char *merged = xasprintf("%s/merged", rt->dir);
  int r = move_mount(m, "", AT_FDCWD, merged, MOVE_MOUNT_F_EMPTY_PATH);
  int e = errno;
  close(m);
  return r < 0 ? error_set(err, e, "mount overlay at `%s/merged`", rt->dir) : 0;
}

/* A failed kernel mount may have left a work/work behind. */
static void reset_work(const struct runtime *rt)
{
  _cleanup_close_ int rw = open(rt->rw, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rw >= 0) {
    rm_rf_at(rw, "work");
    mkdirat(rw, "work", 0755);
  }
}

/* The sandbox's overlay on a stack (a read-only rootfs_overlay_fs), given by its
 * descriptor; upper and work by their names in rt->rw, our working
 * directory for the mount, as mountinfo shows them. The stack shows there
 * as "lowerdir+=/", nothing of where the layers live. */
static int mount_stacked_overlay(int stack, const struct runtime *rt, struct error *err)
{
  _cleanup_close_ int rw = open(rt->rw, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rw < 0 || fchdir(rw) < 0)
    return error_set(err, errno, "chdir `%s`", rt->rw);
  return attach_merged(rootfs_overlay_on_stack(stack, "upper", "work", err), rt, err);
}

/* Room for the sandbox's writes: by default a tmpfs of its own, mounted in
 * the keeper's mount namespace (so no one else sees it, and the kernel frees
 * it when the sandbox's last process is gone), never the runtime
 * directory's small tmpfs; or a directory on disk with --upper disk. */
static int prepare_rw(const struct plan *p, const struct runtime *rt, struct overlay *ov, struct error *err)
{
  if (!p->upper_on_disk) {
    const char *const opts[] = {"mode", "0755", p->upper_size ? "size" : NULL, p->upper_size, NULL};
    _cleanup_close_ int m = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
    if (m < 0)
      return error_wrap(err, m, "the sandbox's tmpfs for its writes");
    if (move_mount(m, "", AT_FDCWD, rt->rw, MOVE_MOUNT_F_EMPTY_PATH) < 0)
      return error_set(err, errno, "mount the sandbox's tmpfs at `%s`", rt->rw);
    ov->rw_mount = xstrdup(rt->rw);
  }
  static const char *const sub[] = {"upper", "work"};
  for (size_t i = 0; i < N_ELEMENTS(sub); i++) {
    _cleanup_free_ char *d = xasprintf("%s/%s", rt->rw, sub[i]);
    if (mkdir(d, 0755) < 0 && !(errno == EEXIST && rt->rw_keep))  /* a named sandbox's, kept */
      return error_set(err, errno, "mkdir `%s`", d);
  }
  return 0;
}

/* The files of the mount plan (/etc/hosts and the like), written beside the
 * upper layer, on the sandbox's own tmpfs: the host's paths to them would
 * otherwise show in the sandbox's /proc/self/mountinfo. */
static int write_files(const struct plan *p, const struct runtime *rt, struct error *err)
{
  _cleanup_close_ int rw = open(rt->rw, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rw < 0)
    return error_set(err, errno, "open `%s`", rt->rw);
  for (size_t i = 0; i < p->n_mounts; i++) {
    const struct mount_entry *m = &p->mounts[i];
    if (m->kind != MOUNT_FILE)
      continue;
    const char *slash = strrchr(m->src, '/');
    if (slash) {
      _cleanup_free_ char *dir = xstrndup(m->src, (size_t) (slash - m->src));
      if (mkdirat(rw, dir, 0755) < 0 && errno != EEXIST)
        return error_set(err, errno, "mkdir `%s/%s`", rt->rw, dir);
    }
    _cleanup_close_ int fd = openat(rw, m->src, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                                    m->private ? 0600 : 0644);
    /* A private file is the command's alone; the others are root's, as an
     * image's /etc/hosts is. */
    if (fd < 0 || (m->private && fchown(fd, p->uid, p->gid) < 0) ||
        write_all(fd, m->data, m->data_len ? m->data_len : strlen(m->data)) < 0)
      return error_set(err, errno, "write `%s/%s`", rt->rw, m->src);
  }
  return 0;
}

static int mount_kernel_overlay(const struct overlay *ov, const struct runtime *rt, struct error *err)
{
  /* Every path given by a short name relative to RUNDIR/l, our working
   * directory for the mount: the kernel shows the names it was given in
   * /proc/self/mountinfo, which the sandbox can read, and "0" or "upper"
   * says nothing of where the caller keeps the layers. The names also keep
   * the one lowerdir string of an older kernel small. */
  _cleanup_free_ char *lower = NULL;
  _cleanup_close_ int links = -1;
  int r = make_layer_links(ov, rt, "", &lower, &links, err);
  if (r < 0)
    return r;
  _cleanup_free_ char *upper = xasprintf("%s/upper", rt->rw), *work = xasprintf("%s/work", rt->rw);
  if (symlinkat(upper, links, "upper") < 0 || symlinkat(work, links, "work") < 0)
    return error_set(err, errno, "symlink the upper layer in `%s/l`", rt->dir);
  char **names = xcalloc(ov->n_layers + 1, sizeof *names);
  for (size_t i = 0; i < ov->n_layers; i++)
    names[i] = xasprintf("%zu", i);
  int m = -1;
  if (fchdir(links) < 0) {
    m = error_set(err, errno, "chdir `%s/l`", rt->dir);
  } else {
    m = rootfs_overlay_fs(names, ov->n_layers, NULL, "upper", "work", err);
    if (m == -EOPNOTSUPP)
      m = rootfs_overlay_fs(names, ov->n_layers, lower, "upper", "work", err);
  }
  strvfreep(&names);
  return attach_merged(m, rt, err);
}

/* Start a FUSE server in the foreground (fuse-overlayfs, squashfuse) and
 * wait until its mount is up: such servers have no readiness signal, but
 * the mount point's device changes. The server dies with the keeper,
 * whatever ends it. */
static int fuse_mount(char **argv, const char *mountpoint, pid_t *pid_out, struct error *err)
{
  struct stat before;
  if (stat(mountpoint, &before) < 0)
    return error_set(err, errno, "stat `%s`", mountpoint);
  struct proc_spawn ps = {
    .argv = argv, .out = PROC_DEBUG, .errout = PROC_DEBUG, .err_fd = -1, .death_signal = SIGKILL,
  };
  pid_t pid = proc_spawn(&ps, err);
  if (pid < 0)
    return pid;
  *pid_out = pid;
  const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  for (int i = 0; i < 5000; i++) {
    struct stat now;
    if (stat(mountpoint, &now) == 0 && now.st_dev != before.st_dev)
      return 0;
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      *pid_out = 0;
      return error_set(err, 0, "%s failed (exit %d)\nrun with --log-level debug to see its messages", name,
                       proc_exit_status(status));
    }
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  return error_set(err, 0, "%s did not mount `%s` within 5 s", name, mountpoint);
}

static int mount_fuse_overlay(const struct plan *p, const struct runtime *rt, struct overlay *ov, struct error *err)
{
  if (!HAVE_FUSE)  /* meson setup -Dfuse=disabled */
    return error_set(err, 0, "--overlay fuse: this hutch was built without the fuse-overlayfs backend "
                     "(-Dfuse=disabled)\nuse --overlay kernel");
  _cleanup_free_ char *prog = find_program("fuse-overlayfs");
  if (!prog)
    return error_set(err, 0, "fuse-overlayfs not found\ninstall it (Debian: apt install fuse-overlayfs) or use --overlay kernel");
  if (access("/dev/fuse", R_OK | W_OK) < 0)
    return error_set(err, errno, "/dev/fuse is not usable\nask an administrator to make it mode 0666 (as stock Debian does), or use --overlay kernel");
  _cleanup_close_ int links = -1;
  _cleanup_free_ char *lower = NULL, *prefix = xasprintf("%s/l/", rt->dir);
  int r = make_layer_links(ov, rt, prefix, &lower, &links, err);
  if (r < 0)
    return r;
  /* squash_to_root: a root that is another user's shows every owner as
   * root, and fuse-overlayfs makes the copies up itself, as us. */
  _cleanup_free_ char *opts = xasprintf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work%s", lower, rt->rw, rt->rw,
                                        p->squash_to_root ? ",squash_to_root" : "");
  if (p->fuse_uidmapping && p->fuse_gidmapping) {
    /* keep-id (keepid.c): fuse-overlayfs shows the ids it reads as --userns
     * auto would. The upper directory, made by us as root inside, must then
     * be the caller's inside id, which it shows as root, like the image's
     * root-owned directories. */
    _cleanup_free_ char *upper = xasprintf("%s/upper", rt->rw);
    if (chown(upper, p->ids.inside_uid, p->ids.inside_gid) < 0)
      return error_set(err, errno, "chown `%s`", upper);
    char *with = xasprintf("%s,uidmapping=%s,gidmapping=%s", opts, p->fuse_uidmapping, p->fuse_gidmapping);
    free(opts);
    opts = with;
  }
  char *argv[] = {prog, "-f", "-o", opts, ov->merged, NULL};
  return fuse_mount(argv, ov->merged, &ov->fuse_pid, err);
}

/* A squashfs image, mounted by squashfuse inside our user namespace: every
 * file in it is readable whatever its mode and owner, and its owners are
 * the image's own (root is root). */
static int mount_squashfs(const struct plan *p, const struct runtime *rt, struct overlay *ov, struct error *err)
{
  _cleanup_free_ char *prog = find_program("squashfuse");
  if (!prog)
    return error_set(err, 0, "squashfuse not found\ninstall it (Debian: apt install squashfuse), or unpack the image "
                     "(unsquashfs) and run the directory");
  if (access("/dev/fuse", R_OK | W_OK) < 0)
    return error_set(err, errno, "/dev/fuse is not usable, and squashfuse needs it\nask an administrator to make it "
                     "mode 0666 (as stock Debian does)");
  _cleanup_free_ char *mnt = xasprintf("%s/squashfs", rt->dir);
  if (mkdir(mnt, 0700) < 0)
    return error_set(err, errno, "mkdir `%s`", mnt);
  char *argv[] = {prog, "-f", p->layers[0], mnt, NULL};
  int r = fuse_mount(argv, mnt, &ov->squashfuse_pid, err);
  if (r < 0)
    return error_wrap(err, r, "squashfs image `%s`", p->layers[0]);
  free(ov->layers[0]);
  ov->layers[0] = steal_pointer(&mnt);
  ov->squashfs_mount = xstrdup(ov->layers[0]);
  return 0;
}

static int kernel_overlay_failed(struct error *err, int r)
{
  error_fix(err, "this kernel may not allow overlayfs in a user namespace (Linux 5.11+); try --overlay fuse");
  return r;
}

static void overlay_layers(const struct plan *p, const struct runtime *rt, struct overlay *ov)
{
  ov->merged = xasprintf("%s/merged", rt->dir);
  for (size_t i = 0; i < p->n_layers; i++)
    strv_append(&ov->layers, &ov->n_layers, xstrdup(p->layers[i]));
}

int rootfs_mount_overlay(const struct plan *p, const struct runtime *rt, struct overlay *ov, struct error *err)
{
  overlay_layers(p, rt, ov);
  int r = prepare_rw(p, rt, ov, err);
  if (r < 0 || (r = write_files(p, rt, err)) < 0 || (p->squashfs && (r = mount_squashfs(p, rt, ov, err)) < 0))
    return r;
  if (p->overlay != OVERLAY_FUSE) {
    struct error kerr = {0};
    r = mount_kernel_overlay(ov, rt, &kerr);
    if (r == 0) {
      ov->backend = OVERLAY_KERNEL;
      return 0;
    }
    if (p->overlay == OVERLAY_KERNEL) {
      *err = kerr;
      return kernel_overlay_failed(err, r);
    }
    log_debug("kernel overlayfs failed (%s); trying fuse-overlayfs", kerr.msg);
    rm_rf_at(rt->dir_fd, "l");
    reset_work(rt);
  }
  ov->backend = OVERLAY_FUSE;
  return mount_fuse_overlay(p, rt, ov, err);
}

/* init's own mount namespace is a copy of the host's made private here,
 * so nothing mounted in it reaches the host, and the kernel frees it all
 * when init's last process is gone. The sandbox's tmpfs covers hutch's
 * run base directory there: a mount needs a point in the tree, and this
 * one no volume can expose (protect_state below masks it). A detached
 * tmpfs (fsmount with no mount point at all) cannot hold the upper layer
 * on the kernels hutch supports: overlayfs takes its layers through
 * clone_private_mount(), which long refused a mount outside the caller's
 * own namespace.
 * The tmpfs then holds all the keeper's run directory held: upper/ and
 * work/, the files of the mount plan, the layers' short names (l/) and the
 * mount point of the overlay (merged/). */
int rootfs_mount_overlay_private(const struct plan *p, struct runtime *rt, struct overlay *ov, int *stack_in,
                                 struct error *err)
{
  _cleanup_close_ int stack = *stack_in;
  *stack_in = -1;
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return error_set(err, errno, "make mounts private");
  rt->dir = xstrdup(rt->base);
  rt->rw = xstrdup(rt->base);
  overlay_layers(p, rt, ov);
  int r = prepare_rw(p, rt, ov, err);
  if (r < 0)
    return r;
  rt->dir_fd = open(rt->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rt->dir_fd < 0 || mkdirat(rt->dir_fd, "merged", 0755) < 0)
    return error_set(err, errno, "mkdir `%s/merged` on the sandbox's tmpfs", rt->dir);
  if ((r = write_files(p, rt, err)) < 0)
    return r;
  r = -1;
  if (stack >= 0) {
    struct error serr = {0};
    if ((r = mount_stacked_overlay(stack, rt, &serr)) == 0) {
      log_debug("the overlay stacked on the holder's read-only overlay of the %zu layers", p->n_layers);
    } else {
      log_debug("could not stack the overlay on the holder's (%s); mounting the %zu layers", serr.msg, p->n_layers);
      reset_work(rt);
    }
  }
  if (r < 0)
    r = mount_kernel_overlay(ov, rt, err);
  close_fd(&rt->dir_fd);
  if (r < 0)
    return kernel_overlay_failed(err, r);
  ov->backend = OVERLAY_KERNEL;
  return 0;
}

void rootfs_unmount_overlay(struct overlay *ov)
{
  if (ov->merged)
    umount2(ov->merged, MNT_DETACH);
  proc_kill(&ov->fuse_pid, SIGTERM);
  if (ov->squashfs_mount)
    umount2(ov->squashfs_mount, MNT_DETACH);
  proc_kill(&ov->squashfuse_pid, SIGTERM);
  free(ov->squashfs_mount);
  ov->squashfs_mount = NULL;
  strvfreep(&ov->layers);
  ov->n_layers = 0;
  if (ov->rw_mount)
    umount2(ov->rw_mount, MNT_DETACH);
  free(ov->rw_mount);
  ov->rw_mount = NULL;
  free(ov->merged);
  ov->merged = NULL;
}

/* -------------------------------------------------------- the sandbox root */

static int setup_dev(int rootfd, int *dev_out, struct error *err)
{
  static const char *const devtmpfs[] = {"mode", "0755", "size", "64k", "nr_inodes", "64", NULL};
  int r = mount_fs_in_root(rootfd, "/dev", "tmpfs", devtmpfs, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err);
  if (r < 0)
    return r;
  _cleanup_close_ int dev = openat2_in_root(rootfd, "/dev", O_DIRECTORY | O_RDONLY);
  if (dev < 0)
    return error_set(err, -dev, "open /dev");
  /* An unprivileged user namespace cannot make device nodes: bind the
   * host's, each on a file made here, on the tmpfs just mounted (nothing
   * of the sandbox's is there yet: no path to check). */
  static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
  for (size_t i = 0; i < N_ELEMENTS(nodes); i++) {
    char host[32];
    snprintf(host, sizeof host, "/dev/%s", nodes[i]);
    int f = openat(dev, nodes[i], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (f < 0)
      return error_set(err, errno, "mount point `%s`", host);
    close(f);
    _cleanup_close_ int tree = open_tree(AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0)
      return error_set(err, errno, "bind `%s`", host);
    if (move_mount(tree, "", dev, nodes[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
      return error_set(err, errno, "mount `%s`", host);
  }
  static const char *const pts[] = {"newinstance", NULL, "ptmxmode", "0666", "mode", "0620", NULL};
  static const char *const shm[] = {"mode", "1777", NULL};
  static const struct {
    const char *name, *fstype;
    const char *const *kv;
    unsigned attrs;
  } subs[] = {
    {"pts", "devpts", pts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC},
    {"shm", "tmpfs", shm, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV},
  };
  for (size_t i = 0; i < N_ELEMENTS(subs); i++) {
    if (mkdirat(dev, subs[i].name, 0755) < 0)
      return error_set(err, errno, "mount point `/dev/%s`", subs[i].name);
    _cleanup_close_ int m = new_fs(subs[i].fstype, subs[i].kv, subs[i].attrs, err);
    if (m < 0)
      return error_wrap(err, m, "mount `/dev/%s`", subs[i].name);
    if (move_mount(m, "", dev, subs[i].name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
      return error_set(err, errno, "mount `/dev/%s`", subs[i].name);
  }
  static const char *const links[][2] = {
    {"pts/ptmx", "ptmx"}, {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
    {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
  };
  for (size_t i = 0; i < N_ELEMENTS(links); i++)
    if (symlinkat(links[i][0], dev, links[i][1]) < 0)
      return error_set(err, errno, "symlink /dev/%s", links[i][1]);
  /* An O_PATH handle on the tmpfs itself: rootfs_build makes exactly this
   * mount read-only once the volumes are in (one may sit under /dev). */
  *dev_out = openat2_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY);
  return *dev_out < 0 ? error_set(err, -*dev_out, "open /dev") : 0;
}

static int setup_sys(int rootfd, struct error *err)
{
  /* A fresh sysfs shows only the sandbox's own network devices, but the
   * kernel allows it only with a network namespace of our own; otherwise
   * bind the host's. Either way read-only. */
  struct error e = {0};
  if (mount_fs_in_root(rootfd, "/sys", "sysfs", NULL,
                       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, &e) == 0) {
    struct error ce = {0};
    if (mount_fs_in_root(rootfd, "/sys/fs/cgroup", "cgroup2", NULL,
                         MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, &ce) < 0)
      log_debug("no cgroup2 at /sys/fs/cgroup: %s", ce.msg);
    return 0;
  }
  log_debug("fresh sysfs refused (%s); binding the host's /sys read-only", e.msg);
  return bind_in_root(rootfd, "/sys", "/sys", true, err);
}

/* ------------------------------------------- masked and read-only paths */

/* The OCI runtime's defaults, as podman and docker apply them: files of
 * /proc and /sys that describe or act on the whole machine. A masked file
 * becomes /dev/null, a masked directory an empty read-only tmpfs; the
 * read-only ones stay visible. Most are already closed to root in a user
 * namespace (the files belong to the host's root), but not all: /proc/sys
 * holds the sandbox's own network, IPC and UTS settings, which its root
 * could otherwise change, and a kernel bug in any of these files should
 * not be one open() away. */
static const char *const masked_paths[] = {
  "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/sched_debug",
  "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/dev/block", "/sys/devices/virtual/powercap",
  "/sys/firmware", "/sys/fs/selinux",
};
static const char *const readonly_paths[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static bool unmasked(const struct spec *s, const char *path)
{
  for (size_t i = 0; i < s->n_unmask; i++)
    if (!strcmp(s->unmask[i], "ALL") || !strcmp(s->unmask[i], path))
      return true;
  return false;
}

bool rootfs_is_masked_path(const char *path)
{
  for (size_t i = 0; i < N_ELEMENTS(masked_paths); i++)
    if (!strcmp(path, masked_paths[i]))
      return true;
  for (size_t i = 0; i < N_ELEMENTS(readonly_paths); i++)
    if (!strcmp(path, readonly_paths[i]))
      return true;
  return false;
}

/* ------------------------------------------------------- the mount plan */

void rootfs_add_file(struct plan *p, const char *name, const char *dst, const void *data, size_t len)
{
  char *copy = xmalloc(len + 1);
  memcpy(copy, data, len);
  copy[len] = '\0';
  rootfs_add_mount(p, MOUNT_FILE, name, dst, NULL, false);
  p->mounts[p->n_mounts - 1].data = copy;
  p->mounts[p->n_mounts - 1].data_len = len;
  p->mounts[p->n_mounts - 1].private = true;
}

void rootfs_add_mount(struct plan *p, enum mount_kind kind, const char *src, const char *dst, const char *data,
                    bool read_only)
{
  p->mounts = xrealloc(p->mounts, (p->n_mounts + 1) * sizeof *p->mounts);
  p->mounts[p->n_mounts++] = (struct mount_entry) {
    .kind = kind, .src = xstrdup(src), .dst = xstrdup(dst), .data = xstrdup(data), .read_only = read_only,
  };
}


void rootfs_plan_base(const struct spec *s, struct plan *p)
{
  rootfs_add_mount(p, MOUNT_PROC, NULL, "/proc", NULL, false);
  rootfs_add_mount(p, MOUNT_DEV, NULL, "/dev", NULL, false);
  rootfs_add_mount(p, MOUNT_SYS, NULL, "/sys", NULL, true);
  rootfs_add_mount(p, MOUNT_TMPFS, NULL, "/tmp", "1777", false);
  /* A read-only root still needs somewhere for pid files, sockets and
   * scratch files (nginx, sshd, apt): podman's --read-only-tmpfs. */
  if (p->read_only && s->read_only_tmpfs != TRI_OFF) {
    rootfs_add_mount(p, MOUNT_TMPFS, NULL, "/run", "0755", false);
    rootfs_add_mount(p, MOUNT_TMPFS, NULL, "/var/tmp", "1777", false);
  }
}

/* Is dir the same as src, or beneath it? Then *rest is its path below
 * src ("" for src itself). */
static bool beneath(const char *dir, const char *src, const char **rest)
{
  size_t n = strlen(src);
  if (strcmp(src, "/") == 0)
    n = 0;
  if (strncmp(dir, src, n) || (dir[n] && dir[n] != '/'))
    return false;
  *rest = dir + n;
  return true;
}

/* hutch's own state (run directories, the compiled filters' cache, the
 * namespace holder's state, the image store) must not
 * be reachable from a sandbox through a volume that happens to hold it
 * (-v /tmp:/t under the /tmp fallback, -v $XDG_RUNTIME_DIR:/x): a sandbox
 * that could write a cached filter would switch off the next launch's. It
 * is masked inside the volume, and made first if missing, so that a sandbox
 * cannot make it itself and plant something for a later launch. */
static int protect_state(struct plan *p, const char *src, const char *dst, struct error *err)
{
  /* 0: run directories, 1: the filter cache, 2: the namespace holder's
   * state, 3: the image store (its layers are every image's lower
   * layers), 4: the named sandboxes' data (state.json, whose arguments
   * `hutch start` runs again, and their kept changes), 5: the changes of
   * --upper disk runs. */
  for (int which = 0; which < 6; which++) {
    _cleanup_free_ char *dir = NULL;
    struct error e = {0};
    if ((which < 2 ? runtime_base(&dir, which == 1, &e)
         : which == 2 ? runtime_holder_dir(&dir, &e)
         : which == 3 ? store_path(&dir, &e)
                      : runtime_data_dir(&dir, &e)) < 0)
      continue;
    if (which >= 4) {
      char *sub = xasprintf("%s/%s", dir, which == 4 ? "sandboxes" : "rw");
      free(dir);
      dir = sub;
    }
    /* The fallback's parent /tmp/hutch-UID holds them all. */
    char *parent = strrchr(dir, '/');
    if (which < 3 &&
        (!getenv("XDG_RUNTIME_DIR") || strncmp(dir, getenv("XDG_RUNTIME_DIR"), strlen(getenv("XDG_RUNTIME_DIR")))))
      *parent = '\0';
    const char *rest;
    if (!beneath(dir, src, &rest))
      continue;
    if (which >= 4)
      mkdir(dir, 0700);  /* the others are made by the calls above */
    if (!*rest)
      return error_set(err, 0, "volume source `%s` is hutch's own state directory\nbind another directory", src);
    _cleanup_free_ char *inside = xasprintf("%s%s", strcmp(dst, "/") ? dst : "", rest);
    rootfs_add_mount(p, MOUNT_MASK, NULL, inside, NULL, true);
  }
  return 0;
}

int rootfs_plan_volumes(const struct spec *s, struct plan *p, struct error *err)
{
  for (size_t i = 0; i < s->n_volumes; i++) {
    const struct volume *v = &s->volumes[i];
    switch (v->kind) {
    case VOLUME_TMPFS:
      rootfs_add_mount(p, MOUNT_TMPFS, NULL, v->dst, "1777", v->read_only);
      break;
    case VOLUME_BIND: {
      /* The caller's path: it must exist now, so that a typo fails here
       * and not halfway through a launch. */
      _cleanup_free_ char *abs = realpath(v->src, NULL);
      if (!abs) {
        int e = errno;
        error_set(err, e, "volume source `%s`", v->src);
        error_fix(err, "-v SRC:DST binds an existing path of yours: create `%s` first, or use --tmpfs %s for an empty one",
                  v->src, v->dst);
        return -e;
      }
      rootfs_add_mount(p, MOUNT_BIND, abs, v->dst, NULL, v->read_only);
      int r = protect_state(p, abs, v->dst, err);
      if (r < 0)
        return r;
      break;
    }
    }
  }
  return 0;
}

void rootfs_plan_masks(const struct spec *s, struct plan *p)
{
  for (size_t i = 0; i < N_ELEMENTS(masked_paths); i++)
    if (!unmasked(s, masked_paths[i]))
      rootfs_add_mount(p, MOUNT_MASK, NULL, masked_paths[i], NULL, true);
  for (size_t i = 0; i < N_ELEMENTS(readonly_paths); i++)
    if (!unmasked(s, readonly_paths[i]))
      rootfs_add_mount(p, MOUNT_READONLY, NULL, readonly_paths[i], NULL, true);
  /* /dev holds only what we put there: nothing in the sandbox may add a
   * node name or replace a link (/dev/stdin, /dev/ptmx). Its pts and shm
   * are mounts of their own and stay writable. */
  rootfs_add_mount(p, MOUNT_SEAL_DEV, NULL, "/dev", NULL, true);
}

/* What rootfs_build keeps from one mount to the next: /dev, to be sealed
 * read-only last, and the first masked directory's empty tmpfs, which the
 * other masked directories get as a bind (cheaper than a filesystem each;
 * a clone keeps its read-only and no-exec flags). */
struct build {
  int dev;
  int empty;
  int *net_sock;  /* the network namespace to join before /sys (netns-beside.c) */
};

static int mask_one(int rootfd, const char *path, bool hide, int *empty, struct error *err)
{
  /* A path this kernel does not have, or that is not what it should be (a
   * symlink, which RESOLVE_IN_ROOT would follow), is left alone. */
  _cleanup_close_ int target = openat2_in_root(rootfd, path, O_PATH | O_NOFOLLOW);
  if (target == -ENOENT)
    return 0;
  if (target < 0)
    return error_set(err, -target, "open `%s` to mask it", path);
  struct stat st;
  if (fstat(target, &st) < 0)
    return error_set(err, errno, "stat `%s`", path);
  if (S_ISLNK(st.st_mode))
    return 0;
  _cleanup_close_ int m = -1;
  if (!hide) {
    m = open_tree(target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};
    if (m < 0 || mount_setattr(m, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
      return error_set(err, errno, "make `%s` read-only", path);
  } else if (S_ISDIR(st.st_mode) && *empty >= 0) {
    m = open_tree(*empty, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (m < 0)
      return error_set(err, errno, "mask `%s`", path);
  } else if (S_ISDIR(st.st_mode)) {
    static const char *const opts[] = {"mode", "0555", "size", "4k", "nr_inodes", "1", NULL};
    m = new_fs("tmpfs", opts, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
    if (m < 0)
      return error_wrap(err, m, "mask `%s`", path);
    int r = attach(m, target, path, err);
    if (r == 0)
      *empty = steal_fd(&m);  /* now the attached mount: the others clone it */
    return r;
  } else {
    m = open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (m < 0)
      return error_set(err, errno, "mask `%s` with /dev/null", path);
  }
  return attach(m, target, path, err);
}

/* One entry of the mount plan. */
static int apply_one(int rootfd, const struct runtime *rt, const struct mount_entry *m, struct build *b,
                     struct error *err)
{
  static const char *const no_opts[] = {NULL};
  /* A tmpfs's data: MODE, or MODE:UID:GID for one that is not root's. */
  char mode[16] = "1777", uid[16] = "", gid[16] = "";
  if (m->kind == MOUNT_TMPFS && m->data)
    sscanf(m->data, "%15[0-7]:%15[0-9]:%15[0-9]", mode, uid, gid);
  const char *const tmp[] = {"mode", mode, uid[0] ? "uid" : NULL, uid, "gid", gid, NULL};
  switch (m->kind) {
  case MOUNT_PROC:
    return mount_fs_in_root(rootfd, m->dst, "proc", no_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
  case MOUNT_DEV:
    return setup_dev(rootfd, &b->dev, err);
  case MOUNT_SYS: {
    int r = netns_beside_join(b->net_sock, err);
    return r < 0 ? r : setup_sys(rootfd, err);
  }
  case MOUNT_TMPFS:
    return mount_fs_in_root(rootfd, m->dst, "tmpfs", tmp,
                            MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (m->read_only ? MOUNT_ATTR_RDONLY : 0), err);
  case MOUNT_BIND:
    return bind_in_root(rootfd, m->src, m->dst, m->read_only, err);
  case MOUNT_FILE: {
    _cleanup_free_ char *src = xasprintf("%s/%s", rt->rw, m->src);
    return bind_in_root(rootfd, src, m->dst, false, err);
  }
  case MOUNT_RUNDIR: {
    _cleanup_free_ char *src = xasprintf("%s/%s", rt->dir, m->src);
    return bind_in_root(rootfd, src, m->dst, false, err);
  }
  case MOUNT_MASK:
    return mask_one(rootfd, m->dst, true, &b->empty, err);
  case MOUNT_READONLY:
    return mask_one(rootfd, m->dst, false, &b->empty, err);
  case MOUNT_SYMLINK: {
    /* In the (still writable) upper layer: a link, not a mount. */
    _cleanup_free_ char *dir = xstrdup(m->dst);
    char *slash = strrchr(dir, '/');
    const char *name = slash ? slash + 1 : dir;
    if (slash)
      *slash = '\0';
    _cleanup_close_ int parent = rootfs_open_in_root(rootfd, *dir ? dir : "/", 1, 1);
    if (parent < 0)
      return error_set(err, -parent, "link `%s`", m->dst);
    _cleanup_close_ int pdir = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pdir < 0 || (symlinkat(m->src, pdir, name) < 0 && errno != EEXIST))
      return error_set(err, errno, "link `%s` -> `%s`", m->dst, m->src);
    return 0;
  }
  case MOUNT_SEAL_DEV: {
    struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
    if (b->dev < 0 || mount_setattr(b->dev, "", AT_EMPTY_PATH, &ro, sizeof ro) < 0)
      return error_set(err, b->dev < 0 ? EBADF : errno, "make /dev read-only");
    return 0;
  }
  }
  return error_set(err, 0, "unknown mount kind %d", (int) m->kind);
}

int rootfs_build(const struct plan *p, const struct runtime *rt, const struct overlay *ov, int *net_sock,
                 struct error *err)
{
  int r = 0;
  /* Every mount private first: otherwise what we mount here, or the unmount
   * of the old root below, would propagate back to the host's namespace. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return error_set(err, errno, "make mounts private");
  _cleanup_close_ int rootfd = open(ov->merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return error_set(err, errno, "open root `%s`", ov->merged);

  /* The plan, in order: /proc, /dev, /sys, /tmp, the /etc files, the
   * volumes, then the masks, last, so that no later mount can uncover
   * them. */
  struct build b = {.dev = -1, .empty = -1, .net_sock = net_sock};
  for (size_t i = 0; i < p->n_mounts && r == 0; i++)
    r = apply_one(rootfd, rt, &p->mounts[i], &b, err);
  close_fd(&b.dev);
  close_fd(&b.empty);
  if (r < 0)
    return r;
  _cleanup_close_ int wd = rootfs_open_in_root(rootfd, p->workdir, 1, 1);
  if (wd < 0)
    return error_set(err, -wd, "--workdir `%s`", p->workdir);

  /* pivot_root(".", ".") stacks the old root on top of the new one; the
   * detaching unmount then removes it, and with it every path to the host. */
  if (fchdir(rootfd) < 0)
    return error_set(err, errno, "chdir into the new root");
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    return error_set(err, errno, "pivot_root");
  if (umount2(".", MNT_DETACH) < 0)
    return error_set(err, errno, "detach the old root");
  if (chdir("/") < 0)
    return error_set(err, errno, "chdir /");
  return 0;
}

int rootfs_finish(const struct plan *p, struct error *err)
{
  if (p->read_only) {
    struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mount_setattr(AT_FDCWD, "/", 0, &a, sizeof a) < 0)
      return error_set(err, errno, "make / read-only");
  }
  return 0;
}
