/* forktry N: wait for a line on stdin, then try N forks, each child ending
 * at once, and print how many succeeded. Started before a fork bomb, it
 * shows whether the caller can still start processes while the bomb is at
 * its limit: one attempt each, where bash would retry a failed fork until
 * the bomb is gone. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: forktry N\n");
    return 2;
  }
  char line[64];
  if (!fgets(line, sizeof line, stdin))
    return 1;
  int n = atoi(argv[1]), ok = 0;
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p == 0)
      _exit(0);
    if (p > 0 && waitpid(p, NULL, 0) == p)
      ok++;
  }
  printf("%d\n", ok);
  return 0;
}
