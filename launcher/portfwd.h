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
/* Stop the forwarder once it has finished the connections it carries (a
 * client that stops reading for 2 s is left; 30 s at most), or at once
 * when wake_a or wake_b (-1: none) becomes readable; free everything. */
void portfwd_stop(struct portfwd *pf, int wake_a, int wake_b);
/* Close the listeners and free the arrays (hutch's side). */
void portfwd_free(struct portfwd *pf);
/* Close hutch's copies of the listeners once the keeper holds them. */
void portfwd_close_listeners(struct portfwd *pf);
