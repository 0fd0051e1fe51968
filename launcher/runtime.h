/* runtime.h: the per-run directory under $XDG_RUNTIME_DIR/hutch (or a 0700
 * /tmp/hutch-UID when that is unset). It holds the overlay's merged
 * directory, the mount point of the sandbox's own tmpfs for its writes
 * (rw), and the files bound into the sandbox's /etc. With --upper disk the
 * writes go to DATA/rw/run-XXXXXX instead, DATA being $XDG_DATA_HOME/hutch
 * (~/.local/share/hutch); a named sandbox's writes go to
 * DATA/sandboxes/NAME/rw (state.h). */
#pragma once

#include <stdbool.h>

#include "error.h"

struct runtime {
  char *base;      /* $XDG_RUNTIME_DIR/hutch */
  char *dir;       /* base/run-XXXXXX */
  int dir_fd;
  int lock_fd;     /* flock held for the sandbox's whole life */
  char *rw;        /* holds upper/ and work/: dir/rw, or DATA/rw/run-XXXXXX */
  bool rw_on_disk;
  char *rw_kept;   /* set before runtime_create: a named sandbox's directory
                    * for its writes (DATA/sandboxes/NAME/rw), used instead
                    * of a new one */
  bool rw_keep;    /* runtime_remove leaves rw alone (a named sandbox
                    * without --rm keeps its changes) */
};

/* The base directory, made 0700 if missing: $XDG_RUNTIME_DIR/hutch or
 * /tmp/hutch-UID/run. With cache, the cache directory beside it instead:
 * $XDG_RUNTIME_DIR/hutch-cache or /tmp/hutch-UID/cache. */
int runtime_base(char **out, bool cache, struct error *err);
/* The cache directory only if it is there already (a lookup must not
 * create anything: bad input leaves no trace); -ENOENT if not. */
int runtime_cache_existing(char **out);
/* The holder's directory (holder.c), made 0700 if missing:
 * $XDG_RUNTIME_DIR/hutch-holder or /tmp/hutch-UID/holder. */
int runtime_holder_dir(char **out, struct error *err);
/* hutch's data directory, made 0700 if missing: $XDG_DATA_HOME/hutch or
 * ~/.local/share/hutch. */
int runtime_data_dir(char **out, struct error *err);
/* Make the run directory (and, with rw_on_disk, the directory for the
 * sandbox's writes under the data directory). */
int runtime_create(struct runtime *rt, bool rw_on_disk, struct error *err);
/* Remove the run directory. Called by the keeper, which has the capabilities
 * of the user namespace and so can remove files owned by subordinate ids.
 * helper_writes: a network helper may still make its files in it meanwhile
 * (slirp4netns's API socket, in a launch that failed while it started);
 * then a directory left not empty is no warning, as hutch removes it once
 * the helper is gone (runtime_remove_leftover). */
void runtime_remove(struct runtime *rt, bool helper_writes);
/* The run directory, if another process's late file (a network helper's,
 * removed before this) kept its owner from removing it: removed if empty. */
void runtime_remove_leftover(const struct runtime *rt);
/* Close and free what hutch holds of the run directory (not removing it). */
void runtime_free(struct runtime *rt);
/* Remove run directories of earlier runs whose lock is no longer held (their
 * hutch and keeper were killed with SIGKILL); rt->dir, if set, is spared.
 * Called in the sandbox's user namespace (by the keeper, or by init where
 * there is none), whose capabilities can remove files of subordinate ids. */
void runtime_reap_stale(const struct runtime *rt);
