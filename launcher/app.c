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

#include <fnmatch.h>
#include <glob.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dbusproxy.h"
#include "rootfs.h"
#include "runtime.h"
#include "util.h"
#include "xnest.h"

/* The top-level folders of a merged /usr: links on the host, links here. */
static const char *const usr_links[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};
/* The host's system folders, read-only (/etc apart: see app_etc). */
static const char *const system_dirs[] = {"/usr", "/opt"};

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

/* A line for --print-policy's desktop section. */
static void note(struct plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct plan *p, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *line = NULL;
  if (vasprintf(&line, fmt, ap) < 0)
    line = NULL;
  va_end(ap);
  if (line)
    strv_append(&p->notes, &p->n_notes, line);
}

/* /etc: the host's, read-only; with private-etc, an empty tmpfs with only
 * the names asked for (`default`: hutch's set), each bound read-only where
 * the host has it. */
static void app_etc(const struct desktop_spec *d, struct plan *p)
{
  if (!d->n_private_etc) {
    rootfs_add_mount(p, MOUNT_BIND, "/etc", "/etc", NULL, true);
    return;
  }
  rootfs_add_mount(p, MOUNT_TMPFS, NULL, "/etc", "0755", false);
  size_t shown = 0;
  for (size_t i = 0; i < d->n_private_etc; i++) {
    bool dflt = !strcmp(d->private_etc[i], "default");
    for (size_t j = 0; dflt ? desktop_etc_default[j] != NULL : j == 0; j++) {
      const char *name = dflt ? desktop_etc_default[j] : d->private_etc[i];
      _cleanup_free_ char *path = xasprintf("/etc/%s", name);
      struct stat st;
      if (stat(path, &st) < 0)
        continue;  /* what the host lacks the app does without */
      rootfs_add_mount(p, MOUNT_BIND, path, path, NULL, true);
      shown++;
    }
  }
  note(p, "/etc: %zu names of the host's, read-only (private-etc); the rest is not there", shown);
}

/* The app's XDG_RUNTIME_DIR inside, its own empty one, where a socket goes
 * there (the session bus, Wayland, PulseAudio, PipeWire). */
static const char *app_runtime_dir(struct plan *p, char **made)
{
  if (!*made) {
    *made = xasprintf("/run/user/%u", getuid());
    _cleanup_free_ char *opts = xasprintf("0700:%u:%u", getuid(), getgid());
    rootfs_add_mount(p, MOUNT_TMPFS, NULL, *made, opts, false);
    strv_append(&p->extra_env, &p->n_extra_env, xasprintf("XDG_RUNTIME_DIR=%s", *made));
  }
  return *made;
}

/* A socket of the caller's XDG_RUNTIME_DIR (rel below it), bound at the
 * same place below the app's, when it is there (true). What is missing is
 * said, not fatal: the program runs without sound, or falls back to X11. */
static bool app_runtime_socket(struct plan *p, char **rdir, const char *what, const char *rel, const char *env)
{
  const char *host = getenv("XDG_RUNTIME_DIR");
  _cleanup_free_ char *src = host && *host ? xasprintf("%s/%s", host, rel) : NULL;
  struct stat st;
  if (!src || stat(src, &st) < 0 || !S_ISSOCK(st.st_mode)) {
    log_warn("socket %s: no socket at %s, so the app has no %s (is it running?)", what,
             src ? src : "$XDG_RUNTIME_DIR (not set)", what);
    note(p, "socket %s: none found at %s: not given", what, src ? src : "$XDG_RUNTIME_DIR");
    return false;
  }
  _cleanup_free_ char *dst = xasprintf("%s/%s", app_runtime_dir(p, rdir), rel);
  rootfs_add_mount(p, MOUNT_BIND, src, dst, NULL, false);
  if (env)
    strv_append(&p->extra_env, &p->n_extra_env, xstrdup(env));
  note(p, "socket %s: %s bound at %s", what, src, dst);
  return true;
}

/* Sockets, devices, D-Bus: what the desktop gives the app. */
static int app_desktop(const struct spec *s, struct plan *p, const char *app, struct error *err)
{
  const struct desktop_spec *d = &s->desktop;
  _cleanup_free_ char *rdir = NULL;
  int r;
  if (d->private_dev)
    note(p, "private-dev: as always, /dev holds only null zero full random urandom tty, pts, ptmx and shm");
  if (d->private_tmp)
    note(p, "private-tmp: as always, /tmp is an empty tmpfs of the app's own (with only its own X socket)");
  if (s->socket_x11 && (r = app_x11(p, err)) < 0)
    return r;
  if ((d->sockets & SOCKET_X11_ISOLATED) && (r = xnest_plan(app, p, err)) < 0)
    return r;
  if (d->sockets & SOCKET_WAYLAND) {
    const char *wl = getenv("WAYLAND_DISPLAY");
    if (!wl || !*wl)
      wl = "wayland-0";
    if (strchr(wl, '/'))
      return error_set(err, 0, "socket wayland: WAYLAND_DISPLAY `%s` is a path; hutch binds a name in "
                       "XDG_RUNTIME_DIR\nset WAYLAND_DISPLAY to the socket's name, e.g. wayland-0", wl);
    _cleanup_free_ char *env = xasprintf("WAYLAND_DISPLAY=%s", wl);
    if (app_runtime_socket(p, &rdir, "wayland", wl, env))
      note(p, "socket wayland: the plain socket, not one made through the compositor's security-context "
              "protocol (not done yet): the app is an ordinary client");
  }
  bool sound = !(d->no_devices & DEVICE_SND);
  if ((d->sockets & SOCKET_PULSEAUDIO) && sound)
    app_runtime_socket(p, &rdir, "pulseaudio", "pulse/native", NULL);
  if ((d->sockets & SOCKET_PIPEWIRE) && sound)
    app_runtime_socket(p, &rdir, "pipewire", "pipewire-0", NULL);
  if ((d->sockets & (SOCKET_PULSEAUDIO | SOCKET_PIPEWIRE)) && !sound)
    note(p, "nosound: no sound socket given, whatever the profile asked");
  if (d->dbus[DBUS_SESSION])
    app_runtime_dir(p, &rdir);
  if ((r = dbusproxy_plan(d, p, rdir, err)) < 0)
    return r;
  if (d->devices & DEVICE_DRI) {
    struct stat st;
    if (d->no_devices & DEVICE_DRI)
      note(p, "no3d: /dev/dri not given, whatever the profile asked");
    else if (stat("/dev/dri", &st) == 0 && S_ISDIR(st.st_mode))
      rootfs_add_mount(p, MOUNT_BIND, "/dev/dri", "/dev/dri", NULL, false);
    else
      note(p, "device dri: this machine has no /dev/dri: not given");
  }
  return 0;
}

/* Device paths of the host that the no... switches keep out. */
static const struct {
  unsigned device;
  const char *pattern;
} device_paths[] = {
  {DEVICE_DRI, "/dev/dri"}, {DEVICE_SND, "/dev/snd"}, {DEVICE_VIDEO, "/dev/video*"}, {DEVICE_VIDEO, "/dev/media*"},
  {DEVICE_U2F, "/dev/hidraw*"},
};

void app_plan_masks(const struct spec *s, struct plan *p)
{
  unsigned no = s->desktop.no_devices;
  if (!no)
    return;
  /* hutch's /dev has none of them to begin with (the minimal set, sealed
   * read-only, and no one inside may make a device node): these masks keep
   * out one that a volume brings in. */
  for (size_t i = 0; i < N_ELEMENTS(device_paths); i++) {
    if (!(no & device_paths[i].device))
      continue;
    glob_t g;
    if (glob(device_paths[i].pattern, GLOB_NOSORT, NULL, &g) == 0)
      for (size_t j = 0; j < g.gl_pathc; j++)
        rootfs_add_mount(p, MOUNT_MASK, NULL, g.gl_pathv[j], NULL, true);
    globfree(&g);
    /* And a volume's destination of that name, whatever the host has. */
    for (size_t j = 0; j < s->n_volumes; j++)
      if (!fnmatch(device_paths[i].pattern, s->volumes[j].dst, FNM_PATHNAME))
        rootfs_add_mount(p, MOUNT_MASK, NULL, s->volumes[j].dst, NULL, true);
  }
  if (no & DEVICE_SND) {
    _cleanup_free_ char *pulse = xasprintf("/run/user/%u/pulse", getuid());
    _cleanup_free_ char *pw = xasprintf("/run/user/%u/pipewire-0", getuid());
    rootfs_add_mount(p, MOUNT_MASK, NULL, pulse, NULL, true);
    rootfs_add_mount(p, MOUNT_MASK, NULL, pw, NULL, true);
  }
}

/* app-files: the files the command line names (a document to open), each
 * bound alone at its own absolute path, which replaces the argument (the
 * app starts in its home, not in the caller's directory). A file alone,
 * never its folder: a document in $HOME must not bring ~/.ssh with it. */
static void app_files(const struct spec *s, struct plan *p)
{
  if (s->desktop.app_files == APP_FILES_UNSET)
    return;
  for (size_t i = 1; p->argv[i]; i++) {
    struct stat st;
    if (p->argv[i][0] == '-' || stat(p->argv[i], &st) < 0 || !S_ISREG(st.st_mode))
      continue;
    char *abs = realpath(p->argv[i], NULL);
    if (!abs)
      continue;
    rootfs_add_mount(p, MOUNT_BIND, abs, abs, NULL, s->desktop.app_files == APP_FILES_RO);
    note(p, "app-files: %s (%s)", abs, s->desktop.app_files == APP_FILES_RO ? "read-only" : "writable");
    free(p->argv[i]);
    p->argv[i] = abs;
  }
}

int app_refuse_desktop(const struct spec *s, struct error *err)
{
  const struct desktop_spec *d = &s->desktop;
  const char *opt = s->socket_x11 || d->sockets ? "socket"
                    : d->dbus[DBUS_SESSION]     ? "dbus-session"
                    : d->dbus[DBUS_SYSTEM]      ? "dbus-system"
                    : d->devices                ? "device"
                    : d->n_private_etc          ? "private-etc"
                    : d->app_files              ? "app-files"
                                                : NULL;
  if (!opt)
    return 0;
  return error_set(err, 0, "--%s is for desktop programs: it works with hutch app, not hutch run\n"
                   "use hutch app PROGRAM, or drop the option (or the profile that sets it)", opt);
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
  app_etc(&s->desktop, p);
  if ((r = app_home(s, p, app, err)) < 0)
    return r;
  app_files(s, p);
  return app_desktop(s, p, app, err);
}
