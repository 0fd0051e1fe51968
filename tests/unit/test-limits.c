/* test-limits.c: launcher/limits.c. The --ulimit parser with podman's names,
 * the setters' forms, and the cgroup delegation probe against fake cgroup
 * trees in a temporary directory: a unified tree with a delegated scope, the
 * same scope without a controller, a scope that is not the caller's, the
 * hybrid layout whose v1 hierarchies hold the controllers, and cgroup v1
 * alone. Links limits.c with util.c, log.c and error.c only. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../launcher/cgroup.h"
#include "../../launcher/limits.h"
#include "../../launcher/spec.h"
#include "../../launcher/util.h"
#include "tap.h"

static const char *state_name(enum cgroup_state s)
{
  switch (s) {
  case CGROUP_NO_V2: return "no-v2";
  case CGROUP_V1_OWNS: return "v1-owns";
  case CGROUP_NOT_OWNED: return "not-owned";
  case CGROUP_NO_CONTROLLER: return "no-controller";
  case CGROUP_DELEGATED: return "delegated";
  }
  return "?";
}

/* ------------------------------------------------------------- ulimit */

static void test_ulimit_names(void)
{
  static const struct {
    const char *name;
    int resource;
  } names[] = {
    {"core", RLIMIT_CORE}, {"cpu", RLIMIT_CPU}, {"data", RLIMIT_DATA}, {"fsize", RLIMIT_FSIZE},
    {"locks", RLIMIT_LOCKS}, {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC}, {"rss", RLIMIT_RSS}, {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME}, {"sigpending", RLIMIT_SIGPENDING}, {"stack", RLIMIT_STACK}, {"as", RLIMIT_AS},
  };
  TAP_INT_EQ(N_ELEMENTS(names), LIMITS_N_RLIMIT, "podman's 16 names cover every rlimit");
  for (size_t i = 0; i < N_ELEMENTS(names); i++) {
    struct error err = {0};
    struct rlimit rl;
    int r = -1;
    char arg[64];
    snprintf(arg, sizeof arg, "%s=7:9", names[i].name);
    int ret = limits_parse_ulimit(arg, &r, &rl, &err);
    tap_ok(ret == 0 && r == names[i].resource && rl.rlim_cur == 7 && rl.rlim_max == 9, "--ulimit %s is resource %d",
           arg, names[i].resource);
    TAP_STR_EQ(limits_rlimit_name(names[i].resource), names[i].name, "resource %d is named %s", names[i].resource,
               names[i].name);
  }
}

static void ulimit_ok(const char *arg, rlim_t soft, rlim_t hard)
{
  struct error err = {0};
  struct rlimit rl = {0, 0};
  int r;
  int ret = limits_parse_ulimit(arg, &r, &rl, &err);
  tap_ok(ret == 0 && rl.rlim_cur == soft && rl.rlim_max == hard, "--ulimit %s", arg);
  if (ret < 0)
    tap_diag("%s", err.msg);
}

static void ulimit_bad(const char *arg, const char *frag)
{
  struct error err = {0};
  struct rlimit rl;
  int r;
  int ret = limits_parse_ulimit(arg, &r, &rl, &err);
  tap_ok(ret < 0 && err.status == EXIT_HUTCH_FAILED && strstr(err.msg, frag), "--ulimit `%s` refused: %s", arg,
         frag);
  if (ret == 0 || !strstr(err.msg, frag))
    tap_diag("message: %s", err.msg);
}

static void test_ulimit_values(void)
{
  ulimit_ok("nofile=64", 64, 64);  /* podman's: one value sets both */
  ulimit_ok("nofile=64:128", 64, 128);
  ulimit_ok("core=0", 0, 0);
  ulimit_ok("core=-1", RLIM_INFINITY, RLIM_INFINITY);
  ulimit_ok("stack=unlimited", RLIM_INFINITY, RLIM_INFINITY);
  ulimit_ok("stack=8388608:unlimited", 8388608, RLIM_INFINITY);
  ulimit_ok("memlock=1:-1", 1, RLIM_INFINITY);
  ulimit_bad("nofile=64:32", "soft limit 64 is above the hard limit 32");
  ulimit_bad("nofile=unlimited:32", "soft limit unlimited is above the hard limit 32");
  ulimit_bad("nofile", "use NAME=SOFT[:HARD]");
  ulimit_bad("nofiles=1", "unknown limit `nofiles`");
  ulimit_bad("=1", "unknown limit ``");
  ulimit_bad("NOFILE=1", "unknown limit");
  ulimit_bad("nofile=", "SOFT and HARD are numbers");
  ulimit_bad("nofile=:5", "SOFT and HARD are numbers");
  ulimit_bad("nofile=5:", "SOFT and HARD are numbers");
  ulimit_bad("nofile=-2", "SOFT and HARD are numbers");
  ulimit_bad("nofile=+5", "SOFT and HARD are numbers");
  ulimit_bad("nofile=1:2:3", "SOFT and HARD are numbers");
  ulimit_bad("nofile=1k", "SOFT and HARD are numbers");
  ulimit_bad("nofile=18446744073709551615", "SOFT and HARD are numbers");  /* RLIM_INFINITY's own value */
  ulimit_bad("nofile=99999999999999999999999", "SOFT and HARD are numbers");
}

/* ------------------------------------------------------------ setters */

typedef int (*setter)(struct spec *, const char *, const struct origin *, struct error *);

static void setter_case(const char *what, setter set, const char *v, bool want_ok)
{
  struct spec s = {0};
  struct error err = {0};
  int r = set(&s, v, NULL, &err);
  tap_ok((r == 0) == want_ok, "%s `%s` %s", what, v, want_ok ? "accepted" : "refused");
  if ((r == 0) != want_ok)
    tap_diag("%s", err.msg);
  limits_spec_free(&s.limits);
}

static void test_setters(void)
{
  struct spec s = {0};
  struct error err = {0};
  limits_set_ulimit(&s, "nofile=10", NULL, &err);
  limits_set_ulimit(&s, "nofile=20:30", NULL, &err);
  tap_ok(s.limits.rlimits[RLIMIT_NOFILE].set && s.limits.rlimits[RLIMIT_NOFILE].value.rlim_cur == 20 &&
         s.limits.rlimits[RLIMIT_NOFILE].value.rlim_max == 30, "a repeated --ulimit: the later one wins");
  tap_ok(!s.limits.rlimits[RLIMIT_CORE].set, "a limit not given stays unset");
  limits_set_pids_limit(&s, "0", NULL, &err);
  tap_ok(s.limits.pids_set && s.limits.pids == -1, "--pids-limit 0 is podman's unlimited");
  limits_set_pids_limit(&s, "50", NULL, &err);
  TAP_INT_EQ(s.limits.pids, 50, "--pids-limit 50");
  limits_spec_free(&s.limits);

  setter_case("--pids-limit", limits_set_pids_limit, "-1", true);
  setter_case("--pids-limit", limits_set_pids_limit, "-2", false);
  setter_case("--pids-limit", limits_set_pids_limit, "5x", false);
  setter_case("--pids-limit", limits_set_pids_limit, "", false);
  setter_case("--nice", limits_set_nice, "-20", true);
  setter_case("--nice", limits_set_nice, "19", true);
  setter_case("--nice", limits_set_nice, "20", false);
  setter_case("--nice", limits_set_nice, "-21", false);
  setter_case("--memory", limits_set_memory, "512m", true);
  setter_case("--memory", limits_set_memory, "2G", true);
  setter_case("--memory", limits_set_memory, "1073741824", true);
  setter_case("--memory", limits_set_memory, "512x", false);
  setter_case("--memory", limits_set_memory, "-1", false);
  setter_case("--memory-swap", limits_set_memory_swap, "-1", true);
  setter_case("--memory-swap", limits_set_memory_swap, "1g", true);
  setter_case("--cpus", limits_set_cpus, "1.5", true);
  setter_case("--cpus", limits_set_cpus, "0", false);
  setter_case("--cpus", limits_set_cpus, "-1", false);
  setter_case("--cpus", limits_set_cpus, "1e3", false);
  setter_case("--cpus", limits_set_cpus, "nan", false);
  setter_case("--cpu-weight", limits_set_cpu_weight, "100", true);
  setter_case("--cpu-weight", limits_set_cpu_weight, "0", false);
  setter_case("--cpu-weight", limits_set_cpu_weight, "10001", false);
}

/* ------------------------------------------------------------ cgroups */

static char base[256];

static void mkpath(const char *rel)
{
  _cleanup_free_ char *p = xasprintf("%s/%s", base, rel);
  for (char *s = p + strlen(base) + 1; (s = strchr(s, '/')); s++) {
    *s = '\0';
    mkdir(p, 0755);
    *s = '/';
  }
  mkdir(p, 0755);
}

static void put(const char *rel, const char *text)
{
  _cleanup_free_ char *p = xasprintf("%s/%s", base, rel);
  FILE *f = fopen(p, "we");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static void probe_case(const char *what, const char *tree, const char *self, uid_t uid, const char *controller,
                       enum cgroup_state want, const char *want_dir)
{
  _cleanup_free_ char *root = xasprintf("%s/%s", base, tree);
  struct cgroup_probe pr;
  cgroup_probe(root, self, uid, controller, &pr);
  TAP_STR_EQ(state_name(pr.state), state_name(want), "probe: %s: %s", what, controller);
  if (want_dir) {
    _cleanup_free_ char *dir = xasprintf("%s/%s", root, want_dir);
    TAP_STR_EQ(pr.dir, dir, "probe: %s: the caller's cgroup directory", what);
  }
  if (want == CGROUP_DELEGATED)
    return;  /* no refusal: limits_resolve_cgroup() makes the cgroup (test_cgroup_make) */
  struct error err = {0};
  int r = cgroup_refuse("--memory", controller, &pr, &err);
  tap_ok(r < 0 && err.status == EXIT_HUTCH_FAILED && err.fix[0] && strstr(err.msg, "--memory"),
         "probe: %s: the refusal is an error with a fix", what);
}

/* The fake tree's file, or "" when it is missing. */
static char *got(const char *dir, const char *file)
{
  _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
  char *t = read_file(p, 4096, NULL);
  return t ? t : xstrdup("");
}

static bool exists(const char *dir, const char *name)
{
  _cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
  struct stat st;
  return stat(p, &st) == 0;
}

/* A pid that is not alive: a child's, once reaped. */
static pid_t dead_pid(void)
{
  pid_t pid = fork();
  if (pid == 0)
    _exit(0);
  waitpid(pid, NULL, 0);
  return pid;
}

/* limits_resolve_cgroup() and cgroup.c in the delegated scope of the
 * unified tree: the values, the refusals, and the files cgroup.c writes. */
static void test_cgroup_make(const char *scope, const char *self_cgroup)
{
  _cleanup_free_ char *root = xasprintf("%s/unified-tree", base);
  _cleanup_free_ char *dir = xasprintf("%s/%s", root, scope);
  _cleanup_free_ char *rel = xasprintf("unified-tree/%s", scope);
  _cleanup_free_ char *controllers = xasprintf("%s/cgroup.controllers", rel);
  _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", rel);
  _cleanup_free_ char *mine = xasprintf("%d\n", (int) getpid());
  put(controllers, "cpu memory pids\n");
  put(procs, mine);
  pid_t me = getpid();
  uid_t uid = getuid();

  struct limits_spec s = {.memory = (char *) "32m", .memory_swap = (char *) "100m", .cpus = (char *) "1.5",
                          .cpu_weight = (char *) "50", .pids_set = true, .pids = 40};
  struct limits_cgroup c;
  struct error err = {0};
  int r = limits_resolve_cgroup(&s, root, self_cgroup, uid, me, &c, &err);
  tap_ok(r == 0 && c.on, "cgroup: delegated, hutch alone in it: a cgroup is made (%s)", err.msg);
  TAP_STR_EQ(c.dir, dir, "cgroup: below the caller's cgroup");
  tap_ok(c.memory == 32 << 20 && c.swap == 68 << 20, "cgroup: --memory 32m --memory-swap 100m: "
         "memory.max 32 MiB, memory.swap.max 68 MiB (got %lld, %lld)", c.memory, c.swap);
  tap_ok(c.cpu_quota == 150000 && c.cpu_weight == 50 && c.pids == 40, "cgroup: --cpus 1.5 is 150000 of 100000, "
         "--cpu-weight 50, --pids-limit 40 (got %lld, %d, %ld)", c.cpu_quota, c.cpu_weight, c.pids);

  /* The files, as the kernel would get them. */
  struct cgroup_sandbox cg = {0};
  err = (struct error) {0};
  r = cgroup_sandbox_make(&c, me, &cg, &err);
  tap_ok(r == 0, "cgroup: made (%s)", err.msg);
  _cleanup_free_ char *sandbox = xasprintf("%s/hutch-%d", dir, (int) me);
  _cleanup_free_ char *supervisor = xasprintf("%s/hutch-%d-supervisor", dir, (int) me);
  _cleanup_free_ char *pid = xasprintf("%d", (int) me);
  char *t;
  TAP_STR_EQ(t = got(supervisor, "cgroup.procs"), pid, "cgroup: hutch moved itself into hutch-PID-supervisor");
  free(t);
  TAP_STR_EQ(t = got(dir, "cgroup.subtree_control"), "+memory +cpu +pids", "cgroup: the controllers enabled "
             "for the caller's cgroup's children");
  free(t);
  static const struct {
    const char *file, *value;
  } files[] = {
    {"memory.max", "33554432"}, {"memory.swap.max", "71303168"}, {"cpu.max", "150000 100000"},
    {"cpu.weight", "50"}, {"pids.max", "40"},
  };
  for (size_t i = 0; i < N_ELEMENTS(files); i++) {
    TAP_STR_EQ(t = got(sandbox, files[i].file), files[i].value, "cgroup: hutch-PID/%s", files[i].file);
    free(t);
  }
  err = (struct error) {0};
  r = cgroup_sandbox_place(&cg, 4242, &err);
  TAP_STR_EQ(t = got(sandbox, "cgroup.procs"), "4242", "cgroup: init placed in hutch-PID (%d)", r);
  free(t);
  /* The kernel's interface files do not keep rmdir from a cgroup; a fake
   * tree's do: they go first, as the kernel's would with the cgroup. */
  const char *interface[] = {"memory.max", "memory.swap.max", "cpu.max", "cpu.weight", "pids.max", "cgroup.procs"};
  for (size_t i = 0; i < N_ELEMENTS(interface); i++) {
    _cleanup_free_ char *f = xasprintf("%s/%s", sandbox, interface[i]);
    unlink(f);
  }
  cgroup_sandbox_remove(&cg);
  tap_ok(!exists(dir, strrchr(sandbox, '/') + 1) && !cg.sandbox, "cgroup: removed when the sandbox ends");
  tap_ok(exists(dir, strrchr(supervisor, '/') + 1), "cgroup: the supervisor leaf stays while hutch is in it");

  /* Stale cgroups of dead hutches go with the next launch; a live one's stay. */
  _cleanup_free_ char *dead = xasprintf("%s/hutch-%d", rel, (int) dead_pid());
  _cleanup_free_ char *dead_sup = xasprintf("%s-supervisor", dead);
  _cleanup_free_ char *live = xasprintf("%s/hutch-%d", rel, (int) getppid());
  _cleanup_free_ char *other = xasprintf("%s/hutch-web", rel);
  mkpath(dead);
  mkpath(dead_sup);
  mkpath(live);
  mkpath(other);
  cgroup_reap_stale(dir, me);
  tap_ok(!exists(base, dead) && !exists(base, dead_sup), "cgroup: a dead hutch's empty cgroups are reaped");
  tap_ok(exists(base, live) && exists(base, other), "cgroup: a live hutch's cgroup and others' are kept");

  /* A monitor that restarts resolves from its supervisor leaf: the
   * cgroup is still made beside it, in DIR. */
  _cleanup_free_ char *sup_rel = xasprintf("%s/hutch-%d-supervisor", rel, (int) me);
  _cleanup_free_ char *sup_ctl = xasprintf("%s/cgroup.controllers", sup_rel);
  _cleanup_free_ char *sup_self = xasprintf("0::/%s/hutch-%d-supervisor\n", scope, (int) me);
  put(sup_ctl, "cpu memory pids\n");
  struct limits_cgroup again;
  err = (struct error) {0};
  r = limits_resolve_cgroup(&s, root, sup_self, uid, me, &again, &err);
  tap_ok(r == 0 && again.on && !strcmp(again.dir, dir), "cgroup: resolved again from hutch-PID-supervisor: made in "
         "DIR, beside it (%s)", again.dir);

  /* --print-policy shows the cgroup's files and values. */
  struct limits_plan plan = {.cgroup = c};
  char *text = NULL;
  size_t text_len = 0;
  FILE *f = open_memstream(&text, &text_len);
  limits_describe(&plan, f);
  fclose(f);
  TAP_CONTAINS(text, "hutch-PID (a cgroup of the sandbox's own", "print-policy: the sandbox's cgroup");
  TAP_CONTAINS(text, "memory.max=33554432 memory.swap.max=71303168", "print-policy: memory.max, memory.swap.max");
  TAP_CONTAINS(text, "cpu.max=150000 100000", "print-policy: cpu.max");
  TAP_CONTAINS(text, "cpu.weight=50", "print-policy: cpu.weight");
  TAP_CONTAINS(text, "pids.max=40", "print-policy: pids.max");
  free(text);

  /* Nothing to make: nothing written. */
  struct limits_cgroup off = {0};
  struct cgroup_sandbox none = {0};
  tap_ok(cgroup_sandbox_make(&off, me, &none, &err) == 0 && !none.sandbox && !none.supervisor,
         "cgroup: no cgroup option, no cgroup");

  /* Another process in the caller's cgroup: refused with the fix; a
   * --pids-limit alone falls back to RLIMIT_NPROC. */
  _cleanup_free_ char *crowd = xasprintf("1\n%d\n", (int) me);
  put(procs, crowd);
  err = (struct error) {0};
  r = limits_resolve_cgroup(&s, root, self_cgroup, uid, me, &c, &err);
  tap_ok(r < 0 && !c.on && strstr(err.msg, "holds other processes") && strstr(err.fix, "scope of its own"),
         "cgroup: the caller's cgroup holds another process: refused, with the fix");
  struct limits_spec pids_only = {.pids_set = true, .pids = 40};
  r = limits_resolve_cgroup(&pids_only, root, self_cgroup, uid, me, &c, &err);
  tap_ok(r == 0 && !c.on, "cgroup: --pids-limit alone there: no cgroup, RLIMIT_NPROC only");
  put(procs, mine);

  /* The memory options' rules, podman's. */
  struct limits_spec mem = {.memory = (char *) "1g"};
  r = limits_resolve_cgroup(&mem, root, self_cgroup, uid, me, &c, &err);
  tap_ok(r == 0 && c.memory == 1 << 30 && c.swap == 1 << 30 && !c.cpu_quota && !c.pids,
         "cgroup: --memory 1g alone: as much swap as memory, nothing else set");
  mem.memory_swap = (char *) "-1";
  r = limits_resolve_cgroup(&mem, root, self_cgroup, uid, me, &c, &err);
  tap_ok(r == 0 && c.swap == -1, "cgroup: --memory-swap -1: swap without limit");
  mem.memory_swap = (char *) "512m";
  err = (struct error) {0};
  r = limits_resolve_cgroup(&mem, root, self_cgroup, uid, me, &c, &err);
  tap_ok(r < 0 && strstr(err.msg, "below --memory"), "cgroup: --memory-swap below --memory is refused");
  struct limits_spec swap_only = {.memory_swap = (char *) "1g"};
  err = (struct error) {0};
  r = limits_resolve_cgroup(&swap_only, root, self_cgroup, uid, me, &c, &err);
  tap_ok(r < 0 && strstr(err.msg, "needs --memory"), "cgroup: --memory-swap without --memory is refused");
  struct limits_spec tiny = {.cpus = (char *) "0.001"};
  r = limits_resolve_cgroup(&tiny, root, self_cgroup, uid, me, &c, &err);
  tap_ok(r == 0 && c.cpu_quota == 1000, "cgroup: --cpus 0.001 is the kernel's least quota, 1000");

  /* A controller not delegated: still refused, nothing made. */
  put(controllers, "memory pids\n");
  err = (struct error) {0};
  r = limits_resolve_cgroup(&s, root, self_cgroup, uid, me, &c, &err);
  tap_ok(r < 0 && !c.on && strstr(err.msg, "--cpus needs the cpu controller"),
         "cgroup: --cpus without the cpu controller: refused (%s)", err.msg);
}

static void test_cgroups(void)
{
  const char *tmp = getenv("TMPDIR");
  snprintf(base, sizeof base, "%s/test-limits.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(base)) {
    tap_ok(0, "mkdtemp %s: %s", base, strerror(errno));
    return;
  }
  uid_t me = getuid();
  const char *scope = "user.slice/user-1000.slice/user@1000.service/app.slice/run-1.scope";
  const char *self_unified = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/run-1.scope\n";

  /* cgroup v2 alone, a scope delegated with memory and pids but not cpu. */
  mkpath("unified-tree/user.slice/user-1000.slice/user@1000.service/app.slice/run-1.scope");
  put("unified-tree/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  put("unified-tree/user.slice/user-1000.slice/user@1000.service/app.slice/run-1.scope/cgroup.controllers",
      "memory pids\n");
  _cleanup_free_ char *want_dir = xstrdup(scope);
  probe_case("unified, delegated", "unified-tree", self_unified, me, "memory", CGROUP_DELEGATED, want_dir);
  probe_case("unified, delegated", "unified-tree", self_unified, me, "pids", CGROUP_DELEGATED, NULL);
  probe_case("unified, delegated without cpu", "unified-tree", self_unified, me, "cpu", CGROUP_NO_CONTROLLER,
             want_dir);
  probe_case("unified, `cpuset` is no `cpu`", "unified-tree", self_unified, me, "cpuset", CGROUP_NO_CONTROLLER,
             NULL);
  /* The same tree seen by someone else: the scope is not theirs. */
  probe_case("unified, another user's scope", "unified-tree", self_unified, me + 1, "memory", CGROUP_NOT_OWNED,
             want_dir);
  /* A cgroup the probe cannot find. */
  probe_case("unified, the cgroup is gone", "unified-tree", "0::/gone.scope\n", me, "memory", CGROUP_NOT_OWNED,
             "gone.scope");
  /* An empty controllers file. */
  put("unified-tree/user.slice/user-1000.slice/user@1000.service/app.slice/run-1.scope/cgroup.controllers", "");
  probe_case("unified, no controller at all", "unified-tree", self_unified, me, "memory", CGROUP_NO_CONTROLLER,
             NULL);

  /* The hybrid layout of these machines: v1 hierarchies hold the
   * controllers, cgroup v2 at unified/ has none. */
  mkpath("hybrid-tree/unified");
  mkpath("hybrid-tree/memory");
  mkpath("hybrid-tree/cpu,cpuacct");
  put("hybrid-tree/unified/cgroup.controllers", "");
  const char *self_hybrid = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/1f\n1:cpu,cpuacct:/\n0::/\n";
  probe_case("hybrid", "hybrid-tree", self_hybrid, me, "memory", CGROUP_V1_OWNS, NULL);
  probe_case("hybrid, cpu among cpu,cpuacct", "hybrid-tree", self_hybrid, me, "cpu", CGROUP_V1_OWNS, NULL);
  probe_case("hybrid, a controller v1 does not hold", "hybrid-tree", "4:memory:/\n0::/\n", me, "pids",
             CGROUP_NO_CONTROLLER, "unified");

  /* cgroup v1 alone: no "0::" line, no cgroup.controllers anywhere. */
  mkpath("v1-tree/memory");
  probe_case("v1 only", "v1-tree", "4:memory:/\n1:cpu,cpuacct:/\n", me, "memory", CGROUP_NO_V2, NULL);
  probe_case("v1 only, and no v1 line for it", "v1-tree", "4:memory:/\n", me, "pids", CGROUP_NO_V2, NULL);
  probe_case("empty /proc/self/cgroup", "v1-tree", "", me, "memory", CGROUP_NO_V2, NULL);

  test_cgroup_make(scope, self_unified);

  /* This machine, for the record (the integration test checks the refusal). */
  _cleanup_free_ char *self = read_file("/proc/self/cgroup", 65536, NULL);
  struct cgroup_probe pr;
  cgroup_probe("/sys/fs/cgroup", self ? self : "", me, "memory", &pr);
  tap_diag("this machine: memory controller: %s %s", state_name(pr.state), pr.dir);

  _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", base);
  if (system(cmd) != 0)
    tap_diag("could not remove %s", base);
}

static void test_kernel_versions(void)
{
  static const struct {
    const char *release;
    bool per_userns;
  } cases[] = {
    {"4.19.0-25-amd64", false}, {"5.10.0-28-amd64", false}, {"5.13.19", false}, {"5.14.0-rc1", true},
    {"5.14", true}, {"5.15.0-91-generic", true}, {"6.1.0-13-amd64", true}, {"6.18.44-fc-v669", true},
    {"10.0", true}, {"", false}, {"x.y", false},
  };
  for (size_t i = 0; i < N_ELEMENTS(cases); i++)
    tap_ok(limits_nproc_per_userns(cases[i].release) == cases[i].per_userns,
           "Linux `%s`: RLIMIT_NPROC %s per user namespace: --pids-limit %s", cases[i].release,
           cases[i].per_userns ? "counted" : "not counted", cases[i].per_userns ? "works" : "refused");
}

int main(void)
{
  test_kernel_versions();
  test_ulimit_names();
  test_ulimit_values();
  test_setters();
  test_cgroups();
  return tap_done();
}
