/* log.h: messages on stderr by level, and the launch timeline: at
 * --log-level debug every process of a launch (hutch, keeper, init, the
 * command's process) prints its stages with the time since hutch started,
 * on one clock, so the lines of all processes read as one timeline. */
#pragma once

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Set once by main.c from --log-level; inherited by every child. */
extern enum log_level log_level;

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_debug(...) do { if (log_level >= LOG_DEBUG) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)

/* Mark the start of the launch (hutch's first instruction, in effect). */
void log_start(void);
/* "[  12.345 ms] keeper  mount kernel overlay  (+830 us)": one stage done by
 * `who`, at debug level. The "+" is the time since this process's previous
 * stage (or since the start, for its first). */
void log_stage(const char *who, const char *stage);
