/* tarread.h: the archives of images read with libarchive (staging.c,
 * import.c), libarchive's errors turned into hutch's (error.h). */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "error.h"

/* err set from a's last error, "WHAT: libarchive's message" with WHAT
 * made from fmt; returns the negative errno (-EINVAL when libarchive
 * gives none). */
int tar_error(struct archive *a, struct error *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The next entry of a in *e, NULL at the end: 0, or what tar_error
 * returns when the archive cannot be read on (a warning reads on). */
int tar_next(struct archive *a, struct archive_entry **e, struct error *err, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
