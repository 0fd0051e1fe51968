/* keeper.c: the monitor between hutch and the sandbox.
 *
 * It lives in the new user namespace (with all capabilities there) and in a
 * mount namespace that still sees the host's tree, but outside the sandbox's
 * pid namespace, where nothing in the sandbox can see or trace it; with a
 * network helper, in the sandbox's network namespace, which it makes first
 * (early_netns). It must:
 * mount the overlay, start init, start the port forwarder, answer hutch's
 * requests, and, however the sandbox ends, kill init, unmount and remove the
 * run directory. It must not: exec anything but fuse-overlayfs and
 * squashfuse, or hand anything of the host to init.
 *
 * Its life is the flat list of stages below, then a loop that serves
 * requests until init exits, then the cleanup. If hutch dies, even with
 * SIGKILL, the parent-death signal stops the keeper at whatever stage it is
 * in, and the cleanup runs all the same.
 */
#define _GNU_SOURCE
#include "keeper.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "enter.h"
#include "init.h"
#include "net.h"
#include "proc.h"
#include "sync.h"
#include "util.h"

struct keeper {
  struct launch *l;
  int sigfd;          /* SIGTERM (parent death), SIGHUP, SIGINT: stop */
  int init_pidfd;
  int netns;          /* with a network helper: the sandbox's network
                       * namespace, until the forwarder has it */
  int nsfds[SYNC_N_NAMESPACES]; /* a joinable sandbox's, for hutch exec */
  bool error_sent;    /* an ERROR already reached hutch */
  bool stop_asked;    /* hutch stop's kill, or hutch gone or told to stop:
                       * no wait for the sandbox's clients */
};

/* Wait until fd is readable; -EINTR when the keeper is told to stop,
 * -ESRCH when init has exited. */
static int wait_for(struct keeper *k, int fd)
{
  for (;;) {
    struct pollfd p[3] = {
      {.fd = fd, .events = POLLIN}, {.fd = k->sigfd, .events = POLLIN}, {.fd = k->init_pidfd, .events = POLLIN},
    };
    if (poll(p, 3, -1) < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    if (p[0].revents)
      return 0;
    if (p[1].revents)
      return -EINTR;
    if (p[2].revents)
      return -ESRCH;
  }
}

/* Pass one message on, fd included; returns its type, or a negative errno. */
static int relay(struct keeper *k, int from, int to)
{
  struct sync_msg m;
  int fd = -1, r;
  if ((r = wait_for(k, from)) < 0 || (r = sync_recv(from, &m, &fd)) < 0)
    return r;
  r = sync_forward(to, &m, fd);
  close_fd(&fd);
  if (m.type == SYNC_ERROR && to == k->l->parent_sock)
    k->error_sent = true;
  return r < 0 ? r : (int) m.type;
}

/* ----------------------------------------------------------------- stages */

/* sync 2: hutch has written our maps. Only now may we become non-dumpable:
 * hutch writes the maps through /proc/PID, which that would close to it. */
static int wait_mapped(struct keeper *k, struct error *err)
{
  struct launch *l = k->l;
  struct sync_msg m;
  int r = wait_for(k, l->parent_sock);
  if (r == 0)
    r = sync_expect(l->parent_sock, SYNC_MAPPED, &m, NULL, err);
  if (r < 0)
    _exit(EXIT_HUTCH_FAILED);  /* hutch gave up before mapping us; it cleans up */
  proc_settle_mapped(SIGTERM);
  if (getppid() != l->parent_pid)
    return -ESRCH;
  return 0;
}

/* sync 3. With a network helper, the network namespace comes first, made
 * here and passed to hutch at once: the helper takes longest to be ready,
 * and starts while the overlay is mounted and init is cloned. init, cloned
 * without CLONE_NEWNET (init_namespaces), is in it, as the keeper is from
 * now on (it has no use for the host's: the forwarder's listening sockets
 * are bound already, and it connects into the sandbox). Without a helper
 * nothing outside the sandbox needs it, and no ports are published. */
static int early_netns(struct keeper *k, struct error *err)
{
  if (!net_has_helper(k->l->plan))
    return 0;
  if (unshare(CLONE_NEWNET) < 0)
    return error_set(err, errno, "create the sandbox's network namespace");
  k->netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (k->netns < 0)
    return error_set(err, errno, "open the sandbox's network namespace");
  /* With pasta, a socket on the namespace's route changes, subscribed
   * before pasta exists: hutch reads its configuration coming there. */
  _cleanup_close_ int routes = net_route_socket(k->l->plan);
  int r = sync_send(k->l->parent_sock, SYNC_NETNS, 0, k->netns);
  if (r == 0 && net_watches_routes(k->l->plan))
    r = sync_send(k->l->parent_sock, SYNC_ROUTES, 0, routes);
  return r < 0 ? error_set(err, -r, "pass the network namespace to hutch") : 0;
}

static int mount_overlay(struct keeper *k, struct error *err)
{
  return rootfs_mount_overlay(k->l->plan, &k->l->rt, &k->l->ov, err);
}

/* The sandbox's namespaces (init_namespaces), all owned by our user
 * namespace. */
static int start_init(struct keeper *k, struct error *err)
{
  struct launch *l = k->l;
  int sp[2];
  int r = sync_pair(sp, err);
  if (r < 0)
    return r;
  pid_t pid = proc_clone(init_namespaces(l->plan), &k->init_pidfd);
  if (pid < 0) {
    close(sp[0]);
    close(sp[1]);
    return error_set(err, errno, "clone the sandbox's namespaces");
  }
  if (pid == 0) {
    close(sp[0]);
    l->keeper_sock = sp[1];
    init_main(l);
  }
  close(sp[1]);
  l->keeper_sock = sp[0];
  l->init_pid = pid;
  return 0;
}

/* sync 4, after the network namespace (hutch starts its helper first). */
static int send_init_pid(struct keeper *k, struct error *err)
{
  int r = sync_send(k->l->parent_sock, SYNC_SANDBOX_PID, k->l->init_pid, -1);
  return r < 0 ? error_set(err, -r, "tell hutch init's pid") : 0;
}

/* A joinable sandbox's namespaces, from init, for hutch exec. */
static int wait_namespaces(struct keeper *k, struct error *err)
{
  struct sync_msg m;
  for (int i = 0; k->l->joinable && i < SYNC_N_NAMESPACES; i++) {
    int r = wait_for(k, k->l->keeper_sock);
    if (r < 0 || (r = sync_expect(k->l->keeper_sock, SYNC_NSFD, &m, &k->nsfds[i], err)) < 0) {
      if (r != -EIO)
        return error_set(err, -r, "the sandbox's init ended before it sent its namespaces");
      return r;  /* init's own error, in err */
    }
  }
  return 0;
}

static int start_forwarder(struct keeper *k, struct error *err)
{
  int r = portfwd_start(&k->l->pf, k->netns, err);
  close_fd(&k->netns);
  /* The forwarder holds the listeners now: when it closes them, the
   * ports refuse at once. */
  portfwd_close_listeners(&k->l->pf);
  return r;
}

/* sync 5 to 7: the terminal and READY go up to hutch, GO comes back down. */
static int relay_setup(struct keeper *k, struct error *err)
{
  struct launch *l = k->l;
  int t;
  do
    t = relay(k, l->keeper_sock, l->parent_sock);
  while (t == SYNC_PTY);
  if (t == SYNC_ERROR)
    return -EIO;
  if (t != SYNC_READY)
    return error_set(err, t < 0 ? -t : 0, "the sandbox's init ended before its root was ready");
  if ((t = relay(k, l->parent_sock, l->keeper_sock)) != SYNC_GO)
    return t < 0 ? t : error_set(err, 0, "protocol error: expected GO from hutch, got %d", t);
  return 0;
}

/* Off the launch's path: the command runs already. */
static int reap_stale(struct keeper *k, struct error *err)
{
  (void) err;
  runtime_reap_stale(&k->l->rt);
  return 0;
}

static const struct {
  const char *name;
  int (*run)(struct keeper *k, struct error *err);
} stages[] = {
  {"mapped", wait_mapped},
  {"network namespace first", early_netns},
  {"mount overlay", mount_overlay},
  {"clone init", start_init},
  {"namespaces for exec", wait_namespaces},
  {"init's pid to hutch", send_init_pid},
  {"start port forwarder", start_forwarder},
  {"relay terminal, ready, go", relay_setup},
  {"reap stale run dirs", reap_stale},
};

/* ---------------------------------------------------------------- serving */

static void answer(struct keeper *k, const struct sync_msg *m, int passfd)
{
  struct launch *l = k->l;
  int value = 0;
  switch ((enum sync_type) m->type) {
  case SYNC_REQ_EXEC:
    /* passfd: a hutch exec client's connection (enter.c takes it on). */
    value = passfd < 0 || k->nsfds[0] < 0 ? -EBADF : enter_start(l, k->nsfds, passfd);
    break;
  case SYNC_REQ_STATUS:
    value = -1;  /* running: an exited command ends the loop first */
    break;
  case SYNC_REQ_SIGNAL:
    value = kill(l->init_pid, m->value) < 0 ? -errno : 0;
    break;
  case SYNC_REQ_STOP:
    /* Killing pid 1 kills the whole pid namespace. */
    value = kill(l->init_pid, SIGKILL) < 0 ? -errno : 0;
    k->stop_asked = true;
    break;
  case SYNC_MAPPED:
  case SYNC_SANDBOX_PID:
  case SYNC_NETNS:
  case SYNC_PTY:
  case SYNC_READY:
  case SYNC_GO:
  case SYNC_EXIT:
  case SYNC_ERROR:
  case SYNC_REPLY:
  case SYNC_STARTED:
  case SYNC_EXEC_FD:
  case SYNC_NSFD:
  case SYNC_ROUTES:
    value = -EPROTO;
    break;
  }
  sync_send(l->parent_sock, SYNC_REPLY, value, -1);
}

/* Answer requests until init exits, hutch goes away, or a stop signal
 * comes. Messages from init (an exec error) go up to hutch. Returns init's
 * status, or 125 when it did not exit. */
static int serve(struct keeper *k)
{
  struct launch *l = k->l;
  for (;;) {
    struct pollfd p[4] = {
      {.fd = l->keeper_sock, .events = POLLIN},
      {.fd = l->parent_sock, .events = POLLIN},
      {.fd = k->init_pidfd, .events = POLLIN},
      {.fd = k->sigfd, .events = POLLIN},
    };
    if (poll(p, 4, -1) < 0) {
      if (errno == EINTR)
        continue;
      return EXIT_HUTCH_FAILED;
    }
    if (p[0].revents & POLLIN)
      relay(k, l->keeper_sock, l->parent_sock);
    else if (p[0].revents & (POLLHUP | POLLERR))
      close_fd(&l->keeper_sock);
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      struct sync_msg m;
      int fd = -1;
      if (sync_recv(l->parent_sock, &m, &fd) < 0)
        return EXIT_HUTCH_FAILED;  /* hutch is gone */
      answer(k, &m, fd);
      close_fd(&fd);
    }
    if (p[3].revents & POLLIN) {
      k->stop_asked = true;
      return EXIT_HUTCH_FAILED;    /* hutch died (parent-death signal) or we were asked to stop */
    }
    if (p[2].revents & POLLIN) {
      siginfo_t si = {0};
      if (waitid(P_PIDFD, (id_t) k->init_pidfd, &si, WEXITED) < 0)
        return EXIT_HUTCH_FAILED;
      l->init_pid = 0;
      return proc_siginfo_status(&si);
    }
  }
}

/* After the sandbox's end, hutch's port forwarder carries what it sent to
 * its clients, for as long as they keep taking it, FINISH_MAX_MS at most
 * (a client that takes a byte now and then must not hold hutch for ever),
 * unless the sandbox was stopped (its command killed by a stopping signal,
 * hutch stop's kill, hutch gone), or hutch is told to stop or goes away
 * meanwhile. Other requests that come meanwhile find the sandbox gone. */
#define FINISH_MAX_MS 30000

static void finish_forwarder(struct keeper *k, int status)
{
  struct launch *l = k->l;
  /* Killed by such a signal (or ended by one it caught, 128+N): stopped,
   * not ended by itself. */
  bool stopped = k->stop_asked || (status > EXIT_SIGNAL_BASE && proc_signal_stops(status - EXIT_SIGNAL_BASE));
  _cleanup_close_ int done = stopped ? -1 : portfwd_finish(&l->pf);
  unsigned long long until = now_usec() + FINISH_MAX_MS * 1000ULL;
  while (done >= 0) {
    unsigned long long now = now_usec();
    struct pollfd p[3] = {
      {.fd = done, .events = POLLIN},
      {.fd = l->parent_sock, .events = POLLIN},
      {.fd = k->sigfd, .events = POLLIN},
    };
    int r = now < until ? poll(p, 3, (int) ((until - now) / 1000) + 1) : 0;
    if (r < 0 && errno == EINTR)
      continue;
    if (r == 0)
      log_debug("the port forwarder's clients did not take the sandbox's last bytes within %d ms", FINISH_MAX_MS);
    if (r <= 0 || p[0].revents || p[2].revents)
      break;
    struct sync_msg m;
    int fd = -1;
    if (sync_recv(l->parent_sock, &m, &fd) < 0)
      break;  /* hutch is gone */
    close_fd(&fd);
    if (m.type == SYNC_REQ_STOP || (m.type == SYNC_REQ_SIGNAL && proc_signal_stops(m.value)))
      break;
    sync_send(l->parent_sock, SYNC_REPLY, -ESRCH, -1);
  }
  portfwd_stop(&l->pf);
}

/* However the sandbox ended: nothing of it may outlive this function. */
static void cleanup(struct keeper *k, int status) __attribute__((noreturn));
static void cleanup(struct keeper *k, int status)
{
  struct launch *l = k->l;
  if (l->init_pid > 0) {
    /* Killing pid 1 kills the whole pid namespace; waiting for it returns
     * only once every process in it is gone. */
    kill(l->init_pid, SIGKILL);
    int s = proc_wait(l->init_pid);
    if (s >= 0 && status == EXIT_HUTCH_FAILED)
      status = s;
  }
  /* Messages init sent just before it exited (an exec error). */
  while (l->keeper_sock >= 0) {
    struct pollfd p = {.fd = l->keeper_sock, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN) || relay(k, l->keeper_sock, l->parent_sock) < 0)
      break;
  }
  finish_forwarder(k, status);
  log_stage("keeper", "sandbox ended");
  rootfs_unmount_overlay(&l->ov);
  log_stage("keeper", "unmount overlay");
  /* A network helper stopped halfway through its start (a launch that
   * failed) may still make its files here (slirp4netns's API socket). */
  runtime_remove(&l->rt, net_has_helper(l->plan));
  log_stage("keeper", "cleaned up");
  /* sync 8 */
  sync_send(l->parent_sock, SYNC_EXIT, status, -1);
  _exit(0);
}

/* Tied to hutch's life, out of the caller's session (terminal signals reach
 * hutch alone, which passes them on). */
static int keeper_setup(struct keeper *k)
{
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != k->l->parent_pid)
    _exit(EXIT_HUTCH_FAILED);
  setsid();
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGHUP);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  k->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
  return k->sigfd;
}

void keeper_main(struct launch *l)
{
  struct keeper k = {.l = l, .sigfd = -1, .init_pidfd = -1, .netns = -1, .nsfds = {-1, -1, -1, -1, -1, -1}};
  struct error err = {0};
  if (keeper_setup(&k) < 0) {
    error_set(&err, errno, "signalfd");
    sync_send_error(l->parent_sock, &err);
    _exit(EXIT_HUTCH_FAILED);
  }
  for (size_t i = 0; i < N_ELEMENTS(stages); i++) {
    if (stages[i].run(&k, &err) < 0) {
      if (!k.error_sent && err.msg[0])
        sync_send_error(l->parent_sock, &err);
      cleanup(&k, EXIT_HUTCH_FAILED);
    }
    log_stage("keeper", stages[i].name);
  }
  cleanup(&k, serve(&k));
}
