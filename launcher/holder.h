/* holder.h: the per-user user-namespace holder. One small detached process
 * per user (and runtime directory) whose user namespace carries the full
 * subordinate map, written once by newuidmap/newgidmap; each launch then
 * makes its sandbox's user namespace inside it and writes that map itself,
 * with no setuid helper. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"
#include "userns.h"

/* The default idle time, in seconds, after which a holder with no sandbox
 * running exits; HUTCH_HOLDER_IDLE=SECONDS overrides it. */
#define HOLDER_IDLE_DEFAULT 180

struct holder {
  pid_t pid;          /* > 0: joined */
  int pidfd;
  int userns_fd;      /* the holder's user namespace */
  int busy_fd;        /* LOCK_SH for the sandbox's life (the keeper inherits it) */
  char *drop;         /* the holder's socket for holder_hand_over() */
  char *spare;        /* the file that names its spare (holder.c) */
};
#define HOLDER_INIT {.pid = 0, .pidfd = -1, .userns_fd = -1, .busy_fd = -1, .drop = NULL, .spare = NULL}

/* Whether a launch with these ids may use a holder: --userns auto or
 * keep-id with subordinate ids and the helpers, no --no-holder, no
 * HUTCH_NO_HOLDER=1 in the environment. */
bool holder_wanted(const struct userns_plan *ids);
/* Find the holder and check that it is the one recorded (pid, start time,
 * boot, namespace inode) and that its maps are those of /etc/subuid and
 * /etc/subgid now; start (or replace) it when not. Returns 0 when h can be
 * used, or a negative errno with the reason in err: the launch then maps
 * its sandbox with the helpers, as without a holder. */
int holder_join(struct holder *h, const struct userns_plan *ids, struct error *err);
/* What holder_clone() does besides the clone. */
struct holder_clone_opts {
  unsigned long long flags;  /* the namespaces (CLONE_NEWUSER is added) */
  int cgroup_fd;             /* >= 0: clone into that cgroup (CLONE_INTO_CGROUP) */
  int mapped_fd;             /* where MAPPED (sync.h) goes once the child is mapped */
  bool told;                 /* out: MAPPED was sent (only when the child is
                              * in cgroup_fd's cgroup, if one was given) */
};
/* clone3(flags | CLONE_NEWUSER ...) with the new user namespace nested in
 * the holder's, mapped by ids (translated into the holder's ids), and the
 * child made the caller's own child (CLONE_PARENT from a short-lived
 * process that joined the holder's namespace). Once the map is written,
 * that process sends MAPPED on mapped_fd, so the child need not wait for
 * the caller to tell it. Returns as fork(): 0 in the child, which is mapped
 * already; its pid in the caller; a negative errno with err set, and no
 * child left, on failure. After a failure, mapped_fd may hold a message
 * for a child that is gone: use a fresh socket. */
pid_t holder_clone(struct holder *h, const struct userns_plan *ids, struct holder_clone_opts *o, struct error *err);
/* Join, for good, the holder's spare (holder.c): a user namespace nested
 * in the holder's with --userns auto's map, and a network namespace it
 * owns, with lo up; the spare's process is killed, and the holder makes the
 * next. For a launch whose map (ids) is auto's, with the holder's limits,
 * that would make a network namespace: the caller then clones init with
 * the other namespaces only. After a join the caller is root in that user
 * namespace for good: it can no longer use the holder or the helpers.
 * Returns 0 when it joined both namespaces, 1 when it joined the user
 * namespace only (a kernel before 5.8 that refused the second), or a
 * negative errno with the caller unchanged (no spare, or not this map).
 * With stack not NULL the launch mounts its overlay itself over these
 * layers (bottom first; stats as layers_resolve() gave them, or NULL):
 * *stack is then the spare's read-only overlay of exactly these layers if
 * it has one, or -1; and the next spares are asked for one of these
 * layers when it has none (DIR/stack). */
struct layer_stat;
int holder_join_spare(struct holder *h, const struct userns_plan *ids, char *const *layers,
                      const struct layer_stat *stats, size_t n_layers, int *stack);
/* Give the holder fd to close, and close ours: a sandbox's mount
 * namespace, whose last reference it then drops, and with it every mount
 * of the sandbox, after hutch has reported the command's status. A launch
 * that did not join the holder (--userns single, mapped by the helpers)
 * looks for one at its socket all the same, never starting one, and not
 * with --no-holder or HUTCH_NO_HOLDER=1 (ids). Where no holder answers,
 * the caller's close drops it. */
void holder_hand_over(struct holder *h, const struct userns_plan *ids, int fd);
/* Close what the launch holds of the holder (the keeper keeps its own copy
 * of the busy lock). */
void holder_release(struct holder *h);

/* `hutch system reset`: stop the holder and remove its directory. Prints
 * what it did; returns 0, or a negative errno with err set. */
int holder_reset(FILE *out, struct error *err);
/* For `hutch doctor`: one line about the holder (never starts one). Returns
 * 0 when running, 1 when none. */
int holder_describe(char *buf, size_t size);
