/* proc.h: making processes. clone3 for the launch's own processes, one
 * spawn function for every helper hutch starts (newuidmap, newgidmap,
 * fuse-overlayfs, pasta, slirp4netns, the port forwarder), and the decoding
 * of wait statuses. One place decides what a helper inherits. */
#pragma once

#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Field 22 of /proc/PID/stat: the start time in clock ticks since boot,
 * which tells a process from a later one of the same pid. 0, or -ESRCH or
 * -EINVAL. */
int proc_start_time(pid_t pid, unsigned long long *out);
/* The same, with the parent's pid (field 4) in *ppid unless ppid is NULL. */
int proc_parent_start(pid_t pid, pid_t *ppid, unsigned long long *start);
/* pidfd_open(2) and pidfd_send_signal(2) (sig 0: is it alive?), as the
 * system calls return: -1 with errno set on failure. */
int proc_pidfd_open(pid_t pid);
int proc_pidfd_signal(int pidfd, int sig);
/* clone3() without a new stack, so a fork with namespace flags; *pidfd gets
 * a pidfd when pidfd is not NULL. Returns as fork() does. */
pid_t proc_clone(unsigned long long flags, int *pidfd);
/* The same, the child starting in the cgroup v2 directory cgroup_fd
 * (CLONE_INTO_CGROUP, Linux 5.7); with CLONE_NEWCGROUP its cgroup
 * namespace is rooted there. */
pid_t proc_clone_into(unsigned long long flags, int cgroup_fd);

/* A helper's standard streams. */
enum proc_stdio {
  PROC_NULL,      /* /dev/null */
  PROC_INHERIT,   /* hutch's own */
  PROC_DEBUG,     /* hutch's own at --log-level debug, else /dev/null */
};

/* What a helper gets, and nothing more:
 *   - its stdin /dev/null, stdout and stderr as asked (or err_fd for stderr);
 *   - the descriptors in keep (their numbers unchanged), every other one
 *     closed; none of hutch's sockets, locks or --preserve-fds ones;
 *   - an empty signal mask and default dispositions for SIGPIPE, so that a
 *     helper is not started with the signals hutch blocks for its signalfd;
 *   - death_signal when the process that spawned it dies (0: none), checked
 *     at once for the race between fork and prctl;
 *   - a process group of its own with own_pgrp, out of the terminal's
 *     reach: ^C is hutch's to pass on.
 * Then it execs argv (argv[0] looked up in PATH when it has no slash), or,
 * with fn set, runs prepare(arg) if set, then fn(arg), which must not
 * return. An exec failure (or prepare's, a negative errno) is reported back
 * through a close-on-exec pipe, so proc_spawn fails with its errno instead
 * of a helper that exits 127; with prepare, proc_spawn returns once it has
 * run. */
#define PROC_MAX_KEEP 256
struct proc_spawn {
  char *const *argv;
  const char *path;      /* the file to exec with argv, if not argv[0] */
  void (*fn)(void *arg);
  int (*prepare)(void *arg);
  void *arg;
  const int *keep;
  size_t n_keep;
  enum proc_stdio out, errout;
  int err_fd;            /* >= 0: the helper's stderr (overrides errout) */
  int death_signal;
  bool own_pgrp;
};
/* Start a helper; returns its pid, or a negative errno with err set. */
pid_t proc_spawn(const struct proc_spawn *ps, struct error *err);

/* A wait status as an exit status: the code, or 128+N for signal N. */
int proc_exit_status(int wstatus);
/* waitpid(pid), retried on EINTR; returns the exit status as above, or a
 * negative errno. */
int proc_wait(pid_t pid);
/* A waitid() result of a child that ended, as an exit status. */
int proc_siginfo_status(const siginfo_t *si);
/* SIGKILL and reap; for helpers that hold no state worth a clean stop. */
void proc_kill(pid_t *pid, int sig);
/* hutch's own umask, 022, so that what it makes has the modes it asks for
 * (a run directory 0700, not 0000 under the caller's 0777); the caller's,
 * kept for the command (exec.c), which gets it back as without hutch. */
void proc_umask_own(void);
mode_t proc_umask_caller(void);

/* A signal that means "stop" to a sandbox: what Ctrl-C, kill and hutch stop
 * send (INT, TERM, HUP, QUIT, KILL). */
bool proc_signal_stops(int sig);

/* Close every descriptor from `from` on but those in keep (-1 entries
 * ignored; at most PROC_MAX_KEEP + 1). Only system calls: safe in a vfork
 * child, or one that shares hutch's memory. */
void proc_close_all_but(unsigned int from, const int *keep, size_t n);
/* In a child just forked from `parent`: die with signal sig when the parent
 * dies, and at once if it already has. */
void proc_die_with_parent(pid_t parent, int sig);

/* In a process whose user namespace hutch has just mapped (the keeper, or
 * init when there is none): become non-dumpable (only now: hutch writes the
 * maps through /proc/PID, which that closes to it), root inside where there
 * is one, and set the parent-death signal again, which a change of
 * credentials clears. The caller then checks that its parent still lives. */
void proc_settle_mapped(int death_signal);

/* The command line a process shows in /proc/PID/cmdline, which anyone who
 * can see the process may read: main() hands over its argv once, and a
 * child that is not hutch any more (init) renames itself, so that no host
 * path (ROOT, volumes) shows inside the sandbox. */
void proc_title_init(int argc, char **argv);
void proc_set_title(const char *title);
