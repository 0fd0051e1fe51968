/* sync.h: the parent/child protocol. hutch (the parent, on the host), the
 * keeper (in the user namespace, outside the sandbox's pid namespace) and the
 * sandbox's init talk over SOCK_SEQPACKET socketpairs in numbered steps:
 *
 *   sync 1  (clone3 returns) the keeper exists in its new user namespace
 *   sync 2  parent -> keeper  MAPPED: maps written, go on as root inside
 *   sync 3  keeper -> parent  SANDBOX_PID: init's pid on the host
 *   sync 4  init -> parent    NETNS: init's network namespace fd (via keeper)
 *   sync 5  init -> parent    PTY: the pseudo-terminal master (via keeper)
 *   sync 6  init -> parent    READY: root built, waiting to exec
 *   sync 7  parent -> init    GO: network up, exec the command (via keeper)
 *   sync 8  keeper -> parent  EXIT: the command's status, all cleaned up
 * Any side may send ERROR instead; the keeper forwards it and it is printed
 * once, by the parent.
 */
#pragma once

#include <signal.h>
#include <stdint.h>

#include "error.h"

enum sync_type {
  SYNC_MAPPED = 2,
  SYNC_SANDBOX_PID,
  SYNC_NETNS,
  SYNC_PTY,
  SYNC_READY,
  SYNC_GO,
  SYNC_EXIT,
  SYNC_ERROR,
};

struct sync_msg {
  uint32_t type;
  int32_t value;
  char text[sizeof(((struct error *) 0)->msg)];
};

/* The signals hutch passes on to the command (and init to it), as podman
 * does. */
#define SYNC_FORWARDED_SIGNALS {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH}

int sync_pair(int fds[2], struct error *err);
/* Send a message, optionally passing one fd along (passfd < 0: none). */
int sync_send(int sock, enum sync_type type, int value, const char *text, int passfd);
/* Receive a message; *passfd gets a passed fd or -1. Returns 0, -EPIPE at
 * end of stream, or a negative errno. */
int sync_recv(int sock, struct sync_msg *msg, int *passfd);
/* Wait for one message of the given type. An ERROR message, or any other,
 * fills err and returns a negative errno. */
int sync_expect(int sock, enum sync_type type, struct sync_msg *msg, int *passfd, struct error *err);
int sync_send_error(int sock, const struct error *err);
