/* digest.c: SHA-256 from libcrypto: a digest is the one thing an image's
 * trust rests on, and it comes from the library that is made for it. */
#define _GNU_SOURCE
#include "digest.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <unistd.h>

#include "util.h"

void sha256_init(struct sha256 *s)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
    static const char msg[] = "hutch: out of memory\n";
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0)
      _exit(EXIT_HUTCH_FAILED);
    _exit(EXIT_HUTCH_FAILED);
  }
  s->ctx = ctx;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
  EVP_DigestUpdate(s->ctx, data, len);
}

void sha256_final(struct sha256 *s, char out[72])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(s->ctx, md, &len);
  EVP_MD_CTX_free(s->ctx);
  s->ctx = NULL;
  int o = snprintf(out, 72, "sha256:");
  for (unsigned int i = 0; i < len && i < 32; i++)
    o += snprintf(out + o, 72 - (size_t) o, "%02x", md[i]);
}

void sha256_of(const void *data, size_t len, char out[72])
{
  struct sha256 s;
  sha256_init(&s);
  sha256_update(&s, data, len);
  sha256_final(&s, out);
}
