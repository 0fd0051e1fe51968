/* fuzz-seccomp.c: the seccomp profile parser and compiler
 * (launcher/seccomp.c). The input is the text of a profile (OCI / Docker
 * JSON). Links seccomp.c, caps.c, util.c and error.c, with the real json-c
 * and libseccomp.
 *
 * Today seccomp.c reads a profile only from a file, so the text goes into a
 * memfd named as --seccomp /proc/self/fd/N. Each input is compiled as a
 * launch does (seccomp_filter_compile: parse, then libseccomp) and then
 * described as --print-policy does. runtime_base() is stubbed to fail, which
 * turns the filter cache off: nothing is written, and each input is really
 * compiled. libseccomp's compile time bounds the executions per second; the
 * input size is bounded by -max_len in meson.build.
 *
 * When the profile parser takes text (seccomp-profile.c), only
 * load_profile() below changes. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../launcher/caps.h"
#include "../../launcher/runtime.h"
#include "../../launcher/seccomp.h"
#include "../../launcher/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No cache directory: seccomp.c then neither reads nor writes a cache. */
int runtime_base(char **out, bool cache, struct error *err)
{
  (void) cache;
  *out = NULL;
  return error_set(err, ENOENT, "runtime_base (stub): no cache while fuzzing");
}

static int profile_fd = -1;
static char profile_path[64];
static FILE *devnull;

/* The spec a launch would have for --seccomp FILE whose text is data. */
static void load_profile(const uint8_t *data, size_t size, struct spec *s)
{
  if (profile_fd < 0) {
    profile_fd = memfd_create("fuzz-seccomp", MFD_CLOEXEC);
    devnull = fopen("/dev/null", "we");
    if (profile_fd < 0 || !devnull)
      abort();
    snprintf(profile_path, sizeof profile_path, "/proc/self/fd/%d", profile_fd);
  }
  if (ftruncate(profile_fd, 0) < 0 || (size && pwrite(profile_fd, data, size, 0) != (ssize_t) size))
    abort();
  *s = (struct spec) {.seccomp = SECCOMP_FILE, .seccomp_file = profile_path, .caps = caps_default()};
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct spec s;
  load_profile(data, size, &s);

  struct seccomp_bpf bpf;
  struct error err = {0};
  if (seccomp_filter_compile(&s, &bpf, &err) == 0) {
    if (bpf.n < 1 || bpf.n > SECCOMP_MAX_PROGS)
      abort();
    seccomp_filter_free(&bpf);
  }
  seccomp_profile_describe(&s, devnull, &err);
  return 0;
}
