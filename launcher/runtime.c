/* runtime.c: the per-run directory and its lifetime.
 *
 * Every run directory holds a `lock` file with an exclusive flock. The lock
 * belongs to the open file shared by hutch and its keeper, so it is released
 * only when both are gone. A directory whose lock can be taken is stale: the
 * next start of hutch removes it. In practice the keeper removes its own
 * directory even when hutch is killed with SIGKILL; the lock covers the case
 * where the keeper is killed too.
 */
#define _GNU_SOURCE
#include "runtime.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

static int make_private_dir(const char *path, struct error *err)
{
  if (mkdir(path, 0700) < 0 && errno != EEXIST)
    return error_set(err, errno, "mkdir `%s`", path);
  struct stat st;
  if (lstat(path, &st) < 0)
    return error_set(err, errno, "stat `%s`", path);
  /* Under a shared /tmp someone else could have made it first. */
  if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
    return error_set(err, 0, "`%s` is not a directory owned by you\nremove it or set XDG_RUNTIME_DIR", path);
  /* 0700 exactly: more would let others in, less (made 0000 under a
   * caller's umask 0777 by hutch before it had its own umask) would lock
   * us out. */
  if ((st.st_mode & 07777) != 0700 && chmod(path, 0700) < 0)
    return error_set(err, errno, "chmod `%s`", path);
  return 0;
}

static int base_named(char **out, const char *xdg_name, const char *tmp_name, bool make, struct error *err);

int runtime_base(char **out, bool cache, struct error *err)
{
  return base_named(out, cache ? "hutch-cache" : "hutch", cache ? "cache" : "run", true, err);
}

int runtime_cache_existing(char **out)
{
  struct error ignored = {0};
  return base_named(out, "hutch-cache", "cache", false, &ignored);
}

int runtime_holder_dir(char **out, struct error *err)
{
  return base_named(out, "hutch-holder", "holder", true, err);
}

/* make_private_dir, or, without make, whether it is there as that would
 * leave it (-ENOENT when it is not, -EPERM when it is not ours alone):
 * nothing made, nothing changed. */
static int private_dir(const char *path, bool make, struct error *err)
{
  if (make)
    return make_private_dir(path, err);
  struct stat st;
  if (lstat(path, &st) < 0)
    return -ENOENT;
  return S_ISDIR(st.st_mode) && st.st_uid == getuid() && !(st.st_mode & 0077) ? 0 : -EPERM;
}

static int base_named(char **out, const char *xdg_name, const char *tmp_name, bool make, struct error *err)
{
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  int r;
  _cleanup_free_ char *base = NULL;
  if (xdg && xdg[0] == '/' && access(xdg, W_OK | X_OK) == 0) {
    base = xasprintf("%s/%s", xdg, xdg_name);
  } else {
    /* Named by the caller's uid on the host, taken at the first call:
     * always before a launch can join the holder's spare (holder.c), where
     * getuid() says 0. (Owners, compared with getuid() in
     * make_private_dir, read the same in either namespace.) */
    static uid_t host_uid = (uid_t) -1;
    if (host_uid == (uid_t) -1)
      host_uid = getuid();
    _cleanup_free_ char *parent = xasprintf("/tmp/hutch-%u", host_uid);
    if ((r = private_dir(parent, make, err)) < 0)
      return r;
    base = xasprintf("%s/%s", parent, tmp_name);
  }
  if ((r = private_dir(base, make, err)) < 0)
    return make ? error_wrap(err, r, "runtime directory") : r;
  *out = steal_pointer(&base);
  return 0;
}

static void rmdir_fresh(const char *path)
{
  _cleanup_free_ char *lock = xasprintf("%s/lock", path);
  unlink(lock);
  rmdir(path);
}

int runtime_data_dir(char **out, struct error *err)
{
  const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
  _cleanup_free_ char *share = NULL;
  if (xdg && xdg[0] == '/') {
    share = xstrdup(xdg);
    mkdir(share, 0700);
  } else {
    if (!home || home[0] != '/')
      return error_set(err, 0, "neither XDG_DATA_HOME nor HOME is set\nset HOME to your home directory");
    _cleanup_free_ char *local = xasprintf("%s/.local", home);
    share = xasprintf("%s/.local/share", home);
    /* The user's own directories, as `mkdir -p` would make them: under
     * the caller's umask, not hutch's (proc.c). */
    mkdir(local, 0777 & ~proc_umask_caller());
    mkdir(share, 0777 & ~proc_umask_caller());
  }
  _cleanup_free_ char *dir = xasprintf("%s/hutch", share);
  int r = make_private_dir(dir, err);
  if (r < 0)
    return error_wrap(err, r, "data directory");
  *out = steal_pointer(&dir);
  return 0;
}

/* DATA/rw, where --upper disk puts a sandbox's writes. */
static char *disk_rw_base(void)
{
  struct error e = {0};
  _cleanup_free_ char *data = NULL;
  if (runtime_data_dir(&data, &e) < 0)
    return NULL;
  char *base = xasprintf("%s/rw", data);
  if (make_private_dir(base, &e) < 0) {
    free(base);
    return NULL;
  }
  return base;
}

int runtime_create(struct runtime *rt, bool rw_on_disk, struct error *err)
{
  int r;
  rt->dir_fd = rt->lock_fd = -1;
  if ((r = runtime_base(&rt->base, false, err)) < 0)
    return r;
  /* Made as new-PID-XXXXXX and renamed to run-XXXXXX only once its lock
   * is held: another start's reaper takes the lock of run-* alone, so never
   * that of a directory still being made, and removes a new-PID-* only once
   * its maker PID is gone. */
  _cleanup_free_ char *fresh = xasprintf("%s/new-%d-XXXXXX", rt->base, (int) getpid());
  if (!mkdtemp(fresh))
    return error_set(err, errno, "mkdtemp `%s`", fresh);
  rt->dir = xasprintf("%s/run-%s", rt->base, strrchr(fresh, '-') + 1);
  rt->dir_fd = open(fresh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rt->dir_fd < 0)
    return error_set(err, errno, "open `%s`", fresh);
  rt->lock_fd = openat(rt->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (rt->lock_fd < 0 || flock(rt->lock_fd, LOCK_EX | LOCK_NB) < 0 ||
      renameat2(AT_FDCWD, fresh, AT_FDCWD, rt->dir, RENAME_NOREPLACE) < 0) {
    int e = errno;
    rmdir_fresh(fresh);
    return error_set(err, e, "lock and name the run directory `%s`", rt->dir);
  }
  static const char *const subdirs[] = {"rw", "merged"};
  for (size_t i = 0; i < N_ELEMENTS(subdirs); i++)
    if (mkdirat(rt->dir_fd, subdirs[i], 0755) < 0)
      return error_set(err, errno, "mkdir `%s/%s`", rt->dir, subdirs[i]);
  rt->rw_on_disk = rw_on_disk;
  if (!rw_on_disk) {
    rt->rw = xasprintf("%s/rw", rt->dir);
    return 0;
  }
  if (rt->rw_kept) {
    rt->rw = xstrdup(rt->rw_kept);
    if (mkdir(rt->rw, 0700) < 0 && errno != EEXIST)
      return error_set(err, errno, "mkdir `%s`", rt->rw);
    return 0;
  }
  /* Named after the run directory, so that a stale one is found with it. */
  _cleanup_free_ char *base = disk_rw_base();
  if (!base)
    return error_set(err, errno, "make the directory for --upper disk under the data directory");
  rt->rw = xasprintf("%s/%s", base, strrchr(rt->dir, '/') + 1);
  if (mkdir(rt->rw, 0700) < 0)
    return error_set(err, errno, "mkdir `%s`", rt->rw);
  return 0;
}

/* The --upper disk directory of a run, by the run directory's name. */
static void remove_disk_rw(const char *run_name)
{
  _cleanup_free_ char *base = disk_rw_base();
  _cleanup_close_ int fd = base ? open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (fd >= 0)
    rm_rf_at(fd, run_name);
}

void runtime_remove(struct runtime *rt, bool helper_writes)
{
  if (!rt->dir)
    return;
  if (rt->rw_on_disk && rt->rw && !rt->rw_keep) {
    /* By the path made at the start, not through disk_rw_base(): that
     * checks the owner against getuid(), and the keeper, root inside, is
     * not the directory's owner by number under --userns keep-id. */
    _cleanup_free_ char *parent = xstrdup(rt->rw);
    char *slash = strrchr(parent, '/');
    *slash = '\0';
    _cleanup_close_ int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0 || rm_rf_at(pfd, slash + 1) < 0)
      log_warn("could not remove `%s`", rt->rw);
  }
  const char *name = strrchr(rt->dir, '/') + 1;
  _cleanup_close_ int base = open(rt->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (base >= 0) {
    int r = rm_rf_at(base, name);
    if (r == -ENOTEMPTY && helper_writes)
      log_debug("`%s`: the network helper wrote in it meanwhile; hutch removes it", rt->dir);
    else if (r < 0)
      log_warn("could not remove `%s`: %s", rt->dir, strerror(-r));
  }
  close_fd(&rt->dir_fd);
  close_fd(&rt->lock_fd);
  free(rt->dir);
  rt->dir = NULL;
}

void runtime_remove_leftover(const struct runtime *rt)
{
  /* Only an empty directory: anything else in it is the keeper's to
   * remove (the next one reaps it), its writes on disk above all. */
  if (rt->dir && rmdir(rt->dir) < 0 && errno != ENOENT && errno != ENOTEMPTY)
    log_debug("rmdir `%s`: %s", rt->dir, strerror(errno));
}

void runtime_free(struct runtime *rt)
{
  close_fd(&rt->dir_fd);
  close_fd(&rt->lock_fd);
  free(rt->dir);
  free(rt->base);
  free(rt->rw);
  free(rt->rw_kept);
  rt->dir = rt->base = rt->rw = rt->rw_kept = NULL;
}

/* Whether the process that made new-PID-XXXXXX has ended. The host's
 * /proc answers, which init on the path without a keeper still has, in a
 * pid namespace of its own. */
static bool maker_gone(const char *name)
{
  char *end;
  long pid = strtol(name + 4, &end, 10);
  if (pid <= 0 || *end != '-')
    return false;
  char proc[32];
  snprintf(proc, sizeof proc, "/proc/%ld", pid);
  return access(proc, F_OK) < 0 && errno == ENOENT;
}

void runtime_reap_stale(const struct runtime *rt)
{
  _cleanup_close_ int base = open(rt->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat sb;
  /* Run directories are directories: where the filesystem counts them in
   * the base's link count (tmpfs, ext4, xfs; btrfs says 1), a count of 2
   * means there is none, and nothing to read. */
  if (base < 0 || (fstat(base, &sb) == 0 && sb.st_nlink == 2))
    return;
  DIR *d = fdopendir(fcntl(base, F_DUPFD_CLOEXEC, 0));
  if (!d)
    return;
  const char *mine = rt->dir ? strrchr(rt->dir, '/') + 1 : "";
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!strncmp(de->d_name, "new-", 4)) {
      /* Being made right now, unless its maker is gone, or (its pid taken
       * again since) a start was killed a while ago. */
      struct stat st;
      if (!maker_gone(de->d_name) &&
          (fstatat(base, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_mtime > time(NULL) - 60))
        continue;
    } else if (strncmp(de->d_name, "run-", 4) || !strcmp(de->d_name, mine)) {
      continue;
    } else {
      _cleanup_free_ char *lock = xasprintf("%s/lock", de->d_name);
      _cleanup_close_ int fd = openat(base, lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
      if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0)
        continue;  /* a live sandbox holds it */
    }
    log_debug("removing stale run directory %s/%s", rt->base, de->d_name);
    rm_rf_at(base, de->d_name);
    if (!strncmp(de->d_name, "run-", 4))
      remove_disk_rw(de->d_name);
  }
  closedir(d);
}
