/* caps.c: what root inside the sandbox may do.
 *
 * Root in a user namespace holds every capability, but only over the
 * namespace's own objects. We still keep it to a small set, podman's
 * default, so that a mistake elsewhere (a kernel bug, a missed mount) meets
 * as little as possible. The bounding set is trimmed to match, so no exec
 * (setuid binary or file capabilities) can win anything back, and
 * no_new_privs is always set.
 */
#define _GNU_SOURCE
#include "caps.h"

#include <cap-ng.h>
#include <errno.h>
#include <sys/prctl.h>

static const int default_caps[] = {
  CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_NET_BIND_SERVICE,
  CAP_SETFCAP, CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_CHROOT,
};

static void select_caps(capng_type_t type)
{
  for (size_t i = 0; i < sizeof default_caps / sizeof default_caps[0]; i++)
    capng_update(CAPNG_ADD, type, (unsigned) default_caps[i]);
}

int caps_trim_bounding(const struct spec *s, struct error *err)
{
  (void) s;
  capng_clear(CAPNG_SELECT_BOUNDS);
  select_caps(CAPNG_BOUNDING_SET);
  if (capng_apply(CAPNG_SELECT_BOUNDS) < 0)
    return error_set(err, errno, "trim the capability bounding set");
  return 0;
}

int caps_apply(const struct spec *s, uid_t uid, struct error *err)
{
  (void) s;
  capng_clear(CAPNG_SELECT_CAPS);
  if (uid == 0)
    select_caps(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE);
  if (capng_apply(CAPNG_SELECT_CAPS) < 0)
    return error_set(err, errno, "set capabilities");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return error_set(err, errno, "clear ambient capabilities");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return error_set(err, errno, "set no_new_privs");
  return 0;
}
