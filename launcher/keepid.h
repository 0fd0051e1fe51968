/* keepid.h: --userns keep-id as podman's: the caller's own uid and gid
 * inside, while the image's owners stay what they are. */
#pragma once

#include <stddef.h>

#include "error.h"
#include "userns.h"

struct plan;
struct spec;

/* fuse-overlayfs's uidmapping=/gidmapping= value (DISK:SHOWN:COUNT:...)
 * that undoes a keep-id map: the ids fuse-overlayfs sees on disk through
 * the keep-id map are shown as --userns auto would show them, so root's
 * files stay root's. NULL when the map holds only the caller (nothing to
 * show the image's other owners as). Pure, for unit tests. */
char *keepid_fuse_mapping(const struct id_map *map, size_t n, unsigned long caller);

/* spec_resolve()'s step for keep-id, after the ids and --user: pick the
 * overlay backend that can keep the owners, and give the caller an entry in
 * /etc/passwd and /etc/group and its HOME. Does nothing in other modes. */
int keepid_plan(const struct spec *s, struct plan *p, struct error *err);
