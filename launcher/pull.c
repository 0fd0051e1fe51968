/* pull.c: an image from a registry into the store (pull.h).
 *
 * The download is an OCI layout of its own under store/pulls/, flocked by
 * this process, made without the store's lock (runs and imports go on
 * meanwhile): the manifest (this machine's, when the tag names an index or
 * a manifest list), the config, and each layer the store does not hold
 * already, every blob's sha256 checked while it streams. Then, with the
 * store locked, that layout is imported as an OCI layout is (import.c):
 * layers extracted into tmp/, renamed into place, the name written last.
 * A mismatch, an error or a kill leaves nothing in the store: the download
 * directory goes at the end, or with the next pull when we died. */
#define _GNU_SOURCE
#include "pull.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"
#include "log.h"
#include "registry.h"
#include "store.h"
#include "util.h"

struct pull {
  struct registry reg;
  struct store st;
  char *fetch;       /* the tag or digest to ask the registry for */
  char *name, *tag;  /* in the store */
  char *dir_name;    /* pulls/DIR_NAME */
  int dir, blobs;    /* the download: DIR and DIR/blobs/sha256 */
  char manifest_digest[72];
  char *config_digest;
  char **layers;
  size_t n_layers;
};

/* [docker://][REGISTRY/]NAME[:TAG][@DIGEST] -> registry, repository, what
 * to fetch, and the name and tag in the store. */
static int parse_ref(struct pull *p, const char *text, struct error *err)
{
  if (!strncmp(text, "docker://", 9))
    text += 9;
  _cleanup_free_ char *copy = xstrdup(text);
  char *at = strchr(copy, '@'), *digest = NULL;
  if (at) {
    *at = '\0';
    digest = at + 1;
    if (!store_digest_valid(digest))
      return error_set(err, 0, "bad digest in `%s`\nuse NAME@sha256:HEX (64 lowercase hex digits)", text);
  }
  char *slash = strrchr(copy, '/'), *colon = strrchr(copy, ':');
  const char *tag = NULL;
  if (colon && (!slash || colon > slash)) {
    *colon = '\0';
    tag = colon + 1;
  }
  char *first = strchr(copy, '/');
  bool has_registry = store_name_has_registry(copy);
  p->reg.host = has_registry ? xstrndup(copy, (size_t) (first - copy)) : xstrdup("docker.io");
  const char *path = has_registry ? first + 1 : copy;
  p->reg.repo = !has_registry && !strchr(path, '/') ? xasprintf("library/%s", path) : xstrdup(path);
  p->reg.api_host = xstrdup(!strcmp(p->reg.host, "docker.io") ? "registry-1.docker.io" : p->reg.host);
  p->fetch = xstrdup(digest ? digest : tag ? tag : "latest");
  _cleanup_free_ char *store_ref = digest && !tag ? xasprintf("%s/%s@%s", p->reg.host, p->reg.repo, digest)
                                                  : xasprintf("%s/%s:%s", p->reg.host, p->reg.repo, tag ? tag : "latest");
  int r = store_parse_ref(store_ref, &p->name, &p->tag, err);
  return r < 0 ? error_wrap(err, r, "image `%s`", text) : 0;
}

static int write_file(int dir, const char *name, const char *data, size_t len, struct error *err)
{
  _cleanup_close_ int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 || write_all(fd, data, len) < 0)
    return error_set(err, errno, "write `%s` of the download", name);
  return 0;
}

/* An index or manifest list -> the digest of this machine's manifest. */
static int pick_platform(struct pull *p, json_object *index, char **digest, struct error *err)
{
  json_object *ms;
  if (!json_object_object_get_ex(index, "manifests", &ms) || !json_object_is_type(ms, json_type_array))
    return error_set(err, 0, "`%s`: the image index lists no manifests", p->reg.repo);
  _cleanup_free_ char *seen = xstrdup("");
  for (size_t i = 0; i < json_object_array_length(ms); i++) {
    json_object *m = json_object_array_get_idx(ms, i), *plat;
    if (!json_object_object_get_ex(m, "platform", &plat))
      continue;
    const char *os = store_json_str(plat, "os"), *arch = store_json_str(plat, "architecture"),
               *variant = store_json_str(plat, "variant");
    if (os && arch && !strcmp(os, "linux") && !strcmp(arch, store_arch()) &&
        (!variant || strcmp(arch, "arm64") || !strcmp(variant, "v8")) &&
        store_digest_valid(store_json_str(m, "digest"))) {
      *digest = xstrdup(store_json_str(m, "digest"));
      return 0;
    }
    char *more = xasprintf("%s%s%s/%s%s%s", seen, *seen ? ", " : "", os ? os : "?", arch ? arch : "?",
                           variant ? "/" : "", variant ? variant : "");
    free(seen);
    seen = more;
  }
  return error_set(err, 0, "`%s/%s:%s` has no image for this machine (linux/%s); it has %s\npull a tag or digest made "
                   "for linux/%s", p->reg.host, p->reg.repo, p->fetch, store_arch(), *seen ? seen : "none with a platform",
                   store_arch());
}

static bool is_index(const char *media_type, json_object *o)
{
  json_object *ms;
  if (store_is_index_type(media_type))
    return true;
  return json_object_object_get_ex(o, "manifests", &ms) && !json_object_object_get_ex(o, "layers", &ms);
}

/* The manifest (resolving an index), written to the download's blobs and
 * named by its index.json; the config's and layers' digests noted. */
static int fetch_manifest(struct pull *p, struct error *err)
{
  _cleanup_free_ char *body = NULL, *type = NULL;
  size_t len;
  int r = registry_manifest(&p->reg, p->fetch, &body, &len, &type, p->manifest_digest, err);
  json_object *o = r == 0 ? json_tokener_parse(body) : NULL, *c, *ls, *v;
  if (r == 0 && !o)
    r = error_set(err, 0, "registry `%s`: the manifest of `%s` is not JSON", p->reg.host, p->reg.repo);
  if (r == 0 && is_index(type, o)) {
    _cleanup_free_ char *digest = NULL;
    if ((r = pick_platform(p, o, &digest, err)) == 0) {
      json_object_put(o);
      o = NULL;
      free(body);
      free(type);
      body = type = NULL;
      r = registry_manifest(&p->reg, digest, &body, &len, &type, p->manifest_digest, err);
      if (r == 0 && !(o = json_tokener_parse(body)))
        r = error_set(err, 0, "registry `%s`: the manifest %s is not JSON", p->reg.host, digest);
    }
  }
  if (r == 0 && json_object_object_get_ex(o, "schemaVersion", &v) && json_object_get_int(v) == 1)
    r = error_set(err, 0, "`%s`: a schema 1 manifest, which hutch does not read\nask for a newer tag of the image",
                  p->reg.repo);
  if (r == 0 && (!json_object_object_get_ex(o, "config", &c) || !store_digest_valid(store_json_str(c, "digest")) ||
                 !json_object_object_get_ex(o, "layers", &ls) || !json_object_is_type(ls, json_type_array)))
    r = error_set(err, 0, "registry `%s`: the manifest of `%s` has no config or no layers", p->reg.host, p->reg.repo);
  if (r == 0)
    p->config_digest = xstrdup(store_json_str(c, "digest"));
  for (size_t i = 0; r == 0 && i < json_object_array_length(ls); i++) {
    const char *d = store_json_str(json_object_array_get_idx(ls, i), "digest");
    if (!store_digest_valid(d))
      r = error_set(err, 0, "layer %zu: bad digest `%s` (only sha256 is supported)", i + 1, d ? d : "(none)");
    else
      strv_append(&p->layers, &p->n_layers, xstrdup(d));
  }
  if (r == 0)
    r = write_file(p->blobs, p->manifest_digest + 7, body, len, err);
  if (r == 0) {
    _cleanup_free_ char *index = xasprintf("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\","
                                           "\"digest\":\"%s\",\"size\":%zu}]}",
                                           "application/vnd.oci.image.manifest.v1+json", p->manifest_digest, len);
    r = write_file(p->dir, "index.json", index, strlen(index), err);
  }
  json_object_put(o);
  return r;
}

/* A blob into the download, unless it is there; fresh files only. */
static int fetch_blob(struct pull *p, const char *digest, const char *what, struct error *err)
{
  if (faccessat(p->blobs, digest + 7, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return 0;
  _cleanup_free_ char *part = xasprintf("%s.part", digest + 7);
  _cleanup_close_ int fd = openat(p->blobs, part, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return error_set(err, errno, "create `%s` in the download", part);
  int r = registry_blob(&p->reg, digest, fd, what, err);
  if (r == 0 && renameat(p->blobs, part, p->blobs, digest + 7) < 0)
    r = error_set(err, errno, "rename `%s` in the download", part);
  if (r < 0)
    unlinkat(p->blobs, part, 0);
  return r;
}

/* The config, from the store when an image there has it. */
static int fetch_config(struct pull *p, struct error *err)
{
  size_t len;
  struct error ignored = {0};
  _cleanup_free_ char *name = xasprintf("blobs/sha256-%s", p->config_digest + 7);
  _cleanup_free_ char *data = faccessat(p->st.dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0
                                  ? store_read_blob(&p->st, p->config_digest, &len, &ignored) : NULL;
  char got[72] = "";
  if (data)
    sha256_of(data, len, got);
  if (data && !strcmp(got, p->config_digest))
    return write_file(p->blobs, p->config_digest + 7, data, len, err);
  return fetch_blob(p, p->config_digest, NULL, err);
}

/* The layers neither in the store nor in the download yet. */
static int fetch_layers(struct pull *p, struct error *err)
{
  for (size_t i = 0; i < p->n_layers; i++) {
    _cleanup_free_ char *stored = xasprintf("layers/sha256-%s", p->layers[i] + 7);
    if (faccessat(p->st.dir_fd, stored, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
      log_debug("pull: layer %.19s is in the store already", p->layers[i]);
      continue;
    }
    _cleanup_free_ char *what = xasprintf("layer %zu/%zu %.19s", i + 1, p->n_layers, p->layers[i]);
    int r = fetch_blob(p, p->layers[i], what, err);
    if (r < 0)
      return error_wrap(err, r, "layer %zu", i + 1);
  }
  return 0;
}

static int pull_here(const char *ref, bool tls_verify, struct error *err)
{
  struct pull p = {.reg = {.tls_verify = tls_verify}, .dir = -1, .blobs = -1};
  int r = parse_ref(&p, ref, err);
  if (r == 0)
    r = store_open(&p.st, false, err);
  if (r == 0 && (p.dir = store_pull_dir(&p.st, &p.dir_name, err)) < 0)
    r = p.dir;
  /* Downloads hold no lock of the store: runs and imports go on. */
  if (r == 0)
    r = store_relock(&p.st, LOCK_UN, err);
  if (r == 0 && (mkdirat(p.dir, "blobs", 0700) < 0 || mkdirat(p.dir, "blobs/sha256", 0700) < 0 ||
                 (p.blobs = openat(p.dir, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0))
    r = error_set(err, errno, "make the download's directory");
  if (r == 0)
    r = registry_open(&p.reg, err);
  if (r == 0)
    r = fetch_manifest(&p, err);
  if (r == 0)
    r = fetch_config(&p, err);
  if (r == 0)
    r = fetch_layers(&p, err);
  /* With the store locked: what an rmi removed meanwhile is fetched
   * again, then the download becomes the image. */
  if (r == 0)
    r = store_relock(&p.st, LOCK_EX, err);
  if (r == 0)
    r = fetch_layers(&p, err);
  if (r == 0)
    r = import_staged(&p.st, p.dir, p.name, p.tag, err);
  if (r < 0)
    error_wrap(err, r, "pull `%s`", ref);
  if (p.dir_name) {
    _cleanup_close_ int pulls = openat(p.st.dir_fd, "pulls", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (pulls >= 0)
      rm_rf_at(pulls, p.dir_name);
  }
  registry_close(&p.reg);
  store_close(&p.st);
  close_fd(&p.blobs);
  close_fd(&p.dir);
  free(p.reg.host);
  free(p.reg.api_host);
  free(p.reg.repo);
  free(p.fetch);
  free(p.name);
  free(p.tag);
  free(p.dir_name);
  free(p.config_digest);
  strvfreep(&p.layers);
  return r;
}

struct pull_args {
  const char *ref;
  bool tls_verify;
};

static int pull_fn(void *arg, struct error *err)
{
  struct pull_args *a = arg;
  int r = pull_here(a->ref, a->tls_verify, err);
  if (r < 0)
    import_explain(err);
  return r;
}

int pull_image(const char *ref, bool tls_verify, struct error *err)
{
  struct pull_args a = {ref, tls_verify};
  return store_mapped_run(pull_fn, &a, err);
}
