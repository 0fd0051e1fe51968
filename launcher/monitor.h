/* monitor.h: a named or detached sandbox's monitor: the host-side process
 * that runs its launches (run.c) and outlives the hutch command that
 * started it. */
#pragma once

#include "plan.h"
#include "spec.h"

/* Does the spec ask for a service (-d, --name, --restart)? */
bool monitor_wanted(const struct spec *s);
/* Run the sandbox as a service: claim its name (state.h), then, with -d,
 * fork the monitor, wait until the command has exec'd and print the
 * sandbox's name; else be the monitor in the foreground. args/n_args are
 * hutch run's arguments (argv[0] "run"), kept to start it again. Returns
 * hutch's exit status (err set when it is hutch's failure). */
int monitor_run(struct spec *s, struct plan *p, char **args, int n_args, struct error *err);
