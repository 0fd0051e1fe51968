/* digest.h: SHA-256 from libcrypto, in the "sha256:HEX" form images use. */
#pragma once

#include <stddef.h>

struct sha256 {
  void *ctx;  /* EVP_MD_CTX */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* "sha256:HEX" into out (72 bytes); frees the context. */
void sha256_final(struct sha256 *s, char out[72]);
/* The digest of one buffer. */
void sha256_of(const void *data, size_t len, char out[72]);
