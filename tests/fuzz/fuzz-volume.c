/* fuzz-volume.c: options_parse_volume() (launcher/options.c), the -v
 * parser. The input is one -v argument. Links options.c, env.c, util.c and
 * error.c; the other modules' parsers that options.c calls are stubbed in
 * options-stubs.c.
 *
 * Beyond "no crash", it checks what a parsed volume must be: a bind mount
 * with a source, and a destination that is absolute, is not the root, and
 * has no doubled or trailing slash; a source made absolute. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../launcher/options.h"
#include "../../launcher/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  _cleanup_free_ char *arg = xmalloc(size + 1);
  memcpy(arg, data, size);
  arg[size] = '\0';

  static const struct origin o = {.name = "fuzz:1", .base_dir = "/base"};
  struct volume m = {0};
  struct error err = {0};
  if (options_parse_volume(arg, &o, &m, &err) < 0)
    return 0;
  size_t n = m.dst ? strlen(m.dst) : 0;
  if (m.kind != VOLUME_BIND || !m.src || m.src[0] != '/' || n < 2 || m.dst[0] != '/' || m.dst[n - 1] == '/' ||
      strstr(m.dst, "//"))
    abort();
  free(m.src);
  free(m.dst);
  return 0;
}
