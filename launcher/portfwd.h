/* portfwd.h: hutch's own forwarder for published TCP ports. */
#pragma once

#include <sys/types.h>

#include "spec.h"

struct portfwd {
  int *listeners;        /* host sockets, one per published TCP port */
  unsigned short *targets;  /* the sandbox port of each */
  size_t n;
  pid_t pid;             /* the forwarder, a child of the keeper */
};

/* While the plan is made, before anything starts: listen on every published
 * TCP port. */
int portfwd_listen(const struct port_map *ports, size_t n_ports, struct portfwd *pf, struct error *err);
/* In the keeper, once init's network namespace is known: fork the forwarder
 * into it. */
int portfwd_start(struct portfwd *pf, int netns_fd, struct error *err);
/* The sandbox has ended: the forwarder stops accepting and finishes the
 * connections it carries (until no client has taken anything for 2 s).
 * Returns a pidfd that becomes readable when it is done, or -1. */
int portfwd_finish(struct portfwd *pf);
/* Stop the forwarder now (replies not finished end with a reset) and free
 * everything. */
void portfwd_stop(struct portfwd *pf);
/* Close the listeners and free the arrays (hutch's side). */
void portfwd_free(struct portfwd *pf);
/* Close hutch's copies of the listeners once the keeper holds them. */
void portfwd_close_listeners(struct portfwd *pf);
