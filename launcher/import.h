/* import.h: `hutch import SOURCE [NAME[:TAG]]`: an image into the store. */
#pragma once

#include "error.h"

/* SOURCE is oci:DIR[:TAG], an OCI image layout. Every blob's sha256 is
 * checked; the layers are extracted, each entry resolved inside its layer,
 * whiteouts written in overlay's xattr form. Nothing is kept on failure. */
int import_image(const char *source, const char *ref, struct error *err);
