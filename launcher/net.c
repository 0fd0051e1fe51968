/* net.c: the sandbox's network.
 *
 * Every mode but host gives the sandbox a network namespace of its own. With
 * none it holds only lo. With pasta or slirp4netns a user-mode helper, run by
 * hutch on the host side, joins the sandbox's user and network namespaces
 * through descriptors init hands up (init is not dumpable, so its
 * /proc/PID/ns files are closed to us and to the helper), makes a tap
 * interface there and carries its traffic through ordinary host sockets.
 * Published ports are sockets the helper listens on, on the host.
 *
 * By default the sandbox cannot reach services on the host's loopback:
 * pasta runs with --no-map-gw and slirp4netns with --disable-host-loopback.
 * With allow-host-loopback, the gateway address (pasta: the host's default
 * gateway; slirp4netns: 10.0.2.2) leads to the host's 127.0.0.1.
 *
 * The helper dies with hutch: it is hutch's child with a parent-death signal,
 * and slirp4netns also watches an exit fd. Readiness comes from the helpers'
 * own mechanisms: pasta's pid file (written once it is set up; its path
 * names a pipe to hutch, so no file is written) and slirp4netns's ready fd.
 * pasta opens that pipe, its namespaces and its log by path, through a
 * small child of hutch's that holds them (the lender, below). pasta has
 * configured the namespace
 * (link, addresses, default routes) well before it writes its pid file: it
 * then zeroes its tables and opens pools of spare sockets, as long again.
 * Where pasta publishes no port of its own, hutch listens to the sandbox's
 * route changes, on a netlink socket that the keeper opens in the new
 * namespace before pasta starts (net_route_socket), and says ready as soon
 * as the default routes the host has are there too; what the command sends
 * before pasta reads the tap device waits in the device's queue.
 */
#define _GNU_SOURCE
#include "net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <cap-ng.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#if defined(__x86_64__) && __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#endif

#include "proc.h"
#include "util.h"

/* The address the sandbox's resolv.conf names; pasta forwards it to the
 * host's first resolver. slirp4netns has its own fixed forwarder. */
#define PASTA_DNS "169.254.1.1"
#define SLIRP_DNS "10.0.2.3"
#define SLIRP_GUEST "10.0.2.100"

static const char *const mode_names[] = {
  [NET_UNSET] = "", [NET_NONE] = "none", [NET_HOST] = "host", [NET_PASTA] = "pasta",
  [NET_SLIRP4NETNS] = "slirp4netns", [NET_AUTO] = "auto",
};

const char *net_mode_name(enum net_mode m)
{
  return mode_names[m];
}

int net_parse_mode(const char *arg, struct spec *s, struct error *err)
{
  _cleanup_free_ char *copy = xstrdup(arg);
  char *opts = strchr(copy, ':');
  if (opts)
    *opts++ = '\0';
  int mode = -1;
  for (size_t i = NET_NONE; i < N_ELEMENTS(mode_names); i++)
    if (!strcmp(copy, mode_names[i]))
      mode = (int) i;
  if (mode < 0)
    return error_set(err, 0, "bad --network `%s`: use none, host, pasta, slirp4netns or auto", arg);
  s->network = (enum net_mode) mode;
  s->allow_host_loopback = false;
  for (char *save = NULL, *o = opts ? strtok_r(opts, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save)) {
    /* Our spelling, and podman's. */
    if ((mode == NET_PASTA || mode == NET_SLIRP4NETNS || mode == NET_AUTO) &&
        (!strcmp(o, "allow-host-loopback") || !strcmp(o, "allow_host_loopback=true")))
      s->allow_host_loopback = true;
    else if (!strcmp(o, "allow_host_loopback=false"))
      s->allow_host_loopback = false;
    else
      return error_set(err, 0, "bad --network `%s`: unknown option `%s`; %s takes allow-host-loopback", arg, o,
                       mode == NET_NONE || mode == NET_HOST ? "only pasta or slirp4netns" : copy);
  }
  return 0;
}

static int parse_port(const char *text, const char *arg, unsigned short *out, struct error *err)
{
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (end == text || *end || errno)
    return error_set(err, 0, "bad --publish `%s`: `%s` is not a port number", arg, text);
  if (v < 1 || v > 65535)
    return error_set(err, 0, "bad --publish `%s`: port %ld is out of range 1-65535", arg, v);
  *out = (unsigned short) v;
  return 0;
}

int net_parse_publish(const char *arg, struct port_map *out, struct error *err)
{
  _cleanup_free_ char *copy = xstrdup(arg);
  memset(out, 0, sizeof *out);
  char *proto = strrchr(copy, '/');
  if (proto) {
    *proto++ = '\0';
    if (!strcmp(proto, "udp"))
      out->proto = PROTO_UDP;
    else if (strcmp(proto, "tcp"))
      return error_set(err, 0, "bad --publish `%s`: unknown protocol `%s`\nuse tcp or udp", arg, proto);
  }
  char *rest = copy;
  if (rest[0] == '[') {
    /* [IPv6]:HOST_PORT:SANDBOX_PORT */
    char *close_br = strchr(rest, ']');
    if (!close_br || close_br[1] != ':')
      return error_set(err, 0, "bad --publish `%s`: write an IPv6 address as [ADDR]:HOST_PORT:SANDBOX_PORT", arg);
    *close_br = '\0';
    snprintf(out->host_ip, sizeof out->host_ip, "%s", rest + 1);
    rest = close_br + 2;
  } else {
    char *c1 = strchr(rest, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1)
      return error_set(err, 0, "bad --publish `%s`: use [HOST_IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp], e.g. -p 8080:80", arg);
    if (c2) {
      *c1 = '\0';
      snprintf(out->host_ip, sizeof out->host_ip, "%s", rest);
      rest = c1 + 1;
    }
  }
  char *colon = strchr(rest, ':');
  if (!colon || strchr(colon + 1, ':'))
    return error_set(err, 0, "bad --publish `%s`: use [HOST_IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp], e.g. -p 8080:80", arg);
  *colon = '\0';
  int r;
  if ((r = parse_port(rest, arg, &out->host_port, err)) < 0 || (r = parse_port(colon + 1, arg, &out->sandbox_port, err)) < 0)
    return r;
  if (out->host_ip[0]) {
    struct in6_addr a6;
    struct in_addr a4;
    if (inet_pton(AF_INET, out->host_ip, &a4) != 1 && inet_pton(AF_INET6, out->host_ip, &a6) != 1)
      return error_set(err, 0, "bad --publish `%s`: `%s` is not an IP address", arg, out->host_ip);
  }
  return 0;
}

int net_bind_port(const struct port_map *p, bool listening, struct error *err)
{
  /* All addresses: [::] with V6ONLY off takes IPv4 too; IPv4 alone where the
   * host has no IPv6. */
  bool v6 = strchr(p->host_ip, ':') != NULL || !p->host_ip[0];
  int type = (p->proto == PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK;
  int fd = socket(v6 ? AF_INET6 : AF_INET, type, 0);
  if (fd < 0 && v6 && !p->host_ip[0]) {
    v6 = false;
    fd = socket(AF_INET, type, 0);
  }
  if (fd < 0)
    return error_set(err, errno, "socket for port %u", p->host_port);
  int one = 1, zero = 0, r;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (v6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(p->host_port), .sin6_addr = in6addr_any};
    if (p->host_ip[0])
      inet_pton(AF_INET6, p->host_ip, &a.sin6_addr);
    r = bind(fd, (struct sockaddr *) &a, sizeof a);
  } else {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(p->host_port)};
    if (p->host_ip[0])
      inet_pton(AF_INET, p->host_ip, &a.sin_addr);
    r = bind(fd, (struct sockaddr *) &a, sizeof a);
  }
  if (r == 0 && listening && p->proto == PROTO_TCP)
    r = listen(fd, 512);
  if (r == 0)
    return fd;
  int e = errno;
  close(fd);
  const char *proto = p->proto == PROTO_UDP ? "udp" : "tcp";
  const char *ip = p->host_ip[0] ? p->host_ip : "all addresses";
  if (e == EADDRINUSE)
    return error_set(err, 0, "cannot publish port %u/%s on %s: it is already in use\npick another HOST_PORT", p->host_port, proto, ip);
  if (e == EACCES)
    return error_set(err, 0, "cannot publish port %u/%s on %s: ports below 1024 need privileges\nuse a higher HOST_PORT, e.g. -p 8080:%u (or ask an administrator for sysctl net.ipv4.ip_unprivileged_port_start=%u)",
                     p->host_port, proto, ip, p->sandbox_port, p->host_port);
  return error_set(err, e, "cannot publish port %u/%s on %s", p->host_port, proto, ip);
}

int net_resolve(const struct spec *s, bool check_ports, struct plan *p, struct error *err)
{
  enum net_mode mode = s->network;
  /* With --port-driver socket the command takes the host's own sockets
   * (sockact.c): they need no network of the sandbox's, and combine with
   * any mode, none (the default) included. */
  bool need_net = s->n_ports && s->port_driver != PORT_DRIVER_SOCKET;
  if (need_net && (mode == NET_NONE || mode == NET_HOST))
    return error_set(err, 0, "--publish needs a network of the sandbox's own: with --network %s there is nothing to "
                     "publish; drop --network or use --network pasta or slirp4netns", net_mode_name(mode));
  if (mode == NET_UNSET)
    mode = need_net ? NET_AUTO : NET_NONE;
  if (mode == NET_AUTO) {
    _cleanup_free_ char *pasta = find_program("pasta");
    _cleanup_free_ char *slirp = find_program("slirp4netns");
    if (!pasta && !slirp)
      return error_set(err, 0, "--network auto: neither pasta nor slirp4netns is installed\ninstall one (Debian: apt install passt), or use --network none");
    mode = pasta ? NET_PASTA : NET_SLIRP4NETNS;
  } else if (mode == NET_PASTA || mode == NET_SLIRP4NETNS) {
    const char *name = mode == NET_PASTA ? "pasta" : "slirp4netns";
    _cleanup_free_ char *prog = find_program(name);
    if (!prog)
      return error_set(err, 0, "--network %s: `%s` not found\ninstall it (Debian: apt install %s)", name, name,
                       mode == NET_PASTA ? "passt" : "slirp4netns");
  }
  p->network = mode;
  p->allow_host_loopback = s->allow_host_loopback;
  p->port_driver = s->port_driver == PORT_DRIVER_UNSET ? PORT_DRIVER_HUTCH : s->port_driver;
  p->ports = xcalloc(s->n_ports, sizeof *p->ports);
  p->n_ports = s->n_ports;
  if (s->n_ports)
    memcpy(p->ports, s->ports, s->n_ports * sizeof *p->ports);
  for (size_t i = 0; i < s->n_ports && check_ports; i++) {
    for (size_t j = 0; j < i; j++)
      if (s->ports[j].host_port == s->ports[i].host_port && s->ports[j].proto == s->ports[i].proto &&
          !strcmp(s->ports[j].host_ip, s->ports[i].host_ip))
        return error_set(err, 0, "port %u is published twice\ngive each -p its own HOST_PORT", s->ports[i].host_port);
    /* Bound the way the helper or the forwarder will, to fail early. */
    int fd = net_bind_port(&s->ports[i], false, err);
    if (fd < 0)
      return fd;
    close(fd);
  }
  return 0;
}

char *net_resolv_conf(enum net_mode mode)
{
  switch (mode) {
  case NET_HOST: {
    char *host = read_file("/etc/resolv.conf", READ_FILE_SMALL, NULL);
    return host ? host : xstrdup("");
  }
  case NET_PASTA:
    return xstrdup("nameserver " PASTA_DNS "\n");
  case NET_SLIRP4NETNS:
    return xstrdup("nameserver " SLIRP_DNS "\n");
  case NET_UNSET:
  case NET_NONE:
  case NET_AUTO:
    break;
  }
  return xstrdup("# hutch: this sandbox has no network (--network none)\n");
}

int net_loopback_up_quiet(const char **what)
{
  struct ifreq ifr = {.ifr_name = "lo"};
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;
  *what = "read the flags of lo";
  /* errno may be another process's too (netns-beside.c): a failure stays
   * one whatever it reads. */
  if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
    r = errno ? -errno : -EIO;
  } else {
    *what = "bring lo up";
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
      r = errno ? -errno : -EIO;
  }
  if (fd >= 0)
    close(fd);
  return r;
}

int net_loopback_up(struct error *err)
{
  const char *what;
  int r = net_loopback_up_quiet(&what);
  return r < 0 ? error_set(err, -r, "%s", what) : 0;
}

/* The helper, with the namespace fds at known numbers, dying with hutch,
 * out of the terminal's process group. */
static pid_t spawn_helper(char **argv, const char *path, const int *keep, size_t n_keep, enum proc_stdio out,
                          struct error *err)
{
  struct proc_spawn ps = {
    .argv = argv, .path = path, .keep = keep, .n_keep = n_keep, .out = out, .errout = out, .err_fd = -1,
    .death_signal = SIGKILL, .own_pgrp = true,
  };
  return proc_spawn(&ps, err);
}

/* The pasta to exec, by its path (NULL: none in PATH). passt's packages
 * build it twice, and the plain pasta, first of all, execs its AVX2 build
 * (pasta.avx2, beside it) where the CPU has AVX2: on the published port's
 * path, that second exec costs 2-3 ms. Where that is what pasta would do,
 * this is pasta.avx2 from pasta's own directory (argv[0] stays "pasta").
 * The CPU's features are asked of the C library, which the dynamic loader
 * filled in at start: GCC's __builtin_cpu_supports would link in a
 * constructor that runs cpuid at every start of hutch, and a virtual
 * machine traps each cpuid (8-9 us each on the benchmark's VM, about 0.1 ms
 * a launch). */
static char *pasta_program(void)
{
  char *pasta = find_program("pasta");
#if defined(__x86_64__) && defined(CPU_FEATURE_ACTIVE)
  char *slash = pasta ? strrchr(pasta, '/') : NULL;
  if (!slash || !CPU_FEATURE_ACTIVE(AVX2))
    return pasta;
  char *avx2 = xasprintf("%.*s/pasta.avx2", (int) (slash - pasta), pasta);
  if (access(avx2, X_OK) == 0) {
    free(pasta);
    return avx2;
  }
  free(avx2);
#endif
  return pasta;
}

/* pasta logs to the system logger, or to a file it truncates: at debug
 * level it gets a pipe instead, and a small reader passes its lines on to
 * hutch's stderr, each marked as pasta's. The reader ends when pasta closes
 * the pipe, or dies with hutch. */
static void log_reader(void *arg)
{
  int fd = *(int *) arg;
  FILE *in = fdopen(fd, "r");
  char line[1024];
  while (in && fgets(line, sizeof line, in))
    dprintf(STDERR_FILENO, "hutch: pasta: %s%s", line, strchr(line, '\n') ? "" : "\n");
  _exit(0);
}

static int pasta_log_pipe(int *write_end, struct error *err)
{
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return error_set(err, errno, "pipe for pasta's log");
  struct proc_spawn ps = {
    .fn = log_reader, .arg = &p[0], .keep = &p[0], .n_keep = 1, .out = PROC_INHERIT, .errout = PROC_INHERIT,
    .err_fd = -1, .death_signal = SIGKILL,
  };
  pid_t pid = proc_spawn(&ps, err);
  close(p[0]);
  if (pid < 0) {
    close(p[1]);
    return pid;
  }
  *write_end = p[1];
  return 0;
}

/* ------------------------------------------------------- the route watch */

/* Read what netlink has for nl (without waiting, unless block) until want4
 * and want6 (where asked) have a default route in the main table. Returns
 * 1 once they have, 0 when more is to come, -1 when the socket fails (a
 * dump's end also returns). */
static int await_default_routes(int nl, bool block, bool want4, bool want6, bool *have4, bool *have6)
{
  char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
  while ((want4 && !*have4) || (want6 && !*have6)) {
    ssize_t n = recv(nl, buf, sizeof buf, block ? 0 : MSG_DONTWAIT);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return 0;
    if (n <= 0)
      return -1;
    size_t len = (size_t) n;
    for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
        return 0;  /* the end of a dump */
      if (h->nlmsg_type != RTM_NEWROUTE)
        continue;
      const struct rtmsg *r = NLMSG_DATA(h);
      if (r->rtm_dst_len != 0 || r->rtm_table != RT_TABLE_MAIN || r->rtm_type != RTN_UNICAST)
        continue;
      *have4 |= r->rtm_family == AF_INET;
      *have6 |= r->rtm_family == AF_INET6;
    }
  }
  return 1;
}

/* A netlink socket on the namespace we are in, subscribed to groups, with
 * a dump of the routes requested when asked. */
static int route_socket(unsigned groups, bool dump)
{
  int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = groups};
  struct {
    struct nlmsghdr h;
    struct rtmsg r;
  } req = {
    .h = {.nlmsg_len = sizeof req, .nlmsg_type = RTM_GETROUTE, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1},
    .r = {.rtm_family = AF_UNSPEC},
  };
  if (nl < 0 || bind(nl, (struct sockaddr *) &sa, sizeof sa) < 0 || (dump && send(nl, &req, sizeof req, 0) < 0)) {
    if (nl >= 0)
      close(nl);
    return -1;
  }
  return nl;
}

bool net_watches_routes(const struct plan *p)
{
  return p->network == NET_PASTA;
}

int net_route_socket(const struct plan *p)
{
  return net_watches_routes(p) ? route_socket(RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE, false) : -1;
}

/* Which families the host has a default route for: those pasta copies. */
static void host_default_routes(bool *v4, bool *v6)
{
  *v4 = *v6 = false;
  _cleanup_close_ int nl = route_socket(0, true);
  if (nl >= 0)
    await_default_routes(nl, true, true, true, v4, v6);  /* returns at the dump's end */
}

/* Watch routes_fd (net_route_socket, made before pasta started, so that no
 * route can come unseen) where it can say more than pasta's pid file: pasta
 * publishes no port itself (a port of its own is bound only just before
 * the pid file) and the host has a default route pasta will copy. */
static void start_route_watch(int routes_fd, struct net_helper *h)
{
  host_default_routes(&h->want4, &h->want6);
  if (routes_fd < 0 || (!h->want4 && !h->want6))
    return;
  h->watch_fd = fcntl(routes_fd, F_DUPFD_CLOEXEC, 3);
}

/* The lender. pasta gets its namespaces, its pid file and its log as paths,
 * not as descriptors it inherits: passt closes every descriptor but the
 * standard three as it starts (since 2024; Debian 12's does not). The
 * paths are /proc/LENDER/fd/N, of a child of hutch's that holds them until
 * the helper stops. Not hutch's own /proc/PID/fd: pasta opens the network
 * namespace (and a newer pasta its pid file) once it has joined the
 * sandbox's user namespace, and from there the kernel's ptrace access
 * check, which guards /proc/PID/fd, lets it only into a process of that
 * namespace that holds no capability pasta lacks. So the lender joins the
 * namespace and drops every capability, before proc_spawn returns, and
 * then only waits, every signal blocked and out of the terminal's process
 * group (a ^C must not take pasta's namespace away), to be killed. It is
 * dumpable, as it must be for that, where the keeper and init are not, and
 * outside the sandbox's pid namespace: the sandbox cannot name it. Joining
 * changes no credential the kernel weighs for dumpability or for the
 * parent-death signal: hutch's user owns the namespace (or its parent, the
 * holder's); the signal is set again all the same. */
static int lender_join(void *arg)
{
  pid_t parent = getppid();
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  if (setns(*(const int *) arg, CLONE_NEWUSER) < 0)
    return -errno;
  proc_die_with_parent(parent, SIGKILL);
  capng_clear(CAPNG_SELECT_CAPS);
  errno = EPERM;
  return capng_apply(CAPNG_SELECT_CAPS) < 0 ? -errno : 0;
}

static void lender_wait(void *arg)
{
  (void) arg;
  for (;;)
    pause();
}

static pid_t spawn_lender(int userns, const int *fds, size_t n_fds, struct error *err)
{
  char *const argv[] = {"pasta's lender", NULL};
  struct proc_spawn ps = {
    .argv = argv, .fn = lender_wait, .prepare = lender_join, .arg = &userns, .keep = fds, .n_keep = n_fds,
    .out = PROC_NULL, .errout = PROC_NULL, .err_fd = -1, .death_signal = SIGKILL, .own_pgrp = true,
  };
  return proc_spawn(&ps, err);
}

static char *lent_path(const struct net_helper *h, int fd)
{
  return xasprintf("/proc/%d/fd/%d", (int) h->lender, fd);
}

/* Whether /proc/LENDER/fd/netns is netns: a /proc of another pid
 * namespace than hutch's (hutch in a container that did not mount its own)
 * would name some other process. */
static bool lent_right(const struct net_helper *h, int netns)
{
  _cleanup_free_ char *path = lent_path(h, netns);
  struct stat a, b;
  return stat(path, &a) == 0 && fstat(netns, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int start_pasta(const struct plan *s, const struct runtime *rt, int netns, int userns, int routes_fd,
                       struct net_helper *h, struct error *err)
{
  /* By its path: argv[0] is no name to look up. */
  _cleanup_free_ char *path = pasta_program();
  if (!path)
    return error_set(err, ENOENT, "`pasta` not found\ninstall it (Debian: apt install passt)");
  int pid_pipe[2];
  /* Non-blocking at both ends: pasta opens the write end afresh. */
  if (pipe2(pid_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
    return error_set(err, errno, "pipe for pasta's pid file");
  h->ready_fd = pid_pipe[0];
  _cleanup_close_ int pid_out = pid_pipe[1];
  _cleanup_close_ int log_fd = -1;
  bool logs = log_level >= LOG_DEBUG;
  if (logs) {
    int r = pasta_log_pipe(&log_fd, err);
    if (r < 0)
      return r;
  }
  int lent[] = {userns, netns, pid_out, log_fd};
  h->lender = spawn_lender(userns, lent, logs ? 4 : 3, err);
  if (h->lender < 0) {
    int r = h->lender;
    h->lender = 0;
    return error_wrap(err, r, "hold pasta's descriptors");
  }
  if (!lent_right(h, netns))
    return error_set(err, 0, "/proc/%d is not the process hutch started: /proc belongs to another pid namespace\n"
                     "mount a /proc of hutch's own pid namespace (or use --network slirp4netns)", (int) h->lender);
  char **argv = NULL;
  size_t n = 0;
  /* Named after the run directory (pasta only looks at its last part):
   * `ps` shows which sandbox a pasta serves, as its arguments, all
   * descriptors, would not; the tests find one that outlived it so. */
  strv_append(&argv, &n, xasprintf("%s/pasta", rt->dir));
  strv_append(&argv, &n, xstrdup("--config-net"));
  strv_append(&argv, &n, xstrdup("--foreground"));
  if (!logs) {
    strv_append(&argv, &n, xstrdup("--quiet"));
  } else {
    strv_append(&argv, &n, xstrdup("--log-file"));
    strv_append(&argv, &n, lent_path(h, log_fd));
  }
  /* pasta forwards every port both ways by default ("auto"): publish only
   * what was asked, and nothing from the sandbox to the host's loopback. */
  bool have_tcp = false, have_udp = false;
  for (size_t i = 0; i < s->n_ports; i++) {
    const struct port_map *p = &s->ports[i];
    bool udp = p->proto == PROTO_UDP;
    if ((!udp && s->port_driver == PORT_DRIVER_HUTCH) || s->port_driver == PORT_DRIVER_SOCKET)
      continue;  /* hutch's own forwarder carries it, or the command has the socket */
    strv_append(&argv, &n, xstrdup(udp ? "-u" : "-t"));
    strv_append(&argv, &n, p->host_ip[0] ? xasprintf("%s/%u:%u", p->host_ip, p->host_port, p->sandbox_port)
                                         : xasprintf("%u:%u", p->host_port, p->sandbox_port));
    have_udp |= udp;
    have_tcp |= !udp;
  }
  if (!have_tcp) {
    strv_append(&argv, &n, xstrdup("-t"));
    strv_append(&argv, &n, xstrdup("none"));
  }
  if (!have_udp) {
    strv_append(&argv, &n, xstrdup("-u"));
    strv_append(&argv, &n, xstrdup("none"));
  }
  static const char *const fixed[] = {"-T", "none", "-U", "none", "--dns-forward", PASTA_DNS};
  for (size_t i = 0; i < N_ELEMENTS(fixed); i++)
    strv_append(&argv, &n, xstrdup(fixed[i]));
  if (!s->allow_host_loopback)
    strv_append(&argv, &n, xstrdup("--no-map-gw"));
  strv_append(&argv, &n, xstrdup("--netns"));
  strv_append(&argv, &n, lent_path(h, netns));
  strv_append(&argv, &n, xstrdup("--userns"));
  strv_append(&argv, &n, lent_path(h, userns));
  strv_append(&argv, &n, xstrdup("--pid"));
  strv_append(&argv, &n, lent_path(h, pid_out));
  _cleanup_strv_ char **args = argv;
  /* It inherits no descriptor but the standard three. With a log pipe,
   * what pasta also prints on stderr would come twice. */
  h->pid = spawn_helper(args, path, NULL, 0, logs ? PROC_NULL : PROC_DEBUG, err);
  if (h->pid < 0) {
    int r = h->pid;
    h->pid = 0;
    return r;
  }
  /* After pasta, so as not to delay it: it reads the host's routes. */
  if (!have_tcp && !have_udp)
    start_route_watch(routes_fd, h);
  h->binds_host = have_tcp || have_udp;
  return 0;
}

static int start_slirp(const struct plan *s, const struct runtime *rt, int netns, int userns,
                       struct net_helper *h, struct error *err)
{
  int ready[2], ex[2];
  if (pipe2(ready, O_CLOEXEC) < 0)
    return error_set(err, errno, "pipe");
  if (pipe2(ex, O_CLOEXEC) < 0) {
    close(ready[0]);
    close(ready[1]);
    return error_set(err, errno, "pipe");
  }
  h->api_socket = xasprintf("%s/slirp.sock", rt->dir);
  char **argv = NULL;
  size_t n = 0;
  strv_append(&argv, &n, xstrdup("slirp4netns"));
  strv_append(&argv, &n, xstrdup("--configure"));
  strv_append(&argv, &n, xstrdup("--mtu=65520"));
  strv_append(&argv, &n, xstrdup("--enable-ipv6"));
  if (!s->allow_host_loopback)
    strv_append(&argv, &n, xstrdup("--disable-host-loopback"));
  strv_append(&argv, &n, xasprintf("--ready-fd=%d", ready[1]));
  strv_append(&argv, &n, xasprintf("--exit-fd=%d", ex[0]));
  strv_append(&argv, &n, xasprintf("--api-socket=%s", h->api_socket));
  strv_append(&argv, &n, xstrdup("--netns-type=path"));
  strv_append(&argv, &n, xasprintf("--userns-path=/proc/self/fd/%d", userns));
  strv_append(&argv, &n, xasprintf("/proc/self/fd/%d", netns));
  strv_append(&argv, &n, xstrdup("tap0"));
  _cleanup_strv_ char **args = argv;
  int keep[] = {netns, userns, ready[1], ex[0]};
  h->pid = spawn_helper(args, NULL, keep, N_ELEMENTS(keep), PROC_DEBUG, err);
  close(ready[1]);
  close(ex[0]);
  h->ready_fd = ready[0];
  h->exit_fd = ex[1];
  h->binds_host = true;
  if (h->pid < 0) {
    int r = h->pid;
    h->pid = 0;
    return r;
  }
  return 0;
}

bool net_has_helper(const struct plan *p)
{
  return p->network == NET_PASTA || p->network == NET_SLIRP4NETNS;
}

int net_start(const struct plan *s, const struct runtime *rt, int netns_fd, int routes_fd, struct net_helper *h,
              struct error *err)
{
  h->pid = h->lender = 0;
  h->ready_fd = h->exit_fd = h->watch_fd = -1;
  if (!net_has_helper(s))
    return 0;
  /* The helper must join the user namespace that owns the network namespace
   * to have CAP_NET_ADMIN there; the kernel hands it to us from the netns. */
  _cleanup_close_ int userns = ioctl(netns_fd, NS_GET_USERNS);
  if (userns < 0)
    return error_set(err, errno, "find the sandbox's user namespace");
  if (s->network == NET_PASTA)
    return start_pasta(s, rt, netns_fd, userns, routes_fd, h, err);
  return start_slirp(s, rt, netns_fd, userns, h, err);
}

/* One request to slirp4netns's API socket; the answer is JSON too. */
static int slirp_api(const char *sock_path, json_object *req, struct error *err)
{
  _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "%s", sock_path);
  if (fd < 0 || connect(fd, (struct sockaddr *) &a, sizeof a) < 0)
    return error_set(err, errno, "connect to slirp4netns at `%s`", sock_path);
  const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
  if (write_all(fd, text, strlen(text)) < 0)
    return error_set(err, errno, "write to slirp4netns");
  shutdown(fd, SHUT_WR);
  char buf[4096];
  size_t len = 0;
  ssize_t r;
  while (len < sizeof buf - 1 && (r = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
    len += (size_t) r;
  buf[len] = '\0';
  json_object *resp = json_tokener_parse(buf);
  json_object *e = NULL;
  int ret = 0;
  if (!resp)
    ret = error_set(err, 0, "slirp4netns answered `%s`", buf);
  else if (json_object_object_get_ex(resp, "error", &e))
    ret = error_set(err, 0, "slirp4netns: %s", json_object_to_json_string(e));
  json_object_put(resp);
  return ret;
}

static int slirp_publish(const struct plan *s, struct net_helper *h, struct error *err)
{
  for (size_t i = 0; i < s->n_ports; i++) {
    const struct port_map *p = &s->ports[i];
    if ((p->proto == PROTO_TCP && s->port_driver == PORT_DRIVER_HUTCH) || s->port_driver == PORT_DRIVER_SOCKET)
      continue;  /* hutch's own forwarder carries it, or the command has the socket */
    json_object *req = json_object_new_object(), *args = json_object_new_object();
    json_object_object_add(req, "execute", json_object_new_string("add_hostfwd"));
    json_object_object_add(args, "proto", json_object_new_string(p->proto == PROTO_UDP ? "udp" : "tcp"));
    json_object_object_add(args, "host_addr", json_object_new_string(p->host_ip[0] ? p->host_ip : "0.0.0.0"));
    json_object_object_add(args, "host_port", json_object_new_int(p->host_port));
    json_object_object_add(args, "guest_addr", json_object_new_string(SLIRP_GUEST));
    json_object_object_add(args, "guest_port", json_object_new_int(p->sandbox_port));
    json_object_object_add(req, "arguments", args);
    int r = slirp_api(h->api_socket, req, err);
    json_object_put(req);
    if (r < 0)
      return error_wrap(err, r, "publish port %u", p->host_port);
  }
  return 0;
}

int net_wait_ready(const struct plan *s, struct net_helper *h, int stop_fd, struct error *err)
{
  if (h->pid <= 0)
    return 0;
  const char *name = s->network == NET_PASTA ? "pasta" : "slirp4netns";
  unsigned long long deadline = now_usec() + 10ULL * 1000000ULL;
  for (;;) {
    unsigned long long now = now_usec();
    if (now >= deadline)
      return error_set(err, 0, "%s did not set up the sandbox's network within 10 s\nrun with --log-level debug "
                       "to see its messages, or `hutch doctor`", name);
    struct pollfd p[3] = {{.fd = h->ready_fd, .events = POLLIN}, {.fd = stop_fd, .events = POLLIN},
                          {.fd = h->watch_fd, .events = POLLIN}};
    /* A helper that exits says so on no fd: look at it every 100 ms. */
    unsigned long long wait_ms = (deadline - now) / 1000 + 1;
    int r = poll(p, 3, wait_ms < 100 ? (int) wait_ms : 100);
    if (r < 0 && errno != EINTR)
      return error_set(err, errno, "poll");
    if (r > 0 && (p[1].revents & POLLIN))
      return -EINTR;
    int status;
    if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
      h->pid = 0;
      return error_set(err, 0, "%s failed to set up the sandbox's network (exit %d)\nrun with --log-level debug to see its messages",
                       name, proc_exit_status(status));
    }
    char c;
    if (r > 0 && p[2].revents) {
      int w = await_default_routes(h->watch_fd, false, h->want4, h->want6, &h->have4, &h->have6);
      if (w > 0) {
        log_debug("pasta has configured the sandbox's network (default routes seen)");
        break;
      }
      if (w < 0)
        close_fd(&h->watch_fd);  /* lost events (ENOBUFS): the pid file decides */
    }
    if (r > 0 && p[0].revents) {
      /* slirp4netns's "1"; pasta's pid. An end without it: slirp4netns
       * died (pasta's lender holds the pipe: a dead pasta closes nothing),
       * which waitpid sees within 100 ms. */
      ssize_t n = read(h->ready_fd, &c, 1);
      if (n == 1)
        break;
      if (n == 0 || (errno != EAGAIN && errno != EINTR))
        close_fd(&h->ready_fd);
    }
  }
  close_fd(&h->watch_fd);
  if (s->network == NET_SLIRP4NETNS)
    return slirp_publish(s, h, err);
  return 0;
}

void net_stop_begin(struct net_helper *h)
{
  if (h->pid > 0)
    kill(h->pid, SIGTERM);
}

void net_stop(struct net_helper *h, bool let_go)
{
  if (let_go && h->pid > 0 && !h->binds_host) {
    kill(h->pid, SIGKILL);
    h->pid = 0;
    if (h->lender > 0)
      kill(h->lender, SIGKILL);
    h->lender = 0;
  }
  close_fd(&h->exit_fd);
  close_fd(&h->ready_fd);
  close_fd(&h->watch_fd);
  proc_kill(&h->pid, SIGTERM);
  proc_kill(&h->lender, SIGKILL);
  if (h->api_socket)
    unlink(h->api_socket);
  free(h->api_socket);
  h->api_socket = NULL;
}
