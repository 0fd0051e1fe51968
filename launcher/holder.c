/* holder.c: the per-user user-namespace holder.
 *
 * Mapping subordinate ids takes the setuid helpers newuidmap and newgidmap,
 * two execs of large dynamically linked programs on every launch. The
 * holder pays that once: it is a small process in a user namespace of its
 * own that carries the full subordinate map (0 -> the caller, 1..N -> the
 * subordinate ids, as --userns auto). In that namespace the caller is root
 * with every capability, so a process that joins it may create a user
 * namespace nested in it and write that namespace's map itself, within the
 * ids the holder maps. Every sandbox still gets a user namespace of its
 * own; the holder's namespace is only its parent.
 *
 * What the holder must and must not do:
 *   - it is detached from the launch that made it: its own session, no
 *     terminal, stdio on /dev/null, no descriptor of hutch's, cwd /;
 *   - it runs no code of the caller's but this file's loop, and holds no
 *     capability outside its namespace; of the caller's files it looks at
 *     none but the layers a launch names in DIR/stack (a stat of each), and
 *     its spare mounts those read-only (the stack, below);
 *   - it exits after an idle time with no sandbox running. Each launch that
 *     uses it holds a shared flock on DIR/busy for the sandbox's life (the
 *     keeper inherits it) and touches that file; the holder exits only when
 *     it can take the lock exclusively and the file was not touched for the
 *     idle time, removing DIR/state while it holds the lock, so that no
 *     launch can join a holder that is going away;
 *   - it exits as soon as DIR/state no longer names it (`hutch system
 *     reset`, a replacement, its directory removed).
 *
 * Every launch checks the holder before joining: the boot id, the pid with
 * its start time (field 22 of /proc/PID/stat) through a pidfd, the
 * namespace's inode, its owner, and that its live maps are the ones
 * /etc/subuid and /etc/subgid give now. A holder that fails a check is
 * replaced under DIR/lock; when no holder can be had, the launch maps its
 * sandbox with the helpers as before. Killing the holder never touches a
 * running sandbox: a nested namespace keeps its parent alive.
 *
 * Launches without a keeper hand it their sandbox's mount namespace once
 * the sandbox has ended (holder_hand_over, DIR/drop): closing it here, a
 * moment later (drain_drop), unmounts the sandbox off the launch's path.
 * Launches that did not join it (--userns single, the helpers' path) do
 * so too when a holder runs; they never start one for that. The price is
 * that those mounts, the writes in memory among them, outlive `hutch run`
 * until the holder has closed them. It closes whatever it receives, and
 * nothing else: only the caller can reach DIR.
 *
 * The spare. The holder keeps one sandbox's user and network namespaces
 * made ahead, in a child of its own (DIR/spare names it): a user namespace
 * nested in the holder's with the map of --userns auto (the holder's ids,
 * each to itself), and a network namespace it owns, with lo up. Making a
 * network namespace is the dearest step of a launch (0.7 ms on the 2-vCPU
 * VM of docs/benchmarks.md, against --network host). A launch that would
 * make exactly these (no network helper, that map, the holder's namespace
 * limits) takes the spare by renaming its file, which only one launch can
 * do; hutch itself then joins its namespaces instead of making them
 * (holder_join_spare), for good, and kills it; the holder makes the next
 * one while the launch goes on. Each spare serves one launch: sandboxes
 * never share a namespace. It dies with the holder (parent-death signal,
 * and the end of its pipe).
 *
 * The stack. overlayfs sets up each lower layer at each mount (about 7 us
 * a layer). A launch without a keeper, of 64 layers or more, asks for a
 * stack of its layers in DIR/stack; the holder notes each layer's device,
 * inode and ctime (all on one filesystem, or no stack) and the spare mounts
 * a read-only overlay of them as a detached mount (stack_child), after a
 * test that the kernel lets a sandbox's overlay stack on it. A launch whose
 * layers are those very directories takes it (pidfd_getfd) and init stacks
 * the sandbox's overlay on it (rootfs.c); any other launch mounts its
 * layers as before. A kernel that refused the test gets no more stacks from
 * this holder. Nothing is looked up in a stack before its launch, so a
 * layer changed in place shows as it would without one.
 *
 * The files the sandbox's keeper touches on the host are the same on both
 * paths: in the holder's namespace the caller is root (0 -> the caller), so
 * the keeper's root is the caller on the host either way.
 */
#define _GNU_SOURCE
#include "holder.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "layers.h"
#include "net.h"
#include "proc.h"
#include "rootfs.h"
#include "runtime.h"
#include "sync.h"
#include "util.h"

#define MAX_NESTED_MAPS 64

struct holder_state {
  pid_t pid;
  unsigned long long start;        /* /proc/PID/stat field 22 */
  char boot[64];                   /* /proc/sys/kernel/random/boot_id */
  unsigned long long userns_ino;
  unsigned long long userns_dev;
  unsigned idle;
};

static void read_boot_id(char *buf, size_t size)
{
  _cleanup_free_ char *b = read_file("/proc/sys/kernel/random/boot_id", 128, NULL);
  snprintf(buf, size, "%s", b ? b : "-");
  buf[strcspn(buf, "\n")] = '\0';
}

/* flock that gives up after ms milliseconds (-EWOULDBLOCK): a launch must
 * not hang behind another one that was stopped while it held the lock; it
 * maps with the helpers instead. */
static int flock_bounded(int fd, int op, int ms)
{
  for (int waited = 0;; waited += 5) {
    if (flock(fd, op | LOCK_NB) == 0)
      return 0;
    if (errno != EWOULDBLOCK && errno != EINTR)
      return -errno;
    if (waited >= ms)
      return -EWOULDBLOCK;
    poll(NULL, 0, 5);
  }
}

static int state_read(const char *dir, struct holder_state *st)
{
  _cleanup_free_ char *path = xasprintf("%s/state", dir);
  _cleanup_free_ char *text = read_file(path, 4096, NULL);
  if (!text)
    return -errno;
  memset(st, 0, sizeof *st);
  int n = sscanf(text, "pid %d\nstart %llu\nboot %63s\nuserns %llu %llu\nidle %u\n", &st->pid, &st->start, st->boot,
                 &st->userns_dev, &st->userns_ino, &st->idle);
  return n == 6 && st->pid > 0 ? 0 : -EINVAL;
}

static int state_write(const char *dir, const struct holder_state *st, const struct userns_plan *ids)
{
  _cleanup_free_ char *tmp = xasprintf("%s/state.%d", dir, getpid()), *path = xasprintf("%s/state", dir);
  _cleanup_free_ char *text = xasprintf("pid %d\nstart %llu\nboot %s\nuserns %llu %llu\nidle %u\n", st->pid, st->start,
                                        st->boot, st->userns_dev, st->userns_ino, st->idle);
  for (size_t i = 0; i < ids->n_holder_uid_map; i++) {
    char *t = xasprintf("%suid_map %lu %lu %lu\n", text, ids->holder_uid_map[i].inside, ids->holder_uid_map[i].outside,
                        ids->holder_uid_map[i].count);
    free(text);
    text = t;
  }
  for (size_t i = 0; i < ids->n_holder_gid_map; i++) {
    char *t = xasprintf("%sgid_map %lu %lu %lu\n", text, ids->holder_gid_map[i].inside, ids->holder_gid_map[i].outside,
                        ids->holder_gid_map[i].count);
    free(text);
    text = t;
  }
  _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || write_all(fd, text, strlen(text)) < 0 || rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    return -e;
  }
  return 0;
}

/* /proc/PID/uid_map as the host reads it: outside ids are the host's. */
static int maps_read(pid_t pid, const char *file, struct id_map *out, size_t max, size_t *n)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  _cleanup_free_ char *text = read_file(path, 16384, NULL);
  if (!text)
    return -errno;
  *n = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (*n == max)
      return -E2BIG;
    if (sscanf(line, "%lu %lu %lu", &out[*n].inside, &out[*n].outside, &out[*n].count) != 3)
      return -EINVAL;
    (*n)++;
  }
  return 0;
}

static bool maps_equal(const struct id_map *a, size_t na, const struct id_map *b, size_t nb)
{
  if (na != nb)
    return false;
  for (size_t i = 0; i < na; i++)
    if (a[i].inside != b[i].inside || a[i].outside != b[i].outside || a[i].count != b[i].count)
      return false;
  return true;
}

/* Whether pid's live map (as hutch, on the host, reads it: host ids on
 * both sides) is m. */
static bool live_map_is(pid_t pid, const char *file, const struct id_map *m, size_t n)
{
  struct id_map got[MAX_ID_MAPS];
  size_t k = 0;
  return maps_read(pid, file, got, MAX_ID_MAPS, &k) == 0 && maps_equal(got, k, m, n);
}

/* Is st the live holder it claims, with the maps ids wants? Fills h. On
 * failure *why says what did not match, and h->pidfd stays open when the
 * recorded process is the holder (so that it can be stopped). */
static int holder_check(struct holder *h, const struct holder_state *st, const struct userns_plan *ids,
                        const char **why)
{
  char boot[64];
  read_boot_id(boot, sizeof boot);
  if (strcmp(boot, st->boot)) {
    *why = "recorded before a reboot";
    return -ESTALE;
  }
  h->pidfd = proc_pidfd_open(st->pid);
  if (h->pidfd < 0) {
    *why = "its process is gone";
    return -ESRCH;
  }
  unsigned long long start;
  char path[64];
  struct stat sb;
  snprintf(path, sizeof path, "/proc/%d", st->pid);
  if (proc_start_time(st->pid, &start) < 0 || start != st->start || stat(path, &sb) < 0 || sb.st_uid != getuid()) {
    close_fd(&h->pidfd);  /* another process under a reused pid */
    *why = "its pid belongs to another process";
    return -ESRCH;
  }
  snprintf(path, sizeof path, "/proc/%d/ns/user", st->pid);
  h->userns_fd = open(path, O_RDONLY | O_CLOEXEC);
  if (h->userns_fd < 0 || fstat(h->userns_fd, &sb) < 0 || sb.st_ino != st->userns_ino ||
      sb.st_dev != st->userns_dev) {
    close_fd(&h->userns_fd);
    *why = "its user namespace is not the one recorded";
    return -ESTALE;
  }
  if (!live_map_is(st->pid, "uid_map", ids->holder_uid_map, ids->n_holder_uid_map) ||
      !live_map_is(st->pid, "gid_map", ids->holder_gid_map, ids->n_holder_gid_map)) {
    close_fd(&h->userns_fd);
    *why = "its maps are not those of /etc/subuid and /etc/subgid now";
    return -ESTALE;
  }
  /* Still alive now: the namespace opened by pid was the holder's. */
  if (proc_pidfd_signal(h->pidfd, 0) < 0) {
    close_fd(&h->userns_fd);
    close_fd(&h->pidfd);
    *why = "its process is gone";
    return -ESRCH;
  }
  h->pid = st->pid;
  return 0;
}

/* ---------------------------------------------------------- the holder */

static void close_all_but(int a, int b)
{
  int keep[] = {a, b};
  proc_close_all_but(3, keep, N_ELEMENTS(keep));
}

static bool state_names(const char *dir, pid_t me)
{
  struct holder_state st;
  return state_read(dir, &st) == 0 && st.pid == me;
}

/* Seconds on clock c: CLOCK_REALTIME to compare with file times,
 * CLOCK_MONOTONIC for the loop's own timeouts. */
static double now_on(clockid_t c)
{
  struct timespec ts;
  clock_gettime(c, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* What launches handed over (holder_hand_over): the mount namespaces of
 * ended sandboxes, closed here once CLOSE_DELAY has passed. The launch
 * closes its own copy right after its send; the kernel unmounts in the
 * process that drops the last reference, so closing at once, before the
 * launch's close, would often leave that work to the launch after all
 * (this process, woken on the launch's CPU, may run first). */
#define CLOSE_DELAY 0.01
#define PENDING_MAX 64

struct pending {
  int fd[PENDING_MAX];
  double since[PENDING_MAX];
  size_t n;
};

/* Close what came at least CLOSE_DELAY ago, and the oldest (first) ones
 * beyond keep; return the seconds until the next is due, or -1 when none
 * is left. */
static double close_due(struct pending *q, size_t keep)
{
  double now = now_on(CLOCK_MONOTONIC);
  size_t kept = 0;
  for (size_t i = 0; i < q->n; i++) {
    if (q->n - i > keep || now - q->since[i] >= CLOSE_DELAY) {
      close(q->fd[i]);
    } else {
      q->fd[kept] = q->fd[i];
      q->since[kept++] = q->since[i];
    }
  }
  q->n = kept;
  return kept ? q->since[0] + CLOSE_DELAY - now : -1;
}

/* The socket's queue, until it is empty (the socket does not block). A
 * burst of more than PENDING_MAX closes the oldest early. */
static void drain_drop(int drop, struct pending *q)
{
  struct sync_msg m;
  int fd;
  while (sync_recv(drop, &m, &fd) == 0) {
    if (fd < 0)
      continue;
    if (q->n == PENDING_MAX)
      close_due(q, PENDING_MAX - 1);
    q->fd[q->n] = fd;
    q->since[q->n++] = now_on(CLOCK_MONOTONIC);
  }
}

/* ------------------------------------------------------------ the spare */

/* The spare's maps, in the holder's ids: --userns auto's, each id of the
 * holder's to itself (so root inside is root of the holder's namespace,
 * the caller). A launch uses a spare only when its own map is this. */
struct spare_maps {
  struct id_map u[MAX_ID_MAPS], g[MAX_ID_MAPS];
  size_t nu, ng;
};

static void spare_maps_of(const struct userns_plan *ids, struct spare_maps *m)
{
  m->nu = ids->n_holder_uid_map;
  m->ng = ids->n_holder_gid_map;
  for (size_t i = 0; i < m->nu; i++)
    m->u[i] = (struct id_map) {ids->holder_uid_map[i].inside, ids->holder_uid_map[i].inside, ids->holder_uid_map[i].count};
  for (size_t i = 0; i < m->ng; i++)
    m->g[i] = (struct id_map) {ids->holder_gid_map[i].inside, ids->holder_gid_map[i].inside, ids->holder_gid_map[i].count};
}

/* The limits the kernel copies into a user namespace from the process
 * that makes it (since Linux 5.14), and enforces on it from then on: the
 * spare's are the holder's, so a launch takes it only when they are its
 * own (limits.c's --pids-limit relies on RLIMIT_NPROC's). */
static const int ns_limits[] = {RLIMIT_NPROC, RLIMIT_MSGQUEUE, RLIMIT_SIGPENDING, RLIMIT_MEMLOCK};

static char *ns_limits_text(void)
{
  unsigned long long v[N_ELEMENTS(ns_limits)];
  for (size_t i = 0; i < N_ELEMENTS(ns_limits); i++) {
    struct rlimit rl = {0};
    getrlimit(ns_limits[i], &rl);
    v[i] = (unsigned long long) rl.rlim_cur;
  }
  return xasprintf("%llu %llu %llu %llu", v[0], v[1], v[2], v[3]);
}

struct spare {
  pid_t pid;      /* 0: none */
  int pidfd;      /* readable once it has ended */
  int go;         /* our end of its pipe: its EOF when we end */
};

/* The layers the last launch asked the spare to stack (DIR/stack, which
 * hutch writes: "layers N", then each layer's path, bottom first), and
 * what each was when the holder read them. The kernel's set-up of an
 * overlay grows with its layers (about 7 us each), but the next spare's
 * stack is made while a launch runs, and costs it about as much: on the
 * 2-vCPU VM of docs/benchmarks.md, paired against launches without stacks,
 * 10 layers took 0.41 ms longer, 50 the same, 100 0.38 ms less. */
#define STACK_MIN_LAYERS 64
#define STACK_MAX_LAYERS 500
struct stack_want {
  char **layers;
  size_t n;
  char *ids;  /* "DEV INO CTIME_S CTIME_NS\n" for each layer, as the spare's
               * file gives them */
};
/* A kernel that refused a stack (a spare's test mount failed) refuses the
 * next: no more are made while this holder lives. */
static bool stack_refused;

static void stack_want_free(struct stack_want *w)
{
  strvfreep(&w->layers);
  free(w->ids);
  *w = (struct stack_want) {0};
}

static void stack_want_read(const char *dir, struct stack_want *w)
{
  _cleanup_free_ char *path = xasprintf("%s/stack", dir);
  _cleanup_free_ char *text = read_file(path, READ_FILE_SMALL, NULL);
  size_t n = 0, len = 0, cap = 0;
  char *line = text ? strchr(text, '\n') : NULL;
  if (stack_refused || !line || sscanf(text, "layers %zu", &n) != 1 || n < STACK_MIN_LAYERS ||
      n > STACK_MAX_LAYERS)
    return;
  size_t count = 0;
  dev_t dev = 0;
  for (char *l = line + 1, *end; *l && (end = strchr(l, '\n')); l = end + 1) {
    *end = '\0';
    struct stat st;
    /* All on one filesystem: through a stack, the sandbox's overlay gives
     * the files of every layer one device, and two files of two
     * filesystems with one inode number would look like one file. */
    if (l[0] != '/' || stat(l, &st) < 0 || !S_ISDIR(st.st_mode) || (count && st.st_dev != dev))
      break;
    dev = st.st_dev;
    strv_append(&w->layers, &count, xstrdup(l));
    char id[96];
    int k = snprintf(id, sizeof id, "%llu %llu %lld %ld\n", (unsigned long long) st.st_dev,
                     (unsigned long long) st.st_ino, (long long) st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
    if (len + (size_t) k + 1 > cap) {
      cap = (len + (size_t) k + 1) * 2;
      w->ids = xrealloc(w->ids, cap);
    }
    memcpy(w->ids + len, id, (size_t) k + 1);
    len += (size_t) k;
  }
  w->n = count;
  if (count != n)
    stack_want_free(w);
}

/* The stack, in a child of the spare's that shares its descriptors
 * (CLONE_FILES) and then exits. The child unshares a mount namespace,
 * which the spare's user namespace owns (the sandbox, in that user
 * namespace, may then stack on the overlay: clone_private_mount needs its
 * privilege over the namespace a layer is mounted in), mounts the
 * read-only overlay of the layers there as a detached mount, and stacks a
 * test overlay on it as a launch would, on a tmpfs of its own. The mount
 * namespace, a copy of the host's mounts that a umount on the host would
 * not reach, goes with the child; the overlay stays, in the spare's
 * descriptor table. It tells the holder 's' and the descriptor's number,
 * or 'n' when the kernel refused the test (no layers by descriptor before
 * Linux 6.13, no detached layer, a third level of stacking). */
static void stack_child(pid_t spare, int up, const struct stack_want *w) __attribute__((noreturn));
static void stack_child(pid_t spare, int up, const struct stack_want *w)
{
  proc_die_with_parent(spare, SIGKILL);
  struct error err = {0};
  int stack = -1, test = -1;
  if (unshare(CLONE_NEWNS) == 0 && (stack = rootfs_overlay_fs(w->layers, w->n, NULL, NULL, NULL, &err)) >= 0 &&
      mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") == 0 && mkdir("/tmp/u", 0700) == 0 &&
      mkdir("/tmp/w", 0700) == 0)
    test = rootfs_overlay_on_stack(stack, "/tmp/u", "/tmp/w", &err);
  bool ok = test >= 0;
  char msg[1 + sizeof stack] = {ok ? 's' : 'n'};
  memcpy(msg + 1, &stack, sizeof stack);
  /* The descriptor table is the spare's: only the stack may stay in it. */
  if (!ok)
    close_fd(&stack);
  close_fd(&test);
  _exit(write(up, msg, ok ? sizeof msg : 1) < 0);
}

/* The spare's process: a user namespace, mapped by the holder, then a
 * network namespace with lo up, and, when asked, a stack (stack_child),
 * which a launch takes with pidfd_getfd. It says 'r' once ready. Then it
 * waits to be taken (killed) or for the holder's end. */
static void spare_main(pid_t holder, int up, int go, const struct stack_want *w) __attribute__((noreturn));
static void spare_main(pid_t holder, int up, int go, const struct stack_want *w)
{
  proc_set_title("hutch-spare");
  proc_die_with_parent(holder, SIGKILL);
  close_all_but(up, go);
  struct error err = {0};
  char c;
  if (unshare(CLONE_NEWUSER) < 0 || write(up, "u", 1) != 1 || read(go, &c, 1) != 1)
    _exit(1);
  if (unshare(CLONE_NEWNET) < 0 || net_loopback_up(&err) < 0)
    _exit(1);
  if (w->n) {
    pid_t spare = getpid(), child = proc_clone(CLONE_FILES, NULL);
    if (child == 0)
      stack_child(spare, up, w);
    if (child > 0)
      while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
        ;
  }
  if (write(up, "r", 1) != 1)
    _exit(1);
  close(up);
  while (read(go, &c, 1) < 0 && errno == EINTR)
    ;
  _exit(0);
}

/* The spare's next byte, within ms; -1 when none came. */
static int spare_byte(int fd, int ms)
{
  struct pollfd p = {.fd = fd, .events = POLLIN};
  unsigned char c;
  return poll(&p, 1, ms) == 1 && read(fd, &c, 1) == 1 ? c : -1;
}

/* One byte from the spare, within a second. */
static bool spare_said(int fd, char want)
{
  return spare_byte(fd, 1000) == want;
}

/* Whether DIR/spare names pid: not yet taken. */
static bool spare_named(const char *dir, pid_t pid)
{
  _cleanup_free_ char *path = xasprintf("%s/spare", dir);
  _cleanup_free_ char *text = read_file(path, READ_FILE_SMALL, NULL);
  pid_t named = 0;
  return text && sscanf(text, "pid %d", &named) == 1 && named == pid;
}

static void spare_end(const char *dir, struct spare *sp)
{
  if (sp->pid > 0) {
    /* Its file first, unless a launch took it (renamed it away). */
    if (spare_named(dir, sp->pid)) {
      _cleanup_free_ char *path = xasprintf("%s/spare", dir);
      unlink(path);
    }
    proc_pidfd_signal(sp->pidfd, SIGKILL);
    waitpid(sp->pid, NULL, 0);
  }
  close_fd(&sp->pidfd);
  close_fd(&sp->go);
  sp->pid = 0;
}

/* The files of launches killed between taking a spare and reading it
 * (DIR/spare.taken.PID, PID gone). */
static void spare_reap_taken(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *de;
  pid_t pid;
  while (d && (de = readdir(d)))
    if ((sscanf(de->d_name, "spare.taken.%d", &pid) == 1 || sscanf(de->d_name, "stack.new.%d", &pid) == 1) &&
        pid > 0 && kill(pid, 0) < 0 && errno == ESRCH) {
      _cleanup_free_ char *path = xasprintf("%s/%s", dir, de->d_name);
      unlink(path);
    }
  if (d)
    closedir(d);
}

/* Make the next spare and name it in DIR/spare. */
static void spare_start(const char *dir, const struct spare_maps *m, struct spare *sp)
{
  int up[2], go[2];
  if (pipe2(up, O_CLOEXEC) < 0)
    return;
  if (pipe2(go, O_CLOEXEC) < 0) {
    close(up[0]);
    close(up[1]);
    return;
  }
  pid_t holder = getpid();
  struct stack_want w = {0};
  stack_want_read(dir, &w);
  int pidfd = -1;
  pid_t pid = proc_clone(0, &pidfd);
  if (pid == 0) {
    close(up[0]);
    close(go[1]);
    spare_main(holder, up[1], go[0], &w);
  }
  close(up[1]);
  close(go[0]);
  _cleanup_close_ int up_r = up[0];
  struct error err = {0};
  unsigned long long start = 0;
  bool ok = pidfd >= 0 && spare_said(up_r, 'u') && userns_write_maps(pid, m->u, m->nu, m->g, m->ng, &err) == 0 &&
            write(go[1], "m", 1) == 1;
  /* 's' and the stack's descriptor, or 'n' (refused), when the spare was
   * asked for one (3 s at most: a hundred layers on a cold cache); then
   * 'r'. */
  int stack = -1, said = ok ? spare_byte(up_r, w.n ? 3000 : 1000) : -1;
  if (said == 's') {
    ok = read(up_r, &stack, sizeof stack) == (ssize_t) sizeof stack && spare_said(up_r, 'r');
  } else if (said == 'n') {
    stack_refused = true;
    ok = spare_said(up_r, 'r');
  } else {
    ok = said == 'r';
  }
  ok = ok && proc_start_time(pid, &start) == 0;
  *sp = (struct spare) {.pid = pid, .pidfd = pidfd, .go = go[1]};
  if (ok) {
    _cleanup_free_ char *path = xasprintf("%s/spare", dir), *tmp = xasprintf("%s/spare.new", dir);
    _cleanup_free_ char *limits = ns_limits_text();
    _cleanup_free_ char *stacked = stack >= 0       ? xasprintf("stack %d %zu\n%s", stack, w.n, w.ids)
                                   : stack_refused ? xstrdup("stack refused\n")
                                                   : xstrdup("");
    _cleanup_free_ char *text = xasprintf("pid %d\nstart %llu\nlimits %s\n%s", pid, start, limits, stacked);
    _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    ok = fd >= 0 && write_all(fd, text, strlen(text)) == 0 && rename(tmp, path) == 0;
    if (!ok)
      unlink(tmp);
  }
  stack_want_free(&w);
  /* None until the next regular check (holder_loop) tries again. */
  if (!ok)
    spare_end(dir, sp);
}

/* Wait while sandboxes run or launches come, closing what they hand over;
 * exit after idle seconds of neither, or when the state no longer names
 * us. */
static void holder_loop(const char *dir, unsigned idle, int drop, const struct spare_maps *maps)
    __attribute__((noreturn));
static void holder_loop(const char *dir, unsigned idle, int drop, const struct spare_maps *maps)
{
  _cleanup_free_ char *busy = xasprintf("%s/busy", dir);
  int interval_ms = (int) (idle * 1000 / 4);
  if (interval_ms < 100)
    interval_ms = 100;
  if (interval_ms > 10000)
    interval_ms = 10000;
  pid_t me = getpid();
  struct pending q = {.n = 0};
  double last_busy = now_on(CLOCK_REALTIME), next = now_on(CLOCK_MONOTONIC) + interval_ms / 1000.0;
  struct spare sp = {.pidfd = -1, .go = -1};
  spare_start(dir, maps, &sp);
  for (;;) {
    double left = next - now_on(CLOCK_MONOTONIC);
    struct pollfd p[2] = {{.fd = drop, .events = POLLIN}, {.fd = sp.pidfd, .events = POLLIN}};
    if (left > 0) {
      double due = close_due(&q, PENDING_MAX);
      double until = due >= 0 && due < left ? due : left;
      if (poll(p, 2, (int) (until * 1000) + 1) > 0) {
        if (p[0].revents)
          drain_drop(drop, &q);
        /* Taken by a launch (or dead): the next one. */
        if (p[1].revents) {
          spare_end(dir, &sp);
          spare_start(dir, maps, &sp);
        }
      }
      continue;
    }
    next = now_on(CLOCK_MONOTONIC) + interval_ms / 1000.0;
    if (!state_names(dir, me))
      _exit(0);
    /* A spare taken by a launch that died before it killed it; or none,
     * after a failure (a namespace limit reached, a slow machine): try
     * again. Before the lock on busy below, which the spare, a fork of
     * ours, would otherwise hold too. */
    if (sp.pid > 0 && !spare_named(dir, sp.pid))
      spare_end(dir, &sp);
    if (sp.pid <= 0)
      spare_start(dir, maps, &sp);
    spare_reap_taken(dir);
    int fd = open(busy, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
      _exit(0);
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
      last_busy = now_on(CLOCK_REALTIME);
      close(fd);
      continue;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0) {
      double touched = (double) sb.st_mtim.tv_sec + (double) sb.st_mtim.tv_nsec / 1e9;
      if (touched > last_busy)
        last_busy = touched;
    }
    if (now_on(CLOCK_REALTIME) - last_busy < idle) {
      close(fd);
      continue;
    }
    /* Idle: no launch can be between its shared lock and its use of us
     * while we hold the lock, so removing the state now is final. */
    if (state_names(dir, me)) {
      _cleanup_free_ char *state = xasprintf("%s/state", dir), *sock = xasprintf("%s/drop", dir);
      unlink(state);
      unlink(sock);
    }
    spare_end(dir, &sp);
    _exit(0);
  }
}

/* The holder's process: detach, make the user namespace, tell hutch our
 * pid, wait until hutch has mapped us, then wait in the loop. */
static void holder_main(const char *dir, unsigned idle, int up, int go, const struct spare_maps *maps)
    __attribute__((noreturn));
static void holder_main(const char *dir, unsigned idle, int up, int go, const struct spare_maps *maps)
{
  proc_set_title("hutch-holder");
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal(sig, SIG_DFL);
  /* A spare that dies while we write to its pipe must not take us along. */
  signal(SIGPIPE, SIG_IGN);
  if (chdir("/") < 0)
    _exit(1);
  int null = open("/dev/null", O_RDWR);
  if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
    _exit(1);
  close_all_but(up, go);
  /* The socket launches hand their sandbox's mount namespace to (made
   * while our DIR/lock is held, replacing a dead holder's). */
  int drop = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  int len = snprintf(sa.sun_path, sizeof sa.sun_path, "%s/drop", dir);
  if (drop >= 0 && len > 0 && (size_t) len < sizeof sa.sun_path) {
    unlink(sa.sun_path);
    if (bind(drop, (struct sockaddr *) &sa, sizeof sa) < 0)
      close_fd(&drop);
  } else {
    close_fd(&drop);
  }
  if (unshare(CLONE_NEWUSER) < 0)
    _exit(1);
  pid_t me = getpid();
  char c;
  if (write(up, &me, sizeof me) != sizeof me || read(go, &c, 1) != 1)
    _exit(1);
  close(up);
  close(go);
  holder_loop(dir, idle, drop, maps);
}

static unsigned idle_seconds(void)
{
  const char *v = getenv("HUTCH_HOLDER_IDLE");
  char *end;
  unsigned long n = v && *v ? strtoul(v, &end, 10) : 0;
  if (!v || !*v || *end || n == 0 || n > 86400)
    return HOLDER_IDLE_DEFAULT;
  return (unsigned) n;
}

/* Start a holder, map it with the helpers, record it. Called with DIR/lock
 * held. */
static int holder_create(const char *dir, const struct userns_plan *ids, struct holder_state *st, struct error *err)
{
  int up[2], go[2];
  if (pipe2(up, O_CLOEXEC) < 0)
    return error_set(err, errno, "pipe");
  if (pipe2(go, O_CLOEXEC) < 0) {
    int e = errno;
    close(up[0]);
    close(up[1]);
    return error_set(err, e, "pipe");
  }
  unsigned idle = idle_seconds();
  static struct spare_maps maps;  /* big: not on the stack */
  spare_maps_of(ids, &maps);
  /* Double fork: the holder is nobody's child but the reaper's. */
  pid_t a = proc_clone(0, NULL);
  if (a == 0) {
    close(up[0]);
    close(go[1]);
    setsid();
    pid_t b = proc_clone(0, NULL);
    if (b == 0)
      holder_main(dir, idle, up[1], go[0], &maps);
    _exit(b < 0);
  }
  close(up[1]);
  close(go[0]);
  _cleanup_close_ int up_r = up[0], go_w = go[1];
  if (a < 0)
    return error_set(err, errno, "fork the holder");
  proc_wait(a);
  pid_t b = 0;
  if (read(up_r, &b, sizeof b) != sizeof b || b <= 0)
    return error_set(err, 0, "the holder did not start (unshare of a user namespace failed?)");
  struct userns_plan hp = *ids;
  memcpy(hp.uid_map, ids->holder_uid_map, sizeof hp.uid_map);
  memcpy(hp.gid_map, ids->holder_gid_map, sizeof hp.gid_map);
  hp.n_uid_map = ids->n_holder_uid_map;
  hp.n_gid_map = ids->n_holder_gid_map;
  int r = userns_apply(&hp, b, err);
  if (r < 0)
    goto fail;
  char path[64];
  struct stat sb;
  snprintf(path, sizeof path, "/proc/%d/ns/user", b);
  *st = (struct holder_state) {.pid = b, .idle = idle};
  read_boot_id(st->boot, sizeof st->boot);
  if (proc_start_time(b, &st->start) < 0 || stat(path, &sb) < 0) {
    r = error_set(err, errno, "read the holder's /proc/%d", b);
    goto fail;
  }
  st->userns_ino = sb.st_ino;
  st->userns_dev = sb.st_dev;
  if ((r = state_write(dir, st, ids)) < 0) {
    error_set(err, -r, "write `%s/state`", dir);
    goto fail;
  }
  if (write(go_w, "m", 1) != 1) {
    r = error_set(err, errno, "the holder ended before it was mapped");
    goto fail;
  }
  log_debug("started the holder, pid %d, idle time %u s", b, idle);
  return 0;
fail:
  kill(b, SIGKILL);
  return r;
}

/* Neither --no-holder nor HUTCH_NO_HOLDER=1. */
static bool holder_allowed(const struct userns_plan *ids)
{
  const char *off = getenv("HUTCH_NO_HOLDER");
  return !ids->no_holder && !(off && *off && strcmp(off, "0"));
}

bool holder_wanted(const struct userns_plan *ids)
{
  return holder_allowed(ids) && ids->mode != USERNS_SINGLE && ids->newuidmap && ids->newgidmap &&
         ids->n_holder_uid_map > 0 && ids->n_holder_gid_map > 0;
}

void holder_release(struct holder *h)
{
  close_fd(&h->pidfd);
  close_fd(&h->userns_fd);
  close_fd(&h->busy_fd);
  free(h->drop);
  free(h->spare);
  h->drop = h->spare = NULL;
  h->pid = 0;
}

void holder_hand_over(struct holder *h, const struct userns_plan *ids, int fd)
{
  _cleanup_close_ int mine = fd;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (fd < 0)
    return;
  /* A launch that did not join: the socket of a holder that may run. The
   * directory is checked as for a join (ours, 0700, no link). */
  _cleanup_free_ char *dir = NULL;
  struct error ignored = {0};
  if (!h->drop && holder_allowed(ids) && runtime_holder_dir(&dir, &ignored) == 0)
    h->drop = xasprintf("%s/drop", dir);
  if (!h->drop || strlen(h->drop) >= sizeof sa.sun_path)
    return;
  memcpy(sa.sun_path, h->drop, strlen(h->drop));
  /* Never blocking: with the holder's queue full, we drop it here. */
  _cleanup_close_ int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int r = s < 0 || connect(s, (struct sockaddr *) &sa, sizeof sa) < 0 ? -errno : sync_send(s, SYNC_NSFD, 0, fd);
  if (r < 0)
    log_debug("the holder did not take the sandbox's mount namespace (%s); dropping it here", strerror(-r));
  else
    log_debug("the sandbox's mount namespace went to the holder, which unmounts it");
}

int holder_join(struct holder *h, const struct userns_plan *ids, struct error *err)
{
  _cleanup_free_ char *dir = NULL;
  int r = runtime_holder_dir(&dir, err);
  if (r < 0)
    return r;
  _cleanup_free_ char *busy = xasprintf("%s/busy", dir), *lock = xasprintf("%s/lock", dir);
  _cleanup_free_ char *state = xasprintf("%s/state", dir);
  _cleanup_close_ int lock_fd = -1;
  struct holder_state st;
  const char *why = "none is running";
  h->drop = xasprintf("%s/drop", dir);
  h->spare = xasprintf("%s/spare", dir);
  h->busy_fd = open(busy, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (h->busy_fd < 0 || (r = flock_bounded(h->busy_fd, LOCK_SH, 2000)) < 0) {
    r = error_set(err, h->busy_fd < 0 ? errno : -r, "open and lock `%s`", busy);
    goto fail;
  }
  futimens(h->busy_fd, NULL);  /* a launch: the idle time starts again */
  if (state_read(dir, &st) == 0 && holder_check(h, &st, ids, &why) == 0)
    return 0;
  close_fd(&h->pidfd);
  /* Start or replace it, one launch at a time: the others wait here, then
   * find the holder the first one made. */
  lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock_fd < 0 || (r = flock_bounded(lock_fd, LOCK_EX, 5000)) < 0) {
    r = error_set(err, lock_fd < 0 ? errno : -r, "open and lock `%s`", lock);
    goto fail;
  }
  if (state_read(dir, &st) == 0) {
    if (holder_check(h, &st, ids, &why) == 0)
      return 0;
    if (h->pidfd >= 0) {
      /* The recorded holder, with the wrong maps: its sandboxes keep their
       * namespaces, which do not need it. */
      log_debug("replacing the holder, pid %d: %s", st.pid, why);
      proc_pidfd_signal(h->pidfd, SIGKILL);
      close_fd(&h->pidfd);
    }
  }
  log_debug("no usable holder (%s): starting one", why);
  unlink(state);
  if ((r = holder_create(dir, ids, &st, err)) < 0)
    goto fail;
  if ((r = holder_check(h, &st, ids, &why)) < 0) {
    r = error_set(err, -r, "the holder just started fails its check: %s", why);
    goto fail;
  }
  return 0;
fail:
  holder_release(h);
  return r;
}

/* ----------------------------------------------------- joining a holder */

struct mid_report {
  pid_t pid;
  bool told;
  struct error err;
};

/* A sanitizer tracks each stack it knows; the mid process below runs on a
 * stack of its own, which it would not know: there, a copy of hutch does
 * the mid's part (a fork, slower, the same steps). */
#if defined(__SANITIZE_ADDRESS__)
#define MID_SHARES_MEMORY 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MID_SHARES_MEMORY 0
#endif
#endif
#ifndef MID_SHARES_MEMORY
#define MID_SHARES_MEMORY 1
#endif

struct mid_args {
  const struct holder *h;
  const struct holder_clone_opts *o;
  const struct id_map *u, *g;
  int nu, ng;
  int report;            /* the pipe's write end */
  jmp_buf *grandchild;   /* where the sandbox's first process goes on */
};

/* ------------------------------------------------- taking the spare */

/* setns into the spare's user namespace, then its network namespace (the
 * second needs the privilege the first gives). One call on a pidfd since
 * Linux 5.8; through /proc/PID/ns before. 0 when in both, 1 when in the
 * user namespace only, a negative errno when in neither. */
static int join_namespaces(int pidfd, pid_t pid)
{
  if (setns(pidfd, CLONE_NEWUSER | CLONE_NEWNET) == 0)
    return 0;
  if (errno != EINVAL)
    return -errno;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
  _cleanup_close_ int user = open(path, O_RDONLY | O_CLOEXEC);
  snprintf(path, sizeof path, "/proc/%d/ns/net", pid);
  _cleanup_close_ int net = open(path, O_RDONLY | O_CLOEXEC);
  if (user < 0 || net < 0 || setns(user, CLONE_NEWUSER) < 0)
    return -errno;
  return setns(net, CLONE_NEWNET) < 0 ? 1 : 0;
}

/* Whether the spare's stack (its file from "stack FD N" on: each layer's
 * "DEV INO CTIME_S CTIME_NS") is of exactly these layers, as they are now:
 * the same directories (an inode number can be reused by a directory made
 * after another's removal; its ctime tells them apart). */
static bool stack_is_of(const char *ids, size_t n_ids, char *const *layers, const struct layer_stat *stats, size_t n)
{
  if (n_ids != n)
    return false;
  const char *at = ids;
  for (size_t i = 0; i < n; i++) {
    unsigned long long dev, ino;
    long long sec;
    long nsec;
    int used = 0;
    if (sscanf(at, "%llu %llu %lld %ld\n%n", &dev, &ino, &sec, &nsec, &used) != 4 || used == 0)
      return false;
    at += used;
    struct stat st;
    struct layer_stat now;
    if (stats)
      now = stats[i];
    else if (stat(layers[i], &st) == 0)
      now = (struct layer_stat) {.dev = st.st_dev, .ino = st.st_ino, .ctime = st.st_ctim};
    else
      return false;
    if ((unsigned long long) now.dev != dev || (unsigned long long) now.ino != ino ||
        (long long) now.ctime.tv_sec != sec || now.ctime.tv_nsec != nsec)
      return false;
  }
  return true;
}

/* Ask the holder's next spares for a stack of these layers (DIR/stack,
 * read by stack_want_read), or for none. */
static void stack_ask(const struct holder *h, char *const *layers, size_t n)
{
  _cleanup_free_ char *path = xasprintf("%.*sstack", (int) (strlen(h->spare) - strlen("spare")), h->spare);
  if (n < STACK_MIN_LAYERS || n > STACK_MAX_LAYERS) {
    unlink(path);
    return;
  }
  size_t len = 32;
  for (size_t i = 0; i < n; i++) {
    if (strchr(layers[i], '\n'))
      return;
    len += strlen(layers[i]) + 1;
  }
  if (len > READ_FILE_SMALL / 2)  /* the holder reads no more */
    return;
  char *text = xcalloc(len, 1);
  size_t at = (size_t) snprintf(text, len, "layers %zu\n", n);
  for (size_t i = 0; i < n; i++)
    at += (size_t) snprintf(text + at, len - at, "%s\n", layers[i]);
  _cleanup_free_ char *tmp = xasprintf("%s.new.%d", path, getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || write_all(fd, text, at) < 0 || rename(tmp, path) < 0)
    unlink(tmp);
  if (fd >= 0)
    close(fd);
  free(text);
}

int holder_join_spare(struct holder *h, const struct userns_plan *ids, char *const *layers,
                      const struct layer_stat *stats, size_t n_layers, int *stack)
{
  if (stack)
    *stack = -1;
  /* Only for the map the spare has: auto's, each holder id to itself. */
  struct id_map u[MAX_NESTED_MAPS], g[MAX_NESTED_MAPS];
  int nu = userns_translate(ids->uid_map, ids->n_uid_map, ids->holder_uid_map, ids->n_holder_uid_map, u,
                            MAX_NESTED_MAPS);
  int ng = userns_translate(ids->gid_map, ids->n_gid_map, ids->holder_gid_map, ids->n_holder_gid_map, g,
                            MAX_NESTED_MAPS);
  static struct spare_maps sm;
  spare_maps_of(ids, &sm);
  if (h->pid <= 0 || !h->spare || nu < 0 || ng < 0 || !maps_equal(u, (size_t) nu, sm.u, sm.nu) ||
      !maps_equal(g, (size_t) ng, sm.g, sm.ng))
    return -EINVAL;
  /* Taken by renaming its file: of launches racing for it, one wins. */
  _cleanup_free_ char *taken = xasprintf("%s.taken.%d", h->spare, getpid());
  if (rename(h->spare, taken) < 0)
    return -errno;
  _cleanup_free_ char *text = read_file(taken, READ_FILE_SMALL, NULL);
  unlink(taken);
  pid_t pid = 0, parent = 0;
  unsigned long long start = 0, now = 0;
  char limits[128];
  _cleanup_free_ char *mine = ns_limits_text();
  if (!text || sscanf(text, "pid %d\nstart %llu\nlimits %127[0-9 ]", &pid, &start, limits) != 3 || pid <= 0)
    return -EINVAL;
  _cleanup_close_ int pidfd = proc_pidfd_open(pid);
  if (pidfd < 0)
    return -errno;
  /* The holder's child that the file names, not a process that reuses its
   * pid, nor any other process of ours (a running sandbox's, say, whose
   * namespaces we could also join): its parent is the holder we checked,
   * through a pidfd, at holder_join. Anything else is left alone. */
  if (proc_parent_start(pid, &parent, &now) < 0 || now != start || parent != h->pid)
    return -ESRCH;
  /* With our limits, and the map we would write (seen from here: the host's
   * ids, the plan's map itself). A spare of the holder's that does not fit
   * goes: the holder makes another. */
  int r = 0;
  if (strcmp(limits, mine))
    r = -EDQUOT;
  else if (!live_map_is(pid, "uid_map", ids->uid_map, ids->n_uid_map) ||
           !live_map_is(pid, "gid_map", ids->gid_map, ids->n_gid_map))
    r = -EINVAL;
  else
    r = join_namespaces(pidfd, pid);
  /* Its stack, if it is of our layers: taken before the spare goes, now
   * that we are root in its user namespace (pidfd_getfd asks for ptrace's
   * rights over it). Otherwise the next spares are asked for ours. */
  if (r >= 0 && stack) {
    const char *line = strstr(text, "\nstack ");
    int fd = -1;
    size_t n_ids = 0, used = 0;
    bool offered = line && sscanf(line, "\nstack %d %zu\n%zn", &fd, &n_ids, &used) == 2 && used > 0;
    if (offered && stack_is_of(line + used, n_ids, layers, stats, n_layers)) {
      *stack = (int) syscall(SYS_pidfd_getfd, pidfd, fd, 0);  /* close-on-exec */
      if (*stack < 0)
        log_debug("the spare's read-only overlay of the layers: pidfd_getfd: %s", strerror(errno));
    } else if (line && !offered) {
      log_debug("the holder's spares make no stack of layers: this kernel refused one");
    } else if (offered || n_layers >= STACK_MIN_LAYERS) {
      if (offered)
        log_debug("the spare's read-only overlay is of other layers (%zu), or of these as they were before", n_ids);
      stack_ask(h, layers, n_layers);  /* another stack than ours, or none yet */
    }
  }
  proc_pidfd_signal(pidfd, SIGKILL);
  if (r == 0)
    log_debug("joined the holder's spare (pid %d): the sandbox's user and network namespaces", pid);
  else if (r > 0)
    log_debug("joined the holder's spare (pid %d): its user namespace only", pid);
  else
    log_debug("the holder's spare (pid %d) did not fit: %s", pid, strerror(-r));
  return r;
}

/* The mid process: joins the holder's user namespace (setns needs a
 * process of its own: it changes what the process is), clones the
 * sandbox's first process there, writes its map, reports, exits. With
 * MID_SHARES_MEMORY it shares hutch's memory, as vfork's child does, while
 * hutch waits: it writes nothing of hutch's but what the C library does
 * for it (errno, the map's text on the heap), closes only its own copies
 * of the descriptors, and reports through the pipe, as the forked mid
 * does: first the new process's pid (so that hutch can kill it whatever
 * happens next), then the rest. The new process is a copy of the mid, so
 * of hutch's memory as it was when hutch stopped in holder_clone(): it
 * jumps back there, onto hutch's stack as it was (above this stack, so
 * _FORTIFY_SOURCE's longjmp check allows it), and holder_clone() returns 0
 * in it. */
static int mid_main(void *arg)
{
  struct mid_args *a = arg;
  const struct holder_clone_opts *o = a->o;
  struct mid_report rep = {.pid = -1};
  pid_t k = -1;
  bool in_cgroup = o->cgroup_fd >= 0;
  if (setns(a->h->userns_fd, CLONE_NEWUSER) < 0) {
    error_set(&rep.err, errno, "setns into the holder's user namespace");
  } else {
    close(a->h->userns_fd);
    close(a->h->pidfd);
    /* clone3 refuses an exit signal with CLONE_PARENT: the child takes
     * ours, SIGCHLD, which goes to our parent, hutch. Straight into the
     * sandbox's cgroup where there is one, which also roots its cgroup
     * namespace there. */
    struct clone_args ca = {.flags = o->flags | CLONE_NEWUSER | CLONE_PARENT};
    if (in_cgroup) {
      ca.flags |= CLONE_INTO_CGROUP;
      ca.cgroup = (unsigned long long) o->cgroup_fd;
    }
    k = (pid_t) syscall(SYS_clone3, &ca, sizeof ca);
    if (k < 0 && in_cgroup) {
      in_cgroup = false;
      ca.flags &= ~(unsigned long long) CLONE_INTO_CGROUP;
      ca.cgroup = 0;
      k = (pid_t) syscall(SYS_clone3, &ca, sizeof ca);
    }
    if (k == 0)
      longjmp(*a->grandchild, 1);
    if (k < 0)
      error_set(&rep.err, errno, "clone in the holder's user namespace");
  }
  /* The pid first: hutch kills the new process if no report follows. */
  if (write(a->report, &k, sizeof k) != sizeof k) {
    if (k > 0)
      kill(k, SIGKILL);
    _exit(1);
  }
  if (k > 0) {
    rep.pid = k;
    /* We are root in the holder's namespace, its parent: the map is ours
     * to write, within the holder's ids. A new process that is not in the
     * sandbox's cgroup yet is told by hutch, once hutch has placed it. */
    int r = userns_write_maps(k, a->u, (size_t) a->nu, a->g, (size_t) a->ng, &rep.err);
    if (r == 0 && (o->cgroup_fd < 0 || in_cgroup)) {
      if ((r = sync_send(o->mapped_fd, SYNC_MAPPED, 0, -1)) < 0)
        r = error_set(&rep.err, -r, "tell the new process that it is mapped");
      else
        rep.told = true;
    }
    if (r < 0)
      kill(k, SIGKILL);
  }
  _exit(write(a->report, &rep, sizeof rep) == sizeof rep ? 0 : 1);
}

pid_t holder_clone(struct holder *h, const struct userns_plan *ids, struct holder_clone_opts *o, struct error *err)
{
  struct id_map u[MAX_NESTED_MAPS], g[MAX_NESTED_MAPS];
  int nu = userns_translate(ids->uid_map, ids->n_uid_map, ids->holder_uid_map, ids->n_holder_uid_map, u,
                            MAX_NESTED_MAPS);
  int ng = userns_translate(ids->gid_map, ids->n_gid_map, ids->holder_gid_map, ids->n_holder_gid_map, g,
                            MAX_NESTED_MAPS);
  o->told = false;
  if (nu < 0 || ng < 0)
    return error_set(err, 0, "the sandbox's map does not fit in the holder's");
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return error_set(err, errno, "pipe");
  jmp_buf grandchild;
  if (setjmp(grandchild)) {
    /* The sandbox's first process, in its copy of this frame. */
    close(p[0]);
    close(p[1]);
    h->userns_fd = h->pidfd = -1;  /* closed by the mid before the clone */
    return 0;
  }
  struct mid_args a = {.h = h, .o = o, .u = u, .g = g, .nu = nu, .ng = ng, .report = p[1], .grandchild = &grandchild};
#if MID_SHARES_MEMORY
  static char mid_stack[64 * 1024] __attribute__((aligned(16)));
  pid_t mid = clone(mid_main, mid_stack + sizeof mid_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
#else
  pid_t mid = proc_clone(0, NULL);
  if (mid == 0)
    mid_main(&a);
#endif
  close(p[1]);
  _cleanup_close_ int rd = p[0];
  if (mid < 0)
    return error_set(err, errno, "start the process joining the holder");
  static struct mid_report rep;  /* two KiB: not on the stack */
  memset(&rep, 0, sizeof rep);
  pid_t child = -1;
  bool have_pid = read(rd, &child, sizeof child) == sizeof child;
  ssize_t n = have_pid ? read(rd, &rep, sizeof rep) : 0;
  proc_wait(mid);
  if (n != (ssize_t) sizeof rep || rep.err.msg[0]) {
    if (have_pid && child > 0) {
      kill(child, SIGKILL);  /* our child, through CLONE_PARENT */
      proc_wait(child);
    }
    if (n != (ssize_t) sizeof rep)
      return error_set(err, 0, "the process joining the holder ended without a word");
    *err = rep.err;
    return err->errnum ? -err->errnum : -EINVAL;
  }
  o->told = rep.told;
  return rep.pid;
}

/* ------------------------------------------------------ reset, doctor */

int holder_reset(FILE *out, struct error *err)
{
  _cleanup_free_ char *dir = NULL;
  int r = runtime_holder_dir(&dir, err);
  if (r < 0)
    return r;
  _cleanup_free_ char *lock = xasprintf("%s/lock", dir);
  _cleanup_close_ int lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock_fd < 0 || (r = flock_bounded(lock_fd, LOCK_EX, 10000)) < 0)
    return error_set(err, lock_fd < 0 ? errno : -r, "open and lock `%s`", lock);
  struct holder_state st;
  bool stopped = false;
  if (state_read(dir, &st) == 0) {
    char boot[64];
    unsigned long long start;
    read_boot_id(boot, sizeof boot);
    _cleanup_close_ int pidfd = strcmp(boot, st.boot) ? -1 : proc_pidfd_open(st.pid);
    if (pidfd >= 0 && proc_start_time(st.pid, &start) == 0 && start == st.start && proc_pidfd_signal(pidfd, SIGKILL) == 0) {
      struct pollfd p = {.fd = pidfd, .events = POLLIN};
      poll(&p, 1, 5000);  /* a pidfd is readable once the process is gone */
      fprintf(out, "stopped the holder (pid %d)\n", st.pid);
      stopped = true;
    }
  }
  if (!stopped)
    fprintf(out, "no holder was running\n");
  /* The sandboxes that run keep their namespaces; their shared locks on
   * busy go with their file, which we only unlink. */
  static const char *const files[] = {"state", "busy", "lock", "drop"};
  for (size_t i = 0; i < N_ELEMENTS(files); i++) {
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, files[i]);
    unlink(p);
  }
  /* spare, spare.new, and spare.taken.PID of a launch killed as it took it;
   * stack, and stack.new.PID of a launch killed as it wrote it. */
  DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (!strncmp(de->d_name, "spare", 5) || !strncmp(de->d_name, "stack", 5)) {
      _cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);
      unlink(p);
    }
  if (d)
    closedir(d);
  if (rmdir(dir) < 0 && errno != ENOENT)
    log_debug("rmdir `%s`: %s", dir, strerror(errno));
  else
    fprintf(out, "removed %s\n", dir);
  return 0;
}

int holder_describe(char *buf, size_t size)
{
  const char *off = getenv("HUTCH_NO_HOLDER");
  const char *note = off && *off && strcmp(off, "0") ? " (HUTCH_NO_HOLDER is set: launches do not use it)" : "";
  struct error e = {0};
  _cleanup_free_ char *dir = NULL;
  struct holder_state st;
  if (runtime_holder_dir(&dir, &e) < 0 || state_read(dir, &st) < 0) {
    snprintf(buf, size, "none running; the next launch with subordinate ids starts one%s", note);
    return 1;
  }
  char boot[64];
  unsigned long long start;
  read_boot_id(boot, sizeof boot);
  _cleanup_close_ int pidfd = strcmp(boot, st.boot) ? -1 : proc_pidfd_open(st.pid);
  if (pidfd < 0 || proc_start_time(st.pid, &start) < 0 || start != st.start) {
    snprintf(buf, size, "none running (a stale record in %s, replaced at the next launch)%s", dir, note);
    return 1;
  }
  struct id_map u[MAX_ID_MAPS], g[MAX_ID_MAPS];
  size_t nu = 0, ng = 0;
  maps_read(st.pid, "uid_map", u, MAX_ID_MAPS, &nu);
  maps_read(st.pid, "gid_map", g, MAX_ID_MAPS, &ng);
  /* Its spare, if it has one ready: the file names its live child. */
  _cleanup_free_ char *spare_path = xasprintf("%s/spare", dir);
  _cleanup_free_ char *spare_text = read_file(spare_path, READ_FILE_SMALL, NULL);
  pid_t sp = 0, parent = 0;
  unsigned long long sp_start = 0;
  char spare[160] = "; no spare ready (the next launch makes its own namespaces)";
  const char *stack = spare_text ? strstr(spare_text, "\nstack ") : NULL;
  int stack_fd = -1;
  size_t stack_n = 0;
  if (!stack || sscanf(stack, "\nstack %d %zu", &stack_fd, &stack_n) != 2)
    stack_n = 0;
  if (spare_text && sscanf(spare_text, "pid %d", &sp) == 1 && sp > 0 &&
      proc_parent_start(sp, &parent, &sp_start) == 0 && parent == st.pid) {
    char with[64] = "";
    if (stack_n)
      snprintf(with, sizeof with, ", with a read-only overlay of its %zu layers", stack_n);
    snprintf(spare, sizeof spare, "; the next launch's namespaces made ahead (spare, pid %d%s)", sp, with);
  }
  snprintf(buf, size, "running, pid %d, in %s; %zu uid and %zu gid map lines; exits after %u s with no sandbox%s; "
           "`hutch system reset` stops it%s", st.pid, dir, nu, ng, st.idle, spare, note);
  return 0;
}
