/* xnest.c: the nested X server of `socket x11-isolated` (xnest.h).
 *
 * Xephyr runs on the host as the caller, a client of the caller's display,
 * started by hutch before the keeper. It picks a free display number itself
 * (-displayfd: written once it accepts connections, our readiness), takes
 * only clients holding this run's cookie (-auth, a file in the run
 * directory), and listens on no TCP port. The app sees the server as :0:
 * its socket, linked as RUNDIR/x11, is bound at /tmp/.X11-unix/X0, and the
 * app's Xauthority holds that cookie alone; the caller's display socket and
 * cookie are not in the sandbox at all. */
#define _GNU_SOURCE
#include "xnest.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "plan.h"
#include "proc.h"
#include "rootfs.h"
#include "util.h"

#define XNEST_READY_MS 30000   /* Xephyr's start, on a loaded machine */
#define XNEST_STOP_MS 5000     /* its clean exit on SIGTERM */
#define XNEST_SCREEN "1024x768"

#if HAVE_XAU
#include <X11/Xauth.h>

/* An Xauthority file's bytes holding the cookie for display `number`, for
 * any host (FamilyWild). */
static char *cookie_file(const struct xnest_plan *x, const char *number, size_t *len)
{
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  if (!f)
    return NULL;
  Xauth a = {
    .family = FamilyWild, .address = (char *) "", .address_length = 0,
    .number = (char *) number, .number_length = (unsigned short) strlen(number),
    .name = (char *) "MIT-MAGIC-COOKIE-1", .name_length = 18,
    .data = (char *) x->cookie, .data_length = sizeof x->cookie,
  };
  bool ok = XauWriteAuth(f, &a) == 1;
  fclose(f);
  if (!ok) {
    free(buf);
    return NULL;
  }
  return buf;
}

int xnest_plan(const char *app, struct plan *p, struct error *err)
{
  struct xnest_plan *x = &p->xnest;
  _cleanup_free_ char *xephyr = find_program("Xephyr");
  if (!xephyr)
    return error_set(err, 0, "socket x11-isolated: Xephyr is not installed\ninstall it (Debian: apt install "
                     "xserver-xephyr), or use socket x11");
  const char *display = getenv("DISPLAY");
  if (!display || !*display)
    return error_set(err, 0, "socket x11-isolated: DISPLAY is not set, so there is no display to show the app's "
                     "X server on\nrun it from an X session, or set DISPLAY");
  if (getrandom(x->cookie, sizeof x->cookie, 0) != (ssize_t) sizeof x->cookie)
    return error_set(err, errno, "socket x11-isolated: getrandom for the cookie");
  size_t len = 0;
  _cleanup_free_ char *auth = cookie_file(x, "0", &len);
  if (!auth)
    return error_set(err, errno, "socket x11-isolated: the app's Xauthority");
  x->on = true;
  x->title = xasprintf("hutch: %s", app);
  x->outer = xstrdup(display);
  rootfs_add_mount(p, MOUNT_RUNDIR, "x11", "/tmp/.X11-unix/X0", NULL, false);
  rootfs_add_file(p, "Xauthority", "/tmp/.Xauthority", auth, len);
  strv_append(&p->extra_env, &p->n_extra_env, xstrdup("DISPLAY=:0"));
  strv_append(&p->extra_env, &p->n_extra_env, xstrdup("XAUTHORITY=/tmp/.Xauthority"));
  return 0;
}
#else
int xnest_plan(const char *app, struct plan *p, struct error *err)
{
  (void) app, (void) p;
  return error_set(err, 0, "socket x11-isolated: hutch was built without libXau, so it cannot give the nested "
                   "server a cookie\nrebuild with libxau-dev installed, or use socket x11");
}
#endif

void xnest_plan_free(struct xnest_plan *x)
{
  free(x->title);
  free(x->outer);
  explicit_bzero(x->cookie, sizeof x->cookie);
  *x = (struct xnest_plan) {0};
}

void xnest_describe(const struct xnest_plan *x, FILE *f)
{
  if (x->on)
    fprintf(f, "  x11:          an X server of its own (Xephyr, a window on %s), seen as :0 with its own cookie; "
               "not your display\n", x->outer);
}

#if HAVE_XAU
/* Xephyr's -auth file: the cookie, 0600, in the run directory. */
static int write_server_auth(const struct xnest_plan *x, const char *path, struct error *err)
{
  size_t len = 0;
  _cleanup_free_ char *auth = cookie_file(x, "0", &len);
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (!auth || fd < 0 || write_all(fd, auth, len) < 0)
    return error_set(err, errno, "socket x11-isolated: write `%s`", path);
  return 0;
}
#endif

/* Xephyr's display number, written on fd once it accepts connections. */
static int read_display(int fd, int *display)
{
  char buf[32];
  size_t got = 0;
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long left = XNEST_READY_MS - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    int r = left > 0 ? poll(&pf, 1, (int) left) : 0;
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return -ETIMEDOUT;
    ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
    if (n <= 0)
      return -EPIPE;  /* it ended without a number */
    got += (size_t) n;
    buf[got] = '\0';
    if (strchr(buf, '\n') || got == sizeof buf - 1)
      break;
  }
  char *end;
  long d = strtol(buf, &end, 10);
  if (end == buf || d < 0 || d > 65535)
    return -EPROTO;
  *display = (int) d;
  return 0;
}

int xnest_start(const struct xnest_plan *x, const char *run_dir, struct xnest *h, struct error *err)
{
#if HAVE_XAU
  if (!x->on)
    return 0;
  _cleanup_free_ char *auth = xasprintf("%s/xephyr.auth", run_dir);
  int r = write_server_auth(x, auth, err);
  if (r < 0)
    return r;
  int dfd[2];
  if (pipe2(dfd, O_CLOEXEC) < 0)
    return error_set(err, errno, "pipe for Xephyr");
  char fdnum[16];
  snprintf(fdnum, sizeof fdnum, "%d", dfd[1]);
  char *const argv[] = {
    (char *) "Xephyr", (char *) "-displayfd", fdnum, (char *) "-auth", auth, (char *) "-nolisten", (char *) "tcp",
    /* Without it, the server resets when its last client goes, and a
     * client that connects meanwhile is refused: an app that opens a
     * second connection as its first closes (a wrapper script, a toolkit's
     * probe) would fail to start. */
    (char *) "-noreset", (char *) "-resizeable", (char *) "-screen", (char *) XNEST_SCREEN, (char *) "-title", x->title, NULL,
  };
  struct proc_spawn ps = {
    .argv = argv, .keep = &dfd[1], .n_keep = 1, .out = PROC_DEBUG, .errout = PROC_DEBUG, .err_fd = -1,
    .death_signal = SIGTERM, .own_pgrp = true,
  };
  pid_t pid = proc_spawn(&ps, err);
  close(dfd[1]);
  if (pid < 0) {
    close(dfd[0]);
    return (int) pid;
  }
  h->pid = pid;
  r = read_display(dfd[0], &h->display);
  close(dfd[0]);
  if (r < 0) {
    xnest_stop(h);
    return error_set(err, -r, "socket x11-isolated: Xephyr %s on %s\nrun with --log-level debug to see its messages",
                     r == -ETIMEDOUT ? "did not get ready in time" : "did not start", x->outer);
  }
  log_debug("Xephyr is pid %d, display :%d", pid, h->display);
  _cleanup_free_ char *sock = xasprintf("/tmp/.X11-unix/X%d", h->display), *link = xasprintf("%s/x11", run_dir);
  if (symlink(sock, link) < 0) {
    r = error_set(err, errno, "socket x11-isolated: link `%s`", link);
    xnest_stop(h);
    return r;
  }
  return 0;
#else
  (void) x, (void) run_dir, (void) h, (void) err;
  return 0;
#endif
}

void xnest_stop(struct xnest *h)
{
  if (h->pid <= 0)
    return;
  /* SIGTERM: it removes its socket and lock file; SIGKILL if it hangs. Its
   * pidfd is readable once it has ended. */
  _cleanup_close_ int pidfd = proc_pidfd_open(h->pid);
  kill(h->pid, SIGTERM);
  struct pollfd p = {.fd = pidfd, .events = POLLIN};
  if (pidfd >= 0 && poll(&p, 1, XNEST_STOP_MS) > 0) {
    proc_wait(h->pid);
    h->pid = 0;
    return;
  }
  log_warn("Xephyr (pid %d) did not stop on SIGTERM: killed", h->pid);
  proc_kill(&h->pid, SIGKILL);
}
