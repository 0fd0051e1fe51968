/* test-options.c: the option table of launcher/options.c (every option
 * through the command line and the profile setter path), volume specs,
 * --user, env files. Links options.c with layers.c, util.c and
 * error.c only; the parsers of other modules that options.c calls for their
 * own options are stubbed below (their own tests cover them). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "../../launcher/caps.h"
#include "../../launcher/env.h"
#include "../../launcher/net.h"
#include "../../launcher/options.h"
#include "../../launcher/rootfs.h"
#include "../../launcher/seccomp.h"
#include "../../launcher/util.h"
#include "tap.h"

/* ------------------------------------------------------------------ stubs */

/* The parsers of other modules, for their own options: each stub accepts
 * one value (the table's example) and records it in the spec, so that the
 * table's setter path is exercised; their own tests cover them. */
int caps_parse_name(const char *opt, const char *arg, uint64_t *mask, bool *all, struct error *err)
{
  (void) opt, (void) all;
  if (strcmp(arg, "NET_RAW") && strcmp(arg, "CHOWN"))
    return error_set(err, 0, "stub: bad capability `%s`", arg);
  *mask |= !strcmp(arg, "NET_RAW") ? 1u << 13 : 1u;
  return 0;
}
int net_parse_mode(const char *arg, struct spec *s, struct error *err)
{
  if (strcmp(arg, "none"))
    return error_set(err, 0, "stub: bad --network `%s`", arg);
  s->network = NET_NONE;
  return 0;
}
int net_parse_publish(const char *arg, struct port_map *out, struct error *err)
{
  if (strcmp(arg, "127.0.0.1:8080:80"))
    return error_set(err, 0, "stub: bad --publish `%s`", arg);
  *out = (struct port_map) {.host_ip = "127.0.0.1", .host_port = 8080, .sandbox_port = 80};
  return 0;
}
bool rootfs_is_masked_path(const char *path)
{
  return !strcmp(path, "/proc/kcore");
}

static const struct origin cli = {.name = "command line"};
static const struct origin profile = {.name = "test.profile:3", .base_dir = "/base"};

/* ---------------------------------------------------------------- volumes */

static void volume_ok(const char *arg, const char *src, const char *dst, bool ro)
{
  struct volume m = {0};
  struct error err = {0};
  int r = options_parse_volume(arg, &profile, &m, &err);
  tap_ok(r == 0, "-v %s parses", arg);
  if (r != 0) {
    tap_diag("error: %s", err.msg);
    return;
  }
  tap_ok(m.kind == VOLUME_BIND && m.src && !strcmp(m.src, src) && m.dst && !strcmp(m.dst, dst) && m.read_only == ro,
         "-v %s -> bind `%s` at `%s`%s", arg, src, dst, ro ? " read-only" : "");
  if (!(m.src && !strcmp(m.src, src) && m.dst && !strcmp(m.dst, dst) && m.read_only == ro))
    tap_diag("got src `%s` dst `%s` ro %d", m.src ? m.src : "(null)", m.dst ? m.dst : "(null)", m.read_only);
  free(m.src);
  free(m.dst);
}

static void volume_bad(const char *arg, const char *frag)
{
  struct volume m = {0};
  struct error err = {0};
  int r = options_parse_volume(arg, &cli, &m, &err);
  tap_ok(r < 0, "-v %s is refused", arg);
  if (r < 0) {
    TAP_CONTAINS(err.msg, frag, "-v %s: the message says `%s`", arg, frag);
    TAP_INT_EQ(err.status, 125, "-v %s: status 125", arg);
  } else {
    tap_ok(0, "-v %s: the message says `%s`", arg, frag);
    tap_ok(0, "-v %s: status 125", arg);
    free(m.src);
    free(m.dst);
  }
}

static void test_volumes(void)
{
  volume_ok("/src:/dst", "/src", "/dst", false);
  volume_ok("/src:/dst:ro", "/src", "/dst", true);
  volume_ok("/src:/dst:rw", "/src", "/dst", false);
  volume_ok("rel/src:/dst", "/base/rel/src", "/dst", false);  /* against the profile's directory */
  volume_ok("/src:/a//b///c/", "/src", "/a/b/c", false);       /* normalised */
  volume_ok("/src:/a/../b", "/src", "/a/../b", false);         /* .. resolved inside the root */
  volume_ok("/with space:/dst dir:ro", "/with space", "/dst dir", true);

  volume_bad("/src", "SRC:DST");
  volume_bad(":/dst", "SRC:DST");
  volume_bad("", "SRC:DST");
  volume_bad("/src:dst", "absolute");
  volume_bad("/src:/dst:rx", "rx");
  volume_bad("/src:/dst:ro:z", "too many");
  volume_bad("/src:/", "root");
  volume_bad("/src://", "root");
}

/* ------------------------------------------------------------------ --user */

/* Only the form is checked when parsing: names are looked up in the image
 * later, by spec_resolve(). */
static void user_ok(const char *arg)
{
  struct error err = {0};
  int r = options_parse_user(arg, &err);
  tap_ok(r == 0, "--user %s is accepted", arg);
  if (r != 0)
    tap_diag("r %d: %s", r, err.msg);
}

static void user_bad(const char *arg)
{
  struct error err = {0};
  int r = options_parse_user(arg, &err);
  tap_ok(r < 0 && strstr(err.msg, "--user"), "--user `%s` is refused, naming --user", arg);
  if (!(r < 0 && strstr(err.msg, "--user")))
    tap_diag("r %d: %s", r, err.msg);
}

static void test_user(void)
{
  user_ok("0");
  user_ok("1000");
  user_ok("1000:2000");
  user_ok("0:1");
  user_ok("4294967294");
  user_ok("bob");
  user_ok("_apt");
  user_ok("www-data:www-data");
  user_ok("1000:bob");
  user_ok("bob:0");
  user_ok("10x");
  user_ok("machine$");
  user_bad("");
  user_bad("1000:");
  user_bad(":1000");
  user_bad(":");
  user_bad("1000:2000:3000");
  user_bad("-1");
  user_bad("-bob");
  user_bad("bob:-g");
  user_bad("b/ob");
  user_bad("bo b");
  user_bad("bo$b");
  user_bad("4294967295");     /* (uid_t) -1 means "unchanged" to the kernel */
  user_bad("99999999999999999999");
}

/* ---------------------------------------------------------------- env file */

static const char *fake_host_env(const char *key)
{
  if (!strcmp(key, "FROM_HOST"))
    return "host value";
  return NULL;
}

static char *join(char **v, size_t n)
{
  size_t len = 1;
  for (size_t i = 0; i < n; i++)
    len += strlen(v[i]) + 1;
  char *s = xcalloc(len, 1);
  for (size_t i = 0; i < n; i++) {
    strcat(s, v[i]);
    strcat(s, "|");
  }
  return s;
}

static void env_case(const char *what, const char *text, const char *want)
{
  char **env = NULL;
  size_t n = 0;
  struct error err = {0};
  int r = env_parse_text(text, "test.env", &env, &n, fake_host_env, &err);
  if (r < 0) {
    tap_ok(0, "env file: %s", what);
    tap_diag("error: %s", err.msg);
  } else {
    _cleanup_free_ char *got = join(env, n);
    TAP_STR_EQ(got, want, "env file: %s", what);
  }
  strvfreep(&env);
}

static void env_bad(const char *what, const char *text, const char *frag)
{
  char **env = NULL;
  size_t n = 0;
  struct error err = {0};
  int r = env_parse_text(text, "test.env", &env, &n, fake_host_env, &err);
  tap_ok(r < 0, "env file: %s is refused", what);
  TAP_CONTAINS(err.msg, frag, "env file: %s: the message says `%s`", what, frag);
  strvfreep(&env);
}

static void test_env(void)
{
  env_case("KEY=VAL lines", "A=1\nB=2\n", "A=1|B=2|");
  env_case("no final newline", "A=1\nB=2", "A=1|B=2|");
  env_case("comments and blank lines", "# comment\n\nA=1\n   # indented comment\n\t\n", "A=1|");
  env_case("leading blanks before the key", "  A=1\n\tB=2\n", "A=1|B=2|");
  env_case("CRLF line ends", "A=1\r\nB=2\r\n", "A=1|B=2|");
  env_case("values kept verbatim", "A=x=y\nB= spaced  \nC=\"quoted\"\nD=#not-a-comment\n",
           "A=x=y|B= spaced  |C=\"quoted\"|D=#not-a-comment|");
  env_case("empty value", "EMPTY=\n", "EMPTY=|");
  env_case("a later line wins", "A=1\nB=2\nA=3\n", "A=3|B=2|");
  env_case("bare KEY copies the host's value", "FROM_HOST\n", "FROM_HOST=host value|");
  env_case("bare KEY the host lacks is skipped", "NOT_ON_HOST\nA=1\n", "A=1|");
  env_case("empty text", "", "");
  env_case("underscores and digits in keys", "_A1=x\nB_2_=y\n", "_A1=x|B_2_=y|");

  /* 40,000 lines, half of them setting a key again: 4.9 s when each line
   * looked through all the others (a fuzz finding); n log n now. */
  size_t len = 0;
  char *big = xmalloc(40000 * 24);
  for (int i = 0; i < 40000; i++)
    len += (size_t) sprintf(big + len, "KEY_%d=%d\n", i % 20000, i);
  char **env = NULL;
  size_t n = 0;
  struct error err = {0};
  struct timespec t0, t1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
  int r = env_parse_text(big, "big.env", &env, &n, fake_host_env, &err);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
  double secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
  tap_ok(r == 0 && n == 20000 && !strcmp(env[0], "KEY_0=20000"),
         "env file: 40,000 lines, each key set twice: 20,000 keys, the last value in the first place");
  tap_ok(secs < 1.0, "env file: 40,000 lines parse in %.3f s of CPU (under 1 s; was 4.9 s)", secs);
  strvfreep(&env);
  free(big);

  env_bad("a key starting with a digit", "A=1\n1BAD=x\n", "line 2");
  env_bad("a key with a space", "BAD KEY=x\n", "BAD KEY");
  env_bad("a key with a dash", "BAD-KEY=x\n", "test.env");
  env_bad("an empty key", "=value\n", "line 1");
}

/* ------------------------------------------------------------ the table */

static bool same_str(const char *a, const char *b)
{
  return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool same_strv(char **a, char **b)
{
  for (; a && b && *a && *b; a++, b++)
    if (strcmp(*a, *b))
      return false;
  return (!a || !*a) == (!b || !*b);
}

/* Every field a setter can write. */
static bool spec_same(const struct spec *a, const struct spec *b)
{
  bool vols = a->n_volumes == b->n_volumes;
  for (size_t i = 0; vols && i < a->n_volumes; i++)
    vols = a->volumes[i].kind == b->volumes[i].kind && same_str(a->volumes[i].src, b->volumes[i].src) &&
           same_str(a->volumes[i].dst, b->volumes[i].dst) && a->volumes[i].read_only == b->volumes[i].read_only;
  bool ports = a->n_ports == b->n_ports && (!a->n_ports || !memcmp(a->ports, b->ports, a->n_ports * sizeof *a->ports));
  return vols && ports && a->userns == b->userns && a->overlay == b->overlay && a->upper == b->upper &&
         same_str(a->upper_size, b->upper_size) && a->read_only == b->read_only &&
         a->read_only_tmpfs == b->read_only_tmpfs && a->app_home == b->app_home && a->socket_x11 == b->socket_x11 &&
         same_str(a->hostname, b->hostname) && a->n_env == b->n_env && same_strv(a->env, b->env) &&
         same_str(a->workdir, b->workdir) && same_str(a->user, b->user) &&
         a->preserve_fds == b->preserve_fds && a->tty == b->tty && a->interactive == b->interactive &&
         a->network == b->network &&
         a->allow_host_loopback == b->allow_host_loopback && a->port_driver == b->port_driver &&
         a->cap_add == b->cap_add && a->cap_drop == b->cap_drop && a->cap_add_all == b->cap_add_all &&
         a->cap_drop_all == b->cap_drop_all && a->seccomp == b->seccomp && same_str(a->seccomp_file, b->seccomp_file) &&
         a->landlock == b->landlock && a->mdwe == b->mdwe && a->multiarch == b->multiarch && a->n_unmask == b->n_unmask && same_strv(a->unmask, b->unmask) &&
         a->print_policy == b->print_policy && a->no_holder == b->no_holder && a->log_level == b->log_level &&
         limits_spec_same(&a->limits, &b->limits) && a->service.detach == b->service.detach &&
         same_str(a->service.name, b->service.name) && a->service.rm == b->service.rm &&
         a->service.restart == b->service.restart && a->service.restart_max == b->service.restart_max &&
         desktop_spec_same(&a->desktop, &b->desktop);
}

/* Every option, through the command line (long and short name) and through
 * the profile setter path, must give the same spec; a value that is not
 * the default must change the spec at all; command-line-only options are
 * refused in a profile, naming the place. */
static void test_table(void)
{
  size_t n;
  const struct option_def *t = options_table(&n);
  tap_ok(n > 15, "the table has every option (%zu)", n);
  for (size_t i = 0; i < n; i++) {
    const struct option_def *d = &t[i];
    if (!d->set) {
      tap_ok(!strcmp(d->name, "help"), "--%s: only help has no setter", d->name);
      continue;
    }
    tap_ok(d->help && *d->help && (!d->value || d->example), "--%s has help text and, with a value, an example",
           d->name);
    struct spec a, b, c, none;
    struct error err = {0};
    spec_init(&a);
    spec_init(&b);
    spec_init(&c);
    spec_init(&none);
    _cleanup_free_ char *longopt = xasprintf("--%s", d->name);
    /* An env file that sets something, so that it changes the spec. */
    char envfile[] = "/tmp/hutch-test-env-XXXXXX";
    const char *example = d->example;
    if (!strcmp(d->name, "env-file")) {
      int fd = mkstemp(envfile);
      if (fd < 0 || write(fd, "A=1\n", 4) != 4)
        tap_diag("cannot write %s", envfile);
      close(fd);
      example = envfile;
    }
    char *argv[] = {"run", longopt, (char *) example, "ROOT", NULL};
    if (!d->value) {
      argv[2] = "ROOT";
      argv[3] = NULL;
    }
    int argc = d->value ? 4 : 3;
    int r = options_parse_run(argc, argv, &a, &err);
    tap_ok(r == 0 && a.root && !strcmp(a.root, "ROOT"), "--%s %s: parses from the command line", d->name,
           d->example ? d->example : "");
    if (r)
      tap_diag("%s", err.msg);
    tap_ok(!spec_same(&a, &none), "--%s changes the spec", d->name);
    if (d->short_name) {
      char shortopt[3] = {'-', d->short_name, 0};
      argv[1] = shortopt;
      r = options_parse_run(argc, argv, &c, &err);
      tap_ok(r == 0 && spec_same(&a, &c), "-%c is --%s", d->short_name, d->name);
    }
    r = options_set(&b, d->name, d->value ? example : NULL, &profile, &err);
    if (d->where & OPT_PROFILE) {
      tap_ok(r == 0, "--%s: set from a profile", d->name);
      if (r)
        tap_diag("%s", err.msg);
      free(a.root);
      a.root = NULL;
      tap_ok(spec_same(&a, &b), "--%s: the command line and a profile give the same spec", d->name);
    } else {
      tap_ok(r < 0 && strstr(err.msg, "test.profile:3") && strstr(err.msg, "command line"),
             "--%s is refused in a profile, naming the place", d->name);
    }
    spec_free(&a);
    spec_free(&b);
    spec_free(&c);
    if (example == envfile)
      unlink(envfile);
  }
}

static void set_bad(const char *name, const char *value, const char *frag)
{
  struct spec s;
  struct error err = {0};
  spec_init(&s);
  int r = options_set(&s, name, value, &profile, &err);
  tap_ok(r < 0, "profile `%s %s` is refused", name, value ? value : "");
  TAP_CONTAINS(err.msg, "test.profile:3", "profile `%s`: the message names the place", name);
  TAP_CONTAINS(err.msg, frag, "profile `%s`: the message says `%s`", name, frag);
  spec_free(&s);
}

static void test_origins(void)
{
  set_bad("no-such-option", "x", "unknown option");
  set_bad("hostname", "bad host!", "--hostname");
  set_bad("userns", "sideways", "auto, single, keep-id");
  set_bad("read-only", "yes", "takes no value");
  set_bad("workdir", NULL, "needs a value");

  struct spec s;
  struct error err = {0};
  spec_init(&s);
  options_set(&s, "seccomp", "my.json", &profile, &err);
  TAP_STR_EQ(s.seccomp_file, "/base/my.json", "a relative --seccomp in a profile resolves against its directory");
  spec_free(&s);
  char *argv[] = {"run", "--seccomp", "my.json", "ROOT", NULL};
  options_parse_run(4, argv, &s, &err);
  char cwd[4096];
  _cleanup_free_ char *want = xasprintf("%s/my.json", getcwd(cwd, sizeof cwd));
  TAP_STR_EQ(s.seccomp_file, want, "a relative --seccomp on the command line resolves against the working directory");
  spec_free(&s);

  spec_init(&s);
  char *argv2[] = {"run", "--hostname", "a", "--hostname", "b", "-e", "X=1", "-e", "X=2", "ROOT", "sh", "-c", "x", NULL};
  int r = options_parse_run(13, argv2, &s, &err);
  tap_ok(r == 0 && !strcmp(s.hostname, "b") && s.n_env == 1 && !strcmp(s.env[0], "X=2"),
         "a later option overrides an earlier one");
  tap_ok(s.argv && !strcmp(s.argv[0], "sh") && !strcmp(s.argv[2], "x") && !s.argv[3],
         "what follows ROOT is the command, options included");
  spec_free(&s);

  spec_init(&s);
  char *argv3[] = {"run", "-it", "ROOT", NULL};
  r = options_parse_run(3, argv3, &s, &err);
  tap_ok(r == 0 && s.tty == TRI_ON && s.interactive == TRI_ON, "-it is -i and -t, as podman takes it");
  spec_free(&s);

  spec_init(&s);
  tap_ok(s.userns == USERNS_UNSET && s.network == NET_UNSET && s.seccomp == SECCOMP_UNSET && !s.hostname &&
         !s.workdir && s.preserve_fds == -1 && s.log_level == -1 && s.read_only == TRI_UNSET,
         "a new spec asks for nothing: every field unset");
  spec_free(&s);
}

int main(void)
{
  test_volumes();
  test_user();
  test_env();
  test_table();
  test_origins();
  return tap_done();
}
