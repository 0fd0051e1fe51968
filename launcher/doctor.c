/* doctor.c: `hutch doctor`. One line per check, ok / warn / fail, each
 * failure with its fix. Every check tries the real thing (makes a user
 * namespace, runs newuidmap, mounts an overlay, opens /dev/fuse...) rather
 * than only reading settings, since settings lie (AppArmor, seccomp in a
 * container, a nosuid mount under newuidmap). Exit 0 when hutch can run
 * (warnings only: something is limited, such as --userns single alone),
 * 1 when a check failed.
 *
 * Test hooks: HUTCH_DOCTOR_SUBUID and HUTCH_DOCTOR_SUBGID name files read
 * instead of /etc/subuid and /etc/subgid, for the caller's ranges and for
 * the free range doctor proposes (tests/integration/doctor.sh). */
#define _GNU_SOURCE
#include "doctor.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <grp.h>
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
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "config.h"
#include "landlock.h"
#include "limits.h"
#include "net.h"
#include "plan.h"
#include "proc.h"
#include "rootfs.h"
#include "runtime.h"
#include "subids.h"
#include "holder.h"
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
  pid_t pid = proc_clone(flags, NULL);
  if (pid < 0)
    return -errno;
  if (pid == 0)
    _exit(fn(arg));
  return proc_wait(pid);
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

/* What the id checks learn, for the one that tries a mapping. */
struct ids {
  char *user;             /* the caller's name, or NULL when it has no entry */
  bool ranges[2];         /* subordinate uids, gids */
  bool helpers;           /* newuidmap and newgidmap can gain privilege */
};

static const char *const subid_file[2] = {"/etc/subuid", "/etc/subgid"};

/* The files doctor reads for everybody's ranges: /etc/subuid and
 * /etc/subgid, or, as a test hook, the files named by HUTCH_DOCTOR_SUBUID
 * and HUTCH_DOCTOR_SUBGID. With the hook, the caller's own ranges are read
 * from those files too, instead of through libsubid as a launch does. */
static const char *subid_path(int is_gid)
{
  const char *hook = getenv(is_gid ? "HUTCH_DOCTOR_SUBGID" : "HUTCH_DOCTOR_SUBUID");
  return hook && hook[0] ? hook : subid_file[is_gid];
}

static bool subid_hooked(void)
{
  return strcmp(subid_path(0), subid_file[0]) || strcmp(subid_path(1), subid_file[1]);
}

static void check_subids(struct doctor *d, struct ids *ids)
{
  uid_t uid = getuid();
  /* A copy: getpwent() and userns_plan() may reuse getpwuid()'s buffer. */
  struct passwd *pw = getpwuid(uid);
  ids->user = pw ? xstrdup(pw->pw_name) : NULL;
  if (!ids->user) {
    report(d, "warn", "subordinate ids", "uid %u has no entry in the user database, so it has no subordinate ids", uid);
    return;
  }
  const char *user = ids->user;
  for (int is_gid = 0; is_gid < 2; is_gid++) {
    const char *what = is_gid ? "subordinate gids" : "subordinate uids";
    unsigned long long total = 0, usable = 0;
    size_t n = 0;
    struct error err = {0};
    if (subid_hooked()) {
      struct subids all = {0};
      if (subids_read(subid_path(is_gid), &all, &err) == 0)
        n = subids_count_owned(&all, user, uid, &total);
      subids_free(&all);
    } else {
      /* Through libsubid, as a launch reads them (it may ask other sources
       * than the files, as nsswitch.conf's subid line says). */
      _cleanup_free_ struct id_range *r = NULL;
      int k = userns_ranges(user, uid, is_gid, &r, &err);
      for (int i = 0; i < k; i++)
        total += r[i].count;
      n = k > 0 ? (size_t) k : 0;
      /* What a launch maps: each id once, never the caller's own. */
      size_t m = n > 0 ? userns_disjoin_ranges(&r, n, is_gid ? getgid() : uid) : 0;
      for (size_t i = 0; i < m; i++)
        usable += r[i].count;
    }
    ids->ranges[is_gid] = n > 0;
    if (n > 0 && usable && usable < total)
      report(d, "ok", what, "%llu ids for %s in %zu range%s, %llu of them usable: lines of %s overlap (or name %s "
             "own id); hutch maps each id once", total, user, n, n > 1 ? "s" : "", usable, subid_path(is_gid),
             is_gid ? "the group's" : "your");
    else if (n > 0)
      report(d, "ok", what, "%llu ids for %s in %zu range%s", total, user, n, n > 1 ? "s" : "");
    else if (err.msg[0])
      report(d, "warn", what, "none for %s: %s", user, err.msg);
    else
      report(d, "warn", what, "none for %s in %s", user, subid_path(is_gid));
  }
}

/* Ids that must count as taken besides the subordinate ranges: every user
 * and group the local databases list, so that a range handed out never
 * makes someone the owner of a real account's files. */
static void add_known_ids(struct subids *uids, struct subids *gids)
{
  struct passwd *pw;
  setpwent();
  while ((pw = getpwent()))
    subids_add(uids, pw->pw_name, pw->pw_uid, 1);
  endpwent();
  struct group *gr;
  setgrent();
  while ((gr = getgrent()))
    subids_add(gids, gr->gr_name, gr->gr_gid, 1);
  endgrent();
}

/* The command that gives the caller the ranges it lacks: one start free in
 * both files (and by every local user and group id), from 100000 in steps
 * of 65536 as useradd hands them out, so that uids and gids stay alike. */
static char *propose_ranges(const struct ids *ids)
{
  enum { FIRST = 100000, COUNT = 65536 };
  struct subids sets[2] = {{0}, {0}};
  struct error err = {0};
  char *fix = NULL;
  for (int is_gid = 0; is_gid < 2 && !err.msg[0]; is_gid++)
    subids_read(subid_path(is_gid), &sets[is_gid], &err);
  add_known_ids(&sets[0], &sets[1]);
  unsigned long long start;
  if (err.msg[0])
    fix = xasprintf("ask an administrator for %d subordinate uids and gids free in %s and %s (%s)", COUNT,
                    subid_path(0), subid_path(1), err.msg);
  else if (subids_find_free(sets, 2, FIRST, COUNT, &start) < 0)
    fix = xasprintf("no %d ids are free in both %s and %s; ask an administrator for a range", COUNT,
                    subid_path(0), subid_path(1));
  else {
    _cleanup_free_ char *u = ids->ranges[0] ? xstrdup("") : xasprintf(" --add-subuids %llu-%llu", start, start + COUNT - 1);
    _cleanup_free_ char *g = ids->ranges[1] ? xstrdup("") : xasprintf(" --add-subgids %llu-%llu", start, start + COUNT - 1);
    fix = xasprintf("sudo usermod%s%s %s (%d ids free in %s and %s)", u, g, ids->user, COUNT,
                    subid_path(0), subid_path(1));
  }
  subids_free(&sets[0]);
  subids_free(&sets[1]);
  return fix;
}

/* Why a helper cannot gain the privilege newuidmap needs, or NULL when it
 * can: setuid root on a mount that honours it, or file capabilities. */
static char *id_helper_problem(const char *name, char **path_out)
{
  char *path = find_program(name);
  *path_out = path;
  if (!path)
    return xasprintf("%s not found", name);
  struct stat st;
  struct statvfs vfs;
  bool setuid_root = stat(path, &st) == 0 && (st.st_mode & S_ISUID) && st.st_uid == 0;
  bool caps = getxattr(path, "security.capability", NULL, 0) > 0;
  if (!setuid_root && !caps)
    return xasprintf("%s is not setuid root and has no file capabilities", path);
  if (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
    return xasprintf("%s is on a nosuid mount, where its %s count for nothing", path,
                     setuid_root ? "setuid bit does" : "file capabilities");
  return NULL;
}

/* Whether newuidmap and newgidmap are there and privileged: apart from the
 * ranges, which they check but which are the administrator's to give. */
static void check_id_helpers(struct doctor *d, struct ids *ids)
{
  _cleanup_free_ char *upath = NULL, *gpath = NULL;
  _cleanup_free_ char *u = id_helper_problem("newuidmap", &upath);
  _cleanup_free_ char *g = id_helper_problem("newgidmap", &gpath);
  ids->helpers = !u && !g;
  if (ids->helpers) {
    struct stat su, sg;
    bool u_suid = stat(upath, &su) == 0 && (su.st_mode & S_ISUID) && su.st_uid == 0;
    bool g_suid = stat(gpath, &sg) == 0 && (sg.st_mode & S_ISUID) && sg.st_uid == 0;
    report(d, "ok", "newuidmap/newgidmap", "%s (%s), %s (%s)", upath, u_suid ? "setuid root" : "file capabilities",
           gpath, g_suid ? "setuid root" : "file capabilities");
    return;
  }
  bool missing = !upath || !gpath;
  report(d, "warn", "newuidmap/newgidmap", "%s%s%s; fix: %s", u ? u : "", u && g ? "; " : "", g ? g : "",
         missing ? "apt install uidmap (Debian) or shadow-utils (Fedora)"
                 : "reinstall the uidmap package (Debian) or shadow-utils (Fedora)");
}

/* Only with both helpers and both ranges is there a mapping to try: a child
 * in a new user namespace waits on a pipe while the launch's own code
 * (userns_plan, userns_apply) maps it. */
static void check_idmap(struct doctor *d, const struct ids *ids)
{
  const char *what = "id mapping";
  if (!ids->user)
    return;
  if (!ids->helpers || !ids->ranges[0] || !ids->ranges[1]) {
    const char *ranges = !ids->ranges[0] && !ids->ranges[1] ? "subordinate uids and gids"
                       : !ids->ranges[0] ? "subordinate uids"
                       : !ids->ranges[1] ? "subordinate gids" : NULL;
    _cleanup_free_ char *fix = ranges ? propose_ranges(ids) : NULL;
    report(d, "warn", what, "not tried: it needs %s%s%s; until then only --userns single works (your own uid "
           "alone, as root inside)%s%s", ranges ? ranges : "", ranges && !ids->helpers ? " and " : "",
           ids->helpers ? "" : "working newuidmap and newgidmap", fix ? "; fix: " : "", fix ? fix : "");
    return;
  }
  struct userns_plan plan = {0};
  struct error err = {0};
  userns_plan(USERNS_AUTO, &plan, &err);
  if (!plan.newuidmap) {
    /* Only when libsubid and the files doctor read disagree. */
    report(d, "warn", what, "not tried: a launch's own plan falls back to --userns single (see its warning)");
    userns_plan_free(&plan);
    return;
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    userns_plan_free(&plan);
    return;
  }
  pid_t pid = proc_clone(CLONE_NEWUSER, NULL);
  if (pid == 0) {
    char c;
    close(p[1]);
    _exit(read(p[0], &c, 1) == 1 ? 0 : 1);
  }
  close(p[0]);
  int r = pid > 0 ? userns_apply(&plan, pid, &err) : error_set(&err, errno, "clone");
  if (write(p[1], "x", 1) < 0 && r == 0)
    r = error_set(&err, errno, "write to the child");
  close(p[1]);
  if (pid > 0)
    proc_wait(pid);
  if (r == 0)
    report(d, "ok", what, "mapped %zu uid and %zu gid ranges into a new user namespace", plan.n_uid_map,
           plan.n_gid_map);
  else
    report(d, "fail", what, "%s%s%s", err.msg, err.fix[0] ? "; fix: " : "", err.fix);
  userns_plan_free(&plan);
}

/* The namespace holder (holder.c): shown, never started. */
static void check_holder(struct doctor *d)
{
  char line[512];
  holder_describe(line, sizeof line);
  report(d, "ok", "namespace holder", "%s", line);
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

/* The launch's own overlay code, on a one-layer tree: 0 when it mounts,
 * 3 when only the older lowerdir string works (a kernel before 6.8). */
static int try_overlay(void *arg)
{
  const char *dir = arg;
  if (map_self() < 0)
    return 2;
  _cleanup_free_ char *l = xasprintf("%s/l", dir), *u = xasprintf("%s/u", dir), *w = xasprintf("%s/w", dir);
  char *layers[] = {l, NULL};
  struct error err = {0};
  int m = rootfs_overlay_fs(layers, 1, NULL, u, w, &err);
  if (m == -EOPNOTSUPP && (m = rootfs_overlay_fs(layers, 1, l, u, w, &err)) >= 0) {
    close(m);
    return 3;
  }
  if (m < 0)
    return 1;
  close(m);
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
  else if (r == 3)
    report(d, "ok", "kernel overlayfs", "mounts in a user namespace (on %s), without lowerdir+: many layers use "
           "short link names", base);
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
  pid_t pid = proc_clone(CLONE_NEWUSER | CLONE_NEWNET, NULL);
  if (pid == 0) {
    close(p[0]);
    _exit(wait_on_socket(&p[1]));
  }
  close(p[1]);
  bool ok = false;
  char mapped;
  if (pid > 0 && read(p[0], &mapped, 1) == 1) {
    struct plan s = {.network = mode, .port_driver = PORT_DRIVER_HUTCH};
    struct runtime rt = {.dir = dir, .dir_fd = -1, .lock_fd = -1};
    struct net_helper h = NET_HELPER_INIT;
    struct error err = {0};
    _cleanup_free_ char *path = xasprintf("/proc/%d/ns/net", pid);
    int netns = open(path, O_RDONLY | O_CLOEXEC);
    if (netns >= 0 && net_start(&s, &rt, netns, -1, &h, &err) == 0 && net_wait_ready(&s, &h, -1, &err) == 0)
      ok = true;
    else
      *why = xstrdup(err.msg[0] ? err.msg : "could not attach");
    net_stop(&h, false);
    if (netns >= 0)
      close(netns);
  }
  close(p[0]);
  if (pid > 0)
    proc_wait(pid);
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

static void check_limits(struct doctor *d)
{
  char line[768];
  bool ok = limits_doctor_pids(line, sizeof line);
  report(d, ok ? "ok" : "warn", "process limits", "%s", line);
  ok = limits_doctor_cgroups(line, sizeof line);
  report(d, ok ? "ok" : "warn", "cgroup limits", "%s", line);
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

/* Where a login of one's own would lead, for a caller without a usable
 * XDG_RUNTIME_DIR: the directory itself when it exists and is theirs,
 * otherwise the way to get one where systemd-logind makes them, otherwise
 * nothing (hutch's fallback is fine). Returns "" or "; ..." */
static char *runtime_dir_advice(void)
{
  uid_t uid = getuid();
  _cleanup_free_ char *mine = xasprintf("/run/user/%u", uid);
  struct stat st;
  if (stat(mine, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid && access(mine, W_OK | X_OK) == 0)
    return xasprintf("; to use your login's runtime directory instead: export XDG_RUNTIME_DIR=%s", mine);
  if (access("/run/systemd/system", F_OK) == 0)
    return xstrdup("; a login through a session manager (ssh, a console or desktop login; not su or sudo) sets "
                   "up one of your own, or `loginctl enable-linger` keeps one for you");
  return xstrdup("");
}

/* The base directory a launch uses (runtime_base(), the launch's own code,
 * which makes it if missing), and why. Returns it, or "/tmp" when it cannot
 * be had, for the checks that follow. */
static char *check_runtime_dir(struct doctor *d)
{
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  _cleanup_free_ char *base = NULL;
  struct error err = {0};
  if (runtime_base(&base, false, &err) < 0) {
    report(d, "fail", "run directory", "%s%s%s", err.msg, err.fix[0] ? "; fix: " : "", err.fix);
    return xstrdup("/tmp");
  }
  size_t xlen = xdg ? strlen(xdg) : 0;
  bool in_xdg = xdg && xlen && !strncmp(base, xdg, xlen) && base[xlen] == '/';
  struct stat st;
  bool xdg_mine = xdg && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid();
  if (in_xdg && xdg_mine) {
    report(d, "ok", "XDG_RUNTIME_DIR", "%s: run directories go to %s", xdg, base);
    return steal_pointer(&base);
  }
  _cleanup_free_ char *advice = runtime_dir_advice();
  if (in_xdg)
    report(d, "warn", "XDG_RUNTIME_DIR", "%s is not a directory of yours (it should be, mode 0700); hutch still "
           "works: run directories go to %s, which it keeps private%s", xdg, base, advice);
  else if (xdg && xdg[0])
    report(d, "warn", "XDG_RUNTIME_DIR", "%s %s; run directories go to %s instead, which is fine%s", xdg,
           xdg[0] != '/' ? "is not an absolute path" : access(xdg, F_OK) < 0 ? "does not exist"
           : "is not writable by you (another user's, as after su?)", base, advice);
  else
    report(d, "ok", "XDG_RUNTIME_DIR", "not set: run directories go to %s instead, which is fine%s", base, advice);
  return steal_pointer(&base);
}

static char *human_size(unsigned long long bytes)
{
  if (bytes >= (1ULL << 30))
    return xasprintf("%.1f GiB", (double) bytes / (1ULL << 30));
  return xasprintf("%llu MiB", bytes >> 20);
}

/* A sandbox's throwaway upper layer lives in its run directory: on a small
 * tmpfs (a desktop's /run/user is 10% of RAM by default), a big install in
 * a sandbox runs out of room there. */
static void check_run_space(struct doctor *d, const char *base)
{
  enum { SMALL = 1 << 30 };
  struct statfs fs;
  if (statfs(base, &fs) < 0) {
    report(d, "warn", "run directory space", "statfs `%s`: %s", base, strerror(errno));
    return;
  }
  bool tmpfs = fs.f_type == TMPFS_MAGIC;
  unsigned long long avail = (unsigned long long) fs.f_bavail * (unsigned long long) fs.f_bsize;
  _cleanup_free_ char *size = human_size(avail);
  if (avail >= SMALL) {
    report(d, "ok", "run directory space", "%s free on %s%s", size, base, tmpfs ? " (a tmpfs)" : "");
    return;
  }
  const char *fix = !strncmp(base, "/run/user/", 10)
    ? "an administrator can raise RuntimeDirectorySize= in /etc/systemd/logind.conf, or point XDG_RUNTIME_DIR "
      "at a directory of yours with more room"
    : "point XDG_RUNTIME_DIR at a directory of yours with more room";
  report(d, "warn", "run directory space", "only %s free on %s%s: a sandbox's writes (its throwaway upper layer) "
         "are kept there, so a large install in one can run out of room; fix: %s", size, base,
         tmpfs ? ", a small tmpfs" : "", fix);
}

int doctor_run(void)
{
  struct doctor d = {0};
  struct ids ids = {0};
  printf("hutch %s doctor\n", HUTCH_VERSION);
  check_kernel(&d);
  check_userns(&d);
  check_subids(&d, &ids);
  check_id_helpers(&d, &ids);
  check_idmap(&d, &ids);
  check_holder(&d);
  _cleanup_free_ char *base = check_runtime_dir(&d);
  check_run_space(&d, base);
  check_overlay(&d, base);
  check_fuse(&d);
  check_network(&d, base);
  check_seccomp(&d);
  check_landlock(&d);
  check_limits(&d);
  free(ids.user);
  if (d.fails)
    printf("hutch cannot run here: fix the %d failed check%s above.\n", d.fails, d.fails > 1 ? "s" : "");
  else
    printf("hutch can run here%s.\n", d.warns ? " (see the warnings for what is limited)" : "");
  return d.fails ? 1 : 0;
}
