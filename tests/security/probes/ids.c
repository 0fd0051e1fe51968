/* ids: print the process's user and group ids and capability sets, for
 * tests/security/setuid.sh (installed setuid inside the sandbox, it shows
 * what an exec of a setuid binary gained). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
  uid_t r, e, s;
  gid_t gr, ge, gs;
  getresuid(&r, &e, &s);
  getresgid(&gr, &ge, &gs);
  printf("uid=%u euid=%u suid=%u gid=%u egid=%u sgid=%u", r, e, s, gr, ge, gs);
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapPrm:", 7)) {
      line[strcspn(line, "\n")] = '\0';
      char *v = line + 7;
      while (*v == ' ' || *v == '\t')
        v++;
      printf(" %.6s=%s", line, v);
    }
  putchar('\n');
  return 0;
}
