/* replay.c: a main() for a fuzz target in an ordinary build (any compiler,
 * no libFuzzer). It runs the target once on each file named, or on each
 * file of each directory named, and speaks TAP: a file passes when the
 * target returns. A crash or an abort() of the target's checks fails the
 * test program. So the corpus, and every crash once fixed, is replayed by
 * `meson test` on every build, and the targets keep compiling while the
 * code under them changes. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../launcher/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int count;
static FILE *tap;

/* Read with stdio, not util.c's read_file(): fuzz-options links with
 * read_file() redirected to a fake. */
static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rbe");
  if (!f)
    return NULL;
  size_t cap = 4096;
  char *buf = xmalloc(cap);
  *len = 0;
  for (size_t r; (r = fread(buf + *len, 1, cap - *len, f)) > 0;) {
    *len += r;
    if (*len == cap) {
      buf = realloc(buf, cap *= 2);
      if (!buf)
        abort();
    }
  }
  bool failed = ferror(f);
  fclose(f);
  if (failed) {
    free(buf);
    return NULL;
  }
  return buf;
}

static void run_file(const char *path)
{
  size_t len = 0;
  _cleanup_free_ char *data = slurp(path, &len);
  if (!data) {
    fprintf(tap, "not ok %d - %s: cannot read it\n", ++count, path);
    exit(1);
  }
  LLVMFuzzerTestOneInput((const uint8_t *) data, len);
  fprintf(tap, "ok %d - %s\n", ++count, path);
  fflush(tap);
}

static int only_files(const struct dirent *de)
{
  return de->d_name[0] != '.';
}

int main(int argc, char **argv)
{
  /* A target may point stdout elsewhere in its initializer (fuzz-options
   * sends --help's text to /dev/null): TAP keeps the original. */
  tap = fdopen(dup(1), "w");
  if (!tap)
    return 1;
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; i++) {
    struct dirent **names;
    int n = scandir(argv[i], &names, only_files, alphasort);
    if (n < 0) {
      run_file(argv[i]);
      continue;
    }
    for (int k = 0; k < n; k++) {
      _cleanup_free_ char *path = xasprintf("%s/%s", argv[i], names[k]->d_name);
      run_file(path);
      free(names[k]);
    }
    free(names);
  }
  fprintf(tap, "1..%d\n", count);
  return count > 0 ? 0 : 1;
}
