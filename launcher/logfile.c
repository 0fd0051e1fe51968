/* logfile.c: a bounded, rotated log of a detached sandbox (logfile.h). */
#define _GNU_SOURCE
#include "logfile.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int logfile_open(struct logfile *lf, const char *dir, struct error *err)
{
  lf->fd = -1;
  lf->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lf->dir_fd < 0)
    return error_set(err, errno, "open `%s`", dir);
  lf->fd = openat(lf->dir_fd, "log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  struct stat st;
  if (lf->fd < 0 || fstat(lf->fd, &st) < 0)
    return error_set(err, errno, "open `%s/log`", dir);
  lf->size = (size_t) st.st_size;
  return 0;
}

static void rotate(struct logfile *lf)
{
  renameat(lf->dir_fd, "log", lf->dir_fd, "log.1");
  close_fd(&lf->fd);
  lf->fd = openat(lf->dir_fd, "log", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  lf->size = 0;
}

void logfile_write(struct logfile *lf, const char *buf, size_t len)
{
  while (len > 0) {
    if (lf->size >= LOGFILE_MAX)
      rotate(lf);
    size_t room = LOGFILE_MAX - lf->size, n = len < room ? len : room;
    if (lf->fd < 0 || write_all(lf->fd, buf, n) < 0)
      return;
    lf->size += n;
    buf += n;
    len -= n;
  }
}

bool logfile_pump(struct logfile *lf, int pipe_fd)
{
  char buf[16384];
  ssize_t n = read(pipe_fd, buf, sizeof buf);
  if (n < 0)
    return errno == EINTR;
  if (n == 0)
    return false;
  logfile_write(lf, buf, (size_t) n);
  return true;
}

void logfile_close(struct logfile *lf)
{
  close_fd(&lf->fd);
  close_fd(&lf->dir_fd);
}

/* Copy fd from its offset to its end on stdout. */
static int copy_out(int fd)
{
  char buf[16384];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    if (write_all(STDOUT_FILENO, buf, (size_t) n) < 0)
      return -errno;
  return n < 0 ? -errno : 0;
}

/* The offset where the last `tail` lines of fd begin; *found: how many
 * lines that is (fewer when the file is shorter). */
static off_t tail_offset(int fd, long tail, long *found)
{
  struct stat st;
  *found = 0;
  if (fstat(fd, &st) < 0 || st.st_size == 0)
    return 0;
  off_t end = st.st_size, pos = end;
  if (tail == 0)
    return end;
  char buf[4096];
  if (pread(fd, buf, 1, end - 1) == 1 && buf[0] == '\n')
    pos = end - 1;  /* the last line's own newline */
  while (pos > 0) {
    size_t n = pos < (off_t) sizeof buf ? (size_t) pos : sizeof buf;
    pos -= (off_t) n;
    if (pread(fd, buf, n, pos) != (ssize_t) n)
      return 0;
    for (size_t i = n; i-- > 0;)
      if (buf[i] == '\n' && ++*found == tail)
        return pos + (off_t) i + 1;
  }
  (*found)++;  /* the first line */
  return 0;
}

int logfile_print(const char *dir, long tail, bool follow, bool (*still_running)(void *), void *arg,
                  struct error *err)
{
  _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 && errno == ENOENT)
    return 0;  /* after a reboot: no log, as after a run in the foreground */
  if (dfd < 0)
    return error_set(err, errno, "open `%s`", dir);
  _cleanup_close_ int old = openat(dfd, "log.1", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  _cleanup_close_ int cur = openat(dfd, "log", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  long found = 0;
  if (cur >= 0 && tail >= 0)
    lseek(cur, tail_offset(cur, tail, &found), SEEK_SET);
  if (old >= 0 && (tail < 0 || found < tail)) {
    long more = 0;
    if (tail >= 0)
      lseek(old, tail_offset(old, tail - found, &more), SEEK_SET);
    copy_out(old);
  }
  if (cur >= 0)
    copy_out(cur);
  while (follow) {
    bool alive = still_running(arg);
    /* Rotated: finish the old file, go on with the new one. */
    struct stat a, b;
    if (cur >= 0 && fstatat(dfd, "log", &b, AT_SYMLINK_NOFOLLOW) == 0 && fstat(cur, &a) == 0 && a.st_ino != b.st_ino) {
      copy_out(cur);
      close_fd(&cur);
    }
    if (cur < 0)
      cur = openat(dfd, "log", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (cur >= 0 && copy_out(cur) < 0)
      return 0;  /* stdout went away */
    if (!alive)
      break;
    usleep(100000);
  }
  return 0;
}
