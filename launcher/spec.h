/* spec.h: what the user asked for. The command line (and profiles, through
 * the same option table) fill a struct spec; nothing in it is checked
 * against the machine yet, and what was not asked for stays UNSET, distinct
 * from any default. spec_resolve() (plan.h) turns it into a struct plan. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "desktop.h"
#include "error.h"
#include "limits.h"
#include "service.h"
#include "sockact.h"

/* Every enum starts with its UNSET value, 0, so a zeroed spec asks for
 * nothing. */
enum tristate { TRI_UNSET, TRI_OFF, TRI_ON };
enum userns_mode { USERNS_UNSET, USERNS_AUTO, USERNS_SINGLE, USERNS_KEEP_ID };
enum overlay_mode { OVERLAY_UNSET, OVERLAY_AUTO, OVERLAY_KERNEL, OVERLAY_FUSE };
enum upper_kind { UPPER_UNSET, UPPER_TMPFS, UPPER_DISK };
enum seccomp_mode { SECCOMP_UNSET, SECCOMP_DEFAULT, SECCOMP_UNCONFINED, SECCOMP_FILE };
enum net_mode { NET_UNSET, NET_NONE, NET_HOST, NET_PASTA, NET_SLIRP4NETNS, NET_AUTO };
/* Who carries published TCP ports: hutch's own splice forwarder, or the
 * network backend (pasta, slirp4netns). UDP always goes through the backend.
 * With socket, no one: the command gets the host's sockets (sockact.h). */
enum port_driver { PORT_DRIVER_UNSET, PORT_DRIVER_HUTCH, PORT_DRIVER_BACKEND, PORT_DRIVER_SOCKET };

/* A volume the user asked for: -v SRC:DST[:ro|rw] or --tmpfs DST. */
enum volume_kind { VOLUME_BIND, VOLUME_TMPFS };
struct volume {
  enum volume_kind kind;
  char *src;      /* absolute host path (VOLUME_BIND), not yet checked */
  char *dst;      /* absolute path inside the sandbox, normalised */
  bool read_only;
};

/* A published port: -p [HOST_IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp]. */
enum port_proto { PROTO_TCP, PROTO_UDP };
struct port_map {
  char host_ip[64];          /* "" for all addresses */
  unsigned short host_port, sandbox_port;
  enum port_proto proto;
};

struct spec {
  char *root;                 /* ROOT as given (DIR, layers:DIR) */
  char **argv;                /* the command; NULL: unset */

  enum userns_mode userns;
  enum overlay_mode overlay;
  enum upper_kind upper;      /* where the sandbox's writes go */
  char *upper_size;           /* tmpfs:SIZE, or NULL: tmpfs's default */
  enum tristate read_only;
  enum tristate read_only_tmpfs; /* tmpfs on /run and /var/tmp with --read-only */
  char *hostname;             /* NULL: unset */
  char **env;                 /* KEY=VAL, each key once, later settings won */
  size_t n_env;
  char *workdir;              /* NULL: unset */
  char *user;                 /* -u USER[:GROUP] as given, NULL: unset */
  int preserve_fds;           /* -1: unset */
  enum tristate tty;          /* -t: a terminal even when stdin is none */
  enum tristate interactive;  /* -i: podman's; stdin is always passed */

  struct volume *volumes;
  size_t n_volumes;

  enum net_mode network;
  bool allow_host_loopback;   /* pasta:/slirp4netns:allow-host-loopback */
  struct port_map *ports;
  size_t n_ports;
  enum port_driver port_driver;
  struct sockact_inherited listen; /* the sockets hutch was started with */

  /* The security policy. */
  uint64_t cap_add, cap_drop; /* one bit per capability */
  bool cap_add_all, cap_drop_all;
  enum seccomp_mode seccomp;
  char *seccomp_file;         /* absolute path, with SECCOMP_FILE */
  enum tristate landlock;
  enum tristate mdwe;         /* memory-deny-write-execute */
  enum tristate multiarch;    /* --multiarch */
  char **unmask;              /* --unmask PATH..., or "ALL" */
  size_t n_unmask;

  struct limits_spec limits;  /* --ulimit, --pids-limit, --nice... (limits.h) */
  struct service_spec service; /* -d, --name, --rm, --restart (service.h) */

  /* hutch app */
  bool app;                   /* the root is a view of the host's system */
  enum app_home { APP_HOME_UNSET, APP_HOME_TMPFS, APP_HOME_PERSIST } app_home;
  bool socket_x11;            /* socket x11: the display's socket and DISPLAY */
  struct desktop_spec desktop; /* the other sockets, D-Bus, devices (desktop.h) */

  char **profiles;            /* --profile NAME|FILE, applied before the rest */
  size_t n_profiles;
  bool print_policy;
  bool no_holder;             /* --no-holder: map with the helpers (holder.h) */
  int log_level;              /* enum log_level, or -1: unset */
};

void spec_init(struct spec *s);
void spec_free(struct spec *s);
