/* layers.c: ROOT -> the lower layers of the overlay, bottom first. */
#define _GNU_SOURCE
#include "layers.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

static int check_layer_dir(const char *path, const char *what, struct error *err)
{
  struct stat st;
  if (stat(path, &st) < 0)
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

static int resolve_layers_dir(const char *dir, char ***layers, size_t *n_layers, struct error *err)
{
  _cleanup_free_ char *abs = realpath(dir, NULL);
  if (!abs)
    return error_set(err, errno, "layers directory `%s`", dir);
  int r = check_layer_dir(abs, "layers directory", err);
  if (r < 0)
    return r;
  struct dirent **names = NULL;
  int n = scandir(abs, &names, only_dirs, versionsort);
  if (n < 0)
    return error_set(err, errno, "read layers directory `%s`", abs);
  size_t count = 0;
  for (int i = 0; i < n; i++) {
    char *path = xasprintf("%s/%s", abs, names[i]->d_name);
    struct stat st;
    if (r == 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
      r = check_layer_dir(path, "layer", err);
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

int layers_resolve(const char *arg, char ***layers, size_t *n_layers, struct error *err)
{
  if (!strncmp(arg, "layers:", 7))
    return resolve_layers_dir(arg + 7, layers, n_layers, err);
  struct stat st;
  if (stat(arg, &st) < 0) {
    const char *colon = strchr(arg, ':'), *slash = strchr(arg, '/');
    if (colon && (!slash || colon < slash))
      return error_set(err, 0, "unknown ROOT form `%.*s:`\nuse a directory or layers:DIR", (int) (colon - arg), arg);
    return error_set(err, errno, "ROOT `%s`\ngive a root filesystem directory or layers:DIR", arg);
  }
  char *abs = realpath(arg, NULL);
  if (!abs)
    return error_set(err, errno, "ROOT `%s`", arg);
  size_t n = 0;
  strv_append(layers, &n, abs);
  *n_layers = n;
  return check_layer_dir(abs, "ROOT", err);
}
