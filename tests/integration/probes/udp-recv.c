/* udp-recv PORT FILE: wait for one UDP datagram on PORT (all addresses) and
 * write it to FILE. A static probe for the published UDP port test: the
 * test root is a busybox whose nc has no UDP. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: udp-recv PORT FILE\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short) atoi(argv[1]))};
  if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof a) < 0) {
    perror("udp-recv: bind");
    return 1;
  }
  char buf[2048];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  if (n < 0) {
    perror("udp-recv: recv");
    return 1;
  }
  FILE *f = fopen(argv[2], "w");
  if (!f || fwrite(buf, 1, (size_t) n, f) != (size_t) n || fclose(f) != 0) {
    perror("udp-recv: write");
    return 1;
  }
  return 0;
}
