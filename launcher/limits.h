/* limits.h: resource limits that work without root, and the check for the
 * ones that need a delegated cgroup.
 *
 * What works everywhere is set on the command's own process, before its
 * exec, and inherited by everything it starts: rlimits (--ulimit), the
 * process count through RLIMIT_NPROC (--pids-limit), the nice value, the
 * SCHED_IDLE policy and the idle I/O class. What only a cgroup can do
 * (--memory, --memory-swap, --cpus, --cpu-weight) is refused, with the fix,
 * where the caller has no cgroup v2 subtree of their own with the
 * controller: a limit the user asked for is never dropped in silence.
 *
 * The setters check the form of a value only; limits_resolve() checks the
 * values against this machine (the caller's own hard limits, the kernel's
 * version, the cgroups); limits_apply() runs in the command's process,
 * once Landlock is in and before seccomp. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "error.h"

struct spec;
struct origin;
struct userns_plan;

/* Linux has 16 rlimits, RLIMIT_CPU (0) to RLIMIT_RTTIME (15). */
#define LIMITS_N_RLIMIT 16

struct limits_rlimit {
  bool set;
  struct rlimit value;  /* RLIM_INFINITY for -1 or unlimited */
};

/* What was asked for; a zeroed struct asks for nothing. */
struct limits_spec {
  struct limits_rlimit rlimits[LIMITS_N_RLIMIT];  /* by resource number */
  bool pids_set;
  long pids;            /* --pids-limit; -1: unlimited (podman's -1 and 0) */
  bool nice_set;
  int nice;             /* -20..19 */
  bool cpu_idle, io_idle;
  /* The cgroup-only limits, as given: checked and refused (or one day
   * applied) by limits_resolve(). */
  char *memory, *memory_swap, *cpus, *cpu_weight;
};

/* cpu.max's period, in microseconds: --cpus N is a quota of N periods. */
#define LIMITS_CPU_PERIOD 100000

/* The sandbox's own cgroup (cgroup.c makes it), where the caller's cgroup
 * v2 directory is delegated to them. */
struct limits_cgroup {
  bool on;
  char dir[512];        /* the caller's cgroup: DIR/hutch-PID is made below it */
  long long memory;     /* memory.max, bytes; 0: not set */
  long long swap;       /* memory.swap.max, bytes, set with memory; -1: max */
  long long cpu_quota;  /* cpu.max quota per LIMITS_CPU_PERIOD; 0: not set */
  int cpu_weight;       /* cpu.weight; 0: not set */
  long pids;            /* pids.max; 0: not set */
};

/* What the command's process will do, nothing left implicit. */
struct limits_plan {
  struct limits_rlimit rlimits[LIMITS_N_RLIMIT];  /* --pids-limit is RLIMIT_NPROC here */
  long pids;            /* 0: none */
  bool pids_per_uid;    /* CAP_SETUID is kept: a process that changes its
                         * uid inside starts a count of its own */
  bool nice_set;
  int nice;
  bool cpu_idle, io_idle;
  struct limits_cgroup cgroup;  /* made by hutch (cgroup.c), not by the command */
};

/* The option setters (see options.c's table). */
int limits_set_ulimit(struct spec *s, const char *v, const struct origin *o, struct error *err);
int limits_set_pids_limit(struct spec *s, const char *v, const struct origin *o, struct error *err);
int limits_set_nice(struct spec *s, const char *v, const struct origin *o, struct error *err);
int limits_set_cpu_idle(struct spec *s, const char *v, const struct origin *o, struct error *err);
int limits_set_io_idle(struct spec *s, const char *v, const struct origin *o, struct error *err);
int limits_set_memory(struct spec *s, const char *v, const struct origin *o, struct error *err);
int limits_set_memory_swap(struct spec *s, const char *v, const struct origin *o, struct error *err);
int limits_set_cpus(struct spec *s, const char *v, const struct origin *o, struct error *err);
int limits_set_cpu_weight(struct spec *s, const char *v, const struct origin *o, struct error *err);

/* NAME=SOFT[:HARD] into a resource number and its values; exposed for the
 * unit tests. */
int limits_parse_ulimit(const char *arg, int *resource, struct rlimit *out, struct error *err);
/* Does a kernel of this release ("6.1.0-13-amd64") count RLIMIT_NPROC per
 * user namespace (Linux 5.14 and later)? */
bool limits_nproc_per_userns(const char *release);
/* podman's name of a resource ("nofile"), or NULL. */
const char *limits_rlimit_name(int resource);

/* Resolve the spec against this machine: hard limits above the caller's own
 * (only CAP_SYS_RESOURCE in the host's namespace may raise them), a nice
 * value below what RLIMIT_NICE allows, --pids-limit on a kernel before 5.14
 * or for a command that is root on the host, and a cgroup-only option where
 * no cgroup is delegated are errors here, with exit 125. ids and uid: the
 * sandbox's id map and the command's uid inside; caps, the command's
 * capability set (with CAP_SETUID, --pids-limit is per uid). */
int limits_resolve(const struct limits_spec *s, const struct userns_plan *ids, uid_t uid, uint64_t caps,
                   struct limits_plan *p, struct error *err);
void limits_spec_free(struct limits_spec *s);
/* The cgroup part of limits_resolve(), with the cgroup root, the text of
 * /proc/self/cgroup, the caller's uid and hutch's pid as parameters for
 * the unit tests: --memory, --memory-swap, --cpus and --cpu-weight are
 * refused (cgroup_refuse) unless the controller is delegated and the
 * caller's cgroup holds no process but self; --pids-limit becomes pids.max
 * too where pids is delegated and the cgroup is usable (RLIMIT_NPROC
 * stays). */
int limits_resolve_cgroup(const struct limits_spec *s, const char *root, const char *self_cgroup, uid_t uid,
                          pid_t self, struct limits_cgroup *out, struct error *err);
/* Do two specs ask for the same limits? For the option table's tests. */
bool limits_spec_same(const struct limits_spec *a, const struct limits_spec *b);

/* In the command's process, after its ids change and Landlock (which needs
 * descriptors a small nofile limit would refuse), before seccomp: set the
 * rlimits, the nice value, the scheduling policy and the I/O class. None of
 * it needs a privilege: limits_resolve() refused what would. */
int limits_apply(const struct limits_plan *p, struct error *err);

/* For --print-policy. */
void limits_describe(const struct limits_plan *p, FILE *f);

/* For hutch doctor: whether --pids-limit works here, and which cgroup
 * controllers are delegated, each as one line in buf. Returns true when
 * all is well. */
bool limits_doctor_pids(char *buf, size_t len);
bool limits_doctor_cgroups(char *buf, size_t len);

/* ------------------------------------------------------------ cgroups */

enum cgroup_state {
  CGROUP_NO_V2,        /* no cgroup v2 hierarchy: cgroup v1 only */
  CGROUP_V1_OWNS,      /* cgroup v2 is mounted, but the controller belongs to
                        * a v1 hierarchy (the hybrid layout) */
  CGROUP_NOT_OWNED,    /* the caller's cgroup is not theirs to manage */
  CGROUP_NO_CONTROLLER,/* it is theirs, but the controller is not enabled in it */
  CGROUP_DELEGATED,    /* it is theirs and has the controller */
};

struct cgroup_probe {
  enum cgroup_state state;
  char dir[512];       /* the caller's cgroup v2 directory, when found */
};

/* Is the cgroup v2 controller (memory, cpu, pids...) delegated to uid?
 * root is the cgroup file systems' mount point ("/sys/fs/cgroup"), self the
 * text of /proc/self/cgroup; both are parameters so that the unit tests can
 * point them at a fake tree. */
void cgroup_probe(const char *root, const char *self, uid_t uid, const char *controller, struct cgroup_probe *out);
/* The error for an option that needs the controller where the probe found
 * no delegation: what is missing and how to get it. */
int cgroup_refuse(const char *option, const char *controller, const struct cgroup_probe *pr, struct error *err);
