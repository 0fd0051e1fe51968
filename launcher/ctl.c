/* ctl.c: hutch ps, logs, stop, kill, rm, wait and inspect, on the state of
 * state.c and the monitor's control socket (monitor.c; requests in the
 * format of sync.h). */
#define _GNU_SOURCE
#include "ctl.h"

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "logfile.h"
#include "state.h"
#include "sync.h"
#include "tty.h"
#include "util.h"

static int usage(const char *text)
{
  fprintf(stderr, "hutch: usage: %s\nhutch: fix: see hutch --help\n", text);
  return EXIT_HUTCH_FAILED;
}

static int failed(struct error *err)
{
  error_print(err);
  return err->status ? err->status : EXIT_HUTCH_FAILED;
}

/* A connection to the sandbox's monitor (its ctl socket), or -errno. */
static int connect_ctl(const struct sandbox *sb)
{
  _cleanup_close_ int dir = open(sb->run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/ctl", dir);
  if (dir < 0 || s < 0 || connect(s, (struct sockaddr *) &a, sizeof a) < 0) {
    int e = -errno;
    if (s >= 0)
      close(s);
    return e;
  }
  return s;
}

/* One request to the monitor; its REPLY's value, or a negative errno. */
static int request(const struct sandbox *sb, enum sync_type type, int value)
{
  _cleanup_close_ int s = connect_ctl(sb);
  if (s < 0)
    return s;
  int r = sync_send(s, type, value, -1);
  struct pollfd p = {.fd = s, .events = POLLIN};
  struct sync_msg m;
  if (r < 0 || poll(&p, 1, 5000) <= 0 || sync_recv(s, &m, NULL) < 0 || m.type != SYNC_REPLY)
    return r < 0 ? r : -ETIMEDOUT;
  return m.value;
}

/* Wait until the monitor has let go of the lock (the sandbox has ended
 * and its monitor cleaned up): true when it did within secs (< 0: ever). */
static bool wait_ended(struct sandbox *sb, int secs)
{
  unsigned long long end = now_usec() + (unsigned long long) (secs < 0 ? 0 : secs) * 1000000ULL;
  while (state_running(sb)) {
    if (secs >= 0 && now_usec() >= end)
      return false;
    usleep(20000);
  }
  return true;
}

/* One command's work on one open sandbox: 0, or a negative errno with err
 * filled. */
typedef int (*named_step_fn)(struct sandbox *sb, const void *arg, struct error *err);

/* stop, kill, rm and wait: STEP on each of the n names in turn, each opened
 * for it and closed after; the first that is missing or fails ends the
 * command with its error. */
static int each_named(char **names, int n, named_step_fn step, const void *arg)
{
  for (int i = 0; i < n; i++) {
    struct sandbox sb = SANDBOX_INIT;
    struct error err = {0};
    int r = state_open(&sb, names[i], &err);
    if (r == 0)
      r = step(&sb, arg, &err);
    state_close(&sb);
    if (r < 0)
      return failed(&err);
  }
  return 0;
}

static void reopen(struct sandbox *sb)
{
  _cleanup_free_ char *name = xstrdup(sb->name);
  struct error e = {0};
  state_close(sb);
  state_open(sb, name, &e);
}

/* ------------------------------------------------------------------- ps */

static char *human_time(long long secs)
{
  if (secs < 60)
    return xasprintf("%llds", secs);
  if (secs < 3600)
    return xasprintf("%lldm%llds", secs / 60, secs % 60);
  if (secs < 86400)
    return xasprintf("%lldh%lldm", secs / 3600, secs % 3600 / 60);
  return xasprintf("%lldd%lldh", secs / 86400, secs % 86400 / 3600);
}

static char *joined(json_object *a, const char *sep)
{
  char *out = xstrdup("");
  for (size_t i = 0; a && json_object_is_type(a, json_type_array) && i < json_object_array_length(a); i++) {
    char *n = xasprintf("%s%s%s", out, i ? sep : "", json_object_get_string(json_object_array_get_idx(a, i)));
    free(out);
    out = n;
  }
  return out;
}

/* For a terminal: a control character (ESC, BEL, a newline...) of a
 * command or a root, which an image's Cmd can hold, shown as `?`, as ls
 * -q does, so that ps cannot be made to move the cursor, retitle the
 * window or fake a line. In place. */
static char *printable(char *s)
{
  for (unsigned char *c = (unsigned char *) s; *c; c++)
    if (*c < 0x20 || *c == 0x7f)
      *c = '?';
  return s;
}

int ctl_ps(int argc, char **argv)
{
  bool all = false, json = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--all"))
      all = true;
    else if (!strcmp(argv[i], "--format") && i + 1 < argc && !strcmp(argv[i + 1], "json"))
      json = true, i++;
    else if (!strcmp(argv[i], "--format=json"))
      json = true;
    else
      return usage("hutch ps [-a] [--format json]");
  }
  _cleanup_strv_ char **names = state_list();
  json_object *list = json_object_new_array();
  if (!json)
    printf("%-24s %-17s %-8s %-24s %-30s %s\n", "NAME", "STATUS", "UPTIME", "PORTS", "ROOT", "COMMAND");
  for (size_t i = 0; names[i]; i++) {
    struct sandbox sb = SANDBOX_INIT;
    struct error e = {0};
    if (state_open(&sb, names[i], &e) < 0) {
      state_close(&sb);
      continue;
    }
    bool running = state_running(&sb);
    if (!running && !all) {
      state_close(&sb);
      continue;
    }
    const char *st = state_str(&sb, "status");
    long long code = state_int(&sb, "exit_code", -1);
    _cleanup_free_ char *status = !strcmp(st, "exited") ? (code >= 0 ? xasprintf("exited (%lld)", code)
                                                                      : xstrdup("exited (unknown)"))
                                                         : xstrdup(running ? st : "exited (unknown)");
    long long started = state_int(&sb, "started", 0);
    _cleanup_free_ char *up = running && started ? human_time(time(NULL) - started) : xstrdup("-");
    _cleanup_free_ char *ports = joined(state_get(&sb, "ports"), ",");
    _cleanup_free_ char *cmd = joined(state_get(&sb, "command"), " ");
    if (json) {
      json_object *o = json_object_new_object();
      json_object_object_add(o, "name", json_object_new_string(sb.name));
      json_object_object_add(o, "id", json_object_new_string(state_str(&sb, "id")));
      json_object_object_add(o, "status", json_object_new_string(running ? "running" : "exited"));
      json_object_object_add(o, "exit_code", code >= 0 && !running ? json_object_new_int64(code) : NULL);
      json_object_object_add(o, "uptime", json_object_new_int64(running && started ? time(NULL) - started : 0));
      json_object_object_add(o, "ports", json_object_get(state_get(&sb, "ports")));
      json_object_object_add(o, "root", json_object_new_string(state_str(&sb, "root")));
      json_object_object_add(o, "command", json_object_get(state_get(&sb, "command")));
      json_object_array_add(list, o);
    } else {
      _cleanup_free_ char *root = xstrdup(state_str(&sb, "root"));
      printf("%-24s %-17s %-8s %-24s %-30s %s\n", sb.name, printable(status), up, ports[0] ? printable(ports) : "-",
             printable(root), printable(cmd));
    }
    state_close(&sb);
  }
  if (json)
    printf("%s\n", json_object_to_json_string_ext(list, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put(list);
  return 0;
}

/* ----------------------------------------------------------------- logs */

static bool still_running(void *arg)
{
  return state_running(arg);
}

int ctl_logs(int argc, char **argv)
{
  bool follow = false;
  long tail = -1;
  static const struct option opts[] = {{"follow", no_argument, NULL, 'f'}, {"tail", required_argument, NULL, 'n'}, {0}};
  int c;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+fn:", opts, NULL)) != -1) {
    if (c == 'f') {
      follow = true;
    } else if (c == 'n') {
      char *end;
      tail = strtol(optarg, &end, 10);
      if (*end || tail < 0)
        return usage("hutch logs [-f] [--tail N] NAME (N: a number of lines)");
    } else {
      return usage("hutch logs [-f] [--tail N] NAME");
    }
  }
  if (optind != argc - 1)
    return usage("hutch logs [-f] [--tail N] NAME");
  struct sandbox sb = SANDBOX_INIT;
  struct error err = {0};
  int r = state_open(&sb, argv[optind], &err);
  if (r == 0)
    r = logfile_print(sb.run_dir, tail, follow, still_running, &sb, &err);
  state_close(&sb);
  return r < 0 ? failed(&err) : 0;
}

/* ------------------------------------------------------ stop, kill, wait */

static int parse_int(const char *v, int *out)
{
  char *end;
  long n = strtol(v, &end, 10);
  if (!*v || *end || n < 0 || n > 1000000)
    return -EINVAL;
  *out = (int) n;
  return 0;
}

static int stop_one(struct sandbox *sb, const void *arg, struct error *err)
{
  int grace = *(const int *) arg;
  if (state_running(sb)) {
    int r = request(sb, SYNC_REQ_STOP, grace);
    if (r < 0 && state_running(sb))
      return error_set(err, -r, "cannot reach the monitor of %s", sb->name);
    if (!wait_ended(sb, grace + 10))
      return error_set(err, 0, "%s did not stop within %d s", sb->name, grace + 10);
  }
  printf("%s\n", sb->name);
  return 0;
}

int ctl_stop(int argc, char **argv)
{
  int grace = 10, i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if ((!strcmp(argv[i], "-t") || !strcmp(argv[i], "--time")) && i + 1 < argc && parse_int(argv[i + 1], &grace) == 0)
      i++;
    else
      return usage("hutch stop [-t SECONDS] NAME...");
  }
  if (i >= argc)
    return usage("hutch stop [-t SECONDS] NAME...");
  return each_named(argv + i, argc - i, stop_one, &grace);
}

static int signal_number(const char *v)
{
  int n;
  if (parse_int(v, &n) == 0)
    return n > 0 && n < NSIG ? n : -1;
  if (!strncasecmp(v, "SIG", 3))
    v += 3;
  for (int s = 1; s < NSIG; s++) {
    const char *name = sigabbrev_np(s);
    if (name && !strcasecmp(name, v))
      return s;
  }
  return -1;
}

static int kill_one(struct sandbox *sb, const void *arg, struct error *err)
{
  int r = state_running(sb) ? request(sb, SYNC_REQ_SIGNAL, *(const int *) arg) : -ESRCH;
  if (r < 0) {
    error_set(err, r == -ESRCH ? 0 : -r, "%s is not running", sb->name);
    error_fix(err, "hutch start %s runs it again", sb->name);
    err->status = EXIT_HUTCH_FAILED;
    return r;
  }
  printf("%s\n", sb->name);
  return 0;
}

int ctl_kill(int argc, char **argv)
{
  int sig = SIGKILL, i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if ((!strcmp(argv[i], "-s") || !strcmp(argv[i], "--signal")) && i + 1 < argc) {
      if ((sig = signal_number(argv[++i])) < 0) {
        fprintf(stderr, "hutch: unknown signal `%s`\nhutch: fix: use a name (TERM, KILL, HUP...) or a number\n", argv[i]);
        return EXIT_HUTCH_FAILED;
      }
    } else {
      return usage("hutch kill [-s SIGNAL] NAME...");
    }
  }
  if (i >= argc)
    return usage("hutch kill [-s SIGNAL] NAME...");
  return each_named(argv + i, argc - i, kill_one, &sig);
}

static int wait_one(struct sandbox *sb, const void *arg, struct error *err)
{
  (void) arg, (void) err;
  wait_ended(sb, -1);
  reopen(sb);
  long long code = state_int(sb, "exit_code", -1);
  if (code >= 0)
    printf("%lld\n", code);
  else
    printf("unknown\n");
  return 0;
}

int ctl_wait(int argc, char **argv)
{
  if (argc < 2)
    return usage("hutch wait NAME...");
  return each_named(argv + 1, argc - 1, wait_one, NULL);
}

/* ----------------------------------------------------------------- exec */

/* The exec'd command's end: its status, or ERROR; with -t, its terminal
 * (PTY) relayed meanwhile, SIGWINCH passed on. */
static int exec_wait(int s, const char *name)
{
  static struct tty_relay tty;  /* two 64 KiB buffers: not on the stack */
  struct error err = {0};
  int status = EXIT_HUTCH_FAILED;
  tty.master = -1;
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGWINCH);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  _cleanup_close_ int winch = signalfd(-1, &mask, SFD_CLOEXEC);
  signal(SIGPIPE, SIG_IGN);
  for (;;) {
    struct pollfd p[2 + TTY_POLLFDS] = {{.fd = s, .events = POLLIN}, {.fd = winch, .events = POLLIN}};
    tty_poll_fds(&tty, p + 2);
    if (poll(p, N_ELEMENTS(p), -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (p[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(winch, &si, sizeof si) == sizeof si)
        tty_resize(&tty);
    }
    tty_handle(&tty, p + 2);
    if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
      continue;
    struct sync_msg m;
    int fd = -1;
    if (sync_recv(s, &m, &fd) < 0) {
      tty_relay_stop(&tty);
      error_set(&err, 0, "exec: the sandbox ended before the command's status came");
      return failed(&err);
    }
    if (m.type == SYNC_PTY && fd >= 0 && tty.master < 0) {
      if (tty_relay_start(&tty, fd, &err) < 0) {
        tty_relay_stop(&tty);
        return failed(&err);
      }
      continue;
    }
    close_fd(&fd);
    if (m.type == SYNC_ERROR) {
      error_print(&m.err);
    } else if (m.type == SYNC_EXIT) {
      status = m.value;
      break;
    } else if (m.type == SYNC_REPLY && m.value < 0) {
      error_set(&err, -m.value, "exec: %s is not running", name);
      status = failed(&err);
      break;
    }
  }
  tty_drain(&tty);
  tty_relay_stop(&tty);
  return status;
}

int ctl_exec(int argc, char **argv)
{
  static const char use[] = "hutch exec [-i] [-t] [-e KEY=VAL] [-w DIR] [-u UID[:GID]] NAME COMMAND [ARG...]";
  static const struct option opts[] = {
    {"interactive", no_argument, NULL, 'i'}, {"tty", no_argument, NULL, 't'}, {"env", required_argument, NULL, 'e'},
    {"workdir", required_argument, NULL, 'w'}, {"user", required_argument, NULL, 'u'}, {0},
  };
  json_object *req = json_object_new_object(), *env = json_object_new_array(), *args = json_object_new_array();
  json_object_object_add(req, "env", env);
  json_object_object_add(req, "argv", args);
  int c, status = EXIT_HUTCH_FAILED, s = -1;
  bool tty = false;
  struct sandbox sb = SANDBOX_INIT;
  struct error err = {0};
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+ite:w:u:", opts, NULL)) != -1) {
    switch (c) {
    case 'i':
      break;
    case 't':
      tty = true;
      break;
    case 'e':
      if (!strchr(optarg, '=') || optarg[0] == '=') {
        fprintf(stderr, "hutch: exec: bad -e `%s`\nhutch: fix: use -e KEY=VALUE\n", optarg);
        goto out;
      }
      json_object_array_add(env, json_object_new_string(optarg));
      break;
    case 'w':
      if (optarg[0] != '/') {
        fprintf(stderr, "hutch: exec: -w `%s` is not an absolute path\nhutch: fix: e.g. -w /tmp\n", optarg);
        goto out;
      }
      json_object_object_add(req, "workdir", json_object_new_string(optarg));
      break;
    case 'u':
      json_object_object_add(req, "user", json_object_new_string(optarg));
      break;
    default:
      status = usage(use);
      goto out;
    }
  }
  if (argc - optind < 2) {
    status = usage(use);
    goto out;
  }
  for (int i = optind + 1; i < argc; i++)
    json_object_array_add(args, json_object_new_string(argv[i]));
  /* With a terminal on stdin, a pty of the sandbox's own, as for run:
   * the caller's terminal itself would stay open in whatever the command
   * leaves running, which could read what is typed after exec returns. */
  if (tty || isatty(STDIN_FILENO))
    json_object_object_add(req, "tty", json_object_new_boolean(true));
  if (state_open(&sb, argv[optind], &err) < 0 || !state_running(&sb)) {
    if (!err.msg[0]) {
      error_set(&err, 0, "%s is not running", sb.name);
      error_fix(&err, "hutch start %s first", sb.name);
    }
    state_close(&sb);
    status = failed(&err);
    goto out;
  }
  s = connect_ctl(&sb);
  state_close(&sb);
  const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
  if (s < 0 || sync_send(s, SYNC_REQ_EXEC, 0, -1) < 0 || sync_send_text(s, text) < 0 ||
      sync_send(s, SYNC_EXEC_FD, 0, STDIN_FILENO) < 0 || sync_send(s, SYNC_EXEC_FD, 1, STDOUT_FILENO) < 0 ||
      sync_send(s, SYNC_EXEC_FD, 2, STDERR_FILENO) < 0) {
    error_set(&err, s < 0 ? -s : errno, "exec: cannot reach the monitor of %s", argv[optind]);
    status = failed(&err);
    goto out;
  }
  status = exec_wait(s, argv[optind]);
out:
  if (s >= 0)
    close(s);
  json_object_put(req);
  return status;
}

/* ------------------------------------------------------------------- rm */

static int rm_one(struct sandbox *sb, const void *arg, struct error *err)
{
  bool force = *(const bool *) arg;
  if (state_running(sb)) {
    if (!force) {
      error_set(err, 0, "%s is running", sb->name);
      error_fix(err, "hutch stop %s first, or hutch rm -f %s", sb->name, sb->name);
      return -EBUSY;
    }
    request(sb, SYNC_REQ_STOP, 0);
    if (!wait_ended(sb, 20))
      return error_set(err, 0, "%s did not stop", sb->name);
  }
  /* Held while removing, so that a start cannot begin in between. */
  if (sb->lock_fd >= 0 && flock(sb->lock_fd, LOCK_EX | LOCK_NB) < 0)
    return error_set(err, 0, "%s was started again meanwhile", sb->name);
  int r = state_remove(sb, err);
  if (r < 0)
    return r;
  printf("%s\n", sb->name);
  return 0;
}

int ctl_rm(int argc, char **argv)
{
  bool force = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force"))
      force = true;
    else
      return usage("hutch rm [-f] NAME...");
  }
  if (i >= argc)
    return usage("hutch rm [-f] NAME...");
  return each_named(argv + i, argc - i, rm_one, &force);
}

/* ---------------------------------------------------------------- start */

int ctl_start_args(const char *name, char ***args, int *n_args, char **cwd, struct error *err)
{
  struct sandbox sb = SANDBOX_INIT;
  int r = state_open(&sb, name, err);
  if (r == 0 && state_running(&sb)) {
    error_set(err, 0, "the sandbox %s is running", name);
    error_fix(err, "hutch stop %s first", name);
    err->status = EXIT_HUTCH_FAILED;
    r = -EBUSY;
  }
  json_object *a = r == 0 ? state_get(&sb, "args") : NULL;
  if (r == 0 && (!a || !json_object_is_type(a, json_type_array) || json_object_array_length(a) < 2)) {
    error_set(err, 0, "the state of %s does not say how it was run", name);
    error_fix(err, "hutch rm %s and run it again", name);
    err->status = EXIT_HUTCH_FAILED;
    r = -EINVAL;
  }
  if (r == 0) {
    size_t n = 0;
    *args = NULL;
    for (size_t i = 0; i < json_object_array_length(a); i++)
      strv_append(args, &n, xstrdup(json_object_get_string(json_object_array_get_idx(a, i))));
    *n_args = (int) n;
    *cwd = xstrdup(state_str(&sb, "cwd"));
  }
  state_close(&sb);
  return r;
}
