/* subids.h: the subordinate id files (/etc/subuid, /etc/subgid) read whole,
 * everybody's lines, so that `hutch doctor` can propose a range that
 * overlaps no one's. libsubid answers only for one user's own ranges; the
 * launch itself uses it (userns.c), never this. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* One `owner:start:count` line; owner is a user name or a uid number. */
struct subid_line {
  char *owner;
  unsigned long long start, count;
  bool malformed;      /* in force for no one, but its ids count as taken */
};

struct subids {
  struct subid_line *lines;
  size_t n;
  size_t bad;          /* malformed lines */
  size_t first_bad;    /* the line number of the first, or 0 */
};

/* The ids the kernel accepts in a map: 0 to 4294967294 ((uid_t) -1 is never
 * an id). A range is never proposed past it. */
#define SUBIDS_ID_LIMIT 4294967295ULL

/* Parse a file's text into out (which must start zeroed or freed). Blank
 * lines and `#` comments are skipped. A malformed line (not three fields, a
 * number that is not plain decimal or is past SUBIDS_ID_LIMIT, a count of
 * 0) is ignored by shadow's own parser, so it gives no one any ids; it is
 * counted in bad, and when its second and third fields still begin with
 * numbers, it is kept as malformed: a range proposed next to a typo must
 * not collide with it once the typo is fixed. */
void subids_parse(const char *text, struct subids *out);
/* Read and parse a file. A file that does not exist is empty: nobody has
 * ranges. Returns 0 or a negative errno with err set. */
int subids_read(const char *path, struct subids *out, struct error *err);
/* Add a range by hand (ids that must count as taken). */
void subids_add(struct subids *s, const char *owner, unsigned long long start, unsigned long long count);
void subids_free(struct subids *s);

/* The well-formed lines of one user, listed by name or by uid number
 * (shadow matches both, in /etc/subgid too). Returns how many; *total gets
 * their ids. */
size_t subids_count_owned(const struct subids *s, const char *name, unsigned long uid, unsigned long long *total);

/* The lowest start of the form min + k * count (k >= 0) such that the
 * range [start, start + count) overlaps no line of any of the n sets
 * (malformed ones included) and
 * ends at or below SUBIDS_ID_LIMIT. useradd starts at SUB_UID_MIN (100000)
 * with SUB_UID_COUNT (65536) ids per user, so its ranges fall on that grid
 * too. Returns 0, or -ENOSPC when no such range is left. */
int subids_find_free(const struct subids *sets, size_t n, unsigned long long min, unsigned long long count,
                     unsigned long long *start);
