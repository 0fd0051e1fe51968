/* service.h: what makes a run a service: -d (detached), --name, --rm and
 * --restart, as the option table's setters fill them into the spec, and
 * the names a sandbox may have. The rest lives in state.c (the sandbox's
 * state on disk), monitor.c (the process that runs it) and ctl.c (the
 * commands ps, logs, stop, kill, rm, wait, start, inspect). */
#pragma once

#include <stdbool.h>

#include "error.h"

struct origin;
struct spec;

enum restart_policy { RESTART_UNSET, RESTART_NO, RESTART_ON_FAILURE, RESTART_ALWAYS };

struct service_spec {
  bool detach;                 /* -d: return once the command runs */
  char *name;                  /* --name, or NULL */
  bool rm;                     /* --rm: remove the sandbox at its exit */
  enum restart_policy restart;
  int restart_max;             /* on-failure:N; 0: no bound */
  bool existing;               /* hutch start: the sandbox exists already */
};

#define SERVICE_NAME_MAX 64

int service_set_name(struct spec *s, const char *v, const struct origin *o, struct error *err);
int service_set_restart(struct spec *s, const char *v, const struct origin *o, struct error *err);
void service_spec_free(struct service_spec *ss);

/* [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most SERVICE_NAME_MAX characters; else
 * err names the problem and the fix (status 125). */
int service_check_name(const char *name, struct error *err);
/* A new name, adjective-noun (random; the caller retries when taken). */
char *service_random_name(void);
const char *service_restart_name(enum restart_policy r);
