/* error.h: errors are values. A failing function fills a struct error with a
 * message (naming the syscall and path, and the fix where one is known) and
 * returns a negative errno; callers add context with error_wrap(). */
#pragma once

enum {
  EXIT_HUTCH_FAILED = 125,   /* hutch itself failed, or bad input */
  EXIT_CANNOT_INVOKE = 126,  /* the command exists but cannot be run */
  EXIT_NOT_FOUND = 127,      /* the command was not found */
};

struct error {
  int status;       /* exit status to report: 125, 126 or 127 */
  char msg[2048];
};

/* Set the message; when errnum is non-zero, ": strerror(errnum)" is appended.
 * Returns -errnum (or -EINVAL when errnum is 0) so callers can write
 * `return error_set(err, errno, "...")`. */
int error_set(struct error *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefix the message with context: "context: old message". Returns ret. */
int error_wrap(struct error *err, int ret, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Append a fix: "old message; fix". */
void error_fix(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void error_print(const struct error *err);

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
extern enum log_level hutch_log_level;
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_debug(...) do { if (hutch_log_level >= LOG_DEBUG) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)
