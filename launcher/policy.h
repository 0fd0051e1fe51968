/* policy.h: hutch run --print-policy. */
#pragma once

#include "spec.h"

/* Print what a sandbox of this spec may do: namespaces, capabilities, the
 * seccomp profile, Landlock, masked paths, devices. The profile is compiled
 * too, so a broken one fails here as it would at launch. */
int policy_print(const struct spec *s, struct error *err);
