/* fuzz-seccomp.c: the seccomp profile parser and compiler
 * (launcher/seccomp-profile.c, seccomp.c, seccomp-fold.c). The input is the
 * text of a profile (OCI / Docker JSON), parsed as a launch parses it,
 * compiled with the real libseccomp (no cache); libseccomp's programs are
 * then folded as seccomp_filter_compile_profile() folds them
 * (seccomp-fold.c), and the folded program must give their answer on
 * inputs made from their constants, or the run aborts.
 * libseccomp's compile time bounds the executions per second; the input
 * size is bounded by -max_len in meson.build. */
#define _GNU_SOURCE
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../launcher/caps.h"
#include "../../launcher/seccomp-fold.h"
#include "../../launcher/seccomp-profile.h"
#include "../../launcher/seccomp.h"
#include "../../launcher/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The folded program against libseccomp's, on 256 inputs whose fields are
 * the programs' own constants (and their neighbours), picked by a small
 * generator seeded from the input. */
static void same_answers(const struct seccomp_bpf *raw, const uint8_t *data, size_t size)
{
  unsigned short len = 0;
  struct sock_filter *one = seccomp_fold(raw->prog, raw->len, raw->n, &len, NULL);
  if (!one)
    return;
  uint32_t ks[512];
  size_t n = 0;
  for (int i = 0; i < raw->n; i++)
    for (unsigned pc = 0; pc < raw->len[i] && n < 512; pc++)
      ks[n++] = raw->prog[i][pc].k;
  uint64_t x = 0x9e3779b97f4a7c15ULL ^ size;
  for (size_t i = 0; i < size; i++)
    x = (x ^ data[i]) * 0x100000001b3ULL;
  for (int t = 0; t < 256; t++) {
    uint32_t w[sizeof(struct seccomp_data) / 4];
    for (size_t j = 0; j < sizeof w / sizeof w[0]; j++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      uint32_t k = ks[(x >> 8) % n];
      w[j] = (x & 3) == 0 ? k + 1 : (x & 3) == 1 ? k - 1 : (x & 3) == 2 ? (uint32_t) (x >> 32) : k;
    }
    struct seccomp_data d;
    memcpy(&d, w, sizeof d);
    uint32_t want, got;
    bool ran = seccomp_fold_run_all(raw->prog, raw->len, raw->n, &d, &want);
    if (ran && (!seccomp_fold_run(one, len, &d, &got) || got != want))
      abort();
  }
  free(one);
}

/* libseccomp 2.5.4 (Debian 12) may never return from seccomp_rule_add on
 * such profiles (seccomp-profile.h). That is libseccomp's, not ours: hutch
 * compiles in a child with a CPU limit and refuses the profile when it
 * hangs (seccomp.c); here, such a run would stop the fuzzer as a hang, so
 * those profiles are not compiled. */
static bool libseccomp_hangs(const struct sc_profile *p)
{
  return seccomp_profile_loop_suspect(p) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct sc_profile p = {0};
  struct error err = {0};
  if (seccomp_profile_parse_text((const char *) data, size, "fuzz.json", caps_default(), &p, &err) < 0)
    return 0;
  /* Compiled once (libseccomp's time bounds the runs per second): what
   * seccomp_filter_compile_profile() does, with the folding checked. */
  struct seccomp_bpf bpf;
  if (!libseccomp_hangs(&p) && seccomp_filter_compile_libseccomp(&p, &bpf, &err) == 0) {
    if (bpf.n < 1 || bpf.n > SECCOMP_MAX_PROGS)
      abort();
    same_answers(&bpf, data, size);
    seccomp_filter_free(&bpf);
  }
  seccomp_profile_free(&p);
  return 0;
}
