/* desktop.c: the desktop options' values (desktop.h). Form only: whether a
 * socket, a device or xdg-dbus-proxy exists is app.c's question, when the
 * spec is resolved. */
#define _GNU_SOURCE
#include "desktop.h"

#include <string.h>

#include "options.h"
#include "util.h"

#define DESKTOP_SETTER(name) int name(struct spec *s, const char *v, const struct origin *o, struct error *err)

void desktop_spec_free(struct desktop_spec *d)
{
  for (int b = 0; b < DBUS_N_BUSES; b++)
    strvfreep(&d->dbus_rules[b]);
  strvfreep(&d->private_etc);
  *d = (struct desktop_spec) {0};
}

DESKTOP_SETTER(desktop_set_socket)
{
  (void) o;
  if (!strcmp(v, "x11")) {
    s->socket_x11 = true;
    s->desktop.sockets &= ~(unsigned) SOCKET_X11_ISOLATED;  /* the later one wins */
  } else if (!strcmp(v, "x11-isolated")) {
    s->desktop.sockets |= SOCKET_X11_ISOLATED;
    s->socket_x11 = false;
  } else if (!strcmp(v, "wayland")) {
    s->desktop.sockets |= SOCKET_WAYLAND;
  } else if (!strcmp(v, "pulseaudio")) {
    s->desktop.sockets |= SOCKET_PULSEAUDIO;
  } else if (!strcmp(v, "pipewire")) {
    s->desktop.sockets |= SOCKET_PIPEWIRE;
  } else {
    return error_set(err, 0, "bad --socket `%s`: use x11, x11-isolated, wayland, pulseaudio or pipewire", v);
  }
  return 0;
}

/* A well-known D-Bus name as the specification allows one (two or more
 * elements of [A-Za-z0-9_-], none starting with a digit, at most 255
 * characters), or a prefix of them ending in `.*`, as xdg-dbus-proxy takes
 * it. */
static bool valid_bus_name(const char *n, size_t len)
{
  if (len >= 2 && !strncmp(n + len - 2, ".*", 2))
    len -= 2;
  if (len == 0 || len > 255)
    return false;
  size_t elements = 1, at = 0;
  for (size_t i = 0; i < len; i++, at++) {
    char c = n[i];
    if (c == '.') {
      if (at == 0)
        return false;
      elements++;
      at = (size_t) -1;
    } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' ||
                 (c >= '0' && c <= '9' && at > 0))) {
      return false;
    }
  }
  return at > 0 && elements >= 2;
}

/* A --call or --broadcast RULE: [METHOD][@PATH], a D-Bus interface or
 * method (possibly with .*) or *, and an object path (possibly ending in a slash and a star). */
static bool valid_rule(const char *r)
{
  return *r && strspn(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.*@/") == strlen(r);
}

/* dbus-session RULES / dbus-system RULES: words separated by spaces or
 * commas, each talk=NAME, own=NAME, see=NAME, call=NAME=RULE or
 * broadcast=NAME=RULE; repeatable, the rules add up. */
static int set_dbus(struct spec *s, enum dbus_bus bus, const char *opt, const char *v, struct error *err)
{
  static const char *const kinds[] = {"talk", "own", "see", "call", "broadcast"};
  _cleanup_free_ char *copy = xstrdup(v);
  char **rules = NULL;
  size_t n = 0;
  int r = 0;
  for (char *save = NULL, *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
    char *eq = strchr(w, '=');
    size_t k = 0;
    for (; eq && k < N_ELEMENTS(kinds); k++)
      if (strlen(kinds[k]) == (size_t) (eq - w) && !strncmp(w, kinds[k], (size_t) (eq - w)))
        break;
    if (!eq || k == N_ELEMENTS(kinds)) {
      r = error_set(err, 0, "bad --%s `%s`: use talk=NAME, own=NAME, see=NAME, call=NAME=RULE or "
                    "broadcast=NAME=RULE, e.g. talk=org.freedesktop.Notifications", opt, w);
      break;
    }
    const char *name = eq + 1, *rule = k >= 3 ? strchr(name, '=') : NULL;
    size_t len = rule ? (size_t) (rule - name) : strlen(name);
    if (!valid_bus_name(name, len) || (k >= 3 && (!rule || !valid_rule(rule + 1))) || (k < 3 && strchr(name, '='))) {
      r = error_set(err, 0, "bad --%s `%s`: %s", opt, w,
                    k >= 3 ? "use NAME=RULE, RULE being [METHOD][@PATH] (org.example.Iface.*@/org/example/*)"
                           : "NAME must be a D-Bus name such as org.example.App, or a prefix such as org.example.*");
      break;
    }
    strv_append(&rules, &n, xasprintf("--%s", w));
  }
  if (r == 0 && n == 0 && strspn(v, " \t,") != strlen(v))
    r = error_set(err, 0, "bad --%s `%s`", opt, v);
  if (r < 0) {
    strvfreep(&rules);
    return r;
  }
  s->desktop.dbus[bus] = true;
  for (size_t i = 0; i < n; i++)
    strv_append(&s->desktop.dbus_rules[bus], &s->desktop.n_dbus_rules[bus], rules[i]);
  free(rules);
  return 0;
}

DESKTOP_SETTER(desktop_set_dbus_session)
{
  (void) o;
  return set_dbus(s, DBUS_SESSION, "dbus-session", v, err);
}

DESKTOP_SETTER(desktop_set_dbus_system)
{
  (void) o;
  return set_dbus(s, DBUS_SYSTEM, "dbus-system", v, err);
}

DESKTOP_SETTER(desktop_set_device)
{
  (void) o;
  if (strcmp(v, "dri"))
    return error_set(err, 0, "bad --device `%s`: use dri (the GPU, /dev/dri)", v);
  s->desktop.devices |= DEVICE_DRI;
  return 0;
}

#define NO_DEVICE_SETTER(name, bit)   \
  DESKTOP_SETTER(name)                \
  {                                   \
    (void) v, (void) o, (void) err;   \
    s->desktop.no_devices |= (bit);   \
    return 0;                         \
  }
NO_DEVICE_SETTER(desktop_set_no3d, DEVICE_DRI)
NO_DEVICE_SETTER(desktop_set_nosound, DEVICE_SND)
NO_DEVICE_SETTER(desktop_set_novideo, DEVICE_VIDEO)
NO_DEVICE_SETTER(desktop_set_nou2f, DEVICE_U2F)

DESKTOP_SETTER(desktop_set_private_etc)
{
  (void) o;
  _cleanup_free_ char *copy = xstrdup(v);
  size_t added = 0;
  for (char *save = NULL, *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
    if (strchr(w, '/') || !strcmp(w, ".") || !strcmp(w, ".."))
      return error_set(err, 0, "bad --private-etc `%s`: `%s` is not a name in /etc\nuse names such as "
                       "default,fonts,mpv (default: hutch's set)", v, w);
    strv_append(&s->desktop.private_etc, &s->desktop.n_private_etc, xstrdup(w));
    added++;
  }
  if (!added)
    return error_set(err, 0, "bad --private-etc `%s`: use names of /etc, e.g. default,fonts", v);
  return 0;
}

DESKTOP_SETTER(desktop_set_app_files)
{
  (void) o;
  if (strcmp(v, "ro") && strcmp(v, "rw"))
    return error_set(err, 0, "bad --app-files `%s`: use ro or rw", v);
  s->desktop.app_files = strcmp(v, "ro") ? APP_FILES_RW : APP_FILES_RO;
  return 0;
}

DESKTOP_SETTER(desktop_set_private_dev)
{
  (void) v, (void) o, (void) err;
  s->desktop.private_dev = true;
  return 0;
}

DESKTOP_SETTER(desktop_set_private_tmp)
{
  (void) v, (void) o, (void) err;
  s->desktop.private_tmp = true;
  return 0;
}

static bool same_strv(char *const *a, size_t na, char *const *b, size_t nb)
{
  if (na != nb)
    return false;
  for (size_t i = 0; i < na; i++)
    if (strcmp(a[i], b[i]))
      return false;
  return true;
}

bool desktop_spec_same(const struct desktop_spec *a, const struct desktop_spec *b)
{
  for (int i = 0; i < DBUS_N_BUSES; i++)
    if (a->dbus[i] != b->dbus[i] || !same_strv(a->dbus_rules[i], a->n_dbus_rules[i], b->dbus_rules[i], b->n_dbus_rules[i]))
      return false;
  return a->sockets == b->sockets && a->devices == b->devices && a->no_devices == b->no_devices &&
         same_strv(a->private_etc, a->n_private_etc, b->private_etc, b->n_private_etc) &&
         a->private_dev == b->private_dev && a->app_files == b->app_files && a->private_tmp == b->private_tmp;
}

/* What most programs read in /etc: the dynamic linker's cache, users and
 * name service, locale and time, fonts and themes, certificates, the X and
 * toolkit settings, MIME types. Not: shadow files, ssh, sudo, cron,
 * systemd units, network configuration beyond name lookup. */
const char *const desktop_etc_default[] = {
  "alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "ld.so.preload", "passwd", "group", "nsswitch.conf",
  "host.conf", "gai.conf", "protocols", "services", "localtime", "timezone", "locale.alias", "locale.conf",
  "default", "environment", "os-release", "debian_version", "machine-id", "fonts", "fontconfig", "ssl",
  "ca-certificates", "ca-certificates.conf", "pki", "mime.types", "mailcap", "magic", "xdg", "X11", "gtk-2.0",
  "gtk-3.0", "gtk-4.0", "dconf", "drirc", "glvnd", "vulkan", "pulse", "pipewire", "asound.conf", "alsa", "shells",
  "terminfo", "bash.bashrc", "profile", "inputrc", "vdpau_wrapper.cfg", "libva.conf", "ImageMagick-6", NULL,
};
