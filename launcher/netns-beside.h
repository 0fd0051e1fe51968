/* netns-beside.h: the sandbox's user and network namespaces, made by a
 * child of hutch's while hutch maps them and init builds the root
 * (netns-beside.c). */
#pragma once

#include <sys/types.h>

#include "error.h"

struct netns_beside {
  pid_t pid;      /* the maker, hutch's child, in the new user namespace; 0: none */
  int pidfd;      /* its pidfd, readable once it has ended; -1 once reaped, or none */
  int sock;       /* the end that init inherits and reads the network namespace from; -1 */
};

#define NETNS_BESIDE_INIT {.pidfd = -1, .sock = -1}

/* hutch: start the maker in a user namespace of its own, which hutch then
 * maps through its pid and joins. */
int netns_beside_start(struct netns_beside *nb, struct error *err);
/* hutch: its user namespace mapped and joined, let the maker end (once it
 * has sent the network namespace). */
void netns_beside_release(struct netns_beside *nb);
/* hutch: reap the maker if it has ended (its pidfd is readable). */
void netns_beside_reap(struct netns_beside *nb);
/* init: join the network namespace that comes on *sock, waiting for it if
 * the maker has not finished, and close *sock. Does nothing when *sock is
 * -1 (none, or joined already). */
int netns_beside_join(int *sock, struct error *err);
/* hutch: close its end and reap the maker, which ends once released, or
 * once no one can read the namespace any more. */
void netns_beside_stop(struct netns_beside *nb);
