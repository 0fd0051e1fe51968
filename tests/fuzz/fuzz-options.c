/* fuzz-options.c: the whole `hutch run` command line, options_parse_run()
 * (launcher/options.c). The input is the arguments after argv[0] "run",
 * each ended by a NUL byte as in /proc/PID/cmdline (the last one's is
 * optional); at most 64 are used. The same arguments, taken as NAME VALUE
 * pairs, also go through options_set(), the path of a profile's lines.
 * Links options.c, env.c, util.c, log.c and error.c; the other modules'
 * parsers are stubbed in options-stubs.c.
 *
 * options.c reads one file itself, --env-file's, which the link redirects
 * here (ld --wrap, see meson.build): the "file" holds the text of its own
 * name, so the fuzzer can reach the env-file parser through the option. */
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
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
char *__wrap_read_file(const char *path, size_t max, size_t *len_out);

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

  struct spec s;
  struct error err = {0};
  spec_init(&s);
  options_parse_run(argc, argv, &s, &err);
  spec_free(&s);

  static const struct origin o = {.name = "fuzz.profile:1", .base_dir = "/profiles"};
  spec_init(&s);
  for (int i = 1; i < argc; i += 2)
    options_set(&s, argv[i], i + 1 < argc && argv[i + 1][0] ? argv[i + 1] : NULL, &o, &err);
  spec_free(&s);

  for (int i = 0; i < argc; i++)
    free(argv[i]);
  return 0;
}
