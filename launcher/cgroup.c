/* cgroup.c: the sandbox's own cgroup, below the caller's delegated cgroup
 * v2 directory DIR.
 *
 * Theory of operation. cgroup v2 has a rule of "no internal processes": a
 * cgroup that hands a controller to its children (cgroup.subtree_control)
 * may hold no process itself. hutch starts in DIR, so before it can enable
 * memory, cpu or pids for a child it moves itself out, into a leaf of its
 * own, as crun and systemd do with their own processes (systemd's
 * init.scope):
 *
 *   DIR/                     cgroup.subtree_control: +memory +cpu +pids
 *     hutch-PID-supervisor/  hutch (and the keeper and helpers it starts)
 *     hutch-PID/             memory.max, memory.swap.max, cpu.max,
 *                            cpu.weight, pids.max; init and the command
 *
 * PID is hutch's own. limits_resolve() refused a DIR that holds any other
 * process (the caller's shell, when the cgroup is their login's): moving
 * someone else's processes is not hutch's business, and the fix is a scope
 * of hutch's own (systemd-run --user --scope -p Delegate=yes hutch ...).
 *
 * On the path without a keeper, hutch clones init straight into
 * hutch-PID (clone3's CLONE_INTO_CGROUP), which also roots init's new
 * cgroup namespace there: inside, /proc/self/cgroup reads "0::/" and
 * /sys/fs/cgroup shows the sandbox's own memory.max and cpu.max, which
 * runtimes that size themselves from them (JVMs, Go) read; init cloned
 * through the holder goes in the same way (holder.c's mid process clones
 * it with this fd). Where that clone is not possible (an older kernel),
 * and on the keeper's path (the keeper clones init, and tells hutch its pid
 * at sync 4), hutch moves init in before it does anything (it waits for
 * its id map, or for GO); everything the command starts stays inside. The
 * cgroup namespace was then made in hutch's leaf: inside,
 * /proc/self/cgroup reads /../hutch-PID and /sys/fs/cgroup shows that
 * leaf, without the limits. Giving the keeper the fd for its clone of
 * init would fix that path too. The limits count only the
 * sandbox: hutch, the keeper and the network helpers stay in the
 * supervisor leaf. The sandbox's cgroup is removed when the sandbox ends.
 * hutch cannot remove the leaf it sits in, so that one stays until hutch
 * has exited: the next launch removes it (an empty cgroup costs a few
 * kilobytes of kernel memory and nothing else), and when hutch ran in a
 * systemd scope, systemd removes the whole scope, leaves and all, when its
 * last process ends. A hutch killed with SIGKILL leaves both, empty (its
 * keeper kills the sandbox): the next launch removes them too. */
#define _GNU_SOURCE
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Write one cgroup interface file: a write of the whole value at once, as
 * the kernel parses each write() on its own. */
static int cg_write(const char *dir, const char *file, const char *value, struct error *err)
{
  _cleanup_close_ int d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int r = d < 0 ? -errno : write_file_at(d, file, value);
  if (r < 0) {
    error_set(err, -r, "write `%s` to %s/%s", value, dir, file);
    if (r == -EBUSY && !strcmp(file, "cgroup.subtree_control"))
      error_fix(err, "%s holds processes, and cgroup v2 lets a cgroup either hold processes or pass controllers "
                "on: run hutch in a scope of its own, e.g. systemd-run --user --scope -p Delegate=yes hutch run ...",
                dir);
  }
  return r;
}

/* cg_write() of a printf-formatted value. */
__attribute__((format(printf, 4, 5)))
static int cg_writef(const char *dir, const char *file, struct error *err, const char *fmt, ...)
{
  char value[64];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(value, sizeof value, fmt, ap);
  va_end(ap);
  return cg_write(dir, file, value, err);
}

/* hutch run -d: the client that forked the monitor (monitor.c) waits in
 * DIR for its word, and DIR must be empty for its controllers to pass on.
 * The client is hutch too, so it moves with the monitor; any other
 * process in DIR is not ours to move (limits_resolve() refused those). */
static void move_parent_hutch(const char *self_cgroup, const char *supervisor)
{
  pid_t pp = getppid();
  char path[64];
  struct stat mine, theirs;
  snprintf(path, sizeof path, "/proc/%d/exe", (int) pp);
  if (!self_cgroup || stat("/proc/self/exe", &mine) < 0 || stat(path, &theirs) < 0 || mine.st_dev != theirs.st_dev ||
      mine.st_ino != theirs.st_ino)
    return;
  snprintf(path, sizeof path, "/proc/%d/cgroup", (int) pp);
  _cleanup_free_ char *parent_cgroup = read_file(path, 65536, NULL);
  if (!parent_cgroup || strcmp(parent_cgroup, self_cgroup))
    return;
  struct error e = {0};
  if (cg_writef(supervisor, "cgroup.procs", &e, "%d", (int) pp) == 0)
    log_debug("moved hutch's client %d into %s too", (int) pp, supervisor);
}

int cgroup_sandbox_make(const struct limits_cgroup *c, pid_t self, struct cgroup_sandbox *cg, struct error *err)
{
  if (!c->on)
    return 0;
  cgroup_reap_stale(c->dir, self);
  /* hutch out of DIR, into its leaf. */
  cg->supervisor = xasprintf("%s/hutch-%d-supervisor", c->dir, (int) self);
  if (mkdir(cg->supervisor, 0755) < 0 && errno != EEXIST)
    return error_set(err, errno, "mkdir %s", cg->supervisor);
  _cleanup_free_ char *was = read_file("/proc/self/cgroup", 65536, NULL);
  int r = cg_writef(cg->supervisor, "cgroup.procs", err, "%d", (int) self);
  if (r < 0)
    return r;
  move_parent_hutch(was, cg->supervisor);
  /* The controllers for DIR's children. */
  if ((r = cg_writef(c->dir, "cgroup.subtree_control", err, "%s%s%s", c->memory ? "+memory " : "",
                     c->cpu_quota || c->cpu_weight ? "+cpu " : "", c->pids ? "+pids" : "")) < 0)
    return r;
  cg->sandbox = xasprintf("%s/hutch-%d", c->dir, (int) self);
  if (mkdir(cg->sandbox, 0755) < 0) {
    r = error_set(err, errno, "mkdir %s", cg->sandbox);
    free(cg->sandbox);
    cg->sandbox = NULL;
    return r;
  }
  /* memory.swap.max is swap alone (limits_resolve() took --memory off
   * --memory-swap, which is memory plus swap as in podman). */
  if (c->memory &&
      ((r = c->swap < 0 ? cg_write(cg->sandbox, "memory.swap.max", "max", err)
                        : cg_writef(cg->sandbox, "memory.swap.max", err, "%lld", c->swap)) < 0 ||
       (r = cg_writef(cg->sandbox, "memory.max", err, "%lld", c->memory)) < 0))
    return r;
  if (c->cpu_quota && (r = cg_writef(cg->sandbox, "cpu.max", err, "%lld %d", c->cpu_quota, LIMITS_CPU_PERIOD)) < 0)
    return r;
  if (c->cpu_weight && (r = cg_writef(cg->sandbox, "cpu.weight", err, "%d", c->cpu_weight)) < 0)
    return r;
  if (c->pids && (r = cg_writef(cg->sandbox, "pids.max", err, "%ld", c->pids)) < 0)
    return r;
  log_debug("the sandbox's cgroup is %s", cg->sandbox);
  return 0;
}

int cgroup_sandbox_open(const struct cgroup_sandbox *cg)
{
  return cg->sandbox ? open(cg->sandbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
}

int cgroup_sandbox_place(const struct cgroup_sandbox *cg, pid_t pid, struct error *err)
{
  if (!cg->sandbox)
    return 0;
  return cg_writef(cg->sandbox, "cgroup.procs", err, "%d", (int) pid);
}

void cgroup_sandbox_remove(struct cgroup_sandbox *cg)
{
  if (cg->sandbox) {
    /* The last processes may still be on their way out when init is
     * reaped: rmdir says EBUSY until the kernel has let them go. */
    int tries = 0;
    while (rmdir(cg->sandbox) < 0 && errno == EBUSY && tries++ < 100)
      nanosleep(&(struct timespec) {.tv_nsec = 10 * 1000 * 1000}, NULL);
    if (access(cg->sandbox, F_OK) == 0)
      log_warn("could not remove the sandbox's cgroup %s: %s", cg->sandbox, strerror(errno));
  }
  free(cg->sandbox);
  free(cg->supervisor);
  cg->sandbox = cg->supervisor = NULL;
}

/* hutch-PID or hutch-PID-supervisor: PID, or 0. */
static pid_t hutch_cgroup_pid(const char *name)
{
  if (strncmp(name, "hutch-", 6))
    return 0;
  char *end;
  errno = 0;
  long pid = strtol(name + 6, &end, 10);
  if (errno || end == name + 6 || pid <= 0 || (*end && strcmp(end, "-supervisor")))
    return 0;
  return (pid_t) pid;
}

void cgroup_reap_stale(const char *dir, pid_t self)
{
  DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *de;
  while ((de = readdir(d))) {
    pid_t pid = hutch_cgroup_pid(de->d_name);
    /* A live hutch's cgroups are its own business; the kernel refuses to
     * remove a cgroup that still holds a process anyway. */
    if (pid <= 0 || pid == self || kill(pid, 0) == 0 || errno != ESRCH)
      continue;
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, de->d_name);
    if (rmdir(path) == 0)
      log_debug("removed stale cgroup %s", path);
  }
  closedir(d);
}
