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

/* In hutch, before the keeper starts: listen on every published TCP port
 * (when the forwarder is hutch's). */
int portfwd_listen(const struct spec *s, struct portfwd *pf, struct error *err);
/* In the keeper, once init's network namespace is known: fork the forwarder
 * into it. */
int portfwd_start(struct portfwd *pf, int netns_fd, struct error *err);
void portfwd_stop(struct portfwd *pf);
/* Close hutch's copies of the listeners once the keeper holds them. */
void portfwd_close_listeners(struct portfwd *pf);
