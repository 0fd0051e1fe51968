/* chroot-escape: the classic escape from a chroot, for
 * tests/security/chroot-escape.sh.
 *
 * chroot() changes the root but not the working directory. A process that
 * may call chroot (CAP_SYS_CHROOT) makes a directory, chroots into it while
 * its working directory stays outside, climbs with "..", which never meets
 * the new root, and chroots to where it arrived. Under a launcher that only
 * chroots, that is the host's root. Under pivot_root with the old root
 * detached there is nothing above the sandbox's root to reach.
 *
 * Prints "before DEV:INO after DEV:INO" (the root directory before and after
 * the attempt), then "escaped" or "held".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
  struct stat before, after;
  if (stat("/", &before) < 0) {
    perror("stat /");
    return 2;
  }
  if (chdir("/") < 0 || (mkdir("chroot-escape.d", 0700) < 0 && errno != EEXIST)) {
    perror("mkdir chroot-escape.d");
    return 2;
  }
  if (chroot("chroot-escape.d") < 0) {
    printf("chroot: %s\n", strerror(errno));
    return 3;
  }
  /* The working directory is still the old root, outside the new one. */
  for (int i = 0; i < 256; i++)
    if (chdir("..") < 0) {
      perror("chdir ..");
      return 2;
    }
  if (chroot(".") < 0) {
    printf("chroot .: %s\n", strerror(errno));
    return 3;
  }
  if (stat("/", &after) < 0) {
    perror("stat / after");
    return 2;
  }
  printf("before %lu:%lu after %lu:%lu\n", (unsigned long) before.st_dev, (unsigned long) before.st_ino,
         (unsigned long) after.st_dev, (unsigned long) after.st_ino);
  puts(before.st_dev != after.st_dev || before.st_ino != after.st_ino ? "escaped" : "held");
  return 0;
}
