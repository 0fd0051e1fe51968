/* import.h: `hutch import SOURCE [NAME[:TAG]]`: an image into the store. */
#pragma once

#include "error.h"

/* SOURCE is oci:DIR[:TAG] (an OCI image layout), docker-archive:FILE[:REF]
 * (docker save, podman save; REF one of its RepoTags) or tar:FILE (a root
 * filesystem tarball, also without tar: when FILE ends in .tar, .tar.gz,
 * .tgz, .tar.xz, .tar.zst or .tar.bz2), imported as ref (NAME[:TAG]; when
 * NULL the archive's own name, else one made from the file's: DIR:TAG, or
 * FILE without its extension, :latest). Every blob's sha256 is checked; the layers are extracted, each entry resolved inside its layer,
 * whiteouts written in overlay's xattr form. Nothing is kept on failure. */
int import_image(const char *source, const char *ref, struct error *err);

struct store;
/* The OCI layout layout (one image, whose layers missing from the blobs
 * must be in the store already) into st, opened exclusive, as name:tag. */
int import_staged(struct store *st, int layout, const char *name, const char *tag, struct error *err);
/* A fix for an import's or a pull's error that has none: what a digest
 * mismatch or a hostile entry means, and that nothing was kept. */
void import_explain(struct error *err);
