/* test-seccomp.c: seccomp profiles (seccomp-profile.c), their compilation
 * (seccomp.c) and the cache of compiled filters (seccomp-cache.c). Links
 * those three with caps.c (capability names), util.c and error.c; the
 * runtime directory is stubbed (the cache is tested in a directory of the
 * test's own). Each case that guards a fix from a fuzz run says so. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../launcher/caps.h"
#include "../../launcher/runtime.h"
#include "../../launcher/seccomp-cache.h"
#include "../../launcher/seccomp-profile.h"
#include "../../launcher/seccomp.h"
#include "../../launcher/util.h"
#include "tap.h"

/* seccomp_filter_compile's cache directory: none here. */
int runtime_base(char **out, bool cache, struct error *err)
{
  (void) out, (void) cache;
  return error_set(err, 0, "stub: no runtime directory in the unit test");
}

/* CPU time, not the wall clock: a loaded machine (or a sanitizer build)
 * must not fail the bound, which is there to catch the quadratic 33 s. */
static double now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

/* Parse a profile text; returns the result, the profile in *p. */
static int parse(const char *text, struct sc_profile *p, struct error *err)
{
  *err = (struct error) {0};
  return seccomp_profile_parse_text(text, strlen(text), "test.json", caps_default(), p, err);
}

/* A profile that refuses, and the fragment its message must hold. */
static void refused(const char *text, const char *fragment, const char *desc)
{
  struct sc_profile p;
  struct error err;
  int r = parse(text, &p, &err);
  tap_ok(r < 0, "%s: refused", desc);
  TAP_CONTAINS(err.msg, fragment, "%s: the message says why", desc);
  if (r == 0)
    seccomp_profile_free(&p);
}

#define ALLOW_ALL "\"defaultAction\": \"SCMP_ACT_ALLOW\""

/* ------------------------------------------------------------- numbers */

static void numbers(void)
{
  struct sc_profile p;
  struct error err;
  /* json-c's int64 getter reads 2^64-1 as 2^63-1: a mask of all ones
   * became one without its top bit. */
  const char *big = "{" ALLOW_ALL ", \"syscalls\": [{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ERRNO\", "
                    "\"args\": [{\"index\": 1, \"value\": 18446744073709551615, \"valueTwo\": 9223372036854775808, "
                    "\"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}";
  int r = parse(big, &p, &err);
  TAP_INT_EQ(r, 0, "args above 2^63: accepted");
  if (r == 0) {
    tap_ok(p.n_rules == 1 && p.rules[0].n_conds == 1 && p.rules[0].conds[0].datum_a == UINT64_MAX,
           "value 18446744073709551615 is read exactly (2^64-1, not clamped to 2^63-1)");
    tap_ok(p.n_rules == 1 && p.rules[0].n_conds == 1 && p.rules[0].conds[0].datum_b == (UINT64_C(1) << 63),
           "valueTwo 9223372036854775808 is read exactly (2^63)");
    seccomp_profile_free(&p);
  }
  /* And json-c reads an integer past 64 bits as 2^64-1, silently. */
  refused("{" ALLOW_ALL ", \"syscalls\": [{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
          "[{\"index\": 1, \"value\": 18446744073709551616, \"op\": \"SCMP_CMP_EQ\"}]}]}",
          "syscalls[0].args[0].value: 18446744073709551616 does not fit in 64 bits",
          "value 2^64 (one past the largest)");
  refused("{" ALLOW_ALL ", \"syscalls\": [{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
          "[{\"index\": 1, \"value\": 1, \"valueTwo\": 99999999999999999999999, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}",
          "syscalls[0].args[0].valueTwo: 99999999999999999999999 does not fit",
          "valueTwo of 23 digits");
  refused("{" ALLOW_ALL ", \"syscalls\": [{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
          "[{\"index\": 1, \"value\": -1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
          "syscalls[0].args[0]: `value` must be a number from 0 to 2^64-1", "a negative value");
  /* Numbers in strings and doubles are not integers to check. */
  r = parse("{\"comment\": \"99999999999999999999999\", \"x\": 1e400, " ALLOW_ALL "}", &p, &err);
  TAP_INT_EQ(r, 0, "long digits inside a string and a double are not refused");
  if (r == 0)
    seccomp_profile_free(&p);
}

/* ---------------------------------------------------------------- size */

static char *repeated_names(const char *name, size_t n)
{
  size_t len = n * (strlen(name) + 3) + 256;
  char *s = xmalloc(len), *o = s;
  o += sprintf(o, "{" ALLOW_ALL ", \"syscalls\": [{\"action\": \"SCMP_ACT_ERRNO\", \"names\": [");
  for (size_t i = 0; i < n; i++)
    o += sprintf(o, "%s\"%s\"", i ? "," : "", name);
  sprintf(o, "]}]}");
  return s;
}

static void size(void)
{
  /* A fuzz run: 100,000 copies of one name in one rule held hutch for
   * 33 s (101 s on the loaded test machine), in libseccomp. */
  _cleanup_free_ char *dups = repeated_names("getpid", 100000);
  struct sc_profile p;
  struct error err;
  struct seccomp_bpf bpf = {0};
  double t0 = now_s();
  int r = parse(dups, &p, &err);
  TAP_INT_EQ(r, 0, "100,000 copies of one name: read");
  if (r == 0) {
    TAP_INT_EQ(p.n_rules == 1 ? p.rules[0].n_names : 0, 1, "100,000 copies of one name: kept once");
    r = seccomp_filter_compile_profile(&p, &bpf, &err);
    double took = now_s() - t0;
    tap_ok(r == 0 && took < 8.0, "100,000 copies of one name: read and compiled in %.3f s of CPU (under 8 s)", took);
    seccomp_filter_free(&bpf);
    seccomp_profile_free(&p);
  }
  r = parse("{" ALLOW_ALL ", \"syscalls\": [{\"action\": \"SCMP_ACT_ERRNO\", \"names\": "
            "[\"getpid\", \"getppid\", \"getpid\", \"gettid\", \"getppid\"]}]}", &p, &err);
  tap_ok(r == 0 && p.rules[0].n_names == 3 && !strcmp(p.rules[0].names[0], "getpid") &&
         !strcmp(p.rules[0].names[1], "getppid") && !strcmp(p.rules[0].names[2], "gettid"),
         "repeats dropped, the first of each kept in the profile's order");
  if (r == 0)
    seccomp_profile_free(&p);

  /* Bounds: rules, and names over all rules. */
  size_t n = SECCOMP_PROFILE_MAX_RULES + 1, len = n * 64 + 64;
  _cleanup_free_ char *many = xmalloc(len);
  char *o = many + sprintf(many, "{" ALLOW_ALL ", \"syscalls\": [");
  for (size_t i = 0; i < n; i++)
    o += sprintf(o, "%s{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_LOG\"}", i ? "," : "");
  sprintf(o, "]}");
  refused(many, "1025 rules; hutch takes at most 1024", "1025 rules");

  n = 1000;
  _cleanup_free_ char *wide = xmalloc(n * 96 + 64);
  o = wide + sprintf(wide, "{" ALLOW_ALL ", \"syscalls\": [");
  for (size_t i = 0; i < n; i++)
    o += sprintf(o, "%s{\"names\": [\"getpid\", \"getppid\", \"gettid\", \"getuid\", \"getgid\"], "
                 "\"action\": \"SCMP_ACT_LOG\"}", i ? "," : "");
  sprintf(o, "]}");
  refused(wide, "more than 4096 system call names", "5,000 names in 1,000 rules");
}

/* --------------------------------------------------- what hutch needs */

static void needed(void)
{
  /* A fuzz run: denying exit and exit_group ended the command's process
   * with SIGSEGV (exit 139) and no message. */
  refused("{" ALLOW_ALL ", \"syscalls\": [{\"names\": [\"exit_group\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
          "`exit_group` is denied (fail with EPERM (1)), and hutch needs it", "exit_group denied");
  refused("{" ALLOW_ALL ", \"syscalls\": [{\"names\": [\"write\", \"getpid\"], \"action\": \"SCMP_ACT_KILL\"}]}",
          "`write` is denied (kill the thread)", "write killed");
  refused("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"exit_group\", \"write\"], "
          "\"action\": \"SCMP_ACT_ALLOW\"}]}", "`execve` is denied (fail with EPERM (1))",
          "execve not in an allow list");
  struct sc_profile p;
  struct error err;
  int r = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"exit_group\", \"execve\"], "
                "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\", "
                "\"args\": [{\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]}]}", &p, &err);
  TAP_INT_EQ(r, 0, "write allowed under a condition: accepted (it may be allowed)");
  if (r == 0)
    seccomp_profile_free(&p);
}

/* --------------------------------------------------------- the sources */

static void sources(void)
{
  struct sc_profile p;
  struct error err = {0};
  int r = seccomp_profile_load(SECCOMP_DEFAULT, NULL, caps_default(), &p, &err);
  TAP_INT_EQ(r, 0, "hutch's default profile: read");
  if (r < 0)
    tap_diag("%s", err.msg);
  struct seccomp_bpf bpf = {0};
  if (r == 0) {
    r = seccomp_filter_compile_profile(&p, &bpf, &err);
    tap_ok(r == 0 && bpf.n == 2, "hutch's default profile: compiled into two programs");
    seccomp_filter_free(&bpf);
    seccomp_profile_free(&p);
  }

  /* An OCI config carries the profile inline, as a JSON object. */
  json_object *config = json_tokener_parse("{\"linux\": {\"seccomp\": {" ALLOW_ALL ", \"syscalls\": "
                                           "[{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\"}]}}}");
  json_object *linux_o = NULL, *sc = NULL;
  json_object_object_get_ex(config, "linux", &linux_o);
  json_object_object_get_ex(linux_o, "seccomp", &sc);
  r = seccomp_profile_parse_json(sc, "config.json: linux.seccomp", caps_default(), &p, &err);
  tap_ok(r == 0 && p.n_rules == 1 && !strcmp(p.rules[0].names[0], "mount"), "a profile given as a JSON object");
  if (r == 0)
    seccomp_profile_free(&p);
  json_object_object_add(sc, "defaultAction", json_object_new_string("SCMP_ACT_NOPE"));
  r = seccomp_profile_parse_json(sc, "config.json: linux.seccomp", caps_default(), &p, &err);
  tap_ok(r < 0, "a broken JSON object: refused");
  TAP_CONTAINS(err.msg, "seccomp profile `config.json: linux.seccomp`: defaultAction: unknown action `SCMP_ACT_NOPE`",
               "its message names the origin given");
  json_object_put(config);

  /* The text is a buffer with a length, not a C string. */
  const char text[] = {'{', '}', 'x'};
  err = (struct error) {0};
  r = seccomp_profile_parse_text(text, 2, "buffer", 0, &p, &err);
  tap_ok(r < 0, "a buffer is read up to its length only (\"{}\" without defaultAction: refused)");
  TAP_CONTAINS(err.msg, "defaultAction", "... for the missing defaultAction, not for what follows");
  refused("{\"defaultAction\": \"SCMP_ACT_ALLOW\"} x", "not valid JSON (text after the end)", "text after the end");
  /* A buffer ending in digits, with no NUL after them (a fuzzer's). */
  char *digits = xmalloc(20);
  memcpy(digits, "18446744073709551616", 20);
  err = (struct error) {0};
  seccomp_json_check_integers(digits, 20, "buffer", &err);
  free(digits);
  TAP_CONTAINS(err.msg, "the top level: 18446744073709551616 does not fit in 64 bits",
               "a buffer that ends in a number is read within its length");
}

/* ------------------------------------------------------------- families */

static void families(void)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  struct error err = {0};
  int r = seccomp_describe(SECCOMP_DEFAULT, NULL, caps_default(), false, f, &err);
  fclose(f);
  TAP_INT_EQ(r, 0, "describe the default profile");
  TAP_CONTAINS(text, "  socket families: AF_UNIX AF_INET AF_INET6 AF_NETLINK; any other: fail with EPERM (1)\n",
               "default profile: the socket families allowed, without CAP_NET_RAW");
  free(text);
  f = open_memstream(&text, &len);
  r = seccomp_describe(SECCOMP_DEFAULT, NULL, caps_default() | (UINT64_C(1) << 13 /* CAP_NET_RAW */), false, f, &err);
  fclose(f);
  TAP_CONTAINS(text, "  socket families: AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET; any other",
               "default profile with CAP_NET_RAW: AF_PACKET too");
  free(text);
#if defined(__x86_64__)
  f = open_memstream(&text, &len);
  r = seccomp_describe(SECCOMP_DEFAULT, NULL, caps_default(), false, f, &err);
  fclose(f);
  tap_ok(r == 0 && text && strstr(text, "x86_64") && !strstr(text, "int 0x80"),
         "default profile: the native entry only, no int 0x80");
  free(text);
  f = open_memstream(&text, &len);
  seccomp_describe(SECCOMP_DEFAULT, NULL, caps_default(), true, f, &err);
  fclose(f);
  TAP_CONTAINS(text, "int 0x80", "default profile with --multiarch: the int 0x80 entry too");
  free(text);
#endif
}

/* ---------------------------------------------------------------- cache */

static size_t count_files(const char *dir)
{
  DIR *d = opendir(dir);
  size_t n = 0;
  struct dirent *de;
  while (d && (de = readdir(d)))
    n += de->d_name[0] != '.';
  if (d)
    closedir(d);
  return n;
}

/* A profile whose key differs from the others' by the errno it returns. */
static void key_for(unsigned e, struct sc_profile *p, struct seccomp_cache_key *k)
{
  char text[256];
  struct error err;
  snprintf(text, sizeof text, "{" ALLOW_ALL ", \"syscalls\": [{\"names\": [\"mount\"], \"action\": "
           "\"SCMP_ACT_ERRNO\", \"errnoRet\": %u}]}", e);
  parse(text, p, &err);
  *k = (struct seccomp_cache_key) {0};
  seccomp_cache_key_make(p, k);
}

static void cache(void)
{
  char dir[] = "/tmp/hutch-test-seccomp-XXXXXX";
  if (!mkdtemp(dir)) {
    tap_ok(0, "mkdtemp: %s", strerror(errno));
    return;
  }
  struct sc_profile p;
  struct seccomp_cache_key k;
  struct seccomp_bpf bpf = {0}, got = {0};
  struct error err;
  key_for(1, &p, &k);
  seccomp_filter_compile_profile(&p, &bpf, &err);
  tap_ok(!seccomp_cache_load(dir, &k, &got), "cache: a miss in an empty directory");
  seccomp_cache_store(dir, &k, &bpf);
  tap_ok(seccomp_cache_load(dir, &k, &got) && got.n == bpf.n && got.len[0] == bpf.len[0] &&
         !memcmp(got.prog[0], bpf.prog[0], bpf.len[0] * sizeof *bpf.prog[0]), "cache: the stored filter comes back");
  seccomp_filter_free(&got);
  /* The key is compared in full: one byte changed is a miss, even in the
   * same file. */
  k.data[k.len - 2] ^= 1;
  tap_ok(!seccomp_cache_load(dir, &k, &got), "cache: a key differing in one byte is a miss");
  seccomp_cache_key_free(&k);
  seccomp_profile_free(&p);

  /* The bound: fill past it; the one used last survives, the oldest go. */
  struct seccomp_cache_key first;
  key_for(100, &p, &first);
  seccomp_cache_store(dir, &first, &bpf);
  seccomp_profile_free(&p);
  for (unsigned i = 0; i < SECCOMP_CACHE_KEEP + 8; i++) {
    key_for(200 + i, &p, &k);
    seccomp_cache_store(dir, &k, &bpf);
    if (i == SECCOMP_CACHE_KEEP / 2) {
      /* Used again: the load makes it the newest. mtimes are in ns, but
       * make sure the clock moved on. */
      struct timespec ms = {0, 25000000};
      nanosleep(&ms, NULL);
      tap_ok(seccomp_cache_load(dir, &first, &got), "cache: the first filter is still there halfway");
      seccomp_filter_free(&got);
    }
    seccomp_cache_key_free(&k);
    seccomp_profile_free(&p);
    struct timespec ms = {0, 25000000};
    nanosleep(&ms, NULL);
  }
  TAP_INT_EQ(count_files(dir), SECCOMP_CACHE_KEEP, "cache: no more than SECCOMP_CACHE_KEEP (16) files are kept");
  tap_ok(seccomp_cache_load(dir, &first, &got), "cache: the filter loaded halfway was kept (least recently used goes)");
  seccomp_filter_free(&got);
  key_for(200, &p, &k);
  tap_ok(!seccomp_cache_load(dir, &k, &got), "cache: the oldest unused filter was removed");
  seccomp_cache_key_free(&k);
  seccomp_profile_free(&p);
  seccomp_cache_key_free(&first);
  seccomp_filter_free(&bpf);

  /* A store that never finished is removed once it is old. */
  char tmp[512];
  snprintf(tmp, sizeof tmp, "%s/seccomp-0123456789abcdef.bpf.XXXXXX", dir);
  close(mkstemp(tmp));
  struct timespec old[2] = {{time(NULL) - 3600, 0}, {time(NULL) - 3600, 0}};
  utimensat(AT_FDCWD, tmp, old, 0);
  TAP_INT_EQ(seccomp_cache_prune(dir, SECCOMP_CACHE_KEEP), 1, "cache: an old temporary file is removed");

  rm_rf_at(AT_FDCWD, dir);
}

/* The file key: one identity (struct stat), texts of the same size, and
 * capability sets. Any difference is a miss: a profile rewritten within
 * one clock tick keeps every field of its stat but the change time, and a
 * stale filter must not come back even if that one did not move either. */
static void file_key(void)
{
  char dir[] = "/tmp/hutch-test-seccomp-XXXXXX";
  if (!mkdtemp(dir)) {
    tap_ok(0, "mkdtemp: %s", strerror(errno));
    return;
  }
  const char *a = "{" ALLOW_ALL ", \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}";
  const char *b = "{" ALLOW_ALL ", \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 30}]}";
  struct stat st;
  stat(dir, &st);
  struct sc_profile p;
  struct error err;
  struct seccomp_bpf bpf = {0}, got = {0};
  parse(a, &p, &err);
  seccomp_filter_compile_profile(&p, &bpf, &err);
  seccomp_profile_free(&p);
  struct seccomp_cache_key ka = {0}, kb = {0}, kc = {0}, kd = {0}, ke = {0};
  seccomp_cache_file_key_make(&st, a, strlen(a), caps_default(), false, &ka);
  seccomp_cache_file_key_make(&st, b, strlen(b), caps_default(), false, &kb);
  seccomp_cache_file_key_make(&st, a, strlen(a), caps_default() | (UINT64_C(1) << 21), false, &kc);
  seccomp_cache_file_key_make(&st, a, strlen(a), caps_default(), true, &ke);
  st.st_ino++;
  seccomp_cache_file_key_make(&st, a, strlen(a), caps_default(), false, &kd);
  seccomp_cache_store(dir, &ka, &bpf);
  tap_ok(seccomp_cache_load(dir, &ka, &got), "file key: the stored filter comes back");
  seccomp_filter_free(&got);
  tap_ok(!seccomp_cache_load(dir, &kb, &got), "file key: the same identity with another text of the same size is a miss");
  tap_ok(!seccomp_cache_load(dir, &kc, &got), "file key: another capability set is a miss");
  tap_ok(!seccomp_cache_load(dir, &ke, &got), "file key: --multiarch is a miss");
  tap_ok(!seccomp_cache_load(dir, &kd, &got), "file key: another inode (a rename) is a miss");
  seccomp_cache_key_free(&ka);
  seccomp_cache_key_free(&kb);
  seccomp_cache_key_free(&kc);
  seccomp_cache_key_free(&kd);
  seccomp_cache_key_free(&ke);
  seccomp_filter_free(&bpf);
  rm_rf_at(AT_FDCWD, dir);
}

int main(void)
{
  numbers();
  size();
  needed();
  sources();
  families();
  cache();
  file_key();
  return tap_done();
}
