/* spec.h: the sandbox specification. The command line (and later profiles)
 * is parsed once into a struct spec, validated fully, and then flows
 * unchanged through the launch recipe in run.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum userns_mode { USERNS_AUTO, USERNS_SINGLE, USERNS_KEEP_ID };
enum overlay_mode { OVERLAY_AUTO, OVERLAY_KERNEL, OVERLAY_FUSE };
enum root_kind { ROOT_DIR, ROOT_LAYERS };
enum seccomp_mode { SECCOMP_DEFAULT, SECCOMP_UNCONFINED, SECCOMP_FILE };
enum net_mode { NET_NONE, NET_HOST, NET_PASTA, NET_SLIRP4NETNS, NET_AUTO };

/* The mount plan: one typed entry per mount the user asked for, run in order
 * by rootfs_apply_mounts(). */
enum mount_kind { MOUNT_BIND, MOUNT_TMPFS };
struct mount_entry {
  enum mount_kind kind;
  char *src;      /* host path (MOUNT_BIND) */
  char *dst;      /* path inside the sandbox, always absolute */
  bool read_only;
};

/* One id mapping line: inside, outside, count (as in /proc/PID/uid_map). */
struct id_map {
  unsigned long inside, outside, count;
};
#define MAX_ID_MAPS 32  /* a newer kernel allows 340; newuidmap takes many */

/* A published port: -p [HOST_IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp]. */
enum port_proto { PROTO_TCP, PROTO_UDP };
/* Who carries published TCP ports: hutch's own splice forwarder, or the
 * network backend (pasta, slirp4netns). UDP always goes through the backend. */
enum port_driver { PORT_DRIVER_HUTCH, PORT_DRIVER_BACKEND };
struct port_map {
  char host_ip[64];          /* "" for all addresses */
  unsigned short host_port, sandbox_port;
  enum port_proto proto;
};

struct spec {
  /* ROOT */
  char *root_arg;            /* as given, for messages */
  enum root_kind root_kind;
  char **layers;             /* lower layers, bottom first, absolute paths */
  size_t n_layers;

  char **argv;               /* command and arguments */

  enum userns_mode userns;
  enum overlay_mode overlay;
  bool read_only;
  char *hostname;
  char **env;                /* KEY=VAL, later entries win */
  size_t n_env;
  char *workdir;
  bool user_set;             /* -u given; else the caller's id inside */
  uid_t uid;                 /* inside the sandbox */
  gid_t gid;
  int preserve_fds;

  struct mount_entry *mounts;
  size_t n_mounts;

  enum net_mode network;
  bool network_set;
  bool allow_host_loopback;  /* pasta:/slirp4netns:allow-host-loopback */
  struct port_map *ports;
  size_t n_ports;
  enum port_driver port_driver;

  /* Security policy (caps.c, seccomp.c, landlock.c, rootfs.c's masks). */
  uint64_t cap_add, cap_drop;   /* --cap-add/--cap-drop, one bit per capability */
  bool cap_add_all, cap_drop_all;
  uint64_t caps;                /* the command's set, and the bounding set */
  enum seccomp_mode seccomp;
  char *seccomp_file;           /* the profile's path (default or FILE) */
  bool landlock_off;
  char **unmask;                /* --unmask PATH..., or "ALL" */
  size_t n_unmask;
  bool print_policy;
};

void spec_free(struct spec *s);
