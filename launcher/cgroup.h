/* cgroup.h: the sandbox's own cgroup, where the caller's cgroup v2
 * directory is delegated to them: made before the launch, init placed in
 * it, removed when the sandbox ends. What to make is decided by
 * limits_resolve() (limits.h: struct limits_cgroup); this file only
 * carries it out. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "limits.h"

struct cgroup_sandbox {
  char *sandbox;      /* DIR/hutch-PID: the limits, and init with its tree */
  char *supervisor;   /* DIR/hutch-PID-supervisor: hutch itself */
};

/* Make the sandbox's cgroup under c->dir (which limits_resolve() checked is
 * the caller's, with the controllers, and holds no process but self): move
 * self (hutch) into a leaf of its own, enable the controllers in
 * DIR/cgroup.subtree_control, make DIR/hutch-SELF and write its limits.
 * Stale hutch-* cgroups of hutches that died are removed first. Does
 * nothing when c->on is false. */
int cgroup_sandbox_make(const struct limits_cgroup *c, pid_t self, struct cgroup_sandbox *cg, struct error *err);
/* The sandbox's cgroup directory, for clone3's CLONE_INTO_CGROUP
 * (O_CLOEXEC; the caller closes it), or -1 when there is none. */
int cgroup_sandbox_open(const struct cgroup_sandbox *cg);
/* Move pid (the sandbox's init) into the sandbox's cgroup. */
int cgroup_sandbox_place(const struct cgroup_sandbox *cg, pid_t pid, struct error *err);
/* rmdir the sandbox's cgroup, once everything in it has ended; the
 * supervisor leaf holds hutch until it exits, and goes with the next
 * launch's reaping (or with the systemd scope it sits in). */
void cgroup_sandbox_remove(struct cgroup_sandbox *cg);
/* Remove DIR's empty hutch-PID and hutch-PID-supervisor cgroups whose PID
 * is no longer alive (a hutch killed with SIGKILL leaves them). */
void cgroup_reap_stale(const char *dir, pid_t self);
