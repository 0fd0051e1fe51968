/* tarread.c: the archives of images read with libarchive (tarread.h). */
#define _GNU_SOURCE
#include "tarread.h"

#include <stdarg.h>
#include <stdio.h>

__attribute__((format(printf, 3, 0)))
static int tar_verror(struct archive *a, struct error *err, const char *fmt, va_list ap)
{
  char what[512];
  vsnprintf(what, sizeof what, fmt, ap);
  return error_set(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "%s: %s", what, archive_error_string(a));
}

int tar_error(struct archive *a, struct error *err, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int r = tar_verror(a, err, fmt, ap);
  va_end(ap);
  return r;
}

int tar_next(struct archive *a, struct archive_entry **e, struct error *err, const char *fmt, ...)
{
  int ar = archive_read_next_header(a, e);
  if (ar == ARCHIVE_EOF)
    *e = NULL;
  if (ar == ARCHIVE_EOF || ar >= ARCHIVE_WARN)
    return 0;
  va_list ap;
  va_start(ap, fmt);
  int r = tar_verror(a, err, fmt, ap);
  va_end(ap);
  return r;
}
