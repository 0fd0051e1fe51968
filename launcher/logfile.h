/* logfile.h: a detached sandbox's output, in its runtime directory: `log`,
 * at most LOGFILE_MAX bytes, and `log.1`, the one before it. The monitor
 * writes it (what the command prints to stdout and stderr, through a
 * pipe); `hutch logs` reads it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define LOGFILE_MAX (1 << 20)

struct logfile {
  int dir_fd;
  int fd;
  size_t size;
};

int logfile_open(struct logfile *lf, const char *dir, struct error *err);
/* Append, rotating first when the file would pass LOGFILE_MAX. */
void logfile_write(struct logfile *lf, const char *buf, size_t len);
/* Read what the pipe holds now and append it; false at end of file, or
 * when a non-blocking pipe is empty. */
bool logfile_pump(struct logfile *lf, int pipe_fd);
void logfile_close(struct logfile *lf);

/* `hutch logs`: print the last tail lines (< 0: all) of dir's log to fd 1;
 * with follow, go on printing what is appended (across rotations) until
 * still_running() says no and nothing is left to read. */
int logfile_print(const char *dir, long tail, bool follow, bool (*still_running)(void *), void *arg,
                  struct error *err);
