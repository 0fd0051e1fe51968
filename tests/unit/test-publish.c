/* test-publish.c: the -p/--publish and --network parsers of launcher/net.c.
 * Links net.c with what it needs (proc, log, util, error, json-c); nothing
 * here binds a port or starts a helper. */
#define _GNU_SOURCE
#include <stdlib.h>

#include "../../launcher/net.h"
#include "../../launcher/util.h"
#include "tap.h"

static void pub_ok(const char *arg, const char *ip, unsigned host, unsigned sandbox, enum port_proto proto)
{
  struct port_map p;
  struct error err = {0};
  int r = net_parse_publish(arg, &p, &err);
  bool good = r == 0 && !strcmp(p.host_ip, ip) && p.host_port == host && p.sandbox_port == sandbox && p.proto == proto;
  tap_ok(good, "-p %s -> [%s]:%u -> %u/%s", arg, ip, host, sandbox, proto == PROTO_UDP ? "udp" : "tcp");
  if (!good)
    tap_diag("r %d: ip `%s` host %u sandbox %u proto %d: %s", r, p.host_ip, p.host_port, p.sandbox_port, p.proto,
             err.msg);
}

static void pub_bad(const char *arg, const char *frag)
{
  struct port_map p;
  struct error err = {0};
  int r = net_parse_publish(arg, &p, &err);
  tap_ok(r < 0 && err.status == 125, "-p `%s` is refused with 125", arg);
  TAP_CONTAINS(err.msg, frag, "-p `%s`: the message says `%s`", arg, frag);
}

static void net_ok(const char *arg, enum net_mode mode, bool loopback)
{
  struct spec s;
  struct error err = {0};
  spec_init(&s);
  int r = net_parse_mode(arg, &s, &err);
  tap_ok(r == 0 && s.network == mode && s.allow_host_loopback == loopback, "--network %s", arg);
  if (r)
    tap_diag("%s", err.msg);
}

static void net_bad(const char *arg, const char *frag)
{
  struct spec s;
  struct error err = {0};
  spec_init(&s);
  int r = net_parse_mode(arg, &s, &err);
  tap_ok(r < 0, "--network `%s` is refused", arg);
  TAP_CONTAINS(err.msg, frag, "--network `%s`: the message says `%s`", arg, frag);
}

/* spec_init lives in options.c, which this test does not link. */
void spec_init(struct spec *s)
{
  *s = (struct spec) {.preserve_fds = -1, .log_level = -1};
}

int main(void)
{
  pub_ok("8080:80", "", 8080, 80, PROTO_TCP);
  pub_ok("8080:80/tcp", "", 8080, 80, PROTO_TCP);
  pub_ok("5353:53/udp", "", 5353, 53, PROTO_UDP);
  pub_ok("127.0.0.1:8080:80", "127.0.0.1", 8080, 80, PROTO_TCP);
  pub_ok("[::1]:8080:80", "::1", 8080, 80, PROTO_TCP);
  pub_ok("[fe80::1]:1:65535/udp", "fe80::1", 1, 65535, PROTO_UDP);

  pub_bad("80", "HOST_PORT:SANDBOX_PORT");
  pub_bad("", "HOST_PORT:SANDBOX_PORT");
  pub_bad("0:80", "out of range");
  pub_bad("65536:80", "out of range");
  pub_bad("8080:x", "not a port number");
  pub_bad("8080:80/sctp", "sctp");
  pub_bad("1.2.3:8080:80", "not an IP address");
  pub_bad("[::1]8080:80", "[ADDR]");
  pub_bad("a:b:c:d", "HOST_PORT:SANDBOX_PORT");
  pub_bad("-1:80", "out of range");

  net_ok("none", NET_NONE, false);
  net_ok("host", NET_HOST, false);
  net_ok("pasta", NET_PASTA, false);
  net_ok("slirp4netns:allow-host-loopback", NET_SLIRP4NETNS, true);
  net_ok("auto:allow_host_loopback=true", NET_AUTO, true);
  net_bad("bridge", "none, host, pasta, slirp4netns or auto");
  net_bad("pasta:mtu=9000", "mtu=9000");
  net_bad("none:allow-host-loopback", "only pasta or slirp4netns");
  return tap_done();
}
