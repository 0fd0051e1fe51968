/* userns.c: the caller's identity inside the sandbox.
 *
 * An unprivileged process may map only its own uid and gid into a new user
 * namespace (and must deny setgroups to map its gid). Anything more, such as
 * the subordinate ranges of /etc/subuid and /etc/subgid, has to be written by
 * the setuid helpers newuidmap and newgidmap, which check the ranges against
 * those files. hutch itself is never setuid.
 */
#define _GNU_SOURCE
#include "userns.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/wait.h>

#include "proc.h"
#include "subid-files.h"
#include "util.h"

static int range_cmp(const void *a, const void *b)
{
  const struct id_range *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

size_t userns_disjoin_ranges(struct id_range **ranges, size_t n, unsigned long own)
{
  struct id_range *r = *ranges = xrealloc(*ranges, (n + 1) * sizeof **ranges);
  qsort(r, n, sizeof *r, range_cmp);
  size_t out = 0;
  unsigned long end = 0;  /* past the last id kept */
  for (size_t i = 0; i < n; i++) {
    unsigned long start = r[i].start, stop = r[i].start + r[i].count;
    if (out > 0 && start < end)
      start = end;
    if (start >= stop)
      continue;
    r[out++] = (struct id_range) {start, stop - start};
    end = stop;
  }
  for (size_t i = 0; i < out; i++) {
    unsigned long start = r[i].start, stop = start + r[i].count;
    if (own < start || own >= stop)
      continue;
    if (own + 1 < stop) {  /* what follows own: a range of its own */
      memmove(&r[i + 2], &r[i + 1], (out - i - 1) * sizeof *r);
      r[i + 1] = (struct id_range) {own + 1, stop - own - 1};
      out++;
    }
    r[i].count = own - start;
    if (r[i].count == 0) {
      memmove(&r[i], &r[i + 1], (out - i - 1) * sizeof *r);
      out--;
    }
    break;
  }
  return out;
}

int userns_build_map(enum userns_mode mode, unsigned long host_id,
                     const struct id_range *ranges, size_t n_ranges,
                     struct id_map *out, size_t max_out)
{
  size_t n = 0;
  unsigned long inside = 0;
#define EMIT(in, outside_, cnt) do { \
    if (n == max_out) return -1; \
    out[n++] = (struct id_map) {(in), (outside_), (cnt)}; \
  } while (0)

  switch (mode) {
  case USERNS_SINGLE:
    EMIT(0, host_id, 1);
    return (int) n;
  case USERNS_UNSET:
  case USERNS_AUTO:
    EMIT(0, host_id, 1);
    inside = 1;
    for (size_t i = 0; i < n_ranges; i++) {
      EMIT(inside, ranges[i].start, ranges[i].count);
      inside += ranges[i].count;
    }
    return (int) n;
  case USERNS_KEEP_ID:
    /* The caller keeps its own id; the subordinate ids fill the ids below
     * it first (so 0 is root) and then the ids above it. */
    for (size_t i = 0; i < n_ranges; i++) {
      unsigned long start = ranges[i].start, left = ranges[i].count;
      while (left > 0) {
        unsigned long take = left;
        if (inside < host_id && inside + take > host_id)
          take = host_id - inside;
        if (inside == host_id) {
          EMIT(host_id, host_id, 1);
          inside++;
          continue;
        }
        EMIT(inside, start, take);
        inside += take;
        start += take;
        left -= take;
      }
    }
    if (inside <= host_id)
      EMIT(host_id, host_id, 1);
    return (int) n;
  }
#undef EMIT
  return -1;
}

int userns_ranges(const char *user, unsigned long uid, int is_gid, struct id_range **out, struct error *err)
{
  /* The files themselves, or libsubid where nsswitch.conf names a source. */
  return subid_files_ranges(user, uid, is_gid, out, err);
}

/* A helper is usable when it exists and can gain the privilege it needs:
 * setuid root, or file capabilities. */
static char *find_id_helper(const char *name)
{
  char *p = find_program(name);
  if (!p)
    return NULL;
  struct stat st;
  if (stat(p, &st) == 0 && ((st.st_mode & S_ISUID) && st.st_uid == 0))
    return p;
  if (getxattr(p, "security.capability", NULL, 0) > 0)
    return p;
  free(p);
  return NULL;
}

static int plan_kind(enum userns_mode mode, const char *user, unsigned long uid, unsigned long id, int is_gid,
                     struct id_map *out, size_t *n_out, struct id_map *holder, size_t *n_holder, char **why)
{
  struct error e = {0};
  _cleanup_free_ struct id_range *ranges = NULL;
  int n = userns_ranges(user, uid, is_gid, &ranges, &e);
  if (n <= 0) {
    *why = xasprintf("no subordinate %ss for %s in %s (`hutch doctor` gives the command that adds a free range)",
                     is_gid ? "gid" : "uid", user, is_gid ? "/etc/subgid" : "/etc/subuid");
    return -1;
  }
  n = (int) userns_disjoin_ranges(&ranges, (size_t) n, id);
  if (n == 0) {
    *why = xasprintf("the subordinate %ss of %s in %s hold no id but %s own", is_gid ? "gid" : "uid", user,
                     is_gid ? "/etc/subgid" : "/etc/subuid", is_gid ? "the group's" : "the user's");
    return -1;
  }
  int m = userns_build_map(mode, id, ranges, (size_t) n, out, MAX_ID_MAPS);
  if (m < 0) {
    *why = xasprintf("too many subordinate %s ranges for %s", is_gid ? "gid" : "uid", user);
    return -1;
  }
  *n_out = (size_t) m;
  /* The holder's namespace carries auto's map, whatever this launch's mode. */
  m = userns_build_map(USERNS_AUTO, id, ranges, (size_t) n, holder, MAX_ID_MAPS);
  *n_holder = m < 0 ? 0 : (size_t) m;
  return 0;
}

int userns_plan(enum userns_mode mode, struct userns_plan *plan, struct error *err)
{
  (void) err;
  uid_t uid = getuid();
  gid_t gid = getgid();
  memset(plan, 0, sizeof *plan);
  plan->mode = mode == USERNS_UNSET ? USERNS_AUTO : mode;

  if (plan->mode != USERNS_SINGLE) {
    _cleanup_free_ char *why = NULL;
    struct passwd *pw = getpwuid(uid);
    if (!pw)
      why = xasprintf("uid %u has no entry in the user database, so it has no subordinate ids", uid);
    if (!why) {
      plan->newuidmap = find_id_helper("newuidmap");
      plan->newgidmap = find_id_helper("newgidmap");
      if (!plan->newuidmap || !plan->newgidmap)
        why = xstrdup("newuidmap/newgidmap not found or not setuid; install the uidmap package (Debian) or shadow-utils");
    }
    if (!why && plan_kind(plan->mode, pw->pw_name, uid, uid, 0, plan->uid_map, &plan->n_uid_map, plan->holder_uid_map,
                          &plan->n_holder_uid_map, &why) == 0)
      plan_kind(plan->mode, pw->pw_name, uid, gid, 1, plan->gid_map, &plan->n_gid_map, plan->holder_gid_map,
                &plan->n_holder_gid_map, &why);
    if (why) {
      log_warn("%s; falling back to --userns single (only your own uid inside)", why);
      free(plan->newuidmap);
      free(plan->newgidmap);
      plan->newuidmap = plan->newgidmap = NULL;
      plan->mode = plan->mode == USERNS_KEEP_ID ? USERNS_KEEP_ID : USERNS_SINGLE;
      plan->n_uid_map = plan->n_gid_map = 0;
      plan->n_holder_uid_map = plan->n_holder_gid_map = 0;
    }
  }
  if (plan->n_uid_map == 0) {
    /* Only the caller: keep-id maps it to itself, otherwise to root. */
    unsigned long in_u = plan->mode == USERNS_KEEP_ID ? uid : 0;
    unsigned long in_g = plan->mode == USERNS_KEEP_ID ? gid : 0;
    plan->uid_map[0] = (struct id_map) {in_u, uid, 1};
    plan->gid_map[0] = (struct id_map) {in_g, gid, 1};
    plan->n_uid_map = plan->n_gid_map = 1;
  }
  plan->inside_uid = plan->mode == USERNS_KEEP_ID ? uid : 0;
  plan->inside_gid = plan->mode == USERNS_KEEP_ID ? gid : 0;
  return 0;
}

static void shift_to_subids(struct id_map *map, size_t *n)
{
  /* auto: 0 -> the caller, then the ranges from 1. */
  struct id_map caller = map[0];
  unsigned long inside = 0;
  for (size_t i = 1; i < *n; i++) {
    map[i - 1] = (struct id_map) {inside, map[i].outside, map[i].count};
    inside += map[i].count;
  }
  map[*n - 1] = (struct id_map) {inside, caller.outside, 1};
}

void userns_root_at_subid(struct userns_plan *plan)
{
  if (plan->mode != USERNS_AUTO || plan->n_uid_map < 2 || plan->n_gid_map < 2)
    return;
  shift_to_subids(plan->uid_map, &plan->n_uid_map);
  shift_to_subids(plan->gid_map, &plan->n_gid_map);
  plan->root_at_subid = true;
}

static bool id_mapped(const struct id_map *map, size_t n, unsigned long id)
{
  for (size_t i = 0; i < n; i++)
    if (id >= map[i].inside && id - map[i].inside < map[i].count)
      return true;
  return false;
}

int userns_check_user(uid_t uid, gid_t gid, const struct userns_plan *plan, struct error *err)
{
  const char *hint = plan->mode == USERNS_SINGLE
    ? "--userns single maps only your own uid (as 0); use --userns auto with subordinate ids, or --user 0"
    : "pick an id within your subordinate range (see `hutch doctor`)";
  if (!id_mapped(plan->uid_map, plan->n_uid_map, uid))
    return error_set(err, 0, "--user: uid %u is not mapped in the sandbox; %s", uid, hint);
  if (!id_mapped(plan->gid_map, plan->n_gid_map, gid))
    return error_set(err, 0, "--user: gid %u is not mapped in the sandbox; %s", gid, hint);
  return 0;
}

void userns_plan_free(struct userns_plan *plan)
{
  free(plan->newuidmap);
  free(plan->newgidmap);
  plan->newuidmap = plan->newgidmap = NULL;
}

/* newuidmap/newgidmap PID in out count ...: started together, since each is
 * a setuid exec of its own; their stderr comes back through a pipe. */
struct id_helper_run {
  const char *helper;
  pid_t pid;
  int err_fd;
};

static int start_id_helper(struct id_helper_run *h, pid_t target, const struct id_map *map, size_t n, struct error *err)
{
  _cleanup_strv_ char **argv = NULL;
  size_t argc = 0;
  strv_append(&argv, &argc, xstrdup(h->helper));
  strv_append(&argv, &argc, xasprintf("%d", target));
  for (size_t i = 0; i < n; i++) {
    strv_append(&argv, &argc, xasprintf("%lu", map[i].inside));
    strv_append(&argv, &argc, xasprintf("%lu", map[i].outside));
    strv_append(&argv, &argc, xasprintf("%lu", map[i].count));
  }
  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) < 0)
    return error_set(err, errno, "pipe");
  struct proc_spawn ps = {.argv = argv, .err_fd = pfd[1], .out = PROC_NULL};
  h->pid = proc_spawn(&ps, err);
  close(pfd[1]);
  if (h->pid < 0) {
    close(pfd[0]);
    return h->pid;
  }
  h->err_fd = pfd[0];
  return 0;
}

static int finish_id_helper(struct id_helper_run *h, struct error *err)
{
  if (h->pid <= 0)
    return -ECHILD;
  char out[1024];
  size_t len = 0;
  ssize_t r;
  while (len < sizeof out - 1 && ((r = read(h->err_fd, out + len, sizeof out - 1 - len)) > 0 || (r < 0 && errno == EINTR)))
    if (r > 0)
      len += (size_t) r;
  out[len] = '\0';
  close_fd(&h->err_fd);
  while (len && out[len - 1] == '\n')
    out[--len] = '\0';
  int status = proc_wait(h->pid);
  h->pid = 0;
  if (status != 0) {
    error_set(err, 0, "%s failed: %s", h->helper, len ? out : "no message");
    error_fix(err, "check your lines in /etc/subuid and /etc/subgid, or run with --userns single");
    return -EPERM;
  }
  return 0;
}

static int write_proc(pid_t pid, const char *file, const char *text, struct error *err)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return error_set(err, errno, "open `%s`", path);
  if (write_all(fd, text, strlen(text)) < 0)
    return error_set(err, errno, "write `%s` (\"%s\")", path, text);
  return 0;
}

/* Runs in hutch, on the host, with the caller's rights. It must write only
 * the maps of the plan (checked against /etc/subuid and /etc/subgid by the
 * setuid helpers, never by us), and only for the keeper it just cloned. */
int userns_apply(const struct userns_plan *plan, pid_t pid, struct error *err)
{
  if (plan->newuidmap) {
    struct id_helper_run u = {.helper = plan->newuidmap, .err_fd = -1}, g = {.helper = plan->newgidmap, .err_fd = -1};
    struct error gerr = {0};
    int ru = start_id_helper(&u, pid, plan->uid_map, plan->n_uid_map, err);
    int rg = start_id_helper(&g, pid, plan->gid_map, plan->n_gid_map, &gerr);
    if (ru == 0)
      ru = finish_id_helper(&u, err);
    if (rg == 0)
      rg = finish_id_helper(&g, &gerr);
    if (ru == 0 && rg < 0)
      *err = gerr;
    return ru < 0 ? ru : rg;
  }
  /* Without a helper the kernel lets us map just ourselves, and a gid map
   * needs setgroups denied first (user_namespaces(7)). */
  char line[96];
  int r = write_proc(pid, "setgroups", "deny", err);
  if (r < 0)
    return r;
  snprintf(line, sizeof line, "%lu %lu 1\n", plan->uid_map[0].inside, plan->uid_map[0].outside);
  if ((r = write_proc(pid, "uid_map", line, err)) < 0)
    return r;
  snprintf(line, sizeof line, "%lu %lu 1\n", plan->gid_map[0].inside, plan->gid_map[0].outside);
  return write_proc(pid, "gid_map", line, err);
}

int userns_translate(const struct id_map *map, size_t n, const struct id_map *parent, size_t n_parent,
                     struct id_map *out, size_t max_out)
{
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned long in = map[i].inside, o = map[i].outside, left = map[i].count;
    while (left > 0) {
      size_t j;
      for (j = 0; j < n_parent; j++)
        if (o >= parent[j].outside && o - parent[j].outside < parent[j].count)
          break;
      if (j == n_parent || k == max_out)
        return -1;
      unsigned long take = parent[j].count - (o - parent[j].outside);
      if (take > left)
        take = left;
      out[k++] = (struct id_map) {in, parent[j].inside + (o - parent[j].outside), take};
      in += take;
      o += take;
      left -= take;
    }
  }
  return (int) k;
}

static char *map_text(const struct id_map *map, size_t n)
{
  char *text = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    char *t = xasprintf("%s%lu %lu %lu\n", text, map[i].inside, map[i].outside, map[i].count);
    free(text);
    text = t;
  }
  return text;
}

/* The kernel takes a map in one write; the writer must be in the parent
 * namespace with CAP_SETUID (CAP_SETGID) there, which also spares the
 * setgroups "deny" that an unprivileged writer needs. */
int userns_write_maps(pid_t pid, const struct id_map *uid_map, size_t n_uid, const struct id_map *gid_map,
                      size_t n_gid, struct error *err)
{
  _cleanup_free_ char *u = map_text(uid_map, n_uid), *g = map_text(gid_map, n_gid);
  int r = write_proc(pid, "uid_map", u, err);
  return r < 0 ? r : write_proc(pid, "gid_map", g, err);
}
