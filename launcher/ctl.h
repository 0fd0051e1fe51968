/* ctl.h: the commands on named sandboxes: ps, logs, stop, kill, rm, wait,
 * inspect, and the lookup behind start. Each returns hutch's exit status
 * (125 with a message naming the fix for a bad name or usage). */
#pragma once

#include "error.h"

int ctl_ps(int argc, char **argv);
int ctl_logs(int argc, char **argv);
int ctl_stop(int argc, char **argv);
int ctl_kill(int argc, char **argv);
int ctl_rm(int argc, char **argv);
int ctl_wait(int argc, char **argv);
/* hutch exec [-i] [-t] [-e K=V] [-w DIR] [-u UID[:GID]] NAME COMMAND...: the
 * command's status, or 125/126/127. */
int ctl_exec(int argc, char **argv);
/* hutch start NAME: the arguments hutch run was given (argv[0] "run") and
 * its working directory, to run it again; 125 with err when NAME is no
 * sandbox, or runs. */
int ctl_start_args(const char *name, char ***args, int *n_args, char **cwd, struct error *err);
