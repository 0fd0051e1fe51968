/* options-stubs.c: the functions of other modules that launcher/options.c
 * calls, for the fuzz targets that link options.c (fuzz-volume,
 * fuzz-options). Each module's parser is fuzzed or tested on its own; here
 * they only have to be plausible and free of side effects: nothing is
 * resolved on the file system, no port is bound. Each accepts a non-empty
 * argument, refuses an empty one, and keeps what the real one keeps, so
 * that spec_free() has the same memory to free. */
#define _GNU_SOURCE
#include <string.h>

#include "../../launcher/caps.h"
#include "../../launcher/layers.h"
#include "../../launcher/net.h"
#include "../../launcher/rootfs.h"
#include "../../launcher/seccomp.h"
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

void caps_resolve(struct spec *s)
{
  s->caps = ((s->cap_add_all ? ~UINT64_C(0) : UINT64_C(0xa80425fb)) & ~s->cap_drop) | s->cap_add;
}

int net_parse_mode(const char *arg, struct spec *s, struct error *err)
{
  if (!*arg)
    return error_set(err, 0, "bad --network `%s` (stub)", arg);
  s->network = (enum net_mode) (strlen(arg) % (NET_AUTO + 1));
  s->network_set = true;
  return 0;
}

int net_parse_publish(const char *arg, struct port_map *out, struct error *err)
{
  if (!*arg)
    return error_set(err, 0, "bad --publish `%s` (stub)", arg);
  *out = (struct port_map) {.host_port = 8080, .sandbox_port = 80};
  return 0;
}

/* The real one looks for pasta in PATH and binds every published port. */
int net_validate(struct spec *s, struct error *err)
{
  if (s->n_ports && !s->network_set)
    s->network = NET_AUTO;
  (void) err;
  return 0;
}

int rootfs_parse_unmask(const char *arg, struct spec *s, struct error *err)
{
  if (!*arg)
    return error_set(err, 0, "bad --unmask `%s` (stub)", arg);
  strv_append(&s->unmask, &s->n_unmask, xstrdup(arg));
  return 0;
}

/* The real one resolves FILE with realpath() and checks it is readable. */
int seccomp_parse_option(const char *arg, struct spec *s, struct error *err)
{
  free(s->seccomp_file);
  s->seccomp_file = NULL;
  if (!*arg)
    return error_set(err, 0, "bad --seccomp `%s` (stub)", arg);
  if (!strcmp(arg, "default"))
    s->seccomp = SECCOMP_DEFAULT;
  else if (!strcmp(arg, "unconfined"))
    s->seccomp = SECCOMP_UNCONFINED;
  else {
    s->seccomp = SECCOMP_FILE;
    s->seccomp_file = xstrdup(arg);
  }
  return 0;
}

/* The real one stats ROOT and lists a layers: directory. */
int layers_resolve(struct spec *s, struct error *err)
{
  if (!s->root_arg[0])
    return error_set(err, 0, "ROOT `` (stub)");
  s->root_kind = strncmp(s->root_arg, "layers:", 7) ? ROOT_DIR : ROOT_LAYERS;
  strv_append(&s->layers, &s->n_layers, xstrdup(s->root_arg));
  return 0;
}
