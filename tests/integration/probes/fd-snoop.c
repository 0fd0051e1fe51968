/* fd-snoop: stands in for a helper that hutch starts (pasta, slirp4netns,
 * fuse-overlayfs), found first in PATH under the helper's name. It writes
 * down the descriptors it was started with, then execs the real helper with
 * the same arguments and the same descriptors, so nothing else changes.
 *
 * What a helper holds once it runs mixes what it was given with what it
 * opened itself, and pasta makes itself non-dumpable, which closes its
 * /proc/PID/fd to its own user. The descriptors open at exec are exactly
 * what hutch gave it.
 *
 * Environment: HUTCH_SNOOP_DIR, where the record goes (NAME.PID, one line
 * "fd N TARGET" per descriptor that survives exec, "sigblk MASK" (the
 * blocked signals, from /proc/self/status), then "argv ARG" lines);
 * HUTCH_SNOOP_PATH, the PATH to find the real helper in; HUTCH_SNOOP_CLOSE
 * set: close every descriptor but 0, 1 and 2 before that exec, as passt
 * itself does as it starts since 2024 (isolate_initial), which the passt
 * of Debian 12 does not. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int record(const char *dir, const char *name, char **argv)
{
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s.%d.tmp", dir, name, (int) getpid());
  int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0)
    return -errno;
  DIR *d = opendir("/proc/self/fd");
  if (!d) {
    close(out);
    return -errno;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    int fd = atoi(e->d_name);
    if (fd == dirfd(d) || fd == out)
      continue;
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0 || (flags & FD_CLOEXEC))
      continue;  /* gone at exec: not the helper's */
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    dprintf(out, "fd %d %s\n", fd, target);
  }
  closedir(d);
  /* The signals it starts with blocked: hutch blocks its own for a
   * signalfd, and a helper must not inherit that. */
  FILE *st = fopen("/proc/self/status", "re");
  char line[256];
  while (st && fgets(line, sizeof line, st))
    if (!strncmp(line, "SigBlk:", 7))
      dprintf(out, "sigblk %s", line + 8 + strspn(line + 7, " \t") - 1);
  if (st)
    fclose(st);
  for (char **a = argv; *a; a++)
    dprintf(out, "argv %s\n", *a);
  close(out);
  /* Complete once renamed: the test never reads half a record. */
  char final[PATH_MAX];
  snprintf(final, sizeof final, "%s/%s.%d", dir, name, (int) getpid());
  return rename(path, final) < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
  (void) argc;
  const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  const char *dir = getenv("HUTCH_SNOOP_DIR");
  const char *search = getenv("HUTCH_SNOOP_PATH");
  if (!dir || !search) {
    fprintf(stderr, "fd-snoop: HUTCH_SNOOP_DIR and HUTCH_SNOOP_PATH must be set\n");
    return 127;
  }
  int r = record(dir, name, argv);
  if (r < 0)
    fprintf(stderr, "fd-snoop: cannot write the record in %s: %s\n", dir, strerror(-r));

  struct stat self;
  if (stat("/proc/self/exe", &self) < 0)
    return 127;
  if (getenv("HUTCH_SNOOP_CLOSE") && syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
    for (int fd = 3; fd < 65536; fd++)  /* a kernel before 5.9 */
      close(fd);
  char *copy = strdup(search);
  for (char *save = NULL, *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
    char real[PATH_MAX];
    struct stat st;
    snprintf(real, sizeof real, "%s/%s", p, name);
    if (stat(real, &st) < 0 || (st.st_dev == self.st_dev && st.st_ino == self.st_ino) || access(real, X_OK) < 0)
      continue;
    execv(real, argv);
  }
  fprintf(stderr, "fd-snoop: no %s in %s\n", name, search);
  return 127;
}
