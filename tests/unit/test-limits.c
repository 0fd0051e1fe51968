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
#include <unistd.h>

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
  struct error err = {0};
  int r = cgroup_refuse("--memory", controller, &pr, &err);
  tap_ok(r < 0 && err.status == EXIT_HUTCH_FAILED && err.fix[0] && strstr(err.msg, "--memory"),
         "probe: %s: the refusal is an error with a fix", what);
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
