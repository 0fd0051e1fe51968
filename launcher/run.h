/* run.h: the launch context shared by the stages of run.c, keeper.c, init.c
 * and exec.c. One struct, passed down; no globals. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "portfwd.h"
#include "rootfs.h"
#include "runtime.h"
#include "seccomp.h"
#include "spec.h"
#include "userns.h"

struct launch {
  const struct spec *spec;
  struct userns_plan ids;
  struct runtime rt;
  struct overlay ov;
  struct portfwd pf;        /* published TCP ports (hutch's forwarder) */
  bool tty;                /* stdin is a terminal: give the command a pty */
  bool sigpipe_ignored;    /* the caller ran us with SIGPIPE ignored */
  pid_t parent_pid;        /* hutch on the host */
  int parent_sock;         /* hutch <-> keeper */
  int keeper_sock;         /* keeper <-> init */
  pid_t keeper_pid, init_pid;   /* host pids, as seen by hutch */
  int init_pidfd;
  unsigned long long t0;   /* launch start, for --log-level debug */
  struct seccomp_bpf seccomp;   /* compiled by hutch, loaded by exec_command */
};

/* Run the sandbox; returns the exit status for hutch (the command's, or
 * 125/126/127 with err set). */
int run_sandbox(const struct spec *s, struct error *err);

/* The keeper: in the user namespace, outside the sandbox. Never returns. */
void keeper_main(struct launch *l) __attribute__((noreturn));
/* The sandbox's pid 1. Never returns. */
void init_main(struct launch *l) __attribute__((noreturn));
/* The command's process, forked by init: the last stages, then exec. Never
 * returns; failures are written to errfd as a struct error. */
void exec_command(struct launch *l, int errfd, int pty_slave) __attribute__((noreturn));

/* Print "stage took N us" at --log-level debug. */
void stage_done(struct launch *l, const char *who, const char *stage, unsigned long long *since);

/* clone3() without a new stack: fork() with namespace flags and a pidfd. */
pid_t clone_ns(unsigned long long flags, int *pidfd);
