/* subids.c: everybody's lines in /etc/subuid and /etc/subgid, and a free
 * range among them.
 *
 * The format is shadow's: one `owner:start:count` a line, owner a user name
 * or a uid number, start and count plain decimal. shadow's parser ignores
 * any line it cannot read whole; so do we, but we keep what numbers a bad
 * line has as taken (see subids.h).
 */
#define _GNU_SOURCE
#include "subids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The files are a line per user; a site with a million users stays far
 * below this. */
#define SUBIDS_FILE_MAX (64u << 20)

void subids_add(struct subids *s, const char *owner, unsigned long long start, unsigned long long count)
{
  s->lines = xrealloc(s->lines, (s->n + 1) * sizeof *s->lines);
  s->lines[s->n++] = (struct subid_line) {xstrdup(owner), start, count, false};
}

/* A field as a plain decimal number: digits only, at most 10 of them.
 * Without strict (a bad line's salvage), the leading digits are enough. */
static bool parse_number(const char *field, size_t len, bool strict, unsigned long long *out)
{
  unsigned long long v = 0;
  size_t i = 0;
  for (; i < len && field[i] >= '0' && field[i] <= '9'; i++) {
    if (i == 10)
      return false;
    v = v * 10 + (unsigned long long) (field[i] - '0');
  }
  if (i == 0 || (strict && i != len))
    return false;
  *out = v;
  return true;
}

static bool in_range(unsigned long long start, unsigned long long count)
{
  return count > 0 && start < SUBIDS_ID_LIMIT && count <= SUBIDS_ID_LIMIT;
}

static void parse_line(const char *line, size_t len, size_t lineno, struct subids *out)
{
  size_t lead = 0;
  while (lead < len && (line[lead] == ' ' || line[lead] == '\t'))
    lead++;
  if (lead == len || line[lead] == '#')
    return;
  const char *f[3];
  size_t flen[3], n = 0;
  const char *p = line, *end = line + len;
  while (n < 3) {
    const char *colon = memchr(p, ':', (size_t) (end - p));
    f[n] = p;
    flen[n] = (size_t) ((colon ? colon : end) - p);
    n++;
    if (!colon)
      break;
    p = colon + 1;
  }
  bool extra = n == 3 && f[2] + flen[2] != end;  /* a fourth field */
  unsigned long long start = 0, count = 0;
  bool good = n == 3 && !extra && flen[0] > 0 && parse_number(f[1], flen[1], true, &start) &&
              parse_number(f[2], flen[2], true, &count) && in_range(start, count);
  if (!good) {
    out->bad++;
    if (!out->first_bad)
      out->first_bad = lineno;
    /* Salvage the ids a typo still names, so as not to propose them. */
    if (n < 3 || !parse_number(f[1], flen[1], false, &start) || !parse_number(f[2], flen[2], false, &count) ||
        !in_range(start, count))
      return;
  }
  _cleanup_free_ char *owner = xstrndup(f[0], flen[0]);
  subids_add(out, owner, start, count);
  out->lines[out->n - 1].malformed = !good;
}

void subids_parse(const char *text, struct subids *out)
{
  size_t lineno = 0;
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t) (nl - p) : strlen(p);
    parse_line(p, len, ++lineno, out);
    p += len + (nl ? 1 : 0);
  }
}

int subids_read(const char *path, struct subids *out, struct error *err)
{
  _cleanup_free_ char *text = read_file(path, SUBIDS_FILE_MAX, NULL);
  if (!text)
    return errno == ENOENT ? 0 : error_set(err, errno, "read `%s`", path);
  subids_parse(text, out);
  return 0;
}

void subids_free(struct subids *s)
{
  for (size_t i = 0; i < s->n; i++)
    free(s->lines[i].owner);
  free(s->lines);
  *s = (struct subids) {0};
}

size_t subids_count_owned(const struct subids *s, const char *name, unsigned long uid, unsigned long long *total)
{
  char number[24];
  snprintf(number, sizeof number, "%lu", uid);
  size_t n = 0;
  *total = 0;
  for (size_t i = 0; i < s->n; i++) {
    const struct subid_line *l = &s->lines[i];
    if (l->malformed || (strcmp(l->owner, number) && (!name || strcmp(l->owner, name))))
      continue;
    n++;
    *total += l->count;
  }
  return n;
}

struct span {
  unsigned long long start, end;  /* [start, end) */
};

static int by_start(const void *a, const void *b)
{
  const struct span *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

int subids_find_free(const struct subids *sets, size_t n, unsigned long long min, unsigned long long count,
                     unsigned long long *start)
{
  if (count == 0)
    return -EINVAL;
  size_t total = 0;
  for (size_t i = 0; i < n; i++)
    total += sets[i].n;
  _cleanup_free_ struct span *spans = xcalloc(total ? total : 1, sizeof *spans);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < sets[i].n; j++)
      spans[k++] = (struct span) {sets[i].lines[j].start, sets[i].lines[j].start + sets[i].lines[j].count};
  qsort(spans, total, sizeof *spans, by_start);
  /* Walk the spans by their start with one candidate. A span that ends
   * before it is behind us; one that begins past its end means it is free
   * (every later span begins later still); one that overlaps moves it to
   * the first grid point at or after the span's end. Every span seen
   * before ends at or before the candidate, so none needs a second look. */
  unsigned long long c = min;
  for (size_t i = 0; i < total && c + count <= SUBIDS_ID_LIMIT; i++) {
    if (spans[i].end <= c)
      continue;
    if (spans[i].start >= c + count)
      break;
    c = min + (spans[i].end - min + count - 1) / count * count;
  }
  if (c + count > SUBIDS_ID_LIMIT)
    return -ENOSPC;
  *start = c;
  return 0;
}
