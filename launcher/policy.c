/* policy.c: hutch run --print-policy, for a user who wants to know what a
 * sandbox may do before running anything in it. Each module describes its
 * own part; this file only puts them in order. */
#define _GNU_SOURCE
#include "policy.h"

#include <stdio.h>

#include "caps.h"
#include "landlock.h"
#include "net.h"
#include "rootfs.h"
#include "seccomp.h"
#include "util.h"

int policy_print(const struct spec *s, struct error *err)
{
  struct seccomp_bpf bpf;
  int r = seccomp_filter_compile(s->seccomp, s->seccomp_file, s->caps, &bpf, err);
  if (r < 0)
    return r;
  seccomp_filter_free(&bpf);

  FILE *f = stdout;
  fprintf(f, "namespaces:     user, mount, pid, ipc, uts, cgroup, %s\n",
          s->network == NET_HOST ? "but the host's network (--network host)" : "network");
  fprintf(f, "network:        %s\n", net_mode_name(s->network));
  _cleanup_free_ char *caps = caps_describe(s->caps);
  fprintf(f, "capabilities:   %s\n", caps);
  fprintf(f, "                (of the sandbox's user namespace, for uid 0 inside; another uid has only\n"
             "                those --cap-add names, as ambient; the bounding set is the same)\n");
  fprintf(f, "no_new_privs:   on (setuid and file capabilities give nothing)\n");
  if ((r = seccomp_describe(s->seccomp, s->seccomp_file, s->caps, f, err)) < 0)
    return r;
  landlock_describe(s, f);
  rootfs_describe_masks(s, f);
  fprintf(f, "devices:        /dev/null zero full random urandom tty, a private /dev/pts, /dev/shm\n");
  fprintf(f, "pid 1:          hutch's init, not dumpable: /proc/1/exe, root, cwd and fd are closed to the command\n");
  return 0;
}
