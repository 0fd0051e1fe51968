/* run.c: the recipe. hutch (the parent, on the host) prepares everything that
 * can be checked without a namespace, then starts the keeper and walks it
 * and the sandbox's init through the numbered steps of sync.h.
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
 */
#define _GNU_SOURCE
#include "run.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "net.h"
#include "sync.h"
#include "tty.h"
#include "util.h"

/* Signals hutch passes on to the command, as podman does. */
static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

void stage_done(struct launch *l, const char *who, const char *stage, unsigned long long *since)
{
  unsigned long long now = now_usec();
  log_debug("%-6s %-22s %7llu us (at %llu us)", who, stage, now - *since, now - l->t0);
  *since = now;
}

pid_t clone_ns(unsigned long long flags, int *pidfd)
{
  struct clone_args args = {
    .flags = flags | (pidfd ? CLONE_PIDFD : 0),
    .pidfd = (unsigned long long) (uintptr_t) pidfd,
    .exit_signal = SIGCHLD,
  };
  return (pid_t) syscall(SYS_clone3, &args, sizeof args);
}

/* The files hutch provides at /etc/hostname, /etc/hosts, /etc/resolv.conf. */
static int write_etc_files(struct launch *l, struct error *err)
{
  const struct spec *s = l->spec;
  _cleanup_close_ int etc = openat(l->rt.dir_fd, "etc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_free_ char *hostname = xasprintf("%s\n", s->hostname);
  _cleanup_free_ char *hosts = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                                         "127.0.1.1\t%s\n", s->hostname);
  _cleanup_free_ char *resolv = net_resolv_conf(s);
  if (etc < 0 || write_file_at(etc, "hostname", hostname) < 0 || write_file_at(etc, "hosts", hosts) < 0 ||
      write_file_at(etc, "resolv.conf", resolv) < 0)
    return error_set(err, errno, "write files in `%s/etc`", l->rt.dir);
  return 0;
}

static int spawn_keeper(struct launch *l, struct error *err)
{
  int sp[2];
  int r = sync_pair(sp, err);
  if (r < 0)
    return r;
  /* The mount namespace is made together with the user namespace, so it is
   * owned by it and the keeper may mount there. */
  pid_t pid = clone_ns(CLONE_NEWUSER | CLONE_NEWNS, NULL);
  if (pid < 0) {
    int e = errno;
    close(sp[0]);
    close(sp[1]);
    error_set(err, e, "cannot create a user namespace (clone)");
    if (e == EPERM || e == ENOSPC)
      error_fix(err, "unprivileged user namespaces are disabled here: check `sysctl user.max_user_namespaces` "
                     "(must be > 0), on Ubuntu `kernel.apparmor_restrict_unprivileged_userns=0`, on old Debian "
                     "`kernel.unprivileged_userns_clone=1`; `hutch doctor` checks them all");
    return -e;
  }
  if (pid == 0) {
    close(sp[0]);
    l->parent_sock = sp[1];
    keeper_main(l);
  }
  close(sp[1]);
  l->parent_sock = sp[0];
  l->keeper_pid = pid;
  return 0;
}

static int forward_signal(struct launch *l, int sig)
{
  if (l->init_pidfd < 0)
    return 0;
  return (int) syscall(SYS_pidfd_send_signal, l->init_pidfd, sig, NULL, 0);
}

/* After GO: relay the terminal, pass signals on, wait for EXIT. */
static int supervise(struct launch *l, int sigfd, struct tty_relay *tty, struct error *err)
{
  for (;;) {
    struct pollfd p[4] = {
      {.fd = l->parent_sock, .events = POLLIN},
      {.fd = sigfd, .events = POLLIN},
      {.fd = tty->master >= 0 && tty->stdin_open ? STDIN_FILENO : -1, .events = POLLIN},
      {.fd = tty->master, .events = POLLIN},
    };
    if (poll(p, 4, -1) < 0) {
      if (errno == EINTR)
        continue;
      return error_set(err, errno, "poll");
    }
    if (p[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sigfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGWINCH && tty->master >= 0)
          tty_resize(tty);
        else
          forward_signal(l, (int) si.ssi_signo);
      }
    }
    if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
      tty_pump(tty, STDIN_FILENO);
    if (p[3].revents & (POLLIN | POLLHUP | POLLERR))
      if (tty_pump(tty, tty->master) < 0)
        close_fd(&tty->master);
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      struct sync_msg m;
      int r = sync_recv(l->parent_sock, &m, NULL);
      if (r < 0)
        return error_set(err, 0, "the sandbox's keeper ended without a status");
      if (m.type == SYNC_ERROR) {
        err->status = m.value;
        memcpy(err->msg, m.text, sizeof err->msg);
        continue;  /* the EXIT that follows ends the loop */
      }
      if (m.type == SYNC_EXIT) {
        tty_drain(tty);
        /* After an ERROR, its status (126, 127...) is the one to report. */
        return err->msg[0] ? err->status : m.value;
      }
    }
  }
}

/* Keep 3..N+2 for --preserve-fds (holding /dev/null where the caller left a
 * gap, so hutch's own descriptors land above them) and close the rest: a
 * descriptor the caller leaked must not reach the sandbox. */
static void prepare_fds(const struct spec *s)
{
  for (int fd = 3; fd < 3 + s->preserve_fds; fd++)
    if (fcntl(fd, F_GETFD) < 0) {
      int n = open("/dev/null", O_RDWR);
      if (n >= 0 && n != fd) {
        dup2(n, fd);
        close(n);
      }
    }
  syscall(SYS_close_range, 3 + s->preserve_fds, ~0U, 0);
}

int run_sandbox(const struct spec *s, struct error *err)
{
  struct launch l = {.spec = s, .parent_pid = getpid(), .parent_sock = -1, .keeper_sock = -1, .init_pidfd = -1};
  struct sync_msg m;
  struct tty_relay tty = {.master = -1};
  struct net_helper net = {.ready_fd = -1, .exit_fd = -1};
  _cleanup_close_ int sigfd = -1;
  bool mapped = false;
  int r, status = 125, passfd;
  unsigned long long t = l.t0 = now_usec();

  prepare_fds(s);
  /* Before anything exists: a bad profile fails here, with nothing to undo. */
  if ((r = seccomp_filter_compile(s, &l.seccomp, err)) < 0)
    goto out;
  stage_done(&l, "hutch", "compile seccomp filter", &t);
  l.tty = isatty(STDIN_FILENO);
  sigset_t mask;
  sigemptyset(&mask);
  for (size_t i = 0; i < N_ELEMENTS(forwarded); i++)
    sigaddset(&mask, forwarded[i]);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  sigfd = signalfd(-1, &mask, SFD_CLOEXEC);

  if ((r = userns_plan(s, &l.ids, err)) < 0)
    goto out;
  stage_done(&l, "hutch", "plan user namespace", &t);
  if ((r = runtime_create(&l.rt, err)) < 0 || (r = write_etc_files(&l, err)) < 0)
    goto out;
  stage_done(&l, "hutch", "runtime directory", &t);
  if ((r = portfwd_listen(s, &l.pf, err)) < 0)
    goto out;
  if ((r = spawn_keeper(&l, err)) < 0)
    goto out;
  portfwd_close_listeners(&l.pf);  /* the keeper holds them now */
  stage_done(&l, "hutch", "clone keeper", &t);

  /* sync 2: the keeper is in its user namespace; map it. */
  if ((r = userns_apply(&l.ids, l.keeper_pid, err)) < 0)
    goto out;
  mapped = true;
  sync_send(l.parent_sock, SYNC_MAPPED, 0, NULL, -1);
  stage_done(&l, "hutch", "write id maps", &t);

  /* sync 3: init's host pid, to pass signals on. */
  if ((r = sync_expect(l.parent_sock, SYNC_SANDBOX_PID, &m, NULL, err)) < 0)
    goto out;
  l.init_pid = m.value;
  l.init_pidfd = (int) syscall(SYS_pidfd_open, l.init_pid, 0);

  /* sync 4: init's network namespace: the network helper starts on it
   * while init builds the root. */
  if ((r = sync_expect(l.parent_sock, SYNC_NETNS, &m, &passfd, err)) < 0)
    goto out;
  r = net_start(s, &l.rt, passfd, &net, err);
  close_fd(&passfd);
  if (r < 0)
    goto out;

  /* sync 5: the pty master, if the command gets a terminal. */
  if (l.tty) {
    if ((r = sync_expect(l.parent_sock, SYNC_PTY, &m, &passfd, err)) < 0)
      goto out;
    if ((r = tty_relay_start(&tty, passfd, err)) < 0)
      goto out;
  }

  /* sync 6 and 7: root built; let the command run. */
  if ((r = sync_expect(l.parent_sock, SYNC_READY, &m, NULL, err)) < 0)
    goto out;
  stage_done(&l, "hutch", "sandbox ready", &t);
  if ((r = net_wait_ready(s, &net, err)) < 0)
    goto out;
  if (net.pid > 0)
    stage_done(&l, "hutch", "network ready", &t);
  sync_send(l.parent_sock, SYNC_GO, 0, NULL, -1);

  /* sync 8 */
  status = supervise(&l, sigfd, &tty, err);
  if (status < 0)
    status = 125;
  r = 0;

out:
  tty_relay_stop(&tty);
  net_stop(&net);
  if (r < 0) {
    if (err->status == 0)
      err->status = 125;
    status = err->status;
  }
  /* On failure, closing our end tells the keeper to stop and clean up. */
  close_fd(&l.parent_sock);
  close_fd(&l.init_pidfd);
  if (l.keeper_pid > 0)
    while (waitpid(l.keeper_pid, NULL, 0) < 0 && errno == EINTR)
      ;
  if (!mapped)
    runtime_remove(&l.rt);  /* the keeper never got to own it */
  else {
    close_fd(&l.rt.dir_fd);
    close_fd(&l.rt.lock_fd);
  }
  userns_plan_free(&l.ids);
  seccomp_filter_free(&l.seccomp);
  stage_done(&l, "hutch", "exit", &t);
  return status;
}
