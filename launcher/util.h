/* util.h: cleanup helpers, fd and path helpers shared by every module. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "error.h"
#include "log.h"

static inline void freep(void *p) { free(*(void **) p); }
static inline void closep(int *fd)
{
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
  *fd = -1;
}
void strvfreep(char ***v);

#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))
#define _cleanup_strv_ __attribute__((cleanup(strvfreep)))

static inline void *steal_ptr(void *pp)
{
  void **p = pp, *v = *p;
  *p = NULL;
  return v;
}
#define steal_pointer(pp) ((__typeof__(*(pp))) steal_ptr(pp))

static inline int steal_fd(int *fd)
{
  int v = *fd;
  *fd = -1;
  return v;
}

/* Close an fd and reset it to -1. */
static inline void close_fd(int *fd) { closep(fd); }

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation failure has one answer everywhere: "hutch: out of memory" and
 * exit 125, in whichever process it happens. */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void strv_append(char ***v, size_t *n, char *item);

/* Write all of buf, retrying on EINTR and short writes. */
int write_all(int fd, const void *buf, size_t len);
/* Write a whole small file relative to dirfd (created 0644, truncated). */
int write_file_at(int dirfd, const char *path, const char *content);
/* Read a whole small file into a NUL-terminated buffer; NULL with errno set
 * on failure, EFBIG when it holds more than max bytes. */
char *read_file(const char *path, size_t max, size_t *len_out);
/* The same from an open descriptor (read to its end, not closed). */
char *read_fd(int fd, size_t max, size_t *len_out);
#define READ_FILE_SMALL (64 << 10)   /* /proc and /etc files */

/* Remove a tree relative to dirfd without following symlinks. Best effort;
 * returns 0 or the first negative errno met. */
int rm_rf_at(int dirfd, const char *name);

/* Monotonic time in microseconds, for stage timing. */
unsigned long long now_usec(void);

/* openat2(2), fd or -1 with errno. A lookup that goes through ".." under
 * RESOLVE_BENEATH or RESOLVE_IN_ROOT fails with EAGAIN when a rename or a
 * mount anywhere on the system raced with it; it is tried again. */
struct open_how;
int openat2_retry(int dirfd, const char *path, const struct open_how *how);

/* Look a program up in PATH; returns a newly allocated path or NULL. */
char *find_program(const char *name);

/* The directory holding the running hutch binary. */
char *self_dir(void);

/* A file hutch ships (profiles/REL in the source tree, DATADIR/hutch/REL
 * installed), e.g. data_path("seccomp/default.json"). The one place that
 * decides where shipped files are found. */
char *data_path(const char *rel);
