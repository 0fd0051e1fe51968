/* seccomp.h: seccomp profiles -> BPF in hutch, loaded in the command's
 * process just before exec. The profile is read by seccomp-profile.c, the
 * result kept by seccomp-cache.c. */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "spec.h"

struct sc_profile;

/* A compiled profile: up to two BPF programs, loaded in order. libseccomp
 * makes a second one only when the profile denies a call under some
 * argument condition (ioctl TIOCSTI) that it otherwise allows (see
 * seccomp.c); folded (seccomp-fold.c) where that loads faster, they are
 * one. */
#define SECCOMP_MAX_PROGS 2
struct seccomp_bpf {
  struct sock_filter *prog[SECCOMP_MAX_PROGS];
  unsigned short len[SECCOMP_MAX_PROGS];
  int n;
  unsigned int flags;   /* SECCOMP_FILTER_FLAG_* from the profile */
};

/* Read and compile the profile --seccomp names (mode; profile_path for
 * SECCOMP_FILE, NULL for hutch's default) for this machine's architecture
 * and the command's final capability set caps, through the cache; with
 * multiarch, the machine's 32-bit entry too (seccomp_profile_add_compat).
 * Nothing is compiled for SECCOMP_UNCONFINED (out->n == 0). Errors name
 * the file and the entry. */
int seccomp_filter_compile(enum seccomp_mode mode, const char *profile_path, uint64_t caps, bool multiarch,
                           struct seccomp_bpf *out, struct error *err);
/* Compile a profile already read, without the cache, and fold the result
 * into one program (seccomp-fold.c). */
int seccomp_filter_compile_profile(const struct sc_profile *p, struct seccomp_bpf *out, struct error *err);
/* The same, as libseccomp made it (unfolded): for the tests. */
int seccomp_filter_compile_libseccomp(const struct sc_profile *p, struct seccomp_bpf *out, struct error *err);
/* Load the programs into the calling process. no_new_privs must be set. */
int seccomp_filter_install(const struct seccomp_bpf *bpf, struct error *err);
void seccomp_filter_free(struct seccomp_bpf *bpf);

/* For --print-policy: the profile's default action, architectures, the
 * socket families it lets socket() open, and the calls it denies, as they
 * apply to these capabilities. */
int seccomp_describe(enum seccomp_mode mode, const char *profile_path, uint64_t caps, bool multiarch, FILE *f,
                     struct error *err);
