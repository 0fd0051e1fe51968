/* staging.h: a docker-archive or a root filesystem tarball turned into an
 * OCI image layout under the store's tmp/, so that import.c reads every
 * source one way, with every digest checked the same. */
#pragma once

#include "error.h"

enum stage_kind {
  STAGE_DOCKER_ARCHIVE,  /* docker save, podman save, skopeo's docker-archive: */
  STAGE_TARBALL,         /* a root filesystem as one tar (gzip, xz, bzip2, zstd) */
};

/* Make dest, a new directory in tmpfd, an OCI layout of file: each member
 * of a docker-archive a blob named by its sha256 (every layer checked
 * against the config's diff_ids), or the tarball, decompressed, one layer
 * under a config made for it; index.json names the one manifest. want
 * picks one of a docker-archive's RepoTags (NULL: its only image).
 * *repo_tag is the archive's own name for the image, or NULL. */
int stage_source(enum stage_kind kind, const char *file, const char *want, int tmpfd, const char *dest,
                 char **repo_tag, struct error *err);
