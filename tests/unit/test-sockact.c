/* test-sockact.c: launcher/sockact.c. Taking the sockets of hutch's own
 * activator (only when LISTEN_PID is ours, only open descriptors, the
 * variables always removed), the places and names of the command's
 * sockets, --preserve-fds refused with them, --print-policy binding
 * nothing, and the variables the command's process sets. Links sockact.c
 * with log.c, util.c and error.c; net_bind_port() is stubbed here. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../launcher/net.h"
#include "../../launcher/plan.h"
#include "../../launcher/sockact.h"
#include "../../launcher/spec.h"
#include "tap.h"

/* The stub: an unbound socket, non-blocking and close-on-exec as the real
 * one makes it. */
static int bind_calls;
int net_bind_port(const struct port_map *p, bool listening, struct error *err)
{
  (void) err;
  (void) listening;
  bind_calls++;
  return socket(AF_INET, (p->proto == PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

static bool is_socket(int fd)
{
  int type;
  socklen_t len = sizeof type;
  return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
}

static bool cloexec(int fd)
{
  int f = fcntl(fd, F_GETFD);
  return f >= 0 && (f & FD_CLOEXEC);
}

/* Sockets at fds 3..2+n, inheritable, as an activator leaves them. */
static void activator_fds(int n)
{
  for (int fd = 3; fd < 3 + n; fd++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s != fd) {
      dup2(s, fd);
      close(s);
    }
  }
}

static void set_env(const char *pid, const char *fds, const char *names)
{
  char self[32];
  snprintf(self, sizeof self, "%d", (int) getpid());
  setenv("LISTEN_PID", pid ? pid : self, 1);
  setenv("LISTEN_FDS", fds, 1);
  if (names)
    setenv("LISTEN_FDNAMES", names, 1);
  else
    unsetenv("LISTEN_FDNAMES");
}

static bool env_gone(void)
{
  return !getenv("LISTEN_PID") && !getenv("LISTEN_FDS") && !getenv("LISTEN_FDNAMES");
}

static void test_inherit(void)
{
  struct sockact_inherited in;

  activator_fds(2);
  set_env(NULL, "2", "web:admin");
  sockact_inherit(&in);
  TAP_INT_EQ(in.n, 2, "LISTEN_PID ours, LISTEN_FDS=2: two sockets taken");
  TAP_STR_EQ(in.names, "web:admin", "their names kept");
  tap_ok(cloexec(3) && cloexec(4), "both made close-on-exec");
  tap_ok(env_gone(), "LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES removed from hutch's environment");
  sockact_inherited_free(&in);

  set_env(NULL, "2", "web");
  sockact_inherit(&in);
  tap_ok(in.n == 2 && !in.names, "one name for two sockets: the names are dropped, the sockets kept");
  sockact_inherited_free(&in);

  set_env("1", "2", "web:admin");
  sockact_inherit(&in);
  tap_ok(in.n == 0 && env_gone(), "LISTEN_PID another process's: nothing taken, the variables removed all the same");

  close(4);
  set_env(NULL, "2", NULL);
  sockact_inherit(&in);
  TAP_INT_EQ(in.n, 0, "LISTEN_FDS=2 with fd 4 not open: nothing taken");

  set_env(NULL, "x", NULL);
  sockact_inherit(&in);
  tap_ok(in.n == 0 && env_gone(), "LISTEN_FDS not a number: nothing taken");
  close(3);
}

static void test_resolve(void)
{
  struct port_map ports[2] = {{.host_port = 8080, .sandbox_port = 80, .proto = PROTO_TCP},
                              {.host_port = 5353, .sandbox_port = 53, .proto = PROTO_UDP}};
  struct spec s = {.preserve_fds = -1, .port_driver = PORT_DRIVER_SOCKET, .ports = ports, .n_ports = 2,
                   .listen = {.n = 1}};
  struct plan p = {0};
  struct error err = {0};

  TAP_INT_EQ(sockact_count(&s), 3, "one inherited and two published: three descriptors to keep");
  activator_fds(3);  /* what run_prepare_fds() leaves: 3 inherited, 4 and 5 held */
  bind_calls = 0;
  int r = sockact_resolve(&s, false, &p, &err);
  tap_ok(r == 0 && bind_calls == 2, "both ports bound");
  TAP_INT_EQ(p.sockets.n, 3, "LISTEN_FDS will be 3");
  TAP_INT_EQ(p.preserve_fds, 3, "fds 3..5 are passed to the command");
  TAP_STR_EQ(p.sockets.names, "unknown:tcp-80:udp-53", "names: systemd's unknown for the unnamed inherited one, then PROTO-SANDBOX_PORT");
  tap_ok(is_socket(4) && is_socket(5) && cloexec(4) && cloexec(5), "the published sockets at fds 4 and 5, close-on-exec");
  tap_ok(!(fcntl(4, F_GETFL) & O_NONBLOCK) && !(fcntl(5, F_GETFL) & O_NONBLOCK), "and blocking, as systemd hands them over");
  sockact_free(&p.sockets);

  p = (struct plan) {0};
  s.print_policy = true;
  bind_calls = 0;
  r = sockact_resolve(&s, false, &p, &err);
  tap_ok(r == 0 && bind_calls == 0 && p.sockets.n == 3, "--print-policy: described, nothing bound");
  sockact_free(&p.sockets);
  s.print_policy = false;

  p = (struct plan) {0};
  s.preserve_fds = 1;
  r = sockact_resolve(&s, false, &p, &err);
  tap_ok(r < 0, "--preserve-fds with socket activation is refused");
  TAP_CONTAINS(err.msg, "--preserve-fds", "and the message names it");
  s.preserve_fds = -1;

  s.listen.n = 0;
  s.port_driver = PORT_DRIVER_HUTCH;
  p = (struct plan) {0};
  r = sockact_resolve(&s, false, &p, &err);
  tap_ok(r == 0 && p.sockets.n == 0 && !p.sockets.names && p.preserve_fds == 0,
         "--port-driver hutch, nothing inherited: no socket activation");
  for (int fd = 3; fd < 6; fd++)
    close(fd);
}

static void test_setenv(void)
{
  struct sockact sa = {.n = 2, .names = (char *) "web:tcp-80"};
  char pid[32];
  snprintf(pid, sizeof pid, "%d", (int) getpid());
  sockact_setenv(&sa);
  TAP_STR_EQ(getenv("LISTEN_FDS"), "2", "LISTEN_FDS");
  TAP_STR_EQ(getenv("LISTEN_PID"), pid, "LISTEN_PID: the process's own pid");
  TAP_STR_EQ(getenv("LISTEN_FDNAMES"), "web:tcp-80", "LISTEN_FDNAMES");
  unsetenv("LISTEN_FDS");
  struct sockact none = {0};
  sockact_setenv(&none);
  tap_ok(!getenv("LISTEN_FDS"), "no sockets: nothing set");
}

int main(void)
{
  test_inherit();
  test_resolve();
  test_setenv();
  return tap_done();
}
