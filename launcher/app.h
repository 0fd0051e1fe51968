/* app.h: `hutch app PROGRAM`: a desktop program in a sandbox whose root is
 * a read-only view of the host's system folders, with a home of its own. */
#pragma once

#include "plan.h"
#include "spec.h"

/* For spec_resolve, in place of ROOT's layers: the empty lower layer, the
 * program found in the host's PATH, the home, and the mounts that make the
 * view (/usr, /etc, /opt read-only, the merged-/usr links, the home, the
 * display's socket). Called after the base mounts (/proc /dev /sys /tmp). */
int app_plan(const struct spec *s, struct plan *p, struct error *err);
/* The masks of no3d, nosound, novideo, nou2f: after the volumes, with the
 * other masks, so that no volume brings those devices back. */
void app_plan_masks(const struct spec *s, struct plan *p);
/* hutch run: refuse the options only hutch app carries out (socket,
 * dbus-session...), rather than ignore them. */
int app_refuse_desktop(const struct spec *s, struct error *err);
