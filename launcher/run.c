/* run.c: the recipe of one launch. hutch (the parent, on the host) has a
 * complete plan; it starts the keeper and walks it and the sandbox's init
 * through the numbered steps of sync.h.
 *
 *   hutch (host, the caller's uid)
 *     └ keeper   (new user + mount namespace; mounts the overlay, cleans up)
 *         └ init (new pid, mount, ipc, uts, cgroup, net namespaces; pid 1)
 *             └ the command
 *
 * The keeper stays outside the sandbox's pid namespace, so nothing in the
 * sandbox can see or trace it, and it is the one process that can remove
 * files owned by subordinate ids. If hutch is killed, even with SIGKILL, the
 * keeper gets its parent-death signal, kills init (and with it the whole pid
 * namespace), unmounts and removes the run directory.
 *
 * Most launches need no keeper (launch_needs_keeper): with the kernel
 * overlay, the writes in memory, no FUSE server, no network helper and no
 * published port, the direct path below clones init itself, in every
 * namespace at once, and init mounts the overlay on a tmpfs in its own
 * mount namespace (rootfs_mount_overlay_private):
 *
 *   hutch (host)
 *     └ init (new user, pid, mount, ipc, uts, cgroup, net namespaces)
 *         └ the command
 *
 * Nothing of it is on disk and nothing needs undoing: when init dies (the
 * command exited, or hutch died and its parent-death signal came), the
 * kernel frees the namespaces and every mount in them.
 */
#define _GNU_SOURCE
#include "run.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup.h"
#include "dbusproxy.h"
#include "holder.h"
#include "init.h"
#include "keeper.h"
#include "net.h"
#include "netns-beside.h"
#include "proc.h"
#include "sync.h"
#include "tty.h"
#include "userns.h"
#include "util.h"
#include "xnest.h"

static const int forwarded[] = SYNC_FORWARDED_SIGNALS;

/* hutch's side of a launch: what it holds, and what to undo. */
struct parent {
  struct launch l;
  int sigfd;
  struct tty_relay *tty;
  struct net_helper net;
  bool mapped;          /* the keeper owns the run directory from here on */
  const struct run_monitor *mon; /* or NULL */
  struct holder holder; /* joined, when the launch maps through the holder */
  bool holder_mapped;   /* the keeper was cloned mapped, in the holder's namespace */
  bool told_mapped;     /* ... and told so by the process that mapped it */
  struct dbusproxy dbus; /* hutch app's helpers (dbusproxy.h, xnest.h) */
  struct xnest xnest;
  pid_t init_pid;       /* without a keeper: init, hutch's own child */
  int init_pidfd;
  int mntns_fd;         /* init's mount namespace, for the holder to drop */
  struct cgroup_sandbox cg; /* the sandbox's own cgroup (cgroup.c), if any */
  int into_cgroup_fd;   /* while init is cloned: its cgroup, or -1 */
  struct netns_beside beside; /* the sandbox's namespaces made beside (netns-beside.c) */
};

struct stage {
  const char *name;
  int (*run)(struct parent *h, struct error *err);
};

/* ----------------------------------------------------------------- stages */

void run_prepare_fds(int preserve_fds)
{
  for (int fd = 3; fd < 3 + preserve_fds; fd++)
    if (fcntl(fd, F_GETFD) < 0) {
      int n = open("/dev/null", O_RDWR | O_CLOEXEC);
      if (n >= 0 && n != fd) {
        dup2(n, fd);
        close(n);
      }
    }
  syscall(SYS_close_range, 3 + preserve_fds, ~0U, 0);
}

/* The terminal, and the signals hutch passes on, read from a signalfd. */
static int setup_parent(struct parent *h, struct error *err)
{
  /* A reader of our output that goes away must not kill hutch with the
   * caller's terminal still raw: writes fail with EPIPE instead. The command
   * gets the caller's disposition back (exec_command): the one hutch found
   * at its first launch, not what an earlier launch of this process (a
   * restart, a retry with a keeper) left. */
  static int caller_ignored = -1;
  bool was = signal(SIGPIPE, SIG_IGN) == SIG_IGN;
  if (caller_ignored < 0)
    caller_ignored = was;
  h->l.sigpipe_ignored = caller_ignored;
  sigset_t mask;
  sigemptyset(&mask);
  for (size_t i = 0; i < N_ELEMENTS(forwarded); i++)
    sigaddset(&mask, forwarded[i]);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  h->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
  return h->sigfd < 0 ? error_set(err, errno, "signalfd") : 0;
}

/* The sandbox's cgroup, before hutch starts any process (cgroup.c). */
static int make_cgroup(struct parent *h, struct error *err)
{
  return cgroup_sandbox_make(&h->l.plan->limits.cgroup, getpid(), &h->cg, err);
}

/* The run directory: the keeper mounts and writes there. */
static int make_run_dir(struct parent *h, struct error *err)
{
  h->l.joinable = h->mon != NULL;
  if (h->mon && h->mon->rw_kept) {
    h->l.rt.rw_kept = xstrdup(h->mon->rw_kept);
    h->l.rt.rw_keep = h->mon->rw_keep;
  }
  return runtime_create(&h->l.rt, h->l.plan->upper_on_disk, err);
}

/* hutch itself has joined the sandbox's user namespace, the holder's
 * spare or one made beside (clone_with_sock, clone_beside): a state of the
 * process, which setns cannot undo. A
 * launch started again with a keeper (run_sandbox) clones the keeper from
 * there, mapped already, and neither joins the holder (whose checks would
 * fail from inside) nor maps with the helpers. */
static bool in_spare;

/* The holder (holder.c), when the launch may use one: never fails the
 * launch; without it the helpers map the keeper as before. */
static int join_holder(struct parent *h, struct error *err)
{
  (void) err;
  struct error herr = {0};
  if (in_spare)
    return 0;
  if (holder_wanted(&h->l.plan->ids) && holder_join(&h->holder, &h->l.plan->ids, &herr) < 0)
    log_debug("no holder for this launch (%s); mapping with newuidmap/newgidmap", herr.msg);
  return 0;
}

/* hutch app's helpers, the D-Bus proxy and the nested X server: started
 * before the keeper, so that their sockets, in the run directory, exist
 * when init builds the root; stopped in finish(), and dead with hutch. */
static int start_app_helpers(struct parent *h, struct error *err)
{
  int r = xnest_start(&h->l.plan->xnest, h->l.rt.dir, &h->xnest, err);
  return r < 0 ? r : dbusproxy_start(&h->l.plan->dbus, h->l.rt.dir, &h->dbus, err);
}

/* clone3 in the holder's user namespace, which the new one is nested in
 * and mapped from, already (holder.c). sync 2 (MAPPED) is sent by the
 * process that maps the child, unless the child still has to be moved into
 * the sandbox's cgroup: then map_ids does, after. Returns as fork(), or -1
 * (no child, the holder released) when the holder cannot be used. */
static pid_t clone_in_holder(struct parent *h, unsigned long long flags, int sock)
{
  struct error herr = {0};
  struct holder_clone_opts o = {.flags = CLONE_NEWUSER | flags, .cgroup_fd = h->into_cgroup_fd, .mapped_fd = sock};
  pid_t pid = holder_clone(&h->holder, &h->l.plan->ids, &o, &herr);
  if (pid < 0) {
    log_debug("cannot use the holder (%s); mapping with newuidmap/newgidmap", herr.msg);
    holder_release(&h->holder);
    return -1;
  }
  if (pid > 0) {
    h->holder_mapped = true;
    h->told_mapped = o.told;
  }
  return pid;
}

/* clone3 in the holder's spare, which hutch has joined (holder.c): its
 * user namespace is mapped and its network namespace has lo up; init gets
 * the other namespaces of flags. map_ids sends MAPPED. Returns as fork(). */
static pid_t clone_in_spare(struct parent *h, unsigned long long flags, bool with_net, bool direct,
                            struct error *err)
{
  unsigned long long rest = with_net ? flags & ~(unsigned long long) CLONE_NEWNET : flags;
  pid_t pid = -1;
  if (h->into_cgroup_fd >= 0 && (pid = proc_clone_into(rest, h->into_cgroup_fd)) < 0)
    log_debug("clone into the sandbox's cgroup: %s; moving init there after", strerror(errno));
  /* init, mapped before it was born: only a move into the cgroup, after
   * the clone, is left for it to wait for (MAPPED, from map_ids). A keeper
   * waits for MAPPED whatever. */
  bool settled = direct && (pid >= 0 || h->into_cgroup_fd < 0);
  if (pid < 0)
    pid = proc_clone(rest, NULL);
  if (pid < 0)
    return error_set(err, errno, "clone in the sandbox's user namespace (the holder's spare, or made beside)");
  if (pid == 0) {
    h->l.lo_up = with_net && direct;
    h->l.mapped = settled;
  } else {
    h->holder_mapped = true;
    h->told_mapped = settled;
  }
  return pid;
}

/* A clone with CLONE_NEWUSER refused with r: the fix, where the machine
 * refuses unprivileged user namespaces. Returns r. */
static int userns_refused(int r, struct error *err)
{
  if (r == -EPERM || r == -ENOSPC)
    error_fix(err, "unprivileged user namespaces are disabled here: check `sysctl user.max_user_namespaces` "
                   "(must be > 0), on Ubuntu `kernel.apparmor_restrict_unprivileged_userns=0`, on old Debian "
                   "`kernel.unprivileged_userns_clone=1`; `hutch doctor` checks them all");
  return r;
}

/* clone3 into a new user namespace and the namespaces of flags, made
 * together so that they are owned by it; map_ids maps it with the helpers.
 * Returns as fork(). */
static pid_t clone_userns(struct parent *h, unsigned long long flags, struct error *err)
{
  pid_t pid = -1;
  if (h->into_cgroup_fd >= 0 && (pid = proc_clone_into(CLONE_NEWUSER | flags, h->into_cgroup_fd)) < 0)
    log_debug("clone into the sandbox's cgroup: %s; moving init there after", strerror(errno));
  if (pid < 0)
    pid = proc_clone(CLONE_NEWUSER | flags, NULL);
  if (pid < 0) {
    int e = errno;
    error_set(err, e, "cannot create a user namespace (clone)");
    return userns_refused(-e, err);
  }
  return pid;
}

/* init, where no spare of the holder's serves the launch: its user
 * namespace made by a child of ours that makes the network namespace
 * meanwhile (netns-beside.c). We map that user namespace through the
 * child's pid and join it, for good, as the holder's spare, then clone
 * init in it, mapped from birth; init joins the network namespace, which
 * comes on the socket it inherits, before it mounts /sys. Returns as
 * fork(). */
static pid_t clone_beside(struct parent *h, unsigned long long flags, struct error *err)
{
  int r = netns_beside_start(&h->beside, err);
  if (r < 0)
    return userns_refused(r, err);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int) h->beside.pid);
  _cleanup_close_ int userns = open(path, O_RDONLY | O_CLOEXEC);
  if (userns < 0)
    return error_set(err, errno, "open `%s`", path);
  if ((r = userns_apply(&h->l.plan->ids, h->beside.pid, err)) < 0)
    return r;
  if (setns(userns, CLONE_NEWUSER) < 0)
    return error_set(err, errno, "join the sandbox's user namespace");
  netns_beside_release(&h->beside);
  in_spare = true;
  log_stage("hutch", "user namespace made beside, mapped");
  h->l.net_sock = h->beside.sock;
  pid_t pid = clone_in_spare(h, flags, true, true, err);
  if (pid != 0) {
    h->l.net_sock = -1;
    close_fd(&h->beside.sock);  /* init's now, or no one's */
  }
  return pid;
}

/* clone_userns, with a socket between hutch (parent_sock) and the child,
 * which finds its end in *child_end (in its copy of the launch) and runs
 * child_main. Returns the child's pid. */
static pid_t clone_with_sock(struct parent *h, unsigned long long flags, int *child_end,
                             void (*child_main)(struct launch *l), struct error *err)
{
  int sp[2];
  int r = sync_pair(sp, err);
  if (r < 0)
    return r;
  bool tried = h->holder.pid > 0;
  pid_t pid = -1;
  /* 0: in the spare's user and network namespaces; 1 or in_spare: in its
   * user namespace (holder_join_spare); < 0: not in it. */
  int joined = in_spare ? 1 : -1;
  const struct plan *p = h->l.plan;
  /* Without a keeper, init mounts the overlay of the layers itself: on the
   * spare's read-only overlay of them, if it has one (holder.c). */
  bool stacks = child_main == init_main_direct && !p->squashfs;
  if (!in_spare && tried && (flags & CLONE_NEWNET))
    joined = holder_join_spare(&h->holder, &p->ids, p->layers, p->layer_stats, p->n_layers,
                               stacks ? &h->l.stack_fd : NULL);
  if (joined >= 0) {
    /* In the spare's user namespace now, for good: no fallback from here,
     * and a relaunch with a keeper (run_sandbox) starts from here too. */
    in_spare = true;
    pid = clone_in_spare(h, flags, joined == 0, child_main == init_main_direct, err);
    if (pid != 0)
      close_fd(&h->l.stack_fd);  /* init's now, or no one's */
    if (pid < 0) {
      close(sp[0]);
      close(sp[1]);
      return pid;
    }
    tried = false;
  } else if (tried) {
    pid = clone_in_holder(h, flags, sp[0]);
  }
  if (pid < 0 && tried) {
    /* A message for a child that is gone may wait in the old pair. */
    close(sp[0]);
    close(sp[1]);
    if ((r = sync_pair(sp, err)) < 0)
      return r;
  }
  if (pid < 0 && child_main == init_main_direct && (flags & CLONE_NEWNET))
    pid = clone_beside(h, flags, err);
  else if (pid < 0)
    pid = clone_userns(h, flags, err);
  if (pid < 0) {
    close(sp[0]);
    close(sp[1]);
    return pid;
  }
  if (pid == 0) {
    close(sp[0]);
    close_fd(&h->into_cgroup_fd);  /* the host's cgroupfs: never inside */
    *child_end = sp[1];
    child_main(&h->l);
    _exit(EXIT_HUTCH_FAILED);  /* not reached */
  }
  close(sp[1]);
  h->l.parent_sock = sp[0];
  return pid;
}

static int spawn_keeper(struct parent *h, struct error *err)
{
  struct launch *l = &h->l;
  /* The keeper may mount in its mount namespace, which its user namespace
   * owns. */
  pid_t pid = clone_with_sock(h, CLONE_NEWNS, &l->parent_sock, keeper_main, err);
  if (pid < 0)
    return pid;
  l->keeper_pid = pid;
  portfwd_close_listeners(&l->pf);  /* the keeper holds them now */
  return 0;
}

/* sync 2: the keeper is in its user namespace; map it. */
static int map_ids(struct parent *h, struct error *err)
{
  pid_t pid = h->init_pid > 0 ? h->init_pid : h->l.keeper_pid;
  int r = h->holder_mapped ? 0 : userns_apply(&h->l.plan->ids, pid, err);
  if (r < 0)
    return r;
  h->mapped = true;
  if (!h->told_mapped && (r = sync_send(h->l.parent_sock, SYNC_MAPPED, 0, -1)) < 0)
    return error_set(err, -r, "the %s ended before it was mapped", h->init_pid > 0 ? "sandbox's init" : "keeper");
  return 0;
}

/* A terminating signal during setup, before there is a command to pass it
 * to, stops the launch: everything is cleaned up and hutch exits 128+N. */
static int setup_interrupted(int sigfd, struct error *err)
{
  struct signalfd_siginfo si;
  if (read(sigfd, &si, sizeof si) != sizeof si)
    return 0;
  if (!proc_signal_stops((int) si.ssi_signo))
    return 0;  /* SIGWINCH, SIGUSR1/2: nothing to do yet */
  error_set(err, 0, "stopped by signal %u during setup; nothing was left running", si.ssi_signo);
  err->status = EXIT_SIGNAL_BASE + (int) si.ssi_signo;
  return -EINTR;
}

/* Wait for one step of the protocol, or a signal that stops the launch.
 * A step that has come is taken first; a signal that came with it stays
 * for the next wait, or, after the last step, for supervise_direct, which
 * passes it on to the command. */
static int wait_step(struct parent *h, enum sync_type type, struct sync_msg *m, int *passfd, struct error *err)
{
  for (;;) {
    struct pollfd p[2] = {{.fd = h->l.parent_sock, .events = POLLIN}, {.fd = h->sigfd, .events = POLLIN}};
    if (poll(p, 2, -1) < 0 && errno != EINTR)
      return error_set(err, errno, "poll");
    if (p[0].revents)
      return sync_expect(h->l.parent_sock, type, m, passfd, err);
    if ((p[1].revents & POLLIN) && setup_interrupted(h->sigfd, err) < 0)
      return -EINTR;
  }
}

/* sync 4 */
static int wait_init(struct parent *h, struct error *err)
{
  struct sync_msg m;
  int r = wait_step(h, SYNC_SANDBOX_PID, &m, NULL, err);
  if (r == 0)
    log_debug("the sandbox's init is pid %d in the keeper's namespace", m.value);
  return r < 0 ? r : cgroup_sandbox_place(&h->cg, m.value, err);
}

/* sync 3: the network helper starts on the sandbox's network namespace
 * (the keeper's first step) while init builds the root. */
static int start_network(struct parent *h, struct error *err)
{
  if (!net_has_helper(h->l.plan))
    return 0;
  struct sync_msg m;
  _cleanup_close_ int netns = -1, routes = -1;
  int r = wait_step(h, SYNC_NETNS, &m, &netns, err);
  if (r == 0 && net_watches_routes(h->l.plan))
    r = wait_step(h, SYNC_ROUTES, &m, &routes, err);
  return r < 0 ? r : net_start(h->l.plan, &h->l.rt, netns, routes, &h->net, err);
}

/* sync 5: the pty master, if the command gets a terminal. */
static int start_tty(struct parent *h, struct error *err)
{
  if (!h->l.plan->tty)
    return 0;
  struct sync_msg m;
  int master = -1;
  int r = wait_step(h, SYNC_PTY, &m, &master, err);
  return r < 0 ? r : tty_relay_start(h->tty, master, err);
}

/* sync 6: root built. */
static int wait_ready(struct parent *h, struct error *err)
{
  struct sync_msg m;
  return wait_step(h, SYNC_READY, &m, NULL, err);
}

static int wait_network(struct parent *h, struct error *err)
{
  int r;
  while ((r = net_wait_ready(h->l.plan, &h->net, h->sigfd, err)) == -EINTR)
    if ((r = setup_interrupted(h->sigfd, err)) < 0)
      return r;
  return r;
}

/* sync 7 */
static int send_go(struct parent *h, struct error *err)
{
  int r = sync_send(h->l.parent_sock, SYNC_GO, 0, -1);
  return r < 0 ? error_set(err, -r, "the sandbox ended before it could start the command") : 0;
}

static const struct stage stages[] = {
  {"setup", setup_parent},
  {"cgroup", make_cgroup},
  {"run directory", make_run_dir},
  {"app helpers", start_app_helpers},
  {"join holder", join_holder},
  {"clone keeper", spawn_keeper},
  {"write id maps", map_ids},
  {"start network helper", start_network},
  {"init started", wait_init},
  {"terminal relay", start_tty},
  {"sandbox ready", wait_ready},
  {"network ready", wait_network},
  {"go", send_go},
};

/* ------------------------------------------------------------ supervising */

/* A signal to hutch goes to the sandbox: as a request to the keeper, or
 * straight to init without one; a SIGWINCH resizes the terminal. */
static void pass_signal(struct parent *h)
{
  struct signalfd_siginfo si;
  if (read(h->sigfd, &si, sizeof si) != sizeof si)
    return;
  if (si.ssi_signo == SIGWINCH && h->tty->master >= 0)
    tty_resize(h->tty);
  else if (h->init_pidfd >= 0)
    proc_pidfd_signal(h->init_pidfd, (int) si.ssi_signo);
  else
    sync_send(h->l.parent_sock, SYNC_REQ_SIGNAL, (int) si.ssi_signo, -1);
}

/* After GO: relay the terminal, pass signals on as requests to the keeper,
 * wait for EXIT. */
static int supervise(struct parent *h, struct error *err)
{
  struct launch *l = &h->l;
  for (;;) {
    struct pollfd p[2 + TTY_POLLFDS + RUN_MONITOR_FDS] = {
      {.fd = l->parent_sock, .events = POLLIN},
      {.fd = h->sigfd, .events = POLLIN},
    };
    tty_poll_fds(h->tty, p + 2);
    struct pollfd *mp = p + 2 + TTY_POLLFDS;
    for (size_t i = 0; i < RUN_MONITOR_FDS; i++)
      mp[i] = (struct pollfd) {.fd = h->mon ? h->mon->fds[i] : -1, .events = POLLIN};
    if (poll(p, N_ELEMENTS(p), -1) < 0) {
      if (errno == EINTR)
        continue;
      return error_set(err, errno, "poll");
    }
    if (p[1].revents & POLLIN) {
      pass_signal(h);
    }
    tty_handle(h->tty, p + 2);
    for (size_t i = 0; h->mon && i < RUN_MONITOR_FDS; i++)
      if (mp[i].fd >= 0 && mp[i].revents)
        h->mon->event(h->mon->ctx, mp[i].fd, mp[i].revents, l->parent_sock);
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      struct sync_msg m;
      int r = sync_recv(l->parent_sock, &m, NULL);
      if (r < 0)
        return error_set(err, 0, "the sandbox's keeper ended without a status\nrun with --log-level debug to see how far the launch got");
      if (m.type == SYNC_STARTED && h->mon && h->mon->started)
        h->mon->started(h->mon->ctx);
      if (m.type == SYNC_ERROR) {
        *err = m.err;
        continue;  /* the EXIT that follows ends the loop */
      }
      if (m.type == SYNC_EXIT) {
        tty_drain(h->tty);
        /* After an ERROR, its status (126, 127...) is the one to report. */
        return err->msg[0] ? err->status : m.value;
      }
    }
  }
}

/* After a launch on either path, however it went: stop what hutch runs
 * itself; kill init where it is hutch's own child (with it go its pid
 * namespace, its mounts and the tmpfs), or let the keeper finish its
 * cleanup (closing our end tells it to stop). */
static void finish(struct parent *h)
{
  struct launch *l = &h->l;
  tty_relay_stop(h->tty);
  net_stop_begin(&h->net);  /* its exit and the sandbox's teardown, side by side */
  close_fd(&l->parent_sock);
  if (h->init_pid > 0) {
    proc_pidfd_signal(h->init_pidfd, SIGKILL);
    proc_wait(h->init_pid);
  }
  if (l->keeper_pid > 0)
    proc_wait(l->keeper_pid);
  netns_beside_stop(&h->beside);  /* init is gone: it ends */
  net_stop(&h->net, !h->mon);  /* hutch exits next, unless a monitor launches again */
  cgroup_sandbox_remove(&h->cg);
  dbusproxy_stop(&h->dbus);
  xnest_stop(&h->xnest);
  /* The keeper removed the run directory, unless a network helper stopped
   * halfway through its start made its files there after: gone now that
   * the helper is (net_stop). */
  if (h->mapped)
    runtime_remove_leftover(&l->rt);
  else
    runtime_remove(&l->rt, false);  /* the keeper never got to own it; no helper started */
  close_fd(&h->init_pidfd);
  close_fd(&h->mntns_fd);
  close_fd(&l->parent_pidfd);
  holder_release(&h->holder);
  runtime_free(&l->rt);
  close_fd(&h->sigfd);
}

static int run_stages(struct parent *h, const struct stage *list, size_t n, struct error *err)
{
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++)
    if ((r = list[i].run(h, err)) == 0)
      log_stage("hutch", list[i].name);
  return r;
}

static struct tty_relay tty;  /* two 64 KiB buffers: not on the stack */

static void parent_init(struct parent *h, const struct plan *p, const struct run_monitor *mon)
{
  *h = (struct parent) {
    .l = {.plan = p, .pf = p->pf, .net_sock = -1, .stack_fd = -1, .parent_pid = getpid(), .parent_pidfd = -1, .parent_sock = -1,
          .keeper_sock = -1, .rt = {.dir_fd = -1, .lock_fd = -1}},
    .sigfd = -1, .tty = &tty, .net = NET_HELPER_INIT, .holder = HOLDER_INIT, .init_pidfd = -1, .mntns_fd = -1,
    .into_cgroup_fd = -1, .mon = mon, .beside = NETNS_BESIDE_INIT, .dbus = DBUSPROXY_INIT, .xnest = XNEST_INIT,
  };
  tty.master = -1;
}

/* The status for main: the command's, or the error's. A command killed by
 * SIGSYS met the seccomp filter's kill; say how that can come about. */
static int run_status(const struct plan *p, int r, const struct error *err)
{
  log_stage("hutch", "exit");
  if (r < 0)
    return err->status ? err->status : EXIT_HUTCH_FAILED;
  if (r == EXIT_SIGNAL_BASE + SIGSYS && p->seccomp_mode != SECCOMP_UNCONFINED)
    log_warn("the command ended with status %d, as SIGSYS leaves it: the seccomp filter sends SIGSYS when it kills "
             "a call%s", r, p->multiarch ? "" : "; a 32-bit program dies so at its first call unless --multiarch is given");
  return r;
}

/* A named or detached sandbox's monitor (monitor.c) always launches with
 * a keeper: it answers the monitor's requests and holds what hutch exec
 * joins. */
int run_sandbox_monitored(const struct plan *p, const struct run_monitor *mon, struct error *err)
{
  struct parent h;
  parent_init(&h, p, mon);
  int r = run_stages(&h, stages, N_ELEMENTS(stages), err);
  if (r == 0)
    r = supervise(&h, err);
  finish(&h);
  return run_status(p, r, err);
}

/* ------------------------------------------------- the path without keeper */

/* Whether this launch needs the keeper, and (at --log-level debug) why:
 * each reason is a helper that must run beside the sandbox, outside it, or
 * something on disk that must be removed after it. */
bool launch_needs_keeper(const struct plan *p)
{
  const char *why[8];
  size_t n = 0;
  if (p->overlay == OVERLAY_FUSE)
    why[n++] = "fuse-overlayfs runs beside the sandbox";
  if (p->squashfs)
    why[n++] = "squashfuse runs beside the sandbox";
  if (p->upper_on_disk)
    why[n++] = "--upper disk: the writes' directory is removed afterwards";
  if (net_has_helper(p))
    why[n++] = "the network helper starts on the keeper's network namespace, made first";
  if (p->pf.n > 0)
    why[n++] = "published TCP ports: hutch's forwarder is the keeper's child";
  if (p->xnest.on || p->dbus.n_args > 0)
    why[n++] = "hutch app's helpers (Xephyr, xdg-dbus-proxy) keep their sockets in the run directory";
  for (size_t i = 0; i < n; i++)
    log_debug("launch with a keeper: %s", why[i]);
  if (n == 0)
    log_debug("launch without a keeper: kernel overlay, writes in memory, no helper");
  return n > 0;
}

/* The run base directory (not a run directory of its own): init mounts
 * the sandbox's tmpfs over it in its own mount namespace. */
static int find_run_base(struct parent *h, struct error *err)
{
  return runtime_base(&h->l.rt.base, false, err);
}

/* init, hutch's own child, in every namespace of the sandbox at once. It
 * gets hutch's pidfd, to tell whether hutch lives where its parent-death
 * signal might have come too late. */
static int spawn_init(struct parent *h, struct error *err)
{
  struct launch *l = &h->l;
  l->parent_pidfd = proc_pidfd_open(getpid());
  if (l->parent_pidfd < 0)
    return error_set(err, errno, "pidfd_open");
  /* Straight into the sandbox's cgroup, which also roots its cgroup
   * namespace there (cgroup.c). */
  h->into_cgroup_fd = cgroup_sandbox_open(&h->cg);
  pid_t pid = clone_with_sock(h, init_namespaces(l->plan), &l->keeper_sock, init_main_direct, err);
  close_fd(&h->into_cgroup_fd);
  if (pid < 0)
    return pid;
  h->init_pid = pid;
  h->init_pidfd = proc_pidfd_open(pid);
  if (h->init_pidfd < 0)
    return error_set(err, errno, "pidfd_open the sandbox's init");
  /* Into the sandbox's cgroup, if the clone could not, while init still
   * waits for its map (a no-op when it is there already). */
  return cgroup_sandbox_place(&h->cg, pid, err);
}

/* sync 7 without a keeper: only a command with a terminal waits for it,
 * so that the terminal's size is set before it starts (init.c's
 * waits_for_go). */
static int send_go_for_tty(struct parent *h, struct error *err)
{
  return h->l.plan->tty ? send_go(h, err) : 0;
}

static const struct stage direct_stages[] = {
  {"setup", setup_parent},
  {"cgroup", make_cgroup},
  {"run base", find_run_base},
  {"join holder", join_holder},
  {"clone init", spawn_init},
  {"write id maps", map_ids},
  {"terminal relay", start_tty},
  {"go", send_go_for_tty},
};

/* What init sent that hutch has not read, once init is gone: an ERROR
 * (its setup or its exec failed), and READY with init's mount namespace.
 * Without a keeper hutch never waits for READY: init goes on to the
 * command at once, and its message stays queued, unread, so that nothing
 * wakes hutch while the command starts. The namespace it carries is held
 * by the queue meanwhile, so init's exit does not unmount the sandbox's
 * mounts; hutch takes it here and a running holder drops it once the
 * status is known (holder_hand_over), even for a launch that did not join
 * it; otherwise finish() does. */
static void read_init_messages(struct parent *h, struct error *err)
{
  struct pollfd p = {.fd = h->l.parent_sock, .events = POLLIN};
  struct sync_msg m;
  int fd;
  while (h->l.parent_sock >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN) &&
         sync_recv(h->l.parent_sock, &m, &fd) == 0) {
    if (m.type == SYNC_ERROR)
      *err = m.err;
    if (m.type == SYNC_READY && h->mntns_fd < 0)
      h->mntns_fd = fd;
    else if (fd >= 0)
      close(fd);
  }
}

/* Once init runs on its own: relay the terminal, pass signals on to init
 * (which passes them to the command once it runs), and wait for init
 * through its pidfd; its status is the command's, unless init sent an
 * ERROR. */
static int supervise_direct(struct parent *h, struct error *err)
{
  for (;;) {
    struct pollfd p[3 + TTY_POLLFDS] = {
      {.fd = h->sigfd, .events = POLLIN},
      {.fd = h->init_pidfd, .events = POLLIN},
      {.fd = h->beside.pidfd, .events = POLLIN},  /* -1 once reaped */
    };
    tty_poll_fds(h->tty, p + 3);
    if (poll(p, N_ELEMENTS(p), -1) < 0) {
      if (errno == EINTR)
        continue;
      return error_set(err, errno, "poll");
    }
    if (p[0].revents & POLLIN)
      pass_signal(h);
    if (p[2].revents & POLLIN)
      netns_beside_reap(&h->beside);  /* the namespaces' maker, done */
    tty_handle(h->tty, p + 3);
    if (p[1].revents & POLLIN) {
      siginfo_t si = {0};
      if (waitid(P_PIDFD, (id_t) h->init_pidfd, &si, WEXITED) < 0)
        return error_set(err, errno, "wait for the sandbox's init");
      h->init_pid = 0;
      log_stage("hutch", "init exited");
      read_init_messages(h, err);
      holder_hand_over(&h->holder, &h->l.plan->ids, h->mntns_fd);
      h->mntns_fd = -1;
      tty_drain(h->tty);
      /* After an ERROR, its status (125, 126, 127...) is the one to
       * report. */
      return err->msg[0] ? -EIO : proc_siginfo_status(&si);
    }
  }
}

int run_sandbox(const struct plan *p, struct error *err)
{
  if (launch_needs_keeper(p))
    return run_sandbox_monitored(p, NULL, err);
  struct parent h;
  parent_init(&h, p, NULL);
  int r = run_stages(&h, direct_stages, N_ELEMENTS(direct_stages), err);
  if (r == 0)
    r = supervise_direct(&h, err);
  finish(&h);
  if (r < 0 && err->status == SYNC_STATUS_NEEDS_KEEPER) {
    log_debug("%s; launching again with a keeper, which can use fuse-overlayfs", err->msg);
    *err = (struct error) {0};
    return run_sandbox_monitored(p, NULL, err);
  }
  return run_status(p, r, err);
}
