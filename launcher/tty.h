/* tty.h: the sandbox's own pseudo-terminal, relayed to the caller's. The
 * command never holds the caller's terminal, so it cannot push keystrokes
 * into the caller's shell with TIOCSTI. */
#pragma once

#include <stdbool.h>
#include <poll.h>
#include <stddef.h>
#include <termios.h>

#include "error.h"

/* In init, after pivot: open a pty pair from the sandbox's devpts. */
int tty_open_pair(int *master, int *slave, struct error *err);
/* In the command, before exec: make SLAVE the controlling terminal and stdio. */
int tty_make_controlling(int slave, struct error *err);

/* Parent side: a relay between the caller's terminal and the pty master.
 * Each direction has a bounded buffer and is pumped only when poll says the
 * other end can take bytes, so a command that writes without reading (or a
 * caller that types without reading) never blocks hutch. */
#define TTY_BUF 65536
struct tty_buf {
  char data[TTY_BUF];
  size_t len;
};
struct tty_relay {
  int master;
  bool raw;                 /* the caller's terminal is in raw mode */
  struct termios saved;
  bool stdin_open;          /* the caller's input has not ended */
  bool eof_sent;            /* ...and its end was passed on */
  bool stdout_open;         /* the caller still reads our output */
  char last_in;             /* the last byte passed to the command */
  struct tty_buf in, out;   /* caller -> command, command -> caller */
};
#define TTY_POLLFDS 3
int tty_relay_start(struct tty_relay *t, int master, struct error *err);
void tty_resize(struct tty_relay *t);
/* Fill TTY_POLLFDS entries: stdin, the master, stdout. */
void tty_poll_fds(const struct tty_relay *t, struct pollfd *p);
/* Move what poll said can move. */
void tty_handle(struct tty_relay *t, const struct pollfd *p);
/* At the end: what the command wrote just before it exited. */
void tty_drain(struct tty_relay *t);
void tty_relay_stop(struct tty_relay *t);
