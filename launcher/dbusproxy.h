/* dbusproxy.h: a program's D-Bus, filtered. `dbus-session` and
 * `dbus-system` give the app a bus socket that is xdg-dbus-proxy's, not the
 * bus's: the proxy (started by hutch, on the host, before the sandbox)
 * passes on only what the policy allows, so the app sees and reaches only
 * the names it was granted. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "desktop.h"
#include "error.h"

struct plan;
struct runtime;

struct dbusproxy_plan {
  char *address[DBUS_N_BUSES];   /* the bus on the host; NULL: not proxied */
  char **args;                   /* xdg-dbus-proxy's arguments after --fd=N,
                                  * with RUNDIR/ in place of the run directory */
  size_t n_args;
};

/* For app_plan: the proxy's arguments, the sockets bound into the sandbox
 * (the session bus at RUNTIME/bus, RUNTIME being the app's
 * XDG_RUNTIME_DIR inside; the system bus at /run/dbus/system_bus_socket)
 * and the bus addresses in its environment. Fails when a bus has no
 * address or xdg-dbus-proxy is not installed. */
int dbusproxy_plan(const struct desktop_spec *d, struct plan *p, const char *runtime_inside, struct error *err);
void dbusproxy_plan_free(struct dbusproxy_plan *d);
void dbusproxy_describe(const struct dbusproxy_plan *d, FILE *f);

/* hutch's side: the running proxy. */
struct dbusproxy {
  pid_t pid;       /* 0: none */
  int sync_fd;     /* our end of its --fd pipe: it exits when this closes */
};
#define DBUSPROXY_INIT {.pid = 0, .sync_fd = -1}

/* Start the proxy with its sockets in the run directory, and wait until it
 * says it listens. It dies with hutch (a parent-death signal, and the end
 * of its --fd pipe). */
int dbusproxy_start(const struct dbusproxy_plan *d, const char *run_dir, struct dbusproxy *h, struct error *err);
void dbusproxy_stop(struct dbusproxy *h);
