/* rootfs.h: layers -> overlay (kernel or fuse), the mount plan's entries
 * for the root (/proc /dev /sys, volumes, masks) and their executor,
 * pivot_root. */
#pragma once

#include <stdio.h>
#include <sys/types.h>

#include "netns-beside.h"
#include "plan.h"
#include "runtime.h"
#include "spec.h"

struct overlay {
  enum overlay_mode backend;   /* what was actually mounted */
  char **layers;               /* the lower layers as mounted, bottom first */
  size_t n_layers;
  pid_t fuse_pid;              /* fuse-overlayfs, or 0 */
  pid_t squashfuse_pid;        /* squashfuse, or 0 */
  char *squashfs_mount;        /* where it mounted the image, or NULL */
  char *merged;
  char *rw_mount;              /* the sandbox's tmpfs for its writes, or NULL */
};

/* The kernel overlay of layers (bottom first) with upper and work, as a
 * detached mount fd; with upper NULL, read-only and with none (the stack
 * that the holder's spare keeps for the next launch, holder.c). With lower
 * NULL each layer is added with lowerdir+; a kernel without it gives
 * -EOPNOTSUPP, and the caller passes the whole lowerdir string as lower
 * instead. Used by the launch, by doctor and by the holder's spare. */
int rootfs_overlay_fs(char *const *layers, size_t n_layers, const char *lower, const char *upper,
                      const char *work, struct error *err);
/* An overlay on such a stack, its one lower layer given by descriptor
 * (Linux 6.13), with upper and work (paths), as a detached mount fd. */
int rootfs_overlay_on_stack(int stack, const char *upper, const char *work, struct error *err);

/* Keeper side, in the user and mount namespace but outside the sandbox:
 * stack the layers at RUNDIR/merged. */
int rootfs_mount_overlay(const struct plan *p, const struct runtime *rt, struct overlay *ov, struct error *err);
void rootfs_unmount_overlay(struct overlay *ov);
/* init's side on the path without a keeper (kernel overlay, writes in
 * memory): in init's own mount namespace, made private first, a tmpfs at
 * rt->base holds the upper layer and the plan's files, and the overlay is
 * mounted at RT_BASE/merged; rt->dir and rt->rw are set to rt->base.
 * Nothing needs undoing: it all goes with the namespace. With *stack a
 * read-only overlay of the plan's layers (the holder's spare made it,
 * holder.c), the sandbox's overlay is stacked on it instead, or on the
 * layers themselves if the kernel refuses; *stack is closed in any case. */
int rootfs_mount_overlay_private(const struct plan *p, struct runtime *rt, struct overlay *ov, int *stack,
                                 struct error *err);

/* Add one entry to the plan's mount list (strings are copied). */
void rootfs_add_mount(struct plan *p, enum mount_kind kind, const char *src, const char *dst, const char *data,
                      bool read_only);
/* A MOUNT_FILE whose content may hold NUL bytes (an Xauthority file). */
void rootfs_add_file(struct plan *p, const char *name, const char *dst, const void *data, size_t len);
/* For spec_resolve: the plan's entries for /proc /dev /sys /tmp; for the
 * user's volumes (their sources must exist); for the masked and read-only
 * paths of /proc and /sys (less --unmask) and the sealing of /dev. */
void rootfs_plan_base(const struct spec *s, struct plan *p);
int rootfs_plan_volumes(const struct spec *s, struct plan *p, struct error *err);
void rootfs_plan_masks(const struct spec *s, struct plan *p);
/* Is path one of the masked or read-only paths (for --unmask)? */
bool rootfs_is_masked_path(const char *path);

/* Sandbox side, in init's own mount namespace: run the mount plan on the
 * merged overlay and pivot into it. Afterwards nothing of the host is
 * reachable. Just before /sys, init joins the network namespace that
 * comes on *net_sock, if any (netns-beside.h). */
int rootfs_build(const struct plan *p, const struct runtime *rt, const struct overlay *ov, int *net_sock,
                 struct error *err);
/* Called after pivot: the last changes, such as making / read-only. */
int rootfs_finish(const struct plan *p, struct error *err);

/* Open PATH (absolute or relative) inside the tree at rootfd, never leaving
 * it through a symlink or "..". With create, missing directories are made and
 * a missing last component becomes a directory (dir=1) or an empty file
 * (dir=0). Returns an O_PATH fd or a negative errno. Exposed for tests. */
int rootfs_open_in_root(int rootfd, const char *path, int create, int dir);
