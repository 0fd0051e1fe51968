/* seccomp-fold.h: the filters libseccomp compiled, folded into one short
 * program that answers every call as the kernel would answer with all of
 * them loaded. See seccomp-fold.c. */
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>

/* prog[0..n-1], in the order they would be loaded. Returns the folded
 * program (xmalloc'ed, *out_len instructions), or NULL when it cannot be
 * folded: an instruction outside the subset libseccomp writes, a result
 * too long, or a self-check that fails; then *why (unless why is NULL)
 * says which, for the debug log. The caller then loads the programs as
 * they are. */
struct sock_filter *seccomp_fold(struct sock_filter *const *prog, const unsigned short *len, int n,
                                 unsigned short *out_len, const char **why);

/* One program's answer for one call, run as the kernel runs it, for the
 * subset seccomp_fold() handles; false outside it. */
bool seccomp_fold_run(const struct sock_filter *prog, unsigned short len, const struct seccomp_data *d,
                      uint32_t *ret);

/* The kernel's answer when the programs prog[0..n-1] are all loaded (the
 * newest one, prog[n-1], runs first); false if one cannot be run. */
bool seccomp_fold_run_all(struct sock_filter *const *prog, const unsigned short *len, int n,
                          const struct seccomp_data *d, uint32_t *ret);
