/* rootfs.h: layers -> overlay (kernel or fuse), the mount plan, /proc /dev
 * /sys, pivot_root. */
#pragma once

#include <stdio.h>
#include <sys/types.h>

#include "runtime.h"
#include "spec.h"

struct overlay {
  enum overlay_mode backend;   /* what was actually mounted */
  pid_t fuse_pid;              /* fuse-overlayfs, or 0 */
  char *merged;
};

/* Keeper side, in the user and mount namespace but outside the sandbox:
 * stack the layers at RUNDIR/merged. */
int rootfs_mount_overlay(const struct spec *s, const struct runtime *rt, struct overlay *ov, struct error *err);
void rootfs_unmount_overlay(struct overlay *ov);

/* Sandbox side, in init's own mount namespace: build the root from the merged
 * overlay, apply the mount plan and pivot into it. Afterwards nothing of the
 * host is reachable. */
int rootfs_build(const struct spec *s, const struct runtime *rt, const struct overlay *ov, struct error *err);
/* Called after pivot: the last changes, such as making / read-only. */
int rootfs_finish(const struct spec *s, struct error *err);

/* --unmask PATH|ALL: check PATH is one of the masked or read-only paths. */
int rootfs_parse_unmask(const char *arg, struct spec *s, struct error *err);
/* For --print-policy: the masked and read-only paths of this spec. */
void rootfs_describe_masks(const struct spec *s, FILE *f);

/* Open PATH (absolute or relative) inside the tree at rootfd, never leaving
 * it through a symlink or "..". With create, missing directories are made and
 * a missing last component becomes a directory (dir=1) or an empty file
 * (dir=0). Returns an O_PATH fd or a negative errno. Exposed for tests. */
int rootfs_open_in_root(int rootfd, const char *path, int create, int dir);
