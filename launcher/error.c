/* error.c: error values, wrapping, printing with a fix. */
#define _GNU_SOURCE
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int error_set(struct error *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  /* "what failed\nthe fix": the fix goes to its own field. */
  err->fix[0] = '\0';
  char *nl = strchr(err->msg, '\n');
  if (nl) {
    *nl = '\0';
    snprintf(err->fix, sizeof err->fix, "%s", nl + 1);
  }
  if (errnum) {
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(errnum));
  }
  err->errnum = errnum;
  if (err->status == 0)
    err->status = EXIT_HUTCH_FAILED;
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
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->fix, sizeof err->fix, fmt, ap);
  va_end(ap);
}

void error_print(const struct error *err)
{
  dprintf(STDERR_FILENO, "hutch: %s\n", err->msg);
  if (err->fix[0])
    dprintf(STDERR_FILENO, "hutch: fix: %s\n", err->fix);
}
