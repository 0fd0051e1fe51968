/* seccomp-cache.h: compiled filters kept between launches, under a key
 * compared in full on every load. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "seccomp-profile.h"
#include "seccomp.h"

/* The most filters kept: a store past this removes the least recently
 * used (by modification time, which a load refreshes). One user runs a
 * handful of profiles and capability sets; each filter is some 10 KiB. */
#define SECCOMP_CACHE_KEEP 16

/* Everything the compiled filter depends on: hutch's build, libseccomp's
 * version, and the profile's rules as they apply. */
struct seccomp_cache_key {
  char *data;
  size_t len, cap;
  size_t name_len;  /* the part that names the file (0: all of it) */
};
void seccomp_cache_key_make(const struct sc_profile *p, struct seccomp_cache_key *k);
void seccomp_cache_key_free(struct seccomp_cache_key *k);
/* The key that spares the parse: a profile file's identity (st, from fstat
 * of the descriptor its text was read from) and its whole text, with the
 * capability set and what the kernel and machine add (seccomp-cache.c). */
void seccomp_cache_file_key_make(const struct stat *st, const char *text, size_t len, uint64_t caps, bool multiarch,
                                 struct seccomp_cache_key *k);

/* The filter stored under this key in dir, if any (out filled, true). A
 * file whose key differs in any byte is not a hit. */
bool seccomp_cache_load(const char *dir, const struct seccomp_cache_key *k, struct seccomp_bpf *out);
/* Store a filter, then prune dir to SECCOMP_CACHE_KEEP entries. Best
 * effort: a cache that cannot be written costs time, nothing else. */
void seccomp_cache_store(const char *dir, const struct seccomp_cache_key *k, const struct seccomp_bpf *bpf);
/* A compiled filter as bytes, as the cache keeps it after its key (and as
 * seccomp.c's compiling child hands it back): the flags, the count and
 * the lengths, then the instructions. Write: 0 or a negative errno. Read:
 * data[0..len) must be one filter exactly; out is set only when it is. */
int seccomp_bpf_write(int fd, const struct seccomp_bpf *bpf);
bool seccomp_bpf_read(const char *data, size_t len, struct seccomp_bpf *out);
/* Remove all but the `keep` most recently used filters in dir, and
 * temporary files a killed hutch left. Returns how many it removed. */
size_t seccomp_cache_prune(const char *dir, size_t keep);
