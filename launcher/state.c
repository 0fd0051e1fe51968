/* state.c: a named sandbox's directories, lock and state.json (state.h). */
#define _GNU_SOURCE
#include "state.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "runtime.h"
#include "service.h"
#include "store.h"
#include "util.h"

static int sandboxes_dir(char **out, bool data, bool make, struct error *err)
{
  _cleanup_free_ char *base = NULL;
  int r = data ? runtime_data_dir(&base, err) : runtime_base(&base, false, err);
  if (r < 0)
    return r;
  *out = xasprintf("%s/sandboxes", base);
  if (make && mkdir(*out, 0700) < 0 && errno != EEXIST)
    return error_set(err, errno, "mkdir `%s`", *out);
  return 0;
}

static int set_paths(struct sandbox *sb, const char *name, bool make, struct error *err)
{
  _cleanup_free_ char *run = NULL, *data = NULL;
  int r = service_check_name(name, err);
  if (r < 0 || (r = sandboxes_dir(&run, false, make, err)) < 0 || (r = sandboxes_dir(&data, true, make, err)) < 0)
    return r;
  sb->name = xstrdup(name);
  sb->run_dir = xasprintf("%s/%s", run, name);
  sb->data_dir = xasprintf("%s/%s", data, name);
  return 0;
}

char *state_run_path(const struct sandbox *sb, const char *file)
{
  return xasprintf("%s/%s", sb->run_dir, file);
}

static json_object *load_json(const char *dir)
{
  _cleanup_free_ char *path = xasprintf("%s/state.json", dir);
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  json_object *j = json_object_from_fd(fd);
  if (j && !json_object_is_type(j, json_type_object)) {
    json_object_put(j);
    return NULL;
  }
  return j;
}

/* The runtime directory's state is the live one; the data directory's
 * copy outlives a reboot. */
static void load_state(struct sandbox *sb)
{
  json_object_put(sb->state);
  sb->state = load_json(sb->run_dir);
  if (!sb->state)
    sb->state = load_json(sb->data_dir);
  if (!sb->state) {
    sb->state = json_object_new_object();
    state_set_str(sb, "name", sb->name);
    state_set_str(sb, "status", "created");
  }
}

/* The lock sits beside the sandbox's changes, in the data directory: two
 * shells with different XDG_RUNTIME_DIRs must not both run it on them. */
static char *lock_path(const struct sandbox *sb)
{
  return xasprintf("%s/lock", sb->data_dir);
}

static int open_lock(struct sandbox *sb, struct error *err)
{
  _cleanup_free_ char *path = lock_path(sb);
  sb->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  return sb->lock_fd < 0 ? error_set(err, errno, "open `%s`", path) : 0;
}

/* Once the lock is ours: the runtime directory, for the state, the log
 * and the control socket. */
static int make_run_dir(struct sandbox *sb, struct error *err)
{
  if (mkdir(sb->run_dir, 0700) < 0 && errno != EEXIST)
    return error_set(err, errno, "mkdir `%s`", sb->run_dir);
  return 0;
}

/* Take the lock; a reader marking a dead sandbox exited holds it for a
 * moment, so try a few times before calling it busy. */
static int take_lock(struct sandbox *sb)
{
  for (int i = 0; i < 25; i++) {
    if (flock(sb->lock_fd, LOCK_EX | LOCK_NB) == 0)
      return 0;
    if (errno != EWOULDBLOCK)
      return -errno;
    usleep(20000);
  }
  return -EBUSY;
}

static int exists_error(struct error *err, const char *name)
{
  error_set(err, 0, "a sandbox named %s exists", name);
  error_fix(err, "hutch rm %s or choose another --name", name);
  err->status = EXIT_HUTCH_FAILED;
  return -EEXIST;
}

static int no_such(struct error *err, const char *name)
{
  error_set(err, 0, "no sandbox named `%s`", name);
  error_fix(err, "hutch ps -a lists them");
  err->status = EXIT_HUTCH_FAILED;
  return -ENOENT;
}

static char *random_id(void)
{
  unsigned char b[8];
  if (getrandom(b, sizeof b, 0) != (ssize_t) sizeof b)
    for (size_t i = 0; i < sizeof b; i++)
      b[i] = (unsigned char) (now_usec() >> (i * 3));
  return xasprintf("%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
}

int state_claim(struct sandbox *sb, const char *name, bool existing, struct error *err)
{
  int r = set_paths(sb, name, true, err);
  if (r < 0)
    return r;
  if (!existing) {
    /* The data directory is the sandbox: making it is the one atomic step
     * two hutch commands racing on a name cannot both win. */
    if (mkdir(sb->data_dir, 0700) < 0)
      return errno == EEXIST ? exists_error(err, name) : error_set(err, errno, "mkdir `%s`", sb->data_dir);
    if ((r = open_lock(sb, err)) < 0)
      return r;
    if (take_lock(sb) < 0)
      return exists_error(err, name);
    if ((r = make_run_dir(sb, err)) < 0)
      return r;
    /* A runtime directory left by an earlier sandbox of this name. */
    static const char *const old[] = {"state.json", "log", "log.1", "ctl"};
    for (size_t i = 0; i < N_ELEMENTS(old); i++) {
      _cleanup_free_ char *p = state_run_path(sb, old[i]);
      unlink(p);
    }
    sb->state = json_object_new_object();
    _cleanup_free_ char *id = random_id();
    state_set_str(sb, "id", id);
    state_set_str(sb, "name", name);
    state_set_str(sb, "status", "created");
    state_set_int(sb, "created", time(NULL));
    return 0;
  }
  struct stat st;
  if (stat(sb->data_dir, &st) < 0)
    return no_such(err, name);
  if ((r = open_lock(sb, err)) < 0)
    return r;
  if (take_lock(sb) < 0) {
    error_set(err, 0, "the sandbox %s is running", name);
    error_fix(err, "hutch stop %s first, or hutch logs %s to see it", name, name);
    err->status = EXIT_HUTCH_FAILED;
    return -EBUSY;
  }
  if ((r = make_run_dir(sb, err)) < 0)
    return r;
  load_state(sb);
  return 0;
}

bool state_running(const struct sandbox *sb)
{
  if (sb->lock_fd < 0)
    return false;
  if (flock(sb->lock_fd, LOCK_SH | LOCK_NB) == 0) {
    flock(sb->lock_fd, LOCK_UN);
    return false;
  }
  return true;
}

int state_open(struct sandbox *sb, const char *name, struct error *err)
{
  struct error e = {0};
  if (set_paths(sb, name, false, &e) < 0) {
    if (e.fix[0]) {   /* a bad name */
      *err = e;
      err->status = EXIT_HUTCH_FAILED;
      return -EINVAL;
    }
    return no_such(err, name);
  }
  struct stat st;
  if (stat(sb->data_dir, &st) < 0 && stat(sb->run_dir, &st) < 0)
    return no_such(err, name);
  _cleanup_free_ char *lock = lock_path(sb);
  sb->lock_fd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  load_state(sb);
  const char *status = state_str(sb, "status");
  if (!strcmp(status, "exited") || state_running(sb))
    return 0;
  /* Its monitor died (kill -9, a reboot): under the lock, so that a start
   * racing with us is not undone. */
  if (sb->lock_fd >= 0 && flock(sb->lock_fd, LOCK_EX | LOCK_NB) < 0)
    return 0;
  load_state(sb);
  if (strcmp(state_str(sb, "status"), "exited")) {
    log_debug("sandbox %s: its monitor is gone; marking it exited", name);
    state_set_str(sb, "status", "exited");
    if (state_int(sb, "finished", 0) == 0)
      state_set_int(sb, "finished", time(NULL));
    _cleanup_free_ char *ctl = state_run_path(sb, "ctl");
    unlink(ctl);
    struct error ignored = {0};
    if (stat(sb->run_dir, &st) == 0)
      state_save(sb, &ignored);
  }
  if (sb->lock_fd >= 0)
    flock(sb->lock_fd, LOCK_UN);
  return 0;
}

static int write_json(const char *dir, json_object *j, struct error *err)
{
  _cleanup_free_ char *tmp = xasprintf("%s/.state.json.tmp", dir), *path = xasprintf("%s/state.json", dir);
  const char *text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
  _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0 || rename(tmp, path) < 0)
    return error_set(err, errno, "write `%s`", path);
  return 0;
}

int state_save(struct sandbox *sb, struct error *err)
{
  int r = write_json(sb->run_dir, sb->state, err);
  if (r == 0 && access(sb->data_dir, F_OK) == 0)
    r = write_json(sb->data_dir, sb->state, err);
  return r;
}

void state_close(struct sandbox *sb)
{
  close_fd(&sb->lock_fd);
  json_object_put(sb->state);
  free(sb->name);
  free(sb->run_dir);
  free(sb->data_dir);
  *sb = (struct sandbox) SANDBOX_INIT;
}

json_object *state_get(const struct sandbox *sb, const char *key)
{
  json_object *v = NULL;
  return sb->state && json_object_object_get_ex(sb->state, key, &v) ? v : NULL;
}

const char *state_str(const struct sandbox *sb, const char *key)
{
  json_object *v = state_get(sb, key);
  return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

long long state_int(const struct sandbox *sb, const char *key, long long dflt)
{
  json_object *v = state_get(sb, key);
  return v && json_object_is_type(v, json_type_int) ? (long long) json_object_get_int64(v) : dflt;
}

void state_set(struct sandbox *sb, const char *key, json_object *v)
{
  json_object_object_add(sb->state, key, v);
}

void state_set_str(struct sandbox *sb, const char *key, const char *v)
{
  state_set(sb, key, v ? json_object_new_string(v) : NULL);
}

void state_set_int(struct sandbox *sb, const char *key, long long v)
{
  state_set(sb, key, json_object_new_int64(v));
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *) a, *(char *const *) b);
}

static void add_names(const char *dir, char ***v, size_t *n)
{
  DIR *d = opendir(dir);
  struct dirent *de;
  struct error ignored = {0};
  while (d && (de = readdir(d))) {
    if (service_check_name(de->d_name, &ignored) < 0)
      continue;
    bool dup = false;
    for (size_t i = 0; i < *n && !dup; i++)
      dup = !strcmp((*v)[i], de->d_name);
    if (!dup)
      strv_append(v, n, xstrdup(de->d_name));
  }
  if (d)
    closedir(d);
}

char **state_list(void)
{
  char **v = NULL;
  size_t n = 0;
  struct error ignored = {0};
  for (int data = 0; data < 2; data++) {
    _cleanup_free_ char *dir = NULL;
    if (sandboxes_dir(&dir, data, false, &ignored) == 0)
      add_names(dir, &v, &n);
  }
  if (!v)
    v = xcalloc(1, sizeof *v);
  qsort(v, n, sizeof *v, cmp_str);
  return v;
}

/* NAME under the directory dir, removed through descriptors: a link
 * planted in the place of a sandbox's directory, or of its rw, is
 * removed itself, never followed. */
struct removal {
  int dir;
  const char *name;
  const char *path;  /* for the message */
};

static int remove_fn(void *arg, struct error *err)
{
  const struct removal *rm = arg;
  int r = rm_rf_at(rm->dir, rm->name);
  return r < 0 && r != -ENOENT ? error_set(err, -r, "remove `%s`", rm->path) : 0;
}

static int remove_dir(const char *path, struct error *err)
{
  _cleanup_free_ char *parent = xstrdup(path);
  char *slash = strrchr(parent, '/');
  *slash = '\0';
  _cleanup_close_ int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : error_set(err, errno, "open `%s`", parent);
  struct removal rm = {fd, slash + 1, path};
  return remove_fn(&rm, err);
}

int state_remove(struct sandbox *sb, struct error *err)
{
  int r = 0;
  _cleanup_free_ char *sandboxes = xstrdup(sb->data_dir);
  *strrchr(sandboxes, '/') = '\0';
  _cleanup_close_ int pfd = open(sandboxes, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int dfd = pfd < 0 ? -1 : openat(pfd, sb->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (dfd >= 0) {
    _cleanup_free_ char *rw = xasprintf("%s/rw", sb->data_dir);
    struct removal changes = {dfd, "rw", rw};
    /* Only the changes need the mapped namespace (files of subordinate
     * ids); the rest is the caller's. */
    if (fstatat(dfd, "rw", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
        (r = store_mapped_run(remove_fn, &changes, err)) < 0)
      return error_wrap(err, r, "remove the changes of %s", sb->name);
  }
  if (pfd >= 0) {
    struct removal data = {pfd, sb->name, sb->data_dir};
    if ((r = remove_fn(&data, err)) < 0)
      return r;
  }
  if ((r = remove_dir(sb->run_dir, err)) < 0)
    return r;
  /* The parents, when this was the last sandbox (a new one makes them
   * again). */
  for (int i = 0; i < 2; i++) {
    _cleanup_free_ char *parent = xstrdup(i ? sb->data_dir : sb->run_dir);
    *strrchr(parent, '/') = '\0';
    rmdir(parent);
  }
  return 0;
}

int state_inspect(const char *name, FILE *f, struct error *err)
{
  struct sandbox sb = SANDBOX_INIT;
  struct error e = {0};
  /* An image's reference (`web:v1`, `localhost/web`) can be no sandbox's
   * name: the store answers for it. */
  if (service_check_name(name, &e) < 0)
    return -ENOENT;
  int r = state_open(&sb, name, &e);
  if (r == -ENOENT) {
    state_close(&sb);
    return -ENOENT;
  }
  if (r < 0) {
    *err = e;
    state_close(&sb);
    return r;
  }
  json_object *out = json_object_get(sb.state);
  json_object_object_add(out, "running", json_object_new_boolean(state_running(&sb)));
  json_object_object_add(out, "state_dir", json_object_new_string(sb.run_dir));
  json_object_object_add(out, "data_dir", json_object_new_string(sb.data_dir));
  fprintf(f, "%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put(out);
  state_close(&sb);
  return 0;
}
