/* error.c: error values, wrapping, printing with a fix. */
#define _GNU_SOURCE
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum log_level hutch_log_level = LOG_WARN;

int error_set(struct error *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  if (errnum) {
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(errnum));
  }
  if (err->status == 0)
    err->status = 125;
  return errnum ? -errnum : -EINVAL;
}

int error_wrap(struct error *err, int ret, const char *fmt, ...)
{
  char prefix[512], old[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
  return ret;
}

void error_fix(struct error *err, const char *fmt, ...)
{
  size_t n = strlen(err->msg);
  if (n + 3 >= sizeof err->msg)
    return;
  memcpy(err->msg + n, "; ", 2);
  n += 2;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg + n, sizeof err->msg - n, fmt, ap);
  va_end(ap);
}

void error_print(const struct error *err)
{
  dprintf(STDERR_FILENO, "hutch: %s\n", err->msg);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
  static const char *const names[] = {"error", "warning", "info", "debug"};
  if (level > hutch_log_level)
    return;
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  dprintf(STDERR_FILENO, "hutch: %s: %s\n", names[level], buf);
}
