/* options-stubs.c: the functions of other modules that launcher/options.c
 * calls for their own options, for the fuzz targets that link options.c
 * (fuzz-volume, fuzz-options). Each module's parser is fuzzed or tested on
 * its own; here they only have to be plausible and free of side effects.
 * Each accepts a non-empty argument and refuses an empty one. */
#define _GNU_SOURCE
#include <string.h>

#include "../../launcher/caps.h"
#include "../../launcher/net.h"
#include "../../launcher/rootfs.h"
#include "../../launcher/util.h"

int caps_parse_name(const char *opt, const char *arg, uint64_t *mask, bool *all, struct error *err)
{
  if (!*arg)
    return error_set(err, 0, "bad %s `%s` (stub)", opt, arg);
  if (!strcmp(arg, "ALL"))
    *all = true;
  else
    *mask |= UINT64_C(1) << (strlen(arg) % 41);
  return 0;
}

int net_parse_mode(const char *arg, struct spec *s, struct error *err)
{
  if (!*arg)
    return error_set(err, 0, "bad --network `%s` (stub)", arg);
  s->network = (enum net_mode) (1 + strlen(arg) % NET_AUTO);
  return 0;
}

int net_parse_publish(const char *arg, struct port_map *out, struct error *err)
{
  if (!*arg)
    return error_set(err, 0, "bad --publish `%s` (stub)", arg);
  *out = (struct port_map) {.host_port = 8080, .sandbox_port = 80};
  return 0;
}

bool rootfs_is_masked_path(const char *path)
{
  return !strncmp(path, "/proc/", 6);
}
