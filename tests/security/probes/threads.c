/* threads: start a thread and wait for it. glibc's pthread_create tries
 * clone3 first and falls back to clone when it gets ENOSYS, which is what
 * hutch's default profile answers; any other answer would break threads. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void *work(void *arg)
{
  return arg;
}

int main(void)
{
  pthread_t t;
  void *ret = NULL;
  int r = pthread_create(&t, NULL, work, (void *) "joined");
  if (r != 0) {
    printf("pthread_create: %s\n", strerror(r));
    return 1;
  }
  pthread_join(t, &ret);
  printf("thread %s\n", (const char *) ret);
  return 0;
}
