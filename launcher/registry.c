/* registry.c: the OCI distribution API over libcurl (registry.h).
 *
 * Authentication as registries hand it out: the first request (GET /v2/)
 * answers 401 with a WWW-Authenticate challenge. "Bearer realm=R,
 * service=S[,scope=...]" asks for a token from R (with the user's
 * credentials, when the auth file has some, as basic auth), sent as
 * "Authorization: Bearer T" from then on; "Basic" asks for the credentials
 * themselves. The credentials come from the auth files podman and docker
 * write: $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
 * ~/.config/containers/auth.json, ~/.docker/config.json, first that names
 * the registry ({"auths": {"HOST": {"auth": "base64(user:password)"}}}).
 *
 * TLS: https with the system's certificates. With --tls-verify=false (as
 * podman spells it), certificates are not checked and, when the registry
 * does not speak TLS at all, plain http is used: a local test registry.
 * Without it, plain http is never used. Blob downloads follow the
 * registry's redirects (to its storage); curl sends our Authorization
 * header to the registry's own host only. */
#define _GNU_SOURCE
#include "registry.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "util.h"

#define MANIFEST_MAX (4u << 20)

struct response {
  CURL *curl;
  long status;
  char *body;          /* kept when no fd, or for an error (first 64 KiB) */
  size_t len, max;
  int fd;              /* -1: into body */
  struct sha256 hash;  /* of what went to fd */
  uint64_t written;
  int write_error;
  char *media_type, *challenge;
  /* progress on a terminal */
  const char *what;
  double shown;
};

static void response_reset(struct response *rs)
{
  free(rs->body);
  free(rs->media_type);
  free(rs->challenge);
  rs->body = rs->media_type = rs->challenge = NULL;
  rs->len = 0;
  rs->status = 0;
}

static size_t on_header(char *buf, size_t size, size_t n, void *data)
{
  struct response *rs = data;
  size_t len = size * n;
  if (len >= 5 && !strncmp(buf, "HTTP/", 5)) {  /* a new response: after a redirect, or a 1xx */
    free(rs->media_type);
    free(rs->challenge);
    rs->media_type = rs->challenge = NULL;
  }
  _cleanup_free_ char *line = xstrndup(buf, len);
  line[strcspn(line, "\r\n")] = '\0';
  char *colon = strchr(line, ':');
  if (!colon)
    return len;
  *colon = '\0';
  const char *value = colon + 1 + strspn(colon + 1, " \t");
  if (!strcasecmp(line, "content-type")) {
    free(rs->media_type);
    rs->media_type = xstrndup(value, strcspn(value, ";"));
  } else if (!strcasecmp(line, "www-authenticate")) {
    free(rs->challenge);
    rs->challenge = xstrdup(value);
  }
  return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *data)
{
  struct response *rs = data;
  size_t len = size * n;
  long code = 0;
  curl_easy_getinfo(rs->curl, CURLINFO_RESPONSE_CODE, &code);
  if (rs->fd >= 0 && code == 200) {
    if (write_all(rs->fd, buf, len) < 0) {
      rs->write_error = errno;
      return 0;
    }
    sha256_update(&rs->hash, buf, len);
    rs->written += len;
    return len;
  }
  size_t max = rs->fd >= 0 || code != 200 ? 65536 : rs->max;
  if (rs->len + len > max)
    return rs->fd >= 0 || code != 200 ? len : 0;  /* an error page: its start will do */
  rs->body = xrealloc(rs->body, rs->len + len + 1);
  memcpy(rs->body + rs->len, buf, len);
  rs->len += len;
  rs->body[rs->len] = '\0';
  return len;
}

static int on_progress(void *data, curl_off_t total, curl_off_t now, curl_off_t ut, curl_off_t un)
{
  struct response *rs = data;
  (void) ut;
  (void) un;
  if (rs->what && total > 0 && (double) now - rs->shown > 1e6) {
    rs->shown = (double) now;
    fprintf(stderr, "\r%s: %5.1f of %5.1f MB", rs->what, (double) now / 1e6, (double) total / 1e6);
  }
  return 0;
}

/* One request to url; rs->status set. Transport errors are errors. */
static int request(struct registry *reg, const char *url, const char *accept, const char *auth, struct response *rs,
                   CURLcode *code, struct error *err)
{
  CURL *c = reg->curl;
  struct curl_slist *headers = NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  if (accept) {
    _cleanup_free_ char *h = xasprintf("Accept: %s", accept);
    headers = curl_slist_append(headers, h);
  }
  if (auth)
    headers = curl_slist_append(headers, auth);
  curl_easy_reset(c);
  rs->curl = c;
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, reg->tls_verify ? "https" : "https,http");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, reg->tls_verify ? "https" : "https,http");
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, reg->tls_verify ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, reg->tls_verify ? 2L : 0L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  /* A stalled transfer (under 1 KB/s for a minute) is an error. */
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "hutch/" HUTCH_VERSION);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, rs);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, rs);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (rs->what && isatty(STDERR_FILENO)) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, rs);
  }
  CURLcode cc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (code)
    *code = cc;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rs->status);
  if (rs->what && isatty(STDERR_FILENO) && rs->shown > 0)
    fprintf(stderr, "\r%s: %5.1f MB%-20s\n", rs->what, (double) rs->written / 1e6, "");
  if (rs->write_error)
    return error_set(err, rs->write_error, "write what `%s` sends", url);
  if (cc != CURLE_OK)
    return error_set(err, 0, "%s: %s", url, *errbuf ? errbuf : curl_easy_strerror(cc));
  return 0;
}

/* ---------------------------------------------------------- credentials */

static char *auth_from_file(const char *path, const char *host)
{
  json_object *o = json_object_from_file(path), *auths, *entry, *auth;
  char *out = NULL;
  if (!o)
    return NULL;
  _cleanup_free_ char *https = xasprintf("https://%s", host);
  const char *keys[] = {host, https, !strcmp(host, "docker.io") ? "https://index.docker.io/v1/" : NULL};
  if (json_object_object_get_ex(o, "auths", &auths))
    for (size_t i = 0; i < N_ELEMENTS(keys) && !out; i++)
      if (keys[i] && json_object_object_get_ex(auths, keys[i], &entry) &&
          json_object_object_get_ex(entry, "auth", &auth) && json_object_get_string_len(auth) > 0)
        out = xstrdup(json_object_get_string(auth));
  json_object_put(o);
  if (out)
    log_debug("pull: credentials for %s from %s", host, path);
  return out;
}

static char *find_credentials(const char *host)
{
  const char *home = getenv("HOME"), *xdg = getenv("XDG_RUNTIME_DIR"), *env = getenv("REGISTRY_AUTH_FILE");
  _cleanup_free_ char *run = xdg && *xdg ? xasprintf("%s/containers/auth.json", xdg) : NULL;
  _cleanup_free_ char *config = home ? xasprintf("%s/.config/containers/auth.json", home) : NULL;
  _cleanup_free_ char *docker = home ? xasprintf("%s/.docker/config.json", home) : NULL;
  const char *files[] = {env, run, config, docker};
  for (size_t i = 0; i < N_ELEMENTS(files); i++) {
    char *a = files[i] && access(files[i], R_OK) == 0 ? auth_from_file(files[i], host) : NULL;
    if (a)
      return a;
  }
  return NULL;
}

/* ------------------------------------------------------- authentication */

/* key="value" of a challenge's parameters (RFC 7235 auth-params). */
static char *challenge_param(const char *ch, const char *key)
{
  size_t klen = strlen(key);
  for (const char *p = ch; (p = strcasestr(p, key)); p += klen) {
    bool start = p == ch || p[-1] == ' ' || p[-1] == ',';
    if (!start || p[klen] != '=')
      continue;
    const char *v = p + klen + 1;
    if (*v == '"') {
      const char *end = strchr(v + 1, '"');
      return end ? xstrndup(v + 1, (size_t) (end - v - 1)) : NULL;
    }
    return xstrndup(v, strcspn(v, ", "));
  }
  return NULL;
}

static int get_token(struct registry *reg, const char *challenge, struct error *err)
{
  _cleanup_free_ char *realm = challenge_param(challenge, "realm");
  _cleanup_free_ char *service = challenge_param(challenge, "service");
  _cleanup_free_ char *scope = challenge_param(challenge, "scope");
  if (!realm || strncmp(realm, "http", 4))
    return error_set(err, 0, "registry `%s` asks for a token but names no token service (WWW-Authenticate: %s)",
                     reg->host, challenge);
  _cleanup_free_ char *our_scope = xasprintf("repository:%s:pull", reg->repo);
  char *s = service ? curl_easy_escape(reg->curl, service, 0) : NULL;
  char *sc = curl_easy_escape(reg->curl, scope ? scope : our_scope, 0);
  _cleanup_free_ char *url = xasprintf("%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?", s ? s : "", sc);
  curl_free(s);
  curl_free(sc);
  _cleanup_free_ char *basic = reg->basic ? xasprintf("Authorization: Basic %s", reg->basic) : NULL;
  struct response rs = {.fd = -1, .max = 1 << 20};
  int r = request(reg, url, "application/json", basic, &rs, NULL, err);
  json_object *o = r == 0 && rs.status == 200 ? json_tokener_parse(rs.body ? rs.body : "") : NULL, *t;
  if (r == 0 && rs.status == 401)
    r = error_set(err, 0, "registry `%s` refused the credentials%s for %s\n%s", reg->host,
                  reg->basic ? " of your auth file" : " (none found)", reg->repo,
                  "log in first (podman login HOST), or check the name");
  else if (r == 0 && (!o || !((json_object_object_get_ex(o, "token", &t) || json_object_object_get_ex(o, "access_token", &t)) &&
                              json_object_get_string_len(t) > 0)))
    r = error_set(err, 0, "the token service of `%s` (%s) gave no token (HTTP %ld)", reg->host, realm, rs.status);
  if (r == 0) {
    free(reg->auth);
    reg->auth = xasprintf("Authorization: Bearer %s", json_object_get_string(t));
  }
  json_object_put(o);
  response_reset(&rs);
  return r;
}

static int authenticate(struct registry *reg, const char *challenge, struct error *err)
{
  if (challenge && !strncasecmp(challenge, "bearer", 6))
    return get_token(reg, challenge, err);
  if (challenge && !strncasecmp(challenge, "basic", 5)) {
    if (!reg->basic)
      return error_set(err, 0, "registry `%s` needs a user name and password, and no auth file has them\n"
                       "log in first: podman login %s (or write %s)", reg->host, reg->host,
                       "~/.config/containers/auth.json");
    free(reg->auth);
    reg->auth = xasprintf("Authorization: Basic %s", reg->basic);
    return 0;
  }
  return error_set(err, 0, "registry `%s` asks for an authentication hutch does not know (%s)", reg->host,
                   challenge ? challenge : "no WWW-Authenticate header");
}

int registry_open(struct registry *reg, struct error *err)
{
  static bool initialized;
  if (!initialized) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    initialized = true;
  }
  if (!(reg->curl = curl_easy_init()))
    return error_set(err, ENOMEM, "curl_easy_init");
  reg->basic = find_credentials(reg->host);
  for (int attempt = 0; attempt < 2; attempt++) {
    reg->scheme = attempt ? "http" : "https";
    _cleanup_free_ char *url = xasprintf("%s://%s/v2/", reg->scheme, reg->api_host);
    struct response rs = {.fd = -1, .max = 65536};
    CURLcode cc;
    struct error e = {0};
    int r = request(reg, url, NULL, NULL, &rs, &cc, &e);
    _cleanup_free_ char *challenge = rs.challenge ? xstrdup(rs.challenge) : NULL;
    long status = rs.status;
    response_reset(&rs);
    if (r < 0 && attempt == 0 && !reg->tls_verify &&
        (cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_RECV_ERROR || cc == CURLE_WEIRD_SERVER_REPLY ||
         cc == CURLE_GOT_NOTHING)) {
      log_debug("pull: %s does not speak TLS; --tls-verify=false: plain http", reg->host);
      continue;
    }
    if (r < 0) {
      *err = e;
      if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_OPERATION_TIMEDOUT)
        error_fix(err, "check the registry's name (%s) and that it answers from here", reg->host);
      else if (cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_PEER_FAILED_VERIFICATION)
        error_fix(err, "if %s is a local registry without TLS or with a certificate of its own, "
                  "pull with --tls-verify=false", reg->host);
      return error_wrap(err, -EIO, "registry `%s`", reg->host);
    }
    if (status == 401)
      return authenticate(reg, challenge, err);
    if (status != 200)
      return error_set(err, 0, "registry `%s` answers HTTP %ld to %s: not a registry of the OCI distribution API",
                       reg->host, status, url);
    return 0;
  }
  return error_set(err, 0, "registry `%s`: no answer over https or http", reg->host);
}

void registry_close(struct registry *reg)
{
  if (reg->curl)
    curl_easy_cleanup(reg->curl);
  reg->curl = NULL;
  free(reg->auth);
  free(reg->basic);
  reg->auth = reg->basic = NULL;
}

/* A registry's error body: {"errors": [{"code", "message"}]}, first one. */
static char *error_text(const struct response *rs)
{
  json_object *o = rs->body ? json_tokener_parse(rs->body) : NULL, *es, *e0, *code, *msg;
  char *out = NULL;
  if (o && json_object_object_get_ex(o, "errors", &es) && json_object_is_type(es, json_type_array) &&
      (e0 = json_object_array_get_idx(es, 0)) && json_object_object_get_ex(e0, "code", &code))
    out = xasprintf("%s%s%s", json_object_get_string(code), json_object_object_get_ex(e0, "message", &msg) ? ": " : "",
                    json_object_object_get_ex(e0, "message", &msg) ? json_object_get_string(msg) : "");
  json_object_put(o);
  return out ? out : xasprintf("HTTP %ld", rs->status);
}

/* GET path (under /v2/REPO/), authenticating again once when a token
 * expired or the scope changed. */
static int get(struct registry *reg, const char *path, const char *accept, struct response *rs, struct error *err)
{
  _cleanup_free_ char *url = xasprintf("%s://%s/v2/%s/%s", reg->scheme, reg->api_host, reg->repo, path);
  for (int attempt = 0;; attempt++) {
    int r = request(reg, url, accept, reg->auth, rs, NULL, err);
    if (r < 0 || rs->status != 401 || attempt > 0)
      return r;
    _cleanup_free_ char *challenge = rs->challenge ? xstrdup(rs->challenge) : NULL;
    if ((r = authenticate(reg, challenge, err)) < 0)
      return r;
    response_reset(rs);  /* a 401's body never reached rs->fd (on_body) */
  }
}

static const char *const manifest_types =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

int registry_manifest(struct registry *reg, const char *ref, char **body, size_t *len, char **media_type,
                      char digest[72], struct error *err)
{
  _cleanup_free_ char *path = xasprintf("manifests/%s", ref);
  struct response rs = {.fd = -1, .max = MANIFEST_MAX};
  int r = get(reg, path, manifest_types, &rs, err);
  /* A digest is written REPO@sha256:HEX, a tag REPO:TAG. */
  const char *sep = strncmp(ref, "sha256:", 7) == 0 ? "@" : ":";
  if (r == 0 && rs.status != 200) {
    _cleanup_free_ char *why = error_text(&rs);
    if (rs.status == 404)
      r = error_set(err, 0, "registry `%s` has no image `%s%s%s` (%s)\ncheck the name and the %s", reg->host,
                    reg->repo, sep, ref, why, *sep == '@' ? "digest" : "tag");
    else if (rs.status == 401 || rs.status == 403)
      r = error_set(err, 0, "registry `%s` refuses access to `%s` (%s)\nlog in first (podman login %s), or check the name",
                    reg->host, reg->repo, why, reg->host);
    else
      r = error_set(err, 0, "registry `%s`: manifest `%s%s%s`: %s", reg->host, reg->repo, sep, ref, why);
  }
  if (r == 0 && !rs.body)
    r = error_set(err, 0, "registry `%s`: manifest `%s%s%s` is empty (or over 4 MiB)", reg->host, reg->repo, sep, ref);
  if (r == 0) {
    sha256_of(rs.body, rs.len, digest);
    if (!strncmp(ref, "sha256:", 7) && strcmp(ref, digest))
      r = error_set(err, 0, "registry `%s`: manifest `%s@%s` does not match its digest (it is %s): refusing the image",
                    reg->host, reg->repo, ref, digest);
  }
  if (r == 0) {
    *body = steal_pointer(&rs.body);
    *len = rs.len;
    *media_type = rs.media_type ? xstrdup(rs.media_type) : NULL;
  }
  response_reset(&rs);
  return r;
}

int registry_blob(struct registry *reg, const char *digest, int fd, const char *what, struct error *err)
{
  _cleanup_free_ char *path = xasprintf("blobs/%s", digest);
  struct response rs = {.fd = fd, .what = what};
  sha256_init(&rs.hash);
  int r = get(reg, path, NULL, &rs, err);
  char got[72];
  sha256_final(&rs.hash, got);
  if (r == 0 && rs.status != 200) {
    _cleanup_free_ char *why = error_text(&rs);
    r = error_set(err, 0, "registry `%s`: blob %s of `%s`: %s", reg->host, digest, reg->repo, why);
  } else if (r == 0 && strcmp(got, digest)) {
    r = error_set(err, 0, "registry `%s`: blob %s of `%s` does not match its digest (it is %s): refusing the image",
                  reg->host, digest, reg->repo, got);
  }
  response_reset(&rs);
  return r;
}
