/* portfwd.c: hutch's own forwarder for published TCP ports.
 *
 * pasta and slirp4netns carry a published connection through a tap device
 * or a user-space TCP stack. For TCP between the host and the sandbox there
 * is a shorter path, the one behind rootlesskit's builtin port driver: hutch
 * listens on the host port itself, and a forwarder process that has joined
 * the sandbox's network namespace opens, for each connection, a socket to
 * the sandbox port on the sandbox's own loopback. A socket keeps the
 * namespace it was made in, so the forwarder holds host sockets and sandbox
 * sockets at once, and moves bytes between them with splice(2) through a
 * pipe, without copying them to user space.
 *
 * The forwarder is a child of the keeper (which has the capabilities of the
 * sandbox's user namespace, needed to join its network namespace). It dies
 * with the keeper, and the keeper stops it when the sandbox ends: with
 * SIGTERM, on which it stops accepting and finishes the connections it
 * carries (what the sandbox sent just before it ended is still on its way
 * to the client) until their sandbox side is over and the client has
 * acknowledged the last byte. A client that reads
 * slowly gets all of it; once no client has taken anything for
 * FINISH_IDLE_MS, the forwarder gives up, and so does it on SIGUSR1, which
 * the keeper sends when it will wait no longer (keeper.c); a reply cut
 * short ends with a reset. It never
 * enters the sandbox's pid or mount namespace. The sandbox's server sees
 * connections coming from 127.0.0.1, or from ::1 where it listens there
 * and not on 127.0.0.1 (a server told to listen on "localhost" may take
 * ::1 alone): a connect that 127.0.0.1 refuses is tried at once on ::1.
 *
 * While the sandbox starts, its command may not listen yet: a client that
 * comes then waits, and the forwarder tries the sandbox port again (each
 * 1 ms at first, each 32 ms at most) until the command listens, rather
 * than passing the refusal on as a reset. Only in the first START_WAIT_MS
 * of the forwarder (which starts just before the command), and only until
 * the port has taken a connection: a command that stops listening later is
 * not waited for. Every client that comes in that window to a port nobody
 * listens on (on the loopback) waits until the window ends; one that
 * shuts its side while it waits is let go, so that what an impatient
 * client sent never reaches the command after it left.
 */
#define _GNU_SOURCE
#include "portfwd.h"

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <cap-ng.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "landlock.h"
#include "log.h"
#include "net.h"
#include "proc.h"
#include "util.h"

/* Asked for; the kernel may give less (fs.pipe-user-pages-soft). */
#define PIPE_SIZE (256 << 10)
/* Once the sandbox has ended: how long the forwarder waits while no client
 * takes any more of what the sandbox sent. */
#define FINISH_IDLE_MS 2000
/* How often it looks whether a client has acknowledged a reply's end. */
#define TAIL_POLL_MS 20
/* While the sandbox starts: for how long after the forwarder's start a
 * client whose connection the sandbox port refuses waits for the command
 * to listen there, until the port has taken one connection. */
#define START_WAIT_MS 10000

int portfwd_listen(const struct port_map *ports, size_t n_ports, struct portfwd *pf, struct error *err)
{
  memset(pf, 0, sizeof *pf);
  pf->listeners = xcalloc(n_ports, sizeof *pf->listeners);
  pf->targets = xcalloc(n_ports, sizeof *pf->targets);
  for (size_t i = 0; i < n_ports; i++) {
    if (ports[i].proto != PROTO_TCP)
      continue;
    int fd = net_bind_port(&ports[i], true, err);
    if (fd < 0) {
      portfwd_close_listeners(pf);
      return fd;
    }
    pf->listeners[pf->n] = fd;
    pf->targets[pf->n++] = ports[i].sandbox_port;
  }
  return 0;
}

void portfwd_close_listeners(struct portfwd *pf)
{
  for (size_t i = 0; i < pf->n; i++)
    close_fd(&pf->listeners[i]);
}

void portfwd_free(struct portfwd *pf)
{
  portfwd_close_listeners(pf);
  free(pf->listeners);
  free(pf->targets);
  pf->listeners = NULL;
  pf->targets = NULL;
  pf->n = 0;
}

/* ------------------------------------------------------------ the forwarder */

/* One direction of a connection: bytes read from `from` wait in the pipe
 * until `to` takes them. */
struct flow {
  int pipe_r, pipe_w;
  size_t queued, capacity;
  bool eof;       /* `from` has no more to send */
  bool done;      /* eof seen and the pipe drained: `to` was shut for writing */
};

struct conn {
  int fd[2];           /* 0: the host side, 1: the sandbox side */
  struct flow flow[2]; /* flow[i] carries fd[i] -> fd[1 - i] */
  bool connecting;     /* the sandbox side's connect() is in progress, or waits for its next try */
  size_t port;         /* the index of its listener */
  unsigned tries;      /* connects the sandbox port refused */
  bool v6;             /* this try has gone on to ::1, 127.0.0.1 refused */
  int v4_error;        /* ... with this error */
  unsigned long long retry_at; /* µs, monotonic: when to try again; 0: no try waits */
  bool dead;           /* closed; freed once the current batch of events is done */
  int outq;            /* after the sandbox's end: the host socket's unsent bytes, last seen */
  struct conn *prev, *next; /* the open ones (conns) */
  struct conn *next_dead;
};

/* epoll data: a listener index, or a connection side. */
#define TAG_LISTENER 1UL
static void *tag_side(struct conn *c, int side)
{
  return (void *) ((uintptr_t) c | (uintptr_t) (side << 1));
}

static struct conn *conns, *dead_list;
/* While the sandbox starts (START_WAIT_MS): the forwarder's start, and
 * which ports have taken a connection. */
static unsigned long long started;
static bool *port_reached;
static size_t n_waiting;  /* connections with a try to come (retry_at) */
/* The listeners and their targets; whether the listeners are out of epoll
 * because accept ran out of descriptors or memory: until a connection is
 * freed, or ACCEPT_PAUSE_MS at most (accept_resume_at). */
static struct portfwd *fwd;
static bool accept_paused;
static unsigned long long accept_resume_at;
#define ACCEPT_PAUSE_MS 100

static void listeners_watch(int ep, bool on)
{
  for (size_t i = 0; i < fwd->n; i++) {
    struct epoll_event ev = {.events = on ? EPOLLIN : 0, .data.u64 = (i << 1) | TAG_LISTENER};
    if (fwd->listeners[i] >= 0)
      epoll_ctl(ep, EPOLL_CTL_MOD, fwd->listeners[i], &ev);
  }
  accept_paused = !on;
  accept_resume_at = on ? 0 : now_usec() + ACCEPT_PAUSE_MS * 1000ULL;
}

/* After the sandbox's end: when bytes last reached a client's socket (µs,
 * monotonic). */
static bool draining;
static unsigned long long last_delivery;

static void conn_pipes_close(struct conn *c)
{
  for (int i = 0; i < 2; i++) {
    close_fd(&c->flow[i].pipe_r);
    close_fd(&c->flow[i].pipe_w);
  }
}

/* Close now, free later: the same batch of events may still name c. */
static void conn_free(int ep, struct conn *c)
{
  if (c->dead)
    return;
  /* A reply cut short (the sandbox side failed, or it never came) must
   * not look complete to its client: a reset, not an end of stream. */
  struct linger reset = {.l_onoff = 1, .l_linger = 0};
  if (!c->flow[1].done && c->fd[0] >= 0)
    setsockopt(c->fd[0], SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  if (c->prev)
    c->prev->next = c->next;
  else
    conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  for (int i = 0; i < 2; i++) {
    if (c->fd[i] >= 0)
      epoll_ctl(ep, EPOLL_CTL_DEL, c->fd[i], NULL);
    close_fd(&c->fd[i]);
  }
  conn_pipes_close(c);
  if (c->retry_at)
    n_waiting--;
  c->retry_at = 0;
  if (accept_paused && !draining)
    listeners_watch(ep, true);
  c->dead = true;
  c->next_dead = dead_list;
  dead_list = c;
}

/* Move what can be moved on flow i, until the kernel says EAGAIN on both
 * ends (the sockets are registered edge-triggered, so an event comes only
 * once that has happened); returns -1 when the connection is over. */
static int flow_pump(struct conn *c, int i)
{
  struct flow *f = &c->flow[i];
  int from = c->fd[i], to = c->fd[1 - i];
  for (;;) {
    bool progress = false;
    if (!f->eof && f->queued < f->capacity) {
      ssize_t n = splice(from, NULL, f->pipe_w, NULL, f->capacity - f->queued, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        f->queued += (size_t) n;
        progress = true;
      } else if (n == 0) {
        f->eof = true;
      } else if (errno != EAGAIN) {
        return -1;
      }
    }
    if (f->queued > 0) {
      ssize_t n = splice(f->pipe_r, NULL, to, NULL, f->queued, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        f->queued -= (size_t) n;
        progress = true;
        if (i == 1 && draining) {
          last_delivery = now_usec();
          ioctl(to, SIOCOUTQ, &c->outq);
        }
      } else if (n < 0 && errno != EAGAIN) {
        return -1;
      }
    }
    if (f->eof && f->queued == 0 && !f->done) {
      shutdown(to, SHUT_WR);
      f->done = true;
    }
    if (!progress)
      break;
  }
  return c->flow[0].done && c->flow[1].done ? -1 : 0;
}

/* Shorten an epoll timeout (ms, -1: none) to wake by at (µs, monotonic). */
static void wake_by(int *timeout, unsigned long long at, unsigned long long now)
{
  int ms = at > now ? (int) ((at - now + 999) / 1000) : 0;
  if (*timeout < 0 || ms < *timeout)
    *timeout = ms;
}

/* The sandbox's start (START_WAIT_MS), while it has not ended. */
static bool starting(void)
{
  return !draining && (now_usec() - started) / 1000 < START_WAIT_MS;
}

/* Whether a connect's error says nobody listens there (yet). Refused:
 * nothing listens. Unreachable: the forwarder starts while init brings lo
 * up, and a connection may come before that. */
static bool nobody_listens(int error)
{
  return error == ECONNREFUSED || error == ENETUNREACH || error == EHOSTUNREACH;
}

/* Whether a connection the sandbox port refused may wait for it: the
 * command may not listen yet. Only while the sandbox starts, and only
 * until the port has taken a connection: a refusal after that (the
 * command closed its socket) is passed on at once. */
static bool may_wait(const struct conn *c, int error)
{
  return nobody_listens(error) && !port_reached[c->port] && starting();
}

/* A connection's pipes, each as large as the kernel gives; false when
 * they cannot be had. Made once the command listens: a connection that
 * waits for its port holds one descriptor, its client's. */
static bool conn_pipes(struct conn *c)
{
  for (int i = 0; i < 2; i++) {
    if (c->flow[i].pipe_r >= 0)
      continue;
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
      int e = errno;
      conn_pipes_close(c);
      errno = e;
      return false;
    }
    fcntl(p[1], F_SETPIPE_SZ, PIPE_SIZE);
    int cap = fcntl(p[1], F_GETPIPE_SZ);
    c->flow[i].capacity = cap > 0 ? (size_t) cap : 4096;
    c->flow[i].pipe_r = p[0];
    c->flow[i].pipe_w = p[1];
  }
  return true;
}

static void sandbox_side_close(int ep, struct conn *c)
{
  if (c->fd[1] >= 0)
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd[1], NULL);
  close_fd(&c->fd[1]);
}

/* Schedule the next connect of a refused connection: each 1 ms at first,
 * then less often, each 32 ms at most. */
static void wait_for_port(int ep, struct conn *c)
{
  sandbox_side_close(ep, c);
  conn_pipes_close(c);
  if (!c->retry_at)
    n_waiting++;
  c->retry_at = now_usec() + (1000ULL << (c->tries < 40 ? c->tries / 8 : 5));
  c->tries++;
}

/* A connection that could not get its descriptors (errno) tries again
 * while the sandbox starts (many clients may wait at once); otherwise it
 * ends, with a reset. */
static void retry_if_out_of_fds(int ep, struct conn *c)
{
  if ((errno == EMFILE || errno == ENFILE) && starting())
    wait_for_port(ep, c);
  else
    conn_free(ep, c);
}

static void dial(int ep, struct conn *c);

/* Whether a connect that 127.0.0.1 refused (or could not reach) goes on
 * at once to ::1. */
static bool dial_v6(int ep, struct conn *c, int error)
{
  if (!nobody_listens(error) || c->v6 || draining)
    return false;
  sandbox_side_close(ep, c);
  c->v6 = true;
  c->v4_error = error;
  dial(ep, c);
  return true;
}

/* The sandbox side's connect failed with error (on ::1 too, if tried):
 * wait for the port while the command starts, if either address's error
 * lets it (::1's may only say there is no IPv6), else end with a reset. */
static void dial_failed(int ep, struct conn *c, int error)
{
  if (may_wait(c, error) || (c->v6 && may_wait(c, c->v4_error)))
    wait_for_port(ep, c);
  else
    conn_free(ep, c);
}

/* Connect the sandbox side, on the sandbox's own loopback: 127.0.0.1, then
 * ::1 if 127.0.0.1 refuses. */
static void dial(int ep, struct conn *c)
{
  if (c->retry_at) {
    n_waiting--;
    c->v6 = false;
  }
  c->retry_at = 0;
  /* Once the command listens, the pipes come first: of many connections
   * that waited, each then takes all it needs at once or nothing (were the
   * pipes made once through, sockets in progress could take every
   * descriptor, and no connection get its pipes). */
  if (port_reached[c->port] && !conn_pipes(c)) {
    retry_if_out_of_fds(ep, c);
    return;
  }
  /* Made here, so it lives in the sandbox's network namespace. */
  struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(fwd->targets[c->port]),
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(fwd->targets[c->port]),
                            .sin6_addr = IN6ADDR_LOOPBACK_INIT};
  c->fd[1] = socket(c->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd[1] < 0 && c->v6 && errno == EAFNOSUPPORT) {  /* a kernel without IPv6 */
    dial_failed(ep, c, errno);
    return;
  }
  if (c->fd[1] < 0) {
    retry_if_out_of_fds(ep, c);
    return;
  }
  int r = c->v6 ? connect(c->fd[1], (struct sockaddr *) &a6, sizeof a6)
                : connect(c->fd[1], (struct sockaddr *) &a4, sizeof a4);
  if (r < 0 && errno != EINPROGRESS) {
    /* Refused: the other address; then, while the command starts, try
     * again soon; otherwise nobody listens inside, and the client sees a
     * reset. */
    int e = errno;
    if (!dial_v6(ep, c, e))
      dial_failed(ep, c, e);
    return;
  }
  c->connecting = true;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = tag_side(c, 1)};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd[1], &ev) < 0)
    conn_free(ep, c);
}

static void accept_one(int ep, size_t port, int listener)
{
  int client = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (client < 0) {
    /* Out of descriptors or memory: the listener would wake the forwarder
     * at once, again and again; it waits for a connection to end instead,
     * ACCEPT_PAUSE_MS at most. */
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
      listeners_watch(ep, false);
    return;
  }
  struct conn *c = xcalloc(1, sizeof *c);
  c->next = conns;
  if (conns)
    conns->prev = c;
  conns = c;
  c->fd[0] = client;
  c->fd[1] = -1;
  c->port = port;
  c->connecting = true;
  c->flow[0].pipe_r = c->flow[0].pipe_w = c->flow[1].pipe_r = c->flow[1].pipe_w = -1;
  /* Each side registered once, for everything, edge-triggered: no
   * epoll_ctl per event (which was a third of the forwarder's system
   * calls). What the client sends meanwhile waits in its socket. */
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = tag_side(c, 0)};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd[0], &ev) < 0) {
    conn_free(ep, c);
    return;
  }
  dial(ep, c);
}

/* epoll data of the signalfd, which no listener's or connection's can be:
 * SIGTERM, the sandbox has ended (finish the connections); SIGUSR1, give
 * up at once. */
#define TAG_SIGNAL UINT64_MAX

/* Reads and drops what the client sent, without copying it, 16 MiB at most
 * at a time (a client that sends without end must not keep the forwarder
 * from its other work; the rest waits for the next look); true once the
 * client has shut its side. */
static bool drop_input(struct conn *c)
{
  ssize_t n = -1;
  for (int i = 0; i < 16 && (n = recv(c->fd[0], NULL, 1 << 20, MSG_DONTWAIT | MSG_TRUNC)) > 0; i++)
    ;
  return n == 0;
}

/* Once the sandbox has ended, a connection is over when its sandbox side
 * is and its client has all of it: the client has acknowledged the last
 * byte (its socket's send queue is empty) or shut its own side; or the
 * connect never went through. What the client sends from then on has
 * nobody to read it: it is read and dropped. Passed on to the closed
 * sandbox socket, or sent to a socket the forwarder had closed, it would
 * draw a reset, which throws away what the client was still to get. */
static bool over_after_sandbox(struct conn *c)
{
  bool client_done = drop_input(c);
  if (c->connecting || flow_pump(c, 1) < 0)
    return true;
  int unsent = 0;
  return c->flow[1].done && (client_done || ioctl(c->fd[0], SIOCOUTQ, &unsent) < 0 || unsent == 0);
}

/* Did a client take anything since the last look? Its socket's send queue
 * shrinks as it reads, but the kernel wakes the forwarder only once a
 * third of the queue is free: a slow reader can take bytes for longer
 * than FINISH_IDLE_MS between two wakeups. */
static bool clients_took_more(void)
{
  bool more = false;
  for (struct conn *c = conns; c; c = c->next) {
    int queued = 0;
    if (ioctl(c->fd[0], SIOCOUTQ, &queued) == 0 && queued < c->outq)
      more = true;
    c->outq = queued;
  }
  return more;
}

/* Give up on the connections still open. One whose reply is cut short ends
 * with a reset (conn_free); one whose reply is whole, only not yet taken,
 * with a close that lets the kernel deliver the rest (the client's unread
 * bytes dropped first: unread, they would turn the close into a reset). */
static void give_up(int ep) __attribute__((noreturn));
static void give_up(int ep)
{
  while (conns) {
    drop_input(conns);
    conn_free(ep, conns);
  }
  _exit(0);
}

static void forwarder_main(struct portfwd *pf, int sig_fd) __attribute__((noreturn));
static void forwarder_main(struct portfwd *pf, int sig_fd)
{
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0)
    _exit(1);
  for (size_t i = 0; i < pf->n; i++) {
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (i << 1) | TAG_LISTENER};
    epoll_ctl(ep, EPOLL_CTL_ADD, pf->listeners[i], &ev);
  }
  struct epoll_event sig = {.events = EPOLLIN, .data.u64 = TAG_SIGNAL};
  epoll_ctl(ep, EPOLL_CTL_ADD, sig_fd, &sig);
  started = now_usec();
  fwd = pf;
  port_reached = xcalloc(pf->n, sizeof *port_reached);
  struct epoll_event evs[64];
  while (!draining || conns) {
    int timeout = -1;
    /* The next try of a connection that waits for its port, and the end
     * of a pause of the listeners. */
    unsigned long long now = n_waiting || accept_paused ? now_usec() : 0;
    for (struct conn *c = n_waiting ? conns : NULL; c; c = c->next)
      if (c->retry_at)
        wake_by(&timeout, c->retry_at, now);
    if (accept_paused)
      wake_by(&timeout, accept_resume_at, now);
    if (draining) {
      unsigned long long idle_ms = (now_usec() - last_delivery) / 1000;
      if (idle_ms >= FINISH_IDLE_MS) {
        for (struct conn *c = conns; c; c = c->next)
          flow_pump(c, 1);
        if (clients_took_more() || (now_usec() - last_delivery) / 1000 < FINISH_IDLE_MS) {
          last_delivery = now_usec();
          continue;
        }
        log_debug("the port forwarder: no client took any of the sandbox's last bytes for %d ms; closing", FINISH_IDLE_MS);
        give_up(ep);
      }
      timeout = (int) (FINISH_IDLE_MS - idle_ms);  /* no connection waits for its port any more */
      /* A reply whose end is still in the client's send queue: no event
       * says when the client has acknowledged it; look again soon. */
      for (struct conn *c = conns; c; c = c->next)
        if (c->flow[1].done && timeout > TAIL_POLL_MS)
          timeout = TAIL_POLL_MS;
    }
    int n = epoll_wait(ep, evs, 64, timeout);
    for (int k = 0; k < n; k++) {
      uint64_t d = evs[k].data.u64;
      if (d == TAG_SIGNAL) {
        struct signalfd_siginfo si;
        if (read(sig_fd, &si, sizeof si) != sizeof si)
          continue;
        if (si.ssi_signo == SIGUSR1)
          give_up(ep);
        if (draining)
          continue;
        /* No new connections (the keeper has closed its copies of the
         * listeners: late clients are refused); the open ones run to their
         * end. */
        draining = true;
        last_delivery = now_usec();
        clients_took_more();  /* the send queues' first look */
        for (size_t i = 0; i < pf->n; i++) {
          epoll_ctl(ep, EPOLL_CTL_DEL, pf->listeners[i], NULL);
          close_fd(&pf->listeners[i]);
        }
        continue;
      }
      if (d & TAG_LISTENER) {
        if (draining)
          continue;
        size_t i = (size_t) (d >> 1);
        accept_one(ep, i, pf->listeners[i]);
        continue;
      }
      struct conn *c = (struct conn *) (uintptr_t) (d & ~(uint64_t) 3);
      int side = (int) ((d >> 1) & 1);
      if (c->dead)
        continue;
      /* A client that shuts its side while it waits for its port has left
       * (or soon will): what it sent must not reach the command later. */
      if (c->connecting && c->tries > 0 && side == 0 && (evs[k].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
        conn_free(ep, c);
        continue;
      }
      if (c->connecting && side == 1) {
        if (c->fd[1] < 0)
          continue;  /* an event of a refused try, closed in this batch */
        int soerr = 0;
        socklen_t len = sizeof soerr;
        getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &soerr, &len);
        if (soerr) {
          if (!dial_v6(ep, c, soerr))
            dial_failed(ep, c, soerr);
          continue;
        }
        if (!conn_pipes(c)) {
          retry_if_out_of_fds(ep, c);
          continue;
        }
        c->connecting = false;
        port_reached[c->port] = true;
      }
      if (c->connecting)
        continue;
      if (!draining && (flow_pump(c, 0) < 0 || flow_pump(c, 1) < 0 ||
                        (evs[k].events & (EPOLLERR | EPOLLHUP) && !(evs[k].events & EPOLLIN))))
        conn_free(ep, c);
    }
    if (accept_paused && !draining && now_usec() >= accept_resume_at)
      listeners_watch(ep, true);
    /* The connections whose port refused them, when their time comes. */
    now = n_waiting ? now_usec() : 0;
    for (struct conn *c = n_waiting ? conns : NULL, *next; !draining && c; c = next) {
      next = c->next;
      if (c->retry_at && c->retry_at <= now)
        dial(ep, c);
    }
    /* Draining: every connection is looked at after each wakeup (an event,
     * or the look for a reply's acknowledged end). */
    for (struct conn *c = conns, *next; draining && c; c = next) {
      next = c->next;
      if (over_after_sandbox(c))
        conn_free(ep, c);
    }
    while (dead_list) {
      struct conn *c = dead_list;
      dead_list = c->next_dead;
      free(c);
    }
  }
  _exit(0);
}

struct forwarder_args {
  struct portfwd *pf;
  int netns;
};

/* The forwarder's first steps, in its own process: into the sandbox's
 * network namespace, then down to nothing but its listeners (proc_spawn
 * closed every other descriptor) with no capability left. */
static void forwarder_start(void *arg)
{
  struct forwarder_args *a = arg;
  if (setns(a->netns, CLONE_NEWNET) < 0) {
    dprintf(STDERR_FILENO, "hutch: port forwarder: join the sandbox's network: %s\n", strerror(errno));
    _exit(1);
  }
  close(a->netns);
  capng_clear(CAPNG_SELECT_BOTH);
  if (capng_apply(CAPNG_SELECT_BOTH) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    dprintf(STDERR_FILENO, "hutch: port forwarder: cannot drop its capabilities: %s\n", strerror(errno));
    _exit(1);
  }
  /* It moves bytes between sockets the sandbox's side controls, in a
   * process that still sees the host's files: with a bug in it, it must
   * not be able to open one. */
  struct error err = {0};
  if (landlock_deny_files(&err) < 0) {
    dprintf(STDERR_FILENO, "hutch: port forwarder: %s\n", err.msg);
    _exit(1);
  }
  signal(SIGPIPE, SIG_IGN);
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGUSR1);
  sigprocmask(SIG_BLOCK, &sigs, NULL);
  int sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
  if (sig_fd < 0) {
    dprintf(STDERR_FILENO, "hutch: port forwarder: signalfd: %s\n", strerror(errno));
    _exit(1);
  }
  forwarder_main(a->pf, sig_fd);
}

int portfwd_start(struct portfwd *pf, int netns_fd, struct error *err)
{
  if (pf->n == 0)
    return 0;
  _cleanup_free_ int *keep = xcalloc(pf->n + 1, sizeof *keep);
  memcpy(keep, pf->listeners, pf->n * sizeof *keep);
  keep[pf->n] = netns_fd;
  struct forwarder_args a = {.pf = pf, .netns = netns_fd};
  struct proc_spawn ps = {
    .fn = forwarder_start, .arg = &a, .keep = keep, .n_keep = pf->n + 1,
    .out = PROC_INHERIT, .errout = PROC_INHERIT, .err_fd = -1, .death_signal = SIGKILL,
  };
  pid_t pid = proc_spawn(&ps, err);
  if (pid < 0)
    return error_wrap(err, pid, "start the port forwarder");
  pf->pid = pid;
  return 0;
}

int portfwd_finish(struct portfwd *pf)
{
  if (pf->pid <= 0)
    return -1;
  int pidfd = proc_pidfd_open(pf->pid);
  if (pidfd >= 0 && kill(pf->pid, SIGTERM) < 0)
    close_fd(&pidfd);
  return pidfd;
}

void portfwd_stop(struct portfwd *pf)
{
  if (pf->pid > 0) {
    /* Give up: the clients of replies cut short get a reset (give_up). */
    _cleanup_close_ int pidfd = proc_pidfd_open(pf->pid);
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    if (pidfd >= 0 && kill(pf->pid, SIGUSR1) == 0)
      poll(&p, 1, 1000);
  }
  proc_kill(&pf->pid, SIGKILL);
  portfwd_free(pf);
}
