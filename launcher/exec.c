/* exec.c: the command's last stages. This runs in a fork of init, with all
 * of init's capabilities until caps_apply; it must drop them, and set
 * no_new_privs, Landlock and seccomp, before the exec and never after
 * touching anything the sandbox controls beyond the working directory.
 *
 * The stages, in the order bubblewrap and crun use:
 * session and terminal, environment, working directory, ids, capabilities,
 * no_new_privs, Landlock, seccomp, then exec. Where hutch still has the
 * network to wait for, GO comes just before seccomp. Failures go back to
 * init through errfd. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "caps.h"
#include "landlock.h"
#include "limits.h"
#include "proc.h"
#include "exec.h"
#include "seccomp.h"
#include "sockact.h"
#include "sync.h"
#include "tty.h"
#include "util.h"

static int set_ids(const struct plan *p, uid_t uid, gid_t gid, struct error *err)
{
  /* setgroups is denied in a namespace mapped without newgidmap; there the
   * plan holds no supplementary groups (users.c). */
  if (p->ids.newgidmap && setgroups(p->n_groups, p->groups) < 0)
    return error_set(err, errno, "setgroups");
  if (setresgid(gid, gid, gid) < 0)
    return error_set(err, errno, "--user: gid %u is not mapped in the sandbox; with --userns auto the mapped ids are 0..N of your subordinate range", gid);
  if (setresuid(uid, uid, uid) < 0)
    return error_set(err, errno, "--user: uid %u is not mapped in the sandbox; with --userns auto the mapped ids are 0..N of your subordinate range", uid);
  return 0;
}

static void fail(int errfd, struct error *err) __attribute__((noreturn));
static void fail(int errfd, struct error *err)
{
  if (err->status == 0)
    err->status = EXIT_HUTCH_FAILED;
  write_all(errfd, err, sizeof *err);
  _exit(err->status);
}

void exec_command(struct launch *l, int errfd, int slave, int go_sock)
{
  const struct plan *p = l->plan;
  struct error err = {0};

  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (l->sigpipe_ignored)
    signal(SIGPIPE, SIG_IGN);
  else
    signal(SIGPIPE, SIG_DFL);
  umask(proc_umask_caller());
  prctl(PR_SET_PDEATHSIG, SIGKILL);

  /* A session of its own: without a terminal, the command has no controlling
   * terminal at all, so even a terminal fd it inherited cannot be used for
   * TIOCSTI. With one, the sandbox's own pty is its controlling terminal. */
  if (setsid() < 0) {
    error_set(&err, errno, "setsid");
    fail(errfd, &err);
  }
  if (slave >= 0 && tty_make_controlling(slave, &err) < 0)
    fail(errfd, &err);

  if (chdir(p->workdir) < 0) {
    error_set(&err, errno, "--workdir `%s`", p->workdir);
    fail(errfd, &err);
  }
  if (caps_trim_bounding(p->caps, &err) < 0 || caps_keep_across_setuid(p->caps_other_uid, p->uid, &err) < 0 ||
      set_ids(p, p->uid, p->gid, &err) < 0 || caps_apply(p->caps, p->caps_other_uid, p->uid, &err) < 0)
    fail(errfd, &err);

  /* Descriptors past the preserved ones close at exec; errfd is among them. */
  syscall(SYS_close_range, 3 + p->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
  for (int fd = 3; fd < 3 + p->preserve_fds; fd++)
    fcntl(fd, F_SETFD, 0);

  /* The two walls that need no_new_privs, the filter last of all: from here
   * on only what the profile allows can run, and exec must be among it.
   * The limits go between them: Landlock needs descriptors that a small
   * --ulimit nofile would refuse, and nothing after needs a privilege. */
  if (landlock_apply(p->landlock, &err) < 0 || limits_apply(&p->limits, &err) < 0 || caps_mdwe(p->mdwe, &err) < 0)
    fail(errfd, &err);
  /* sync 7, where hutch has something to finish first (init.c's
   * start_command): before the filter, which may deny the wait. */
  struct sync_msg m;
  if (go_sock >= 0 && sync_expect(go_sock, SYNC_GO, &m, NULL, &err) < 0)
    fail(errfd, &err);
  if (seccomp_filter_install(&p->seccomp, &err) < 0)
    fail(errfd, &err);

  environ = p->env;
  sockact_setenv(&p->sockets);
  execvp(p->argv[0], p->argv);
  int e = errno;
  struct stat st;
  if (e == EACCES && strchr(p->argv[0], '/') && stat(p->argv[0], &st) == 0 && S_ISDIR(st.st_mode))
    e = EISDIR;  /* the kernel says EACCES for a directory; say what it is */
  if (e == ENOENT)
    error_set(&err, 0, "`%s`: command not found in the sandbox (PATH=%s)", p->argv[0], getenv("PATH"));
  else
    error_set(&err, e, "cannot run `%s` in the sandbox", p->argv[0]);
  err.status = (e == ENOENT || e == ENOTDIR) ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE;
  fail(errfd, &err);
}
