/* test-options.c: the command-line parsers of launcher/options.c: volume
 * specs, --user, env files. Links options.c with layers.c, util.c and
 * error.c only; the parsers of other modules that options.c calls for their
 * own options are stubbed below (their own tests cover them). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "../../launcher/caps.h"
#include "../../launcher/env.h"
#include "../../launcher/net.h"
#include "../../launcher/options.h"
#include "../../launcher/rootfs.h"
#include "../../launcher/seccomp.h"
#include "../../launcher/util.h"
#include "tap.h"

/* ------------------------------------------------------------------ stubs */

int caps_parse_name(const char *opt, const char *arg, uint64_t *mask, bool *all, struct error *err)
{
  (void) opt, (void) arg, (void) mask, (void) all;
  return error_set(err, 0, "stub: caps_parse_name is not under test");
}
void caps_resolve(struct spec *s) { (void) s; }
int net_parse_mode(const char *arg, struct spec *s, struct error *err)
{
  (void) arg, (void) s;
  return error_set(err, 0, "stub: net_parse_mode is not under test");
}
int net_parse_publish(const char *arg, struct port_map *out, struct error *err)
{
  (void) arg, (void) out;
  return error_set(err, 0, "stub: net_parse_publish is not under test");
}
int net_validate(struct spec *s, struct error *err)
{
  (void) s, (void) err;
  return 0;
}
int rootfs_parse_unmask(const char *arg, struct spec *s, struct error *err)
{
  (void) arg, (void) s;
  return error_set(err, 0, "stub: rootfs_parse_unmask is not under test");
}

/* ---------------------------------------------------------------- volumes */

static void volume_ok(const char *arg, const char *src, const char *dst, bool ro)
{
  struct mount_entry m = {0};
  struct error err = {0};
  int r = options_parse_volume(arg, &m, &err);
  tap_ok(r == 0, "-v %s parses", arg);
  if (r != 0) {
    tap_diag("error: %s", err.msg);
    return;
  }
  tap_ok(m.kind == MOUNT_BIND && m.src && !strcmp(m.src, src) && m.dst && !strcmp(m.dst, dst) && m.read_only == ro,
         "-v %s -> bind `%s` at `%s`%s", arg, src, dst, ro ? " read-only" : "");
  if (!(m.src && !strcmp(m.src, src) && m.dst && !strcmp(m.dst, dst) && m.read_only == ro))
    tap_diag("got src `%s` dst `%s` ro %d", m.src ? m.src : "(null)", m.dst ? m.dst : "(null)", m.read_only);
  free(m.src);
  free(m.dst);
}

static void volume_bad(const char *arg, const char *frag)
{
  struct mount_entry m = {0};
  struct error err = {0};
  int r = options_parse_volume(arg, &m, &err);
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
  volume_ok("rel/src:/dst", "rel/src", "/dst", false);        /* made absolute later */
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

static void user_ok(const char *arg, uid_t uid, gid_t gid)
{
  uid_t u = 4242;
  gid_t g = 4242;
  struct error err = {0};
  int r = options_parse_user(arg, &u, &g, &err);
  tap_ok(r == 0 && u == uid && g == gid, "--user %s -> %u:%u", arg, uid, gid);
  if (!(r == 0 && u == uid && g == gid))
    tap_diag("r %d uid %u gid %u: %s", r, u, g, err.msg);
}

static void user_bad(const char *arg)
{
  uid_t u = 4242;
  gid_t g = 4242;
  struct error err = {0};
  int r = options_parse_user(arg, &u, &g, &err);
  tap_ok(r < 0 && strstr(err.msg, "--user") && u == 4242 && g == 4242,
         "--user `%s` is refused, naming --user, with the ids untouched", arg);
  if (!(r < 0 && strstr(err.msg, "--user")))
    tap_diag("r %d uid %u gid %u: %s", r, u, g, err.msg);
}

static void test_user(void)
{
  user_ok("0", 0, 0);
  user_ok("1000", 1000, 1000);
  user_ok("1000:2000", 1000, 2000);
  user_ok("0:1", 0, 1);
  user_ok("4294967294", 4294967294u, 4294967294u);
  user_bad("");
  user_bad("bob");
  user_bad("1000:");
  user_bad(":1000");
  user_bad("1000:bob");
  user_bad("1000:2000:3000");
  user_bad("10x");
  user_bad("-1");
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

  env_bad("a key starting with a digit", "A=1\n1BAD=x\n", "line 2");
  env_bad("a key with a space", "BAD KEY=x\n", "BAD KEY");
  env_bad("a key with a dash", "BAD-KEY=x\n", "test.env");
  env_bad("an empty key", "=value\n", "line 1");
}

int main(void)
{
  test_volumes();
  test_user();
  test_env();
  return tap_done();
}
