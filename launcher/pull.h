/* pull.h: `hutch pull [--tls-verify=false] REF`: an image from a registry
 * of the OCI distribution API into the store. */
#pragma once

#include <stdbool.h>

#include "error.h"

/* REF: [REGISTRY/]NAME[:TAG][@sha256:HEX], docker.io when no registry is
 * named (library/NAME for a plain NAME), as docker and podman read it.
 * Stored as REGISTRY/NAME:TAG, or REGISTRY/NAME:sha256-HEX when pulled by
 * digest alone. */
int pull_image(const char *ref, bool tls_verify, struct error *err);
