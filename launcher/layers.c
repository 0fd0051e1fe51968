/* layers.c: ROOT -> the lower layers of the overlay, bottom first. */
#define _GNU_SOURCE
#include "layers.h"

#include <dirent.h>
#include <fcntl.h>
#include <fts.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "proc.h"
#include "source.h"
#include "store.h"
#include "util.h"

/* path, whose stat is st (NULL: not looked at yet). */
static int check_layer_dir(const char *path, const struct stat *st_known, const char *what, struct error *err)
{
  struct stat st;
  if (st_known)
    st = *st_known;
  else if (stat(path, &st) < 0)
    return error_set(err, errno, "%s `%s`", what, path);
  if (!S_ISDIR(st.st_mode))
    return error_set(err, 0, "%s `%s` is not a directory", what, path);
  if (access(path, R_OK | X_OK) < 0)
    return error_set(err, errno, "%s `%s` is not readable\nfix its permissions (chmod u+rx)", what, path);
  return 0;
}

static int only_dirs(const struct dirent *de)
{
  return de->d_name[0] != '.';
}

static int resolve_layers_dir(const char *dir, char ***layers, struct layer_stat **stats, size_t *n_layers,
                              struct error *err)
{
  _cleanup_free_ char *abs = realpath(dir, NULL);
  if (!abs) {
    int e = errno;
    error_set(err, e, "layers directory `%s`", dir);
    error_fix(err, "give layers:DIR a directory of layer directories (00-base, 10-app...); "
                   "helpers/hutch-demo-layers DIR makes one");
    return -e;
  }
  int r = check_layer_dir(abs, NULL, "layers directory", err);
  if (r < 0)
    return r;
  struct dirent **names = NULL;
  int n = scandir(abs, &names, only_dirs, versionsort);
  if (n < 0)
    return error_set(err, errno, "read layers directory `%s`", abs);
  size_t count = 0;
  *stats = xcalloc((size_t) n + 1, sizeof **stats);
  for (int i = 0; i < n; i++) {
    char *path = xasprintf("%s/%s", abs, names[i]->d_name);
    struct stat st;
    if (r == 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
      r = check_layer_dir(path, &st, "layer", err);
      (*stats)[count] = (struct layer_stat) {.uid = st.st_uid, .dev = st.st_dev, .ino = st.st_ino, .ctime = st.st_ctim};
      strv_append(layers, &count, path);
    } else {
      free(path);
    }
    free(names[i]);
  }
  free(names);
  *n_layers = count;
  if (r < 0)
    return r;
  if (count == 0)
    return error_set(err, 0, "layers directory `%s` holds no layer\nadd subdirectories such as 00-base", abs);
  return 0;
}

/* A squashfs image starts with "hsqs" (its magic, 0x73717368 little-endian). */
static bool is_squashfs(const char *path)
{
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  char magic[4];
  return fd >= 0 && read(fd, magic, 4) == 4 && !memcmp(magic, "hsqs", 4);
}

static int resolve_squashfs(const char *file, char ***layers, size_t *n_layers, bool *squashfs, struct error *err)
{
  _cleanup_free_ char *abs = realpath(file, NULL);
  if (!abs)
    return error_set(err, errno, "squashfs image `%s`", file);
  struct stat st;
  if (stat(abs, &st) < 0 || !S_ISREG(st.st_mode))
    return error_set(err, 0, "squashfs image `%s` is not a file", abs);
  if (access(abs, R_OK) < 0)
    return error_set(err, errno, "squashfs image `%s` is not readable\nask its owner for read access (chmod a+r)", abs);
  if (!is_squashfs(abs))
    return error_set(err, 0, "`%s` is not a squashfs image (no `hsqs` magic)\nmake one with mksquashfs ROOT FILE", abs);
  size_t n = 0;
  strv_append(layers, &n, steal_pointer(&abs));
  *n_layers = n;
  *squashfs = true;
  return 0;
}

/* `hutch run oci:DIR` (docker-archive:FILE, tar:FILE): the image imported
 * into the store first, by hutch-import (which alone loads libarchive),
 * under the name `hutch import SOURCE` would give it; its layers are
 * shared, so a second run extracts nothing again, and a source unchanged
 * since it was imported is not read again at all. */
static int import_source(const char *source, struct error *err)
{
  _cleanup_free_ char *prog = store_import_program();
  char *with_root[] = {prog, (char *) "--root", (char *) store_root(), (char *) "import", (char *) source, NULL};
  char *plain[] = {prog, (char *) "import", (char *) source, NULL};
  char **argv = store_root() ? with_root : plain;
  struct proc_spawn ps = {.argv = argv, .out = PROC_NULL, .errout = PROC_INHERIT, .err_fd = -1, .death_signal = SIGKILL};
  pid_t pid = proc_spawn(&ps, err);
  if (pid < 0)
    return error_wrap(err, pid, "run `%s` to import `%s`", prog, source);
  int status = proc_wait(pid);
  if (status != 0)
    return error_set(err, 0, "could not import `%s` to run it (the reason is above)", source);
  return 0;
}

int layers_resolve(const char *arg, char ***layers, struct layer_stat **stats, size_t *n_layers, bool *squashfs,
                   struct error *err)
{
  *squashfs = false;
  *stats = NULL;
  struct image_source src;
  if (source_has_prefix(arg)) {
    int r = source_parse(arg, &src, err);
    if (r < 0)
      return r;
    source_free(&src);
    bool found = false;
    /* Unchanged since the last import: no import again (no archive
     * copied, no program spawned). */
    if (!store_source_current(arg) && (r = import_source(arg, err)) < 0)
      return r;
    if ((r = store_image_layers(arg, layers, n_layers, &found, err)) < 0)
      return r;
    return found ? 0 : error_set(err, 0, "`%s` was imported, but the store has no image from it", arg);
  }

  if (!strncmp(arg, "layers:", 7))
    return resolve_layers_dir(arg + 7, layers, stats, n_layers, err);
  if (!strncmp(arg, "squashfs:", 9))
    return resolve_squashfs(arg + 9, layers, n_layers, squashfs, err);
  struct stat st;
  if (stat(arg, &st) < 0) {
    /* Not a path: maybe an image of the store, NAME[:TAG]. */
    bool found = false;
    int r = store_image_layers(arg, layers, n_layers, &found, err);
    if (found || r < 0)
      return r;
    const char *colon = strchr(arg, ':'), *slash = strchr(arg, '/');
    if (colon && (!slash || colon < slash))
      return error_set(err, 0, "unknown ROOT form `%.*s:`, and no image of that name\nuse a directory, layers:DIR, squashfs:FILE or an image (hutch images)", (int) (colon - arg), arg);
    return error_set(err, errno, "ROOT `%s` (neither a path nor an image of the store)\ngive a root filesystem directory, layers:DIR, squashfs:FILE or an image (hutch images)", arg);
  }
  if (S_ISREG(st.st_mode) && is_squashfs(arg))
    return resolve_squashfs(arg, layers, n_layers, squashfs, err);
  char *abs = realpath(arg, NULL);
  if (!abs)
    return error_set(err, errno, "ROOT `%s`", arg);
  size_t n = 0;
  strv_append(layers, &n, abs);
  *n_layers = n;
  return check_layer_dir(abs, NULL, "ROOT", err);
}

bool layers_is_image(const char *root)
{
  struct stat st;
  if (root && source_has_prefix(root))
    return true;
  return root && strncmp(root, "layers:", 7) && strncmp(root, "squashfs:", 9) && stat(root, &st) < 0;
}

uid_t layers_foreign_owner(char *const *layers, const struct layer_stat *stats, size_t n,
                           bool (*ours)(uid_t uid, void *arg), void *arg)
{
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    uid_t uid;
    if (stats)
      uid = stats[i].uid;
    else if (stat(layers[i], &st) == 0)
      uid = st.st_uid;
    else
      continue;
    if (!ours(uid, arg))
      return uid;
  }
  return (uid_t) -1;
}

/* What the caller cannot read: a directory it cannot list and enter, a file
 * it cannot open for reading. Symbolic links are not followed. */
static bool unreadable(const FTSENT *e)
{
  switch (e->fts_info) {
  case FTS_DNR:
    return true;
  case FTS_D:
    return access(e->fts_accpath, R_OK | X_OK) < 0;
  case FTS_F:
    return access(e->fts_accpath, R_OK) < 0;
  default:
    return false;
  }
}

size_t layers_find_unreadable(char *const *layers, size_t n, size_t max_entries, char **examples,
                              size_t max_examples, bool *cut)
{
  size_t count = 0, shown = 0, seen = 0;
  *cut = false;
  for (size_t i = 0; i < n && !*cut; i++) {
    char *roots[] = {layers[i], NULL};
    FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL);
    if (!fts)
      continue;
    size_t base = strcmp(layers[i], "/") ? strlen(layers[i]) : 0;
    FTSENT *e;
    while ((e = fts_read(fts))) {
      if (e->fts_info != FTS_DP && ++seen > max_entries) {
        *cut = true;
        break;
      }
      if (!unreadable(e))
        continue;
      count++;
      if (shown < max_examples)
        examples[shown++] = xstrdup(e->fts_level == 0 ? "/" : e->fts_path + base);
      if (e->fts_info == FTS_D)
        fts_set(fts, e, FTS_SKIP);  /* what is beneath it cannot be read either */
    }
    fts_close(fts);
  }
  return count;
}
