/* xnest.h: `socket x11-isolated`: an X server of the app's own. Every client
 * of an X server can read every other client's keystrokes and pixels; an
 * app that should not see the rest of the desktop gets a nested server
 * (Xephyr), shown as one window on the caller's display, and only that
 * server's socket and cookie. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

struct plan;

struct xnest_plan {
  bool on;
  unsigned char cookie[16];   /* MIT-MAGIC-COOKIE-1, made for this run */
  char *title;                /* the window's title on the outer display */
  char *outer;                /* the caller's DISPLAY */
};

/* For app_plan: check that Xephyr and an outer display are there, make the
 * cookie, and plan the app's side: the nested server's socket (from the run
 * directory) at /tmp/.X11-unix/X0, DISPLAY=:0, an Xauthority holding the
 * cookie alone. */
int xnest_plan(const char *app, struct plan *p, struct error *err);
void xnest_plan_free(struct xnest_plan *x);
void xnest_describe(const struct xnest_plan *x, FILE *f);

struct xnest {
  pid_t pid;          /* 0: none */
  int display;        /* the number Xephyr took, -1 before */
};
#define XNEST_INIT {.pid = 0, .display = -1}

/* hutch's side: start Xephyr on a free display number with the cookie,
 * wait until it takes connections, and link its socket into the run
 * directory for init to bind. It gets SIGTERM when hutch dies, so that it
 * removes its own socket and lock file. */
int xnest_start(const struct xnest_plan *x, const char *run_dir, struct xnest *h, struct error *err);
void xnest_stop(struct xnest *h);
