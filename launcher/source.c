/* source.c: image source strings (source.h). */
#define _GNU_SOURCE
#include "source.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

/* The file or directory name, lowercase, without a tarball's extension,
 * other characters made `-`: a name for an image that has none. */
static char *default_name(const char *path)
{
  const char *base = strrchr(path, '/');
  base = base && base[1] ? base + 1 : path;
  char *name = xstrdup(base);
  static const char *const exts[] = {".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2", ".tgz", ".tar"};
  for (size_t i = 0; i < N_ELEMENTS(exts); i++) {
    size_t n = strlen(name), e = strlen(exts[i]);
    if (n > e && !strcmp(name + n - e, exts[i])) {
      name[n - e] = '\0';
      break;
    }
  }
  for (char *p = name; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char) (*p - 'A' + 'a');
    else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
      *p = '-';
  return name;
}

/* A plain file whose name says it is a tar: a root filesystem tarball. */
static bool is_tarball(const char *path)
{
  _cleanup_free_ char *stripped = default_name(path);
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  struct stat st;
  return strlen(stripped) < strlen(base) && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* docker-archive:FILE[:REF]: the first colon after which FILE exists. */
static void split_archive(char *rest, const char **src_tag)
{
  struct stat st;
  if (stat(rest, &st) == 0)
    return;
  for (char *c = strchr(rest, ':'); c; c = strchr(c + 1, ':')) {
    *c = '\0';
    if (stat(rest, &st) == 0) {
      *src_tag = c + 1;
      return;
    }
    *c = ':';
  }
}

bool source_has_prefix(const char *source)
{
  return !strncmp(source, "oci:", 4) || !strncmp(source, "docker-archive:", 15) || !strncmp(source, "tar:", 4);
}

int source_parse(const char *source, struct image_source *src, struct error *err)
{
  const char *rest;
  *src = (struct image_source) {0};
  if (!strncmp(source, "oci:", 4)) {
    src->kind = SOURCE_OCI;
    rest = source + 4;
  } else if (!strncmp(source, "docker-archive:", 15)) {
    src->kind = SOURCE_DOCKER_ARCHIVE;
    rest = source + 15;
  } else if (!strncmp(source, "tar:", 4)) {
    src->kind = SOURCE_TARBALL;
    rest = source + 4;
  } else if (is_tarball(source)) {
    src->kind = SOURCE_TARBALL;
    rest = source;
  } else {
    return error_set(err, 0, "unknown image source `%s`\nuse oci:DIR[:TAG] (an OCI image layout), "
                     "docker-archive:FILE[:REF] (podman save, docker save) or tar:FILE (a root filesystem)", source);
  }
  if (!*rest)
    return error_set(err, 0, "image source `%s` names no file or directory", source);
  src->path = xstrdup(rest);
  if (src->kind == SOURCE_OCI) {
    char *colon = strrchr(src->path, ':'), *slash = strrchr(src->path, '/');
    if (colon && (!slash || colon > slash)) {
      *colon = '\0';
      src->tag = colon + 1;
    }
  } else if (src->kind == SOURCE_DOCKER_ARCHIVE) {
    split_archive(src->path, &src->tag);
  }
  return 0;
}

char *source_default_ref(const struct image_source *src)
{
  _cleanup_free_ char *base = default_name(src->path);
  return xasprintf("%s:%s", base, src->kind == SOURCE_OCI && src->tag ? src->tag : "latest");
}

char *source_key(const struct image_source *src)
{
  static const char *const kinds[] = {"oci", "docker-archive", "tar"};
  _cleanup_free_ char *abs = realpath(src->path, NULL);
  return xasprintf("%s:%s%s%s", kinds[src->kind], abs ? abs : src->path, src->tag ? ":" : "", src->tag ? src->tag : "");
}

char *source_stamp(const struct image_source *src)
{
  struct stat st;
  _cleanup_free_ char *index = src->kind == SOURCE_OCI ? xasprintf("%s/index.json", src->path) : NULL;
  if (stat(index ? index : src->path, &st) < 0)
    return NULL;
  return xasprintf("%llu:%llu:%lld.%09ld", (unsigned long long) st.st_ino, (unsigned long long) st.st_size,
                   (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

void source_free(struct image_source *src)
{
  free(src->path);
  src->path = NULL;
}
