/* seccomp.h: seccomp profiles (OCI / Docker JSON) -> BPF in hutch, loaded in
 * the command's process just before exec. */
#pragma once

#include <linux/filter.h>
#include <stdint.h>
#include <stdio.h>

#include "spec.h"

/* A compiled profile: up to two BPF programs, loaded in order. The second
 * exists only when the profile denies a call under some argument condition
 * (ioctl TIOCSTI) that it otherwise allows; see seccomp.c. */
#define SECCOMP_MAX_PROGS 2
struct seccomp_bpf {
  struct sock_filter *prog[SECCOMP_MAX_PROGS];
  unsigned short len[SECCOMP_MAX_PROGS];
  int n;
  unsigned int flags;   /* SECCOMP_FILTER_FLAG_* from the profile */
};

/* Parse and compile the profile the spec names (s->seccomp) for this
 * machine's architecture and the command's capabilities. Nothing is
 * compiled for --seccomp unconfined (out->n == 0). Errors name the file and
 * the entry. */
int seccomp_filter_compile(enum seccomp_mode mode, const char *file, uint64_t caps, struct seccomp_bpf *out,
                           struct error *err);
/* Load the programs into the calling process. no_new_privs must be set. */
int seccomp_filter_install(const struct seccomp_bpf *bpf, struct error *err);
void seccomp_filter_free(struct seccomp_bpf *bpf);

/* For --print-policy: the profile's default action, architectures and the
 * calls it denies, as they apply to this spec. */
int seccomp_profile_describe(enum seccomp_mode mode, const char *file, uint64_t caps, FILE *f, struct error *err);
