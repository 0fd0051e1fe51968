/* test-keepid.c: keepid_fuse_mapping of launcher/keepid.c, the
 * fuse-overlayfs uidmapping= that undoes a keep-id map. For every id on the
 * host the sandbox can see, what fuse-overlayfs reads on disk (the keep-id
 * map's inside id) must be shown as --userns auto shows that host id. Links
 * keepid.c with userns.c (for the maps themselves), proc.c, log.c, util.c
 * and error.c; the rest of what keepid.c calls is stubbed here. */
#define _GNU_SOURCE
#include <stdlib.h>

#include "../../launcher/keepid.h"
#include "../../launcher/plan.h"
#include "../../launcher/rootfs.h"
#include "../../launcher/users.h"
#include "tap.h"

/* Stubs: keepid_plan is not under test here. */
void rootfs_add_mount(struct plan *p, enum mount_kind kind, const char *src, const char *dst, const char *data,
                      bool read_only)
{
  (void) p, (void) kind, (void) src, (void) dst, (void) data, (void) read_only;
}
int users_open_image_file(char *const *layers, size_t n_layers, const char *rel, FILE **f, char **where,
                          struct error *err)
{
  (void) layers, (void) n_layers, (void) rel, (void) err;
  *f = NULL;
  *where = NULL;
  return 0;
}
int users_resolve(const char *user, char *const *layers, size_t n_layers, struct users_ids *out, struct error *err)
{
  (void) user, (void) layers, (void) n_layers, (void) err;
  *out = (struct users_ids) {0};
  return 0;
}
void users_ids_free(struct users_ids *ids)
{
  (void) ids;
}

#define MAX 32

/* inside -> outside through a map, or -1. */
static long through(const struct id_map *m, int n, unsigned long inside)
{
  for (int i = 0; i < n; i++)
    if (inside >= m[i].inside && inside - m[i].inside < m[i].count)
      return (long) (m[i].outside + inside - m[i].inside);
  return -1;
}

/* outside -> inside, or -1. */
static long back(const struct id_map *m, int n, unsigned long outside)
{
  for (int i = 0; i < n; i++)
    if (outside >= m[i].outside && outside - m[i].outside < m[i].count)
      return (long) (m[i].inside + outside - m[i].outside);
  return -1;
}

/* The DISK:SHOWN:COUNT triples, as fuse-overlayfs reads them. */
static int parse(const char *s, struct id_map *out)
{
  int n = 0;
  while (s && *s && n < MAX) {
    unsigned long a, b, c;
    int used;
    if (sscanf(s, "%lu:%lu:%lu%n", &a, &b, &c, &used) != 3)
      return -1;
    out[n++] = (struct id_map) {a, b, c};  /* inside: disk, outside: shown */
    s += used;
    if (*s == ':')
      s++;
  }
  return n;
}

static void mapping_case(const char *what, unsigned long caller, const struct id_range *ranges, size_t n_ranges)
{
  struct id_map keep[MAX], autom[MAX], fuse[MAX];
  int nk = userns_build_map(USERNS_KEEP_ID, caller, ranges, n_ranges, keep, MAX);
  int na = userns_build_map(USERNS_AUTO, caller, ranges, n_ranges, autom, MAX);
  char *s = keepid_fuse_mapping(keep, (size_t) nk, caller);
  int nf = parse(s, fuse);
  unsigned long bad = 0, checked = 0;
  long first_bad = -1;
  /* Every host id the sandbox maps: the caller and the subordinate ids. */
  for (int i = 0; i < na; i++)
    for (unsigned long k = 0; k < autom[i].count; k++) {
      unsigned long host = autom[i].outside + k;
      long disk = back(keep, nk, host);
      long shown = disk < 0 ? -1 : through(fuse, nf, (unsigned long) disk);
      long want = back(autom, na, host);
      checked++;
      if (shown != want && !bad++)
        first_bad = (long) host;
    }
  tap_ok(s && nf > 0 && bad == 0, "%s: %lu ids shown as --userns auto shows them", what, checked);
  if (!(s && nf > 0 && bad == 0))
    tap_diag("mapping %s; %lu wrong, the first host id %ld", s ? s : "(null)", bad, first_bad);
  free(s);
}

int main(void)
{
  const struct id_range one[] = {{100000, 65536}};
  const struct id_range two[] = {{100000, 65536}, {200000, 65536}};
  const struct id_range small[] = {{100000, 1000}, {300000, 10}};

  mapping_case("caller 1001, one range", 1001, one, 1);
  mapping_case("caller 1000, two ranges", 1000, two, 2);
  mapping_case("caller 0 (root's own keep-id)", 0, one, 1);
  mapping_case("caller above every range's span", 500000, small, 2);
  mapping_case("caller between two ranges' spans", 1005, small, 2);
  mapping_case("caller at the end of the first range's span", 65536, two, 2);

  char *s;
  struct id_map only = {1001, 1001, 1};
  s = keepid_fuse_mapping(&only, 1, 1001);
  tap_ok(s == NULL, "the caller alone (no subordinate ids): no mapping");
  free(s);

  struct id_map keep[MAX];
  int n = userns_build_map(USERNS_KEEP_ID, 1001, one, 1, keep, MAX);
  s = keepid_fuse_mapping(keep, (size_t) n, 1001);
  TAP_STR_EQ(s, "1001:0:1:0:1:1001:1002:1002:64535", "the value for caller 1001 and 100000:65536");
  free(s);

  return tap_done();
}
