/* store.c: the local image store (see store.h for its layout). */
#define _GNU_SOURCE
#include "store.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "runtime.h"
#include "source.h"
#include "userns.h"
#include "util.h"

#define BLOB_MAX (4 << 20)

const char *store_arch(void)
{
  static const struct {
    const char *machine, *arch;
  } names[] = {{"x86_64", "amd64"}, {"aarch64", "arm64"}, {"i686", "386"}, {"armv7l", "arm"},
               {"ppc64le", "ppc64le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"}};
  static struct utsname u;
  uname(&u);
  for (size_t i = 0; i < N_ELEMENTS(names); i++)
    if (!strcmp(u.machine, names[i].machine))
      return names[i].arch;
  return u.machine;
}

bool store_digest_valid(const char *d)
{
  if (!d || strncmp(d, "sha256:", 7) || strlen(d) != 7 + 64)
    return false;
  for (const char *p = d + 7; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}

char *store_digest_name(const char *digest)
{
  return xasprintf("sha256-%s", digest + 7);
}

static bool name_char(char c, bool tag)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
         (tag ? (c >= 'A' && c <= 'Z') : c == '/');
}

int store_parse_ref(const char *ref, char **name, char **tag, struct error *err)
{
  /* NAME@sha256:HEX: the image pulled by that digest, kept under the tag
   * sha256-HEX (pull.c). */
  const char *at = strchr(ref, '@');
  _cleanup_free_ char *by_digest = NULL;
  if (at) {
    if (!store_digest_valid(at + 1))
      return error_set(err, 0, "bad image digest in `%s`\nuse NAME@sha256:HEX (64 lowercase hex digits)", ref);
    by_digest = xasprintf("%.*s:sha256-%s", (int) (at - ref), ref, at + 8);
    ref = by_digest;
  }
  const char *slash = strrchr(ref, '/'), *colon = strrchr(ref, ':');
  if (colon && slash && colon < slash)
    colon = NULL;
  size_t n = colon ? (size_t) (colon - ref) : strlen(ref);
  const char *t = colon ? colon + 1 : "latest";
  /* A registry's port, host:PORT/..., is the one colon a name may hold. */
  const char *first_slash = memchr(ref, '/', n);
  bool ok = n > 0 && n < 256 && *t && strlen(t) < 128 && ref[0] != '/' && ref[0] != '.';
  for (size_t i = 0; ok && i < n; i++)
    ok = (name_char(ref[i], false) || (ref[i] == ':' && first_slash && ref + i < first_slash)) &&
         !(ref[i] == '/' && (ref[i + 1] == '/' || ref[i + 1] == '.'));
  for (const char *p = t; ok && *p; p++)
    ok = name_char(*p, true);
  if (!ok)
    return error_set(err, 0, "bad image name `%s`\nuse NAME[:TAG]: lowercase letters, digits, . _ - and / in NAME; "
                     "letters, digits, . _ - in TAG", ref);
  *name = xstrndup(ref, n);
  *tag = xstrdup(t);
  return 0;
}

static int mkdir_at(int dirfd, const char *name, struct error *err)
{
  if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
    return error_set(err, errno, "mkdir `%s` in the image store", name);
  return 0;
}

/* hutch --root DIR: set once by main.c before any store call, like
 * log_level; hutch-import gets it as its own --root. */
static char *root_override;

void store_set_root(const char *dir)
{
  free(root_override);
  root_override = dir ? xstrdup(dir) : NULL;
}

const char *store_root(void)
{
  return root_override;
}

char *store_import_program(void)
{
  _cleanup_free_ char *dir = self_dir();
  char *beside = dir ? xasprintf("%s/hutch-import", dir) : NULL;
  if (beside && access(beside, X_OK) == 0)
    return beside;
  free(beside);
  return xasprintf("%s/hutch-import", HUTCH_LIBEXECDIR);
}

int store_path(char **out, struct error *err)
{
  if (root_override) {
    *out = xstrdup(root_override);
    return 0;
  }
  _cleanup_free_ char *data = NULL;
  int r = runtime_data_dir(&data, err);
  if (r < 0)
    return r;
  *out = xasprintf("%s/store", data);
  return 0;
}

int store_open(struct store *st, bool exclusive, struct error *err)
{
  *st = (struct store) {.dir_fd = -1, .lock_fd = -1, .exclusive = exclusive};
  int r = store_path(&st->dir, err);
  if (r < 0)
    return r;
  if (mkdir(st->dir, 0700) < 0 && errno != EEXIST)
    return error_set(err, errno, "mkdir `%s`", st->dir);
  st->dir_fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (st->dir_fd < 0)
    return error_set(err, errno, "open `%s`", st->dir);
  if ((r = mkdir_at(st->dir_fd, "layers", err)) < 0 || (r = mkdir_at(st->dir_fd, "blobs", err)) < 0 ||
      (r = mkdir_at(st->dir_fd, "tmp", err)) < 0)
    return r;
  st->lock_fd = openat(st->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (st->lock_fd < 0)
    return error_set(err, errno, "open `%s/lock`", st->dir);
  if (flock(st->lock_fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
    return error_set(err, errno, "lock `%s/lock`", st->dir);
  if (exclusive) {
    /* We are the only writer: whatever tmp/ holds, a writer that died left. */
    rm_rf_at(st->dir_fd, "tmp");
    if ((r = mkdir_at(st->dir_fd, "tmp", err)) < 0)
      return r;
  }
  return 0;
}

int store_relock(struct store *st, int mode, struct error *err)
{
  if (flock(st->lock_fd, mode) < 0)
    return error_set(err, errno, "lock `%s/lock`", st->dir);
  st->exclusive = mode == LOCK_EX;
  if (mode == LOCK_EX) {
    rm_rf_at(st->dir_fd, "tmp");
    return mkdir_at(st->dir_fd, "tmp", err);
  }
  return 0;
}

/* The downloads in pulls/ whose puller died: their lock is free. */
static void sweep_pulls(int pulls)
{
  int dup = fcntl(pulls, F_DUPFD_CLOEXEC, 3);
  DIR *d = dup < 0 ? NULL : fdopendir(dup);
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    _cleanup_close_ int fd = openat(pulls, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
      rm_rf_at(pulls, de->d_name);
  }
  if (d)
    closedir(d);
  else if (dup >= 0)
    close(dup);
}

int store_pull_dir(struct store *st, char **name, struct error *err)
{
  int r = mkdir_at(st->dir_fd, "pulls", err);
  _cleanup_close_ int pulls = r < 0 ? -1 : openat(st->dir_fd, "pulls", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (r < 0 || pulls < 0)
    return r < 0 ? r : error_set(err, errno, "open `%s/pulls`", st->dir);
  sweep_pulls(pulls);
  *name = xasprintf("pull-%d", (int) getpid());
  rm_rf_at(pulls, *name);
  if (mkdirat(pulls, *name, 0700) < 0)
    return error_set(err, errno, "mkdir `%s/pulls/%s`", st->dir, *name);
  int fd = openat(pulls, *name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || flock(fd, LOCK_EX) < 0)
    return error_set(err, errno, "open `%s/pulls/%s`", st->dir, *name);
  return fd;
}

void store_close(struct store *st)
{
  close_fd(&st->lock_fd);
  close_fd(&st->dir_fd);
  free(st->dir);
  st->dir = NULL;
}

int store_index_load(struct store *st, json_object **index, struct error *err)
{
  _cleanup_close_ int fd = openat(st->dir_fd, "index.json", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    *index = json_object_new_object();
    json_object_object_add(*index, "images", json_object_new_array());
    return 0;
  }
  if (fd < 0)
    return error_set(err, errno, "open `%s/index.json`", st->dir);
  *index = json_object_from_fd(fd);
  json_object *images;
  if (!*index || !json_object_object_get_ex(*index, "images", &images) ||
      !json_object_is_type(images, json_type_array)) {
    json_object_put(*index);
    *index = NULL;
    return error_set(err, 0, "`%s/index.json` is not an image index", st->dir);
  }
  return 0;
}

/* Write name in dirfd atomically: a temporary file, synced, renamed. */
static int write_atomic(int dirfd, const char *name, const char *data, size_t len)
{
  _cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", name, (int) getpid());
  _cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return -errno;
  int r = write_all(fd, data, len);
  if (r == 0 && fsync(fd) < 0)
    r = -errno;
  if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
    r = -errno;
  if (r < 0)
    unlinkat(dirfd, tmp, 0);
  return r;
}

int store_index_save(struct store *st, json_object *index, struct error *err)
{
  const char *text = json_object_to_json_string_ext(index, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
  int r = write_atomic(st->dir_fd, "index.json", text, strlen(text));
  if (r < 0)
    return error_set(err, -r, "write `%s/index.json`", st->dir);
  return 0;
}

const char *store_json_str(json_object *o, const char *key)
{
  json_object *v;
  return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
             ? json_object_get_string(v) : NULL;
}

json_object *store_index_find(json_object *index, const char *name, const char *tag, size_t *pos)
{
  json_object *images;
  if (!json_object_object_get_ex(index, "images", &images))
    return NULL;
  for (size_t i = 0; i < json_object_array_length(images); i++) {
    json_object *e = json_object_array_get_idx(images, i);
    const char *n = store_json_str(e, "name"), *t = store_json_str(e, "tag");
    if (n && t && !strcmp(n, name) && !strcmp(t, tag)) {
      if (pos)
        *pos = i;
      return e;
    }
  }
  return NULL;
}

int store_put_blob(struct store *st, const char *digest, const char *data, size_t len, struct error *err)
{
  _cleanup_free_ char *name = store_digest_name(digest);
  _cleanup_free_ char *path = xasprintf("blobs/%s", name);
  if (faccessat(st->dir_fd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return 0;
  _cleanup_close_ int blobs = openat(st->dir_fd, "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  int r = blobs < 0 ? -errno : write_atomic(blobs, name, data, len);
  if (r < 0)
    return error_set(err, -r, "write `%s/%s`", st->dir, path);
  return 0;
}

char *store_read_blob(struct store *st, const char *digest, size_t *len, struct error *err)
{
  if (!store_digest_valid(digest)) {
    error_set(err, 0, "bad digest `%s` in the image store", digest);
    return NULL;
  }
  _cleanup_free_ char *name = store_digest_name(digest);
  _cleanup_free_ char *path = xasprintf("%s/blobs/%s", st->dir, name);
  char *data = read_file(path, BLOB_MAX, len);
  if (!data)
    error_set(err, errno, "read `%s`", path);
  return data;
}

/* Is digest named by an image of the index (as its manifest, config or one
 * of its layers)? */
static bool in_use(json_object *index, const char *digest)
{
  json_object *images, *layers;
  json_object_object_get_ex(index, "images", &images);
  for (size_t i = 0; i < json_object_array_length(images); i++) {
    json_object *e = json_object_array_get_idx(images, i);
    const char *m = store_json_str(e, "manifest"), *c = store_json_str(e, "config");
    if ((m && !strcmp(m, digest)) || (c && !strcmp(c, digest)))
      return true;
    if (json_object_object_get_ex(e, "layers", &layers))
      for (size_t j = 0; j < json_object_array_length(layers); j++)
        if (!strcmp(json_object_get_string(json_object_array_get_idx(layers, j)), digest))
          return true;
  }
  return false;
}

static int find_image(struct store *st, const char *ref, json_object **index, json_object **entry, struct error *err);

struct gc_count {
  size_t removed, busy;
};

static void gc_dir(struct store *st, json_object *index, const char *sub, struct gc_count *n)
{
  _cleanup_close_ int fd = openat(st->dir_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  DIR *d = fd < 0 ? NULL : fdopendir(fd);
  if (!d)
    return;
  fd = -1;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (strncmp(de->d_name, "sha256-", 7))
      continue;
    _cleanup_free_ char *digest = xasprintf("sha256:%s", de->d_name + 7);
    if (in_use(index, digest))
      continue;
    /* A layer a sandbox runs on keeps its shared lock: left for a later
     * clean-up. */
    _cleanup_close_ int busy = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (busy >= 0 && flock(busy, LOCK_EX | LOCK_NB) < 0) {
      log_debug("image store: %s/%s is in use by a sandbox: kept for now", sub, de->d_name);
      n->busy++;
      continue;
    }
    log_debug("image store: removing %s/%s, which no image uses", sub, de->d_name);
    rm_rf_at(dirfd(d), de->d_name);
    n->removed++;
  }
  closedir(d);
}

static void gc_both(struct store *st, json_object *index, struct gc_count *layers, struct gc_count *blobs)
{
  gc_dir(st, index, "layers", layers);
  gc_dir(st, index, "blobs", blobs);
}

void store_gc(struct store *st, json_object *index)
{
  struct gc_count layers = {0}, blobs = {0};
  gc_both(st, index, &layers, &blobs);
}

/* `hutch prune`, in store_mapped_run's namespace (the files may be
 * subordinate ids'). */
static int prune_here(void *arg, struct error *err)
{
  (void) arg;
  struct store st;
  json_object *index = NULL;
  int r = store_open(&st, true, err);
  if (r == 0)
    r = store_index_load(&st, &index, err);
  if (r == 0) {
    struct gc_count layers = {0}, blobs = {0};
    gc_both(&st, index, &layers, &blobs);
    /* Downloads whose puller died (store_pull_dir removes them too). */
    _cleanup_close_ int pulls = openat(st.dir_fd, "pulls", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (pulls >= 0)
      sweep_pulls(pulls);
    printf("removed %zu layer%s and %zu blob%s that no image uses", layers.removed, layers.removed == 1 ? "" : "s",
           blobs.removed, blobs.removed == 1 ? "" : "s");
    if (layers.busy)
      printf("; kept %zu that a running sandbox uses", layers.busy);
    printf("\n");
  }
  json_object_put(index);
  store_close(&st);
  return r;
}

int store_prune(struct error *err)
{
  return store_mapped_run(prune_here, NULL, err);
}

/* A JSON value of the config, or null. */
static json_object *copy_of(json_object *o, const char *key)
{
  json_object *v;
  return o && json_object_object_get_ex(o, key, &v) ? json_object_get(v) : NULL;
}

int store_inspect(const char *ref, FILE *f, struct error *err)
{
  struct store st;
  json_object *index = NULL, *e, *conf = NULL, *c = NULL;
  int r = find_image(&st, ref, &index, &e, err);
  _cleanup_free_ char *data = NULL;
  size_t len;
  if (r == 0 && !e)
    r = -ENOENT;
  if (r == 0 && !(data = store_read_blob(&st, store_json_str(e, "config"), &len, err)))
    r = -EINVAL;
  if (r == 0 && !(conf = json_tokener_parse(data)))
    r = error_set(err, 0, "image `%s`: its config is not JSON", ref);
  if (r == 0) {
    json_object_object_get_ex(conf, "config", &c);
    json_object *o = json_object_new_object(), *all = json_object_new_array();
    json_object_object_add(o, "Name", copy_of(e, "name"));
    json_object_object_add(o, "Tag", copy_of(e, "tag"));
    json_object_object_add(o, "Id", copy_of(e, "config"));
    json_object_object_add(o, "Digest", copy_of(e, "manifest"));
    json_object_object_add(o, "Source", copy_of(e, "source"));
    json_object_object_add(o, "Created", copy_of(e, "created"));
    json_object_object_add(o, "Size", copy_of(e, "size"));
    json_object_object_add(o, "Architecture", copy_of(conf, "architecture"));
    json_object_object_add(o, "Os", copy_of(conf, "os"));
    json_object_object_add(o, "Layers", copy_of(e, "layers"));
    static const char *const keys[] = {"Entrypoint", "Cmd", "Env", "WorkingDir", "User", "ExposedPorts", "Volumes",
                                       "Labels", "StopSignal"};
    json_object *cfg = json_object_new_object();
    for (size_t i = 0; i < N_ELEMENTS(keys); i++)
      if (c && json_object_object_get_ex(c, keys[i], NULL))
        json_object_object_add(cfg, keys[i], copy_of(c, keys[i]));
    json_object_object_add(o, "Config", cfg);
    json_object_array_add(all, o);
    fprintf(f, "%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(all);
  }
  json_object_put(conf);
  json_object_put(index);
  store_close(&st);
  return r;
}

bool store_name_has_registry(const char *name)
{
  const char *slash = strchr(name, '/');
  size_t first = slash ? (size_t) (slash - name) : 0;
  return slash && (memchr(name, '.', first) || memchr(name, ':', first) || !strncmp(name, "localhost/", 10));
}

bool store_is_index_type(const char *mt)
{
  return mt && (!strcmp(mt, "application/vnd.oci.image.index.v1+json") ||
                !strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json"));
}

char **store_name_candidates(const char *name)
{
  char **v = NULL;
  size_t n = 0;
  strv_append(&v, &n, xstrdup(name));
  const char *slash = strchr(name, '/');
  if (store_name_has_registry(name))
    return v;
  strv_append(&v, &n, slash ? xasprintf("docker.io/%s", name) : xasprintf("docker.io/library/%s", name));
  strv_append(&v, &n, xasprintf("localhost/%s", name));
  return v;
}

json_object *store_index_lookup(json_object *index, const char *name, const char *tag, size_t *pos)
{
  _cleanup_strv_ char **names = store_name_candidates(name);
  json_object *e = NULL;
  for (size_t i = 0; names[i] && !e; i++)
    e = store_index_find(index, names[i], tag, pos);
  return e;
}

/* The index entry ref names, with the store open shared; NULL (no error)
 * when there is none. */
static int find_image(struct store *st, const char *ref, json_object **index, json_object **entry, struct error *err)
{
  _cleanup_free_ char *name = NULL, *tag = NULL, *key = NULL;
  *st = (struct store) {.dir_fd = -1, .lock_fd = -1};
  *entry = NULL;
  *index = NULL;
  struct error ignored = {0};
  struct image_source src;
  /* oci:DIR and the like: the image last imported from there. */
  if (source_parse(ref, &src, &ignored) == 0) {
    key = source_key(&src);
    source_free(&src);
  } else if (store_parse_ref(ref, &name, &tag, &ignored) < 0) {
    return 0;
  }
  int r = store_open(st, false, err);
  if (r < 0 || (r = store_index_load(st, index, err)) < 0)
    return r;
  json_object *images;
  json_object_object_get_ex(*index, "images", &images);
  for (size_t i = json_object_array_length(images); key && i-- > 0 && !*entry;) {
    const char *s = store_json_str(json_object_array_get_idx(images, i), "source");
    if (s && !strcmp(s, key))
      *entry = json_object_array_get_idx(images, i);
  }
  if (!key)
    *entry = store_index_lookup(*index, name, tag, NULL);
  /* NAME@sha256:HEX: also an image of that name pulled or imported by tag
   * whose manifest has that digest. */
  const char *at = strchr(ref, '@');
  _cleanup_strv_ char **names = !key && !*entry && at ? store_name_candidates(name) : NULL;
  for (size_t i = 0; names && !*entry && i < json_object_array_length(images); i++) {
    json_object *e = json_object_array_get_idx(images, i);
    const char *n = store_json_str(e, "name"), *m = store_json_str(e, "manifest");
    for (size_t j = 0; n && m && names[j] && !*entry; j++)
      if (!strcmp(n, names[j]) && !strcmp(m, at + 1))
        *entry = e;
  }
  return 0;
}

bool store_source_current(const char *source)
{
  struct store st = {.dir_fd = -1, .lock_fd = -1};
  json_object *index = NULL, *e, *ls;
  struct error ignored = {0};
  struct image_source src;
  if (source_parse(source, &src, &ignored) < 0)
    return false;
  _cleanup_free_ char *stamp = source_stamp(&src);
  source_free(&src);
  bool current = false;
  if (stamp && find_image(&st, source, &index, &e, &ignored) == 0 && e && store_json_str(e, "stamp") &&
      !strcmp(store_json_str(e, "stamp"), stamp) && json_object_object_get_ex(e, "layers", &ls)) {
    current = true;
    for (size_t i = 0; current && i < json_object_array_length(ls); i++) {
      const char *d = json_object_get_string(json_object_array_get_idx(ls, i));
      _cleanup_free_ char *path = store_digest_valid(d) ? xasprintf("layers/sha256-%s", d + 7) : NULL;
      current = path && faccessat(st.dir_fd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
    }
  }
  json_object_put(index);
  store_close(&st);
  return current;
}

int store_image_layers(const char *ref, char ***layers, size_t *n_layers, bool *found, struct error *err)
{
  struct store st;
  json_object *index = NULL, *e, *ls;
  *found = false;
  int r = find_image(&st, ref, &index, &e, err);
  if (r == 0 && e) {
    *found = true;
    size_t n = 0;
    if (!json_object_object_get_ex(e, "layers", &ls) || !json_object_is_type(ls, json_type_array))
      r = error_set(err, 0, "image `%s`: its index entry names no layers", ref);
    for (size_t i = 0; r == 0 && i < json_object_array_length(ls); i++) {
      const char *d = json_object_get_string(json_object_array_get_idx(ls, i));
      if (!store_digest_valid(d)) {
        r = error_set(err, 0, "image `%s`: bad layer digest `%s`", ref, d);
        break;
      }
      char *path = xasprintf("%s/layers/sha256-%s", st.dir, d + 7);
      /* Held (shared) for the life of this process and of the sandbox's
       * processes, which inherit it: rmi leaves a layer in use alone. */
      int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        r = error_set(err, errno, "image `%s`: layer `%s` is missing from the store\nimport the image again", ref, path);
      else if (flock(fd, LOCK_SH) < 0)
        r = error_set(err, errno, "lock layer `%s`", path);
      strv_append(layers, &n, path);
    }
    *n_layers = n;
  }
  json_object_put(index);
  store_close(&st);
  return r;
}

/* A JSON array of strings -> a NULL-terminated vector appended to *v. */
static void strv_from_json(json_object *a, char ***v, size_t *n)
{
  if (!a || !json_object_is_type(a, json_type_array))
    return;
  for (size_t i = 0; i < json_object_array_length(a); i++) {
    json_object *s = json_object_array_get_idx(a, i);
    if (json_object_is_type(s, json_type_string))
      strv_append(v, n, xstrdup(json_object_get_string(s)));
  }
}

int store_image_config(const char *ref, struct image_config *cfg, bool *found, struct error *err)
{
  struct store st;
  json_object *index = NULL, *e, *conf = NULL, *c, *v;
  *cfg = (struct image_config) {0};
  *found = false;
  int r = find_image(&st, ref, &index, &e, err);
  _cleanup_free_ char *data = NULL;
  if (r == 0 && e) {
    *found = true;
    size_t len;
    if (!(data = store_read_blob(&st, store_json_str(e, "config"), &len, err)))
      r = -EINVAL;
    else if (!(conf = json_tokener_parse(data)))
      r = error_set(err, 0, "image `%s`: its config is not JSON", ref);
  }
  if (r == 0 && conf && json_object_object_get_ex(conf, "config", &c) && json_object_is_type(c, json_type_object)) {
    size_t n = 0;
    json_object *ep = NULL, *cmd = NULL;
    json_object_object_get_ex(c, "Entrypoint", &ep);
    json_object_object_get_ex(c, "Cmd", &cmd);
    strv_from_json(ep, &cfg->argv, &n);
    strv_from_json(cmd, &cfg->argv, &n);
    if (json_object_object_get_ex(c, "Env", &v))
      strv_from_json(v, &cfg->env, &cfg->n_env);
    /* ExposedPorts: a hint only; hutch publishes nothing unasked. */
    json_object *ports;
    if (log_level >= LOG_INFO && json_object_object_get_ex(c, "ExposedPorts", &ports) &&
        json_object_is_type(ports, json_type_object)) {
      json_object_object_foreach(ports, port, unused) {
        (void) unused;
        unsigned long num = strtoul(port, NULL, 10);
        log_msg(LOG_INFO, "image `%s` exposes %s: publish it with -p HOSTPORT:%lu%s", ref, port, num,
                strstr(port, "/udp") ? "/udp" : "");
      }
    }
    const char *w = store_json_str(c, "WorkingDir"), *u = store_json_str(c, "User");
    cfg->workdir = w && *w ? xstrdup(w) : NULL;
    cfg->user = u && *u ? xstrdup(u) : NULL;
  }
  json_object_put(conf);
  json_object_put(index);
  store_close(&st);
  return r;
}

void image_config_free(struct image_config *cfg)
{
  strvfreep(&cfg->argv);
  strvfreep(&cfg->env);
  free(cfg->workdir);
  free(cfg->user);
  *cfg = (struct image_config) {0};
}

int store_list(FILE *f, struct error *err)
{
  struct store st;
  json_object *index = NULL, *images;
  int r = store_open(&st, false, err);
  if (r == 0)
    r = store_index_load(&st, &index, err);
  if (r == 0) {
    fprintf(f, "%-30s %-16s %-12s %10s  %s\n", "NAME", "TAG", "ID", "SIZE", "CREATED");
    json_object_object_get_ex(index, "images", &images);
    for (size_t i = 0; i < json_object_array_length(images); i++) {
      json_object *e = json_object_array_get_idx(images, i), *size;
      const char *config = store_json_str(e, "config"), *created = store_json_str(e, "created");
      int64_t bytes = json_object_object_get_ex(e, "size", &size) ? json_object_get_int64(size) : 0;
      fprintf(f, "%-30s %-16s %-12.12s %8.1fMB  %s\n", store_json_str(e, "name"), store_json_str(e, "tag"),
              config && strlen(config) > 7 ? config + 7 : "?", (double) bytes / 1e6, created ? created : "");
    }
  }
  json_object_put(index);
  store_close(&st);
  return r;
}

static int remove_here(const char *ref, struct error *err)
{
  _cleanup_free_ char *name = NULL, *tag = NULL;
  struct store st;
  json_object *index = NULL, *images;
  size_t pos;
  int r = store_parse_ref(ref, &name, &tag, err);
  if (r < 0)
    return r;
  if ((r = store_open(&st, true, err)) == 0 && (r = store_index_load(&st, &index, err)) == 0) {
    if (!store_index_lookup(index, name, tag, &pos)) {
      r = error_set(err, 0, "no image `%s:%s` in the store\nlist them with hutch images", name, tag);
    } else {
      json_object_object_get_ex(index, "images", &images);
      json_object_array_del_idx(images, pos, 1);
      /* The name goes first: a crash before the layers are gone leaves
       * unused layers, never a name without its layers. */
      if ((r = store_index_save(&st, index, err)) == 0)
        store_gc(&st, index);
    }
  }
  json_object_put(index);
  store_close(&st);
  return r;
}

static bool keeps_owners;

static int remove_fn(void *arg, struct error *err)
{
  return remove_here(arg, err);
}

int store_remove(const char *ref, struct error *err)
{
  return store_mapped_run(remove_fn, (void *) ref, err);
}

bool store_keeps_owners(void)
{
  return keeps_owners;
}

static ssize_t read_full(int fd, void *buf, size_t len)
{
  ssize_t n;
  do
    n = read(fd, buf, len);
  while (n < 0 && errno == EINTR);
  return n;
}

int store_mapped_run(int (*fn)(void *arg, struct error *err), void *arg, struct error *err)
{
  struct userns_plan plan;
  int r = userns_plan(USERNS_AUTO, &plan, err);
  if (r < 0)
    return r;
  if (plan.mode != USERNS_AUTO || plan.n_uid_map < 2 || plan.n_gid_map < 2) {
    userns_plan_free(&plan);
    return fn(arg, err);
  }
  /* to_child: "mapped"; to_parent: "unshared", then the struct error. */
  int to_child[2], to_parent[2];
  if (pipe2(to_child, O_CLOEXEC) < 0) {
    userns_plan_free(&plan);
    return error_set(err, errno, "pipe");
  }
  if (pipe2(to_parent, O_CLOEXEC) < 0) {
    r = error_set(err, errno, "pipe");
    close(to_child[0]);
    close(to_child[1]);
    userns_plan_free(&plan);
    return r;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    struct error e = {0};
    char c = 0;
    close(to_child[1]);
    close(to_parent[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (unshare(CLONE_NEWUSER) < 0) {
      error_set(&e, errno, "unshare(CLONE_NEWUSER) for the image store");
      r = -1;
    } else if (write(to_parent[1], "u", 1) != 1 || read_full(to_child[0], &c, 1) != 1 || c != 'm') {
      r = -1;  /* the parent says why */
    } else {
      keeps_owners = true;
      r = fn(arg, &e);
    }
    fflush(stdout);
    if (r < 0 && write_all(to_parent[1], &e, sizeof e) < 0)
      _exit(2);
    _exit(r < 0 ? 1 : 0);
  }
  close(to_child[0]);
  close(to_parent[1]);
  if (pid < 0) {
    r = error_set(err, errno, "fork");
    close(to_child[1]);
  } else {
    char c = 0;
    if (read_full(to_parent[0], &c, 1) == 1 && c == 'u') {
      r = userns_apply(&plan, pid, err);
      if (r == 0 && write(to_child[1], "m", 1) != 1)
        r = error_set(err, errno, "write to the image store's helper");
    }
    close(to_child[1]);
    struct error e = {0};
    ssize_t n = read_full(to_parent[0], &e, sizeof e);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
      ;
    if (r == 0 && n == (ssize_t) sizeof e) {
      e.msg[sizeof e.msg - 1] = '\0';
      *err = e;
      r = e.errnum ? -e.errnum : -EINVAL;
    } else if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      r = error_set(err, 0, "the image store's helper failed (wait status %d)", status);
    }
  }
  close(to_parent[0]);
  userns_plan_free(&plan);
  return r;
}
