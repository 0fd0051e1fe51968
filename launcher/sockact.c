/* sockact.c: socket activation, for ports at the host's own speed.
 *
 * hutch's forwarder and the network backends carry a published port through
 * a second socket inside the sandbox. A server that takes inherited sockets
 * (sd_listen_fds: lighttpd, Apache httpd, Caddy, gunicorn...) needs none of
 * that: it can accept on the host's listening socket itself. A socket keeps
 * the network namespace it was made in, so connections to it are the host's
 * loopback or network, at the host's speed, while the server runs in its
 * sandbox with a network namespace of its own (only lo with --network none,
 * or a backend's with --network pasta) for everything else it does.
 *
 * The protocol is systemd's (sd_listen_fds(3)): the sockets are descriptors
 * 3, 4..., LISTEN_FDS says how many, LISTEN_PID names the process they are
 * for, LISTEN_FDNAMES their names, colon-separated. LISTEN_PID must be the
 * command's pid as the sandbox sees it: the command is init's child in a pid
 * namespace of its own, so only its own process knows that number, and sets
 * it just before exec (sockact_setenv).
 *
 * The sockets travel the way --preserve-fds descriptors do: hutch holds them
 * at 3..N+2 (run_prepare_fds reserves the places, sockact_resolve binds and
 * moves the sockets there), the keeper and init keep that range and nothing
 * else, the command's process clears close-on-exec on it. Helpers never get
 * them: proc_spawn() closes everything a helper is not handed by number.
 * With the sockets, --preserve-fds is refused: both would be fds 3 on.
 */
#define _GNU_SOURCE
#include "sockact.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "plan.h"
#include "spec.h"
#include "util.h"

/* As many as anyone would hand one service; the rest of hutch's own
 * descriptors come after them. */
#define SOCKACT_MAX 64

static bool parse_count(const char *text, long *out)
{
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (!*text || *end || errno)
    return false;
  *out = v;
  return true;
}

void sockact_inherit(struct sockact_inherited *in)
{
  *in = (struct sockact_inherited) {0};
  const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS"), *names = getenv("LISTEN_FDNAMES");
  long p, n;
  /* Variables meant for another process (our parent's activator, passed on
   * by mistake) say nothing about our descriptors. */
  if (pid && fds && parse_count(pid, &p) && p == getpid() && parse_count(fds, &n) && n > 0) {
    if (n > SOCKACT_MAX) {
      log_warn("LISTEN_FDS=%ld: more than %d sockets; passing on the first %d", n, SOCKACT_MAX, SOCKACT_MAX);
      n = SOCKACT_MAX;
    }
    for (int fd = 3; fd < 3 + n; fd++)
      if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        log_warn("LISTEN_FDS=%s, but descriptor %d is not open: passing on none", fds, fd);
        n = 0;
        break;
      }
    in->n = (int) n;
    /* The names only if there is one for each socket. */
    size_t colons = 0;
    for (const char *c = names; c && *c; c++)
      colons += *c == ':';
    if (in->n && names && colons + 1 == (size_t) in->n)
      in->names = xstrdup(names);
    log_debug("socket-activated: passing on %d socket%s (LISTEN_FDNAMES=%s)", in->n, in->n == 1 ? "" : "s",
              in->names ? in->names : "unset");
  }
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
}

void sockact_inherited_free(struct sockact_inherited *in)
{
  free(in->names);
  *in = (struct sockact_inherited) {0};
}

static size_t published(const struct spec *s)
{
  return s->port_driver == PORT_DRIVER_SOCKET ? s->n_ports : 0;
}

int sockact_count(const struct spec *s)
{
  return s->listen.n + (int) published(s);
}

/* LISTEN_FDNAMES: the activator's names (systemd's "unknown" where it gave
 * none), then PROTO-SANDBOX_PORT for each published port, so that a server
 * can tell its sockets apart by the port it was asked to serve. */
static char *make_names(const struct spec *s)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (!f)
    abort();
  if (s->listen.names)
    fputs(s->listen.names, f);
  else
    for (int i = 0; i < s->listen.n; i++)
      fprintf(f, "%sunknown", i ? ":" : "");
  for (size_t i = 0; i < published(s); i++)
    fprintf(f, "%s%s-%u", s->listen.n || i ? ":" : "", s->ports[i].proto == PROTO_UDP ? "udp" : "tcp",
            s->ports[i].sandbox_port);
  fclose(f);
  return out;
}

/* One published port, bound on the host, at descriptor target. Blocking, as
 * systemd hands sockets over unless told NonBlocking=yes: a server that
 * wants it otherwise says so itself. */
static int bind_at(const struct port_map *port, int target, struct error *err)
{
  int fd = net_bind_port(port, true, err);
  if (fd < 0)
    return fd;
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
    int e = errno;
    close(fd);
    return error_set(err, e, "make the socket of port %u blocking", port->host_port);
  }
  if (fd != target && dup3(fd, target, O_CLOEXEC) < 0) {
    int e = errno;
    close(fd);
    return error_set(err, e, "move the socket of port %u to descriptor %d", port->host_port, target);
  }
  if (fd != target)
    close(fd);
  return 0;
}

int sockact_resolve(const struct spec *s, bool policy_only, struct plan *p, struct error *err)
{
  int n = sockact_count(s);
  if (n == 0)
    return 0;
  if (s->preserve_fds > 0)
    return error_set(err, 0, "--preserve-fds cannot be used with socket activation (%s): the listening sockets are "
                     "the command's descriptors from 3 on\ndrop --preserve-fds",
                     s->listen.n ? "hutch was started with LISTEN_FDS" : "--port-driver socket");
  /* --print-policy binds nothing: run_prepare_fds() did not reserve the
   * places (the plan is only printed). */
  if (!policy_only && !s->print_policy)
    for (size_t i = 0; i < published(s); i++) {
      int r = bind_at(&s->ports[i], 3 + s->listen.n + (int) i, err);
      if (r < 0)
        return r;
    }
  p->sockets.n = n;
  p->sockets.n_inherited = s->listen.n;
  p->sockets.names = make_names(s);
  p->preserve_fds = n;
  return 0;
}

void sockact_free(struct sockact *sa)
{
  free(sa->names);
  *sa = (struct sockact) {0};
}

void sockact_describe(const struct sockact *sa, FILE *f)
{
  if (sa->n > 0)
    fprintf(f, "  listen fds:  3..%d (LISTEN_FDS=%d, LISTEN_FDNAMES=%s; %d from hutch's own activator)\n",
            2 + sa->n, sa->n, sa->names, sa->n_inherited);
}

void sockact_setenv(const struct sockact *sa)
{
  if (sa->n <= 0)
    return;
  char num[32];
  snprintf(num, sizeof num, "%d", sa->n);
  setenv("LISTEN_FDS", num, 1);
  snprintf(num, sizeof num, "%d", (int) getpid());
  setenv("LISTEN_PID", num, 1);
  setenv("LISTEN_FDNAMES", sa->names, 1);
}
