/* policy.c: hutch run --print-policy, for a user who wants to know what a
 * sandbox may do before running anything in it. Each module describes its
 * own part; this file only puts them in order. */
#define _GNU_SOURCE
#include "policy.h"

#include <stdio.h>

#include "caps.h"
#include "plan.h"
#include "landlock.h"
#include "net.h"
#include "seccomp.h"
#include "util.h"

int policy_print(const struct plan *p, FILE *f, struct error *err)
{
  int r;
  fprintf(f, "namespaces:     user, mount, pid, ipc, uts, cgroup, %s\n",
          p->network == NET_HOST ? "but the host's network (--network host)" : "network");
  fprintf(f, "network:        %s\n", net_mode_name(p->network));
  _cleanup_free_ char *caps = caps_describe(p->caps);
  fprintf(f, "capabilities:   %s\n", caps);
  fprintf(f, "                (of the sandbox's user namespace, for uid 0 inside; another uid has only\n"
             "                those --cap-add names, as ambient; the bounding set is the same)\n");
  fprintf(f, "no_new_privs:   on (setuid and file capabilities give nothing)\n");
  fprintf(f, "write or exec:  %s\n", p->mdwe ? "memory is never both (--memory-deny-write-execute)"
                                               : "as the program asks (--memory-deny-write-execute to refuse)");
  if ((r = seccomp_describe(p->seccomp_mode, p->seccomp_file, p->caps, p->multiarch, f, err)) < 0)
    return r;
  landlock_describe(p->landlock, f);
  fprintf(f, "masked paths:  ");
  for (size_t i = 0; i < p->n_mounts; i++)
    if (p->mounts[i].kind == MOUNT_MASK)
      fprintf(f, " %s", p->mounts[i].dst);
  fprintf(f, "\nread-only:     ");
  for (size_t i = 0; i < p->n_mounts; i++)
    if (p->mounts[i].kind == MOUNT_READONLY)
      fprintf(f, " %s", p->mounts[i].dst);
  fprintf(f, "\n");
  fprintf(f, "devices:        /dev/null zero full random urandom tty, a private /dev/pts, /dev/shm\n");
  fprintf(f, "pid 1:          hutch's init, not dumpable: /proc/1/exe, root, cwd and fd are closed to the command\n");
  plan_describe(p, f);
  return 0;
}
