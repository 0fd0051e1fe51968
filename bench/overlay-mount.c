/* bench/overlay-mount.c: what the kernel alone takes to set up a fresh
 * overlay of N read-only layers, as hutch mounts one at each launch
 * (fsopen, one fsconfig "lowerdir+" per layer, a tmpfs upper, create,
 * fsmount), with no hutch around it. Run by bench/overlay-mount.sh inside
 * `unshare -Urm`.
 *
 *   overlay-mount RUNS SCRATCH BY_FD LAYER...   (LAYER top first)
 *
 * BY_FD 1 passes each layer as an O_PATH descriptor (FSCONFIG_SET_FD,
 * Linux 6.13) instead of its path; the descriptors are opened once, before
 * the timed runs. hutch gives each layer through a link of its run
 * directory (rootfs.c), which this leaves out. Prints the median
 * microseconds of the layers' fsconfig calls and of the whole mount. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double usec(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec * 1e6 + (double) t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static int cfg(int fs, unsigned cmd, const char *key, const char *val, int aux)
{
  return (int) syscall(SYS_fsconfig, fs, cmd, key, val, aux);
}

static void die(const char *what)
{
  fprintf(stderr, "overlay-mount: %s: %s\n", what, strerror(errno));
  exit(1);
}

int main(int argc, char **argv)
{
  if (argc < 5) {
    fprintf(stderr, "usage: overlay-mount RUNS SCRATCH BY_FD LAYER...\n");
    return 2;
  }
  int runs = atoi(argv[1]), by_fd = atoi(argv[3]), n = argc - 4;
  if (runs < 1) {
    fprintf(stderr, "overlay-mount: RUNS must be 1 or more\n");
    return 2;
  }
  const char *scratch = argv[2];
  int *fds = calloc((size_t) n, sizeof *fds);
  double *layers_t = calloc((size_t) runs, sizeof *layers_t), *total_t = calloc((size_t) runs, sizeof *total_t);
  if (!fds || !layers_t || !total_t)
    die("calloc");
  for (int i = 0; i < n; i++)
    if ((fds[i] = open(argv[4 + i], O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
      die(argv[4 + i]);
  char upper[4096], work[4096];
  snprintf(upper, sizeof upper, "%s/upper", scratch);
  snprintf(work, sizeof work, "%s/work", scratch);
  for (int r = 0; r < runs; r++) {
    double t0 = usec();
    /* The upper layer: a fresh tmpfs, as hutch's default. */
    if (mount("tmpfs", scratch, "tmpfs", 0, "mode=0755") < 0)
      die("mount tmpfs");
    if (mkdir(upper, 0755) < 0 || mkdir(work, 0755) < 0)
      die("mkdir upper/work");
    int fs = (int) syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
      die("fsopen overlay");
    double t1 = usec();
    for (int i = 0; i < n; i++)
      if ((by_fd ? cfg(fs, FSCONFIG_SET_FD, "lowerdir+", NULL, fds[i])
                 : cfg(fs, FSCONFIG_SET_STRING, "lowerdir+", argv[4 + i], 0)) < 0)
        die(by_fd ? "lowerdir+ by descriptor (Linux 6.13)" : "lowerdir+ (Linux 6.8)");
    double t2 = usec();
    if (cfg(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 || cfg(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
        cfg(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0 || cfg(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
      die("create the overlay");
    int m = (int) syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
    if (m < 0)
      die("fsmount");
    close(m);
    close(fs);
    double t3 = usec();
    if (umount2(scratch, MNT_DETACH) < 0)
      die("umount tmpfs");
    layers_t[r] = t2 - t1;
    total_t[r] = t3 - t0;
  }
  qsort(layers_t, (size_t) runs, sizeof *layers_t, cmp);
  qsort(total_t, (size_t) runs, sizeof *total_t, cmp);
  printf("%d layers%s: lowerdir+ calls %.1f us, whole mount %.1f us (medians of %d)\n", n,
         by_fd ? " by descriptor" : "", layers_t[runs / 2], total_t[runs / 2], runs);
  return 0;
}
