/* tap.h: the few TAP helpers the C unit tests share. Each test is a plain
 * program that prints "ok N - ..." / "not ok N - ..." lines and the plan at
 * the end, and exits non-zero when anything failed. */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 2, 3)))
static inline void tap_ok(int pass, const char *fmt, ...)
{
  va_list ap;
  tap_count++;
  if (!pass)
    tap_failed++;
  printf("%sok %d - ", pass ? "" : "not ", tap_count);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

/* A diagnostic line, shown with a failure. */
__attribute__((format(printf, 1, 2)))
static inline void tap_diag(const char *fmt, ...)
{
  va_list ap;
  fputs("# ", stdout);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

#define TAP_STR_EQ(got, want, ...) do { \
    const char *g_ = (got), *w_ = (want); \
    int p_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_; \
    tap_ok(p_, __VA_ARGS__); \
    if (!p_) tap_diag("got `%s`, want `%s`", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
  } while (0)

#define TAP_INT_EQ(got, want, ...) do { \
    long long g_ = (long long) (got), w_ = (long long) (want); \
    tap_ok(g_ == w_, __VA_ARGS__); \
    if (g_ != w_) tap_diag("got %lld, want %lld", g_, w_); \
  } while (0)

/* A message must contain a fragment. */
#define TAP_CONTAINS(text, frag, ...) do { \
    const char *t_ = (text), *f_ = (frag); \
    int p_ = t_ && strstr(t_, f_) != NULL; \
    tap_ok(p_, __VA_ARGS__); \
    if (!p_) tap_diag("`%s` does not contain `%s`", t_ ? t_ : "(null)", f_); \
  } while (0)

static inline int tap_done(void)
{
  printf("1..%d\n", tap_count);
  return tap_failed ? 1 : 0;
}
