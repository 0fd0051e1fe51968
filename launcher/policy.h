/* policy.h: hutch run --print-policy. */
#pragma once

#include <stdio.h>

#include "plan.h"

/* Print what a sandbox of this plan may do: namespaces, capabilities, the
 * seccomp profile, Landlock, masked paths, devices; then the plan itself
 * (ids, layers, mounts, the command). */
int policy_print(const struct plan *p, FILE *f, struct error *err);
