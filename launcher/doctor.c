/* doctor.c: `hutch doctor`. One line per check, ok / warn / fail, each
 * failure with its fix. Every check tries the real thing (makes a user
 * namespace, runs newuidmap, mounts an overlay, opens /dev/fuse...) rather
 * than only reading settings, since settings lie (AppArmor, seccomp in a
 * container, a nosuid mount under newuidmap). Exit 0 when hutch can run. */
#define _GNU_SOURCE
#include "doctor.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "config.h"
#include "landlock.h"
#include "net.h"
#include "run.h"
#include "userns.h"
#include "util.h"

struct doctor {
  int fails, warns;
};

static void report(struct doctor *d, const char *level, const char *what, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
static void report(struct doctor *d, const char *level, const char *what, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!strcmp(level, "fail"))
    d->fails++;
  else if (!strcmp(level, "warn"))
    d->warns++;
  printf("%-4s  %-26s %s\n", level, what, msg);
}

static long read_sysctl(const char *path)
{
  _cleanup_free_ char *s = read_file(path, READ_FILE_SMALL, NULL);
  return s ? strtol(s, NULL, 10) : -1;
}

/* Run fn in a child with the given namespaces; its exit code is the answer. */
static int try_in_child(unsigned long long flags, int (*fn)(void *), void *arg)
{
  pid_t pid = clone_ns(flags, NULL);
  if (pid < 0)
    return -errno;
  if (pid == 0)
    _exit(fn(arg));
  int st;
  if (waitpid(pid, &st, 0) < 0)
    return -errno;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int do_nothing(void *arg)
{
  (void) arg;
  return 0;
}

static void check_kernel(struct doctor *d)
{
  struct utsname u;
  uname(&u);
  int major = 0, minor = 0;
  sscanf(u.release, "%d.%d", &major, &minor);
  int v = major * 100 + minor;
  if (v < 512)
    report(d, "fail", "kernel", "%s: hutch needs Linux 5.12 or newer (openat2, the new mount API, mount_setattr)", u.release);
  else if (v < 608)
    report(d, "warn", "kernel", "%s: older than 6.8, so many layers use short link names instead of lowerdir+", u.release);
  else
    report(d, "ok", "kernel", "%s", u.release);
}

static void check_userns(struct doctor *d)
{
  long max = read_sysctl("/proc/sys/user/max_user_namespaces");
  long apparmor = read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
  long debian = read_sysctl("/proc/sys/kernel/unprivileged_userns_clone");
  int r = try_in_child(CLONE_NEWUSER, do_nothing, NULL);
  if (r == 0) {
    report(d, "ok", "user namespaces", "an unprivileged user namespace can be made");
    return;
  }
  const char *fix = "ask an administrator to allow unprivileged user namespaces";
  if (max == 0)
    fix = "user.max_user_namespaces is 0; fix: sysctl -w user.max_user_namespaces=15000";
  else if (apparmor == 1)
    fix = "AppArmor restricts them (Ubuntu); fix: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for hutch";
  else if (debian == 0)
    fix = "fix: sysctl -w kernel.unprivileged_userns_clone=1";
  report(d, "fail", "user namespaces", "cannot make one (%s); %s", r < 0 ? strerror(-r) : "refused", fix);
}

static void check_subids(struct doctor *d, struct userns_plan *plan)
{
  struct passwd *pw = getpwuid(getuid());
  const char *user = pw ? pw->pw_name : "?";
  for (int is_gid = 0; is_gid < 2; is_gid++) {
    struct error err = {0};
    _cleanup_free_ struct id_range *r = NULL;
    int n = pw ? userns_ranges(user, is_gid, &r, &err) : -1;
    const char *what = is_gid ? "subordinate gids" : "subordinate uids";
    if (n > 0) {
      unsigned long total = 0;
      for (int i = 0; i < n; i++)
        total += r[i].count;
      report(d, "ok", what, "%lu ids for %s in %d range%s", total, user, n, n > 1 ? "s" : "");
    } else {
      report(d, "warn", what, "none for %s, so only --userns single works; fix: ask an administrator for "
             "'usermod --add-sub%ss 100000-165535 %s'", user, is_gid ? "gid" : "uid", user);
    }
  }
  struct spec s = {.userns = USERNS_AUTO};
  struct error err = {0};
  userns_plan(&s, plan, &err);
}

/* A child in a new user namespace waits on a pipe while we map it. */
static void check_idmap(struct doctor *d, struct userns_plan *plan)
{
  if (!plan->newuidmap) {
    _cleanup_free_ char *u = find_program("newuidmap");
    report(d, "warn", "newuidmap/newgidmap",
           u ? "%s is not setuid root and has no file capabilities; fix: reinstall the uidmap package"
             : "not found%s; fix: apt install uidmap (Debian) or shadow-utils (Fedora)", u ? u : "");
    return;
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return;
  pid_t pid = clone_ns(CLONE_NEWUSER, NULL);
  if (pid == 0) {
    char c;
    close(p[1]);
    _exit(read(p[0], &c, 1) == 1 ? 0 : 1);
  }
  close(p[0]);
  struct error err = {0};
  int r = pid > 0 ? userns_apply(plan, pid, &err) : -errno;
  if (write(p[1], "x", 1) < 0)
    r = r ? r : -errno;
  close(p[1]);
  if (pid > 0)
    waitpid(pid, NULL, 0);
  if (r == 0)
    report(d, "ok", "newuidmap/newgidmap", "mapped %zu uid and %zu gid ranges with %s", plan->n_uid_map,
           plan->n_gid_map, plan->newuidmap);
  else
    report(d, "fail", "newuidmap/newgidmap", "%s", err.msg);
}

static uid_t outer_uid;
static gid_t outer_gid;

/* In a fresh user namespace, map ourselves to root, as `unshare -r` does. */
static int map_self(void)
{
  char line[64];
  _cleanup_close_ int sg = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);
  if (sg < 0 || write(sg, "deny", 4) != 4)
    return -1;
  snprintf(line, sizeof line, "0 %u 1", outer_uid);
  _cleanup_close_ int um = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
  if (um < 0 || write(um, line, strlen(line)) < 0)
    return -1;
  snprintf(line, sizeof line, "0 %u 1", outer_gid);
  _cleanup_close_ int gm = open("/proc/self/gid_map", O_WRONLY | O_CLOEXEC);
  if (gm < 0 || write(gm, line, strlen(line)) < 0)
    return -1;
  return 0;
}

static int try_overlay(void *arg)
{
  const char *dir = arg;
  if (map_self() < 0)
    return 2;
  char opts[1024];
  snprintf(opts, sizeof opts, "lowerdir=%s/l,upperdir=%s/u,workdir=%s/w,userxattr", dir, dir, dir);
  _cleanup_free_ char *m = xasprintf("%s/m", dir);
  if (mount("overlay", m, "overlay", 0, opts) < 0)
    return 1;
  umount2(m, MNT_DETACH);
  return 0;
}

static void check_overlay(struct doctor *d, const char *base)
{
  _cleanup_free_ char *dir = xasprintf("%s/doctor-XXXXXX", base);
  if (!mkdtemp(dir)) {
    report(d, "fail", "kernel overlayfs", "cannot make a test directory in %s: %s", base, strerror(errno));
    return;
  }
  static const char *const sub[] = {"l", "u", "w", "m"};
  for (size_t i = 0; i < N_ELEMENTS(sub); i++) {
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, sub[i]);
    mkdir(p, 0700);
  }
  outer_uid = getuid();
  outer_gid = getgid();
  int r = try_in_child(CLONE_NEWUSER | CLONE_NEWNS, try_overlay, dir);
  _cleanup_close_ int basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  rm_rf_at(basefd, strrchr(dir, '/') + 1);
  if (r == 0)
    report(d, "ok", "kernel overlayfs", "mounts in a user namespace (on %s)", base);
  else
    report(d, "warn", "kernel overlayfs", "not allowed in a user namespace here (needs Linux 5.11+ and an upper "
           "filesystem with user xattrs); hutch will use fuse-overlayfs");
}

static void check_fuse(struct doctor *d)
{
  if (!HAVE_FUSE) {
    report(d, "warn", "fuse-overlayfs", "not built in (meson setup -Dfuse=disabled): --overlay fuse fails, and auto uses the kernel's overlay only");
    return;
  }
  _cleanup_free_ char *prog = find_program("fuse-overlayfs");
  int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  int e = errno;
  if (fd >= 0)
    close(fd);
  if (fd >= 0 && prog)
    report(d, "ok", "fuse-overlayfs", "%s, /dev/fuse usable", prog);
  else if (!prog)
    report(d, "warn", "fuse-overlayfs", "not found; fix: apt install fuse-overlayfs (needed only where kernel overlayfs is not allowed)");
  else
    report(d, "warn", "fuse-overlayfs", "/dev/fuse: %s; fix: ask an administrator to make /dev/fuse mode 0666, as stock Debian and Fedora do", strerror(e));
}

/* A child in a user and network namespace of its own, mapped to root,
 * waiting on a pipe: something for a network backend to attach to. */
static int wait_on_socket(void *arg)
{
  int fd = *(int *) arg;
  char c;
  if (map_self() < 0 || write(fd, "m", 1) != 1)
    return 2;
  return read(fd, &c, 1) < 0;  /* until the parent is done */
}

static bool try_backend(enum net_mode mode, const char *base, char **why)
{
  _cleanup_free_ char *dir = xasprintf("%s/doctor-net-XXXXXX", base);
  if (!mkdtemp(dir)) {
    *why = xasprintf("mkdtemp in %s: %s", base, strerror(errno));
    return false;
  }
  int p[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
    return false;
  outer_uid = getuid();
  outer_gid = getgid();
  pid_t pid = clone_ns(CLONE_NEWUSER | CLONE_NEWNET, NULL);
  if (pid == 0) {
    close(p[0]);
    _exit(wait_on_socket(&p[1]));
  }
  close(p[1]);
  bool ok = false;
  char mapped;
  if (pid > 0 && read(p[0], &mapped, 1) == 1) {
    struct spec s = {.network = mode};
    struct runtime rt = {.dir = dir, .dir_fd = -1, .lock_fd = -1};
    struct net_helper h = {.ready_fd = -1, .exit_fd = -1};
    struct error err = {0};
    _cleanup_free_ char *path = xasprintf("/proc/%d/ns/net", pid);
    int netns = open(path, O_RDONLY | O_CLOEXEC);
    if (netns >= 0 && net_start(&s, &rt, netns, &h, &err) == 0 && net_wait_ready(&s, &h, -1, &err) == 0)
      ok = true;
    else
      *why = xstrdup(err.msg[0] ? err.msg : "could not attach");
    net_stop(&h);
    if (netns >= 0)
      close(netns);
  }
  close(p[0]);
  if (pid > 0)
    waitpid(pid, NULL, 0);
  _cleanup_close_ int basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  rm_rf_at(basefd, strrchr(dir, '/') + 1);
  return ok;
}

static void check_network(struct doctor *d, const char *base)
{
  static const struct {
    enum net_mode mode;
    const char *name, *package;
  } backends[] = {{NET_PASTA, "pasta", "passt"}, {NET_SLIRP4NETNS, "slirp4netns", "slirp4netns"}};
  int working = 0;
  for (size_t i = 0; i < N_ELEMENTS(backends); i++) {
    _cleanup_free_ char *prog = find_program(backends[i].name);
    _cleanup_free_ char *what = xasprintf("network: %s", backends[i].name);
    _cleanup_free_ char *why = NULL;
    if (!prog) {
      report(d, "warn", what, "not installed; fix: apt install %s", backends[i].package);
      continue;
    }
    if (try_backend(backends[i].mode, base, &why)) {
      report(d, "ok", what, "%s attaches to a sandbox's network namespace", prog);
      working++;
    } else {
      report(d, "warn", what, "%s is installed but failed: %s", prog, why ? why : "?");
    }
  }
  if (!working)
    report(d, "warn", "network", "no user-mode networking works: only --network none and host are available");
}

static void check_seccomp(struct doctor *d)
{
  unsigned int action = SECCOMP_RET_KILL_PROCESS;
  if (prctl(PR_GET_SECCOMP) >= 0 && syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0)
    report(d, "ok", "seccomp", "filters available");
  else
    report(d, "fail", "seccomp", "not available (%s); fix: a kernel built with CONFIG_SECCOMP_FILTER", strerror(errno));
}

static void check_landlock(struct doctor *d)
{
  int abi = landlock_abi();
  if (!HAVE_LANDLOCK)
    report(d, "warn", "landlock", "not built in (meson setup -Dlandlock=disabled): the second wall is off");
  else if (abi > 0)
    report(d, "ok", "landlock", "ABI %d: hutch limits files%s", abi,
           abi >= 6 ? ", abstract unix sockets and signals" : "; abstract unix sockets and signals need ABI 6");
  else
    report(d, "warn", "landlock", "not available (%s): the second wall is off; fix: boot with lsm=...,landlock", strerror(-abi));
}

static const char *check_runtime_dir(struct doctor *d)
{
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  struct stat st;
  if (xdg && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid() && access(xdg, W_OK) == 0) {
    report(d, "ok", "XDG_RUNTIME_DIR", "%s", xdg);
    return xdg;
  }
  report(d, "warn", "XDG_RUNTIME_DIR", "%s; run directories go to /tmp/hutch-%u instead (fine, but log in through "
         "a session manager, or export XDG_RUNTIME_DIR=/run/user/%u, to keep them off disk)",
         xdg ? "not a directory of yours" : "not set", getuid(), getuid());
  return "/tmp";
}

int doctor_run(void)
{
  struct doctor d = {0};
  struct userns_plan plan = {0};
  printf("hutch %s doctor\n", HUTCH_VERSION);
  check_kernel(&d);
  check_userns(&d);
  check_subids(&d, &plan);
  check_idmap(&d, &plan);
  const char *base = check_runtime_dir(&d);
  check_overlay(&d, base);
  check_fuse(&d);
  check_network(&d, base);
  check_seccomp(&d);
  check_landlock(&d);
  userns_plan_free(&plan);
  if (d.fails)
    printf("hutch cannot run here: fix the %d failed check%s above.\n", d.fails, d.fails > 1 ? "s" : "");
  else
    printf("hutch can run here%s.\n", d.warns ? " (see the warnings for what is limited)" : "");
  return d.fails ? 1 : 0;
}
