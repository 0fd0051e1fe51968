/* import.c: an OCI image layout into the store (store.h).
 *
 * Every blob is checked against its digest: the index's manifest, the
 * manifest's config and layers. A layer is extracted while its bytes are
 * hashed, into store/tmp/, and moved into store/layers/ only when the whole
 * image checked out; on any error nothing is kept.
 *
 * A layer's entries are untrusted paths. Each is split into components
 * ("..", an absolute path: refused) and its parent directory opened with
 * openat2(RESOLVE_BENEATH) from the layer's own directory, so that no
 * symbolic link met on the way (one the layer made earlier, say
 * `x -> /home`, then `x/file`) can lead outside the layer: the kernel
 * refuses the walk and the import fails. The last component is created
 * with O_NOFOLLOW, hard links only to targets resolved the same way.
 *
 * Whiteouts become overlay's xattr form, which the kernel's overlay reads
 * in a user namespace (Linux 6.7+) and an unprivileged process can write:
 * `.wh.NAME` an empty file NAME with user.overlay.whiteout, its directory
 * marked user.overlay.opaque=x; `.wh..wh..opq` user.overlay.opaque=y on
 * its directory. (The 0/0 character device cannot be made unprivileged.)
 *
 * Owners: the import runs in a user namespace mapped as a run maps it by
 * default (store_mapped_run: root inside is the caller, then the
 * subordinate ids), so every file gets the owner the image gives it and
 * shows with it in the sandbox. Without subordinate ids every file is the
 * caller's, which root inside is. Device nodes are skipped. */
#define _GNU_SOURCE
#include "import.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <time.h>

#include "config.h"
#include "error.h"
#include "store.h"
#include "util.h"

#if HAVE_LIBARCHIVE
#include <archive.h>
#include <archive_entry.h>

#include "digest.h"
#include "source.h"
#include "staging.h"
#include "tarread.h"

/* ---------------------------------------------------------- the layout */

static int open_beneath(int dirfd, const char *path, uint64_t flags, struct error *err, const char *what)
{
  struct open_how how = {.flags = flags | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
  int fd = openat2_retry(dirfd, path, &how);
  if (fd < 0)
    return error_set(err, errno, "%s `%s`", what, path);
  return fd;
}

/* A blob of the layout, read whole and checked against its digest. */
static char *read_blob(int layout, const char *digest, struct error *err)
{
  if (!store_digest_valid(digest)) {
    error_set(err, 0, "bad digest `%s` (only sha256 is supported)", digest ? digest : "(none)");
    return NULL;
  }
  _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", digest + 7);
  _cleanup_close_ int fd = open_beneath(layout, path, O_RDONLY, err, "open blob");
  if (fd < 0)
    return NULL;
  size_t len = 0;
  char *buf = read_fd(fd, 4u << 20, &len);
  if (!buf) {
    error_set(err, errno, "read blob `%s`", path);
    return NULL;
  }
  char got[72];
  sha256_of(buf, len, got);
  if (strcmp(got, digest)) {
    error_set(err, 0, "blob `%s` does not match its digest (it is %s): refusing the image", path, got);
    free(buf);
    return NULL;
  }
  return buf;
}

/* The manifest descriptor of an index: the one tagged tag (any when tag is
 * NULL and there is one), or, in a nested index, this machine's platform. */
static json_object *pick_manifest(json_object *index, const char *tag, bool nested, struct error *err)
{
  json_object *ms, *found = NULL;
  if (!json_object_object_get_ex(index, "manifests", &ms) || !json_object_is_type(ms, json_type_array)) {
    error_set(err, 0, "the image index lists no manifests");
    return NULL;
  }
  size_t n = json_object_array_length(ms);
  _cleanup_free_ char *tags = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    json_object *m = json_object_array_get_idx(ms, i), *ann, *plat;
    if (nested) {
      if (json_object_object_get_ex(m, "platform", &plat) && store_json_str(plat, "architecture") &&
          !strcmp(store_json_str(plat, "architecture"), store_arch()))
        return m;
      continue;
    }
    const char *ref = json_object_object_get_ex(m, "annotations", &ann)
                          ? store_json_str(ann, "org.opencontainers.image.ref.name") : NULL;
    if (tag ? ref && !strcmp(ref, tag) : n == 1)
      found = m;
    if (ref) {
      char *more = xasprintf("%s%s%s", tags, *tags ? ", " : "", ref);
      free(tags);
      tags = more;
    }
  }
  if (found)
    return found;
  if (nested)
    error_set(err, 0, "the image index has no image for this machine (%s)", store_arch());
  else if (tag)
    error_set(err, 0, "the layout has no image tagged `%s`\nname one of its tags: %s", tag, *tags ? tags : "(none)");
  else
    error_set(err, 0, "the layout holds %zu images\nname one: oci:DIR:TAG, TAG one of %s", n, *tags ? tags : "(none)");
  return NULL;
}

/* ---------------------------------------------------- extracting a layer */

struct layer_reader {
  int fd;
  struct sha256 hash;
  uint64_t size;
  char buf[1 << 16];
};

static ssize_t layer_read(struct archive *a, void *data, const void **out)
{
  struct layer_reader *lr = data;
  ssize_t n;
  do
    n = read(lr->fd, lr->buf, sizeof lr->buf);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    archive_set_error(a, errno, "read");
    return -1;
  }
  sha256_update(&lr->hash, lr->buf, (size_t) n);
  lr->size += (uint64_t) n;
  *out = lr->buf;
  return n;
}

/* path -> its components, "." and empty ones dropped; absolute paths and
 * ".." refused. */
static int split_path(const char *path, char ***comps, size_t *n, struct error *err)
{
  /* "/" alone (umoci names the layer's top so) is the top, inside. */
  if (path[0] == '/' && path[strspn(path, "/.")] != '\0')
    return error_set(err, 0, "entry `%s` is an absolute path: refusing the layer", path);
  _cleanup_free_ char *copy = xstrdup(path);
  char *save = NULL;
  for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    if (!strcmp(c, ".."))
      return error_set(err, 0, "entry `%s` leads out with `..`: refusing the layer", path);
    if (strcmp(c, "."))
      strv_append(comps, n, xstrdup(c));
  }
  return 0;
}

/* The directory that holds comps[0..n-1]'s last component, opened beneath
 * the layer, missing directories made on the way. */
static int open_parent(int layer, char **comps, size_t n, const char *entry, struct error *err)
{
  int fd = fcntl(layer, F_DUPFD_CLOEXEC, 3);
  for (size_t i = 0; fd >= 0 && i + 1 < n; i++) {
    /* From the layer's top each time, so that a link may point anywhere
     * inside the layer but nowhere outside it. */
    _cleanup_free_ char *prefix = xstrdup(comps[0]);
    for (size_t j = 1; j <= i; j++) {
      char *p = xasprintf("%s/%s", prefix, comps[j]);
      free(prefix);
      prefix = p;
    }
    struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
    int next = openat2_retry(layer, prefix, &how);
    if (next < 0 && errno == ENOENT && mkdirat(fd, comps[i], 0755) == 0)
      next = openat2_retry(layer, prefix, &how);
    int saved = errno;
    close(fd);
    if (next < 0) {
      errno = saved;
      if (errno == EXDEV || errno == ELOOP)
        return error_set(err, 0, "entry `%s` goes through a link leading out of the layer (`%s`): refusing the layer",
                         entry, prefix);
      return error_set(err, errno, "entry `%s`: open `%s` in the layer", entry, prefix);
    }
    fd = next;
  }
  if (fd < 0)
    return error_set(err, errno, "dup");
  return fd;
}

/* Make room for name in dir: remove what the layer put there before,
 * unless both are directories. */
static void clear_name(int dir, const char *name, bool keep_dir)
{
  struct stat st;
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return;
  if (S_ISDIR(st.st_mode)) {
    if (!keep_dir)
      rm_rf_at(dir, name);
  } else {
    unlinkat(dir, name, 0);
  }
}

static int set_xattr(int fd, const char *name, const char *value, const char *entry, struct error *err)
{
  if (fsetxattr(fd, name, value, strlen(value), 0) < 0)
    return error_set(err, errno, "entry `%s`: set %s (user xattrs are needed in the store's file system)", entry,
                     name);
  return 0;
}

/* In an opaque directory the kernel reads no xattr whiteouts: those this
 * layer made there before would show as empty files. Nothing below shows
 * anyway, so they go. */
static void drop_xwhiteouts(int dir)
{
  int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd < 0 ? NULL : fdopendir(fd);
  if (!d) {
    if (fd >= 0)
      close(fd);
    return;
  }
  struct dirent *de;
  while ((de = readdir(d))) {
    char v[4];
    _cleanup_close_ int f = de->d_type == DT_REG ? openat(dir, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
    if (f >= 0 && fgetxattr(f, "user.overlay.whiteout", v, sizeof v) >= 0)
      unlinkat(dir, de->d_name, 0);
  }
  closedir(d);
}

static int whiteout(int dir, const char *name, const char *entry, struct error *err)
{
  char opq[8] = "";
  if (!strcmp(name, ".wh..opq")) {  /* .wh..wh..opq: the directory hides what lies below */
    drop_xwhiteouts(dir);
    return set_xattr(dir, "user.overlay.opaque", "y", entry, err);
  }
  if (!strncmp(name, ".wh.", 4))  /* other aufs metadata (.wh..wh.plnk...) */
    return 0;
  if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
    return error_set(err, 0, "bad whiteout `%s`: refusing the layer", entry);
  ssize_t n = fgetxattr(dir, "user.overlay.opaque", opq, sizeof opq - 1);
  if (n == 1 && opq[0] == 'y')
    return 0;  /* nothing below shows anyway */
  clear_name(dir, name, false);
  _cleanup_close_ int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return error_set(err, errno, "entry `%s`: create whiteout", entry);
  int r = set_xattr(fd, "user.overlay.whiteout", "y", entry, err);
  return r < 0 ? r : set_xattr(dir, "user.overlay.opaque", "x", entry, err);
}

/* The image's owner, inside store_mapped_run's namespace (which maps them
 * as a run does); an id the namespace does not map stays root, counted in
 * *unmapped. Outside one, every file stays the caller's. */
static void set_owner(int fd, const char *name, uid_t uid, gid_t gid, size_t *unmapped)
{
  if (!store_keeps_owners() || (uid == 0 && gid == 0))
    return;
  if (fchownat(fd, name, uid, gid, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH)) < 0)
    (*unmapped)++;
}

static int extract_entry(struct archive *a, struct archive_entry *e, int layer, size_t *skipped, size_t *unmapped,
                         struct error *err)
{
  const char *path = archive_entry_pathname(e);
  _cleanup_strv_ char **comps = NULL;
  size_t n = 0;
  int r;
  if (!path)
    return error_set(err, 0, "an entry without a name: refusing the layer");
  if ((r = split_path(path, &comps, &n, err)) < 0)
    return r;
  mode_t mode = archive_entry_perm(e) & 07777;
  uid_t uid = (uid_t) archive_entry_uid(e);
  gid_t gid = (gid_t) archive_entry_gid(e);
  if (n == 0) {  /* the layer's top directory */
    if (archive_entry_filetype(e) != AE_IFDIR)
      return error_set(err, 0, "entry `%s`, the layer's top, is not a directory: refusing the layer", path);
    fchmod(layer, mode | 0700);
    return 0;
  }
  _cleanup_close_ int dir = open_parent(layer, comps, n, path, err);
  if (dir < 0)
    return dir;
  const char *name = comps[n - 1];
  if (!strncmp(name, ".wh.", 4))
    return whiteout(dir, name + 4, path, err);

  const char *hardlink = archive_entry_hardlink(e);
  if (hardlink) {
    _cleanup_strv_ char **tc = NULL;
    size_t tn = 0;
    if ((r = split_path(hardlink, &tc, &tn, err)) < 0)
      return error_wrap(err, r, "hard link `%s`", path);
    if (tn == 0)
      return error_set(err, 0, "hard link `%s` to the layer's top: refusing the layer", path);
    _cleanup_close_ int tdir = open_parent(layer, tc, tn, hardlink, err);
    if (tdir < 0)
      return tdir;
    clear_name(dir, name, false);
    if (linkat(tdir, tc[tn - 1], dir, name, 0) < 0)
      return error_set(err, errno, "hard link `%s` to `%s`", path, hardlink);
    return 0;
  }

  switch (archive_entry_filetype(e)) {
  case AE_IFDIR: {
    clear_name(dir, name, true);
    if (mkdirat(dir, name, 0700) < 0 && errno != EEXIST)
      return error_set(err, errno, "mkdir `%s`", path);
    _cleanup_close_ int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0)
      set_owner(fd, "", uid, gid, unmapped);
    if (fd < 0 || fchmod(fd, mode | 0700) < 0)
      return error_set(err, errno, "directory `%s`", path);
    return 0;
  }
  case AE_IFREG: {
    clear_name(dir, name, false);
    _cleanup_close_ int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
      return error_set(err, errno, "create `%s`", path);
    if (archive_read_data_into_fd(a, fd) != ARCHIVE_OK)
      return error_set(err, archive_errno(a), "extract `%s`: %s", path, archive_error_string(a));
    struct timespec t[2] = {{.tv_sec = archive_entry_mtime(e)}, {.tv_sec = archive_entry_mtime(e)}};
    futimens(fd, t);
    set_owner(fd, "", uid, gid, unmapped);  /* before the mode: chown clears set-id bits */
    if (fchmod(fd, mode) < 0)
      return error_set(err, errno, "chmod `%s`", path);
    return 0;
  }
  case AE_IFLNK: {
    const char *target = archive_entry_symlink(e);
    clear_name(dir, name, false);
    if (!target || symlinkat(target, dir, name) < 0)
      return error_set(err, errno, "symlink `%s`", path);
    set_owner(dir, name, uid, gid, unmapped);
    return 0;
  }
  case AE_IFIFO:
    clear_name(dir, name, false);
    /* mknodat's mode is masked by the umask: set it as the layer says. */
    if (mknodat(dir, name, S_IFIFO | mode, 0) < 0 || fchmodat(dir, name, mode, 0) < 0)
      return error_set(err, errno, "fifo `%s`", path);
    set_owner(dir, name, uid, gid, unmapped);
    return 0;
  default:  /* devices: cannot be made without privilege */
    (*skipped)++;
    return 0;
  }
}

/* Extract the layer blob digest of the layout into dest (a new directory
 * in dirfd), hashing every byte read; the digest is checked at the end. */
static int extract_layer(int layout, const char *digest, int dirfd, const char *dest, struct error *err)
{
  _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", digest + 7);
  struct layer_reader *lr = xcalloc(1, sizeof *lr);
  lr->fd = open_beneath(layout, path, O_RDONLY, err, "open layer");
  if (lr->fd < 0) {
    free(lr);
    return -ENOENT;
  }
  sha256_init(&lr->hash);
  int r = 0;
  size_t skipped = 0, unmapped = 0;
  _cleanup_close_ int layer = -1;
  if (mkdirat(dirfd, dest, 0755) < 0 ||
      (layer = openat(dirfd, dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    r = error_set(err, errno, "make the layer's directory");
  struct archive *a = archive_read_new();
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_format_tar(a);
  if (r == 0 && archive_read_open(a, lr, NULL, layer_read, NULL) != ARCHIVE_OK)
    r = error_set(err, archive_errno(a), "layer %s: %s", digest, archive_error_string(a));
  struct archive_entry *e;
  while (r == 0 && (r = tar_next(a, &e, err, "layer %s", digest)) == 0 && e)
    r = extract_entry(a, e, layer, &skipped, &unmapped, err);
  archive_read_free(a);
  /* What follows the archive's end (tar's padding) counts in the digest. */
  const void *rest;
  while (lr->fd >= 0 && layer_read(NULL, lr, &rest) > 0)
    ;
  char got[72];
  sha256_final(&lr->hash, got);
  close(lr->fd);
  free(lr);
  if (strcmp(got, digest)) {
    /* Whatever else went wrong, this is the reason. */
    *err = (struct error) {0};
    return error_set(err, 0, "layer blob `%s` does not match its digest (it is %s): refusing the image", path, got);
  }
  if (r == 0 && unmapped)
    log_warn("layer %.19s: %zu file%s kept root as owner: the image's owner is beyond your subordinate ids", digest,
             unmapped, unmapped == 1 ? "" : "s");
  if (r == 0 && skipped)
    log_warn("layer %.19s: %zu device node%s skipped (they cannot be made without privilege)", digest, skipped,
             skipped == 1 ? "" : "s");
  return r;
}

/* ---------------------------------------------------------------- import */

struct import {
  struct store st;
  int layout;
  char *manifest_digest, *manifest, *config_digest, *config;
  char **layers;     /* digests, bottom first */
  size_t n_layers;
  char **fresh;      /* extracted under tmp/, to move into layers/ */
  size_t n_fresh;
  int64_t size;
  char *source;      /* source_key(), for hutch run SOURCE; NULL for a pull */
  char *stamp;       /* source_stamp() as the import began */
};

static int read_image(struct import *im, const char *tag, struct error *err)
{
  _cleanup_free_ char *index_text = NULL;
  _cleanup_close_ int fd = open_beneath(im->layout, "index.json", O_RDONLY, err, "open");
  if (fd < 0)
    return error_wrap(err, fd, "not an OCI image layout");
  json_object *index = json_object_from_fd(fd), *desc, *m = NULL, *c, *ls;
  int r = 0;
  if (!index)
    return error_set(err, 0, "index.json is not JSON");
  if (!(desc = pick_manifest(index, tag, false, err)))
    r = -ENOENT;
  /* An index in the index: this machine's image. */
  json_object *nested = NULL;
  if (r == 0 && store_is_index_type(store_json_str(desc, "mediaType"))) {
    _cleanup_free_ char *text = read_blob(im->layout, store_json_str(desc, "digest"), err);
    if (!text || !(nested = json_tokener_parse(text)) || !(desc = pick_manifest(nested, NULL, true, err)))
      r = -EINVAL;
  }
  if (r == 0) {
    im->manifest_digest = xstrdup(store_json_str(desc, "digest") ? store_json_str(desc, "digest") : "");
    if (!(im->manifest = read_blob(im->layout, im->manifest_digest, err)) || !(m = json_tokener_parse(im->manifest)))
      r = r ? r : error_set(err, 0, "the manifest is not JSON");
  }
  if (r == 0 && (!json_object_object_get_ex(m, "config", &c) ||
                 !json_object_object_get_ex(m, "layers", &ls) || !json_object_is_type(ls, json_type_array)))
    r = error_set(err, 0, "the manifest has no config or no layers");
  if (r == 0) {
    im->config_digest = xstrdup(store_json_str(c, "digest") ? store_json_str(c, "digest") : "");
    if (!(im->config = read_blob(im->layout, im->config_digest, err)))
      r = -EINVAL;
  }
  for (size_t i = 0; r == 0 && i < json_object_array_length(ls); i++) {
    json_object *l = json_object_array_get_idx(ls, i), *size;
    const char *d = store_json_str(l, "digest");
    if (!store_digest_valid(d)) {
      r = error_set(err, 0, "layer %zu: bad digest `%s` (only sha256 is supported)", i, d ? d : "(none)");
      break;
    }
    strv_append(&im->layers, &im->n_layers, xstrdup(d));
    if (json_object_object_get_ex(l, "size", &size))
      im->size += json_object_get_int64(size);
  }
  json_object_put(m);
  json_object_put(nested);
  json_object_put(index);
  return r;
}

static int extract_layers(struct import *im, struct error *err)
{
  _cleanup_close_ int tmp = openat(im->st.dir_fd, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (tmp < 0)
    return error_set(err, errno, "open `%s/tmp`", im->st.dir);
  for (size_t i = 0; i < im->n_layers; i++) {
    _cleanup_free_ char *name = store_digest_name(im->layers[i]);
    _cleanup_free_ char *stored = xasprintf("layers/%s", name);
    bool dup = false;
    for (size_t j = 0; j < im->n_fresh; j++)
      dup = dup || !strcmp(im->fresh[j], name);
    if (dup || faccessat(im->st.dir_fd, stored, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
      log_debug("layer %.19s: in the store already", im->layers[i]);
      continue;
    }
    int r = extract_layer(im->layout, im->layers[i], tmp, name, err);
    strv_append(&im->fresh, &im->n_fresh, xstrdup(name));
    if (r < 0)
      return error_wrap(err, r, "layer %zu", i + 1);
  }
  /* On disk before they are named: a crash must not leave a layer whose
   * files are still empty. */
  if (im->n_fresh && syncfs(tmp) < 0)
    return error_set(err, errno, "sync the image store");
  return 0;
}

/* The image's entry in the index, replacing one of the same name:tag. */
static int commit_image(struct import *im, const char *name, const char *tag, struct error *err)
{
  json_object *index = NULL, *images, *conf;
  int r;
  for (size_t i = 0; i < im->n_fresh; i++) {
    _cleanup_free_ char *from = xasprintf("tmp/%s", im->fresh[i]), *to = xasprintf("layers/%s", im->fresh[i]);
    if (renameat(im->st.dir_fd, from, im->st.dir_fd, to) < 0)
      return error_set(err, errno, "move layer `%s` into the store", im->fresh[i]);
  }
  if ((r = store_put_blob(&im->st, im->manifest_digest, im->manifest, strlen(im->manifest), err)) < 0 ||
      (r = store_put_blob(&im->st, im->config_digest, im->config, strlen(im->config), err)) < 0 ||
      (r = store_index_load(&im->st, &index, err)) < 0)
    return r;
  size_t pos;
  json_object_object_get_ex(index, "images", &images);
  if (store_index_find(index, name, tag, &pos))
    json_object_array_del_idx(images, pos, 1);
  json_object *e = json_object_new_object(), *ls = json_object_new_array();
  json_object_object_add(e, "name", json_object_new_string(name));
  json_object_object_add(e, "tag", json_object_new_string(tag));
  json_object_object_add(e, "manifest", json_object_new_string(im->manifest_digest));
  json_object_object_add(e, "config", json_object_new_string(im->config_digest));
  for (size_t i = 0; i < im->n_layers; i++)
    json_object_array_add(ls, json_object_new_string(im->layers[i]));
  json_object_object_add(e, "layers", ls);
  json_object_object_add(e, "size", json_object_new_int64(im->size));
  if (im->source)
    json_object_object_add(e, "source", json_object_new_string(im->source));
  if (im->stamp)
    json_object_object_add(e, "stamp", json_object_new_string(im->stamp));
  conf = json_tokener_parse(im->config);
  const char *created = store_json_str(conf, "created");
  json_object_object_add(e, "created", json_object_new_string(created ? created : ""));
  json_object_put(conf);
  json_object_array_add(images, e);
  if ((r = store_index_save(&im->st, index, err)) == 0)
    store_gc(&im->st, index);  /* what the replaced image alone used */
  json_object_put(index);
  return r;
}

/* Where the image is read from: the OCI layout itself, or the layout a
 * docker-archive or tarball was staged as under tmp/ (staging.c). */
static int open_source(struct import *im, const struct image_source *src, char **stage, char **repo_tag,
                       struct error *err)
{
  if (src->kind == SOURCE_OCI) {
    im->layout = open(src->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (im->layout < 0)
      return error_set(err, errno, "OCI layout `%s`", src->path);
    return 0;
  }
  _cleanup_close_ int tmp = openat(im->st.dir_fd, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (tmp < 0)
    return error_set(err, errno, "open `%s/tmp`", im->st.dir);
  *stage = xasprintf("stage-%d", (int) getpid());
  int r = stage_source(src->kind == SOURCE_DOCKER_ARCHIVE ? STAGE_DOCKER_ARCHIVE : STAGE_TARBALL, src->path,
                       src->tag, tmp, *stage, repo_tag, err);
  if (r == 0 && (im->layout = openat(tmp, *stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    r = error_set(err, errno, "open the staged image");
  return r;
}

/* An import's end, with r what reading and extracting came to: on success
 * the image committed and said (NAME:TAG and the start of its id); either
 * way nothing left in tmp/ (its extracted layers, the staged layout; the
 * next writer empties tmp/ too) and im's memory freed. Its descriptors
 * are the caller's. */
static int import_finish(struct import *im, int r, const char *name, const char *tag, const char *stage,
                         struct error *err)
{
  if (r == 0)
    r = commit_image(im, name, tag, err);
  if (r == 0)
    printf("%s:%s %.19s\n", name, tag, im->config_digest);
  if (im->st.dir_fd >= 0) {
    _cleanup_close_ int tmp = openat(im->st.dir_fd, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    for (size_t i = 0; tmp >= 0 && i < im->n_fresh; i++)
      rm_rf_at(tmp, im->fresh[i]);
    if (tmp >= 0 && stage)
      rm_rf_at(tmp, stage);
  }
  free(im->manifest_digest);
  free(im->manifest);
  free(im->config_digest);
  free(im->config);
  strvfreep(&im->layers);
  strvfreep(&im->fresh);
  return r;
}

static int import_here(const char *source, const char *ref, struct error *err)
{
  struct image_source src;
  _cleanup_free_ char *name = NULL, *tag = NULL, *stage = NULL, *repo_tag = NULL;
  int r = source_parse(source, &src, err);
  if (r < 0)
    return r;
  _cleanup_free_ char *path = src.path;
  _cleanup_free_ char *key = source_key(&src), *stamp = source_stamp(&src);
  struct import im = {.layout = -1, .st = {.dir_fd = -1, .lock_fd = -1}, .source = key, .stamp = stamp};
  if (ref)
    r = store_parse_ref(ref, &name, &tag, err);
  if (r == 0)
    r = store_open(&im.st, true, err);
  if (r == 0)
    r = open_source(&im, &src, &stage, &repo_tag, err);
  if (r == 0 && (r = read_image(&im, src.kind == SOURCE_OCI ? src.tag : NULL, err)) < 0)
    error_wrap(err, r, "image `%s`", src.path);
  if (r == 0 && !ref) {
    /* The archive's own name for the image, else one from the file's. */
    struct error ignored = {0};
    _cleanup_free_ char *def = source_default_ref(&src);
    if (!repo_tag || store_parse_ref(repo_tag, &name, &tag, &ignored) < 0)
      if ((r = store_parse_ref(def, &name, &tag, err)) < 0)
        error_wrap(err, r, "name the image: hutch import %s NAME[:TAG]", source);
  }
  if (r == 0 && (r = extract_layers(&im, err)) < 0)
    error_wrap(err, r, "image `%s`", src.path);
  r = import_finish(&im, r, name, tag, stage, err);
  store_close(&im.st);
  close_fd(&im.layout);
  return r;
}

int import_staged(struct store *st, int layout, const char *name, const char *tag, struct error *err)
{
  struct import im = {.st = *st, .layout = layout};
  int r = read_image(&im, NULL, err);
  if (r == 0)
    r = extract_layers(&im, err);
  return import_finish(&im, r, name, tag, NULL, err);
}

struct import_args {
  const char *source, *ref;
};

void import_explain(struct error *err)
{
  if (err->fix[0])
    return;
  if (strstr(err->msg, "does not match its digest"))
    error_fix(err, "the image was damaged or changed on its way: get it again from its source (nothing was kept)");
  else if (strstr(err->msg, "refusing the layer"))
    error_fix(err, "the image holds entries made to write outside its layer: do not use it (nothing was kept)");
  else
    error_fix(err, "nothing was kept in the store: fix the cause above and run the command again");
}

static int import_fn(void *arg, struct error *err)
{
  struct import_args *a = arg;
  int r = import_here(a->source, a->ref, err);
  if (r < 0)
    import_explain(err);
  return r;
}

int import_image(const char *source, const char *ref, struct error *err)
{
  struct import_args a = {source, ref};
  return store_mapped_run(import_fn, &a, err);
}

#else

int import_image(const char *source, const char *ref, struct error *err)
{
  (void) source;
  (void) ref;
  return error_set(err, 0, "hutch was built without libarchive, so it cannot import images\n"
                   "rebuild with libarchive-dev installed (meson setup -Dlibarchive=enabled)");
}

#endif
