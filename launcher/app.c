/* app.c: the root of `hutch app`.
 *
 * A desktop program needs the host's programs and libraries, not an image:
 * its root is an empty layer (the overlay gives it somewhere to make mount
 * points) with the host's /usr, /etc and /opt bound read-only, the links of
 * a merged /usr (/bin -> usr/bin ...) made as the host has them, and nothing
 * of /home, /root, /run/user, /var, /media or /mnt. The home is a tmpfs of
 * its own, or, with `home persist`, a directory kept for that program under
 * the data directory. The caller keeps its own uid and gid inside (keep-id's
 * map, without fuse: there are no image owners to keep). */
#define _GNU_SOURCE
#include "app.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "rootfs.h"
#include "runtime.h"
#include "util.h"

/* The top-level folders of a merged /usr: links on the host, links here. */
static const char *const usr_links[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};
/* The host's system folders, read-only. */
static const char *const system_dirs[] = {"/usr", "/etc", "/opt"};

static int app_root(struct plan *p, struct error *err)
{
  _cleanup_free_ char *data = NULL;
  int r = runtime_data_dir(&data, err);
  if (r < 0)
    return r;
  char *empty = xasprintf("%s/empty", data);
  if (mkdir(empty, 0755) < 0 && errno != EEXIST) {
    r = error_set(err, errno, "mkdir `%s`", empty);
    free(empty);
    return r;
  }
  size_t n = 0;
  strv_append(&p->layers, &n, empty);
  p->n_layers = n;
  return 0;
}

/* HOME inside: the caller's own path, empty or kept per program. */
static int app_home(const struct spec *s, struct plan *p, const char *app, struct error *err)
{
  struct passwd *pw = getpwuid(getuid());
  const char *home = getenv("HOME");
  if (!home || home[0] != '/')
    home = pw && pw->pw_dir ? pw->pw_dir : "/";
  free(p->home);
  p->home = xstrdup(home);
  free(p->workdir);
  p->workdir = xstrdup(home);
  if (s->app_home != APP_HOME_PERSIST) {
    /* The caller's own ids: an app keeps them inside (keep-id's map). */
    _cleanup_free_ char *opts = xasprintf("0700:%u:%u", getuid(), getgid());
    rootfs_add_mount(p, MOUNT_TMPFS, NULL, home, opts, false);
    return 0;
  }
  _cleanup_free_ char *data = NULL;
  int r = runtime_data_dir(&data, err);
  if (r < 0)
    return r;
  _cleanup_free_ char *homes = xasprintf("%s/home", data), *mine = xasprintf("%s/home/%s", data, app);
  if ((mkdir(homes, 0700) < 0 && errno != EEXIST) || (mkdir(mine, 0700) < 0 && errno != EEXIST))
    return error_set(err, errno, "mkdir `%s`", mine);
  rootfs_add_mount(p, MOUNT_BIND, mine, home, NULL, false);
  return 0;
}

#if HAVE_XAU
#include <X11/Xauth.h>

/* The display's cookie, and no other: the entries of the caller's
 * Xauthority for display n, rewritten for any address (FamilyWild), since
 * the sandbox has a hostname of its own, which a local entry names. Read
 * and written with libXau. */
static int app_xauthority(struct plan *p, unsigned n, struct error *err)
{
  const char *home = getenv("HOME");
  _cleanup_free_ char *path = getenv("XAUTHORITY") ? xstrdup(getenv("XAUTHORITY"))
                                                   : home ? xasprintf("%s/.Xauthority", home) : NULL;
  FILE *in = path ? fopen(path, "re") : NULL;
  if (!in)
    return 0;  /* no cookies: a display that needs none */
  char number[16];
  snprintf(number, sizeof number, "%u", n);
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  size_t kept = 0;
  Xauth *a;
  while (out && (a = XauReadAuth(in))) {
    if (a->number_length == strlen(number) && !memcmp(a->number, number, a->number_length) &&
        (a->family == FamilyLocal || a->family == FamilyWild)) {
      Xauth w = *a;
      w.family = FamilyWild;
      w.address = (char *) "";
      w.address_length = 0;
      kept += XauWriteAuth(out, &w) == 1;
    }
    XauDisposeAuth(a);
  }
  fclose(in);
  if (!out)
    return error_set(err, errno, "socket x11: open_memstream");
  fclose(out);
  if (kept)
    rootfs_add_file(p, "Xauthority", "/tmp/.Xauthority", buf, len);
  free(buf);
  if (kept)
    strv_append(&p->extra_env, &p->n_extra_env, xstrdup("XAUTHORITY=/tmp/.Xauthority"));
  return 0;
}
#else
static int app_xauthority(struct plan *p, unsigned n, struct error *err)
{
  (void) p, (void) n, (void) err;
  log_debug("socket x11: built without libXau, so no cookie is passed on");
  return 0;
}
#endif

/* socket x11: the display's own socket, and DISPLAY. */
static int app_x11(struct plan *p, struct error *err)
{
  const char *display = getenv("DISPLAY");
  unsigned n;
  char rest;
  if (!display || sscanf(display, ":%u%c", &n, &rest) < 1)
    return error_set(err, 0, "socket x11: DISPLAY is %s%s%s\nrun it from an X session, or set DISPLAY to a "
                     "local display such as :0", display ? "`" : "not set", display ? display : "",
                     display ? "`, not a local display" : "");
  _cleanup_free_ char *sock = xasprintf("/tmp/.X11-unix/X%u", n);
  struct stat st;
  if (stat(sock, &st) < 0 || !S_ISSOCK(st.st_mode))
    return error_set(err, errno ? errno : ENOTSOCK, "socket x11: the display's socket `%s`", sock);
  rootfs_add_mount(p, MOUNT_BIND, sock, sock, NULL, false);
  strv_append(&p->extra_env, &p->n_extra_env, xasprintf("DISPLAY=:%u", n));
  return app_xauthority(p, n, err);
}

int app_plan(const struct spec *s, struct plan *p, struct error *err)
{
  int r;
  /* The program, as the host's PATH finds it. */
  _cleanup_free_ char *prog = find_program(p->argv[0]);
  if (!prog)
    return error_set(err, 0, "app: `%s` not found in your PATH\ngive its full path, or install it", p->argv[0]);
  const char *app = strrchr(prog, '/') + 1;
  free(p->argv[0]);
  p->argv[0] = xstrdup(prog);
  if ((r = app_root(p, err)) < 0)
    return r;

  for (size_t i = 0; i < N_ELEMENTS(usr_links); i++) {
    _cleanup_free_ char *host = xasprintf("/%s", usr_links[i]);
    char target[256];
    ssize_t len = readlink(host, target, sizeof target - 1);
    struct stat st;
    if (len > 0) {
      target[len] = '\0';
      rootfs_add_mount(p, MOUNT_SYMLINK, target, host, NULL, false);
    } else if (stat(host, &st) == 0 && S_ISDIR(st.st_mode)) {
      rootfs_add_mount(p, MOUNT_BIND, host, host, NULL, true);
    }
  }
  for (size_t i = 0; i < N_ELEMENTS(system_dirs); i++)
    if (access(system_dirs[i], X_OK) == 0)
      rootfs_add_mount(p, MOUNT_BIND, system_dirs[i], system_dirs[i], NULL, true);
  if ((r = app_home(s, p, app, err)) < 0)
    return r;
  if (s->socket_x11 && (r = app_x11(p, err)) < 0)
    return r;
  return 0;
}
