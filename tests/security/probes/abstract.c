/* abstract: listen on or connect to an abstract unix socket, for
 * tests/security/abstract-socket.sh.
 *
 *   abstract listen NAME SECONDS   accept connections for SECONDS, writing
 *                                  "hello from the host" to each
 *   abstract connect NAME          print "connected: <what the peer said>",
 *                                  or "errno N"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static socklen_t address(const char *name, struct sockaddr_un *a)
{
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  size_t n = strlen(name);
  if (n > sizeof a->sun_path - 2)
    n = sizeof a->sun_path - 2;
  memcpy(a->sun_path + 1, name, n);  /* sun_path[0] = 0: abstract */
  return (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: abstract listen NAME SECONDS | abstract connect NAME\n");
    return 2;
  }
  struct sockaddr_un a;
  socklen_t len = address(argv[2], &a);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    printf("socket errno %d\n", errno);
    return 1;
  }
  if (!strcmp(argv[1], "connect")) {
    if (connect(s, (struct sockaddr *) &a, len) < 0) {
      printf("errno %d\n", errno);
      return 1;
    }
    char buf[128] = "";
    ssize_t n = read(s, buf, sizeof buf - 1);
    printf("connected: %s\n", n > 0 ? buf : "");
    return 0;
  }
  if (bind(s, (struct sockaddr *) &a, len) < 0 || listen(s, 8) < 0) {
    printf("bind errno %d\n", errno);
    return 1;
  }
  printf("listening\n");
  fflush(stdout);
  time_t end = time(NULL) + (argc > 3 ? atoi(argv[3]) : 30);
  while (time(NULL) < end) {
    struct pollfd p = {.fd = s, .events = POLLIN};
    if (poll(&p, 1, 200) <= 0)
      continue;
    int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    if (c >= 0) {
      const char msg[] = "hello from the host";
      if (write(c, msg, sizeof msg - 1) < 0)
        perror("write");
      close(c);
    }
  }
  return 0;
}
