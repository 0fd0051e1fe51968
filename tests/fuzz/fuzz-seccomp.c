/* fuzz-seccomp.c: the seccomp profile parser and compiler
 * (launcher/seccomp-profile.c, seccomp.c). The input is the text of a
 * profile (OCI / Docker JSON), parsed as a launch parses it, compiled with
 * the real libseccomp (no cache), then described as --print-policy does.
 * libseccomp's compile time bounds the executions per second; the input
 * size is bounded by -max_len in meson.build. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../launcher/caps.h"
#include "../../launcher/seccomp-profile.h"
#include "../../launcher/seccomp.h"
#include "../../launcher/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct sc_profile p = {0};
  struct error err = {0};
  if (seccomp_profile_parse_text((const char *) data, size, "fuzz.json", caps_default(), &p, &err) < 0)
    return 0;
  struct seccomp_bpf bpf;
  if (seccomp_filter_compile_profile(&p, &bpf, &err) == 0) {
    if (bpf.n < 1 || bpf.n > SECCOMP_MAX_PROGS)
      abort();
    seccomp_filter_free(&bpf);
  }
  seccomp_profile_free(&p);
  return 0;
}
