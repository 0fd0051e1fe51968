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

enum import_kind { IMPORT_OCI, IMPORT_DOCKER_ARCHIVE, IMPORT_TARBALL };
struct import_source {
  enum import_kind kind;
  char *path;       /* allocated */
  const char *tag;  /* within path's allocation, or NULL */
};
/* SOURCE -> its kind, path and tag. */
int import_parse_source(const char *source, struct import_source *src, struct error *err);
/* The name an import of src without NAME falls back to (file based). */
char *import_default_ref(const struct import_source *src);

struct store;
/* The OCI layout layout (one image, whose layers missing from the blobs
 * must be in the store already) into st, opened exclusive, as name:tag. */
int import_staged(struct store *st, int layout, const char *name, const char *tag, struct error *err);
