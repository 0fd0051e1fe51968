/* enter.c: hutch exec. A process of the keeper's (root in the sandbox's
 * user namespace, with its capabilities, not dumpable) joins the mount,
 * pid, ipc, uts, cgroup and network namespaces of the sandbox's init
 * through a pidfd, forks the command into the pid namespace, and the
 * command goes through exec.c's stages with the sandbox's own plan: the
 * same capabilities, no_new_privs, Landlock, limits and seccomp filter,
 * only argv, the environment's -e, the working directory and the ids
 * changed. It must not: keep any descriptor of the keeper's (the host's
 * tree, the run directory, hutch's sockets) past the client's three
 * stdio descriptors, or let the command run before every stage of
 * exec_command(). The waiting process stays outside the pid namespace,
 * where nothing in the sandbox can see it; the command dies with it, and
 * with the sandbox.
 *
 *   keeper ── fork ── (exits) ── waiter: reads the request, setns(init),
 *                                 │  passes the status on, kills the
 *                                 │  command if the client goes away
 *                                 └ the command (in the pid namespace)
 */
#define _GNU_SOURCE
#include "enter.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "env.h"
#include "exec.h"
#include "proc.h"
#include "sync.h"
#include "tty.h"
#include "util.h"

/* What the client asked for. */
struct request {
  char **argv;
  char **env;          /* the plan's, with the -e ones over it */
  char *workdir;
  bool tty;            /* -t: a pty of the sandbox's devpts */
  bool has_user;
  uid_t uid;
  gid_t gid;
};

static int wait_readable(int fd, int ms)
{
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int r = poll(&p, 1, ms);
  return r > 0 ? 0 : r == 0 ? -ETIMEDOUT : -errno;
}

static int parse_request(const struct plan *p, const char *text, struct request *rq, struct error *err)
{
  json_object *j = json_tokener_parse(text), *v;
  if (!j || !json_object_is_type(j, json_type_object)) {
    json_object_put(j);
    return error_set(err, 0, "exec: a bad request");
  }
  int r = 0;
  size_t n = 0, ne = 0;
  if (json_object_object_get_ex(j, "argv", &v) && json_object_is_type(v, json_type_array))
    for (size_t i = 0; i < json_object_array_length(v) && r == 0; i++) {
      json_object *a = json_object_array_get_idx(v, i);
      if (!json_object_is_type(a, json_type_string))
        r = error_set(err, 0, "exec: a bad request (argv holds a %s)", json_type_to_name(json_object_get_type(a)));
      else
        strv_append(&rq->argv, &n, xstrdup(json_object_get_string(a)));
    }
  for (size_t i = 0; p->env && p->env[i]; i++)
    strv_append(&rq->env, &ne, xstrdup(p->env[i]));
  if (json_object_object_get_ex(j, "env", &v) && json_object_is_type(v, json_type_array))
    for (size_t i = 0; i < json_object_array_length(v) && r == 0; i++) {
      /* As `run -e` takes them; a KEY alone has no host to copy from here. */
      const char *kv = json_object_get_string(json_object_array_get_idx(v, i));
      if (kv)
        r = env_set(kv, "exec -e", &rq->env, &ne, NULL, err);
    }
  rq->tty = json_object_object_get_ex(j, "tty", &v) && json_object_get_boolean(v);
  if (json_object_object_get_ex(j, "workdir", &v) && json_object_is_type(v, json_type_string))
    rq->workdir = xstrdup(json_object_get_string(v));
  if (json_object_object_get_ex(j, "user", &v) && json_object_is_type(v, json_type_string)) {
    unsigned long u, g;
    char *end;
    const char *s = json_object_get_string(v);
    u = strtoul(s, &end, 10);
    g = u;
    if (*end == ':')
      g = strtoul(end + 1, &end, 10);
    if (end == s || *end || u >= (uid_t) -1 || g >= (gid_t) -1)
      r = error_set(err, 0, "exec: bad -u `%s`: use UID or UID:GID, as numbers", s);
    rq->has_user = true;
    rq->uid = (uid_t) u;
    rq->gid = (gid_t) g;
  }
  if (r == 0 && (!rq->argv || !rq->argv[0]))
    r = error_set(err, 0, "exec: no command");
  json_object_put(j);
  return r;
}

/* In the command's process: the sandbox's plan with the request's
 * changes, through exec_command, which never returns. */
static void run_command(struct launch *l, const struct request *rq, int errfd, int slave) __attribute__((noreturn));
static void run_command(struct launch *l, const struct request *rq, int errfd, int slave)
{
  struct plan pc = *l->plan;
  pc.argv = rq->argv;
  pc.env = rq->env;
  if (rq->workdir)
    pc.workdir = rq->workdir;
  if (rq->has_user) {
    pc.uid = rq->uid;
    pc.gid = rq->gid;
    pc.groups = NULL;
    pc.n_groups = 0;
  }
  pc.preserve_fds = 0;
  memset(&pc.sockets, 0, sizeof pc.sockets);
  struct launch lc = *l;
  lc.plan = &pc;
  lc.sigpipe_ignored = false;
  exec_command(&lc, errfd, slave, -1);
}

/* The waiter: the request, the namespaces, the command, its status. */
static void waiter(struct launch *l, const int *nsfds, int conn) __attribute__((noreturn));
static void waiter(struct launch *l, const int *nsfds, int conn)
{
  struct error err = {0};
  struct request rq = {0};
  int fds[3] = {-1, -1, -1};
  static char text[65536];
  struct sync_msg m;
  /* Nothing of the keeper's but the client's connection (then 3) and the
   * namespaces (then 4...): moved up out of the way, then down. */
  int want[1 + SYNC_N_NAMESPACES], ns[SYNC_N_NAMESPACES];
  want[0] = conn;
  for (int i = 0; i < SYNC_N_NAMESPACES; i++)
    want[1 + i] = nsfds[i];
  for (int i = 0; i < 1 + SYNC_N_NAMESPACES; i++)
    if ((want[i] = fcntl(want[i], F_DUPFD_CLOEXEC, 100)) < 0)
      _exit(EXIT_HUTCH_FAILED);
  for (int i = 0; i < 1 + SYNC_N_NAMESPACES; i++)
    if (dup3(want[i], 3 + i, O_CLOEXEC) < 0)
      _exit(EXIT_HUTCH_FAILED);
  syscall(SYS_close_range, 3 + 1 + SYNC_N_NAMESPACES, ~0U, 0);
  conn = 3;
  for (int i = 0; i < SYNC_N_NAMESPACES; i++)
    ns[i] = 4 + i;
  proc_set_title("hutch-exec");
  /* The monitor read the client's REQ_EXEC; the request's text follows. */
  if (wait_readable(conn, 5000) < 0 || sync_recv_text(conn, text, sizeof text) < 0) {
    error_set(&err, 0, "exec: the request did not come");
    goto fail;
  }
  for (int i = 0; i < 3; i++)
    if (wait_readable(conn, 5000) < 0 || sync_recv(conn, &m, &fds[i]) < 0 || m.type != SYNC_EXEC_FD || fds[i] < 0) {
      error_set(&err, 0, "exec: the client's descriptors did not come");
      goto fail;
    }
  if (parse_request(l->plan, text, &rq, &err) < 0)
    goto fail;
  /* The pid namespace applies to the children, the mount namespace last
   * (it changes the root and the working directory to the sandbox's). */
  static const int order[] = {1, 2, 3, 4, 5, 0};
  for (size_t i = 0; i < N_ELEMENTS(order); i++)
    if (!(order[i] == 5 && l->plan->network == NET_HOST) && setns(ns[order[i]], 0) < 0) {
      static const char *const names[] = SYNC_NAMESPACES;
      error_set(&err, errno, "exec: join the sandbox's %s namespace", names[order[i]]);
      goto fail;
    }
  for (int i = 0; i < SYNC_N_NAMESPACES; i++)
    close(ns[i]);
  /* -t: the pty comes from the sandbox's devpts (we are in its mount
   * namespace now); the client relays its master. */
  int master = -1, slave = -1;
  if (rq.tty && (tty_open_pair(&master, &slave, &err) < 0 || sync_send(conn, SYNC_PTY, 0, master) < 0))
    goto fail;
  close_fd(&master);
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) < 0) {
    error_set(&err, errno, "pipe");
    goto fail;
  }
  pid_t pid = fork();  /* into the pid namespace joined */
  if (pid < 0) {
    error_set(&err, errno, "exec: fork");
    goto fail;
  }
  if (pid == 0) {
    close(errpipe[0]);
    for (int i = 0; i < 3; i++)
      if (dup2(fds[i], i) < 0)
        _exit(EXIT_HUTCH_FAILED);
    close(conn);
    close(fds[0]), close(fds[1]), close(fds[2]);
    run_command(l, &rq, errpipe[1], slave);
  }
  close(errpipe[1]);
  close_fd(&slave);
  for (int i = 0; i < 3; i++)
    close_fd(&fds[i]);
  ssize_t n;
  while ((n = read(errpipe[0], &err, sizeof err)) < 0 && errno == EINTR)
    ;
  close(errpipe[0]);
  if (n == (ssize_t) sizeof err) {
    waitpid(pid, NULL, 0);
    sync_send_error(conn, &err);
    sync_send(conn, SYNC_EXIT, err.status, -1);
    _exit(0);
  }
  /* Until the command exits; a client that goes away takes it along. */
  int status = EXIT_HUTCH_FAILED;
  for (;;) {
    int ws;
    pid_t w = waitpid(pid, &ws, WNOHANG);
    if (w == pid) {
      status = proc_exit_status(ws);
      break;
    }
    struct pollfd p = {.fd = conn, .events = POLLIN};
    if (poll(&p, 1, 50) > 0 && (p.revents & (POLLHUP | POLLERR | POLLIN))) {
      char c;
      if (recv(conn, &c, 1, MSG_DONTWAIT) <= 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &ws, 0);
        _exit(0);
      }
    }
  }
  sync_send(conn, SYNC_EXIT, status, -1);
  _exit(0);
fail:
  if (err.status == 0)
    err.status = EXIT_HUTCH_FAILED;
  sync_send_error(conn, &err);
  sync_send(conn, SYNC_EXIT, err.status, -1);
  _exit(0);
}

int enter_start(struct launch *l, const int *nsfds, int conn)
{
  pid_t a = fork();
  if (a < 0)
    return -errno;
  if (a == 0) {
    /* Out of the keeper's children at once: the keeper reaps only init. */
    pid_t w = fork();
    if (w == 0)
      waiter(l, nsfds, conn);
    _exit(w < 0 ? EXIT_HUTCH_FAILED : 0);
  }
  int st = proc_wait(a);
  return st == 0 ? 0 : -ECHILD;
}
