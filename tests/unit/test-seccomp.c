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
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../launcher/caps.h"
#include "../../launcher/runtime.h"
#include "../../launcher/seccomp-cache.h"
#include "../../launcher/seccomp-fold.h"
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

int runtime_cache_existing(char **out)
{
  (void) out;
  return -ENOENT;
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
    tap_ok(r == 0 && bpf.n == 1, "hutch's default profile: compiled, and folded into one program");
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

/* -------------------------------------------------------------- folding */

/* A small generator of its own, so that a failure repeats. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t next_rand(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t) (rng >> 16);
}

/* The reference, written here apart from seccomp-fold.c, so that a
 * mistake there is not made twice: a classic BPF program run as the
 * kernel runs it (the loads, AND, jumps and returns libseccomp writes),
 * and the kernel's rule for several programs: the newest runs first, and
 * the lowest action, as a signed number, wins; on a tie, the first seen. */
static bool run_prog(const struct sock_filter *p, unsigned len, const struct seccomp_data *d, uint32_t *ret)
{
  uint32_t a = 0;
  for (unsigned pc = 0; pc < len; pc++) {
    const struct sock_filter f = p[pc];
    if (f.code == (BPF_LD | BPF_W | BPF_ABS) && f.k % 4 == 0 && f.k < sizeof *d)
      memcpy(&a, (const char *) d + f.k, 4);
    else if (f.code == (BPF_ALU | BPF_AND | BPF_K))
      a &= f.k;
    else if (f.code == (BPF_JMP | BPF_JA) && f.k < len - pc - 1)
      pc += f.k;
    else if (f.code == (BPF_RET | BPF_K))
      return *ret = f.k, true;
    else if (f.code == (BPF_JMP | BPF_JEQ | BPF_K))
      pc += a == f.k ? f.jt : f.jf;
    else if (f.code == (BPF_JMP | BPF_JGT | BPF_K))
      pc += a > f.k ? f.jt : f.jf;
    else if (f.code == (BPF_JMP | BPF_JGE | BPF_K))
      pc += a >= f.k ? f.jt : f.jf;
    else if (f.code == (BPF_JMP | BPF_JSET | BPF_K))
      pc += (a & f.k) ? f.jt : f.jf;
    else
      return false;
  }
  return false;
}

static bool kernel_answer(const struct seccomp_bpf *b, const struct seccomp_data *d, uint32_t *out)
{
  uint32_t ret = SECCOMP_RET_ALLOW;
  for (int i = b->n - 1; i >= 0; i--) {
    uint32_t cur;
    if (!run_prog(b->prog[i], b->len[i], d, &cur))
      return false;
    if ((int32_t) (cur & SECCOMP_RET_ACTION_FULL) < (int32_t) (ret & SECCOMP_RET_ACTION_FULL))
      ret = cur;
  }
  *out = ret;
  return true;
}

/* Every constant in the programs, to build inputs near what they test. */
static size_t constants(const struct seccomp_bpf *b, uint32_t *ks, size_t max)
{
  size_t n = 0;
  for (int i = 0; i < b->n; i++)
    for (unsigned pc = 0; pc < b->len[i] && n < max; pc++)
      ks[n++] = b->prog[i][pc].k;
  return n;
}

static uint32_t word(const uint32_t *ks, size_t n_ks)
{
  uint32_t k = ks[next_rand() % n_ks];
  switch (next_rand() % 6) {
  case 0: return 0;
  case 1: return UINT32_MAX;
  case 2: return next_rand();
  case 3: return k + 1;
  case 4: return k - 1;
  default: return k;
  }
}

/* The folded program and libseccomp's programs give the same answer on
 * `tries` inputs built from the programs' own constants. */
static void same_answers(const struct sc_profile *p, const char *desc, unsigned tries, bool shorter)
{
  struct seccomp_bpf raw = {0}, folded = {0};
  struct error err = {0};
  int r = seccomp_filter_compile_libseccomp(p, &raw, &err);
  if (r == 0)
    r = seccomp_filter_compile_profile(p, &folded, &err);
  TAP_INT_EQ(r, 0, "%s: compiled", desc);
  if (r < 0) {
    tap_diag("%s", err.msg);
    return;
  }
  unsigned raw_len = raw.len[0] + (raw.n > 1 ? raw.len[1] : 0);
  if (shorter)
    tap_ok(folded.n == 1 && folded.len[0] < raw_len, "%s: %d program(s) of %u instructions folded into one of %u",
           desc, raw.n, raw_len, folded.len[0]);
  else
    tap_diag("%s: %d program(s) of %u instructions; loaded: %d of %u", desc, raw.n, raw_len, folded.n,
             folded.len[0] + (folded.n > 1 ? folded.len[1] : 0));
  /* Folded whatever the cost, so that a profile whose folding is not
   * loaded (no cheaper) still tests it. */
  unsigned short one_len = 0;
  struct seccomp_bpf one = {.n = 1, .flags = raw.flags};
  one.prog[0] = seccomp_fold(raw.prog, raw.len, raw.n, &one_len, NULL);
  one.len[0] = one_len;
  tap_ok(one.prog[0] != NULL, "%s: the programs fold (%u instructions)", desc, one_len);
  static uint32_t ks[8192];
  size_t n_ks = constants(&raw, ks, N_ELEMENTS(ks));
  unsigned differ = 0, unrun = 0;
  for (unsigned t = 0; t < tries; t++) {
    struct seccomp_data d = {0};
    switch (next_rand() % 4) {
    case 0: d.arch = ks[next_rand() % n_ks]; break;
    case 1: d.arch = next_rand(); break;
    default: d.arch = 0xc000003e; /* AUDIT_ARCH_X86_64 */
    }
    switch (next_rand() % 4) {
    case 0: d.nr = (int) word(ks, n_ks); break;
    case 1: d.nr = (int) (0x40000000u | (next_rand() % 600)); break;
    default: d.nr = (int) (next_rand() % 600);
    }
    uint32_t w[sizeof d.args / 4 + 2];
    for (size_t i = 0; i < N_ELEMENTS(w); i++)
      w[i] = word(ks, n_ks);
    memcpy(d.args, w, sizeof d.args);
    memcpy(&d.instruction_pointer, w + sizeof d.args / 4, sizeof d.instruction_pointer);
    uint32_t want, got, got_one = 0;
    if (!kernel_answer(&raw, &d, &want) || !kernel_answer(&folded, &d, &got) ||
        (one.prog[0] && !kernel_answer(&one, &d, &got_one))) {
      unrun++;
      continue;
    }
    if (one.prog[0] && got_one != want)
      got = got_one;
    if (want != got && differ++ < 3)
      tap_diag("arch %#x nr %d args %#llx %#llx: libseccomp's %#x, folded %#x", d.arch, d.nr,
               (unsigned long long) d.args[0], (unsigned long long) d.args[1], want, got);
  }
  if (one.prog[0])
    free(one.prog[0]);
  tap_ok(differ == 0 && unrun == 0, "%s: the same answer on %u inputs (%u differ, %u not run)", desc, tries,
         differ, unrun);
  seccomp_filter_free(&raw);
  seccomp_filter_free(&folded);
}

/* same_answers() for a profile's text, which must read (read_desc). */
static void profile_answers(const char *text, const char *read_desc, const char *desc)
{
  struct sc_profile p;
  struct error err;
  int r = parse(text, &p, &err);
  TAP_INT_EQ(r, 0, "%s", read_desc);
  if (r == 0) {
    same_answers(&p, desc, 200000, false);
    seccomp_profile_free(&p);
  }
}

static void folding(void)
{
  struct sc_profile p;
  struct error err = {0};
  const uint64_t admin_raw = caps_default() | (UINT64_C(1) << 21) /* CAP_SYS_ADMIN */ | (UINT64_C(1) << 13);
  if (seccomp_profile_load(SECCOMP_DEFAULT, NULL, caps_default(), &p, &err) == 0) {
    same_answers(&p, "default profile", 200000, true);
    seccomp_profile_add_compat(&p);
    same_answers(&p, "default profile, --multiarch", 200000, true);
    seccomp_profile_free(&p);
  }
  if (seccomp_profile_load(SECCOMP_DEFAULT, NULL, admin_raw, &p, &err) == 0) {
    same_answers(&p, "default profile, CAP_SYS_ADMIN and CAP_NET_RAW", 100000, true);
    seccomp_profile_free(&p);
  }
  _cleanup_free_ char *browser = data_path("seccomp/browser.json");
  if (seccomp_profile_load(SECCOMP_FILE, browser, caps_default(), &p, &err) == 0) {
    same_answers(&p, "browser profile", 100000, true);
    seccomp_profile_free(&p);
  } else {
    tap_ok(false, "browser profile: read (%s)", err.msg);
  }
  /* Arguments compared as 64-bit numbers, several rules on one call, and
   * every kind of action. */
  profile_answers("{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\", \"architectures\": [\"SCMP_ARCH_X86_64\", "
                  "\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"], \"syscalls\": ["
                  "{\"names\": [\"read\", \"write\", \"exit_group\", \"execve\", \"close\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                  "{\"names\": [\"mmap\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 2, "
                  "\"value\": 4294967300, \"op\": \"SCMP_CMP_LT\"}]},"
                  "{\"names\": [\"mmap\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13, \"args\": [{\"index\": 2, "
                  "\"value\": 4294967300, \"op\": \"SCMP_CMP_GE\"}]},"
                  "{\"names\": [\"openat\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 2, "
                  "\"value\": 3, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}, {\"index\": 0, \"value\": 100, "
                  "\"op\": \"SCMP_CMP_NE\"}]},"
                  "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_TRAP\"},"
                  "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_LOG\"},"
                  "{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_KILL_THREAD\"},"
                  "{\"names\": [\"prctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 38, "
                  "\"op\": \"SCMP_CMP_GT\"}]},"
                  "{\"names\": [\"prctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 4, "
                  "\"op\": \"SCMP_CMP_LE\"}]}"
                  "]}",
                  "a profile of 64-bit comparisons and every action: read", "64-bit comparisons and every action");
  /* A deny list with conditional denials beside allows: two programs. */
  profile_answers("{" ALLOW_ALL ", \"syscalls\": [{\"names\": [\"mount\", \"umount2\"], \"action\": \"SCMP_ACT_ERRNO\"},"
                  "{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                  "{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 1, "
                  "\"value\": 4294967295, \"valueTwo\": 21522, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
                  "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 97, \"args\": [{\"index\": 0, "
                  "\"value\": 16, \"op\": \"SCMP_CMP_GT\"}]}"
                  "]}",
                  "a deny list with conditional denials: read", "a deny list with conditional denials");
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
  folding();
  cache();
  file_key();
  return tap_done();
}
