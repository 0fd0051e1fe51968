/* source.h: where an image comes from, as hutch import and hutch run name
 * it: oci:DIR[:TAG], docker-archive:FILE[:REF], tar:FILE (or FILE ending in
 * .tar, .tar.gz, .tgz, .tar.xz, .tar.zst, .tar.bz2). Parsing only: no
 * library, so that hutch itself can tell an image source from a ROOT. */
#pragma once

#include <stdbool.h>

#include "error.h"

enum source_kind { SOURCE_OCI, SOURCE_DOCKER_ARCHIVE, SOURCE_TARBALL };
struct image_source {
  enum source_kind kind;
  char *path;       /* allocated */
  const char *tag;  /* within path's allocation, or NULL */
};
/* SOURCE -> its kind, path and tag (a docker-archive's REF: after the
 * first colon at which FILE exists). */
int source_parse(const char *source, struct image_source *src, struct error *err);
/* Whether source names its kind (oci:, docker-archive:, tar:), as a ROOT
 * of `hutch run` does to be imported on the fly. */
bool source_has_prefix(const char *source);
/* The name an import of src without NAME falls back to: DIR:TAG, or the
 * file's name without its extension, :latest; lowercase, other characters
 * made `-`. */
char *source_default_ref(const struct image_source *src);
/* "KIND:ABSOLUTE-PATH[:TAG]": what the store records of an image imported
 * from src, so that `hutch run oci:DIR` finds what it imported. */
char *source_key(const struct image_source *src);
/* What changes when the source does (inode, size and mtime of the file,
 * or of an OCI layout's index.json), or NULL when it is not there. */
char *source_stamp(const struct image_source *src);
void source_free(struct image_source *src);
