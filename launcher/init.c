/* init.c: pid 1 of the sandbox.
 *
 * It builds the root (rootfs_build), forks the command (which waits for
 * hutch's GO, with a keeper or a terminal)
 * and then only reaps zombies and passes signals on. When the command exits,
 * init exits with its status, and the kernel kills whatever the command left
 * running in the pid namespace.
 *
 * It holds every capability of the sandbox's user namespace and no seccomp
 * filter or Landlock ruleset (those are the command's). So it must not read
 * anything from the sandbox but signals and its children's exit statuses,
 * must not keep a descriptor of the host (close_inherited runs first), and
 * must not exec.
 *
 * init never execs: it is a copy of the hutch binary. It is made non-dumpable
 * first thing, so nothing in the sandbox can open /proc/1/exe (hutch, which
 * the user owns and could be tricked into overwriting), /proc/1/fd or
 * /proc/1/root, or ptrace it.
 *
 * Without a keeper (run.c's direct path), init is hutch's own child and
 * does the keeper's part first (direct_stages): it waits for its map (only
 * then non-dumpable: hutch writes the map through /proc/PID), and mounts
 * the overlay in its own mount namespace, before anything of the sandbox
 * runs. Then the same stages as above.
 */
#define _GNU_SOURCE
#include "init.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "exec.h"
#include "net.h"
#include "netns-beside.h"
#include "proc.h"
#include "sync.h"
#include "tty.h"
#include "util.h"

static const int passed_on[] = SYNC_FORWARDED_SIGNALS;

struct init {
  struct launch *l;
  int sigfd;           /* the signals passed on, and SIGCHLD */
  int pty_slave;       /* the command's terminal, or -1 */
  pid_t command;
  bool direct;         /* hutch's own child, without a keeper */
  int net_sock;        /* our network namespace comes on it (netns-beside.c), or -1 */
};

/* ----------------------------------------------------------------- stages */

/* Not dumpable, dying with the keeper (or hutch), and holding nothing but stdio, the
 * preserved descriptors and the keeper's socket (hutch made sure its own
 * descriptors sit above the preserved range). Signals arrive on a
 * signalfd: pid 1 gets only those it has a handler for, or blocks. */
static int init_setup(struct init *in, struct error *err)
{
  struct launch *l = in->l;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_DUMPABLE, 0);
  proc_set_title("hutch-init");
  /* Closed from the preserved range on, but for the keeper's socket and
   * the socket our network namespace comes on (netns-beside.c). */
  int keep[] = {l->keeper_sock, in->net_sock};
  proc_close_all_but(3 + (unsigned int) l->plan->preserve_fds, keep, N_ELEMENTS(keep));
  l->parent_sock = l->parent_pidfd = l->rt.dir_fd = l->rt.lock_fd = -1;
  sigset_t mask;
  sigemptyset(&mask);
  for (size_t i = 0; i < N_ELEMENTS(passed_on); i++)
    sigaddset(&mask, passed_on[i]);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  in->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
  return in->sigfd < 0 ? error_set(err, errno, "signalfd") : 0;
}

/* A joinable sandbox's namespaces, for hutch exec: the keeper cannot open
 * them itself (init is not dumpable, so the kernel refuses it /proc/1/ns
 * and setns through a pidfd). */
static int send_namespaces(struct init *in, struct error *err)
{
  int r = 0;
  static const char *const names[] = SYNC_NAMESPACES;
  for (int i = 0; r == 0 && in->l->joinable && i < SYNC_N_NAMESPACES; i++) {
    _cleanup_free_ char *path = xasprintf("/proc/self/ns/%s", names[i]);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return error_set(err, errno, "open `%s`", path);
    r = sync_send(in->l->keeper_sock, SYNC_NSFD, i, fd);
  }
  return r;
}

/* lo, in a network namespace of our own (not with --network host). */
static int bring_lo_up(const struct init *in, struct error *err)
{
  return in->l->plan->network == NET_HOST ? 0 : net_loopback_up(err);
}

/* Without a keeper, init has done it already (early_loopback below). */
static int loopback_up(struct init *in, struct error *err)
{
  return in->direct ? 0 : bring_lo_up(in, err);
}

static int build_root(struct init *in, struct error *err)
{
  int r = rootfs_build(in->l->plan, &in->l->rt, &in->l->ov, &in->net_sock, err);
  /* A plan without /sys joins here (netns_beside_join does nothing twice). */
  return r < 0 ? r : netns_beside_join(&in->net_sock, err);
}

static int set_hostname(struct init *in, struct error *err)
{
  const char *h = in->l->plan->hostname;
  if (sethostname(h, strlen(h)) < 0)
    return error_set(err, errno, "sethostname `%s`", h);
  return 0;
}

static int finish_root(struct init *in, struct error *err)
{
  return rootfs_finish(in->l->plan, err);
}

/* sync 5: a pty of the sandbox's own devpts, for a caller on a terminal. */
static int open_pty(struct init *in, struct error *err)
{
  if (!in->l->plan->tty)
    return 0;
  _cleanup_close_ int master = -1;
  int r = tty_open_pair(&master, &in->pty_slave, err);
  return r < 0 ? r : sync_send(in->l->keeper_sock, SYNC_PTY, 0, master);
}

/* sync 6. Without a keeper, READY carries our mount namespace, which
 * hutch reads only once we are gone (run.c's read_init_messages): there it
 * is held until the holder drops it. */
static int ready(struct init *in, struct error *err)
{
  (void) err;
  _cleanup_close_ int mnt = in->direct ? open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC) : -1;
  sync_send(in->l->keeper_sock, SYNC_READY, 0, mnt);
  return 0;
}

/* Whether the command waits for GO (sync 7): with a keeper, whose hutch
 * may still wait for the network helper, and for a command with a
 * terminal, whose window size hutch sets first. Without either, hutch has
 * nothing to set up before the command runs (no network helper, no
 * forwarder), and a launch hutch stops from now on kills us, and the
 * command with us. The command's process waits for it itself, as late as
 * it can (exec.c): what it does before runs while hutch waits. */
static bool waits_for_go(const struct init *in)
{
  return !in->direct || in->l->plan->tty;
}

/* Start the command with vfork: a child sharing init's memory, init
 * suspended until it execs or exits, so no copy of init's page tables is
 * made (fork's cost grows with the size of hutch's image). The child may
 * write only its own stack and what exec_command() writes on purpose: its
 * error, into the close-on-exec pipe that carries it back (on success exec
 * just closes it), and `environ`, set to the command's environment for
 * execvp's PATH search; init never reads its environment again. It never
 * returns from exec_command(). Nothing in init has a signal handler (pid 1
 * takes signals on a signalfd), so no handler can run on the shared memory
 * in the child; libcap-ng's per-thread state is first used in the child,
 * and init never uses it afterwards. */
static int start_command(struct init *in, struct error *err)
{
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) < 0)
    return error_set(err, errno, "pipe");
  pid_t pid = vfork();
  if (pid < 0) {
    close(errpipe[0]);
    close(errpipe[1]);
    return error_set(err, errno, "vfork the command");
  }
  if (pid == 0)
    exec_command(in->l, errpipe[1], in->pty_slave, waits_for_go(in) ? in->l->keeper_sock : -1);
  in->command = pid;
  close(errpipe[1]);
  close_fd(&in->pty_slave);
  ssize_t n;
  while ((n = read(errpipe[0], err, sizeof *err)) < 0 && errno == EINTR)
    ;
  close(errpipe[0]);
  if (n == (ssize_t) sizeof *err) {
    sync_send_error(in->l->keeper_sock, err);
    _exit(err->status);
  }
  return 0;
}

/* sync 7b: the exec went through (start_command read no error). For the
 * keeper, whose detached run returns there; hutch without one does not
 * wait for it. */
static int send_started(struct init *in, struct error *err)
{
  (void) err;
  if (!in->direct)
    sync_send(in->l->keeper_sock, SYNC_STARTED, 0, -1);
  return 0;
}

struct stage {
  const char *name;
  int (*run)(struct init *in, struct error *err);
};

static const struct stage stages[] = {
  {"setup", init_setup},
  {"send namespaces", send_namespaces},
  {"loopback up", loopback_up},
  {"build root, pivot", build_root},
  {"hostname", set_hostname},
  {"finish root", finish_root},
  {"open pty", open_pty},
  {"ready", ready},
  {"exec command", start_command},
  {"started", send_started},
};

/* ------------------------------------------------- without a keeper */

/* sync 2, when init is hutch's own child (run.c's direct path): hutch maps
 * us, as it maps the keeper otherwise, and we settle as the keeper does,
 * then take a session of our own (the terminal's signals are hutch's to
 * pass on). Our parent is outside our pid namespace, where getppid() says
 * 0: whether hutch still lives, around the two points where the
 * parent-death signal is set, is asked of its pidfd. */
static bool parent_gone(const struct launch *l)
{
  struct pollfd p = {.fd = l->parent_pidfd, .events = POLLIN};
  return poll(&p, 1, 0) != 0;
}

/* Before the map, lo: nothing in it needs the map (init holds every
 * capability of its user namespace from the clone on), and it runs while
 * the process that cloned init writes the map, so that init seldom has to
 * sleep for MAPPED (on a VM, a sleeping process takes 0.1-0.2 ms to run
 * again). Not in a namespace that came with lo up: the holder's spare, or
 * one made beside (netns-beside.c), which build_root joins. */
static int early_loopback(struct init *in, struct error *err)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  return in->l->lo_up ? 0 : bring_lo_up(in, err);
}

static int wait_mapped(struct init *in, struct error *err)
{
  struct launch *l = in->l;
  struct sync_msg m;
  if (parent_gone(l) || (!l->mapped && sync_expect(l->keeper_sock, SYNC_MAPPED, &m, NULL, err) < 0))
    _exit(EXIT_HUTCH_FAILED);  /* hutch gave up before mapping us; nobody to tell */
  proc_settle_mapped(SIGKILL);
  if (parent_gone(l))
    _exit(EXIT_HUTCH_FAILED);
  setsid();
  return 0;
}

/* The keeper's chore: run directories that a killed keeper left, removed
 * before our tmpfs covers them. A look into an empty directory when there
 * are none. */
static int reap_stale(struct init *in, struct error *err)
{
  (void) err;
  runtime_reap_stale(&in->l->rt);
  return 0;
}

/* The keeper's part: the overlay, in our own mount namespace. */
static int mount_overlay(struct init *in, struct error *err)
{
  int r = rootfs_mount_overlay_private(in->l->plan, &in->l->rt, &in->l->ov, &in->l->stack_fd, err);
  if (r < 0 && in->l->plan->overlay == OVERLAY_AUTO)
    err->status = SYNC_STATUS_NEEDS_KEEPER;
  return r;
}

static const struct stage direct_stages[] = {
  {"loopback up, before the map", early_loopback},
  {"mapped", wait_mapped},
  {"reap stale run dirs", reap_stale},
  {"mount overlay in memory", mount_overlay},
};

/* ---------------------------------------------------------------- running */

unsigned long long init_namespaces(const struct plan *p)
{
  unsigned long long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
  /* With a network helper the keeper has made the sandbox's network
   * namespace (keeper.c's early_netns), and init is cloned into it. */
  return p->network == NET_HOST || net_has_helper(p) ? flags : flags | CLONE_NEWNET;
}

/* Pass signals on, reap every child, and return the command's status once
 * it exits. */
static int wait_command(struct init *in)
{
  for (;;) {
    struct signalfd_siginfo si;
    ssize_t n = read(in->sigfd, &si, sizeof si);
    if (n != sizeof si)
      continue;
    if (si.ssi_signo != SIGCHLD) {
      kill(in->command, (int) si.ssi_signo);
      continue;
    }
    int ws;
    pid_t p;
    while ((p = waitpid(-1, &ws, WNOHANG)) > 0)
      if (p == in->command) {
        log_stage("init", "command exited");
        return proc_exit_status(ws);
      }
  }
}

static void run_stages(struct init *in, const struct stage *list, size_t n)
{
  struct error err = {0};
  for (size_t i = 0; i < n; i++) {
    if (list[i].run(in, &err) < 0) {
      sync_send_error(in->l->keeper_sock, &err);
      _exit(EXIT_HUTCH_FAILED);
    }
    log_stage("init", list[i].name);
  }
}

void init_main(struct launch *l)
{
  struct init in = {.l = l, .sigfd = -1, .pty_slave = -1, .net_sock = -1};
  run_stages(&in, stages, N_ELEMENTS(stages));
  _exit(wait_command(&in));
}

void init_main_direct(struct launch *l)
{
  struct init in = {.l = l, .sigfd = -1, .pty_slave = -1, .direct = true, .net_sock = l->net_sock};
  run_stages(&in, direct_stages, N_ELEMENTS(direct_stages));
  run_stages(&in, stages, N_ELEMENTS(stages));
  _exit(wait_command(&in));
}
