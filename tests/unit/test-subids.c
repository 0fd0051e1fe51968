/* test-subids.c: launcher/subids.c, the parser of /etc/subuid and
 * /etc/subgid as a whole and the search for a free range that `hutch
 * doctor` proposes. Links subids.c with util.c, log.c and error.c only. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../launcher/subid-files.h"
#include "../../launcher/subids.h"
#include "tap.h"

#define MIN 100000ULL
#define COUNT 65536ULL

/* The lines as "owner start count" (with a "!" after malformed ones), "|"
 * after each. */
static void fmt_lines(const struct subids *s, char *buf, size_t len)
{
  buf[0] = '\0';
  for (size_t i = 0; i < s->n; i++) {
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s %llu %llu%s|", s->lines[i].owner, s->lines[i].start, s->lines[i].count,
             s->lines[i].malformed ? "!" : "");
  }
}

static void parse_case(const char *what, const char *text, const char *want, size_t want_bad)
{
  struct subids s = {0};
  char got[1024];
  subids_parse(text, &s);
  fmt_lines(&s, got, sizeof got);
  TAP_STR_EQ(got, want, "parse: %s", what);
  TAP_INT_EQ(s.bad, want_bad, "parse: %s: %zu bad line%s counted", what, want_bad, want_bad == 1 ? "" : "s");
  subids_free(&s);
}

/* The free start for two files' texts, or -1 when there is none. */
static long long free_start(const char *uids, const char *gids)
{
  struct subids sets[2] = {{0}, {0}};
  unsigned long long start;
  subids_parse(uids, &sets[0]);
  subids_parse(gids, &sets[1]);
  int r = subids_find_free(sets, 2, MIN, COUNT, &start);
  subids_free(&sets[0]);
  subids_free(&sets[1]);
  return r < 0 ? -1 : (long long) start;
}

/* Whatever the lines, the answer is on the grid, free in both files and the
 * lowest such point. */
static void free_invariants(const char *what, const char *uids, const char *gids)
{
  struct subids sets[2] = {{0}, {0}};
  unsigned long long start = 0;
  subids_parse(uids, &sets[0]);
  subids_parse(gids, &sets[1]);
  int r = subids_find_free(sets, 2, MIN, COUNT, &start);
  bool ok = r == 0 && start >= MIN && (start - MIN) % COUNT == 0 && start + COUNT <= SUBIDS_ID_LIMIT;
  unsigned long long lowest = 0;
  bool found = false;
  for (unsigned long long c = MIN; !found && c + COUNT <= SUBIDS_ID_LIMIT; c += COUNT) {
    bool clash = false;
    for (int f = 0; f < 2 && !clash; f++)
      for (size_t i = 0; i < sets[f].n && !clash; i++)
        clash = sets[f].lines[i].start < c + COUNT && c < sets[f].lines[i].start + sets[f].lines[i].count;
    if (!clash) {
      lowest = c;
      found = true;
    }
  }
  ok = ok && found && start == lowest;
  tap_ok(ok, "free range: %s: on the grid, overlaps nothing, the lowest such", what);
  if (!ok)
    tap_diag("r=%d start=%llu lowest=%llu", r, start, lowest);
  subids_free(&sets[0]);
  subids_free(&sets[1]);
}

/* A file in a fresh temporary path with text; returns the path (static). */
static const char *temp_file(const char *text)
{
  static char path[64];
  snprintf(path, sizeof path, "/tmp/hutch-test-subids-XXXXXX");
  int fd = mkstemp(path);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text))
    abort();
  close(fd);
  return path;
}

static void nsswitch_case(const char *text, bool want, const char *what)
{
  const char *path = temp_file(text);
  tap_ok(subid_files_other_source(path) == want, "nsswitch.conf: %s: %s", what, want ? "libsubid" : "the files");
  unlink(path);
}

/* subid-files.c: which source, and one user's lines read from a file. */
static void files(void)
{
  nsswitch_case("passwd: files systemd\ngroup: files\n", false, "no subid line");
  nsswitch_case("passwd: files\nsubid: files\n", false, "subid: files");
  nsswitch_case("subid:\n", false, "an empty subid line");
  nsswitch_case("passwd: files\nsubid:   sss\n", true, "subid: sss");
  nsswitch_case("  subid:\tldap # comment\n", true, "an indented subid line with a comment");
  nsswitch_case("#subid: sss\n", false, "a subid line commented out");
  nsswitch_case("subid: sss\nsubid: files\n", true, "the first subid line decides");
  nsswitch_case("subid:\nSUBID: sss\n", true, "an empty subid line, then one in capitals");
  tap_ok(!subid_files_other_source("/nonexistent/nsswitch.conf"), "nsswitch.conf: missing: the files");

  const char *path = temp_file("alice:100000:65536\n1001:300000:10\nbob:165536:65536\nalice:1:2 \nalice:500000:7\n");
  struct id_range *r = NULL;
  struct error err = {0};
  int n = subid_files_read(path, "alice", 1001, &r, &err);
  TAP_INT_EQ(n, 3, "files: alice's lines by name and uid number, the malformed one left out");
  tap_ok(n == 3 && r[0].start == 100000 && r[0].count == 65536 && r[1].start == 300000 && r[1].count == 10 &&
         r[2].start == 500000 && r[2].count == 7, "files: in file order");
  free(r);
  TAP_INT_EQ(subid_files_read(path, "carol", 1003, &r, &err), 0, "files: a user with no line has none");
  free(r);
  unlink(path);
  TAP_INT_EQ(subid_files_read("/nonexistent/subuid", "alice", 1001, &r, &err), 0, "files: a missing file holds none");
  free(r);
}

int main(void)
{
  files();
  parse_case("Debian's first two users", "alice:100000:65536\nbob:165536:65536\n",
             "alice 100000 65536|bob 165536 65536|", 0);
  parse_case("no newline at the end, a uid as owner", "alice:100000:65536\n1002:165536:65536",
             "alice 100000 65536|1002 165536 65536|", 0);
  parse_case("comments and blank lines", "# made by hand\n\n   \n  # indented\nalice:100000:65536\n",
             "alice 100000 65536|", 0);
  parse_case("lines shadow would not read, salvaged as taken",
             "alice:100000:65536 \nbob:165536:65536:x\ncarol:231072:65536\r\n",
             "alice 100000 65536!|bob 165536 65536!|carol 231072 65536!|", 3);
  parse_case("lines with nothing to salvage", "garbage\n:100000:65536\nalice:-5:10\nbob:x:10\ncarol:5:0\ndan:100000\n",
             " 100000 65536!|", 6);
  parse_case("numbers past 32 bits", "alice:4294967295:1\nbob:99999999999:1\ncarol:1:4294967296\n",
             "", 3);

  struct subids s = {0};
  unsigned long long total;
  subids_parse("alice:100000:65536\n1001:300000:10\nalice:x:y\nbob:165536:65536\nalice:1:2 \n", &s);
  TAP_INT_EQ(subids_count_owned(&s, "alice", 1001, &total), 2, "owned: by name and by uid number, not malformed");
  TAP_INT_EQ(total, 65546, "owned: their ids added up");
  TAP_INT_EQ(subids_count_owned(&s, "carol", 1003, &total), 0, "owned: a user with none");
  TAP_INT_EQ(subids_count_owned(&s, NULL, 1001, &total), 1, "owned: no name, the uid number alone");
  subids_free(&s);

  TAP_INT_EQ(free_start("", ""), 100000, "free range: empty files: the first grid point");
  TAP_INT_EQ(free_start("alice:100000:65536\n", "alice:100000:65536\n"), 165536, "free range: after the first user");
  TAP_INT_EQ(free_start("alice:100000:65536\nbob:165536:65536\n", "alice:100000:65536\n"), 231072,
             "free range: taken in subuid only still counts");
  TAP_INT_EQ(free_start("alice:100000:65536\n", "alice:100000:65536\nbob:165536:65536\n"), 231072,
             "free range: taken in subgid only still counts");
  TAP_INT_EQ(free_start("a:100000:65536\nb:231072:65536\n", "a:100000:65536\nc:165536:10\n"), 296608,
             "free range: a small range in the gap fills it");
  TAP_INT_EQ(free_start("a:120000:1\n", ""), 165536, "free range: one id off the grid blocks its slot");
  TAP_INT_EQ(free_start("a:165535:1\n", ""), 165536, "free range: the last id of a slot blocks that slot only");
  TAP_INT_EQ(free_start("a:0:100000\n", ""), 100000, "free range: ids below the start do not matter");
  TAP_INT_EQ(free_start("a:100000:4294867295\n", ""), -1, "free range: none left");
  TAP_INT_EQ(free_start("a:100000:65536\nb:100000:3000000\n", ""), 3114656,
             "free range: nested ranges, the larger one wins");
  TAP_INT_EQ(free_start("x:100000:65536 \n", ""), 165536, "free range: a malformed line still counts as taken");

  free_invariants("empty", "", "");
  free_invariants("three users", "a:100000:65536\nb:165536:65536\nc:231072:65536\n",
                  "a:100000:65536\nb:165536:65536\nc:231072:65536\n");
  free_invariants("interleaved holes", "a:100000:65536\nb:296608:65536\nc:427680:10\n",
                  "d:165536:100\ne:231072:65536\nf:362144:65536\n");
  free_invariants("unaligned and overlapping", "a:123456:70000\nb:150000:200000\nc:500000:1\n",
                  "d:362144:65536\ne:100000:5\n");
  free_invariants("out of order, with a huge one", "z:1000000000:3000000000\na:165536:65536\nb:100000:65536\n",
                  "c:231072:1\n");
  return tap_done();
}
