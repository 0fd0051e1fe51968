/* netns-beside.h: the sandbox's network namespace, made by a child of
 * init's while init builds the root (netns-beside.c). */
#pragma once

#include <sys/types.h>

#include "error.h"

struct netns_beside {
  pid_t pid;      /* the maker, in init's pid namespace; 0: none */
  int sock;       /* init's end of the socket the namespace comes on; -1: joined, or none */
};

#define NETNS_BESIDE_INIT {.sock = -1}

/* Start the maker (init, before its map: it holds every capability of
 * its user namespace from the clone on). */
int netns_beside_start(struct netns_beside *nb, struct error *err);
/* Join the namespace the maker made, waiting for it if it has not
 * finished. Does nothing once joined, or without a maker. */
int netns_beside_join(struct netns_beside *nb, struct error *err);
/* Reap the maker (it ends once it has sent the namespace), so that
 * nothing of it is left when the command starts. */
void netns_beside_reap(struct netns_beside *nb);
