/* tty.c: the sandbox's pseudo-terminal and its relay to the caller's. */
#define _GNU_SOURCE
#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util.h"

int tty_open_pair(int *master, int *slave, struct error *err)
{
  /* The sandbox's own devpts instance, never the host's. */
  int m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0)
    return error_set(err, errno, "open `/dev/pts/ptmx`");
  char name[64];
  if (unlockpt(m) < 0 || ptsname_r(m, name, sizeof name) != 0) {
    close(m);
    return error_set(err, errno, "unlock the pseudo-terminal");
  }
  int sl = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (sl < 0) {
    close(m);
    return error_set(err, errno, "open `%s`", name);
  }
  *master = m;
  *slave = sl;
  return 0;
}

int tty_make_controlling(int slave, struct error *err)
{
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return error_set(err, errno, "make the pty the controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0)
      return error_set(err, errno, "dup2 pty");
  if (slave > 2)
    close(slave);
  return 0;
}

int tty_relay_start(struct tty_relay *t, int master, struct error *err)
{
  t->master = master;
  t->stdin_open = true;
  if (tcgetattr(STDIN_FILENO, &t->saved) == 0) {
    struct termios raw = t->saved;
    cfmakeraw(&raw);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
      return error_set(err, errno, "set the terminal to raw mode");
    t->raw = true;
  }
  tty_resize(t);
  return 0;
}

void tty_resize(struct tty_relay *t)
{
  struct winsize ws;
  if (t->master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl(t->master, TIOCSWINSZ, &ws);  /* the kernel sends SIGWINCH inside */
}

int tty_pump(struct tty_relay *t, int from_fd)
{
  char buf[8192];
  ssize_t n = read(from_fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return 0;
  if (n <= 0) {
    if (from_fd == STDIN_FILENO) {
      t->stdin_open = false;
      /* Our stdin ended (a pipe or file into a tty-less caller is not this
       * case: here stdin is a terminal, or `script` feeding one). Tell the
       * command the way a terminal does: the EOF character, twice when a
       * partial line is pending (the first only flushes it). */
      struct termios tio;
      if (tcgetattr(t->master, &tio) == 0 && (tio.c_lflag & ICANON)) {
        char eof[2] = {(char) tio.c_cc[VEOF], (char) tio.c_cc[VEOF]};
        write_all(t->master, eof, t->last_in == '\n' || t->last_in == 0 ? 1 : 2);
      }
    }
    return -1;
  }
  if (from_fd == STDIN_FILENO)
    t->last_in = buf[n - 1];
  write_all(from_fd == STDIN_FILENO ? t->master : STDOUT_FILENO, buf, (size_t) n);
  return 0;
}

void tty_drain(struct tty_relay *t)
{
  if (t->master < 0)
    return;
  /* What the command wrote just before it exited is still in the pty. */
  fcntl(t->master, F_SETFL, fcntl(t->master, F_GETFL) | O_NONBLOCK);
  char buf[8192];
  ssize_t n;
  while ((n = read(t->master, buf, sizeof buf)) > 0)
    write_all(STDOUT_FILENO, buf, (size_t) n);
}

void tty_relay_stop(struct tty_relay *t)
{
  if (t->raw)
    tcsetattr(STDIN_FILENO, TCSADRAIN, &t->saved);
  t->raw = false;
  close_fd(&t->master);
}
