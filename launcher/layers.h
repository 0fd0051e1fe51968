/* layers.h: ROOT argument -> list of lower layers. The one place that knows
 * the forms of ROOT (DIR, layers:DIR; image names and oci: later). */
#pragma once

#include <stddef.h>

#include "error.h"

/* ROOT (DIR or layers:DIR) -> the absolute paths of its layers, bottom
 * first, each checked to be a readable directory. */
int layers_resolve(const char *root, char ***layers, size_t *n_layers, struct error *err);
