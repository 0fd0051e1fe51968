/* plan.h: what a launch will do, with nothing left implicit. spec_resolve()
 * turns a struct spec (what the user asked for) into a struct plan: the id
 * maps, the layers, the network mode chosen, the final capability set, the
 * compiled seccomp filter, the bound ports, and the complete mount plan as
 * typed entries run in order. Everything that can fail on bad input fails
 * here, before any namespace exists, so hutch exits 125 with nothing to
 * clean up. --print-policy prints a plan. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dbusproxy.h"
#include "limits.h"
#include "log.h"
#include "portfwd.h"
#include "seccomp.h"
#include "sockact.h"
#include "spec.h"
#include "userns.h"
#include "xnest.h"

/* One step of the mount plan, run in order by rootfs_build() inside the
 * sandbox's mount namespace, before pivot_root. Paths are inside the new
 * root, and resolved there (never through a symlink out of it). */
enum mount_kind {
  MOUNT_PROC,       /* a fresh procfs */
  MOUNT_DEV,        /* a minimal /dev: tmpfs, the host's null zero full
                     * random urandom tty, a new devpts, /dev/shm, links */
  MOUNT_SYS,        /* a fresh sysfs (read-only) and cgroup2, or the host's
                     * /sys bound read-only where the kernel refuses one */
  MOUNT_TMPFS,      /* a fresh tmpfs, of mode data (octal) */
  MOUNT_BIND,       /* the host path src, recursively */
  MOUNT_FILE,       /* a file the keeper writes (data) beside the upper
                     * layer as src, bound at dst: /etc/hosts and the like */
  MOUNT_MASK,       /* hide dst: /dev/null over a file, an empty read-only
                     * tmpfs over a directory */
  MOUNT_READONLY,   /* make dst (recursively) read-only */
  MOUNT_SEAL_DEV,   /* make /dev itself read-only, once the volumes are in */
  MOUNT_SYMLINK,    /* a symbolic link at dst to src (hutch app's /bin ->
                     * usr/bin); made in the upper layer, not a mount */
  MOUNT_RUNDIR,     /* bind src, a name in the run directory: a socket of a
                     * helper hutch started (xdg-dbus-proxy, Xephyr) */
};

struct mount_entry {
  enum mount_kind kind;
  char *src;        /* MOUNT_BIND: host path; MOUNT_FILE: name beside the upper layer */
  char *dst;
  char *data;       /* MOUNT_FILE: the file's content; MOUNT_TMPFS: its
                     * mode, or MODE:UID:GID */
  size_t data_len;  /* MOUNT_FILE: its length, for content with NUL bytes
                     * (0: up to the first NUL) */
  bool private;     /* MOUNT_FILE: mode 0600, the command's (a cookie) */
  bool read_only;
};

struct plan {
  /* The root: the lower layers of the overlay, bottom first. */
  char **layers;
  struct layer_stat *layer_stats; /* each layer's top directory, where
                                * layers_resolve() read it; else NULL */
  size_t n_layers;
  bool squashfs;               /* layers[0] is a squashfs image the keeper
                                * mounts with squashfuse */
  bool squash_to_root;         /* ROOT is another user's: fuse-overlayfs
                                * shows every owner as root */
  enum overlay_mode overlay;   /* AUTO: kernel, falling back to fuse */
  char *fuse_uidmapping;       /* fuse-overlayfs's uidmapping= (keep-id), or NULL */
  char *fuse_gidmapping;
  bool upper_on_disk;          /* the writes: a tmpfs of the sandbox's own, or disk */
  char *upper_size;            /* the tmpfs's size=, or NULL */
  bool read_only;

  /* The command. */
  char **argv;
  char **env;                  /* the whole environment, defaults included */
  char **extra_env;            /* hutch app's DISPLAY and the like */
  size_t n_extra_env;
  bool app;                    /* hutch app: the root is a view of the host's */
  char *workdir;
  char *hostname;
  uid_t uid;                   /* the command's ids inside */
  gid_t gid;
  gid_t *groups;               /* supplementary groups (users.c) */
  size_t n_groups;
  char *home;                  /* HOME: the user's in the image's /etc/passwd */
  int preserve_fds;
  bool tty;                    /* stdin is a terminal: the command gets a pty */

  /* Ids. */
  struct userns_plan ids;

  /* Network. */
  enum net_mode network;       /* none, host, pasta or slirp4netns */
  bool allow_host_loopback;
  struct port_map *ports;
  size_t n_ports;
  enum port_driver port_driver;
  struct portfwd pf;           /* bound listeners, for hutch's forwarder */
  struct sockact sockets;      /* the command's fds 3.. (socket activation) */

  /* The policy. */
  uint64_t caps;               /* uid 0's set, and the bounding set */
  uint64_t caps_other_uid;     /* what a non-zero uid keeps (ambient) */
  enum seccomp_mode seccomp_mode;
  char *seccomp_file;          /* the profile's path, unless unconfined */
  struct seccomp_bpf seccomp;  /* compiled here, loaded by the command */
  bool landlock;
  bool mdwe;                   /* memory-deny-write-execute */
  bool multiarch;              /* --multiarch: the 32-bit entry passes the filter too */

  struct mount_entry *mounts;
  size_t n_mounts;

  /* hutch app's helpers, started by hutch before the keeper. */
  struct dbusproxy_plan dbus;
  struct xnest_plan xnest;
  char **notes;                /* what --print-policy says of the desktop */
  size_t n_notes;

  struct limits_plan limits;   /* set on the command's process (limits.h) */

  enum log_level log_level;
};

/* Resolve the spec against this machine. With policy_only (--print-policy
 * without ROOT), the root, the command and the ports are left out. */
int spec_resolve(const struct spec *s, bool policy_only, struct plan *p, struct error *err);
void plan_free(struct plan *p);

/* The plan itself, for --print-policy: ids, layers, mounts, ports, the
 * command. */
void plan_describe(const struct plan *p, FILE *f);
