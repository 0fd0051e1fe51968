/* layers.h: ROOT argument -> list of lower layers. The one place that knows
 * the forms of ROOT (DIR, layers:DIR; image names and oci: later). */
#pragma once

#include "spec.h"

int layers_resolve(struct spec *s, struct error *err);
