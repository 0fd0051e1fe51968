/* fuzz-options.c: the whole `hutch run` command line, options_parse_run()
 * (launcher/options.c). The input is the arguments after argv[0] "run",
 * each ended by a NUL byte as in /proc/PID/cmdline (the last one's is
 * optional); at most 64 are used. Links options.c, env.c, util.c and error.c; the
 * other modules' parsers are stubbed in options-stubs.c (no layer is
 * resolved, no port bound).
 *
 * options.c itself still touches the file system in two places, which the
 * link redirects here (ld --wrap, see meson.build):
 *   - read_file() of --env-file FILE: the "file" holds the text of its own
 *     name, so the fuzzer can reach the env-file parser through the option;
 *   - realpath() of a volume's source: the path, made absolute by text. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../launcher/options.h"
#include "../../launcher/util.h"

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
char *__wrap_read_file(const char *path, size_t max, size_t *len_out);
char *__wrap_realpath(const char *path, char *resolved);

char *__wrap_read_file(const char *path, size_t max, size_t *len_out)
{
  size_t len = strlen(path);
  if (len > max) {
    errno = EFBIG;
    return NULL;
  }
  if (len_out)
    *len_out = len;
  return xstrdup(path);
}

char *__wrap_realpath(const char *path, char *resolved)
{
  if (resolved || !*path) {
    errno = resolved ? EINVAL : ENOENT;
    return NULL;
  }
  return path[0] == '/' ? xstrdup(path) : xasprintf("/fuzz/cwd/%s", path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void) argc, (void) argv;
  /* --help prints the help on stdout each time the fuzzer finds it. */
  if (!freopen("/dev/null", "w", stdout))
    abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *argv[MAX_ARGS + 1] = {xstrdup("run")};
  int argc = 1;
  /* Each argument in a buffer of its own, so that reading past one is an
   * error the address sanitizer sees. */
  for (size_t start = 0; start < size && argc < MAX_ARGS;) {
    const uint8_t *nul = memchr(data + start, '\0', size - start);
    size_t len = nul ? (size_t) (nul - (data + start)) : size - start;
    argv[argc] = xmalloc(len + 1);
    memcpy(argv[argc], data + start, len);
    argv[argc++][len] = '\0';
    start += len + 1;
  }
  argv[argc] = NULL;

  struct spec s = {0};
  struct error err = {0};
  enum log_level saved_level = hutch_log_level;
  options_parse_run(argc, argv, &s, &err);
  spec_free(&s);
  hutch_log_level = saved_level;

  /* options_parse_run() starts getopt with optind = 1, which does not reset
   * glibc's place inside a cluster of short options: after "-hw" stopped at
   * -h, the next call would go on with the `w` of this input's freed
   * argument (unseen by ASan: libc is not instrumented), and an input would
   * parse differently after another. optind = 0 makes getopt start afresh.
   * Harmless in hutch, which parses once per process. */
  optind = 0;
  char *none[] = {argv[0], NULL};
  getopt(1, none, "");

  for (int i = 0; i < argc; i++)
    free(argv[i]);
  return 0;
}
