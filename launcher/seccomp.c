/* seccomp.c: a seccomp profile -> BPF, built in hutch, loaded in the
 * command's process.
 *
 * Theory of operation. The profile (seccomp-profile.c) is compiled with
 * libseccomp once, in the hutch process, before any namespace exists: a
 * bad profile fails there with exit 125. The BPF travels to the command's
 * process in struct launch (it is plain memory, copied by every clone) and
 * is loaded by exec_command() as the very last step before exec, after
 * no_new_privs and Landlock, so that hutch's own setup is not filtered.
 * Compiled filters are kept between launches (seccomp-cache.c).
 *
 * Architectures. An x86-64 process can enter the kernel three ways: the
 * native `syscall`, the x32 ABI (`syscall` with bit 30 set in the number)
 * and the i386 one (`int 0x80`), each with its own numbers. A filter that
 * only knows x86-64 numbers must not let the other two through. libseccomp
 * checks the architecture first; every architecture the profile lists is
 * compiled with the same rules (the names are resolved per architecture),
 * and a call through any other entry kills the process. The x32 numbers
 * share x86-64's audit architecture, and libseccomp tells them apart by the
 * bit in the number.
 *
 * Arguments. libseccomp keeps only one rule per call when one of them has
 * no condition: "ioctl: allow" swallows "ioctl with TIOCSTI: EPERM". The
 * kernel, however, runs every loaded filter and keeps the most restrictive
 * answer. So rules that deny under a condition go into a second, small
 * filter whose default is to allow; the profile's other rules form the main
 * filter. A call is then denied if either filter denies it, which is what
 * the profile says. The two are then folded into one short program with
 * the same answers (seccomp-fold.c), which the kernel loads faster.
 *
 * The i386 entry has socketcall(), which carries the arguments of socket()
 * and the others in memory, where a filter cannot read them. libseccomp
 * turns a rule on socket() with a condition into one on socketcall's call
 * number alone: a conditional denial of socket() (a refused address
 * family) denies every socket() made through socketcall, and the direct
 * socket() call, which the kernel has had on i386 since 4.3, is checked.
 */
#define _GNU_SOURCE
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "runtime.h"
#include "seccomp-cache.h"
#include "seccomp-fold.h"
#include "seccomp-profile.h"
#include "util.h"

/* -------------------------------------------------------------- compiling */

#define bad seccomp_profile_error

static int add_rule(scmp_filter_ctx ctx, uint32_t default_action, const struct sc_profile *p,
                    const struct sc_rule *r, const char *name, struct error *err)
{
  if (r->action == default_action)
    return 0;  /* libseccomp refuses a rule that changes nothing */
  int nr = seccomp_syscall_resolve_name(name);
  /* libseccomp allows one condition per argument in a rule; conditions on
   * the same argument are alternatives, one rule each (as runc does). */
  bool repeated = false;
  for (unsigned i = 0; i < r->n_conds; i++)
    for (unsigned j = i + 1; j < r->n_conds; j++)
      repeated = repeated || r->conds[i].arg == r->conds[j].arg;
  int ret;
  if (!repeated) {
    ret = seccomp_rule_add_array(ctx, r->action, nr, r->n_conds, r->conds);
  } else {
    ret = 0;
    for (unsigned i = 0; i < r->n_conds && ret == 0; i++)
      ret = seccomp_rule_add_array(ctx, r->action, nr, 1, &r->conds[i]);
  }
  /* A call that does not exist on any of the filter's architectures (an
   * ARM-only call in an x86 filter) has nothing to filter. */
  if (ret == -EDOM || ret == -EOPNOTSUPP)
    return 0;
  if (ret < 0)
    return bad(err, p, r->where, "`%s`: libseccomp refused the rule: %s (two rules for the same call with "
               "different actions and no conditions?)", name, strerror(-ret));
  return 0;
}

static int export(scmp_filter_ctx ctx, struct seccomp_bpf *out, struct error *err)
{
  _cleanup_close_ int fd = memfd_create("hutch-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return error_set(err, errno, "memfd_create");
  int r = seccomp_export_bpf(ctx, fd);
  if (r < 0)
    return error_set(err, -r, "compile the seccomp filter");
  struct stat st;
  if (fstat(fd, &st) < 0)
    return error_set(err, errno, "fstat the seccomp filter");
  size_t n = (size_t) st.st_size / sizeof(struct sock_filter);
  if (n == 0 || n > BPF_MAXINSNS)
    return error_set(err, 0, "the seccomp filter has %zu instructions; the kernel takes 1 to %d", n, BPF_MAXINSNS);
  struct sock_filter *prog = xmalloc((size_t) st.st_size);
  if (pread(fd, prog, (size_t) st.st_size, 0) != st.st_size) {
    free(prog);
    return error_set(err, errno, "read the seccomp filter");
  }
  out->prog[out->n] = prog;
  out->len[out->n] = (unsigned short) n;
  out->n++;
  return 0;
}

static int compile_one(const struct sc_profile *p, bool second, struct seccomp_bpf *out, struct error *err)
{
  uint32_t def = second ? SCMP_ACT_ALLOW : p->default_action;
  scmp_filter_ctx ctx = seccomp_init(def);
  if (!ctx)
    return error_set(err, ENOMEM, "seccomp_init");
  int r = 0;
  for (size_t i = 0; i < p->n_arches && r == 0; i++) {
    r = seccomp_arch_add(ctx, p->arches[i]);
    if (r == -EEXIST)
      r = 0;
    if (r < 0)
      r = bad(err, p, "architectures", "libseccomp cannot add `%s`: %s", seccomp_arch_describe(p->arches[i]), strerror(-r));
  }
  /* Any other entry into the kernel kills the process. */
  if (r == 0 && (r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0)
    r = error_set(err, -r, "seccomp: set the action for other architectures");
  /* A binary tree of system calls: fewer instructions run per call. */
  if (r == 0)
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  for (size_t i = 0; i < p->n_rules && r == 0; i++) {
    const struct sc_rule *rule = &p->rules[i];
    if (seccomp_rule_conditional_denial(rule) != second)
      continue;
    for (size_t k = 0; k < rule->n_names && r == 0; k++)
      r = add_rule(ctx, def, p, rule, rule->names[k], err);
  }
  if (r == 0)
    r = export(ctx, out, err);
  seccomp_release(ctx);
  return r;
}


int seccomp_filter_compile_libseccomp(const struct sc_profile *p, struct seccomp_bpf *out, struct error *err)
{
  *out = (struct seccomp_bpf) {0};
  bool need_second = false;
  for (size_t i = 0; i < p->n_rules; i++)
    need_second = need_second || seccomp_rule_conditional_denial(&p->rules[i]);
  /* Loaded in this order: the main filter last, so that a profile that
   * denies seccomp() itself does not stop the second from loading. */
  int r = 0;
  if (need_second)
    r = compile_one(p, true, out, err);
  if (r == 0)
    r = compile_one(p, false, out, err);
  out->flags = p->flags;
  if (r < 0)
    seccomp_filter_free(out);
  return r;
}

/* What a program costs the kernel to load, in instructions: each one is
 * translated and JIT-compiled, and each program has a fixed cost besides,
 * about that of 120 instructions (measured on the 2-vCPU VM of
 * docs/benchmarks.md: 65 instructions load in 54 us, 469 in 170). */
#define PROGRAM_COST 120

int seccomp_filter_compile_profile(const struct sc_profile *p, struct seccomp_bpf *out, struct error *err)
{
  int r = seccomp_filter_compile_libseccomp(p, out, err);
  if (r < 0)
    return r;
  unsigned short len;
  unsigned cost = 0;
  for (int i = 0; i < out->n; i++)
    cost += PROGRAM_COST + out->len[i];
  const char *why = NULL;
  struct sock_filter *one = seccomp_fold(out->prog, out->len, out->n, &len, &why);
  if (!one || PROGRAM_COST + len >= cost) {
    log_debug("seccomp: %d program(s) as libseccomp made them (%s%s)", out->n,
              one ? "folded, no shorter" : "not foldable: ", one ? "" : why);
    free(one);
    return 0;
  }
  log_debug("seccomp: %d program(s) of %u instructions folded into one of %u", out->n,
            cost - PROGRAM_COST * (unsigned) out->n, len);
  unsigned int flags = out->flags;
  seccomp_filter_free(out);
  *out = (struct seccomp_bpf) {.prog = {one}, .len = {len}, .n = 1, .flags = flags};
  return 0;
}

/* libseccomp 2.5 may never return on some profiles (seccomp-profile.h's
 * seccomp_profile_loop_suspect), and a hutch that hangs on its input is
 * worse than one that refuses it. So a profile that is not in the cache
 * is compiled in a child of ours, under a limit of CPU time, which writes
 * back on a pipe its error, then the filter as the cache keeps it
 * (seccomp-cache.c's seccomp_bpf_write); a child that spins is killed by the kernel
 * (SIGKILL at the limit: no core dump) and the profile refused. The default
 * profile compiles in some 10 ms here, the largest ones in well under a
 * second. */
#define COMPILE_CPU_SECONDS 4
#define ANSWER_MAX (sizeof(struct error) + 64 + SECCOMP_MAX_PROGS * BPF_MAXINSNS * sizeof(struct sock_filter))

static void compile_child(const struct sc_profile *p, pid_t parent, int fd) __attribute__((noreturn));
static void compile_child(const struct sc_profile *p, pid_t parent, int fd)
{
  /* Soft and hard limits alike: SIGKILL, not SIGXCPU's core dump. */
  struct rlimit cpu = {COMPILE_CPU_SECONDS, COMPILE_CPU_SECONDS};
  setrlimit(RLIMIT_CPU, &cpu);
  proc_die_with_parent(parent, SIGKILL);
  struct error e = {0};
  struct seccomp_bpf b = {0};
  int r = seccomp_filter_compile_profile(p, &b, &e);
  bool ok = write_all(fd, &e, sizeof e) == 0 && (r < 0 || seccomp_bpf_write(fd, &b) == 0);
  _exit(ok ? 0 : 1);
}

static int compile_guarded(const struct sc_profile *p, struct seccomp_bpf *out, struct error *err)
{
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return error_set(err, errno, "pipe");
  pid_t parent = getpid(), pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    compile_child(p, parent, pipefd[1]);
  }
  close(pipefd[1]);
  size_t len = 0;
  _cleanup_free_ char *buf = pid < 0 ? NULL : read_fd(pipefd[0], ANSWER_MAX, &len);
  int e = errno, ws = 0;
  close(pipefd[0]);
  while (pid > 0 && waitpid(pid, &ws, 0) < 0 && errno == EINTR)
    ;
  if (pid < 0)
    return error_set(err, e, "fork to compile the seccomp profile");
  if (WIFSIGNALED(ws) && (WTERMSIG(ws) == SIGXCPU || WTERMSIG(ws) == SIGKILL)) {
    const char *call = seccomp_profile_loop_suspect(p);
    char why[256] = "";
    if (call)
      snprintf(why, sizeof why, "; here `%s` has two rules with conditions, one comparing an argument by order", call);
    bad(err, p, "", "libseccomp did not finish compiling it within %d s of CPU time (libseccomp 2.5 loops forever on "
        "some profiles where one call has two rules with conditions and one compares by order: <, <=, >, >=%s)",
        COMPILE_CPU_SECONDS, why);
    error_fix(err, "merge that call's rules into one, or compare with SCMP_CMP_EQ or SCMP_CMP_MASKED_EQ");
    return -ETIME;
  }
  /* What the child sent: its error, then, without one, the filter. */
  if (!buf || len < sizeof *err || !WIFEXITED(ws))
    return error_set(err, 0, "compiling the seccomp profile failed: its process ended %s %d",
                     WIFSIGNALED(ws) ? "by signal" : "with status", WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
  memcpy(err, buf, sizeof *err);
  if (err->msg[0])
    return -EINVAL;
  if (!seccomp_bpf_read(buf + sizeof *err, len - sizeof *err, out) || out->n < 1)
    return error_set(err, 0, "compiling the seccomp profile: a malformed answer (%zu bytes)", len);
  return 0;
}

/* The profile's text and the identity of the file it came from, read
 * through one descriptor. NULL if it cannot be read: seccomp_profile_load()
 * then says why. */
static char *read_profile(const char *path, struct stat *st, size_t *len)
{
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_size > SECCOMP_PROFILE_MAX)
    return NULL;
  return read_fd(fd, SECCOMP_PROFILE_MAX, len);
}

int seccomp_filter_compile(enum seccomp_mode mode, const char *profile_path, uint64_t caps, bool multiarch,
                           struct seccomp_bpf *out, struct error *err)
{
  *out = (struct seccomp_bpf) {0};
  if (mode == SECCOMP_UNCONFINED)
    return 0;
  _cleanup_free_ char *path = profile_path ? xstrdup(profile_path) : data_path("seccomp/default.json");
  struct stat st;
  size_t len = 0;
  _cleanup_free_ char *text = read_profile(path, &st, &len);
  /* The cache's directory is looked up, and made only to store a filter
   * compiled: bad input creates nothing. */
  _cleanup_free_ char *dir = NULL;
  bool cache = text && runtime_cache_existing(&dir) == 0;

  /* The quick path: this very file, with this text, was compiled before. */
  struct seccomp_cache_key file_key = {0};
  if (text) {
    seccomp_cache_file_key_make(&st, text, len, caps, multiarch, &file_key);
    if (cache && seccomp_cache_load(dir, &file_key, out)) {
      seccomp_cache_key_free(&file_key);
      log_debug("seccomp: filter for `%s` from the cache, unparsed", path);
      return 0;
    }
  }

  struct sc_profile p;
  int r = text ? seccomp_profile_parse_text(text, len, path, caps, &p, err)
               : seccomp_profile_load(mode, path, caps, &p, err);
  if (r < 0) {
    seccomp_cache_key_free(&file_key);
    return r;
  }
  if (multiarch)
    seccomp_profile_add_compat(&p);
  struct seccomp_cache_key key = {0};
  seccomp_cache_key_make(&p, &key);
  bool compiled = !cache || !seccomp_cache_load(dir, &key, out);
  if (compiled)
    r = compile_guarded(&p, out, err);
  struct error ignored = {0};
  if (r == 0 && text && !cache) {
    free(dir);
    dir = NULL;
    cache = runtime_base(&dir, true, &ignored) == 0;
  }
  if (r == 0 && cache && compiled)
    seccomp_cache_store(dir, &key, out);
  if (r == 0 && cache && file_key.len)
    seccomp_cache_store(dir, &file_key, out);
  seccomp_cache_key_free(&file_key);
  seccomp_cache_key_free(&key);
  seccomp_profile_free(&p);
  return r;
}

int seccomp_filter_install(const struct seccomp_bpf *bpf, struct error *err)
{
  for (int i = 0; i < bpf->n; i++) {
    struct sock_fprog prog = {.len = bpf->len[i], .filter = bpf->prog[i]};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, bpf->flags, &prog) < 0)
      return error_set(err, errno, "load the seccomp filter");
  }
  return 0;
}

void seccomp_filter_free(struct seccomp_bpf *bpf)
{
  for (int i = 0; i < bpf->n; i++)
    free(bpf->prog[i]);
  *bpf = (struct seccomp_bpf) {0};
}

/* ------------------------------------------------------------ describing */

/* "(arg1&0xffffffff==0x5412)": when the rule applies. */
static void describe_conds(const struct sc_rule *r, FILE *f)
{
  static const char *const op_text[] = {
    [SCMP_CMP_NE] = "!=", [SCMP_CMP_LT] = "<", [SCMP_CMP_LE] = "<=", [SCMP_CMP_EQ] = "==",
    [SCMP_CMP_GE] = ">=", [SCMP_CMP_GT] = ">", [SCMP_CMP_MASKED_EQ] = "==",
  };
  for (unsigned i = 0; i < r->n_conds; i++) {
    const struct scmp_arg_cmp *c = &r->conds[i];
    fprintf(f, "%sarg%u", i ? "," : "(", c->arg);
    if (c->op == SCMP_CMP_MASKED_EQ)
      fprintf(f, "&0x%llx", (unsigned long long) c->datum_a);
    unsigned long long v = c->op == SCMP_CMP_MASKED_EQ ? c->datum_b : c->datum_a;
    const char *op = (unsigned) c->op < N_ELEMENTS(op_text) && op_text[c->op] ? op_text[c->op] : "?";
    fprintf(f, v > 9 ? "%s0x%llx" : "%s%llu", op, v);
  }
  if (r->n_conds)
    fputc(')', f);
}

/* --------------------------------------------------- socket families
 *
 * Which address families socket() may open, judged from the rules on
 * socket() whose conditions are all on argument 0, the family. A rule that
 * looks at another argument may or may not apply, and is left out. */

static const char *const family_names[] = {
  "AF_UNSPEC", "AF_UNIX", "AF_INET", "AF_AX25", "AF_IPX", "AF_APPLETALK", "AF_NETROM", "AF_BRIDGE",
  "AF_ATMPVC", "AF_X25", "AF_INET6", "AF_ROSE", "AF_DECnet", "AF_NETBEUI", "AF_SECURITY", "AF_KEY",
  "AF_NETLINK", "AF_PACKET", "AF_ASH", "AF_ECONET", "AF_ATMSVC", "AF_RDS", "AF_SNA", "AF_IRDA", "AF_PPPOX",
  "AF_WANPIPE", "AF_LLC", "AF_IB", "AF_MPLS", "AF_CAN", "AF_TIPC", "AF_BLUETOOTH", "AF_IUCV", "AF_RXRPC",
  "AF_ISDN", "AF_PHONET", "AF_IEEE802154", "AF_CAIF", "AF_ALG", "AF_NFC", "AF_VSOCK", "AF_KCM",
  "AF_QIPCRTR", "AF_SMC", "AF_XDP", "AF_MCTP",
};

static bool cond_holds(const struct scmp_arg_cmp *c, uint64_t v)
{
  switch (c->op) {
  case SCMP_CMP_NE: return v != c->datum_a;
  case SCMP_CMP_LT: return v < c->datum_a;
  case SCMP_CMP_LE: return v <= c->datum_a;
  case SCMP_CMP_EQ: return v == c->datum_a;
  case SCMP_CMP_GE: return v >= c->datum_a;
  case SCMP_CMP_GT: return v > c->datum_a;
  case SCMP_CMP_MASKED_EQ: return (v & c->datum_a) == c->datum_b;
  case _SCMP_CMP_MIN:
  case _SCMP_CMP_MAX:
    break;
  }
  return false;
}

/* 1: the rule's conditions on the family hold; 0: they do not; -1: it
 * has conditions on other arguments. Conditions on one argument are
 * alternatives (see add_rule). */
static int family_matches(const struct sc_rule *r, uint64_t family)
{
  bool any = r->n_conds == 0;
  for (unsigned i = 0; i < r->n_conds; i++) {
    if (r->conds[i].arg != 0)
      return -1;
    any = any || cond_holds(&r->conds[i], family);
  }
  return any;
}

/* What socket(family, ...) meets: the main filter's action, unless the
 * second filter denies it (*action is then the denial). */
static bool socket_allowed(const struct sc_profile *p, uint64_t family, uint32_t *action)
{
  uint32_t main_action = p->default_action, cond_action = 0, denial = 0;
  bool cond_hit = false, denied = false;
  for (size_t i = 0; i < p->n_rules; i++) {
    const struct sc_rule *r = &p->rules[i];
    bool named = false;
    for (size_t k = 0; k < r->n_names && !named; k++)
      named = !strcmp(r->names[k], "socket");
    if (!named || family_matches(r, family) != 1)
      continue;
    if (seccomp_rule_conditional_denial(r) && !denied)
      denied = true, denial = r->action;
    else if (r->n_conds == 0)
      main_action = r->action;
    else if (!cond_hit)
      cond_hit = true, cond_action = r->action;
  }
  *action = denied ? denial : cond_hit ? cond_action : main_action;
  return !denied && seccomp_action_permissive(*action);
}

/* A rule on socket() or socketpair() by family alone: the families line
 * says what it does. */
static bool family_rule(const struct sc_rule *r)
{
  for (size_t k = 0; k < r->n_names; k++)
    if (strcmp(r->names[k], "socket") && strcmp(r->names[k], "socketpair"))
      return false;
  return r->n_conds > 0 && family_matches(r, 0) >= 0;
}

static void describe_families(const struct sc_profile *p, FILE *f)
{
  bool allowed[N_ELEMENTS(family_names)];
  uint32_t action, refused = 0;
  size_t n_allowed = 0, n = N_ELEMENTS(family_names);
  for (size_t i = 0; i < n; i++) {
    allowed[i] = socket_allowed(p, i, &action);
    n_allowed += allowed[i];
    if (!allowed[i] && !refused)
      refused = action;
  }
  char buf[128];
  seccomp_action_describe(refused, buf, sizeof buf);
  fprintf(f, "  socket families:");
  if (n_allowed == n || n_allowed == 0) {
    fprintf(f, " %s\n", n_allowed ? "all" : "none");
    return;
  }
  if (n_allowed > n / 2)
    fprintf(f, " all but");
  for (size_t i = 0; i < n; i++)
    if (allowed[i] == (n_allowed <= n / 2))
      fprintf(f, " %s", family_names[i]);
  fprintf(f, "; %s: %s\n", n_allowed > n / 2 ? "those" : "any other", buf);
  /* See the top of the file: socketcall() hides the family. */
  bool x86 = false, conditional = false;
  for (size_t i = 0; i < p->n_arches; i++)
    x86 = x86 || p->arches[i] == SCMP_ARCH_X86;
  for (size_t i = 0; i < p->n_rules; i++)
    conditional = conditional || (family_rule(&p->rules[i]) && seccomp_rule_conditional_denial(&p->rules[i]));
  if (x86 && conditional)
    fprintf(f, "                  (through int 0x80, socketcall's socket and socketpair are refused: the family "
               "is in memory, where a filter cannot read it)\n");
}

int seccomp_describe(enum seccomp_mode mode, const char *profile_path, uint64_t caps, bool multiarch, FILE *f,
                     struct error *err)
{
  if (mode == SECCOMP_UNCONFINED) {
    fprintf(f, "seccomp:        unconfined (every system call reaches the kernel)\n");
    return 0;
  }
  struct sc_profile p;
  int r = seccomp_profile_load(mode, profile_path, caps, &p, err);
  if (r < 0)
    return r;
  if (multiarch)
    seccomp_profile_add_compat(&p);
  char buf[128];
  seccomp_action_describe(p.default_action, buf, sizeof buf);
  fprintf(f, "seccomp:        %s%s\n", p.origin, mode == SECCOMP_DEFAULT ? " (hutch's default)" : "");
  fprintf(f, "  other calls:  %s\n", buf);
  fprintf(f, "  entries:     ");
  for (size_t i = 0; i < p.n_arches; i++)
    fprintf(f, " %s", seccomp_arch_describe(p.arches[i]));
  fprintf(f, "; any other kills the process\n");
  describe_families(&p, f);
  /* Group the calls by action, in the order the profile gives them. */
  uint32_t seen[64];
  size_t n_seen = 0;
  for (size_t i = 0; i < p.n_rules; i++) {
    uint32_t a = p.rules[i].action;
    bool dup = family_rule(&p.rules[i]);
    for (size_t k = 0; k < n_seen; k++)
      dup = dup || seen[k] == a;
    if (dup || n_seen == N_ELEMENTS(seen))
      continue;
    seen[n_seen++] = a;
    seccomp_action_describe(a, buf, sizeof buf);
    size_t count = 0;
    for (size_t j = i; j < p.n_rules; j++)
      if (p.rules[j].action == a && !family_rule(&p.rules[j]))
        count += p.rules[j].n_names;
    fprintf(f, "  %s (%zu):", buf, count);
    if (seccomp_action_permissive(a) && count > 12) {
      fprintf(f, " ordinary calls (files, memory, processes, signals, sockets, ids...)");
    } else {
      for (size_t j = i; j < p.n_rules; j++) {
        if (p.rules[j].action != a || family_rule(&p.rules[j]))
          continue;
        for (size_t k = 0; k < p.rules[j].n_names; k++) {
          fprintf(f, " %s", p.rules[j].names[k]);
          describe_conds(&p.rules[j], f);
        }
      }
    }
    fputc('\n', f);
  }
  seccomp_profile_free(&p);
  return 0;
}
