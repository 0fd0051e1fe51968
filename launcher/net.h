/* net.h: the sandbox's network: none (only lo), host, or user-mode
 * networking by pasta or slirp4netns, with published ports. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "plan.h"
#include "runtime.h"
#include "spec.h"

/* Parsing, for options.c (and the unit tests). */
int net_parse_mode(const char *arg, struct spec *s, struct error *err);
int net_parse_publish(const char *arg, struct port_map *out, struct error *err);
/* For spec_resolve: settle the mode (auto: pasta, else slirp4netns), refuse
 * ports with none/host, and with check_ports check every published port is
 * free on the host. */
int net_resolve(const struct spec *s, bool check_ports, struct plan *p, struct error *err);
const char *net_mode_name(enum net_mode m);
/* Bind a published port on the host (and listen, for TCP, when asked).
 * Returns the socket, or a negative errno with a message naming the fix. */
int net_bind_port(const struct port_map *p, bool listening, struct error *err);

/* The text of the sandbox's /etc/resolv.conf. */
char *net_resolv_conf(enum net_mode mode);

/* In init: bring lo up in the sandbox's own network namespace. */
int net_loopback_up(struct error *err);
/* The same, with no message: 0, or the failed call's -errno, its name in
 * *what. It allocates nothing and writes no errno on success, for a child
 * that shares hutch's memory (netns-beside.c). */
int net_loopback_up_quiet(const char **what);

/* In hutch: the helper serving the sandbox's network namespace. */
struct net_helper {
  pid_t pid;
  int ready_fd;     /* readable when the helper is ready (pasta: its pid file) */
  int exit_fd;      /* slirp4netns: closing it stops the helper */
  char *api_socket; /* slirp4netns: for port forwarding */
  int watch_fd;     /* pasta: the sandbox's route changes (net_route_socket) */
  pid_t lender;     /* pasta: holds what pasta opens by path (net.c) */
  bool binds_host;  /* it listens on host ports itself (pasta's own
                     * forwarding, a UDP port; slirp4netns always) */
  bool want4, want6;  /* ... the default routes awaited there */
  bool have4, have6;  /* ... and those seen */
};
#define NET_HELPER_INIT {.pid = 0, .lender = 0, .ready_fd = -1, .exit_fd = -1, .watch_fd = -1}
/* Whether the launch runs a network helper (pasta or slirp4netns). */
bool net_has_helper(const struct plan *p);
/* Whether the launch's helper is watched on the sandbox's route changes
 * (pasta): then ROUTES (sync.h) follows NETNS, from the keeper to hutch. */
bool net_watches_routes(const struct plan *p);
/* In the sandbox's new network namespace, before the helper starts: a
 * netlink socket on its route changes, for net_start (where
 * net_watches_routes; -1 otherwise, or if it cannot be had). */
int net_route_socket(const struct plan *p);
/* Start the helper on netns_fd; routes_fd is net_route_socket's, or -1
 * (net_start takes a copy). */
int net_start(const struct plan *s, const struct runtime *rt, int netns_fd, int routes_fd, struct net_helper *h,
              struct error *err);
/* Wait until the helper is ready and the ports are published, at most 10 s.
 * Returns -EINTR, without reading it, when stop_fd becomes readable. */
int net_wait_ready(const struct plan *s, struct net_helper *h, int stop_fd, struct error *err);
/* Stop the helper and wait for its end. With let_go, when hutch is about
 * to exit and the helper holds nothing on the host that a next launch could
 * meet (no host port: hutch's forwarder carries TCP), it is killed and not
 * waited for: pasta's exit takes 15-45 ms of the kernel's time (its tap
 * device's teardown), which then no longer holds back the command's status.
 * Whoever reaps hutch's orphans reaps it. */
void net_stop(struct net_helper *h, bool let_go);
/* Only tell the helper to stop (net_stop then waits for it, or lets it
 * go): its exit can pass while the sandbox is torn down too. */
void net_stop_begin(struct net_helper *h);
