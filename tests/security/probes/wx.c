/* wx: can this process make memory that is writable and executable, or
 * make written memory executable? Prints "wx:ok" or "wx:ERRNO", then
 * "w-then-x:ok" or "w-then-x:ERRNO". Static: the test root has no C library. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
  void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("wx:%s\n", p == MAP_FAILED ? strerrorname_np(errno) : "ok");
  void *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (q == MAP_FAILED)
    return 1;
  memset(q, 0xc3, 16);  /* written: ret */
  printf("w-then-x:%s\n", mprotect(q, 4096, PROT_READ | PROT_EXEC) < 0 ? strerrorname_np(errno) : "ok");
  return 0;
}
