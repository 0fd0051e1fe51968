/* launch.h: the context of one launch, shared by the processes that carry
 * it out (hutch, the keeper, init, the command's process), each of which
 * gets its copy at clone. One struct, passed down; no globals. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "plan.h"
#include "rootfs.h"
#include "runtime.h"

struct launch {
  const struct plan *plan;
  struct runtime rt;         /* the run directory (without a keeper: base only) */
  struct overlay ov;         /* the keeper's overlay mount (or init's) */
  struct portfwd pf;         /* the plan's listeners; the keeper's forwarder */
  bool sigpipe_ignored;      /* the caller ran us with SIGPIPE ignored */
  pid_t parent_pid;          /* hutch on the host */
  int parent_pidfd;          /* hutch, for init on the path without a keeper */
  int parent_sock;           /* hutch <-> keeper */
  int keeper_sock;           /* keeper <-> init (hutch <-> init without a keeper) */
  bool joinable;             /* a monitored sandbox: init hands the keeper
                              * its namespaces for hutch exec (enter.c) */
  pid_t keeper_pid;          /* as hutch sees it */
  pid_t init_pid;            /* as the keeper sees it */
  bool lo_up;                /* init's network namespace came with lo up
                              * (the holder's spare, holder.c) */
  int net_sock;              /* init's network namespace comes on this,
                              * made beside (netns-beside.c); or -1 */
  int stack_fd;              /* the holder's spare's read-only overlay of
                              * the plan's layers (holder.c), for init's
                              * overlay; or -1 */
  bool mapped;               /* init was mapped and in its cgroup when
                              * cloned: no MAPPED (sync 2) comes */
};
