/* state.h: a named sandbox on disk.
 *
 *   $XDG_RUNTIME_DIR/hutch/sandboxes/NAME/   (or /tmp/hutch-UID/run/...)
 *     state.json  id, name, status, exit code, times, ports, command, the
 *                 arguments to start it again
 *     ctl         the monitor's control socket (SOCK_SEQPACKET, sync.h)
 *     log, log.1  the command's output, 1 MiB each (logfile.h)
 *   $XDG_DATA_HOME/hutch/sandboxes/NAME/     (~/.local/share/hutch/...)
 *     lock        flock held by the sandbox's monitor for its whole life
 *                 (here, beside the changes it guards: a shell with
 *                 another XDG_RUNTIME_DIR must see it running too)
 *     state.json  the same, kept across reboots
 *     rw/upper, rw/work   the sandbox's changes, until hutch rm
 *
 * A lock that is free while state.json says running means the monitor
 * died: the next hutch command that opens the sandbox marks it exited. A
 * sandbox whose runtime directory is gone (a reboot) shows as exited. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

struct sandbox {
  char *name;
  char *run_dir;        /* RUNTIME/sandboxes/NAME */
  char *data_dir;       /* DATA/sandboxes/NAME */
  int lock_fd;          /* held (LOCK_EX) by whoever runs it */
  json_object *state;   /* state.json */
};
#define SANDBOX_INIT {.lock_fd = -1}

/* Claim a new sandbox NAME (its directories made, its lock held): -EEXIST
 * with err (status 125) when one of that name exists. With existing (hutch
 * start), take an exited sandbox's lock instead: -ENOENT when there is no
 * such sandbox, -EBUSY when it runs. */
int state_claim(struct sandbox *sb, const char *name, bool existing, struct error *err);
/* Open sandbox NAME for a command (ps, stop...), its state read and made
 * true (a dead monitor's sandbox marked exited). -ENOENT with err (status
 * 125, with the fix) when there is none. */
int state_open(struct sandbox *sb, const char *name, struct error *err);
/* Whether its monitor runs (its lock is held by someone else). */
bool state_running(const struct sandbox *sb);
/* Write state.json in both places (atomically, by rename). */
int state_save(struct sandbox *sb, struct error *err);
void state_close(struct sandbox *sb);

/* Fields of the state. */
const char *state_str(const struct sandbox *sb, const char *key);
long long state_int(const struct sandbox *sb, const char *key, long long dflt);
void state_set_str(struct sandbox *sb, const char *key, const char *v);
void state_set_int(struct sandbox *sb, const char *key, long long v);
void state_set(struct sandbox *sb, const char *key, json_object *v);  /* takes v */
json_object *state_get(const struct sandbox *sb, const char *key);

/* The names of every sandbox, sorted; NULL-terminated. */
char **state_list(void);
/* Remove the sandbox's directories, its changes included (owned by
 * subordinate ids: removed in a user namespace mapped as a run maps it). */
int state_remove(struct sandbox *sb, struct error *err);
/* The path of a file in the runtime directory. */
char *state_run_path(const struct sandbox *sb, const char *file);

/* `hutch inspect NAME` for a sandbox: its state as JSON on f. -ENOENT
 * (err unset) when no sandbox has that name. */
int state_inspect(const char *name, FILE *f, struct error *err);
