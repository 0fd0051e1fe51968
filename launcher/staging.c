/* staging.c: docker-archive and tarball sources as OCI layouts (staging.h).
 *
 * A docker-archive is a tar of manifest.json ([{Config, RepoTags,
 * Layers}]), the config, and each layer as an uncompressed tar, in any
 * order, duplicates sometimes as symbolic links. It is read once, each
 * member copied to blobs/sha256/ under the digest computed while copying,
 * member names kept in memory (never used as paths). A layer's digest must
 * then equal its diff_id in the config: the config is what names the
 * image, so a layer changed in the archive is refused as in an OCI layout.
 *
 * A root filesystem tarball is one layer: decompressed while copied, so
 * that its digest is its diff_id, under a minimal config (this machine's
 * architecture, the usual PATH, no Cmd: as `podman import`). */
#define _GNU_SOURCE
#include "staging.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "digest.h"
#include "store.h"
#include "tarread.h"
#include "util.h"

struct stage {
  int blobs;            /* DEST/blobs/sha256 */
  json_object *files;   /* member name -> digest */
  json_object *links;   /* member name -> member name it points to */
};

/* a/b/../c/./d -> a/c/d; NULL when it leaves the top. */
static char *norm_path(const char *path)
{
  _cleanup_free_ char *copy = xstrdup(path);
  _cleanup_strv_ char **parts = NULL;
  size_t n = 0;
  char *save = NULL;
  for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    if (!strcmp(c, "."))
      continue;
    if (!strcmp(c, "..")) {
      if (n == 0)
        return NULL;
      free(parts[--n]);
      parts[n] = NULL;
      continue;
    }
    strv_append(&parts, &n, xstrdup(c));
  }
  char *out = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    char *next = xasprintf("%s%s%s", out, i ? "/" : "", parts[i]);
    free(out);
    out = next;
  }
  return out;
}

/* The current entry's data (or the raw stream) into blobs/sha256/HEX. */
static int copy_blob(struct archive *a, struct stage *sg, const char *what, char digest[72], int64_t *size,
                     struct error *err)
{
  _cleanup_close_ int fd = openat(sg->blobs, "incoming", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return error_set(err, errno, "stage `%s`", what);
  struct sha256 h;
  sha256_init(&h);
  *size = 0;
  int r = 0;
  for (;;) {
    const void *buf;
    size_t len;
    la_int64_t off;
    int ar = archive_read_data_block(a, &buf, &len, &off);
    if (ar == ARCHIVE_EOF)
      break;
    if (ar < ARCHIVE_WARN) {
      r = tar_error(a, err, "read `%s`", what);
      break;
    }
    /* Sparse members: the holes are zeros. */
    static const char zeros[4096];
    while (r == 0 && *size < off) {
      size_t z = (size_t) (off - *size) < sizeof zeros ? (size_t) (off - *size) : sizeof zeros;
      sha256_update(&h, zeros, z);
      if ((r = write_all(fd, zeros, z)) < 0)
        r = error_set(err, -r, "stage `%s`", what);
      *size += (int64_t) z;
    }
    sha256_update(&h, buf, len);
    if (r == 0 && (r = write_all(fd, buf, len)) < 0)
      r = error_set(err, -r, "stage `%s`", what);
    *size += (int64_t) len;
    if (r < 0)
      break;
  }
  sha256_final(&h, digest);
  if (r == 0 && renameat(sg->blobs, "incoming", sg->blobs, digest + 7) < 0)
    r = error_set(err, errno, "stage `%s`", what);
  if (r < 0)
    unlinkat(sg->blobs, "incoming", 0);
  return r;
}

static int write_blob(struct stage *sg, const char *text, char digest[72], struct error *err)
{
  sha256_of(text, strlen(text), digest);
  _cleanup_close_ int fd = openat(sg->blobs, digest + 7, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
    return error_set(err, errno, "write a staged blob");
  return 0;
}

static json_object *descriptor(const char *media_type, const char *digest, int64_t size)
{
  json_object *d = json_object_new_object();
  json_object_object_add(d, "mediaType", json_object_new_string(media_type));
  json_object_object_add(d, "digest", json_object_new_string(digest));
  json_object_object_add(d, "size", json_object_new_int64(size));
  return d;
}

/* manifest (config and layers) -> a blob, and index.json naming it. */
static int write_layout(struct stage *sg, int dir, json_object *config, json_object *layers, struct error *err)
{
  json_object *m = json_object_new_object();
  json_object_object_add(m, "schemaVersion", json_object_new_int(2));
  json_object_object_add(m, "mediaType", json_object_new_string("application/vnd.oci.image.manifest.v1+json"));
  json_object_object_add(m, "config", config);
  json_object_object_add(m, "layers", layers);
  char digest[72];
  const char *text = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  int r = write_blob(sg, text, digest, err);
  json_object *index = json_object_new_object(), *ms = json_object_new_array();
  json_object_array_add(ms, descriptor("application/vnd.oci.image.manifest.v1+json", digest, (int64_t) strlen(text)));
  json_object_object_add(index, "schemaVersion", json_object_new_int(2));
  json_object_object_add(index, "manifests", ms);
  const char *itext = json_object_to_json_string_ext(index, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  _cleanup_close_ int fd = r < 0 ? -1 : openat(dir, "index.json", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (r == 0 && (fd < 0 || write_all(fd, itext, strlen(itext)) < 0))
    r = error_set(err, errno, "write the staged index.json");
  json_object_put(index);
  json_object_put(m);
  return r;
}

static struct archive *open_archive(const char *file, bool raw, struct error *err)
{
  struct archive *a = archive_read_new();
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_zstd(a);
  if (raw)
    archive_read_support_format_raw(a);
  else
    archive_read_support_format_tar(a);
  if (archive_read_open_filename(a, file, 1 << 16) != ARCHIVE_OK) {
    tar_error(a, err, "open `%s`", file);
    archive_read_free(a);
    return NULL;
  }
  return a;
}

/* ------------------------------------------------------ docker-archive */

/* A member's digest, following the archive's links (at most 8). */
static const char *member(struct stage *sg, const char *name)
{
  _cleanup_free_ char *cur = norm_path(name);
  for (int hops = 0; cur && hops < 8; hops++) {
    json_object *v;
    if (json_object_object_get_ex(sg->files, cur, &v))
      return json_object_get_string(v);
    if (!json_object_object_get_ex(sg->links, cur, &v))
      return NULL;
    free(cur);
    cur = xstrdup(json_object_get_string(v));
  }
  return NULL;
}

static int read_members(struct stage *sg, const char *file, struct error *err)
{
  struct archive *a = open_archive(file, false, err);
  if (!a)
    return -EINVAL;
  int r = 0;
  struct archive_entry *e;
  while (r == 0 && (r = tar_next(a, &e, err, "read `%s`", file)) == 0 && e) {
    _cleanup_free_ char *name = norm_path(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
    if (!name || !*name)
      continue;
    if (archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e)) {
      char digest[72];
      int64_t size;
      if ((r = copy_blob(a, sg, name, digest, &size, err)) == 0)
        json_object_object_add(sg->files, name, json_object_new_string(digest));
    } else if (archive_entry_hardlink(e) || archive_entry_filetype(e) == AE_IFLNK) {
      /* A hard link names its target from the top, a symbolic link from
       * its own directory. */
      const char *target = archive_entry_hardlink(e) ? archive_entry_hardlink(e) : archive_entry_symlink(e);
      char *slash = strrchr(name, '/');
      _cleanup_free_ char *joined = archive_entry_hardlink(e) || !slash || !target || target[0] == '/'
                                        ? xstrdup(target ? target : "")
                                        : xasprintf("%.*s/%s", (int) (slash - name), name, target);
      _cleanup_free_ char *t = norm_path(joined);
      if (t)
        json_object_object_add(sg->links, name, json_object_new_string(t));
    }
  }
  archive_read_free(a);
  return r;
}

static json_object *read_json_blob(struct stage *sg, const char *digest, struct error *err)
{
  _cleanup_close_ int fd = digest ? openat(sg->blobs, digest + 7, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
  size_t len;
  _cleanup_free_ char *text = fd < 0 ? NULL : read_fd(fd, 4u << 20, &len);
  json_object *o = text ? json_tokener_parse(text) : NULL;
  if (!o)
    error_set(err, 0, "a member is not JSON");
  return o;
}

/* The RepoTag of entry that want names (as a short name too), or NULL. */
static const char *has_tag(json_object *entry, const char *want)
{
  json_object *tags;
  if (!json_object_object_get_ex(entry, "RepoTags", &tags) || !json_object_is_type(tags, json_type_array))
    return NULL;
  _cleanup_free_ char *name = NULL, *tag = NULL;
  struct error ignored = {0};
  if (store_parse_ref(want, &name, &tag, &ignored) < 0)
    return NULL;
  _cleanup_strv_ char **names = store_name_candidates(name);
  for (size_t i = 0; i < json_object_array_length(tags); i++) {
    const char *t = json_object_get_string(json_object_array_get_idx(tags, i));
    for (size_t j = 0; t && names[j]; j++) {
      _cleanup_free_ char *full = xasprintf("%s:%s", names[j], tag);
      if (!strcmp(t, full))
        return t;
    }
  }
  return NULL;
}

static int stage_docker(struct stage *sg, int dir, const char *file, const char *want, char **repo_tag,
                        struct error *err)
{
  int r = read_members(sg, file, err);
  if (r < 0)
    return r;
  const char *md = member(sg, "manifest.json");
  if (!md)
    return error_set(err, 0, "`%s` has no manifest.json: not a docker-archive\nmake one with podman save or "
                     "skopeo copy ... docker-archive:FILE", file);
  json_object *manifest = read_json_blob(sg, md, err), *entry = NULL, *config = NULL, *ls, *diff_ids = NULL;
  if (!manifest || !json_object_is_type(manifest, json_type_array))
    r = error_set(err, 0, "`%s`: its manifest.json is not a list of images", file);
  for (size_t i = 0; r == 0 && i < json_object_array_length(manifest); i++) {
    json_object *e = json_object_array_get_idx(manifest, i);
    if (want ? has_tag(e, want) != NULL : json_object_array_length(manifest) == 1)
      entry = e;
  }
  if (r == 0 && !entry) {
    _cleanup_free_ char *tags = xstrdup("");
    for (size_t i = 0; i < json_object_array_length(manifest); i++) {
      json_object *ts;
      if (!json_object_object_get_ex(json_object_array_get_idx(manifest, i), "RepoTags", &ts) ||
          !json_object_is_type(ts, json_type_array))
        continue;
      for (size_t j = 0; j < json_object_array_length(ts); j++) {
        char *more = xasprintf("%s%s%s", tags, *tags ? ", " : "", json_object_get_string(json_object_array_get_idx(ts, j)));
        free(tags);
        tags = more;
      }
    }
    r = want ? error_set(err, 0, "`%s` holds no image tagged `%s`\nname one it holds: %s", file, want,
                         *tags ? tags : "(none has a tag)")
             : error_set(err, 0, "`%s` holds %zu images\nname one: docker-archive:FILE:REF, REF one of %s", file,
                         json_object_array_length(manifest), *tags ? tags : "(none has a tag)");
  }
  const char *cd = r == 0 ? member(sg, store_json_str(entry, "Config") ? store_json_str(entry, "Config") : "") : NULL;
  if (r == 0 && (!cd || !(config = read_json_blob(sg, cd, err))))
    r = error_set(err, 0, "`%s`: the image's config `%s` is missing or not JSON", file,
                  store_json_str(entry, "Config") ? store_json_str(entry, "Config") : "");
  json_object *rootfs;
  if (r == 0 && (!json_object_object_get_ex(config, "rootfs", &rootfs) ||
                 !json_object_object_get_ex(rootfs, "diff_ids", &diff_ids) ||
                 !json_object_object_get_ex(entry, "Layers", &ls) || !json_object_is_type(ls, json_type_array) ||
                 !json_object_is_type(diff_ids, json_type_array) ||
                 json_object_array_length(ls) != json_object_array_length(diff_ids)))
    r = error_set(err, 0, "`%s`: the image's layers and its config's diff_ids do not match in number", file);
  json_object *layers = json_object_new_array();
  for (size_t i = 0; r == 0 && i < json_object_array_length(ls); i++) {
    const char *name = json_object_get_string(json_object_array_get_idx(ls, i));
    const char *d = name ? member(sg, name) : NULL;
    const char *want_d = json_object_get_string(json_object_array_get_idx(diff_ids, i));
    struct stat st;
    if (!d)
      r = error_set(err, 0, "`%s`: layer `%s` is missing from the archive", file, name ? name : "");
    else if (!want_d || strcmp(d, want_d))
      r = error_set(err, 0, "`%s`: layer `%s` does not match its digest (it is %s, the config says %s): "
                    "refusing the image", file, name, d, want_d ? want_d : "nothing");
    else if (fstatat(sg->blobs, d + 7, &st, AT_SYMLINK_NOFOLLOW) < 0)
      r = error_set(err, errno, "stat a staged layer");
    else
      json_object_array_add(layers, descriptor("application/vnd.oci.image.layer.v1.tar", d, st.st_size));
  }
  if (r == 0) {
    struct stat st;
    fstatat(sg->blobs, cd + 7, &st, AT_SYMLINK_NOFOLLOW);
    json_object *tags;
    if (want)
      *repo_tag = xstrdup(has_tag(entry, want));
    else if (json_object_object_get_ex(entry, "RepoTags", &tags) && json_object_array_length(tags) > 0)
      *repo_tag = xstrdup(json_object_get_string(json_object_array_get_idx(tags, 0)));
    r = write_layout(sg, dir, descriptor("application/vnd.oci.image.config.v1+json", cd, st.st_size), layers, err);
  } else {
    json_object_put(layers);
  }
  json_object_put(config);
  json_object_put(manifest);
  return r;
}

/* ------------------------------------------------------------- tarball */

static int stage_tarball(struct stage *sg, int dir, const char *file, struct error *err)
{
  struct archive *a = open_archive(file, true, err);
  if (!a)
    return -EINVAL;
  struct archive_entry *e;
  char digest[72];
  int64_t size = 0;
  int r = archive_read_next_header(a, &e) == ARCHIVE_OK ? copy_blob(a, sg, file, digest, &size, err)
                                                         : error_set(err, 0, "read `%s`: %s", file, archive_error_string(a));
  archive_read_free(a);
  if (r < 0)
    return r;
  char created[32];
  time_t now = time(NULL);
  strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  json_object *c = json_object_new_object(), *cc = json_object_new_object(), *env = json_object_new_array(),
              *rootfs = json_object_new_object(), *ids = json_object_new_array();
  json_object_array_add(env, json_object_new_string("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  json_object_object_add(cc, "Env", env);
  json_object_array_add(ids, json_object_new_string(digest));
  json_object_object_add(rootfs, "type", json_object_new_string("layers"));
  json_object_object_add(rootfs, "diff_ids", ids);
  json_object_object_add(c, "created", json_object_new_string(created));
  json_object_object_add(c, "architecture", json_object_new_string(store_arch()));
  json_object_object_add(c, "os", json_object_new_string("linux"));
  json_object_object_add(c, "config", cc);
  json_object_object_add(c, "rootfs", rootfs);
  char cd[72];
  const char *text = json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  int64_t clen = (int64_t) strlen(text);
  r = write_blob(sg, text, cd, err);
  json_object_put(c);
  if (r < 0)
    return r;
  json_object *layers = json_object_new_array();
  json_object_array_add(layers, descriptor("application/vnd.oci.image.layer.v1.tar", digest, size));
  return write_layout(sg, dir, descriptor("application/vnd.oci.image.config.v1+json", cd, clen), layers, err);
}

int stage_source(enum stage_kind kind, const char *file, const char *want, int tmpfd, const char *dest,
                 char **repo_tag, struct error *err)
{
  *repo_tag = NULL;
  if (access(file, R_OK) < 0)
    return error_set(err, errno, "`%s`", file);
  _cleanup_free_ char *blobs = xasprintf("%s/blobs/sha256", dest), *top = xasprintf("%s/blobs", dest);
  if (mkdirat(tmpfd, dest, 0700) < 0 || mkdirat(tmpfd, top, 0700) < 0 || mkdirat(tmpfd, blobs, 0700) < 0)
    return error_set(err, errno, "make `%s` in the store's tmp/", dest);
  _cleanup_close_ int dir = openat(tmpfd, dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stage sg = {.blobs = openat(tmpfd, blobs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
                     .files = json_object_new_object(), .links = json_object_new_object()};
  int r;
  if (dir < 0 || sg.blobs < 0)
    r = error_set(err, errno, "open `%s` in the store's tmp/", dest);
  else if (kind == STAGE_DOCKER_ARCHIVE)
    r = stage_docker(&sg, dir, file, want, repo_tag, err);
  else
    r = stage_tarball(&sg, dir, file, err);
  close_fd(&sg.blobs);
  json_object_put(sg.files);
  json_object_put(sg.links);
  return r;
}
