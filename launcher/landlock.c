/* landlock.c: the second wall.
 *
 * The mount namespace and pivot_root are the first wall: after them, no path
 * the command can name leads out of its root. But a path is not the only way
 * to a file. A directory descriptor that reached the sandbox (passed with
 * --preserve-fds, or leaked by a bug, as runc's CVE-2024-21626 leaked a
 * working directory), a magic link in /proc to something outside, or a bind
 * mount made later all point past the root without a path. Landlock checks
 * every open against the file's place in the mount tree instead: the command
 * gets all rights beneath its own root (which holds its volumes, /proc, /dev
 * and the rest) and none anywhere else, whatever the route.
 *
 * Where the ABI has them (6 and later), abstract unix sockets and signals
 * are scoped as well: the command cannot connect to an abstract socket
 * made outside its sandbox, even sharing the host's network namespace, nor
 * signal a process outside it (such as its init).
 *
 * The ruleset is built and applied in the command's own process, after
 * no_new_privs (which Landlock requires of an unprivileged process) and
 * before seccomp, which would deny its system calls to a strict profile.
 */
#define _GNU_SOURCE
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

#if !HAVE_LANDLOCK
/* Built without Landlock (meson setup -Dlandlock=disabled, or no
 * <linux/landlock.h>): hutch behaves as on a kernel without it. */
int landlock_abi(void)
{
  return -ENOSYS;
}

static int restrict_self(int abi, bool files, struct error *err)
{
  (void) files;
  return error_set(err, ENOSYS, "Landlock ABI %d: hutch was built without Landlock", abi);
}
#else
#include <linux/landlock.h>

/* Newer than the kernel headers hutch may be built with. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* struct landlock_ruleset_attr as of ABI 6; older kernels take a prefix. */
struct ruleset_attr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

int landlock_abi(void)
{
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi > 0 ? (int) abi : -errno;
}

/* Every file right the kernel's ABI knows: a right left unhandled would be
 * allowed everywhere. */
static uint64_t fs_rights(int abi)
{
  uint64_t r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;  /* ABI 1: bits 0 to 12 */
  if (abi >= 2)
    r |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3)
    r |= LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi >= 5)
    r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  return r;
}

/* files: every right beneath the root; otherwise none at all. */
static int restrict_self(int abi, bool files, struct error *err)
{
  struct ruleset_attr attr = {
    .handled_access_fs = fs_rights(abi),
    .scoped = abi >= 6 ? LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL : 0,
  };
  size_t size = abi >= 6 ? sizeof attr : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
  _cleanup_close_ int ruleset = (int) syscall(SYS_landlock_create_ruleset, &attr, size, 0);
  if (ruleset < 0)
    return error_set(err, errno, "landlock_create_ruleset (ABI %d)", abi);
  if (!files) {
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
      return error_set(err, errno, "landlock_restrict_self");
    return 0;
  }

  /* The new root, after pivot_root: volumes, /proc, /dev and the rest are
   * mounted beneath it, so one rule covers them all. */
  _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return error_set(err, errno, "open `/` for Landlock");
  struct landlock_path_beneath_attr beneath = {.allowed_access = attr.handled_access_fs, .parent_fd = root};
  if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) < 0)
    return error_set(err, errno, "landlock_add_rule `/`");
  if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
    return error_set(err, errno, "landlock_restrict_self");
  return 0;
}
#endif /* HAVE_LANDLOCK */

int landlock_apply(bool on, struct error *err)
{
  if (!on)
    return 0;
  int abi = landlock_abi();
  if (abi < 0) {
    log_debug("no Landlock (%s): the second wall is off", strerror(-abi));
    return 0;
  }
  return restrict_self(abi, true, err);
}

int landlock_deny_files(struct error *err)
{
  int abi = landlock_abi();
  return abi < 0 ? 0 : restrict_self(abi, false, err);
}

void landlock_describe(bool on, FILE *f)
{
  int abi = landlock_abi();
  if (!on)
    fprintf(f, "landlock:       off (--landlock off)\n");
  else if (!HAVE_LANDLOCK)
    fprintf(f, "landlock:       not built in (meson setup -Dlandlock=disabled): off\n");
  else if (abi < 0)
    fprintf(f, "landlock:       not available on this kernel (%s): off\n", strerror(-abi));
  else
    fprintf(f, "landlock:       ABI %d: files only beneath the sandbox's root%s\n", abi,
            abi >= 6 ? "; abstract unix sockets and signals only within the sandbox" : "");
}
