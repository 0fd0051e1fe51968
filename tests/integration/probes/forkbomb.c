/* forkbomb FILE: a fork bomb, for the --pids-limit test. Every process
 * forks as fast as it can, forever; each child does the same. A process
 * whose fork fails writes one line to FILE (appended) and keeps trying,
 * pausing 10 ms between failures, so that a contained bomb stays at its
 * limit without burning the machine's CPU. A static probe: the test root is
 * a busybox whose shell gives up at the first failed fork, where a real
 * bomb keeps trying. Each process ends after 60 seconds in any case, so
 * that a failed test leaves nothing to clean up by hand. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: forkbomb FILE\n");
    return 2;
  }
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
    if (!reported) {
      char line[64];
      int n = snprintf(line, sizeof line, "fork: %s\n", strerror(errno));
      int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
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
