/* dbusproxy.c: xdg-dbus-proxy between the app and its buses.
 *
 * The proxy runs on the host as the caller, outside the sandbox, and is
 * started before the keeper so that its sockets exist when init builds the
 * root; init binds each socket where a program looks for its bus. It is
 * started with --filter: by default the app may only talk to the bus
 * itself, and each talk=, own=, see=, call=, broadcast= of the profile
 * widens that (xdg-dbus-proxy(1) says what each level allows). On the
 * session bus the desktop portals are allowed as flatpak allows them: any
 * call to org.freedesktop.portal.*, and their signals.
 *
 * Its lifetime is hutch's: a parent-death signal, and its --fd pipe, whose
 * far end only hutch holds; the proxy writes a byte there once it listens
 * (our readiness), and exits when the pipe closes. */
#define _GNU_SOURCE
#include "dbusproxy.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"
#include "proc.h"
#include "rootfs.h"
#include "util.h"

/* How long the proxy may take to listen, on a loaded machine. */
#define DBUSPROXY_READY_MS 30000

/* Each bus's option, which also names its socket in the run directory. */
static const char *const bus_name[DBUS_N_BUSES] = {"dbus-session", "dbus-system"};

int dbusproxy_plan(const struct desktop_spec *d, struct plan *p, const char *runtime_inside, struct error *err)
{
  if (!d->dbus[DBUS_SESSION] && !d->dbus[DBUS_SYSTEM])
    return 0;
  _cleanup_free_ char *proxy = find_program("xdg-dbus-proxy");
  if (!proxy)
    return error_set(err, 0, "--%s: xdg-dbus-proxy is not installed\ninstall it (Debian: apt install "
                     "xdg-dbus-proxy), or drop the option", bus_name[d->dbus[DBUS_SESSION] ? 0 : 1]);
  struct dbusproxy_plan *dp = &p->dbus;
  for (int b = 0; b < DBUS_N_BUSES; b++) {
    if (!d->dbus[b])
      continue;
    const char *addr = b == DBUS_SESSION ? getenv("DBUS_SESSION_BUS_ADDRESS") : getenv("DBUS_SYSTEM_BUS_ADDRESS");
    if (b == DBUS_SYSTEM && (!addr || !*addr))
      addr = "unix:path=/run/dbus/system_bus_socket";
    if (!addr || !*addr)
      return error_set(err, 0, "--dbus-session: DBUS_SESSION_BUS_ADDRESS is not set, so there is no session bus "
                       "to proxy\nrun it from a desktop session (or dbus-run-session), or drop the option");
    dp->address[b] = xstrdup(addr);
    /* ADDRESS PATH, then this bus's policy. */
    strv_append(&dp->args, &dp->n_args, xstrdup(addr));
    strv_append(&dp->args, &dp->n_args, xasprintf("RUNDIR/%s", bus_name[b]));
    strv_append(&dp->args, &dp->n_args, xstrdup("--filter"));
    for (size_t i = 0; i < d->n_dbus_rules[b]; i++)
      strv_append(&dp->args, &dp->n_args, xstrdup(d->dbus_rules[b][i]));
    if (b == DBUS_SESSION) {
      strv_append(&dp->args, &dp->n_args, xstrdup("--call=org.freedesktop.portal.*=*"));
      strv_append(&dp->args, &dp->n_args, xstrdup("--broadcast=org.freedesktop.portal.*=@/org/freedesktop/portal/*"));
    }
    _cleanup_free_ char *inside = b == DBUS_SESSION ? xasprintf("%s/bus", runtime_inside)
                                                    : xstrdup("/run/dbus/system_bus_socket");
    rootfs_add_mount(p, MOUNT_RUNDIR, bus_name[b], inside, NULL, false);
    strv_append(&p->extra_env, &p->n_extra_env,
                xasprintf("%s=unix:path=%s", b == DBUS_SESSION ? "DBUS_SESSION_BUS_ADDRESS" : "DBUS_SYSTEM_BUS_ADDRESS",
                          inside));
  }
  return 0;
}

void dbusproxy_plan_free(struct dbusproxy_plan *d)
{
  for (int b = 0; b < DBUS_N_BUSES; b++)
    free(d->address[b]);
  strvfreep(&d->args);
  *d = (struct dbusproxy_plan) {0};
}

void dbusproxy_describe(const struct dbusproxy_plan *d, FILE *f)
{
  if (!d->n_args)
    return;
  fprintf(f, "  dbus:         xdg-dbus-proxy");
  for (size_t i = 0; i < d->n_args; i++)
    fprintf(f, " %s", d->args[i]);
  fprintf(f, "\n");
}

int dbusproxy_start(const struct dbusproxy_plan *d, const char *run_dir, struct dbusproxy *h, struct error *err)
{
  if (!d->n_args)
    return 0;
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) < 0)
    return error_set(err, errno, "pipe for xdg-dbus-proxy");
  _cleanup_free_ char *fd_arg = xasprintf("--fd=%d", sync[1]);
  char **argv = NULL;
  size_t n = 0;
  strv_append(&argv, &n, xstrdup("xdg-dbus-proxy"));
  strv_append(&argv, &n, xstrdup(fd_arg));
  for (size_t i = 0; i < d->n_args; i++)
    strv_append(&argv, &n, !strncmp(d->args[i], "RUNDIR/", 7) ? xasprintf("%s/%s", run_dir, d->args[i] + 7)
                                                               : xstrdup(d->args[i]));
  struct proc_spawn ps = {
    .argv = argv, .keep = &sync[1], .n_keep = 1, .out = PROC_NULL, .errout = PROC_INHERIT, .err_fd = -1,
    .death_signal = SIGKILL, .own_pgrp = true,
  };
  pid_t pid = proc_spawn(&ps, err);
  strvfreep(&argv);
  close(sync[1]);
  if (pid < 0) {
    close(sync[0]);
    return (int) pid;
  }
  h->pid = pid;
  h->sync_fd = sync[0];
  log_debug("xdg-dbus-proxy is pid %d", pid);
  /* Its byte on the pipe: it listens. End of file: it gave up (and said
   * why on stderr). */
  struct pollfd pf = {.fd = h->sync_fd, .events = POLLIN};
  int r;
  while ((r = poll(&pf, 1, DBUSPROXY_READY_MS)) < 0 && errno == EINTR)
    ;
  char c;
  if (r == 1 && read(h->sync_fd, &c, 1) == 1)
    return 0;
  dbusproxy_stop(h);
  return error_set(err, r == 0 ? ETIMEDOUT : 0, "xdg-dbus-proxy %s\ncheck the bus address (%s)",
                   r == 0 ? "did not get ready in time" : "ended before it was ready",
                   d->address[DBUS_SESSION] ? d->address[DBUS_SESSION] : d->address[DBUS_SYSTEM]);
}

void dbusproxy_stop(struct dbusproxy *h)
{
  /* Closing the pipe is its signal to stop; SIGKILL makes sure. */
  close_fd(&h->sync_fd);
  proc_kill(&h->pid, SIGKILL);
}
