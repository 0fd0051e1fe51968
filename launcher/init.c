/* init.c: pid 1 of the sandbox.
 *
 * It builds the root (rootfs_build), waits for hutch's GO, forks the command
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
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "net.h"
#include "run.h"
#include "sync.h"
#include "tty.h"
#include "util.h"

static const int passed_on[] = SYNC_FORWARDED_SIGNALS;

/* Close everything but stdio, the preserved descriptors and our socket.
 * hutch made sure its own descriptors sit above the preserved range. */
static void close_inherited(struct launch *l)
{
  int keep = l->keeper_sock, first = 3 + l->spec->preserve_fds;
  if (keep > first)
    syscall(SYS_close_range, first, keep - 1, 0);
  syscall(SYS_close_range, keep + 1, ~0U, 0);
  l->parent_sock = l->rt.dir_fd = l->rt.lock_fd = -1;
}

static int wait_command(pid_t child, int sigfd)
{
  for (;;) {
    struct signalfd_siginfo si;
    ssize_t n = read(sigfd, &si, sizeof si);
    if (n != sizeof si)
      continue;
    if (si.ssi_signo != SIGCHLD) {
      kill(child, (int) si.ssi_signo);
      continue;
    }
    int ws;
    pid_t p;
    while ((p = waitpid(-1, &ws, WNOHANG)) > 0)
      if (p == child)
        return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  }
}

void init_main(struct launch *l)
{
  struct error err = {0};
  struct sync_msg m;
  int master = -1, slave = -1, r;
  unsigned long long t = now_usec();

  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_DUMPABLE, 0);
  close_inherited(l);
  sigset_t mask;
  sigemptyset(&mask);
  for (size_t i = 0; i < N_ELEMENTS(passed_on); i++)
    sigaddset(&mask, passed_on[i]);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  /* pid 1 gets only the signals it has a handler for, or blocks. */
  int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);

  /* sync 4 */
  int netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  sync_send(l->keeper_sock, SYNC_NETNS, 0, NULL, netns);
  close(netns);

  if (l->spec->network != NET_HOST && (r = net_loopback_up(&err)) < 0)
    goto fail;
  if ((r = rootfs_build(l->spec, &l->rt, &l->ov, &err)) < 0)
    goto fail;
  stage_done(l, "init", "build root, pivot", &t);
  if (sethostname(l->spec->hostname, strlen(l->spec->hostname)) < 0) {
    error_set(&err, errno, "sethostname `%s`", l->spec->hostname);
    goto fail;
  }
  if ((r = rootfs_finish(l->spec, &err)) < 0)
    goto fail;

  /* sync 5 */
  if (l->tty) {
    if ((r = tty_open_pair(&master, &slave, &err)) < 0)
      goto fail;
    sync_send(l->keeper_sock, SYNC_PTY, 0, NULL, master);
    close_fd(&master);
  }
  /* sync 6, 7 */
  sync_send(l->keeper_sock, SYNC_READY, 0, NULL, -1);
  if (sync_expect(l->keeper_sock, SYNC_GO, &m, NULL, &err) < 0)
    _exit(125);
  stage_done(l, "init", "go", &t);

  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) < 0) {
    error_set(&err, errno, "pipe");
    goto fail;
  }
  pid_t child = fork();
  if (child < 0) {
    error_set(&err, errno, "fork the command");
    goto fail;
  }
  if (child == 0) {
    close(errpipe[0]);
    exec_command(l, errpipe[1], slave);
  }
  close(errpipe[1]);
  close_fd(&slave);
  /* The pipe closes on a successful exec; otherwise it carries the error. */
  ssize_t n;
  while ((n = read(errpipe[0], &err, sizeof err)) < 0 && errno == EINTR)
    ;
  close(errpipe[0]);
  if (n == (ssize_t) sizeof err) {
    sync_send_error(l->keeper_sock, &err);
    _exit(err.status);
  }
  stage_done(l, "init", "exec", &t);
  _exit(wait_command(child, sigfd));

fail:
  sync_send_error(l->keeper_sock, &err);
  _exit(125);
}
