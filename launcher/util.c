/* util.c: small helpers with no policy of their own. */
#define _GNU_SOURCE
#include "util.h"

#include "config.h"

#include <linux/openat2.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <malloc.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

void strvfreep(char ***v)
{
  if (*v)
    for (char **p = *v; *p; p++)
      free(*p);
  free(*v);
  *v = NULL;
}

static void oom(void) __attribute__((noreturn));
static void oom(void)
{
  static const char msg[] = "hutch: out of memory\n";
  if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0)
    _exit(EXIT_HUTCH_FAILED);
  _exit(EXIT_HUTCH_FAILED);
}

void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (!p)
    oom();
  return p;
}

void *xrealloc(void *p, size_t n)
{
  void *np = realloc(p, n ? n : 1);
  if (!np)
    oom();
  return np;
}

char *xstrndup(const char *s, size_t n)
{
  char *p = strndup(s, n);
  if (!p)
    oom();
  return p;
}

void *xcalloc(size_t n, size_t size)
{
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    oom();
  return p;
}

char *xstrdup(const char *s)
{
  char *p = s ? strdup(s) : NULL;
  if (s && !p)
    oom();
  return p;
}

char *xasprintf(const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;
  va_start(ap, fmt);
  int r = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (r < 0)
    oom();
  return s;
}

void strv_append(char ***v, size_t *n, char *item)
{
  /* Grown by doubling, so that n appends cost n, not n squared (an env
   * file of 40,000 lines under AddressSanitizer, whose realloc always
   * copies, took 7.8 s). */
  size_t need = (*n + 2) * sizeof(char *);
  char **nv = *v && malloc_usable_size(*v) >= need ? *v : xrealloc(*v, need * 2);
  nv[(*n)++] = item;
  nv[*n] = NULL;
  *v = nv;
}

int write_all(int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    p += w;
    len -= (size_t) w;
  }
  return 0;
}

int write_file_at(int dirfd, const char *path, const char *content)
{
  _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return -errno;
  return write_all(fd, content, strlen(content));
}

char *read_fd(int fd, size_t max, size_t *len_out)
{
  /* A regular file's size, when it has one: read at once. */
  struct stat st;
  size_t cap = 4096, len = 0;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (size_t) st.st_size < max)
    cap = (size_t) st.st_size + 2;
  char *buf = xmalloc(cap);
  for (;;) {
    if (len + 1 >= cap) {
      buf = xrealloc(buf, cap *= 2);
    }
    ssize_t r = read(fd, buf + len, cap - len - 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      int saved = errno;
      free(buf);
      errno = saved;
      return NULL;
    }
    if (r == 0)
      break;
    len += (size_t) r;
    if (len > max) {
      /* /dev/zero, or a file far larger than anything hutch reads. */
      free(buf);
      errno = EFBIG;
      return NULL;
    }
  }
  buf[len] = '\0';
  if (len_out)
    *len_out = len;
  return buf;
}

char *read_file(const char *path, size_t max, size_t *len_out)
{
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  return fd < 0 ? NULL : read_fd(fd, max, len_out);
}

/* One directory open per level: a tree deeper than this would run out of
 * descriptors (a sandbox can make one 100,000 levels deep). Past it, the
 * deep directory is moved up beside the top and removed from there. */
#define RM_DEPTH 32

struct rm {
  int top;            /* the directory holding the tree being removed */
  const char *name;   /* its name there, for the names of moved parts */
  unsigned moved;     /* parts moved up, waiting: NAME.deep-1 ... */
};

static int rm_tree(struct rm *rm, int parent, const char *name, int depth)
{
  if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return -errno;
  if (depth >= RM_DEPTH) {
    /* Moved, named after the top (a run-* name stays a run-* name, so an
     * interrupted removal is still found as stale). */
    char moved[512];
    snprintf(moved, sizeof moved, "%s.deep-%u", rm->name, rm->moved + 1);
    if (renameat(parent, name, rm->top, moved) == 0) {
      rm->moved++;
      return 0;
    }
  }
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    /* A directory we may not read (an overlay work dir is mode 0): open it up. */
    if (errno == EACCES && fchmodat(parent, name, 0700, 0) == 0)
      fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      return -errno;
  }
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return -errno;
  }
  int ret = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    int r = rm_tree(rm, dirfd(d), de->d_name, depth + 1);
    if (r < 0 && ret == 0)
      ret = r;
  }
  closedir(d);
  if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT && ret == 0)
    ret = -errno;
  return ret;
}

int rm_rf_at(int parent, const char *name)
{
  struct rm rm = {.top = parent, .name = name};
  int ret = rm_tree(&rm, parent, name, 0);
  /* The parts moved up, each removed from the top again (and maybe moving
   * deeper parts of its own up in turn). */
  for (unsigned i = 1; i <= rm.moved; i++) {
    char moved[512];
    snprintf(moved, sizeof moved, "%s.deep-%u", name, i);
    int r = rm_tree(&rm, parent, moved, 0);
    if (r < 0 && ret == 0)
      ret = r;
  }
  return ret;
}

int openat2_retry(int dirfd, const char *path, const struct open_how *how)
{
  int fd;
  for (int i = 0; i < 100; i++)
    if ((fd = (int) syscall(SYS_openat2, dirfd, path, how, sizeof *how)) >= 0 || errno != EAGAIN)
      break;
  return fd;
}

unsigned long long now_usec(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (unsigned long long) ts.tv_sec * 1000000ULL + (unsigned long long) ts.tv_nsec / 1000ULL;
}

char *find_program(const char *name)
{
  if (strchr(name, '/'))
    return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
  const char *path = getenv("PATH");
  if (!path || !*path)
    path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
  _cleanup_free_ char *copy = xstrdup(path);
  char *save = NULL;
  for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    char *full = xasprintf("%s/%s", dir, name);
    struct stat st;
    if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
      return full;
    free(full);
  }
  return NULL;
}

char *self_dir(void)
{
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n < 0)
    return NULL;
  buf[n] = '\0';
  char *slash = strrchr(buf, '/');
  if (slash)
    *slash = '\0';
  return xstrdup(buf);
}

char *data_path(const char *rel)
{
  /* The installed hutch reads the installed files. A hutch run from its
   * build directory reads the source tree's, so that a change to a profile
   * is seen without installing it. */
  _cleanup_free_ char *dir = self_dir();
  if (!dir || strcmp(dir, HUTCH_BINDIR)) {
    char *src = xasprintf("%s/profiles/%s", HUTCH_SOURCE_DIR, rel);
    if (access(src, R_OK) == 0)
      return src;
    free(src);
  }
  return xasprintf("%s/%s", HUTCH_DATADIR, rel);
}
