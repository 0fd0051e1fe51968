/* tty.h: the sandbox's own pseudo-terminal, relayed to the caller's. The
 * command never holds the caller's terminal, so it cannot push keystrokes
 * into the caller's shell with TIOCSTI. */
#pragma once

#include <stdbool.h>
#include <termios.h>

#include "error.h"

/* In init, after pivot: open a pty pair from the sandbox's devpts. */
int tty_open_pair(int *master, int *slave, struct error *err);
/* In the command, before exec: make SLAVE the controlling terminal and stdio. */
int tty_make_controlling(int slave, struct error *err);

/* Parent side. */
struct tty_relay {
  int master;
  bool raw;                 /* the caller's terminal is in raw mode */
  struct termios saved;
  bool stdin_open;
  char last_in;             /* the last byte passed to the command */
};
int tty_relay_start(struct tty_relay *t, int master, struct error *err);
void tty_resize(struct tty_relay *t);
/* Move bytes in one direction when poll says fd is ready; returns -1 on EOF. */
int tty_pump(struct tty_relay *t, int from_fd);
void tty_drain(struct tty_relay *t);
void tty_relay_stop(struct tty_relay *t);
