/* proc.c: clone3, helper spawning, wait statuses. */
#define _GNU_SOURCE
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

pid_t proc_clone(unsigned long long flags, int *pidfd)
{
  struct clone_args args = {
    .flags = flags | (pidfd ? CLONE_PIDFD : 0),
    .pidfd = (unsigned long long) (uintptr_t) pidfd,
    .exit_signal = SIGCHLD,
  };
  return (pid_t) syscall(SYS_clone3, &args, sizeof args);
}

pid_t proc_clone_into(unsigned long long flags, int cgroup_fd)
{
  struct clone_args args = {
    .flags = flags | CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (unsigned long long) cgroup_fd,
  };
  return (pid_t) syscall(SYS_clone3, &args, sizeof args);
}

bool proc_signal_stops(int sig)
{
  return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT || sig == SIGKILL;
}

void proc_die_with_parent(pid_t parent, int sig)
{
  prctl(PR_SET_PDEATHSIG, sig);
  if (getppid() != parent)
    _exit(EXIT_HUTCH_FAILED);
}

void proc_close_all_but(unsigned int from, const int *keep, size_t n)
{
  int sorted[PROC_MAX_KEEP + 1];
  if (n > N_ELEMENTS(sorted))
    _exit(EXIT_HUTCH_FAILED);
  /* Sorted by insertion: qsort may allocate, which a vfork child must not. */
  for (size_t i = 0; i < n; i++) {
    size_t j = i;
    for (; j > 0 && sorted[j - 1] > keep[i]; j--)
      sorted[j] = sorted[j - 1];
    sorted[j] = keep[i];
  }
  for (size_t i = 0; i < n; i++) {
    if (sorted[i] < 0 || (unsigned int) sorted[i] < from)
      continue;
    if ((unsigned int) sorted[i] > from)
      syscall(SYS_close_range, from, (unsigned int) sorted[i] - 1, 0);
    from = (unsigned int) sorted[i] + 1;
  }
  syscall(SYS_close_range, from, ~0U, 0);
}

static void child_stdio(int target, enum proc_stdio how, int devnull)
{
  if (how == PROC_INHERIT || (how == PROC_DEBUG && log_level >= LOG_DEBUG))
    return;
  dup2(devnull, target);
}

/* In the child: everything the contract in proc.h promises, then exec or
 * fn. Async-signal-safe calls only until exec: hutch may have threads of
 * libraries it does not know of, and a helper that execs is started with
 * vfork, sharing hutch's memory until then (see proc_spawn). */
static void child(const struct proc_spawn *ps, pid_t parent, int report) __attribute__((noreturn));
static void child(const struct proc_spawn *ps, pid_t parent, int report)
{
  if (ps->death_signal)
    proc_die_with_parent(parent, ps->death_signal);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  if (ps->own_pgrp)
    setpgid(0, 0);

  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0)
    goto fail;
  dup2(devnull, STDIN_FILENO);
  child_stdio(STDOUT_FILENO, ps->out, devnull);
  if (ps->err_fd >= 0)
    dup2(ps->err_fd, STDERR_FILENO);
  else
    child_stdio(STDERR_FILENO, ps->errout, devnull);

  int keep[PROC_MAX_KEEP + 1];
  size_t n = 0;
  for (; n < ps->n_keep; n++)
    keep[n] = ps->keep[n];
  keep[n++] = report;
  proc_close_all_but(3, keep, n);
  /* What it keeps survives exec; the report pipe closes at exec. */
  for (size_t i = 0; i < ps->n_keep; i++)
    fcntl(ps->keep[i], F_SETFD, 0);

  if (ps->fn) {
    int r = ps->prepare ? ps->prepare(ps->arg) : 0;
    if (r < 0) {
      errno = -r;
      goto fail;
    }
    close(report);
    ps->fn(ps->arg);
    _exit(EXIT_HUTCH_FAILED);
  }
  execvp(ps->path ? ps->path : ps->argv[0], ps->argv);
fail:;
  int e = errno;
  if (write(report, &e, sizeof e) < 0)
    _exit(EXIT_NOT_FOUND);
  _exit(EXIT_NOT_FOUND);
}

pid_t proc_spawn(const struct proc_spawn *ps, struct error *err)
{
  const char *what = ps->argv ? ps->argv[0] : "a helper";
  if (ps->n_keep > PROC_MAX_KEEP)
    return error_set(err, E2BIG, "spawn %s: too many descriptors to pass", what);
  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0)
    return error_set(err, errno, "pipe for %s", what);
  pid_t parent = getpid();
  /* A helper that execs starts with vfork: no copy of hutch's page tables,
   * hutch suspended until the exec. child() writes nothing of hutch's
   * memory but its own stack (every call in it is async-signal-safe, hutch
   * has no signal handlers that could run there) and never returns. A
   * helper that runs a function (the forwarder, a log reader) needs a copy
   * of its own: fork. */
  pid_t pid = ps->fn ? fork() : vfork();
  if (pid < 0) {
    int e = errno;
    close(report[0]);
    close(report[1]);
    return error_set(err, e, "%s %s", ps->fn ? "fork" : "vfork", what);
  }
  if (pid == 0) {
    close(report[0]);
    child(ps, parent, report[1]);
  }
  close(report[1]);
  int e = 0;
  ssize_t n;
  while ((n = read(report[0], &e, sizeof e)) < 0 && errno == EINTR)
    ;
  close(report[0]);
  if (n == (ssize_t) sizeof e) {
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
      ;
    return error_set(err, e, "cannot run `%s`", what);
  }
  return pid;
}

int proc_exit_status(int wstatus)
{
  if (WIFEXITED(wstatus))
    return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus))
    return EXIT_SIGNAL_BASE + WTERMSIG(wstatus);
  return EXIT_HUTCH_FAILED;
}

int proc_wait(pid_t pid)
{
  int ws;
  while (waitpid(pid, &ws, 0) < 0)
    if (errno != EINTR)
      return -errno;
  return proc_exit_status(ws);
}

int proc_siginfo_status(const siginfo_t *si)
{
  return si->si_code == CLD_EXITED ? si->si_status : EXIT_SIGNAL_BASE + si->si_status;
}

void proc_settle_mapped(int death_signal)
{
  prctl(PR_SET_DUMPABLE, 0);
  /* Root inside where there is one, so fuse-overlayfs keeps the
   * capabilities of the namespace across its exec, and init's files are
   * root's. */
  if (setresgid(0, 0, 0) == 0 && setresuid(0, 0, 0) < 0)
    log_debug("staying uid %u inside", getuid());
  /* A change of credentials clears the parent-death signal (keep-id and a
   * root at a subordinate id change our uid on the host): set it again. */
  prctl(PR_SET_PDEATHSIG, death_signal);
}

int proc_parent_start(pid_t pid, pid_t *ppid, unsigned long long *start)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  _cleanup_free_ char *s = read_file(path, 4096, NULL);
  char *p = s ? strrchr(s, ')') : NULL;
  if (!p)
    return -ESRCH;
  /* After ") " come field 3 (the state), 4 (the parent), ... 22. */
  pid_t parent;
  unsigned long long st;
  if (sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &parent,
             &st) != 2)
    return -EINVAL;
  if (ppid)
    *ppid = parent;
  *start = st;
  return 0;
}

int proc_start_time(pid_t pid, unsigned long long *out)
{
  return proc_parent_start(pid, NULL, out);
}

int proc_pidfd_open(pid_t pid)
{
  return (int) syscall(SYS_pidfd_open, pid, 0);
}

int proc_pidfd_signal(int pidfd, int sig)
{
  return (int) syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static mode_t caller_umask = 022;

void proc_umask_own(void)
{
  caller_umask = umask(022);
}

mode_t proc_umask_caller(void)
{
  return caller_umask;
}

void proc_kill(pid_t *pid, int sig)
{
  if (*pid <= 0)
    return;
  kill(*pid, sig);
  proc_wait(*pid);
  *pid = 0;
}

/* argv's strings sit back to back in the memory the kernel reports as the
 * command line. */
static char *title_start;
static size_t title_len;

void proc_title_init(int argc, char **argv)
{
  if (argc < 1)
    return;
  title_start = argv[0];
  title_len = (size_t) (argv[argc - 1] + strlen(argv[argc - 1]) - argv[0]);
}

void proc_set_title(const char *title)
{
  prctl(PR_SET_NAME, title, 0, 0, 0);
  if (!title_start)
    return;
  /* All NUL but the title: the kernel then shows the title alone. */
  memset(title_start, 0, title_len + 1);
  memcpy(title_start, title, strlen(title) < title_len ? strlen(title) : title_len);
}
