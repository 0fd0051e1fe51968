/* keeper.c: the process between hutch and the sandbox.
 *
 * It lives in the new user namespace (with all capabilities there) and in a
 * mount namespace that still sees the host's tree, but outside the sandbox's
 * pid namespace. It must: mount the overlay, start init, carry messages
 * between hutch and init, and, however the sandbox ends, kill init, unmount
 * and remove the run directory. It must not: exec anything but
 * fuse-overlayfs, or hand anything of the host to init.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "run.h"
#include "sync.h"
#include "util.h"

static int start_init(struct launch *l, int *pidfd, struct error *err)
{
  int sp[2];
  int r = sync_pair(sp, err);
  if (r < 0)
    return r;
  unsigned long long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
  if (l->spec->network != NET_HOST)
    flags |= CLONE_NEWNET;
  pid_t pid = clone_ns(flags, pidfd);
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

/* Pass one message on from one side to the other, fd included. init's
 * network namespace also starts the port forwarder. */
static int relay(struct launch *l, int from, int to)
{
  struct sync_msg m;
  int fd = -1;
  int r = sync_recv(from, &m, &fd);
  if (r < 0)
    return r;
  if (m.type == SYNC_NETNS && fd >= 0) {
    struct error err = {0};
    if (portfwd_start(&l->pf, fd, &err) < 0)
      sync_send_error(to, &err);
  }
  sync_send(to, (enum sync_type) m.type, m.value, m.text, fd);
  if (fd >= 0)
    close(fd);
  return 0;
}

/* Encode how init ended as an exit status. init itself exits with the
 * command's status. */
static int init_status(int wstatus)
{
  if (WIFEXITED(wstatus))
    return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus))
    return 128 + WTERMSIG(wstatus);
  return 125;
}

/* Tied to hutch's life, out of the caller's session (terminal signals reach
 * hutch alone, which passes them on). Returns a signalfd for the signals
 * that tell the keeper to stop: the parent-death signal among them. */
static int keeper_setup(struct launch *l)
{
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != l->parent_pid)
    _exit(125);
  setsid();
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGHUP);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  return signalfd(-1, &mask, SFD_CLOEXEC);
}

/* Carry messages both ways until init exits, hutch goes away, or a stop
 * signal comes. Returns init's status, or 125 when it did not exit. */
static int keeper_loop(struct launch *l, int pidfd, int sigfd)
{
  int status = 125;
  for (;;) {
    struct pollfd p[4] = {
      {.fd = l->keeper_sock, .events = POLLIN},
      {.fd = l->parent_sock, .events = POLLIN},
      {.fd = pidfd, .events = POLLIN},
      {.fd = sigfd, .events = POLLIN},
    };
    if (poll(p, 4, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (p[0].revents & POLLIN)
      relay(l, l->keeper_sock, l->parent_sock);
    else if (p[0].revents & (POLLHUP | POLLERR))
      close_fd(&l->keeper_sock);
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
      if (relay(l, l->parent_sock, l->keeper_sock) < 0)
        break;  /* hutch is gone */
    if (p[3].revents & POLLIN)
      break;    /* hutch died (parent-death signal) or we were asked to stop */
    if (p[2].revents & POLLIN) {
      siginfo_t si = {0};
      if (waitid(P_PIDFD, (id_t) pidfd, &si, WEXITED) == 0) {
        status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
        l->init_pid = 0;
      }
      break;
    }
  }
  /* Messages init sent just before it exited (an exec error). */
  while (l->keeper_sock >= 0) {
    struct pollfd p = {.fd = l->keeper_sock, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN) || relay(l, l->keeper_sock, l->parent_sock) < 0)
      break;
  }
  return status;
}

/* However the sandbox ended: nothing of it may outlive this function. */
static void keeper_cleanup(struct launch *l, int status, unsigned long long *t) __attribute__((noreturn));
static void keeper_cleanup(struct launch *l, int status, unsigned long long *t)
{
  if (l->init_pid > 0) {
    /* Killing pid 1 kills the whole pid namespace; waiting for it returns
     * only once every process in it is gone. */
    kill(l->init_pid, SIGKILL);
    int ws;
    if (waitpid(l->init_pid, &ws, 0) == l->init_pid && status == 125)
      status = init_status(ws);
  }
  portfwd_stop(&l->pf);
  stage_done(l, "keeper", "sandbox ended", t);
  rootfs_unmount_overlay(&l->ov);
  stage_done(l, "keeper", "unmount overlay", t);
  runtime_remove(&l->rt);
  stage_done(l, "keeper", "cleaned up", t);
  /* sync 8 */
  sync_send(l->parent_sock, SYNC_EXIT, status, NULL, -1);
  _exit(0);
}

void keeper_main(struct launch *l)
{
  struct error err = {0};
  struct sync_msg m;
  int pidfd = -1;
  unsigned long long t = now_usec();
  int sigfd = keeper_setup(l);

  /* sync 2 */
  if (sync_recv(l->parent_sock, &m, NULL) < 0 || m.type != SYNC_MAPPED)
    _exit(125);  /* hutch gave up before mapping us; it cleans up */
  /* Only now: hutch writes our maps through /proc/PID, which a non-dumpable
   * process closes to it. */
  prctl(PR_SET_DUMPABLE, 0);
  /* Become root inside where there is one, so fuse-overlayfs keeps the
   * capabilities of the namespace across its exec. */
  if (setresgid(0, 0, 0) == 0 && setresuid(0, 0, 0) < 0)
    log_debug("keeper stays uid %u inside", getuid());
  stage_done(l, "keeper", "mapped", &t);

  if (sigfd < 0) {
    error_set(&err, errno, "signalfd");
  } else if (rootfs_mount_overlay(l->spec, &l->rt, &l->ov, &err) == 0) {
    stage_done(l, "keeper", l->ov.backend == OVERLAY_FUSE ? "mount fuse-overlayfs" : "mount kernel overlay", &t);
    if (start_init(l, &pidfd, &err) == 0) {
      stage_done(l, "keeper", "clone init", &t);
      /* sync 3 */
      sync_send(l->parent_sock, SYNC_SANDBOX_PID, l->init_pid, NULL, -1);
      runtime_reap_stale(&l->rt);
      keeper_cleanup(l, keeper_loop(l, pidfd, sigfd), &t);
    }
  }
  sync_send_error(l->parent_sock, &err);
  keeper_cleanup(l, 125, &t);
}
