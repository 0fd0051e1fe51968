/* layers.h: ROOT argument -> list of lower layers. The one place that knows
 * the forms of ROOT (DIR, layers:DIR; image names and oci: later). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"

/* What a layer's top directory was when ROOT was read. */
struct layer_stat {
  uid_t uid;
  dev_t dev;
  ino_t ino;
  struct timespec ctime;
};

/* ROOT (DIR, layers:DIR, squashfs:FILE, a FILE with squashfs's magic, or,
 * when no such path exists, NAME[:TAG] of an image in the store)
 * -> the absolute paths of its layers, bottom first, each checked to be a
 * readable directory; or, with *squashfs set, one layer that is the image
 * file, mounted by the keeper. *stats: each layer's top directory as it
 * was checked, where a form reads them (layers:DIR), else NULL. */
int layers_resolve(const char *root, char ***layers, struct layer_stat **stats, size_t *n_layers, bool *squashfs,
                   struct error *err);

/* Is ROOT, as layers_resolve() reads it, an image name (no such path)? */
bool layers_is_image(const char *root);

/* The owner of the first layer whose top directory ours() does not accept,
 * or (uid_t) -1 when all are; stats, when not NULL, are layers_resolve()'s,
 * else each layer is looked at. */
uid_t layers_foreign_owner(char *const *layers, const struct layer_stat *stats, size_t n,
                           bool (*ours)(uid_t uid, void *arg),
                           void *arg);
/* How many entries of the layers the caller cannot read at all (a whole
 * unreadable directory counts once), looking at max_entries at most (*cut
 * when it stopped there); the first max_examples paths, inside the root,
 * newly allocated, in examples. */
size_t layers_find_unreadable(char *const *layers, size_t n, size_t max_entries, char **examples,
                              size_t max_examples, bool *cut);
