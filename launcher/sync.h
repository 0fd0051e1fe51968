/* sync.h: the protocol between hutch, the keeper and init, over
 * SOCK_SEQPACKET socketpairs (one message a packet, descriptors passed
 * with SCM_RIGHTS).
 *
 * The launch, in numbered steps (without a keeper, run.c's direct path,
 * init speaks to hutch itself: MAPPED goes to init, there is no NETNS,
 * SANDBOX_PID, STARTED nor EXIT; READY carries init's mount namespace and
 * stays unread until init has exited, so that it wakes nobody; GO follows
 * only for a command with a terminal (otherwise init goes on to the
 * command at once); hutch waits for init through a pidfd):
 *   sync 1  (clone3 returns) the keeper exists in its new user namespace
 *   sync 2  hutch -> keeper   MAPPED: maps written, go on as root inside
 *                             (sent by the process that joined the holder,
 *                             which wrote them, when the launch uses one)
 *   sync 3  keeper -> hutch   NETNS (with a network helper only): the
 *                             sandbox's network namespace, which the keeper
 *                             makes before anything else and clones init
 *                             into; hutch starts the helper on it, the
 *                             keeper its port forwarder; with pasta, ROUTES
 *                             follows: a netlink socket on the namespace's
 *                             route changes, for hutch to see pasta's
 *                             configuration come (net.c)
 *           init -> keeper    NSFD x6 (joinable sandboxes only): its mount,
 *                             pid, ipc, uts, cgroup and network namespaces,
 *                             for exec
 *   sync 4  keeper -> hutch   SANDBOX_PID: init's pid, as the keeper sees it
 *   sync 5  init -> hutch     PTY: the pseudo-terminal master (via keeper)
 *   sync 6  init -> hutch     READY: root built, waiting to exec (via keeper)
 *   sync 7  hutch -> init     GO: network up, exec the command (via keeper);
 *                             read by the command's process, which has done
 *                             all but the seccomp filter and exec meanwhile
 *   sync 7b init -> hutch     STARTED: the command has exec'd (via keeper);
 *                             a detached run returns here
 *   sync 8  keeper -> hutch   EXIT: the command's status, all cleaned up
 * Any side may send ERROR instead of its step; it reaches hutch, which
 * prints it once.
 *
 * Once the command runs, the keeper is a monitor that answers requests:
 * hutch (its first client; later a detached sandbox's `hutch` commands)
 * sends REQ_STATUS, REQ_SIGNAL (value: the signal) or REQ_STOP, and gets a
 * REPLY (value: 0 or a negative errno; for REQ_STATUS, -1 while the command
 * runs). EXIT ends the conversation.
 *
 * hutch exec: the client sends the monitor REQ_EXEC (value: 0), then a text
 * packet (the request, JSON) and three EXEC_FD messages (its stdin, stdout
 * and stderr); the monitor passes the connection itself on to the keeper
 * in a REQ_EXEC of its own (having read the client's), and the keeper's
 * process that joins the sandbox (enter.c) reads the rest and answers with
 * ERROR or EXIT.
 */
#pragma once

#include <signal.h>
#include <stddef.h>
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
  SYNC_REQ_STATUS,
  SYNC_REQ_SIGNAL,
  SYNC_REQ_STOP,
  SYNC_REPLY,
  SYNC_STARTED,
  SYNC_REQ_EXEC,
  SYNC_EXEC_FD,
  SYNC_NSFD,
  SYNC_ROUTES,
};

/* The namespaces init hands a joinable sandbox's keeper, in this order. */
#define SYNC_NAMESPACES {"mnt", "pid", "ipc", "uts", "cgroup", "net"}
#define SYNC_N_NAMESPACES 6

struct sync_msg {
  uint32_t type;
  int32_t value;
  struct error err;    /* with SYNC_ERROR only */
};

/* The status of init's ERROR when, on the path without a keeper and with
 * --overlay auto, the kernel overlay failed: hutch then launches again
 * with the keeper, which can fall back to fuse-overlayfs. */
#define SYNC_STATUS_NEEDS_KEEPER 1

/* The signals hutch passes on to the command (and init to it), as podman
 * does. */
#define SYNC_FORWARDED_SIGNALS {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH}

int sync_pair(int fds[2], struct error *err);
/* Send a message, optionally passing one fd along (passfd < 0: none). */
int sync_send(int sock, enum sync_type type, int value, int passfd);
/* Receive a message; *passfd gets a passed fd or -1. Returns 0, -EPIPE at
 * end of stream, or a negative errno. */
int sync_recv(int sock, struct sync_msg *msg, int *passfd);
/* Pass msg (and fd) on unchanged. */
int sync_forward(int sock, const struct sync_msg *msg, int passfd);
/* Wait for one message of the given type. An ERROR message, or any other,
 * fills err and returns a negative errno. */
int sync_expect(int sock, enum sync_type type, struct sync_msg *msg, int *passfd, struct error *err);
int sync_send_error(int sock, const struct error *err);
/* A packet of text (at most max - 1 bytes, NUL-terminated on receipt). */
int sync_send_text(int sock, const char *text);
int sync_recv_text(int sock, char *buf, size_t max);
const char *sync_step_name(enum sync_type type);
