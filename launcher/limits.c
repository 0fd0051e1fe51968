/* limits.c: --ulimit, --pids-limit, --nice, --cpu-idle, --io-idle, and the
 * cgroup-only limits refused where no cgroup is delegated.
 *
 * Theory of operation. Every limit here is a property of a process that its
 * children inherit, set on the command's process just before seccomp and
 * its exec; hutch's own processes (the keeper, init, the helpers) keep the
 * caller's. Nothing needs a privilege the caller lacks, and what would
 * is refused by limits_resolve() before anything starts:
 *
 * - An rlimit may be lowered by anyone, but a hard limit may only be raised
 *   with CAP_SYS_RESOURCE in the host's user namespace, which root inside the
 *   sandbox never has. A HARD above the caller's own is an error, not an
 *   EPERM at exec time.
 * - --pids-limit is RLIMIT_NPROC. Since Linux 5.14 the kernel counts
 *   processes per user *per user namespace* (ucounts): fork() checks the
 *   count of the child's uid in its own namespace against the parent's
 *   RLIMIT_NPROC, then each enclosing namespace's count of the namespace's
 *   creator against the limit the creator had when it made the namespace.
 *   The sandbox's uid 0 is counted in the sandbox's namespace, apart from
 *   the caller's processes on the host, so a fork bomb inside stops at N
 *   while the caller's shell outside goes on. The count is per uid inside:
 *   it covers hutch's keeper and init (they run as the same uid), and a
 *   process that changes to another uid inside starts a count of its own
 *   (with CAP_SETUID, which root inside has by default, a bomb can do that
 *   on purpose; without it, and under no_new_privs, nothing changes uid).
 *   The kernel exempts a process with CAP_SYS_ADMIN or CAP_SYS_RESOURCE in
 *   the host's namespace and the host's root user, so a command that is
 *   root on the host is refused. Before 5.14 the count was global per user:
 *   a limit of N would stop the caller's own processes on the host, not
 *   the sandbox's, so it is refused there too.
 * - The nice value may be raised freely; lowered below the current value
 *   only as far as RLIMIT_NICE allows (CAP_SYS_NICE counts only in the
 *   host's namespace). SCHED_IDLE and the idle I/O class need nothing.
 * - Memory and CPU bandwidth can only be limited by a cgroup. A cgroup v2
 *   subtree the caller owns, with the controller enabled, is what systemd
 *   gives with Delegate=; without one (cgroup v1, a hybrid layout whose v1
 *   hierarchies hold the controllers, or a cgroup owned by root), these
 *   options are errors with the fix. */
#define _GNU_SOURCE
#include "limits.h"

#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "log.h"
#include "options.h"
#include "spec.h"
#include "userns.h"
#include "util.h"

/* podman's (and Docker's) names, by resource number. */
static const char *const rlimit_names[LIMITS_N_RLIMIT] = {
  [RLIMIT_CPU] = "cpu",         [RLIMIT_FSIZE] = "fsize",           [RLIMIT_DATA] = "data",
  [RLIMIT_STACK] = "stack",     [RLIMIT_CORE] = "core",             [RLIMIT_RSS] = "rss",
  [RLIMIT_NPROC] = "nproc",     [RLIMIT_NOFILE] = "nofile",         [RLIMIT_MEMLOCK] = "memlock",
  [RLIMIT_AS] = "as",           [RLIMIT_LOCKS] = "locks",           [RLIMIT_SIGPENDING] = "sigpending",
  [RLIMIT_MSGQUEUE] = "msgqueue", [RLIMIT_NICE] = "nice",           [RLIMIT_RTPRIO] = "rtprio",
  [RLIMIT_RTTIME] = "rttime",
};

const char *limits_rlimit_name(int resource)
{
  return resource >= 0 && resource < LIMITS_N_RLIMIT ? rlimit_names[resource] : NULL;
}

/* ------------------------------------------------------------- parsing */

/* A decimal count with no sign, or -1 / unlimited for RLIM_INFINITY. */
static bool parse_rlim(const char *s, size_t len, rlim_t *out)
{
  if ((len == 2 && !strncmp(s, "-1", 2)) || (len == 9 && !strncmp(s, "unlimited", 9))) {
    *out = RLIM_INFINITY;
    return true;
  }
  if (len == 0 || len > 20 || strspn(s, "0123456789") < len)
    return false;
  char buf[24];
  memcpy(buf, s, len);
  buf[len] = '\0';
  errno = 0;
  unsigned long long v = strtoull(buf, NULL, 10);
  if (errno || v >= (unsigned long long) RLIM_INFINITY)
    return false;
  *out = (rlim_t) v;
  return true;
}

static void fmt_rlim(rlim_t v, char *buf, size_t len)
{
  if (v == RLIM_INFINITY)
    snprintf(buf, len, "unlimited");
  else
    snprintf(buf, len, "%llu", (unsigned long long) v);
}

int limits_parse_ulimit(const char *arg, int *resource, struct rlimit *out, struct error *err)
{
  const char *eq = strchr(arg, '=');
  if (!eq)
    return error_set(err, 0, "bad --ulimit `%s`: use NAME=SOFT[:HARD], e.g. --ulimit nofile=1024:4096", arg);
  int r = -1;
  for (int i = 0; i < LIMITS_N_RLIMIT; i++)
    if (strlen(rlimit_names[i]) == (size_t) (eq - arg) && !strncmp(arg, rlimit_names[i], eq - arg))
      r = i;
  if (r < 0) {
    char names[256] = "";
    for (int i = 0; i < LIMITS_N_RLIMIT; i++)
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", rlimit_names[i]);
    return error_set(err, 0, "bad --ulimit `%s`: unknown limit `%.*s`; use one of %s", arg, (int) (eq - arg), arg,
                     names);
  }
  const char *v = eq + 1, *colon = strchr(v, ':');
  size_t soft_len = colon ? (size_t) (colon - v) : strlen(v);
  struct rlimit rl;
  if (!parse_rlim(v, soft_len, &rl.rlim_cur) || (colon && !parse_rlim(colon + 1, strlen(colon + 1), &rl.rlim_max)))
    return error_set(err, 0, "bad --ulimit `%s`: SOFT and HARD are numbers, -1 or unlimited, e.g. nofile=1024:4096",
                     arg);
  if (!colon)
    rl.rlim_max = rl.rlim_cur;  /* podman's: one value sets both */
  if (rl.rlim_cur > rl.rlim_max) {
    char s[24], h[24];
    fmt_rlim(rl.rlim_cur, s, sizeof s);
    fmt_rlim(rl.rlim_max, h, sizeof h);
    return error_set(err, 0, "bad --ulimit `%s`: the soft limit %s is above the hard limit %s\n"
                     "a soft limit can be at most the hard one: --ulimit %s=%s:%s", arg, s, h, rlimit_names[r], h, h);
  }
  *resource = r;
  *out = rl;
  return 0;
}

/* A number with an optional unit, as podman's --memory takes it: 512m, 2g,
 * 1073741824 (bytes). */
static bool valid_size(const char *v)
{
  size_t digits = strspn(v, "0123456789");
  if (!digits || digits > 18)
    return false;
  const char *u = v + digits;
  return !*u || (strchr("bkmgBKMG", *u) && (!u[1] || ((u[1] == 'b' || u[1] == 'B') && !u[2])));
}

/* ------------------------------------------------------------- setters */

#define LIMITS_SETTER(name) \
  int name(struct spec *s, const char *v, const struct origin *o, struct error *err)

/* V is a whole decimal number from LO to HI: *N. */
static bool long_in(const char *v, long lo, long hi, long *n)
{
  char *end;
  errno = 0;
  *n = strtol(v, &end, 10);
  return end != v && !*end && !errno && *n >= lo && *n <= hi;
}

LIMITS_SETTER(limits_set_ulimit)
{
  (void) o;
  int r;
  struct rlimit rl;
  int ret = limits_parse_ulimit(v, &r, &rl, err);
  if (ret < 0)
    return ret;
  s->limits.rlimits[r] = (struct limits_rlimit) {.set = true, .value = rl};  /* a later one wins */
  return 0;
}

LIMITS_SETTER(limits_set_pids_limit)
{
  (void) o;
  long n;
  if (!long_in(v, -1, 4194304, &n))
    return error_set(err, 0, "bad --pids-limit `%s`: use a count of processes from 1 to 4194304 (0 or -1: no limit)",
                     v);
  s->limits.pids_set = true;
  s->limits.pids = n <= 0 ? -1 : n;
  return 0;
}

LIMITS_SETTER(limits_set_nice)
{
  (void) o;
  long n;
  if (!long_in(v, -20, 19, &n))
    return error_set(err, 0, "bad --nice `%s`: use a nice value from -20 to 19, e.g. --nice 10", v);
  s->limits.nice_set = true;
  s->limits.nice = (int) n;
  return 0;
}

LIMITS_SETTER(limits_set_cpu_idle)
{
  (void) v, (void) o, (void) err;
  s->limits.cpu_idle = true;
  return 0;
}

LIMITS_SETTER(limits_set_io_idle)
{
  (void) v, (void) o, (void) err;
  s->limits.io_idle = true;
  return 0;
}

static int set_string(char **field, const char *v)
{
  free(*field);
  *field = xstrdup(v);
  return 0;
}

LIMITS_SETTER(limits_set_memory)
{
  (void) o;
  if (!valid_size(v))
    return error_set(err, 0, "bad --memory `%s`: use a size in bytes, or with b, k, m or g, e.g. --memory 512m", v);
  return set_string(&s->limits.memory, v);
}

LIMITS_SETTER(limits_set_memory_swap)
{
  (void) o;
  if (strcmp(v, "-1") && !valid_size(v))
    return error_set(err, 0, "bad --memory-swap `%s`: use a size (memory plus swap) as --memory takes it, or -1 "
                     "for unlimited swap, e.g. --memory-swap 1g", v);
  return set_string(&s->limits.memory_swap, v);
}

LIMITS_SETTER(limits_set_cpus)
{
  (void) o;
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  if (end == v || *end || errno || !(d > 0) || d > 4096 || strspn(v, "0123456789.") != strlen(v))
    return error_set(err, 0, "bad --cpus `%s`: use a number of CPUs above 0, e.g. --cpus 1.5", v);
  return set_string(&s->limits.cpus, v);
}

LIMITS_SETTER(limits_set_cpu_weight)
{
  (void) o;
  long n;
  if (!long_in(v, 1, 10000, &n))
    return error_set(err, 0, "bad --cpu-weight `%s`: use a weight from 1 to 10000 (100 is the default share)", v);
  return set_string(&s->limits.cpu_weight, v);
}

void limits_spec_free(struct limits_spec *s)
{
  free(s->memory);
  free(s->memory_swap);
  free(s->cpus);
  free(s->cpu_weight);
  *s = (struct limits_spec) {0};
}

static bool same_str(const char *a, const char *b)
{
  return a == b || (a && b && !strcmp(a, b));
}

bool limits_spec_same(const struct limits_spec *a, const struct limits_spec *b)
{
  for (int r = 0; r < LIMITS_N_RLIMIT; r++)
    if (a->rlimits[r].set != b->rlimits[r].set ||
        (a->rlimits[r].set && (a->rlimits[r].value.rlim_cur != b->rlimits[r].value.rlim_cur ||
                               a->rlimits[r].value.rlim_max != b->rlimits[r].value.rlim_max)))
      return false;
  return a->pids_set == b->pids_set && a->pids == b->pids && a->nice_set == b->nice_set && a->nice == b->nice &&
         a->cpu_idle == b->cpu_idle && a->io_idle == b->io_idle && same_str(a->memory, b->memory) &&
         same_str(a->memory_swap, b->memory_swap) && same_str(a->cpus, b->cpus) &&
         same_str(a->cpu_weight, b->cpu_weight);
}

/* ------------------------------------------------------------- cgroups */

/* Does the comma- or space-separated list hold word? */
static bool list_has(const char *list, size_t len, const char *word)
{
  size_t wl = strlen(word);
  for (size_t i = 0; i < len;) {
    size_t l = strcspn(list + i, ", \n");
    if (i + l > len)
      l = len - i;
    if (l == wl && !strncmp(list + i, word, wl))
      return true;
    i += l + 1;
  }
  return false;
}

void cgroup_probe(const char *root, const char *self, uid_t uid, const char *controller, struct cgroup_probe *out)
{
  *out = (struct cgroup_probe) {.state = CGROUP_NO_V2};
  /* /proc/self/cgroup: "ID:CONTROLLERS:PATH" lines; "0::PATH" is cgroup v2.
   * A v1 hierarchy holding the controller keeps it from v2 altogether. */
  const char *v2_path = NULL;
  size_t v2_len = 0;
  bool v1_holds = false;
  for (const char *l = self; l && *l;) {
    size_t len = strcspn(l, "\n");
    const char *c1 = memchr(l, ':', len);
    const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t) (c1 + 1 - l)) : NULL;
    if (c2 && c1 - l == 1 && l[0] == '0' && c2 == c1 + 1) {
      v2_path = c2 + 1;
      v2_len = len - (size_t) (c2 + 1 - l);
    } else if (c2 && list_has(c1 + 1, (size_t) (c2 - c1 - 1), controller)) {
      v1_holds = true;
    }
    l += len + (l[len] == '\n');
  }
  /* cgroup v2 is mounted at the root (unified) or at ROOT/unified (hybrid). */
  char mount[256];
  struct stat st;
  snprintf(mount, sizeof mount, "%s/cgroup.controllers", root);
  if (stat(mount, &st) == 0) {
    snprintf(mount, sizeof mount, "%s", root);
  } else {
    snprintf(mount, sizeof mount, "%s/unified/cgroup.controllers", root);
    if (!v2_path || stat(mount, &st) < 0)
      return;
    snprintf(mount, sizeof mount, "%s/unified", root);
  }
  if (!v2_path)
    return;
  if (v1_holds) {
    out->state = CGROUP_V1_OWNS;
    return;
  }
  snprintf(out->dir, sizeof out->dir, "%s%.*s", mount, (int) v2_len, v2_len == 1 && v2_path[0] == '/' ? "" : v2_path);
  /* Delegation hands the directory (and cgroup.procs, cgroup.subtree_control)
   * to the user: only then may they make a cgroup of their own below it. */
  if (stat(out->dir, &st) < 0 || st.st_uid != uid) {
    out->state = CGROUP_NOT_OWNED;
    return;
  }
  _cleanup_free_ char *path = xasprintf("%s/cgroup.controllers", out->dir);
  size_t len = 0;
  _cleanup_free_ char *controllers = read_file(path, 4096, &len);
  out->state = controllers && list_has(controllers, len, controller) ? CGROUP_DELEGATED : CGROUP_NO_CONTROLLER;
}

int cgroup_refuse(const char *option, const char *controller, const struct cgroup_probe *pr, struct error *err)
{
  static const char systemd_fix[] =
    "run hutch in a cgroup delegated to you, e.g. systemd-run --user --scope -p Delegate=yes hutch run ... (a "
    "systemd user session with cgroup v2); or leave %s out: --pids-limit, --ulimit, --nice, --cpu-idle and "
    "--io-idle work without a cgroup";
  switch (pr->state) {
  case CGROUP_NO_V2:
    error_set(err, 0, "%s needs a cgroup v2 %s controller delegated to you, and this machine has only cgroup v1",
              option, controller);
    error_fix(err, "the administrator can boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2); then run hutch "
              "in a delegated scope: systemd-run --user --scope -p Delegate=yes hutch run ...; or leave %s out: "
              "--pids-limit, --ulimit, --nice, --cpu-idle and --io-idle work without a cgroup", option);
    break;
  case CGROUP_V1_OWNS:
    error_set(err, 0, "%s needs the cgroup v2 %s controller, and on this machine a cgroup v1 hierarchy holds it "
              "(a hybrid layout): no cgroup limit can be delegated to you", option, controller);
    error_fix(err, "the administrator can boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2 only); then run "
              "hutch in a delegated scope: systemd-run --user --scope -p Delegate=yes hutch run ...; or leave %s "
              "out: --pids-limit, --ulimit, --nice, --cpu-idle and --io-idle work without a cgroup", option);
    break;
  case CGROUP_NOT_OWNED:
    error_set(err, 0, "%s needs a cgroup delegated to you, and your cgroup %s is not yours", option, pr->dir);
    error_fix(err, systemd_fix, option);
    break;
  case CGROUP_NO_CONTROLLER:
    error_set(err, 0, "%s needs the %s controller, and your cgroup %s does not have it", option, controller, pr->dir);
    error_fix(err, "ask for it: systemd-run --user --scope -p Delegate=%s hutch run ...; the administrator may "
              "have to delegate it to user sessions (systemctl edit user@.service: [Service] Delegate=cpu memory "
              "pids)", controller);
    break;
  case CGROUP_DELEGATED:
    /* Not an error: limits_resolve_cgroup() makes the limit there. */
    error_set(err, 0, "%s: your cgroup %s has the %s controller", option, pr->dir, controller);
    break;
  }
  return -EINVAL;
}

/* ------------------------------------------------------------- resolve */

/* A size as valid_size() accepts it, in bytes; -1 when it does not fit. */
static long long size_bytes(const char *v)
{
  char *end;
  long long n = strtoll(v, &end, 10), unit = 1;
  switch (*end) {
  case 'k': case 'K': unit = 1LL << 10; break;
  case 'm': case 'M': unit = 1LL << 20; break;
  case 'g': case 'G': unit = 1LL << 30; break;
  default: break;
  }
  return __builtin_mul_overflow(n, unit, &n) ? -1 : n;
}

/* The first process in the cgroup's cgroup.procs that is not self, or 0. */
static long other_process(const char *dir, pid_t self)
{
  _cleanup_free_ char *path = xasprintf("%s/cgroup.procs", dir);
  _cleanup_free_ char *procs = read_file(path, 1 << 20, NULL);
  for (char *t = procs, *end; t && *t; t = end) {
    long pid = strtol(t, &end, 10);
    if (end == t)
      break;
    if (pid != self)
      return pid;
  }
  return 0;
}

int limits_resolve_cgroup(const struct limits_spec *s, const char *root, const char *self_cgroup, uid_t uid,
                          pid_t self, struct limits_cgroup *out, struct error *err)
{
  *out = (struct limits_cgroup) {0};
  const struct {
    const char *option, *value, *controller;
  } cg[] = {
    {"--memory", s->memory, "memory"},
    {"--memory-swap", s->memory_swap, "memory"},
    {"--cpus", s->cpus, "cpu"},
    {"--cpu-weight", s->cpu_weight, "cpu"},
  };
  const char *first = NULL;
  struct cgroup_probe pr = {0};
  for (size_t i = 0; i < N_ELEMENTS(cg); i++) {
    if (!cg[i].value)
      continue;
    cgroup_probe(root, self_cgroup, uid, cg[i].controller, &pr);
    if (pr.state != CGROUP_DELEGATED)
      return cgroup_refuse(cg[i].option, cg[i].controller, &pr, err);
    if (!first)
      first = cg[i].option;
  }
  /* --pids-limit is RLIMIT_NPROC everywhere (resolve_pids), and pids.max
   * as well where a cgroup can be made: that one counts every uid. */
  bool pids = false;
  if (s->pids_set && s->pids > 0) {
    struct cgroup_probe pp;
    cgroup_probe(root, self_cgroup, uid, "pids", &pp);
    if (pp.state == CGROUP_DELEGATED) {
      pids = true;
      pr = pp;
    }
  }
  if (!first && !pids)
    return 0;
  /* A monitor that restarts its sandbox (--restart) resolves again from
   * the leaf it moved itself to: the cgroup to make one in is its parent. */
  _cleanup_free_ char *leaf = xasprintf("/hutch-%d-supervisor", (int) self);
  size_t dl = strlen(pr.dir), ll = strlen(leaf);
  if (dl > ll && !strcmp(pr.dir + dl - ll, leaf))
    pr.dir[dl - ll] = '\0';
  long other = other_process(pr.dir, self);
  if (other && !first) {
    log_debug("--pids-limit: your cgroup %s holds process %ld besides hutch: RLIMIT_NPROC only", pr.dir, other);
    return 0;
  }
  if (other)
    return error_set(err, 0, "%s: your cgroup %s holds other processes than hutch (pid %ld among them), and cgroup "
                     "v2 lets a cgroup either hold processes or pass its controllers on to a cgroup of the "
                     "sandbox's own\nrun hutch in a scope of its own: systemd-run --user --scope -p Delegate=yes "
                     "hutch run ...", first, pr.dir, other);
  if (s->memory_swap && !s->memory)
    return error_set(err, 0, "--memory-swap %s is memory plus swap, and needs --memory\nadd --memory SIZE (at most "
                     "%s), or use --memory alone", s->memory_swap, s->memory_swap);
  out->on = true;
  snprintf(out->dir, sizeof out->dir, "%s", pr.dir);
  if (s->memory) {
    if ((out->memory = size_bytes(s->memory)) <= 0)
      return error_set(err, 0, "bad --memory `%s`: use a size above 0 that fits 63 bits, e.g. 512m", s->memory);
    /* podman's rule: --memory-swap is memory plus swap; without it, as
     * much swap as memory; -1, swap without limit. */
    out->swap = out->memory;
    if (s->memory_swap && !strcmp(s->memory_swap, "-1")) {
      out->swap = -1;
    } else if (s->memory_swap) {
      long long total = size_bytes(s->memory_swap);
      if (total < out->memory)
        return error_set(err, 0, "--memory-swap %s is below --memory %s: it is memory plus swap\nuse --memory-swap "
                         "%s for no swap, or more", s->memory_swap, s->memory, s->memory);
      out->swap = total - out->memory;
    }
  }
  if (s->cpus) {
    out->cpu_quota = (long long) (strtod(s->cpus, NULL) * LIMITS_CPU_PERIOD + 0.5);
    if (out->cpu_quota < 1000)
      out->cpu_quota = 1000;  /* the kernel's least quota, 1 ms */
  }
  if (s->cpu_weight)
    out->cpu_weight = atoi(s->cpu_weight);
  if (pids)
    out->pids = s->pids;
  return 0;
}

bool limits_nproc_per_userns(const char *release)
{
  int major = 0, minor = 0;
  if (sscanf(release, "%d.%d", &major, &minor) != 2)
    return false;
  return major > 5 || (major == 5 && minor >= 14);
}

/* This kernel's release, and whether it counts per user namespace. */
static bool kernel_counts_nproc_per_userns(char *release, size_t len)
{
  struct utsname u;
  if (uname(&u) < 0)
    return false;
  snprintf(release, len, "%s", u.release);
  return limits_nproc_per_userns(u.release);
}

/* The command's uid as the host sees it. */
static uid_t host_uid(const struct userns_plan *ids, uid_t uid)
{
  for (size_t i = 0; i < ids->n_uid_map; i++)
    if (uid >= ids->uid_map[i].inside && uid - ids->uid_map[i].inside < ids->uid_map[i].count)
      return (uid_t) (ids->uid_map[i].outside + (uid - ids->uid_map[i].inside));
  return (uid_t) -1;
}

static int resolve_pids(const struct limits_spec *s, const struct userns_plan *ids, uid_t uid,
                        struct limits_plan *p, struct error *err)
{
  if (!s->pids_set || s->pids < 0)
    return 0;
  if (s->rlimits[RLIMIT_NPROC].set)
    return error_set(err, 0, "--pids-limit and --ulimit nproc=... both set the process limit\ngive only one");
  char release[128] = "";
  if (!kernel_counts_nproc_per_userns(release, sizeof release))
    return error_set(err, 0, "--pids-limit needs Linux 5.14 or later, and this kernel is %s: before 5.14 "
                     "RLIMIT_NPROC counts all your processes on the host, so a limit of %ld would stop your own "
                     "processes outside the sandbox, not the sandbox's\nleave --pids-limit out, or use a newer "
                     "kernel", release, s->pids);
  if (host_uid(ids, uid) == 0)
    return error_set(err, 0, "--pids-limit: the command would be root on the host (uid %u inside is uid 0 outside), "
                     "and the kernel never limits the processes of the host's root\nrun hutch as an ordinary user",
                     uid);
  p->pids = s->pids;
  p->rlimits[RLIMIT_NPROC] = (struct limits_rlimit) {.set = true, .value = {(rlim_t) s->pids, (rlim_t) s->pids}};
  return 0;
}

/* Hard limits above the caller's own: only CAP_SYS_RESOURCE in the host's
 * user namespace raises one, and the sandbox's root does not have it. */
static int check_hard_limits(const struct limits_plan *p, struct error *err)
{
  for (int r = 0; r < LIMITS_N_RLIMIT; r++) {
    if (!p->rlimits[r].set)
      continue;
    struct rlimit own;
    if (getrlimit(r, &own) < 0)
      return error_set(err, errno, "getrlimit %s", rlimit_names[r]);
    if (p->rlimits[r].value.rlim_max <= own.rlim_max)
      continue;
    char want[24], have[24];
    fmt_rlim(p->rlimits[r].value.rlim_max, want, sizeof want);
    fmt_rlim(own.rlim_max, have, sizeof have);
    const char *opt = r == RLIMIT_NPROC && p->pids ? "--pids-limit" : "--ulimit";
    return error_set(err, 0, "%s %s: the hard limit %s is above your own, %s: only root on the host can raise a "
                     "hard limit\nuse at most %s (with one value, --ulimit sets both soft and hard: --ulimit "
                     "%s=SOFT:%s keeps yours), or ask the administrator to raise yours (limits.conf)",
                     opt, rlimit_names[r], want, have, have, rlimit_names[r], have);
  }
  return 0;
}

/* A nice value below the current one needs RLIMIT_NICE to allow it: the
 * sandbox's CAP_SYS_NICE is no help, the kernel asks the host's namespace. */
static int check_nice(const struct limits_plan *p, struct error *err)
{
  if (!p->nice_set)
    return 0;
  errno = 0;
  int now = getpriority(PRIO_PROCESS, 0);
  if (now == -1 && errno)
    return error_set(err, errno, "getpriority");
  if (p->nice >= now)
    return 0;
  struct rlimit rl;
  if (p->rlimits[RLIMIT_NICE].set)
    rl = p->rlimits[RLIMIT_NICE].value;
  else if (getrlimit(RLIMIT_NICE, &rl) < 0)
    return error_set(err, errno, "getrlimit nice");
  if (rl.rlim_cur != RLIM_INFINITY && (rlim_t) (20 - p->nice) > rl.rlim_cur)
    return error_set(err, 0, "--nice %d: a nice value below your own (%d) needs RLIMIT_NICE of at least %d, and "
                     "yours is %llu\nuse --nice %d or above, or ask the administrator for a nice limit "
                     "(limits.conf: USER - nice %d)", p->nice, now, 20 - p->nice,
                     (unsigned long long) rl.rlim_cur, now, p->nice);
  return 0;
}

int limits_resolve(const struct limits_spec *s, const struct userns_plan *ids, uid_t uid, uint64_t caps,
                   struct limits_plan *p, struct error *err)
{
  int r;
  *p = (struct limits_plan) {0};
  memcpy(p->rlimits, s->rlimits, sizeof p->rlimits);
  p->nice_set = s->nice_set;
  p->nice = s->nice;
  p->cpu_idle = s->cpu_idle;
  p->io_idle = s->io_idle;

  _cleanup_free_ char *self = read_file("/proc/self/cgroup", 65536, NULL);
  if ((r = limits_resolve_cgroup(s, "/sys/fs/cgroup", self ? self : "", getuid(), getpid(), &p->cgroup, err)) < 0)
    return r;

  if ((r = resolve_pids(s, ids, uid, p, err)) < 0)
    return r;
  p->pids_per_uid = p->pids && (caps & (UINT64_C(1) << CAP_SETUID));
  if ((r = check_hard_limits(p, err)) < 0 || (r = check_nice(p, err)) < 0)
    return r;
  return 0;
}

/* --------------------------------------------------------------- apply */

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_IDLE 3
#define IOPRIO_CLASS_SHIFT 13

int limits_apply(const struct limits_plan *p, struct error *err)
{
  for (int r = 0; r < LIMITS_N_RLIMIT; r++)
    if (p->rlimits[r].set && setrlimit(r, &p->rlimits[r].value) < 0)
      return error_set(err, errno, "--ulimit %s: setrlimit", rlimit_names[r]);
  if (p->nice_set && setpriority(PRIO_PROCESS, 0, p->nice) < 0)
    return error_set(err, errno, "--nice %d: setpriority", p->nice);
  /* SCHED_IDLE keeps the nice value, and fork passes both on. */
  struct sched_param sp = {0};
  if (p->cpu_idle && sched_setscheduler(0, SCHED_IDLE, &sp) < 0)
    return error_set(err, errno, "--cpu-idle: sched_setscheduler SCHED_IDLE");
  /* The idle class needs no privilege since Linux 2.6.25; fork copies it. */
  if (p->io_idle && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT) < 0)
    return error_set(err, errno, "--io-idle: ioprio_set IOPRIO_CLASS_IDLE");
  return 0;
}

bool limits_doctor_pids(char *buf, size_t len)
{
  char release[128] = "";
  if (!kernel_counts_nproc_per_userns(release, sizeof release)) {
    snprintf(buf, len, "Linux %s counts RLIMIT_NPROC across the host: --pids-limit is refused; fix: Linux 5.14 or newer",
             release);
    return false;
  }
  snprintf(buf, len, "Linux %s counts RLIMIT_NPROC per user namespace: --pids-limit, --ulimit, --nice, --cpu-idle "
           "and --io-idle work without a cgroup", release);
  return true;
}

bool limits_doctor_cgroups(char *buf, size_t len)
{
  static const char *const controllers[] = {"memory", "cpu", "pids"};
  static const char *const said[] = {
    [CGROUP_NO_V2] = "no cgroup v2",
    [CGROUP_V1_OWNS] = "held by cgroup v1",
    [CGROUP_NOT_OWNED] = "your cgroup is not yours",
    [CGROUP_NO_CONTROLLER] = "not in your cgroup",
    [CGROUP_DELEGATED] = "delegated",
  };
  _cleanup_free_ char *self = read_file("/proc/self/cgroup", 65536, NULL);
  enum cgroup_state worst = CGROUP_DELEGATED;
  buf[0] = '\0';
  for (size_t i = 0; i < N_ELEMENTS(controllers); i++) {
    struct cgroup_probe pr;
    cgroup_probe("/sys/fs/cgroup", self ? self : "", getuid(), controllers[i], &pr);
    if (i < 2 && pr.state < worst)  /* pids: RLIMIT_NPROC does without */
      worst = pr.state;
    snprintf(buf + strlen(buf), len - strlen(buf), "%s%s: %s", i ? ", " : "", controllers[i], said[pr.state]);
  }
  const char *fix = "";
  switch (worst) {
  case CGROUP_NO_V2:
  case CGROUP_V1_OWNS:
    fix = "; fix: cgroup v2 (boot with systemd.unified_cgroup_hierarchy=1), then systemd-run --user --scope -p "
          "Delegate=yes hutch run ...";
    break;
  case CGROUP_NOT_OWNED:
    fix = "; fix: systemd-run --user --scope -p Delegate=yes hutch run ...";
    break;
  case CGROUP_NO_CONTROLLER:
    fix = "; fix: delegate the controllers to user sessions (systemctl edit user@.service: Delegate=cpu memory "
          "pids), then systemd-run --user --scope -p Delegate=yes hutch run ...";
    break;
  case CGROUP_DELEGATED:
    break;
  }
  if (worst == CGROUP_DELEGATED) {
    snprintf(buf + strlen(buf), len - strlen(buf), ": --memory, --memory-swap, --cpus and --cpu-weight make a cgroup "
             "of the sandbox's own below yours (run hutch in a scope of its own: the cgroup must hold no other "
             "process)");
    return true;
  }
  snprintf(buf + strlen(buf), len - strlen(buf), ": the options that need a controller not delegated are refused "
           "(--memory and --memory-swap: memory; --cpus and --cpu-weight: cpu)%s", fix);
  return false;
}

void limits_describe(const struct limits_plan *p, FILE *f)
{
  bool any = false;
  for (int r = 0; r < LIMITS_N_RLIMIT; r++) {
    if (!p->rlimits[r].set || (r == RLIMIT_NPROC && p->pids))
      continue;
    char s[24], h[24];
    fmt_rlim(p->rlimits[r].value.rlim_cur, s, sizeof s);
    fmt_rlim(p->rlimits[r].value.rlim_max, h, sizeof h);
    fprintf(f, "  ulimit:       %s=%s:%s\n", rlimit_names[r], s, h);
    any = true;
  }
  if (p->pids) {
    fprintf(f, "  pids limit:   %ld (RLIMIT_NPROC, counted per uid in the sandbox's user namespace%s)\n", p->pids,
            p->pids_per_uid ? "; CAP_SETUID is kept, so a process that changes its uid starts a count of its "
                              "own: --cap-drop SETUID makes it one bound for the whole command" : "");
    any = true;
  }
  if (p->nice_set)
    fprintf(f, "  nice:         %d\n", p->nice);
  if (p->cpu_idle)
    fprintf(f, "  cpu:          SCHED_IDLE (runs only when the CPU is otherwise idle)\n");
  if (p->io_idle)
    fprintf(f, "  io:           idle class (disk time only when no one else wants it)\n");
  const struct limits_cgroup *c = &p->cgroup;
  if (c->on) {
    fprintf(f, "  cgroup:       %s/hutch-PID (a cgroup of the sandbox's own; hutch moves to hutch-PID-supervisor)\n",
            c->dir);
    char swap[24];
    snprintf(swap, sizeof swap, "%lld", c->swap);
    if (c->memory)
      fprintf(f, "  cgroup:       memory.max=%lld memory.swap.max=%s\n", c->memory,
              c->swap < 0 ? "max" : swap);
    if (c->cpu_quota)
      fprintf(f, "  cgroup:       cpu.max=%lld %d\n", c->cpu_quota, LIMITS_CPU_PERIOD);
    if (c->cpu_weight)
      fprintf(f, "  cgroup:       cpu.weight=%d\n", c->cpu_weight);
    if (c->pids)
      fprintf(f, "  cgroup:       pids.max=%ld\n", c->pids);
  }
  if (!any && !p->nice_set && !p->cpu_idle && !p->io_idle && !c->on)
    fprintf(f, "  limits:       none (the caller's own rlimits)\n");
}
