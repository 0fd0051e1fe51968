/* test-userns.c: userns_build_map of launcher/userns.c, the id maps made
 * from the caller's id and its subordinate ranges (as libsubid returns
 * them), and userns_disjoin_ranges, which makes those ranges fit a map.
 * Links userns.c with util.c and error.c only. */
#define _GNU_SOURCE
#include <stdlib.h>

#include "../../launcher/userns.h"
#include "tap.h"

#define MAX 32

/* The map as "inside outside count" triples, "|" after each. */
static void fmt_map(const struct id_map *m, int n, char *buf, size_t len)
{
  buf[0] = '\0';
  if (n < 0) {
    snprintf(buf, len, "(error %d)", n);
    return;
  }
  for (int i = 0; i < n; i++) {
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%lu %lu %lu|", m[i].inside, m[i].outside, m[i].count);
  }
}

/* DESC: "start count,start count..." through userns_disjoin_ranges. */
static void disjoin_case(const char *what, unsigned long own, const char *desc, const char *want)
{
  struct id_range *r = calloc(MAX, sizeof *r);
  size_t n = 0;
  for (const char *p = desc; *p && n < MAX; n++) {
    char *end;
    r[n].start = strtoul(p, &end, 10);
    r[n].count = strtoul(end, &end, 10);
    p = *end == ',' ? end + 1 : end;
  }
  n = userns_disjoin_ranges(&r, n, own);
  char got[1024] = "";
  for (size_t i = 0; i < n; i++) {
    size_t used = strlen(got);
    snprintf(got + used, sizeof got - used, "%lu %lu|", r[i].start, r[i].count);
  }
  TAP_STR_EQ(got, want, "%s", what);
  free(r);
}

static void map_case(const char *what, enum userns_mode mode, unsigned long id,
                     const struct id_range *ranges, size_t n_ranges, const char *want)
{
  struct id_map m[MAX];
  char got[1024];
  int n = userns_build_map(mode, id, ranges, n_ranges, m, MAX);
  fmt_map(m, n, got, sizeof got);
  TAP_STR_EQ(got, want, "%s", what);
}

/* Invariants every map must hold, whatever the ranges: inside ranges do
 * not overlap, outside ranges do not overlap, every subordinate id and the
 * caller's own are mapped exactly once, and nothing else is. */
static void map_invariants(const char *what, enum userns_mode mode, unsigned long id,
                           const struct id_range *ranges, size_t n_ranges)
{
  struct id_map m[MAX];
  int n = userns_build_map(mode, id, ranges, n_ranges, m, MAX);
  bool ok = n > 0;
  unsigned long total = 0, want = 1;
  for (size_t i = 0; i < n_ranges; i++)
    want += ranges[i].count;
  for (int i = 0; ok && i < n; i++) {
    total += m[i].count;
    ok = m[i].count > 0;
    for (int j = 0; ok && j < i; j++) {
      bool in_overlap = m[i].inside < m[j].inside + m[j].count && m[j].inside < m[i].inside + m[i].count;
      bool out_overlap = m[i].outside < m[j].outside + m[j].count && m[j].outside < m[i].outside + m[i].count;
      ok = !in_overlap && !out_overlap;
    }
    /* Each line's outside ids are the caller's own or inside one range. */
    bool inside_a_range = m[i].outside == id && m[i].count == 1;
    for (size_t r = 0; !inside_a_range && r < n_ranges; r++)
      inside_a_range = m[i].outside >= ranges[r].start &&
                       m[i].outside + m[i].count <= ranges[r].start + ranges[r].count;
    ok = ok && inside_a_range;
  }
  ok = ok && total == want;
  /* The caller maps to 0 (auto) or to itself (keep-id). */
  unsigned long caller_inside = mode == USERNS_KEEP_ID ? id : 0;
  bool caller = false;
  for (int i = 0; i < n; i++)
    if (m[i].outside == id && m[i].count == 1 && m[i].inside == caller_inside)
      caller = true;
  tap_ok(ok && caller, "%s: no overlap, every id mapped once, the caller at %lu", what, caller_inside);
  if (!(ok && caller)) {
    char got[1024];
    fmt_map(m, n, got, sizeof got);
    tap_diag("map: %s (total %lu, want %lu)", got, total, want);
  }
}

int main(void)
{
  /* What libsubid gives for the test user: two ranges. */
  const struct id_range two[] = {{100000, 65536}, {200000, 65536}};
  const struct id_range one[] = {{100000, 65536}};
  const struct id_range small[] = {{100000, 1000}, {300000, 10}};

  /* --- single: only the caller, as 0. */
  map_case("single: the caller as 0", USERNS_SINGLE, 1001, two, 2, "0 1001 1|");
  map_case("single: ranges are ignored", USERNS_SINGLE, 1001, NULL, 0, "0 1001 1|");

  /* --- auto: caller at 0, the ranges from 1, one after the other. */
  map_case("auto: one range", USERNS_AUTO, 1001, one, 1, "0 1001 1|1 100000 65536|");
  map_case("auto: two ranges", USERNS_AUTO, 1001, two, 2, "0 1001 1|1 100000 65536|65537 200000 65536|");
  map_case("auto: no range gives the caller alone", USERNS_AUTO, 1001, NULL, 0, "0 1001 1|");
  map_invariants("auto, two ranges", USERNS_AUTO, 1001, two, 2);

  /* --- keep-id: the caller at its own id; subordinate ids below it first
   * (so 0 is a subordinate id), then above. */
  map_case("keep-id: caller inside the first range's span", USERNS_KEEP_ID, 1000, two, 2,
           "0 100000 1000|1000 1000 1|1001 101000 64536|65537 200000 65536|");
  map_case("keep-id: caller right at the end of the first range", USERNS_KEEP_ID, 65536, two, 2,
           "0 100000 65536|65536 65536 1|65537 200000 65536|");
  map_case("keep-id: caller one below the end of the first range", USERNS_KEEP_ID, 65535, two, 2,
           "0 100000 65535|65535 65535 1|65536 165535 1|65537 200000 65536|");
  map_case("keep-id: caller right at the start of the second range's span", USERNS_KEEP_ID, 65537, two, 2,
           "0 100000 65536|65536 200000 1|65537 65537 1|65538 200001 65535|");
  map_case("keep-id: caller past every range", USERNS_KEEP_ID, 1001, small, 2,
           "0 100000 1000|1000 300000 1|1001 1001 1|1002 300001 9|");
  map_case("keep-id: caller beyond all subordinate ids", USERNS_KEEP_ID, 5000, small, 2,
           "0 100000 1000|1000 300000 10|5000 5000 1|");
  map_case("keep-id: caller is 0", USERNS_KEEP_ID, 0, one, 1, "0 0 1|1 100000 65536|");
  map_case("keep-id: no range gives the caller alone", USERNS_KEEP_ID, 1001, NULL, 0, "1001 1001 1|");

  map_invariants("keep-id, 1000, two ranges", USERNS_KEEP_ID, 1000, two, 2);
  map_invariants("keep-id, 65536, two ranges", USERNS_KEEP_ID, 65536, two, 2);
  map_invariants("keep-id, 65537, two ranges", USERNS_KEEP_ID, 65537, two, 2);
  map_invariants("keep-id, 1001, small ranges", USERNS_KEEP_ID, 1001, small, 2);
  map_invariants("keep-id, 0, one range", USERNS_KEEP_ID, 0, one, 1);
  map_invariants("keep-id, 300000, two ranges", USERNS_KEEP_ID, 300000, two, 2);

  /* --- a map that does not fit is refused, not cut short. */
  struct id_map m[2];
  TAP_INT_EQ(userns_build_map(USERNS_AUTO, 1001, two, 2, m, 2), -1, "auto: three lines do not fit in two: -1");
  TAP_INT_EQ(userns_build_map(USERNS_KEEP_ID, 1000, two, 2, m, 2), -1, "keep-id: four lines do not fit in two: -1");
  TAP_INT_EQ(userns_build_map(USERNS_SINGLE, 1001, two, 2, m, 0), -1, "single: no room at all: -1");

  /* --- userns_translate: a sandbox's map (host ids outside) in the ids of
   * the holder's namespace, which maps auto's map. */
  struct id_map holder[MAX], plan[MAX], out[MAX];
  char got[1024];
  int nh = userns_build_map(USERNS_AUTO, 1001, two, 2, holder, MAX);
  int np = userns_build_map(USERNS_AUTO, 1001, two, 2, plan, MAX);
  fmt_map(out, userns_translate(plan, (size_t) np, holder, (size_t) nh, out, MAX), got, sizeof got);
  TAP_STR_EQ(got, "0 0 1|1 1 65536|65537 65537 65536|", "translate: auto in the holder is the identity");
  np = userns_build_map(USERNS_KEEP_ID, 1000, two, 2, plan, MAX);
  nh = userns_build_map(USERNS_AUTO, 1000, two, 2, holder, MAX);
  fmt_map(out, userns_translate(plan, (size_t) np, holder, (size_t) nh, out, MAX), got, sizeof got);
  TAP_STR_EQ(got, "0 1 1000|1000 0 1|1001 1001 64536|65537 65537 65536|", "translate: keep-id, the caller is the holder's 0");
  /* A line that spans two of the holder's lines is split. */
  const struct id_map span[] = {{0, 165535, 2}};
  fmt_map(out, userns_translate(span, 1, holder, (size_t) nh, out, MAX), got, sizeof got);
  TAP_STR_EQ(got, "(error -1)", "translate: ids the holder does not map (165536) are refused");
  const struct id_map parent2[] = {{0, 500, 10}, {10, 510, 10}};
  const struct id_map across[] = {{0, 505, 10}};
  fmt_map(out, userns_translate(across, 1, parent2, 2, out, MAX), got, sizeof got);
  TAP_STR_EQ(got, "0 5 5|5 10 5|", "translate: a line across two of the parent's lines is split");
  TAP_INT_EQ(userns_translate(across, 1, parent2, 2, out, 1), -1, "translate: a split that does not fit: -1");

  /* --- userns_disjoin_ranges: each host id once, never the caller's. */
  disjoin_case("disjoin: apart ranges stay as they are", 1001, "100000 65536,200000 65536", "100000 65536|200000 65536|");
  disjoin_case("disjoin: sorted by start", 1001, "200000 10,100000 10", "100000 10|200000 10|");
  disjoin_case("disjoin: an overlap is cut from the later range (usermod --add-subuids)", 1002,
               "165536 65536,200000 65536", "165536 65536|231072 34464|");
  disjoin_case("disjoin: a range inside another goes", 1002, "100000 1000,100010 10", "100000 1000|");
  disjoin_case("disjoin: a duplicate line goes", 1002, "100000 1000,100000 1000", "100000 1000|");
  disjoin_case("disjoin: own id inside a range splits it", 1000, "900 200", "900 100|1001 99|");
  disjoin_case("disjoin: own id at a range's start", 900, "900 200", "901 199|");
  disjoin_case("disjoin: own id at a range's end", 1099, "900 200", "900 199|");
  disjoin_case("disjoin: a range of own id alone goes", 1000, "1000 1,5000 10", "5000 10|");
  disjoin_case("disjoin: own id split, then more ranges", 1000, "900 200,3000 5", "900 100|1001 99|3000 5|");
  return tap_done();
}
