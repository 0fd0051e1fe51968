/* monitor.c: the monitor of a named or detached sandbox (conmon's role).
 *
 *   hutch run -d ...  (the client: claims the name, forks, waits, prints it)
 *     └ monitor   host side, the caller's uid: its own session, stdin
 *         │       /dev/null, stdout and stderr a pipe it copies to the log;
 *         │       holds the sandbox's lock, writes state.json, serves the
 *         │       control socket, applies --restart
 *         ├ keeper, init, the command  (run.c, one launch each start)
 *         └ pasta or slirp4netns, the port forwarder's listeners
 *
 * The monitor lives on the host because the network helpers must: they
 * are started in the caller's user namespace and die with their parent
 * (their parent-death signal), and only a host-side parent can be that.
 * The keeper stays the monitor of one launch: if the monitor is killed,
 * even with SIGKILL, the keeper's parent-death signal stops the sandbox
 * and cleans up, the helpers die with the monitor, and the lock it held
 * falls free: the next hutch command marks the sandbox exited (state.c).
 *
 * A named run in the foreground is its own monitor: the same state,
 * control socket and restarts, with the terminal instead of a log.
 */
#define _GNU_SOURCE
#include "monitor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>

#include "logfile.h"
#include "proc.h"
#include "run.h"
#include "service.h"
#include "state.h"
#include "sync.h"
#include "util.h"

struct monitor {
  struct spec *s;
  struct plan *p;
  struct sandbox sb;
  int ready_fd;        /* -d: to the client, until the command runs */
  int ctl;             /* the control socket (listening) */
  int log_pipe;        /* -d: the command's stdout and stderr */
  struct logfile log;
  int timer;           /* stop: SIGKILL when the grace is over */
  bool stopping;       /* stop asked for: no restart */
  bool launched;       /* a launch is under way */
  bool started;        /* ... and its command has exec'd */
  int restarts;
};

bool monitor_wanted(const struct spec *s)
{
  return s->service.detach || s->service.name || s->service.restart > RESTART_NO || s->service.existing;
}

/* ------------------------------------------------------- control socket */

static int listen_ctl(struct monitor *m, struct error *err)
{
  _cleanup_free_ char *path = state_run_path(&m->sb, "ctl");
  _cleanup_close_ int dir = open(m->sb.run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  /* Through the directory's descriptor: the path may be longer than
   * sun_path holds. */
  snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/ctl", dir);
  unlink(path);
  m->ctl = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  /* 0600: its directory is 0700 already, and the peer's uid is checked;
   * the socket itself says the same. */
  if (dir < 0 || m->ctl < 0 || bind(m->ctl, (struct sockaddr *) &a, sizeof a) < 0 ||
      fchmodat(dir, "ctl", 0600, 0) < 0 || listen(m->ctl, 16) < 0)
    return error_set(err, errno, "control socket `%s`", path);
  return 0;
}

/* Ask the keeper of the launch under way (keeper_sock < 0: none). */
static int to_keeper(int keeper_sock, enum sync_type type, int value)
{
  return keeper_sock < 0 ? -ESRCH : sync_send(keeper_sock, type, value, -1);
}

static void arm_timer(struct monitor *m, int secs)
{
  struct itimerspec t = {.it_value = {.tv_sec = secs}};
  timerfd_settime(m->timer, 0, &t, NULL);
}

/* One request of a hutch command (stop, kill, ps): REQ_STATUS, REQ_SIGNAL
 * (value: the signal) or REQ_STOP (value: the grace in seconds, then
 * SIGKILL), answered with REPLY. Only the caller's own uid is served (the
 * directory is 0700 as well). */
static void serve_client(struct monitor *m, int keeper_sock)
{
  _cleanup_close_ int c = accept4(m->ctl, NULL, NULL, SOCK_CLOEXEC);
  struct ucred cr;
  socklen_t len = sizeof cr;
  if (c < 0 || getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || cr.uid != getuid())
    return;
  struct pollfd p = {.fd = c, .events = POLLIN};
  struct sync_msg msg;
  if (poll(&p, 1, 1000) <= 0 || sync_recv(c, &msg, NULL) < 0)
    return;
  int value = 0;
  switch (msg.type) {
  case SYNC_REQ_STATUS:
    value = m->launched ? 1 : 0;
    break;
  case SYNC_REQ_SIGNAL:
    value = to_keeper(keeper_sock, SYNC_REQ_SIGNAL, msg.value);
    break;
  case SYNC_REQ_EXEC:
    /* The connection goes to the keeper, which reads the rest of the
     * request (enter.c) and answers the client itself. */
    if (keeper_sock >= 0 && sync_send(keeper_sock, SYNC_REQ_EXEC, 0, c) == 0)
      return;
    value = -ESRCH;
    break;
  case SYNC_REQ_STOP:
    m->stopping = true;
    if (msg.value > 0 && to_keeper(keeper_sock, SYNC_REQ_SIGNAL, SIGTERM) == 0)
      arm_timer(m, msg.value);
    else
      to_keeper(keeper_sock, SYNC_REQ_STOP, 0);
    break;
  default:
    value = -EPROTO;
  }
  sync_send(c, SYNC_REPLY, value, -1);
}

static void drain_log(struct monitor *m)
{
  if (m->log_pipe >= 0)
    while (logfile_pump(&m->log, m->log_pipe))
      ;
}

static void on_event(void *ctx, int fd, short revents, int keeper_sock)
{
  struct monitor *m = ctx;
  (void) revents;
  if (fd == m->log_pipe) {
    logfile_pump(&m->log, fd);
  } else if (fd == m->ctl) {
    serve_client(m, keeper_sock);
  } else if (fd == m->timer) {
    uint64_t n;
    if (read(m->timer, &n, sizeof n) == sizeof n)
      to_keeper(keeper_sock, SYNC_REQ_STOP, 0);
  }
}

/* ------------------------------------------------------------- the state */

static void save(struct monitor *m)
{
  struct error e = {0};
  if (state_save(&m->sb, &e) < 0)
    error_print(&e);
}

static void record_start(struct monitor *m, char **args, int n_args)
{
  struct sandbox *sb = &m->sb;
  const struct plan *p = m->p;
  state_set_str(sb, "root", m->s->root);
  json_object *cmd = json_object_new_array();
  for (size_t i = 0; p->argv && p->argv[i]; i++)
    json_object_array_add(cmd, json_object_new_string(p->argv[i]));
  state_set(sb, "command", cmd);
  json_object *ports = json_object_new_array();
  for (size_t i = 0; i < p->n_ports; i++) {
    const struct port_map *pm = &p->ports[i];
    _cleanup_free_ char *txt = xasprintf("%s%s%u->%u/%s", pm->host_ip, pm->host_ip[0] ? ":" : "", pm->host_port,
                                         pm->sandbox_port, pm->proto == PROTO_UDP ? "udp" : "tcp");
    json_object_array_add(ports, json_object_new_string(txt));
  }
  state_set(sb, "ports", ports);
  if (!m->s->service.existing) {
    json_object *a = json_object_new_array();
    for (int i = 0; i < n_args; i++)
      json_object_array_add(a, json_object_new_string(args[i]));
    state_set(sb, "args", a);
    char cwd[4096];
    state_set_str(sb, "cwd", getcwd(cwd, sizeof cwd) ? cwd : "/");
  }
  state_set_str(sb, "restart", service_restart_name(m->s->service.restart));
  state_set_int(sb, "restart_max", m->s->service.restart_max);
  state_set(sb, "rm", json_object_new_boolean(m->s->service.rm));
  state_set(sb, "detached", json_object_new_boolean(m->s->service.detach));
  state_set_str(sb, "status", "created");
  state_set_int(sb, "started", 0);
  state_set_int(sb, "restarts", 0);
  state_set_int(sb, "monitor_pid", getpid());
}

static void on_started(void *ctx)
{
  struct monitor *m = ctx;
  m->started = true;
  state_set_str(&m->sb, "status", "running");
  state_set_int(&m->sb, "started", time(NULL));
  state_set_int(&m->sb, "monitor_pid", getpid());
  /* With its start time, which tells it from a later process of that pid. */
  unsigned long long start = 0;
  proc_start_time(getpid(), &start);
  state_set_int(&m->sb, "monitor_start", (long long) start);
  state_set(&m->sb, "exit_code", NULL);
  save(m);
  if (m->ready_fd >= 0) {
    struct error ok = {0};
    if (write(m->ready_fd, &ok, sizeof ok) < 0)
      log_debug("the client is gone");
    close_fd(&m->ready_fd);
  }
}

/* ---------------------------------------------------------- the launches */

static bool should_restart(const struct monitor *m, int status, bool never_started)
{
  const struct service_spec *ss = &m->s->service;
  if (m->stopping || never_started)
    return false;
  if (ss->restart == RESTART_ALWAYS)
    return true;
  return ss->restart == RESTART_ON_FAILURE && status != 0 && (ss->restart_max == 0 || m->restarts < ss->restart_max);
}

/* The pause before a restart: 100 ms, doubling, at most 10 s; requests
 * are served meanwhile (a stop ends it). */
static void backoff(struct monitor *m)
{
  long long ms = 100LL << (m->restarts < 7 ? m->restarts : 7);
  if (ms > 10000)
    ms = 10000;
  unsigned long long end = now_usec() + (unsigned long long) ms * 1000ULL;
  while (!m->stopping) {
    unsigned long long now = now_usec();
    if (now >= end)
      break;
    struct pollfd p[2] = {{.fd = m->ctl, .events = POLLIN}, {.fd = m->log_pipe, .events = POLLIN}};
    if (poll(p, 2, (int) ((end - now) / 1000 + 1)) > 0) {
      if (p[0].revents)
        serve_client(m, -1);
      if (p[1].revents)
        logfile_pump(&m->log, m->log_pipe);
    }
  }
}

/* Launch after launch while --restart says so. Returns the last status. */
static int supervise(struct monitor *m, struct error *err)
{
  _cleanup_free_ char *rw = xasprintf("%s/rw", m->sb.data_dir);
  bool keep = !m->s->service.rm && m->s->upper != UPPER_TMPFS;
  struct run_monitor rm = {
    .fds = {m->ctl, m->log_pipe, m->timer}, .rw_kept = keep ? rw : NULL, .rw_keep = keep,
    .ctx = m, .started = on_started, .event = on_event,
  };
  if (rm.rw_kept)
    m->p->upper_on_disk = true;
  int status;
  for (;;) {
    struct error e = {0};
    m->launched = true;
    m->started = false;
    status = run_sandbox_monitored(m->p, &rm, &e);
    m->launched = false;
    drain_log(m);
    arm_timer(m, 0);
    bool never_started = !m->started;  /* a bad command or setup: no restart */
    if (e.msg[0] && m->ready_fd >= 0) {
      if (!e.status)
        e.status = status;
      if (write(m->ready_fd, &e, sizeof e) < 0)
        log_debug("the client is gone");
      close_fd(&m->ready_fd);
    } else if (e.msg[0]) {
      error_print(&e);
      *err = (struct error) {0};
    }
    state_set_str(&m->sb, "status", "exited");
    state_set_int(&m->sb, "exit_code", status);
    state_set_int(&m->sb, "finished", time(NULL));
    if (!should_restart(m, status, never_started)) {
      save(m);
      break;
    }
    state_set_int(&m->sb, "restarts", ++m->restarts);
    state_set_str(&m->sb, "status", "restarting");
    save(m);
    log_warn("sandbox %s exited with %d: restart %d", m->sb.name, status, m->restarts);
    backoff(m);
    if (m->stopping)
      break;
    plan_free(m->p);
    *m->p = (struct plan) {0};
    if (spec_resolve(m->s, false, m->p, &e) < 0) {
      error_print(&e);
      break;
    }
    if (rm.rw_kept)
      m->p->upper_on_disk = true;
  }
  return status;
}

/* ------------------------------------------------------------- detaching */

/* -d: the client waits for the monitor's word (an empty error once the
 * command runs), prints the name and returns; the monitor goes on alone.
 * Returns 1 in the monitor, the client's exit status in the client. */
static int detach(struct monitor *m, int *status, struct error *err)
{
  int rp[2], lp[2];
  if (pipe2(rp, O_CLOEXEC) < 0 || pipe2(lp, O_CLOEXEC) < 0)
    return error_set(err, errno, "pipe");
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0)
    return error_set(err, errno, "fork the monitor");
  if (pid > 0) {
    close(rp[1]);
    close(lp[0]);
    close(lp[1]);
    struct error e;
    ssize_t n;
    while ((n = read(rp[0], &e, sizeof e)) < 0 && errno == EINTR)
      ;
    close(rp[0]);
    if (n != (ssize_t) sizeof e) {
      error_set(err, 0, "the monitor of %s ended before the command started", m->sb.name);
      error_fix(err, "hutch logs %s may say why", m->sb.name);
      *status = EXIT_HUTCH_FAILED;
    } else if (e.msg[0]) {
      *err = e;
      *status = e.status ? e.status : EXIT_HUTCH_FAILED;
    } else {
      printf("%s\n", m->sb.name);
      *status = 0;
    }
    return 0;
  }
  /* The monitor: out of the caller's session and terminal; what the
   * command (and the keeper) print goes to the log through lp. */
  close(rp[0]);
  m->ready_fd = rp[1];
  setsid();
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  dup2(null, STDIN_FILENO);
  dup2(lp[1], STDOUT_FILENO);
  dup2(lp[1], STDERR_FILENO);
  close(null);
  close(lp[1]);
  m->log_pipe = lp[0];
  fcntl(m->log_pipe, F_SETFL, O_NONBLOCK);
  return 1;
}

int monitor_run(struct spec *s, struct plan *p, char **args, int n_args, struct error *err)
{
  struct service_spec *ss = &s->service;
  if (ss->detach && s->tty == TRI_ON) {
    error_set(err, 0, "-t and -d together: a detached sandbox has no terminal");
    error_fix(err, "leave out -t (hutch logs NAME shows its output)");
    return EXIT_HUTCH_FAILED;
  }
  if (ss->rm && ss->restart > RESTART_NO) {
    error_set(err, 0, "--rm and --restart together: a sandbox removed at its exit cannot restart");
    error_fix(err, "choose one of them");
    return EXIT_HUTCH_FAILED;
  }
  if (ss->detach)
    p->tty = false;
  struct monitor m = {.s = s, .p = p, .sb = SANDBOX_INIT, .ready_fd = -1, .ctl = -1, .log_pipe = -1,
                      .log = {.fd = -1, .dir_fd = -1}, .timer = -1};
  int r, status = EXIT_HUTCH_FAILED;
  if (ss->name) {
    r = state_claim(&m.sb, ss->name, ss->existing, err);
  } else {
    r = -EEXIST;
    for (int i = 0; i < 20 && r == -EEXIST; i++) {
      _cleanup_free_ char *name = service_random_name();
      state_close(&m.sb);
      *err = (struct error) {0};
      r = state_claim(&m.sb, name, false, err);
    }
  }
  if (r < 0)
    goto out;
  record_start(&m, args, n_args);
  m.timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  if (m.timer < 0 || (r = listen_ctl(&m, err)) < 0 || (r = state_save(&m.sb, err)) < 0)
    goto out;
  if (ss->detach) {
    if ((r = detach(&m, &status, err)) == 0)
      goto out;  /* the client */
    if (logfile_open(&m.log, m.sb.run_dir, err) < 0) {
      if (write(m.ready_fd, err, sizeof *err) < 0)
        log_debug("the client is gone");
      goto out;
    }
  }
  status = supervise(&m, err);
  if (ss->rm) {
    struct error e = {0};
    if (state_remove(&m.sb, &e) < 0)
      error_print(&e);
  } else {
    _cleanup_free_ char *ctl = state_run_path(&m.sb, "ctl");
    unlink(ctl);
  }
out:
  close_fd(&m.ready_fd);
  close_fd(&m.ctl);
  close_fd(&m.timer);
  close_fd(&m.log_pipe);
  logfile_close(&m.log);
  state_close(&m.sb);
  return status;
}
