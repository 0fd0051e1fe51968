/* error.h: errors are values. A function that can fail fills a struct error
 * (what failed, naming the call and the path, and the fix where one is
 * known) and returns a negative errno; callers add context with
 * error_wrap(). Only main.c turns an error into an exit. */
#pragma once

/* hutch's exit statuses, as podman's and docker's: the command's own
 * otherwise, or 128+N when it died of signal N. */
enum {
  EXIT_HUTCH_FAILED = 125,   /* hutch itself failed, or the input was bad */
  EXIT_CANNOT_INVOKE = 126,  /* the command exists but cannot be run */
  EXIT_NOT_FOUND = 127,      /* the command was not found */
  EXIT_SIGNAL_BASE = 128,    /* + N: the command died of signal N */
};

struct error {
  int errnum;       /* the errno behind it, or 0 */
  int status;       /* exit status to report: 125, 126, 127 or 128+N */
  char msg[1536];   /* what failed: "mount `/proc`: Operation not permitted" */
  char fix[512];    /* what the user can do about it, or "" */
};

/* Set the message; when errnum is non-zero, ": strerror(errnum)" is
 * appended. A newline in the text starts the fix: "fuse-overlayfs not
 * found\ninstall it (Debian: apt install fuse-overlayfs)". Returns -errnum (or -EINVAL when errnum is 0) so callers can
 * write `return error_set(err, errno, "...")`. The status becomes 125 unless
 * one was set already. */
int error_set(struct error *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefix the message with context: "context: old message". Returns ret. */
int error_wrap(struct error *err, int ret, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Set the fix, printed on a line of its own. A later fix replaces it. */
void error_fix(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "hutch: MESSAGE" and, when there is one, "hutch: fix: FIX". */
void error_print(const struct error *err);
