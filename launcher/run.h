/* run.h: one launch, from a plan to the command's exit status. */
#pragma once

#include "plan.h"

/* Run the sandbox the plan describes; returns the exit status for hutch
 * (the command's, or 125/126/127/128+N with err set). */
int run_sandbox(const struct plan *p, struct error *err);

/* What a sandbox's monitor (monitor.c) adds to a launch: descriptors it
 * serves while the command runs (its control socket, the log pipe, a
 * timer), told about through event(); started() once the command has
 * exec'd; and a directory for the writes that outlives the run. */
#define RUN_MONITOR_FDS 3
struct run_monitor {
  int fds[RUN_MONITOR_FDS];    /* -1: none */
  const char *rw_kept;         /* runtime.h */
  bool rw_keep;
  void *ctx;
  void (*started)(void *ctx);
  /* keeper_sock: where REQ_SIGNAL and REQ_STOP go (the keeper's REPLY is
   * read and dropped by the launch). */
  void (*event)(void *ctx, int fd, short revents, int keeper_sock);
};
int run_sandbox_monitored(const struct plan *p, const struct run_monitor *m, struct error *err);
/* Whether the launch needs the keeper (fuse-overlayfs, squashfuse, --upper
 * disk, a network helper, hutch's port forwarder; not ports passed to the
 * command with --port-driver socket); the reasons go to the debug log. Without one, hutch clones init directly (run.c). */
bool launch_needs_keeper(const struct plan *p);

/* Before the plan is made: keep 3..N+2 for --preserve-fds (holding
 * /dev/null where the caller left a gap, so that hutch's own descriptors
 * land above them) and close the rest: a descriptor the caller leaked must
 * not reach the sandbox. */
void run_prepare_fds(int preserve_fds);
