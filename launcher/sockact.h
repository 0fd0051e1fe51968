/* sockact.h: socket activation, systemd's way: listening sockets handed to
 * the command as descriptors 3, 4... with LISTEN_FDS, LISTEN_PID and
 * LISTEN_FDNAMES. The sockets come from two places: those hutch itself was
 * started with (systemd, systemd-socket-activate), and the ports published
 * with --port-driver socket, which hutch binds on the host. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"

struct spec;
struct plan;

/* The sockets hutch was handed by its own activator: fds 3..n+2. */
struct sockact_inherited {
  int n;          /* 0: hutch was not socket-activated */
  char *names;    /* LISTEN_FDNAMES as given (n names), or NULL */
};

/* What the command gets: fds 3..n+2, named. */
struct sockact {
  int n;
  int n_inherited;
  char *names;    /* LISTEN_FDNAMES, colon-separated; NULL when n is 0 */
};

/* First thing in `hutch run`, before any descriptor is closed: take the
 * sockets hutch's activator passed (LISTEN_PID is our pid), mark them
 * close-on-exec, and unset LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES from
 * hutch's own environment, so that no helper sees them and the command
 * gets them once, from hutch. */
void sockact_inherit(struct sockact_inherited *in);
void sockact_inherited_free(struct sockact_inherited *in);

/* How many descriptors from 3 on the command will get: run_prepare_fds()
 * must keep (or reserve) that many. */
int sockact_count(const struct spec *s);

/* While the plan is made, last: bind the ports published with
 * --port-driver socket and put them in their places (3 + inherited...),
 * which run_prepare_fds() reserved. With policy_only nothing is bound. */
int sockact_resolve(const struct spec *s, bool policy_only, struct plan *p, struct error *err);
void sockact_free(struct sockact *sa);
/* For --print-policy: the descriptors and their names. */
void sockact_describe(const struct sockact *sa, FILE *f);

/* In the command's process, after environ is the plan's and before exec:
 * LISTEN_FDS, LISTEN_FDNAMES, and LISTEN_PID, the pid this process has in
 * the sandbox, which only it knows for sure. */
void sockact_setenv(const struct sockact *sa);
