/* caps.c: what root inside the sandbox may do.
 *
 * Root in a user namespace holds every capability, but only over the
 * namespace's own objects. We still keep it to a small set, podman's
 * default, so that a mistake elsewhere (a kernel bug, a missed mount) meets
 * as little as possible. --cap-add and --cap-drop change the set; the
 * bounding set is trimmed to match, so no exec (setuid binary or file
 * capabilities) can win anything back; the ambient set is empty, and
 * no_new_privs is always set.
 */
#define _GNU_SOURCE
#include "caps.h"

#include <cap-ng.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>

#include "util.h"

static const int default_caps[] = {
  CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_NET_BIND_SERVICE,
  CAP_SETFCAP, CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_CHROOT,
};

int caps_last(void)
{
  /* The running kernel's last capability, which may be newer or older than
   * the headers we were built with. */
  static int last = -1;
  if (last < 0) {
    _cleanup_free_ char *s = read_file("/proc/sys/kernel/cap_last_cap", READ_FILE_SMALL, NULL);
    last = s ? atoi(s) : CAP_LAST_CAP;
    if (last <= 0 || last > 63)
      last = CAP_LAST_CAP;
  }
  return last;
}

uint64_t caps_default(void)
{
  uint64_t m = 0;
  for (size_t i = 0; i < N_ELEMENTS(default_caps); i++)
    m |= UINT64_C(1) << default_caps[i];
  return m;
}

static uint64_t caps_all(void)
{
  int last = caps_last();
  return last >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (last + 1)) - 1;
}

int caps_parse_name(const char *opt, const char *arg, uint64_t *mask, bool *all, struct error *err)
{
  if (!strcasecmp(arg, "ALL")) {
    *all = true;
    return 0;
  }
  const char *name = strncasecmp(arg, "CAP_", 4) ? arg : arg + 4;
  int cap = *name ? capng_name_to_capability(name) : -1;
  if (cap < 0 || cap > caps_last())
    return error_set(err, 0, "bad %s `%s`: not a capability this kernel knows\nuse a name from capabilities(7), "
                     "such as NET_RAW or CAP_NET_RAW, or ALL", opt, arg);
  *mask |= UINT64_C(1) << cap;
  return 0;
}

uint64_t caps_resolve(const struct spec *s)
{
  uint64_t base = s->cap_add_all ? caps_all() : s->cap_drop_all ? 0 : caps_default();
  return ((base & ~s->cap_drop) | s->cap_add) & caps_all();
}

uint64_t caps_for_other_uid(const struct spec *s, uint64_t caps)
{
  return s->cap_add_all ? caps : s->cap_add & caps;
}

char *caps_describe(uint64_t caps)
{
  char *out = xstrdup("");
  for (int c = 0; c <= caps_last(); c++) {
    if (!(caps & (UINT64_C(1) << c)))
      continue;
    const char *name = capng_capability_to_name((unsigned) c);
    char *n = xasprintf("%s%sCAP_%s", out, *out ? " " : "", name ? name : "?");
    for (char *p = n + strlen(out); *p; p++)
      if (*p >= 'a' && *p <= 'z')
        *p = (char) (*p - 'a' + 'A');
    free(out);
    out = n;
  }
  if (!*out) {
    free(out);
    out = xstrdup("(none)");
  }
  return out;
}

static void select_caps(uint64_t caps, capng_type_t type)
{
  for (int c = 0; c <= caps_last(); c++)
    if (caps & (UINT64_C(1) << c))
      capng_update(CAPNG_ADD, type, (unsigned) c);
}

/* One PR_CAPBSET_DROP per capability outside the set, as the kernel
 * offers it. libcap-ng's capng_apply(CAPNG_SELECT_BOUNDS) makes the same
 * calls, but around them it reads /proc/self/status three times, to learn
 * the sets before and after: 0.05 ms of every launch (issue 9). A
 * capability already outside the set drops again without error; without
 * CAP_SETPCAP the first drop fails with EPERM. */
int caps_trim_bounding(uint64_t caps, struct error *err)
{
  for (int c = 0; c <= caps_last(); c++)
    if (!(caps & (UINT64_C(1) << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
      return error_set(err, errno, "trim the capability bounding set (capability %d)", c);
  return 0;
}

int caps_keep_across_setuid(uint64_t other, uid_t uid, struct error *err)
{
  if (uid == 0 || !other)
    return 0;
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return error_set(err, errno, "keep capabilities across the change to uid %u", uid);
  return 0;
}

int caps_apply(uint64_t caps, uint64_t other, uid_t uid, struct error *err)
{
  uint64_t keep = uid == 0 ? caps : other;
  capng_clear(CAPNG_SELECT_CAPS);
  select_caps(keep, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE);
  if (capng_apply(CAPNG_SELECT_CAPS) < 0)
    return error_set(err, errno, "set capabilities");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return error_set(err, errno, "clear ambient capabilities");
  /* A non-zero uid loses its capabilities at exec unless they are ambient. */
  for (int c = 0; uid != 0 && c <= caps_last(); c++)
    if ((keep & (UINT64_C(1) << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return error_set(err, errno, "raise capability %d in the ambient set", c);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return error_set(err, errno, "set no_new_privs");
  return 0;
}

/* Newer than the headers hutch may be built with. */
#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_GET_MDWE 66
#define PR_MDWE_REFUSE_EXEC_GAIN (1UL << 0)
#endif

bool caps_mdwe_available(void)
{
  return prctl(PR_GET_MDWE, 0, 0, 0, 0) >= 0;
}

int caps_mdwe(bool on, struct error *err)
{
  if (on && prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) < 0)
    return error_set(err, errno, "memory-deny-write-execute (PR_SET_MDWE)");
  return 0;
}
