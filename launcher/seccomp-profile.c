/* seccomp-profile.c: an OCI / Docker seccomp profile, JSON -> struct
 * sc_profile.
 *
 * A profile is a default action, the architectures, and rules that give an
 * action to named system calls, optionally only when their arguments
 * match, and optionally only for some capabilities ("includes" and
 * "excludes"). It is read with json-c from a file, a text buffer or a JSON
 * object (an OCI config carries one inline). Only the rules that apply to
 * the command's final capability set are kept. Nothing here builds a
 * filter; everything a user can get wrong in a profile is found here, and
 * each message names the file and the entry.
 *
 * What json-c does not check for us:
 * - numbers: it reads an integer above 2^63-1 as unsigned, and one that
 *   does not fit in 64 bits as the largest it can hold, silently. So a
 *   mask is read with the unsigned getter, and the text is first searched
 *   for integers that do not fit (seccomp_json_check_integers);
 * - size: libseccomp takes time in proportion to the rules it holds for
 *   every rule it is given, so 100,000 copies of one name in one rule cost
 *   it half a minute. Repeats within a rule are dropped as the rule is
 *   read, and the rules and names a profile may hold are bounded;
 * - what hutch needs to run the command at all: execve, and exit_group and
 *   write once the filter is loaded (profile_check_needed).
 */
#define _GNU_SOURCE
#include "seccomp-profile.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include <cap-ng.h>

#include "caps.h"
#include "util.h"

void seccomp_profile_free(struct sc_profile *p)
{
  for (size_t i = 0; i < p->n_rules; i++) {
    free(p->rules[i].conds);
    strvfreep(&p->rules[i].names);
  }
  free(p->rules);
  free(p->origin);
  *p = (struct sc_profile) {0};
}

int seccomp_profile_error(struct error *err, const struct sc_profile *p, const char *where, const char *fmt, ...)
{
  char what[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return error_set(err, 0, "seccomp profile `%s`: %s%s%s", p->origin, where, *where ? ": " : "", what);
}
#define bad seccomp_profile_error

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

const char *seccomp_arch_describe(uint32_t token)
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
  /* json-c holds an integer as int64, or above INT64_MAX as uint64, and
   * each getter clamps the other's range: the int64 one reads 2^64-1 as
   * 2^63-1. A negative number is refused; any other is read unsigned. */
  if (json_object_get_int64(v) < 0)
    return -ERANGE;
  *out = json_object_get_uint64(v);
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

/* "includes" / "excludes": does the condition hold for this capability set
 * and machine? An empty filter holds for includes (no requirement) and not
 * for excludes. */
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

struct name_at {
  const char *name;
  size_t at;
};

static int cmp_name_at(const void *a, const void *b)
{
  const struct name_at *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* Drop the names a rule repeats, keeping the first of each in the
 * profile's order: n log n, on a sorted copy. */
static void drop_repeats(char **names, size_t *n)
{
  if (*n < 2)
    return;
  _cleanup_free_ struct name_at *sorted = xcalloc(*n, sizeof *sorted);
  _cleanup_free_ bool *repeat = xcalloc(*n, sizeof *repeat);
  for (size_t i = 0; i < *n; i++)
    sorted[i] = (struct name_at) {names[i], i};
  qsort(sorted, *n, sizeof *sorted, cmp_name_at);
  for (size_t i = 1; i < *n; i++)
    repeat[sorted[i].at] = !strcmp(sorted[i].name, sorted[i - 1].name);
  size_t kept = 0;
  for (size_t i = 0; i < *n; i++) {
    if (repeat[i])
      free(names[i]);
    else
      names[kept++] = names[i];
  }
  names[kept] = NULL;
  *n = kept;
}

/* Where a name stands in the rule, for a message ("syscalls[1].names[3]"):
 * the names are no longer in their places once repeats are dropped. */
static void name_place(json_object *o, const struct sc_rule *r, const char *name, char *buf, size_t len)
{
  json_object *names;
  snprintf(buf, len, "%s.name", r->where);
  if (!json_object_object_get_ex(o, "names", &names) || !json_object_is_type(names, json_type_array))
    return;
  for (size_t i = 0; i < json_object_array_length(names); i++)
    if (!strcmp(json_object_get_string(json_object_array_get_idx(names, i)), name)) {
      snprintf(buf, len, "%s.names[%zu]", r->where, i);
      return;
    }
}

/* "names" (OCI), or "name" (Docker's older format): each known to
 * libseccomp, none twice. */
static int parse_names(const struct sc_profile *p, json_object *o, struct sc_rule *r, struct error *err)
{
  json_object *names, *one;
  size_t n = 0;
  char w[96];
  if (json_object_object_get_ex(o, "names", &names) && !json_object_is_type(names, json_type_null)) {
    if (!json_object_is_type(names, json_type_array))
      return bad(err, p, r->where, "`names` must be a list of system call names");
    /* Sized once: growing it one name at a time costs n squared in
     * copies where realloc cannot grow in place (under ASan, always). */
    r->names = xcalloc(json_object_array_length(names) + 2, sizeof *r->names);
    for (size_t i = 0; i < json_object_array_length(names); i++) {
      json_object *nm = json_object_array_get_idx(names, i);
      if (!json_object_is_type(nm, json_type_string)) {
        snprintf(w, sizeof w, "%s.names[%zu]", r->where, i);
        return bad(err, p, w, "must be a string");
      }
      r->names[n++] = xstrdup(json_object_get_string(nm));
    }
  }
  if (json_object_object_get_ex(o, "name", &one) && json_object_is_type(one, json_type_string))
    strv_append(&r->names, &n, xstrdup(json_object_get_string(one)));
  if (n == 0)
    return bad(err, p, r->where, "no system call names (`names`)");
  drop_repeats(r->names, &n);
  r->n_names = n;
  for (size_t i = 0; i < n; i++)
    if (seccomp_syscall_resolve_name(r->names[i]) == __NR_SCMP_ERROR) {
      const struct scmp_version *v = seccomp_version();
      name_place(o, r, r->names[i], w, sizeof w);
      return bad(err, p, w, "unknown system call `%s` (if it is newer than libseccomp %u.%u.%u, which "
                 "hutch uses, remove it from the profile or update libseccomp)", r->names[i], v->major,
                 v->minor, v->micro);
    }
  return 0;
}

/* Does the rule apply to these capabilities and this machine? Checked
 * last, so that a mistake in a rule is found even where it does not. */
static int rule_applies(const struct sc_profile *p, json_object *o, const struct sc_rule *r, uint64_t caps,
                        bool *applies, struct error *err)
{
  json_object *f;
  bool holds = true;
  int ret;
  *applies = false;
  if (json_object_object_get_ex(o, "includes", &f) && !json_object_is_type(f, json_type_null))
    if ((ret = filter_holds(p, r->where, f, caps, true, &holds, err)) < 0 || !holds)
      return ret < 0 ? ret : 0;
  if (json_object_object_get_ex(o, "excludes", &f) && !json_object_is_type(f, json_type_null)) {
    if ((ret = filter_holds(p, r->where, f, caps, false, &holds, err)) < 0)
      return ret;
    if (holds)
      return 0;
  }
  *applies = true;
  return 0;
}

/* One entry of "syscalls"; *names counts the names of every rule read. */
static int parse_rule(struct sc_profile *p, size_t idx, json_object *o, uint64_t caps, size_t *names,
                      struct error *err)
{
  struct sc_rule r = {0};
  snprintf(r.where, sizeof r.where, "syscalls[%zu]", idx);
  json_object *args;
  bool applies;
  int ret;
  if (!json_object_is_type(o, json_type_object))
    return bad(err, p, r.where, "must be an object with names and action");
  if ((ret = parse_action(p, r.where, o, "action", "errnoRet", &r.action, err)) < 0 ||
      (ret = parse_names(p, o, &r, err)) < 0)
    goto drop;
  if ((*names += r.n_names) > SECCOMP_PROFILE_MAX_NAMES) {
    ret = bad(err, p, r.where, "more than %d system call names in the profile (a name repeated within a rule "
              "counts once); hutch takes no more", SECCOMP_PROFILE_MAX_NAMES);
    goto drop;
  }
  if (json_object_object_get_ex(o, "args", &args) && !json_object_is_type(args, json_type_null))
    if ((ret = parse_args(p, r.where, args, &r, err)) < 0)
      goto drop;
  if ((ret = rule_applies(p, o, &r, caps, &applies, err)) < 0 || !applies)
    goto drop;
  p->rules = realloc(p->rules, (p->n_rules + 1) * sizeof *p->rules);
  if (!p->rules)
    abort();
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

void seccomp_profile_add_compat(struct sc_profile *p)
{
  /* The 32-bit entries of 64-bit machines: x32 is left out (a different
   * ABI, gone from most kernels), as Docker's profile leaves it. */
  static const uint32_t compat[][2] = {
    {SCMP_ARCH_X86_64, SCMP_ARCH_X86},
    {SCMP_ARCH_AARCH64, SCMP_ARCH_ARM},
    {SCMP_ARCH_S390X, SCMP_ARCH_S390},
  };
  uint32_t native = seccomp_arch_native();
  for (size_t i = 0; i < N_ELEMENTS(compat); i++)
    if (compat[i][0] == native)
      add_arch(p, compat[i][1]);
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


bool seccomp_action_permissive(uint32_t action)
{
  return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG;
}

bool seccomp_rule_conditional_denial(const struct sc_rule *r)
{
  return r->n_conds > 0 && !seccomp_action_permissive(r->action);
}

static bool compares_by_order(const struct sc_rule *r)
{
  for (unsigned c = 0; c < r->n_conds; c++) {
    enum scmp_compare op = r->conds[c].op;
    if (op == SCMP_CMP_LT || op == SCMP_CMP_LE || op == SCMP_CMP_GT || op == SCMP_CMP_GE)
      return true;
  }
  return false;
}

const char *seccomp_profile_loop_suspect(const struct sc_profile *p)
{
  for (size_t i = 0; i < p->n_rules; i++) {
    if (!compares_by_order(&p->rules[i]))
      continue;
    for (size_t j = 0; j < p->n_rules; j++) {
      if (i == j || !p->rules[j].n_conds)
        continue;
      for (size_t a = 0; a < p->rules[i].n_names; a++)
        for (size_t b = 0; b < p->rules[j].n_names; b++)
          if (!strcmp(p->rules[i].names[a], p->rules[j].names[b]))
            return p->rules[i].names[a];
    }
  }
  return NULL;
}

/* ------------------------------------------------------ what hutch needs
 *
 * The filter is loaded in the command's process just before exec, by
 * hutch's own code, which then still has to exec, and, if the exec fails,
 * report why on a pipe and exit. A profile that denies one of these calls
 * would end that process in a way no one can read: with exit_group denied,
 * the C library's _exit falls through to an instruction that faults
 * (SIGSEGV, exit 139). Such a profile is refused when it is read. */
static const struct {
  const char *name, *why;
} needed_calls[] = {
  {"execve", "it starts the command with it once the filter is loaded"},
  {"exit_group", "every process ends with it (denied, the C library's _exit falls back to exit, and "
                 "crashes with SIGSEGV if that is denied too)"},
  {"write", "it reports a failed exec through it once the filter is loaded"},
};

/* The action the profile takes on a call whatever its arguments; false
 * when that depends on the arguments (the profile may then allow it). */
static bool action_whatever_args(const struct sc_profile *p, const char *name, uint32_t *action)
{
  *action = p->default_action;
  for (size_t i = 0; i < p->n_rules; i++)
    for (size_t k = 0; k < p->rules[i].n_names; k++) {
      if (strcmp(p->rules[i].names[k], name))
        continue;
      if (p->rules[i].n_conds > 0)
        return false;
      *action = p->rules[i].action;
    }
  return true;
}

static int profile_check_needed(const struct sc_profile *p, struct error *err)
{
  for (size_t i = 0; i < N_ELEMENTS(needed_calls); i++) {
    uint32_t a;
    char what[96];
    if (!action_whatever_args(p, needed_calls[i].name, &a) || seccomp_action_permissive(a))
      continue;
    seccomp_action_describe(a, what, sizeof what);
    int r = bad(err, p, "", "`%s` is denied (%s), and hutch needs it: %s", needed_calls[i].name, what,
                needed_calls[i].why);
    error_fix(err, "allow `%s` in the profile", needed_calls[i].name);
    return r;
  }
  return 0;
}

/* ------------------------------------------------------------- numbers */

/* Does the integer literal s[0..n) fit in int64 (negative) or uint64? */
static bool integer_fits(const char *s, size_t n)
{
  bool neg = *s == '-';
  const char *d = s + neg, *limit = neg ? "9223372036854775808" : "18446744073709551615";
  size_t nd = n - neg;
  while (nd > 1 && *d == '0')
    d++, nd--;
  size_t nl = strlen(limit);
  return nd < nl || (nd == nl && memcmp(d, limit, nl) <= 0);
}

/* Where we are in the text, as a path: "syscalls[2].args[0].value". */
struct json_place {
  bool array;
  size_t index;
  char key[40];
};

static void place_string(const struct json_place *stack, int depth, char *buf, size_t len)
{
  size_t off = 0;
  buf[0] = '\0';
  for (int i = 0; i < depth && off < len; i++) {
    if (stack[i].array)
      off += (size_t) snprintf(buf + off, len - off, "[%zu]", stack[i].index);
    else
      off += (size_t) snprintf(buf + off, len - off, "%s%s", off ? "." : "", stack[i].key);
  }
}

int seccomp_json_check_integers(const char *text, size_t len, const char *origin, struct error *err)
{
  struct json_place stack[64];
  int depth = 0;
  bool want_key = false;
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    if (c == '"') {
      size_t start = ++i;
      while (i < len && text[i] != '"')
        i += text[i] == '\\' ? 2 : 1;
      if (want_key && depth > 0) {
        size_t n = i - start < sizeof stack[0].key - 1 ? i - start : sizeof stack[0].key - 1;
        memcpy(stack[depth - 1].key, text + start, n);
        stack[depth - 1].key[n] = '\0';
        want_key = false;
      }
    } else if (c == '{' || c == '[') {
      if (depth == (int) N_ELEMENTS(stack))
        return error_set(err, 0, "`%s`: JSON nested more than %d deep", origin, depth);
      stack[depth++] = (struct json_place) {.array = c == '['};
      want_key = c == '{';
    } else if (c == '}' || c == ']') {
      depth -= depth > 0;
    } else if (c == ',' && depth > 0) {
      stack[depth - 1].index++;
      want_key = !stack[depth - 1].array;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t n = 1;  /* the text need not end in a NUL: count within len */
      while (i + n < len && text[i + n] >= '0' && text[i + n] <= '9')
        n++;
      bool integer = i + n >= len || (text[i + n] != '.' && text[i + n] != 'e' && text[i + n] != 'E');
      if (integer && !integer_fits(text + i, n)) {
        char where[256];
        place_string(stack, depth, where, sizeof where);
        if (!where[0])
          snprintf(where, sizeof where, "the top level");
        return error_set(err, 0, "seccomp profile `%s`: %s: %.*s does not fit in 64 bits (the largest is "
                         "18446744073709551615, 2^64-1)", origin, where, (int) (n < 40 ? n : 40), text + i);
      }
      i += n - 1;
    }
  }
  return 0;
}

/* ---------------------------------------------------------------- entry */

int seccomp_profile_parse_json(struct json_object *root, const char *origin, uint64_t caps, struct sc_profile *p,
                               struct error *err)
{
  *p = (struct sc_profile) {.origin = xstrdup(origin)};
  int r = 0;
  json_object *syscalls;
  size_t n = 0, names = 0;
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
    if ((n = json_object_array_length(syscalls)) > SECCOMP_PROFILE_MAX_RULES) {
      r = bad(err, p, "syscalls", "%zu rules; hutch takes at most %d", n, SECCOMP_PROFILE_MAX_RULES);
      goto out;
    }
    for (size_t i = 0; i < n; i++)
      if ((r = parse_rule(p, i, json_object_array_get_idx(syscalls, i), caps, &names, err)) < 0)
        goto out;
  }
  r = profile_check_needed(p, err);
out:
  if (r < 0)
    seccomp_profile_free(p);
  return r;
}

int seccomp_profile_parse_text(const char *text, size_t len, const char *origin, uint64_t caps, struct sc_profile *p,
                               struct error *err)
{
  *p = (struct sc_profile) {0};
  if (len > SECCOMP_PROFILE_MAX)
    return error_set(err, EFBIG, "seccomp profile `%s`", origin);
  json_tokener *tok = json_tokener_new();
  if (!tok)
    abort();
  json_object *root = json_tokener_parse_ex(tok, text, (int) len);
  enum json_tokener_error jerr = json_tokener_get_error(tok);
  size_t off = json_tokener_get_parse_end(tok);
  json_tokener_free(tok);
  size_t end = off;
  while (end < len && strchr(" \t\r\n", text[end]) && text[end])
    end++;
  if (!root || jerr != json_tokener_success || end < len) {
    int line = 1;
    for (size_t i = 0; i < off && i < len; i++)
      line += text[i] == '\n';
    json_object_put(root);
    return error_set(err, 0, "seccomp profile `%s`: line %d: not valid JSON (%s)", origin, line,
                     jerr == json_tokener_success ? "text after the end" : json_tokener_error_desc(jerr));
  }
  int r = seccomp_json_check_integers(text, len, origin, err);
  if (r == 0)
    r = seccomp_profile_parse_json(root, origin, caps, p, err);
  json_object_put(root);
  return r;
}

int seccomp_profile_load(enum seccomp_mode mode, const char *path, uint64_t caps, struct sc_profile *p,
                         struct error *err)
{
  *p = (struct sc_profile) {0};
  if (mode == SECCOMP_UNCONFINED)
    return error_set(err, 0, "seccomp: no profile to read for --seccomp unconfined");
  _cleanup_free_ char *own = path ? xstrdup(path) : data_path("seccomp/default.json");
  size_t len;
  _cleanup_free_ char *text = read_file(own, SECCOMP_PROFILE_MAX, &len);
  if (!text) {
    int e = errno;
    int r = error_set(err, e, "seccomp profile `%s`", own);
    if (e == EFBIG)
      error_fix(err, "a profile may hold at most %d MiB; give an OCI / Docker seccomp JSON file", SECCOMP_PROFILE_MAX >> 20);
    else if (mode == SECCOMP_DEFAULT)
      error_fix(err, "hutch's default profile is missing; reinstall hutch, or pass --seccomp FILE");
    else
      error_fix(err, "use default, unconfined, or the path of a seccomp profile in the OCI / Docker JSON format");
    return r;
  }
  return seccomp_profile_parse_text(text, len, own, caps, p, err);
}

void seccomp_action_describe(uint32_t a, char *buf, size_t len)
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
