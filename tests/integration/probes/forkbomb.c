/* forkbomb [-u] FILE: a fork bomb, for the --pids-limit test. Every process
 * forks as fast as it can, forever; each child does the same. A process
 * whose fork fails writes one line to FILE (appended) and keeps trying,
 * pausing 10 ms between failures, so that a contained bomb stays at its
 * limit without burning the machine's CPU. A static probe: the test root is
 * a busybox whose shell gives up at the first failed fork, where a real
 * bomb keeps trying. Each process ends after 60 seconds in any case, so
 * that a failed test leaves nothing to clean up by hand.
 *
 * With -u, a process whose fork fails first tries to become another uid
 * (RLIMIT_NPROC is counted per uid): a bomb that knows the limit. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  int change_uid = argc == 3 && !strcmp(argv[1], "-u");
  if (argc != 2 + change_uid) {
    fprintf(stderr, "usage: forkbomb [-u] FILE\n");
    return 2;
  }
  const char *file = argv[1 + change_uid];
  unsigned next_uid = 1 + (unsigned) getpid() % 1000 * 60;
  alarm(60);
  int reported = 0;
  for (;;) {
    pid_t p = fork();
    if (p == 0) {
      alarm(60);  /* a child has no alarm of its own */
      reported = 0;
      continue;
    }
    if (p > 0)
      continue;
    int fork_errno = errno;
    if (change_uid && setresuid(next_uid, next_uid, next_uid) == 0) {
      next_uid++;
      continue;
    }
    if (!reported) {
      char line[64];
      int n = snprintf(line, sizeof line, "fork: %s\n", strerror(fork_errno));
      int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
      if (fd >= 0) {
        if (write(fd, line, (size_t) n) < 0) {
        }
        close(fd);
      }
      reported = 1;
    }
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}
