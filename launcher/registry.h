/* registry.h: talking to a registry of the OCI distribution API (the
 * Docker registry HTTP API v2), with libcurl: the transport and the auth
 * dance, nothing about images. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"

struct registry {
  char *host;        /* as the user named it: docker.io, 127.0.0.1:5000 */
  char *api_host;    /* where requests go: registry-1.docker.io for docker.io */
  char *repo;        /* library/busybox */
  bool tls_verify;   /* false: no certificate check, and plain http when TLS fails */
  const char *scheme;  /* "https" or "http", once registry_open found out */
  char *auth;        /* "Authorization: ..." header, or NULL */
  char *basic;       /* base64 user:password from an auth file, or NULL */
  void *curl;
};

/* Find the scheme (--tls-verify=false: plain http if TLS fails), the
 * credentials of the auth files podman and docker use, and authenticate
 * as the registry asks (a bearer token from its token service, or basic). */
int registry_open(struct registry *reg, struct error *err);
void registry_close(struct registry *reg);

/* GET /v2/REPO/manifests/REF: the body (at most 4 MiB) and its media type.
 * A digest REF is checked against the body. *digest is the body's. */
int registry_manifest(struct registry *reg, const char *ref, char **body, size_t *len, char **media_type,
                      char digest[72], struct error *err);
/* GET /v2/REPO/blobs/DIGEST into fd (empty, at its start), checked while
 * it streams: an error when it does not match. */
int registry_blob(struct registry *reg, const char *digest, int fd, const char *what, struct error *err);
