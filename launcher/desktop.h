/* desktop.h: what a desktop program asks of the desktop, as options (the
 * names flatpak and firejail use): the sockets it may reach (X11, an X
 * server of its own, Wayland, PulseAudio, PipeWire), the D-Bus names it may
 * talk to or own through a filtering proxy, the devices it may use, and
 * firejail's hardening switches. The setters here only check the form of a
 * value and fill a struct desktop_spec; app.c turns it into mounts, and
 * dbusproxy.c and xnest.c into the helpers hutch starts. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct spec;
struct origin;

/* The two buses a program may reach through xdg-dbus-proxy. */
enum dbus_bus { DBUS_SESSION, DBUS_SYSTEM, DBUS_N_BUSES };

/* Devices `device NAME` grants, and those no3d, nosound, novideo, nou2f
 * take away again (a no... switch wins, whatever the order). */
enum desktop_device { DEVICE_DRI = 1 << 0, DEVICE_SND = 1 << 1, DEVICE_VIDEO = 1 << 2, DEVICE_U2F = 1 << 3 };

/* Desktop sockets besides x11 (spec.socket_x11). */
enum desktop_socket {
  SOCKET_X11_ISOLATED = 1 << 0,  /* a nested X server (Xephyr) of the app's own */
  SOCKET_WAYLAND = 1 << 1,
  SOCKET_PULSEAUDIO = 1 << 2,
  SOCKET_PIPEWIRE = 1 << 3,
};

struct desktop_spec {
  /* Per bus: on when the option was given at all; the proxy's policy as
   * its own arguments (--talk=NAME, --own=NAME, --see=NAME,
   * --call=NAME=RULE, --broadcast=NAME=RULE), in order. */
  bool dbus[DBUS_N_BUSES];
  char **dbus_rules[DBUS_N_BUSES];
  size_t n_dbus_rules[DBUS_N_BUSES];
  unsigned sockets;          /* enum desktop_socket */
  unsigned devices;          /* enum desktop_device granted */
  unsigned no_devices;       /* enum desktop_device refused (no3d...) */
  /* private-etc: the names of /etc shown (the word `default` stands for
   * hutch's set); NULL: the whole of the host's /etc, read-only. */
  char **private_etc;
  size_t n_private_etc;
  /* app-files ro|rw: each file named among PROGRAM's arguments bound
   * alone at its own path (0: none). */
  enum { APP_FILES_UNSET, APP_FILES_RO, APP_FILES_RW } app_files;
  bool private_dev, private_tmp; /* asked for (always so): --print-policy says it */
};

void desktop_spec_free(struct desktop_spec *d);
/* Do a and b ask for the same (the option table's unit test). */
bool desktop_spec_same(const struct desktop_spec *a, const struct desktop_spec *b);

/* The setters of the option table (options.c). */
int desktop_set_socket(struct spec *s, const char *v, const struct origin *o, struct error *err);
int desktop_set_dbus_session(struct spec *s, const char *v, const struct origin *o, struct error *err);
int desktop_set_dbus_system(struct spec *s, const char *v, const struct origin *o, struct error *err);
int desktop_set_device(struct spec *s, const char *v, const struct origin *o, struct error *err);
int desktop_set_no3d(struct spec *s, const char *v, const struct origin *o, struct error *err);
int desktop_set_nosound(struct spec *s, const char *v, const struct origin *o, struct error *err);
int desktop_set_novideo(struct spec *s, const char *v, const struct origin *o, struct error *err);
int desktop_set_nou2f(struct spec *s, const char *v, const struct origin *o, struct error *err);
int desktop_set_private_etc(struct spec *s, const char *v, const struct origin *o, struct error *err);
/* private-dev and private-tmp: what every hutch sandbox has already (a
 * /dev of its own with null zero full random urandom tty pts ptmx shm; an
 * empty /tmp of its own), accepted so that a firejail habit is not an
 * error. */
int desktop_set_app_files(struct spec *s, const char *v, const struct origin *o, struct error *err);
int desktop_set_private_dev(struct spec *s, const char *v, const struct origin *o, struct error *err);
int desktop_set_private_tmp(struct spec *s, const char *v, const struct origin *o, struct error *err);

/* hutch's own set of /etc names for private-etc (`default`). */
extern const char *const desktop_etc_default[];
