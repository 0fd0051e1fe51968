/* seccomp.c: the system call filter.
 *
 * Theory of operation. A profile is a JSON file in the OCI / Docker format:
 * a default action, the architectures, and rules that give an action to
 * named system calls, optionally only when their arguments match. hutch
 * parses it with json-c and compiles it with libseccomp once, in the hutch
 * process, before any namespace exists: a bad profile fails there with exit
 * 125, naming the file and the entry. The BPF travels to the command's
 * process in struct launch (it is plain memory, copied by every clone) and
 * is loaded by exec_command() as the very last step before exec, after
 * no_new_privs and Landlock, so that hutch's own setup is not filtered.
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
 * the profile says.
 */
#define _GNU_SOURCE
#include "seccomp.h"

#include <ctype.h>
#include <elf.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <json-c/json.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cap-ng.h>

#include "caps.h"
#include "config.h"
#include "runtime.h"
#include "util.h"

/* The largest profile read (Docker's is about 20 KiB), and the cache file. */
#define SECCOMP_PROFILE_MAX (4 << 20)
#define SECCOMP_CACHE_MAX (1 << 20)

struct sc_rule {
  char where[48];          /* "syscalls[3]", for messages */
  uint32_t action;
  struct scmp_arg_cmp *conds;
  unsigned int n_conds;
  char **names;
  size_t n_names;
};

struct sc_profile {
  char *path;              /* the profile's file, for messages */
  uint32_t default_action;
  uint32_t arches[24];
  size_t n_arches;
  struct sc_rule *rules;   /* only the rules that apply to this spec */
  size_t n_rules;
  unsigned int flags;
};

static void profile_free(struct sc_profile *p)
{
  for (size_t i = 0; i < p->n_rules; i++) {
    free(p->rules[i].conds);
    strvfreep(&p->rules[i].names);
  }
  free(p->rules);
  p->rules = NULL;
  free(p->path);
  p->path = NULL;
  p->n_rules = 0;
}

static int bad(struct error *err, const struct sc_profile *p, const char *where, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
static int bad(struct error *err, const struct sc_profile *p, const char *where, const char *fmt, ...)
{
  char what[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return error_set(err, 0, "seccomp profile `%s`: %s%s%s", p->path, where, *where ? ": " : "", what);
}

/* ------------------------------------------------------------ vocabulary */

static const struct {
  const char *name;
  uint32_t action;
  bool takes_ret;
} actions[] = {
  {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
  {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
  {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false},
  {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
  {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
  {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
  {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
  {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
};

static const struct {
  const char *name;
  enum scmp_compare op;
} ops[] = {
  {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
  {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
  {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const struct {
  const char *name;
  unsigned int flag;
} filter_flags[] = {
  {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
  {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
  /* hutch loads the filter in a single-threaded process: nothing to sync. */
  {"SECCOMP_FILTER_FLAG_TSYNC", 0},
};

/* Names other tools use for this machine's architecture in "includes" and
 * "excludes" (Go's names in Docker's profile, libseccomp's, the kernel's). */
static bool arch_is_native(const char *name)
{
  const char *n = strncmp(name, "SCMP_ARCH_", 10) ? name : name + 10;
  _cleanup_free_ char *lower = xstrdup(n);
  for (char *c = lower; *c; c++)
    *c = (char) tolower((unsigned char) *c);
  static const char *const aliases[][2] = {
    {"amd64", "x86_64"}, {"arm64", "aarch64"}, {"386", "x86"}, {"i386", "x86"}, {"ppc64le", "ppc64le"},
  };
  for (size_t i = 0; i < N_ELEMENTS(aliases); i++)
    if (!strcmp(lower, aliases[i][0])) {
      free(lower);
      lower = xstrdup(aliases[i][1]);
      break;
    }
  return seccomp_arch_resolve_name(lower) == seccomp_arch_native();
}

static uint32_t arch_token(const char *name)
{
  if (strncmp(name, "SCMP_ARCH_", 10))
    return 0;
  _cleanup_free_ char *lower = xstrdup(name + 10);
  for (char *c = lower; *c; c++)
    *c = (char) tolower((unsigned char) *c);
  return seccomp_arch_resolve_name(lower);
}

static const char *arch_name(uint32_t token)
{
  static const struct {
    uint32_t token;
    const char *name;
  } names[] = {
    {SCMP_ARCH_X86_64, "x86_64"}, {SCMP_ARCH_X86, "x86 (int 0x80)"}, {SCMP_ARCH_X32, "x32"},
    {SCMP_ARCH_AARCH64, "aarch64"}, {SCMP_ARCH_ARM, "arm"}, {SCMP_ARCH_PPC64LE, "ppc64le"},
    {SCMP_ARCH_S390X, "s390x"}, {SCMP_ARCH_S390, "s390"}, {SCMP_ARCH_RISCV64, "riscv64"},
  };
  for (size_t i = 0; i < N_ELEMENTS(names); i++)
    if (names[i].token == token)
      return names[i].name;
  return "other";
}

/* Kernel version as major*1000+minor. */
static long kernel_version(void)
{
  struct utsname u;
  unsigned long maj = 0, min = 0;
  if (uname(&u) < 0 || sscanf(u.release, "%lu.%lu", &maj, &min) < 1)
    return 0;
  return (long) (maj * 1000 + min);
}

/* ---------------------------------------------------------------- parsing */

static int get_string(json_object *o, const char *key, const char **out)
{
  json_object *v;
  *out = NULL;
  if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
    return 0;
  if (!json_object_is_type(v, json_type_string))
    return -EINVAL;
  *out = json_object_get_string(v);
  return 0;
}

static int get_u64(json_object *v, uint64_t *out)
{
  if (!json_object_is_type(v, json_type_int))
    return -EINVAL;
  errno = 0;
  int64_t i = json_object_get_int64(v);
  if (i < 0) {
    /* json-c keeps values above INT64_MAX as unsigned. */
    uint64_t u = json_object_get_uint64(v);
    if (u <= (uint64_t) INT64_MAX)
      return -ERANGE;
    *out = u;
    return 0;
  }
  *out = (uint64_t) i;
  return 0;
}

static int parse_action(const struct sc_profile *p, const char *where, json_object *o, const char *key,
                        const char *ret_key, uint32_t *out, struct error *err)
{
  const char *name;
  if (get_string(o, key, &name) < 0 || !name)
    return bad(err, p, where, "`%s` must be a string such as \"SCMP_ACT_ERRNO\"", key);
  if (!strcmp(name, "SCMP_ACT_NOTIFY"))
    return bad(err, p, where, "SCMP_ACT_NOTIFY needs a seccomp agent, which hutch does not run; use SCMP_ACT_ERRNO");
  for (size_t i = 0; i < N_ELEMENTS(actions); i++) {
    if (strcmp(name, actions[i].name))
      continue;
    *out = actions[i].action;
    if (actions[i].takes_ret) {
      uint64_t ret = EPERM;  /* runc's and crun's default */
      json_object *r;
      if (json_object_object_get_ex(o, ret_key, &r) && (get_u64(r, &ret) < 0 || ret > 4095))
        return bad(err, p, where, "`%s` must be an errno number from 0 to 4095", ret_key);
      *out = actions[i].action | (uint32_t) ret;
    }
    return 0;
  }
  return bad(err, p, where, "unknown action `%s`; use one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, "
             "SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG", name);
}

static int parse_args(const struct sc_profile *p, const char *where, json_object *args, struct sc_rule *r,
                      struct error *err)
{
  if (!json_object_is_type(args, json_type_array))
    return bad(err, p, where, "`args` must be a list of {index, value, valueTwo, op}");
  size_t n = json_object_array_length(args);
  if (n > 6)
    return bad(err, p, where, "%zu argument conditions; a system call has at most 6 arguments", n);
  r->conds = xcalloc(n ? n : 1, sizeof *r->conds);
  for (size_t i = 0; i < n; i++) {
    json_object *a = json_object_array_get_idx(args, i), *v;
    char w[96];
    snprintf(w, sizeof w, "%s.args[%zu]", where, i);
    if (!json_object_is_type(a, json_type_object))
      return bad(err, p, w, "must be an object {index, value, valueTwo, op}");
    uint64_t index = 0, value = 0, value2 = 0;
    if (!json_object_object_get_ex(a, "index", &v) || get_u64(v, &index) < 0 || index > 5)
      return bad(err, p, w, "`index` must be an argument number from 0 to 5");
    if (json_object_object_get_ex(a, "value", &v) && get_u64(v, &value) < 0)
      return bad(err, p, w, "`value` must be a number from 0 to 2^64-1");
    if (json_object_object_get_ex(a, "valueTwo", &v) && get_u64(v, &value2) < 0)
      return bad(err, p, w, "`valueTwo` must be a number from 0 to 2^64-1");
    const char *op;
    if (get_string(a, "op", &op) < 0 || !op)
      return bad(err, p, w, "`op` must be a string such as \"SCMP_CMP_EQ\"");
    size_t k;
    for (k = 0; k < N_ELEMENTS(ops); k++)
      if (!strcmp(op, ops[k].name))
        break;
    if (k == N_ELEMENTS(ops))
      return bad(err, p, w, "unknown operator `%s`; use SCMP_CMP_EQ, NE, LT, LE, GE, GT or MASKED_EQ", op);
    /* For MASKED_EQ, OCI's value is the mask and valueTwo the datum, which
     * is libseccomp's order too. */
    r->conds[r->n_conds++] = (struct scmp_arg_cmp) {
      .arg = (unsigned int) index, .op = ops[k].op, .datum_a = value, .datum_b = value2,
    };
  }
  return 0;
}

/* "includes" / "excludes": does the condition hold for this spec? An empty
 * filter holds for includes (no requirement) and not for excludes. */
static int filter_holds(const struct sc_profile *p, const char *where, json_object *f, uint64_t caps,
                        bool include, bool *holds, struct error *err)
{
  if (!json_object_is_type(f, json_type_object))
    return bad(err, p, where, "must be an object with caps, arches or minKernel");
  bool all = true, any = false;
  json_object *v;
  if (json_object_object_get_ex(f, "caps", &v) && !json_object_is_type(v, json_type_null)) {
    if (!json_object_is_type(v, json_type_array))
      return bad(err, p, where, "`caps` must be a list of capability names");
    for (size_t i = 0; i < json_object_array_length(v); i++) {
      const char *name = json_object_get_string(json_object_array_get_idx(v, i));
      const char *bare = name && !strncasecmp(name, "CAP_", 4) ? name + 4 : name;
      int cap = bare && *bare ? capng_name_to_capability(bare) : -1;
      if (cap < 0)
        return bad(err, p, where, "unknown capability `%s`", name ? name : "(not a string)");
      /* A capability newer than this kernel can never be held. */
      bool held = cap <= caps_last() && (caps & (UINT64_C(1) << cap));
      all = all && held;
      any = any || held;
    }
  }
  if (json_object_object_get_ex(f, "arches", &v) && !json_object_is_type(v, json_type_null)) {
    if (!json_object_is_type(v, json_type_array))
      return bad(err, p, where, "`arches` must be a list of architecture names");
    bool native = false;
    for (size_t i = 0; i < json_object_array_length(v); i++) {
      const char *name = json_object_get_string(json_object_array_get_idx(v, i));
      native = native || (name && arch_is_native(name));
    }
    all = all && native;
    any = any || native;
  }
  const char *min;
  if (get_string(f, "minKernel", &min) < 0)
    return bad(err, p, where, "`minKernel` must be a string such as \"4.8\"");
  if (min) {
    unsigned long maj = 0, mi = 0;
    if (sscanf(min, "%lu.%lu", &maj, &mi) < 1)
      return bad(err, p, where, "bad minKernel `%s`; use MAJOR.MINOR such as \"4.8\"", min);
    bool new_enough = kernel_version() >= (long) (maj * 1000 + mi);
    all = all && new_enough;
    any = any || new_enough;
  }
  *holds = include ? all : any;
  return 0;
}

static int parse_rule(struct sc_profile *p, size_t idx, json_object *o, uint64_t caps, struct error *err)
{
  struct sc_rule r = {0};
  snprintf(r.where, sizeof r.where, "syscalls[%zu]", idx);
  int ret;
  if (!json_object_is_type(o, json_type_object))
    return bad(err, p, r.where, "must be an object with names and action");

  if ((ret = parse_action(p, r.where, o, "action", "errnoRet", &r.action, err)) < 0)
    return ret;

  /* "names" (OCI), or "name" (Docker's older format). */
  json_object *names, *one;
  size_t n = 0;
  if (json_object_object_get_ex(o, "names", &names) && !json_object_is_type(names, json_type_null)) {
    if (!json_object_is_type(names, json_type_array))
      return bad(err, p, r.where, "`names` must be a list of system call names");
    for (size_t i = 0; i < json_object_array_length(names); i++) {
      json_object *nm = json_object_array_get_idx(names, i);
      if (!json_object_is_type(nm, json_type_string)) {
        char w[96];
        snprintf(w, sizeof w, "%s.names[%zu]", r.where, i);
        strvfreep(&r.names);
        return bad(err, p, w, "must be a string");
      }
      strv_append(&r.names, &n, xstrdup(json_object_get_string(nm)));
    }
  }
  if (json_object_object_get_ex(o, "name", &one) && json_object_is_type(one, json_type_string))
    strv_append(&r.names, &n, xstrdup(json_object_get_string(one)));
  r.n_names = n;
  if (n == 0)
    return bad(err, p, r.where, "no system call names (`names`)");
  for (size_t i = 0; i < n; i++)
    if (seccomp_syscall_resolve_name(r.names[i]) == __NR_SCMP_ERROR) {
      const struct scmp_version *v = seccomp_version();
      char w[96];
      snprintf(w, sizeof w, "%s.names[%zu]", r.where, i);
      bad(err, p, w, "unknown system call `%s` (if it is newer than libseccomp %u.%u.%u, which hutch uses, "
          "remove it from the profile or update libseccomp)", r.names[i], v->major, v->minor, v->micro);
      strvfreep(&r.names);
      return -EINVAL;
    }

  json_object *args;
  if (json_object_object_get_ex(o, "args", &args) && !json_object_is_type(args, json_type_null))
    if ((ret = parse_args(p, r.where, args, &r, err)) < 0)
      goto drop;

  /* Checked last, so that a mistake in a rule is found even on a machine
   * where the rule does not apply. */
  json_object *f;
  bool holds = true;
  if (json_object_object_get_ex(o, "includes", &f) && !json_object_is_type(f, json_type_null))
    if ((ret = filter_holds(p, r.where, f, caps, true, &holds, err)) < 0 || !holds)
      goto drop;
  if (json_object_object_get_ex(o, "excludes", &f) && !json_object_is_type(f, json_type_null)) {
    if ((ret = filter_holds(p, r.where, f, caps, false, &holds, err)) < 0)
      goto drop;
    if (holds) {
      ret = 0;
      goto drop;
    }
  }
  p->rules = realloc(p->rules, (p->n_rules + 1) * sizeof *p->rules);
  p->rules[p->n_rules++] = r;
  return 0;

drop:
  free(r.conds);
  strvfreep(&r.names);
  return ret;
}

static void add_arch(struct sc_profile *p, uint32_t token)
{
  for (size_t i = 0; i < p->n_arches; i++)
    if (p->arches[i] == token)
      return;
  if (p->n_arches < N_ELEMENTS(p->arches))
    p->arches[p->n_arches++] = token;
}

static int parse_arches(struct sc_profile *p, json_object *root, struct error *err)
{
  json_object *v;
  uint32_t native = seccomp_arch_native();
  add_arch(p, native);
  /* OCI: "architectures", every one of them. */
  if (json_object_object_get_ex(root, "architectures", &v) && !json_object_is_type(v, json_type_null)) {
    if (!json_object_is_type(v, json_type_array))
      return bad(err, p, "architectures", "must be a list such as [\"SCMP_ARCH_X86_64\"]");
    for (size_t i = 0; i < json_object_array_length(v); i++) {
      const char *name = json_object_get_string(json_object_array_get_idx(v, i));
      uint32_t t = name ? arch_token(name) : 0;
      if (!t) {
        char w[64];
        snprintf(w, sizeof w, "architectures[%zu]", i);
        return bad(err, p, w, "unknown architecture `%s`; use names such as SCMP_ARCH_X86_64", name ? name : "");
      }
      add_arch(p, t);
    }
  }
  /* Docker: "archMap", the entry for this machine and its sub-architectures. */
  if (json_object_object_get_ex(root, "archMap", &v) && !json_object_is_type(v, json_type_null)) {
    if (!json_object_is_type(v, json_type_array))
      return bad(err, p, "archMap", "must be a list of {architecture, subArchitectures}");
    for (size_t i = 0; i < json_object_array_length(v); i++) {
      json_object *e = json_object_array_get_idx(v, i), *subs;
      char w[64];
      snprintf(w, sizeof w, "archMap[%zu]", i);
      const char *name;
      if (!json_object_is_type(e, json_type_object) || get_string(e, "architecture", &name) < 0 || !name)
        return bad(err, p, w, "must be an object with `architecture`");
      uint32_t t = arch_token(name);
      if (!t)
        return bad(err, p, w, "unknown architecture `%s`", name);
      if (t != native)
        continue;
      if (json_object_object_get_ex(e, "subArchitectures", &subs) && json_object_is_type(subs, json_type_array))
        for (size_t k = 0; k < json_object_array_length(subs); k++) {
          const char *sub = json_object_get_string(json_object_array_get_idx(subs, k));
          uint32_t st = sub ? arch_token(sub) : 0;
          if (!st)
            return bad(err, p, w, "unknown sub-architecture `%s`", sub ? sub : "");
          add_arch(p, st);
        }
    }
  }
  return 0;
}

static int parse_flags(struct sc_profile *p, json_object *root, struct error *err)
{
  json_object *v;
  if (!json_object_object_get_ex(root, "flags", &v) || json_object_is_type(v, json_type_null))
    return 0;
  if (!json_object_is_type(v, json_type_array))
    return bad(err, p, "flags", "must be a list such as [\"SECCOMP_FILTER_FLAG_LOG\"]");
  for (size_t i = 0; i < json_object_array_length(v); i++) {
    const char *name = json_object_get_string(json_object_array_get_idx(v, i));
    size_t k;
    for (k = 0; k < N_ELEMENTS(filter_flags); k++)
      if (name && !strcmp(name, filter_flags[k].name))
        break;
    if (k == N_ELEMENTS(filter_flags))
      return bad(err, p, "flags", "unknown flag `%s`; hutch knows SECCOMP_FILTER_FLAG_LOG, "
                 "SECCOMP_FILTER_FLAG_SPEC_ALLOW and SECCOMP_FILTER_FLAG_TSYNC", name ? name : "");
    p->flags |= filter_flags[k].flag;
  }
  return 0;
}

/* Read the profile the spec names (its path in p->path, freed with the
 * profile). */
static int profile_load(enum seccomp_mode mode, const char *file, uint64_t caps, struct sc_profile *p,
                        struct error *err)
{
  const char *path = p->path = xstrdup(file);
  size_t len;
  _cleanup_free_ char *text = read_file(path, SECCOMP_PROFILE_MAX, &len);
  if (!text) {
    int e = errno;
    error_set(err, e, "seccomp profile `%s`", path);
    if (mode == SECCOMP_DEFAULT)
      error_fix(err, "hutch's default profile is missing; reinstall hutch, or pass --seccomp FILE");
    profile_free(p);
    return -e;
  }
  json_tokener *tok = json_tokener_new();
  json_object *root = json_tokener_parse_ex(tok, text, (int) len);
  enum json_tokener_error jerr = json_tokener_get_error(tok);
  size_t off = json_tokener_get_parse_end(tok);
  json_tokener_free(tok);
  if (!root || jerr != json_tokener_success || text[off + strspn(text + off, " \t\r\n")] != '\0') {
    int line = 1;
    for (size_t i = 0; i < off && text[i]; i++)
      line += text[i] == '\n';
    if (root)
      json_object_put(root);
    int r = bad(err, p, "", "line %d: not valid JSON (%s)", line,
                jerr == json_tokener_success ? "text after the end" : json_tokener_error_desc(jerr));
    profile_free(p);
    return r;
  }

  int r = 0;
  json_object *syscalls;
  if (!json_object_is_type(root, json_type_object)) {
    r = bad(err, p, "", "must be a JSON object with defaultAction and syscalls");
    goto out;
  }
  if ((r = parse_action(p, "defaultAction", root, "defaultAction", "defaultErrnoRet", &p->default_action, err)) < 0)
    goto out;
  if ((r = parse_arches(p, root, err)) < 0 || (r = parse_flags(p, root, err)) < 0)
    goto out;
  if (json_object_object_get_ex(root, "syscalls", &syscalls) && !json_object_is_type(syscalls, json_type_null)) {
    if (!json_object_is_type(syscalls, json_type_array)) {
      r = bad(err, p, "syscalls", "must be a list of rules");
      goto out;
    }
    for (size_t i = 0; i < json_object_array_length(syscalls); i++)
      if ((r = parse_rule(p, i, json_object_array_get_idx(syscalls, i), caps, err)) < 0)
        goto out;
  }
out:
  json_object_put(root);
  if (r < 0)
    profile_free(p);
  return r;
}

/* -------------------------------------------------------------- compiling */

static bool is_permissive(uint32_t action)
{
  return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG;
}

/* Does this rule belong in the second filter (see the top of the file)? */
static bool conditional_denial(const struct sc_rule *r)
{
  return r->n_conds > 0 && !is_permissive(r->action);
}

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
      r = bad(err, p, "architectures", "libseccomp cannot add `%s`: %s", arch_name(p->arches[i]), strerror(-r));
  }
  /* Any other entry into the kernel kills the process. */
  if (r == 0 && (r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0)
    r = error_set(err, -r, "seccomp: set the action for other architectures");
  /* A binary tree of system calls: fewer instructions run per call. */
  if (r == 0)
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  for (size_t i = 0; i < p->n_rules && r == 0; i++) {
    const struct sc_rule *rule = &p->rules[i];
    if (conditional_denial(rule) != second)
      continue;
    for (size_t k = 0; k < rule->n_names && r == 0; k++)
      r = add_rule(ctx, def, p, rule, rule->names[k], err);
  }
  if (r == 0)
    r = export(ctx, out, err);
  seccomp_release(ctx);
  return r;
}

/* ------------------------------------------------------------- the cache
 *
 * libseccomp takes several milliseconds to build a filter of some 400 rules
 * on two architectures, more than the rest of a launch. The result depends
 * only on the rules that apply to this spec (after includes/excludes), the
 * libseccomp version and this build of hutch (its build id), so it is kept beside the runtime directory
 * ($XDG_RUNTIME_DIR/hutch-cache, gone at logout) under a key made of exactly those, and compared in full on load: a hash
 * only names the file. The directory is the user's own (0700); whoever can
 * write there can already run hutch with --seccomp unconfined. */

struct keybuf {
  char *data;
  size_t len, cap;
};

static void key_put(struct keybuf *k, const void *data, size_t n)
{
  if (k->len + n > k->cap) {
    k->cap = (k->len + n) * 2 + 256;
    char *nd = realloc(k->data, k->cap);
    if (!nd)
      abort();
    k->data = nd;
  }
  memcpy(k->data + k->len, data, n);
  k->len += n;
}

static void key_str(struct keybuf *k, const char *s)
{
  key_put(k, s, strlen(s) + 1);
}

/* The build-id note the linker put in this very binary: any rebuild of hutch
 * (another compile_one, a distro patch) gets a key of its own. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
  (void) size;
  struct keybuf *k = data;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_NOTE)
      continue;
    const char *p = (const char *) (info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const ElfW(Nhdr) *n = (const ElfW(Nhdr) *) p;
      const char *name = p + sizeof *n, *desc = name + ((n->n_namesz + 3) & ~3U);
      if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && !memcmp(name, "GNU", 4)) {
        key_put(k, desc, n->n_descsz);
        return 1;
      }
      p = desc + ((n->n_descsz + 3) & ~3U);
    }
  }
  return 1;  /* only the first object, the executable itself */
}

static void profile_key(const struct sc_profile *p, struct keybuf *k)
{
  const struct scmp_version *v = seccomp_version();
  char head[128];
  snprintf(head, sizeof head, "hutch %s libseccomp %u.%u.%u", HUTCH_VERSION, v->major, v->minor, v->micro);
  key_str(k, head);
  size_t before = k->len;
  dl_iterate_phdr(find_build_id, k);
  if (k->len == before) {
    /* No build id: fall back to the binary's size and time. */
    struct stat st;
    if (stat("/proc/self/exe", &st) == 0) {
      uint64_t id[2] = {(uint64_t) st.st_size, (uint64_t) st.st_mtime};
      key_put(k, id, sizeof id);
    }
  }
  key_put(k, &p->default_action, sizeof p->default_action);
  key_put(k, &p->flags, sizeof p->flags);
  key_put(k, &p->n_arches, sizeof p->n_arches);
  key_put(k, p->arches, p->n_arches * sizeof p->arches[0]);
  for (size_t i = 0; i < p->n_rules; i++) {
    const struct sc_rule *r = &p->rules[i];
    key_put(k, &r->action, sizeof r->action);
    key_put(k, &r->n_conds, sizeof r->n_conds);
    for (unsigned c = 0; c < r->n_conds; c++) {
      const struct scmp_arg_cmp *a = &r->conds[c];
      uint64_t fields[4] = {a->arg, a->op, a->datum_a, a->datum_b};
      key_put(k, fields, sizeof fields);
    }
    for (size_t n = 0; n < r->n_names; n++)
      key_str(k, r->names[n]);
    key_str(k, "");
  }
}

static char *cache_path(const struct keybuf *k)
{
  uint64_t h = 0xcbf29ce484222325ULL;  /* FNV-1a: names the file, nothing more */
  for (size_t i = 0; i < k->len; i++)
    h = (h ^ (unsigned char) k->data[i]) * 0x100000001b3ULL;
  struct error e = {0};
  _cleanup_free_ char *base = NULL;
  if (runtime_base(&base, true, &e) < 0)
    return NULL;
  return xasprintf("%s/seccomp-%016llx.bpf", base, (unsigned long long) h);
}

#define CACHE_MAGIC "hutch seccomp cache 1\n"

static bool cache_load(const char *path, const struct keybuf *k, struct seccomp_bpf *out)
{
  size_t len;
  _cleanup_free_ char *data = path ? read_file(path, SECCOMP_CACHE_MAX, &len) : NULL;
  size_t mlen = strlen(CACHE_MAGIC), off = mlen + k->len;
  uint32_t hdr[4];  /* flags, n, len[0], len[1] */
  if (!data || len < off + sizeof hdr || memcmp(data, CACHE_MAGIC, mlen) || memcmp(data + mlen, k->data, k->len))
    return false;
  memcpy(hdr, data + off, sizeof hdr);
  off += sizeof hdr;
  if (hdr[1] > SECCOMP_MAX_PROGS)
    return false;
  size_t need = 0;
  for (uint32_t i = 0; i < hdr[1]; i++)
    need += hdr[2 + i] * sizeof(struct sock_filter);
  if (len != off + need)
    return false;
  out->flags = hdr[0];
  for (uint32_t i = 0; i < hdr[1]; i++) {
    size_t bytes = hdr[2 + i] * sizeof(struct sock_filter);
    out->prog[i] = xmalloc(bytes);
    memcpy(out->prog[i], data + off, bytes);
    out->len[i] = (unsigned short) hdr[2 + i];
    off += bytes;
    out->n++;
  }
  return true;
}

static void cache_store(const char *path, const struct keybuf *k, const struct seccomp_bpf *bpf)
{
  if (!path)
    return;
  _cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", path);
  _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0)
    return;
  uint32_t hdr[4] = {bpf->flags, (uint32_t) bpf->n, bpf->n > 0 ? bpf->len[0] : 0, bpf->n > 1 ? bpf->len[1] : 0};
  bool ok = write_all(fd, CACHE_MAGIC, strlen(CACHE_MAGIC)) == 0 && write_all(fd, k->data, k->len) == 0 &&
            write_all(fd, hdr, sizeof hdr) == 0;
  for (int i = 0; i < bpf->n && ok; i++)
    ok = write_all(fd, bpf->prog[i], bpf->len[i] * sizeof(struct sock_filter)) == 0;
  /* Renamed into place whole, so a reader never sees half a filter. */
  if (!ok || rename(tmp, path) < 0)
    unlink(tmp);
}

int seccomp_filter_compile(enum seccomp_mode mode, const char *file, uint64_t caps, struct seccomp_bpf *out,
                           struct error *err)
{
  *out = (struct seccomp_bpf) {0};
  if (mode == SECCOMP_UNCONFINED)
    return 0;
  struct sc_profile p = {0};
  int r = profile_load(mode, file, caps, &p, err);
  if (r < 0)
    return r;
  struct keybuf key = {0};
  profile_key(&p, &key);
  _cleanup_free_ char *cached = cache_path(&key);
  if (cache_load(cached, &key, out)) {
    free(key.data);
    profile_free(&p);
    return 0;
  }
  bool need_second = false;
  for (size_t i = 0; i < p.n_rules; i++)
    need_second = need_second || conditional_denial(&p.rules[i]);
  /* Loaded in this order: the main filter last, so that a profile that
   * denies seccomp() itself does not stop the second from loading. */
  if (need_second)
    r = compile_one(&p, true, out, err);
  if (r == 0)
    r = compile_one(&p, false, out, err);
  out->flags = p.flags;
  profile_free(&p);
  if (r < 0)
    seccomp_filter_free(out);
  else
    cache_store(cached, &key, out);
  free(key.data);
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

static void describe_action(uint32_t a, char *buf, size_t len)
{
  uint32_t data = a & 0xffff;
  if (a == SCMP_ACT_ALLOW)
    snprintf(buf, len, "allow");
  else if (a == SCMP_ACT_LOG)
    snprintf(buf, len, "allow and log");
  else if (a == SCMP_ACT_KILL_PROCESS)
    snprintf(buf, len, "kill the process");
  else if (a == SCMP_ACT_KILL_THREAD)
    snprintf(buf, len, "kill the thread");
  else if (a == SCMP_ACT_TRAP)
    snprintf(buf, len, "SIGSYS");
  else if ((a & ~0xffffU) == SCMP_ACT_ERRNO(0))
    snprintf(buf, len, "fail with %s (%u)", strerrorname_np((int) data) ? strerrorname_np((int) data) : "errno", data);
  else if ((a & ~0xffffU) == SCMP_ACT_TRACE(0))
    snprintf(buf, len, "trace (%u)", data);
  else
    snprintf(buf, len, "0x%08x", a);
}

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

int seccomp_profile_describe(enum seccomp_mode mode, const char *file, uint64_t caps, FILE *f, struct error *err)
{
  if (mode == SECCOMP_UNCONFINED) {
    fprintf(f, "seccomp:        unconfined (every system call reaches the kernel)\n");
    return 0;
  }
  struct sc_profile p = {0};
  int r = profile_load(mode, file, caps, &p, err);
  if (r < 0)
    return r;
  char buf[128];
  describe_action(p.default_action, buf, sizeof buf);
  fprintf(f, "seccomp:        %s%s\n", p.path, mode == SECCOMP_DEFAULT ? " (hutch's default)" : "");
  fprintf(f, "  other calls:  %s\n", buf);
  fprintf(f, "  entries:     ");
  for (size_t i = 0; i < p.n_arches; i++)
    fprintf(f, " %s", arch_name(p.arches[i]));
  fprintf(f, "; any other kills the process\n");
  /* Group the calls by action, in the order the profile gives them. */
  uint32_t seen[64];
  size_t n_seen = 0;
  for (size_t i = 0; i < p.n_rules; i++) {
    uint32_t a = p.rules[i].action;
    bool dup = false;
    for (size_t k = 0; k < n_seen; k++)
      dup = dup || seen[k] == a;
    if (dup || n_seen == N_ELEMENTS(seen))
      continue;
    seen[n_seen++] = a;
    describe_action(a, buf, sizeof buf);
    size_t count = 0;
    for (size_t j = i; j < p.n_rules; j++)
      if (p.rules[j].action == a)
        count += p.rules[j].n_names;
    fprintf(f, "  %s (%zu):", buf, count);
    if (is_permissive(a) && count > 12) {
      fprintf(f, " ordinary calls (files, memory, processes, signals, sockets, ids...)");
    } else {
      for (size_t j = i; j < p.n_rules; j++) {
        if (p.rules[j].action != a)
          continue;
        for (size_t k = 0; k < p.rules[j].n_names; k++) {
          fprintf(f, " %s", p.rules[j].names[k]);
          describe_conds(&p.rules[j], f);
        }
      }
    }
    fputc('\n', f);
  }
  profile_free(&p);
  return 0;
}
