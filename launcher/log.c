/* log.c: levels and the launch timeline. */
#define _GNU_SOURCE
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "util.h"

enum log_level log_level = LOG_WARN;

/* CLOCK_MONOTONIC is one clock for every process on the machine, so a time
 * taken in hutch and one taken in init compare directly. */
static unsigned long long t_start, t_last;

void log_msg(enum log_level level, const char *fmt, ...)
{
  static const char *const names[] = {"error", "warning", "info", "debug"};
  if (level > log_level)
    return;
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  dprintf(STDERR_FILENO, "hutch: %s: %s\n", names[level], buf);
}

void log_start(void)
{
  t_start = t_last = now_usec();
}

void log_stage(const char *who, const char *stage)
{
  if (log_level < LOG_DEBUG)
    return;
  unsigned long long now = now_usec();
  dprintf(STDERR_FILENO, "hutch: [%8.3f ms] %-6s %-32s (+%llu us)\n", (double) (now - t_start) / 1000.0, who, stage,
          now - t_last);
  t_last = now;
}
