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

static const int forwarded[] = SYNC_FORWARDED_SIGNALS;

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
    struct pollfd p[2 + TTY_POLLFDS] = {
      {.fd = l->parent_sock, .events = POLLIN},
      {.fd = sigfd, .events = POLLIN},
    };
    tty_poll_fds(tty, p + 2);
    if (poll(p, N_ELEMENTS(p), -1) < 0) {
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
    tty_handle(tty, p + 2);
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      struct sync_msg m;
      int r = sync_recv(l->parent_sock, &m, NULL);
      if (r < 0)
        return error_set(err, 0, "the sandbox's keeper ended without a status; run with --log-level debug to see how far the launch got");
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

/* A terminating signal during setup, before there is a command to pass it
 * to, stops the launch: everything is cleaned up and hutch exits 128+N. */
static int setup_interrupted(int sigfd, struct error *err)
{
  struct signalfd_siginfo si;
  if (read(sigfd, &si, sizeof si) != sizeof si)
    return 0;
  if (si.ssi_signo != SIGINT && si.ssi_signo != SIGTERM && si.ssi_signo != SIGHUP && si.ssi_signo != SIGQUIT)
    return 0;  /* SIGWINCH, SIGUSR1/2: nothing to do yet */
  error_set(err, 0, "stopped by signal %u during setup; nothing was left running", si.ssi_signo);
  err->status = 128 + (int) si.ssi_signo;
  return -EINTR;
}

/* Wait for one step of the protocol, or a signal that stops the launch. */
static int wait_step(struct launch *l, int sigfd, enum sync_type type, struct sync_msg *m, int *passfd,
                     struct error *err)
{
  for (;;) {
    struct pollfd p[2] = {{.fd = l->parent_sock, .events = POLLIN}, {.fd = sigfd, .events = POLLIN}};
    if (poll(p, 2, -1) < 0 && errno != EINTR)
      return error_set(err, errno, "poll");
    if ((p[1].revents & POLLIN) && setup_interrupted(sigfd, err) < 0)
      return -EINTR;
    if (p[0].revents)
      return sync_expect(l->parent_sock, type, m, passfd, err);
  }
}

/* hutch's own state: descriptors, the terminal, signals. Returns the
 * signalfd for the signals hutch passes on. */
static int setup_parent(struct launch *l, struct error *err)
{
  prepare_fds(l->spec);
  l->tty = isatty(STDIN_FILENO);
  /* A reader of our output that goes away must not kill hutch with the
   * caller's terminal still raw: writes fail with EPIPE instead. The command
   * gets the caller's disposition back (exec_command). */
  l->sigpipe_ignored = signal(SIGPIPE, SIG_IGN) == SIG_IGN;
  sigset_t mask;
  sigemptyset(&mask);
  for (size_t i = 0; i < N_ELEMENTS(forwarded); i++)
    sigaddset(&mask, forwarded[i]);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int fd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (fd < 0)
    return error_set(err, errno, "signalfd");
  return fd;
}

/* After a launch, however it went: stop what hutch runs itself, and let the
 * keeper finish its cleanup (closing our end tells it to stop). */
static void finish_parent(struct launch *l, struct tty_relay *tty, struct net_helper *net, bool mapped)
{
  tty_relay_stop(tty);
  net_stop(net);
  close_fd(&l->parent_sock);
  close_fd(&l->init_pidfd);
  if (l->keeper_pid > 0)
    while (waitpid(l->keeper_pid, NULL, 0) < 0 && errno == EINTR)
      ;
  if (!mapped)
    runtime_remove(&l->rt);  /* the keeper never got to own it */
  close_fd(&l->rt.dir_fd);
  close_fd(&l->rt.lock_fd);
  userns_plan_free(&l->ids);
  seccomp_filter_free(&l->seccomp);
}

int run_sandbox(const struct spec *s, struct error *err)
{
  struct launch l = {.spec = s, .parent_pid = getpid(), .parent_sock = -1, .keeper_sock = -1, .init_pidfd = -1};
  struct sync_msg m;
  static struct tty_relay tty;  /* two 64 KiB buffers: not on the stack */
  struct net_helper net = {.ready_fd = -1, .exit_fd = -1};
  _cleanup_close_ int sigfd = -1;
  bool mapped = false;
  int r, passfd;
  unsigned long long t = l.t0 = now_usec();

  tty.master = -1;
  /* Before anything exists: a bad profile or --user fails here, with
   * nothing to undo. */
  if ((r = seccomp_filter_compile(s->seccomp, s->seccomp_file, s->caps, &l.seccomp, err)) < 0)
    goto out;
  stage_done(&l, "hutch", "compile seccomp filter", &t);
  if ((r = sigfd = setup_parent(&l, err)) < 0)
    goto out;
  if ((r = userns_plan(s, &l.ids, err)) < 0 || (r = userns_check_user(s, &l.ids, err)) < 0)
    goto out;
  stage_done(&l, "hutch", "plan user namespace", &t);
  if ((r = runtime_create(&l.rt, err)) < 0 || (r = write_etc_files(&l, err)) < 0)
    goto out;
  stage_done(&l, "hutch", "runtime directory", &t);
  if ((r = portfwd_listen(s, &l.pf, err)) < 0 || (r = spawn_keeper(&l, err)) < 0)
    goto out;
  portfwd_close_listeners(&l.pf);  /* the keeper holds them now */
  stage_done(&l, "hutch", "clone keeper", &t);

  /* sync 2: the keeper is in its user namespace; map it. */
  if ((r = userns_apply(&l.ids, l.keeper_pid, err)) < 0)
    goto out;
  mapped = true;
  if ((r = sync_send(l.parent_sock, SYNC_MAPPED, 0, NULL, -1)) < 0) {
    error_set(err, -r, "the keeper ended before it was mapped");
    goto out;
  }
  stage_done(&l, "hutch", "write id maps", &t);

  /* sync 3: init's host pid, to pass signals on. */
  if ((r = wait_step(&l, sigfd, SYNC_SANDBOX_PID, &m, NULL, err)) < 0)
    goto out;
  l.init_pid = m.value;
  l.init_pidfd = (int) syscall(SYS_pidfd_open, l.init_pid, 0);
  if (l.init_pidfd < 0) {
    r = error_set(err, errno, "pidfd_open of the sandbox's init (pid %d)", l.init_pid);
    goto out;
  }

  /* sync 4: init's network namespace: the network helper starts on it
   * while init builds the root. */
  if ((r = wait_step(&l, sigfd, SYNC_NETNS, &m, &passfd, err)) < 0)
    goto out;
  r = net_start(s, &l.rt, passfd, &net, err);
  close_fd(&passfd);
  if (r < 0)
    goto out;

  /* sync 5: the pty master, if the command gets a terminal. */
  if (l.tty && ((r = wait_step(&l, sigfd, SYNC_PTY, &m, &passfd, err)) < 0 ||
                (r = tty_relay_start(&tty, passfd, err)) < 0))
    goto out;

  /* sync 6 and 7: root built, network up; let the command run. */
  if ((r = wait_step(&l, sigfd, SYNC_READY, &m, NULL, err)) < 0)
    goto out;
  stage_done(&l, "hutch", "sandbox ready", &t);
  while ((r = net_wait_ready(s, &net, sigfd, err)) == -EINTR)
    if ((r = setup_interrupted(sigfd, err)) < 0)
      goto out;
  if (r < 0)
    goto out;
  if (net.pid > 0)
    stage_done(&l, "hutch", "network ready", &t);
  sync_send(l.parent_sock, SYNC_GO, 0, NULL, -1);

  /* sync 8 */
  r = supervise(&l, sigfd, &tty, err);

out:
  finish_parent(&l, &tty, &net, mapped);
  stage_done(&l, "hutch", "exit", &t);
  if (r < 0)
    return err->status ? err->status : 125;
  return r;
}
