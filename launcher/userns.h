/* userns.h: subordinate ranges (libsubid), id maps, newuidmap/newgidmap. */
#pragma once

#include <sys/types.h>

#include "spec.h"

/* One id mapping line: inside, outside, count (as in /proc/PID/uid_map). */
struct id_map {
  unsigned long inside, outside, count;
};
#define MAX_ID_MAPS 32  /* a newer kernel allows 340; newuidmap takes many */

struct id_range {
  unsigned long start, count;
};

struct userns_plan {
  enum userns_mode mode;          /* after any fallback to single */
  struct id_map uid_map[MAX_ID_MAPS], gid_map[MAX_ID_MAPS];
  size_t n_uid_map, n_gid_map;
  uid_t inside_uid;               /* the caller inside */
  gid_t inside_gid;
  char *newuidmap, *newgidmap;    /* helper paths, NULL in single mode */
  bool root_at_subid;             /* root inside is the first subordinate id */
  /* The holder's maps (holder.c): --userns auto's, whatever the mode, when
   * the caller has ranges and helpers; n_holder_uid_map is 0 otherwise. */
  struct id_map holder_uid_map[MAX_ID_MAPS], holder_gid_map[MAX_ID_MAPS];
  size_t n_holder_uid_map, n_holder_gid_map;
  bool no_holder;                 /* --no-holder */
};

/* Build the maps of one kind (uid or gid) for a mode; pure, for unit tests.
 * Returns the number of lines, or -1 when they do not fit. */
int userns_build_map(enum userns_mode mode, unsigned long host_id,
                     const struct id_range *ranges, size_t n_ranges,
                     struct id_map *out, size_t max_out);

/* Sort the n ranges of *r (malloc'd, as userns_ranges gives them) by start
 * and make them disjoint, without the caller's own id: the kernel (and
 * newuidmap) refuse a map that names a host id twice, which lines of
 * /etc/subuid that overlap (as `usermod --add-subuids` can leave), or a
 * range holding the caller's own id, would make. An id listed twice is
 * mapped once; own is cut out (a range may split in two around it, so *r
 * may be reallocated). Pure, for unit tests; returns the new count. */
size_t userns_disjoin_ranges(struct id_range **ranges, size_t n, unsigned long own);

/* Decide the mapping before anything starts: read the ranges, find the
 * helpers, fall back to single with a warning when auto cannot be had. */
int userns_plan(enum userns_mode mode, struct userns_plan *plan, struct error *err);
/* For a root made by mmdebstrap --mode=unshare (and the like), whose root
 * is the caller's first subordinate id rather than the caller: map the
 * subordinate ids from 0 up, so that its owners show as the tree has them,
 * and the caller after them. Only for an auto plan with ranges. */
void userns_root_at_subid(struct userns_plan *plan);
/* Write the maps of a process that has just made its user namespace. */
int userns_apply(const struct userns_plan *plan, pid_t pid, struct error *err);
void userns_plan_free(struct userns_plan *plan);

/* Express a map whose outside ids are the host's in the ids of a parent
 * namespace mapped by parent (its inside ids): a line may split where the
 * parent's lines do. Pure, for unit tests. Returns the number of lines, or
 * -1 when an id is not mapped by the parent or the lines do not fit. */
int userns_translate(const struct id_map *map, size_t n, const struct id_map *parent, size_t n_parent,
                     struct id_map *out, size_t max_out);
/* Write the maps of pid, a process in a user namespace whose parent is the
 * caller's own, where the caller has CAP_SETUID and CAP_SETGID (the
 * holder's namespace): no helper, and setgroups stays allowed. */
int userns_write_maps(pid_t pid, const struct id_map *uid_map, size_t n_uid, const struct id_map *gid_map,
                      size_t n_gid, struct error *err);
/* --user UID[:GID] must be mapped by the plan; checked before anything runs. */
int userns_check_user(uid_t uid, gid_t gid, const struct userns_plan *plan, struct error *err);

/* Read the caller's subordinate ranges; returns the count (0 when none) or a
 * negative errno with err set. */
int userns_ranges(const char *user, unsigned long uid, int is_gid, struct id_range **out, struct error *err);
