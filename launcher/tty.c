/* tty.c: the sandbox's pseudo-terminal and its relay to the caller's. */
#define _GNU_SOURCE
#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* Before the caller's terminal leaves canonical mode, take what its line
 * discipline has already cooked: whole lines, and ends of file. The kernel
 * keeps an end of file typed ahead (the VEOF character, ^D) as a NUL byte
 * that closes a line, and a switch to raw mode keeps the byte but forgets
 * the mark: the command would be sent a NUL nobody typed (script(1) with
 * its stdin at its end sends ^D before hutch starts, and the command's
 * terminal echoed ^@). Each end of file is passed on as the VEOF character
 * itself, the byte the relay would have passed on had raw mode come first.
 * The caller's VEOF is disabled before this, so that none can be cooked
 * between this read and the switch. Poll on a canonical terminal reports
 * only complete lines, so the reads never wait; a partial line stays
 * queued and is read, as plain bytes, after the switch. */
static void take_cooked_input(struct tty_relay *t)
{
  const char veof = (char) t->saved.c_cc[VEOF];
  const char veol = (char) t->saved.c_cc[VEOL], veol2 = (char) t->saved.c_cc[VEOL2];
  /* Room for one canonical line (at most 4095 bytes and its end) and a ^D. */
  while (TTY_BUF - t->in.len > 4097) {
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN) || (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
      break;  /* nothing cooked; or a hangup, where read returns 0 forever */
    char *line = t->in.data + t->in.len;
    ssize_t n = read(STDIN_FILENO, line, 4096);
    if (n < 0)
      break;
    t->in.len += (size_t) n;
    /* A line the kernel ended without its newline, EOL or EOL2 (or an empty
     * one) was ended by VEOF. */
    char last = n > 0 ? line[n - 1] : '\0';
    if (n == 0 || (last != '\n' && (veol == _POSIX_VDISABLE || last != veol) &&
                   (veol2 == _POSIX_VDISABLE || last != veol2)))
      t->in.data[t->in.len++] = veof;
    t->last_in = t->in.data[t->in.len - 1];
  }
}

int tty_relay_start(struct tty_relay *t, int master, struct error *err)
{
  t->master = master;
  t->stdin_open = t->stdout_open = true;
  /* Only our own end is made non-blocking: stdin and stdout belong to the
   * caller's terminal, shared with its shell. */
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  if (tcgetattr(STDIN_FILENO, &t->saved) == 0) {
    /* Every change below is undone by tty_relay_stop, from t->saved. */
    t->raw = true;
    if ((t->saved.c_lflag & ICANON) && t->saved.c_cc[VEOF] != _POSIX_VDISABLE) {
      struct termios no_eof = t->saved;
      no_eof.c_cc[VEOF] = _POSIX_VDISABLE;
      if (tcsetattr(STDIN_FILENO, TCSANOW, &no_eof) < 0)
        return error_set(err, errno, "set the terminal to raw mode");
      take_cooked_input(t);
    }
    struct termios raw = t->saved;
    cfmakeraw(&raw);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
      return error_set(err, errno, "set the terminal to raw mode");
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

void tty_poll_fds(const struct tty_relay *t, struct pollfd *p)
{
  bool live = t->master >= 0;
  p[0] = (struct pollfd) {.fd = live && t->stdin_open && t->in.len < TTY_BUF ? STDIN_FILENO : -1, .events = POLLIN};
  p[1] = (struct pollfd) {.fd = live ? t->master : -1,
                          .events = (short) ((t->out.len < TTY_BUF ? POLLIN : 0) | (t->in.len ? POLLOUT : 0))};
  p[2] = (struct pollfd) {.fd = t->out.len && t->stdout_open ? STDOUT_FILENO : -1, .events = POLLOUT};
}

static void buf_fill(struct tty_buf *b, int fd, bool *open_flag)
{
  ssize_t n = read(fd, b->data + b->len, TTY_BUF - b->len);
  if (n > 0)
    b->len += (size_t) n;
  else if (n == 0 || (errno != EINTR && errno != EAGAIN))
    *open_flag = false;  /* end of input, or EIO: the pty's last holder is gone */
}

/* Write at most `max` bytes: stdout may be a blocking pipe or terminal, where
 * poll's POLLOUT promises room for PIPE_BUF bytes and no more. */
static void buf_flush(struct tty_buf *b, int fd, size_t max, bool *open_flag)
{
  ssize_t n = write(fd, b->data, b->len < max ? b->len : max);
  if (n > 0) {
    memmove(b->data, b->data + n, b->len - (size_t) n);
    b->len -= (size_t) n;
  } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
    *open_flag = false;  /* EPIPE: the caller stopped reading; drop the rest */
    b->len = 0;
  }
}

/* The caller's input ended: tell the command the way a terminal does, with
 * the EOF character, twice when a partial line is pending (the first only
 * flushes it). */
static void send_eof(struct tty_relay *t)
{
  struct termios tio;
  t->eof_sent = true;
  if (tcgetattr(t->master, &tio) == 0 && (tio.c_lflag & ICANON)) {
    char eof[2] = {(char) tio.c_cc[VEOF], (char) tio.c_cc[VEOF]};
    t->in.data[0] = eof[0];
    t->in.data[1] = eof[1];
    t->in.len = t->last_in == '\n' || t->last_in == 0 ? 1 : 2;
  }
}

void tty_handle(struct tty_relay *t, const struct pollfd *p)
{
  bool master_open = true;
  if (p[0].fd >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
    size_t before = t->in.len;
    buf_fill(&t->in, STDIN_FILENO, &t->stdin_open);
    if (t->in.len > before)
      t->last_in = t->in.data[t->in.len - 1];
  }
  if (p[1].fd >= 0 && (p[1].revents & POLLOUT) && t->in.len)
    buf_flush(&t->in, t->master, TTY_BUF, &master_open);
  if (!t->stdin_open && !t->eof_sent && t->in.len == 0)
    send_eof(t);
  if (p[1].fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
    buf_fill(&t->out, t->master, &master_open);
  if (p[2].fd >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP)))
    buf_flush(&t->out, STDOUT_FILENO, PIPE_BUF, &t->stdout_open);
  /* Nobody reads our output any more: hang the terminal up, as closing a
   * terminal window does; the command's session gets SIGHUP. */
  if (!t->stdout_open) {
    t->out.len = 0;
    master_open = false;
  }
  if (!master_open)
    close_fd(&t->master);
}

void tty_drain(struct tty_relay *t)
{
  /* The command is gone: the master has no more than what is queued. */
  bool open_flag = true;
  while (t->master >= 0 && open_flag && t->out.len < TTY_BUF) {
    size_t before = t->out.len;
    buf_fill(&t->out, t->master, &open_flag);
    if (t->out.len == before)
      break;
  }
  while (t->out.len && t->stdout_open)
    buf_flush(&t->out, STDOUT_FILENO, TTY_BUF, &t->stdout_open);
}

void tty_relay_stop(struct tty_relay *t)
{
  if (t->raw)
    tcsetattr(STDIN_FILENO, TCSADRAIN, &t->saved);
  t->raw = false;
  close_fd(&t->master);
}
