/* options.c: the option table and the parsers of option values.
 *
 * Every option is one entry of `table` below; the getopt array, the help,
 * the man page and profiles' option lines all come from it. A setter checks
 * the form of its value and writes the spec; it never looks at the machine
 * (no stat, no bind, no global state), so that parsing can be repeated, fed
 * from a file, fuzzed, and fails the same way everywhere. What depends on
 * the machine (does ROOT exist, is the port free, is the profile valid) is
 * spec_resolve()'s job. */
#define _GNU_SOURCE
#include "options.h"

#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "env.h"
#include "net.h"
#include "profile.h"
#include "rootfs.h"
#include "service.h"
#include "util.h"

/* ------------------------------------------------------ value parsers */

static int parse_enum(const char *opt, const char *arg, const char *const *names, int *out, struct error *err)
{
  for (int i = 0; names[i]; i++)
    if (!strcmp(arg, names[i])) {
      *out = i + 1;  /* 0 is every enum's UNSET */
      return 0;
    }
  char choices[256] = "";
  for (int i = 0; names[i]; i++) {
    strncat(choices, i ? ", " : "", sizeof choices - strlen(choices) - 1);
    strncat(choices, names[i], sizeof choices - strlen(choices) - 1);
  }
  return error_set(err, 0, "bad --%s `%s`: use one of %s", opt, arg, choices);
}

/* A host path as the user wrote it, made absolute against where it was
 * written: the working directory for the command line, a profile's own
 * directory for a profile. No file system access: whether it exists is
 * checked when the spec is resolved. */
static char *host_path(const char *arg, const struct origin *o)
{
  if (arg[0] == '/')
    return xstrdup(arg);
  if (o && o->base_dir)
    return xasprintf("%s/%s", o->base_dir, arg);
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd))
    return xstrdup(arg);
  return xasprintf("%s/%s", cwd, arg);
}

/* An absolute, normalised path inside the sandbox. */
static int parse_inside_path(const char *what, const char *arg, char **out, struct error *err)
{
  if (arg[0] != '/')
    return error_set(err, 0, "%s `%s` must be an absolute path inside the sandbox, e.g. /data", what, arg);
  /* Collapse duplicate slashes and drop a trailing one. ".." is harmless: it is
   * resolved inside the new root and cannot climb out of it. */
  char *p = xmalloc(strlen(arg) + 1), *o = p;
  for (const char *c = arg; *c; c++) {
    if (*c == '/' && o > p && o[-1] == '/')
      continue;
    *o++ = *c;
  }
  if (o > p + 1 && o[-1] == '/')
    o--;
  *o = '\0';
  *out = p;
  return 0;
}

int options_parse_volume(const char *arg, const struct origin *o, struct volume *out, struct error *err)
{
  _cleanup_free_ char *copy = xstrdup(arg);
  char *parts[4] = {NULL};
  int n = 0;
  for (char *p = copy, *save = NULL, *tok; (tok = strtok_r(p, ":", &save)); p = NULL) {
    if (n == 3)
      return error_set(err, 0, "bad volume `%s`: too many `:`\nuse SRC:DST[:ro|rw]", arg);
    parts[n++] = tok;
  }
  if (n < 2 || strchr(arg, ':') == arg)
    return error_set(err, 0, "bad volume `%s`: use SRC:DST[:ro|rw], e.g. -v $HOME/data:/data:ro", arg);
  bool ro = false;
  if (n == 3) {
    if (!strcmp(parts[2], "ro"))
      ro = true;
    else if (strcmp(parts[2], "rw"))
      return error_set(err, 0, "bad volume `%s`: unknown mode `%s`\nuse ro or rw", arg, parts[2]);
  }
  char *dst = NULL;
  if (parse_inside_path("volume destination", parts[1], &dst, err) < 0)
    return error_wrap(err, -EINVAL, "bad volume `%s`", arg);
  if (!strcmp(dst, "/")) {
    free(dst);
    return error_set(err, 0, "bad volume `%s`: cannot mount over the sandbox's root\npick a directory such as /data", arg);
  }
  *out = (struct volume) {.kind = VOLUME_BIND, .src = host_path(parts[0], o), .dst = dst, .read_only = ro};
  return 0;
}

/* One part of --user: a number below (uid_t) -1, which the kernel reads as
 * "unchanged", or a name as useradd allows one (no leading '-', no ':'). */
static bool valid_user_part(const char *v, size_t n)
{
  if (n == 0 || n > 256 || v[0] == '-')
    return false;
  size_t digits = strspn(v, "0123456789");
  if (digits >= n) {
    char buf[16];
    if (n >= sizeof buf)
      return false;
    memcpy(buf, v, n);
    buf[n] = '\0';
    errno = 0;
    unsigned long long id = strtoull(buf, NULL, 10);
    return !errno && id <= 0xfffffffeULL;
  }
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char) v[i]) && !strchr("._-", v[i]) && !(v[i] == '$' && i == n - 1))
      return false;
  return true;
}

/* Only the form: names are looked up in the image's /etc/passwd and
 * /etc/group by spec_resolve() (users.c), never here. */
int options_parse_user(const char *arg, struct error *err)
{
  const char *colon = strchr(arg, ':');
  size_t ulen = colon ? (size_t) (colon - arg) : strlen(arg);
  if (!valid_user_part(arg, ulen) || (colon && !valid_user_part(colon + 1, strlen(colon + 1))))
    return error_set(err, 0, "bad --user `%s`: use USER[:GROUP], each a name or a number, e.g. --user 1000:1000 or --user www-data", arg);
  return 0;
}

static bool valid_hostname(const char *h)
{
  size_t n = strlen(h);
  if (n == 0 || n > 64)
    return false;
  for (const char *p = h; *p; p++)
    if (!isalnum((unsigned char) *p) && *p != '-' && *p != '.')
      return false;
  return true;
}

static const char *host_getenv(const char *k) { return getenv(k); }

/* ------------------------------------------------------------- setters */

#define SETTER(name) static int name(struct spec *s, const char *v, const struct origin *o, struct error *err)
#define UNUSED_ARGS (void) s, (void) v, (void) o, (void) err

/* A flag: FIELD = VALUE. */
#define FLAG_SETTER(name, field, value) \
  SETTER(name) { UNUSED_ARGS; s->field = value; return 0; }

/* One of the names given, stored as its enum value (the first is 1: 0 is
 * every enum's UNSET). */
#define ENUM_SETTER(name, opt, field, ...) \
  SETTER(name) \
  { \
    (void) o; \
    static const char *const names[] = {__VA_ARGS__, NULL}; \
    int m, r = parse_enum(opt, v, names, &m, err); \
    if (r == 0) \
      s->field = m; \
    return r; \
  }

FLAG_SETTER(set_read_only, read_only, TRI_ON)
FLAG_SETTER(set_detach, service.detach, true)
FLAG_SETTER(set_rm, service.rm, true)
FLAG_SETTER(set_tty, tty, TRI_ON)
FLAG_SETTER(set_interactive, interactive, TRI_ON)
FLAG_SETTER(set_mdwe, mdwe, TRI_ON)
FLAG_SETTER(set_multiarch, multiarch, TRI_ON)
FLAG_SETTER(set_print_policy, print_policy, true)
FLAG_SETTER(set_no_holder, no_holder, true)
ENUM_SETTER(set_userns, "userns", userns, "auto", "single", "keep-id")
ENUM_SETTER(set_overlay, "overlay", overlay, "auto", "kernel", "fuse")
ENUM_SETTER(set_port_driver, "port-driver", port_driver, "hutch", "backend", "socket")
ENUM_SETTER(set_landlock, "landlock", landlock, "off", "on")
ENUM_SETTER(set_home, "home", app_home, "tmpfs", "persist")

SETTER(set_volume)
{
  struct volume vol;
  int r = options_parse_volume(v, o, &vol, err);
  if (r < 0)
    return r;
  s->volumes = xrealloc(s->volumes, (s->n_volumes + 1) * sizeof *s->volumes);
  s->volumes[s->n_volumes++] = vol;
  return 0;
}

SETTER(set_tmpfs)
{
  (void) o;
  struct volume vol = {.kind = VOLUME_TMPFS};
  int r = parse_inside_path("--tmpfs destination", v, &vol.dst, err);
  if (r < 0)
    return r;
  s->volumes = xrealloc(s->volumes, (s->n_volumes + 1) * sizeof *s->volumes);
  s->volumes[s->n_volumes++] = vol;
  return 0;
}

SETTER(set_read_only_tmpfs)
{
  (void) o;
  static const char *const names[] = {"false", "true", NULL};
  int m, r = parse_enum("read-only-tmpfs", !strcmp(v, "off") ? "false" : !strcmp(v, "on") ? "true" : v, names, &m, err);
  s->read_only_tmpfs = r < 0 ? s->read_only_tmpfs : (enum tristate) m;
  return r;
}

/* tmpfs, tmpfs:SIZE (as tmpfs's size= takes it: 512m, 2g, 50%), or disk. */
SETTER(set_upper)
{
  (void) o;
  free(s->upper_size);
  s->upper_size = NULL;
  if (!strcmp(v, "disk")) {
    s->upper = UPPER_DISK;
    return 0;
  }
  if (strncmp(v, "tmpfs", 5) || (v[5] && v[5] != ':'))
    return error_set(err, 0, "bad --upper `%s`: use tmpfs, tmpfs:SIZE (e.g. tmpfs:2g) or disk", v);
  if (v[5] == ':') {
    const char *size = v + 6;
    size_t digits = strspn(size, "0123456789");
    if (!digits || digits > 15 || (size[digits] && (strchr("kmgKMG%", size[digits]) == NULL || size[digits + 1])))
      return error_set(err, 0, "bad --upper `%s`: use tmpfs:SIZE with SIZE a number and k, m, g or %%, e.g. tmpfs:2g", v);
    s->upper_size = xstrdup(size);
  }
  s->upper = UPPER_TMPFS;
  return 0;
}

SETTER(set_hostname)
{
  (void) o;
  if (!valid_hostname(v))
    return error_set(err, 0, "bad --hostname `%s`: use up to 64 letters, digits, `-` and `.`", v);
  free(s->hostname);
  s->hostname = xstrdup(v);
  return 0;
}

SETTER(set_env)
{
  return env_set(v, o->name, &s->env, &s->n_env, host_getenv, err);
}

SETTER(set_env_file)
{
  _cleanup_free_ char *path = host_path(v, o);
  _cleanup_free_ char *text = read_file(path, ENV_FILE_MAX, NULL);
  if (!text) {
    int r = error_set(err, errno, "--env-file: cannot read `%s`", path);
    if (errno == EFBIG)
      error_fix(err, "an env file may hold at most %d KiB", ENV_FILE_MAX >> 10);
    return r;
  }
  return env_parse_text(text, path, &s->env, &s->n_env, host_getenv, err);
}

SETTER(set_workdir)
{
  (void) o;
  char *p;
  int r = parse_inside_path("--workdir", v, &p, err);
  if (r < 0)
    return r;
  free(s->workdir);
  s->workdir = p;
  return 0;
}

SETTER(set_user)
{
  (void) o;
  int r = options_parse_user(v, err);
  if (r == 0) {
    free(s->user);
    s->user = xstrdup(v);
  }
  return r;
}

SETTER(set_preserve_fds)
{
  (void) o;
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (*end || end == v || errno || n < 0 || n > 1000)
    return error_set(err, 0, "bad --preserve-fds `%s`: use a count from 0 to 1000", v);
  s->preserve_fds = (int) n;
  return 0;
}

SETTER(set_log_level)
{
  (void) o;
  static const char *const names[] = {"error", "warn", "info", "debug", NULL};
  int m, r = parse_enum("log-level", v, names, &m, err);
  if (r == 0)
    s->log_level = m - 1;  /* enum log_level has no UNSET */
  return r;
}

SETTER(set_network)
{
  (void) o;
  return net_parse_mode(v, s, err);
}

SETTER(set_publish)
{
  (void) o;
  struct port_map p;
  int r = net_parse_publish(v, &p, err);
  if (r < 0)
    return r;
  s->ports = xrealloc(s->ports, (s->n_ports + 1) * sizeof *s->ports);
  s->ports[s->n_ports++] = p;
  return 0;
}

SETTER(set_cap_add)
{
  (void) o;
  return caps_parse_name("--cap-add", v, &s->cap_add, &s->cap_add_all, err);
}

SETTER(set_cap_drop)
{
  (void) o;
  return caps_parse_name("--cap-drop", v, &s->cap_drop, &s->cap_drop_all, err);
}

SETTER(set_seccomp)
{
  free(s->seccomp_file);
  s->seccomp_file = NULL;
  if (!strcmp(v, "default")) {
    s->seccomp = SECCOMP_DEFAULT;
  } else if (!strcmp(v, "unconfined")) {
    s->seccomp = SECCOMP_UNCONFINED;
  } else if (!*v) {
    return error_set(err, 0, "bad --seccomp ``: use default, unconfined, or the path of a seccomp profile");
  } else {
    s->seccomp = SECCOMP_FILE;
    s->seccomp_file = host_path(v, o);
  }
  return 0;
}

SETTER(set_unmask)
{
  (void) o;
  if (strcmp(v, "ALL") && !rootfs_is_masked_path(v))
    return error_set(err, 0, "bad --unmask `%s`: not a masked or read-only path; see `hutch run --print-policy` "
                     "for the list, or use ALL", v);
  strv_append(&s->unmask, &s->n_unmask, xstrdup(v));
  return 0;
}

/* The profiles themselves are read before the other options (see
 * options_parse_run); here only their names are kept, for --print-policy. */
SETTER(set_profile)
{
  (void) o, (void) err;
  strv_append(&s->profiles, &s->n_profiles, xstrdup(v));
  return 0;
}

/* ------------------------------------------------------------- the table */

static const struct option_def table[] = {
  {"volume", 'v', "SRC:DST[:ro|rw]", "bind the host path SRC at DST inside", "/srv/data:/data:ro", OPT_BOTH, set_volume},
  {"tmpfs", 0, "DST", "mount a fresh tmpfs at DST inside", "/scratch", OPT_BOTH, set_tmpfs},
  {"read-only", 0, NULL, "make the root read-only (writes go nowhere); /tmp,\n/run and /var/tmp stay writable tmpfs",
   NULL, OPT_BOTH, set_read_only},
  {"read-only-tmpfs", 0, "true|false", "with --read-only, a tmpfs on /run and /var/tmp\n(default true, as podman)",
   "false", OPT_BOTH, set_read_only_tmpfs},
  {"userns", 0, "auto|single|keep-id",
   "auto: you are root inside, your subordinate ids\n1..N (default); single: only you, as root;\nkeep-id: you keep your own ids",
   "single", OPT_BOTH, set_userns},
  {"no-holder", 0, NULL,
   "do not use or start the per-user namespace holder:\nmap the sandbox with newuidmap/newgidmap\n(HUTCH_NO_HOLDER=1 does the same)",
   NULL, OPT_BOTH, set_no_holder},
  {"overlay", 0, "auto|kernel|fuse", "overlay backend (default auto)", "kernel", OPT_BOTH, set_overlay},
  {"upper", 0, "tmpfs[:SIZE]|disk",
   "where the sandbox's writes go: a tmpfs of its own\n(default; SIZE as tmpfs takes it: 2g, 50%), or\n"
   "the disk, under ~/.local/share/hutch/rw", "tmpfs:1g", OPT_BOTH, set_upper},
  {"hostname", 0, "NAME", "hostname inside (default hutch)", "box", OPT_BOTH, set_hostname},
  {"env", 'e', "KEY=VAL", "set a variable (KEY alone copies the host's)", "LANG=C.UTF-8", OPT_BOTH, set_env},
  {"env-file", 0, "FILE", "read KEY=VAL lines from FILE", "/dev/null", OPT_BOTH, set_env_file},
  {"workdir", 'w', "DIR", "working directory inside (default /)", "/tmp", OPT_BOTH, set_workdir},
  {"user", 'u', "USER[:GROUP]",
   "run the command as USER (a name or uid in the image's\n/etc/passwd) and GROUP (default: USER's group\nthere, or 0)", "www-data", OPT_BOTH, set_user},
  {"preserve-fds", 0, "N", "pass file descriptors 3..N+2 on", "0", OPT_CLI, set_preserve_fds},
  {"tty", 't', NULL,
   "give the command a terminal of its own even when\nstdin is not one (with one, it always gets one)", NULL,
   OPT_BOTH, set_tty},
  {"interactive", 'i', NULL, "accepted as podman does; stdin is always passed on", NULL, OPT_BOTH, set_interactive},
  {"network", 0, "MODE",
   "none (default without -p): a network of its\nown with only lo; host: the host's network,\n"
   "NOT isolated; pasta, slirp4netns: user-mode\nnetworking; auto (default with -p): pasta if\n"
   "installed, else slirp4netns. Add\n:allow-host-loopback to let the sandbox reach\nthe host's 127.0.0.1 through the gateway",
   "none", OPT_BOTH, set_network},
  {"publish", 'p', "[HOST_IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp]", "publish a sandbox port on the host",
   "127.0.0.1:8080:80", OPT_BOTH, set_publish},
  {"port-driver", 0, "hutch|backend|socket",
   "who carries published TCP ports: hutch's\nsplice forwarder (default) or the backend;\n"
   "socket: the command gets the host's\nlistening sockets itself as fds 3.. with\n"
   "LISTEN_FDS (systemd's socket activation),\nnamed PROTO-SANDBOX_PORT; they need no\n"
   "network (--network none by default). A\nhutch started with LISTEN_FDS passes those\non first, whatever the driver",
   "backend", OPT_BOTH,
   set_port_driver},
  {"cap-add", 0, "CAP",
   "add a capability (NET_RAW or CAP_NET_RAW; ALL):\nthe default set is podman's; SYS_ADMIN also lets\n"
   "the default seccomp profile allow nested\nnamespaces and mount (mounts also need\n--landlock off)",
   "NET_RAW", OPT_BOTH, set_cap_add},
  {"cap-drop", 0, "CAP", "drop a capability (as --cap-add; ALL: every one)", "CHOWN", OPT_BOTH, set_cap_drop},
  {"seccomp", 0, "default|unconfined|FILE",
   "the system call filter: hutch's default, none,\nor an OCI / Docker seccomp JSON profile", "unconfined", OPT_BOTH,
   set_seccomp},
  {"multiarch", 0, NULL,
   "let 32-bit programs run: the filter also takes\nthe machine's 32-bit entry (i386 on x86-64,\n"
   "arm on aarch64, s390 on s390x; other machines\nhave none), with the same rules; without it a\n"
   "call through that entry kills the process", NULL,
   OPT_BOTH, set_multiarch},
  {"landlock", 0, "on|off",
   "Landlock (default on where the kernel has it):\nthe command reaches no file outside its root", "off", OPT_BOTH,
   set_landlock},
  {"memory-deny-write-execute", 0, NULL,
   "no memory both writable and executable, and none\nmade executable once written (PR_SET_MDWE,\n"
   "Linux 6.3): breaks JITs, stops shellcode", NULL, OPT_BOTH, set_mdwe},
  {"unmask", 0, "PATH|ALL",
   "do not mask PATH (/proc/kcore...) or make it\nread-only (/proc/sys...); ALL: none of them", "/proc/kcore",
   OPT_BOTH, set_unmask},
  {"ulimit", 0, "NAME=SOFT[:HARD]",
   "set a resource limit of the command (podman's\nnames: nofile, nproc, core, stack, as...; -1 or\n"
   "unlimited; one value sets both); HARD at most\nyour own", "nofile=1024:4096", OPT_BOTH, limits_set_ulimit},
  {"pids-limit", 0, "N",
   "at most N processes (hutch's own included):\nRLIMIT_NPROC, counted in the sandbox's user\nnamespace "
   "(Linux 5.14+), per uid inside (with\n--cap-drop SETUID, one bound for all)", "100", OPT_BOTH,
   limits_set_pids_limit},
  {"nice", 0, "N", "run the command at nice value N (-20..19)", "10", OPT_BOTH, limits_set_nice},
  {"cpu-idle", 0, NULL, "SCHED_IDLE: CPU time only when no one else\nwants it", NULL, OPT_BOTH,
   limits_set_cpu_idle},
  {"io-idle", 0, NULL, "the idle I/O class: disk time only when no one\nelse wants it", NULL, OPT_BOTH,
   limits_set_io_idle},
  {"memory", 0, "SIZE", "memory limit (512m, 2g) in a cgroup of the\nsandbox's own, where a cgroup v2 subtree is\ndelegated to you; elsewhere refused (125), with\nthe fix", "512m",
   OPT_BOTH, limits_set_memory},
  {"memory-swap", 0, "SIZE|-1", "memory plus swap limit (cgroup, as --memory)", "1g", OPT_BOTH,
   limits_set_memory_swap},
  {"cpus", 0, "N", "CPU bandwidth, in CPUs (1.5) (cgroup, as\n--memory)", "1.5", OPT_BOTH, limits_set_cpus},
  {"cpu-weight", 0, "1..10000", "CPU share against other cgroups, 100 by\ndefault (cgroup, as --memory)", "100",
   OPT_BOTH, limits_set_cpu_weight},
  {"detach", 'd', NULL, "run in the background: return once the command\nruns, print the sandbox's name (hutch ps, logs,\nstop)", NULL, OPT_CLI, set_detach},
  {"name", 0, "NAME", "name the sandbox; it is kept, with its changes,\nuntil hutch rm NAME", "web", OPT_CLI, service_set_name},
  {"rm", 0, NULL, "remove the sandbox (state, changes) when it exits", NULL, OPT_BOTH, set_rm},
  {"restart", 0, "no|on-failure[:N]|always", "restart the command when it exits (with -d or\n--name)", "on-failure:3", OPT_BOTH,
   service_set_restart},
  {"home", 0, "tmpfs|persist",
   "hutch app: the home, empty (tmpfs, default) or\nkept per program in ~/.local/share/hutch/home/APP",
   "persist", OPT_BOTH, set_home},
  {"socket", 0, "x11|x11-isolated|wayland|pulseaudio|pipewire",
   "hutch app (repeatable): x11: the X display's\nsocket, DISPLAY and its cookie; x11-isolated:\n"
   "an X server of the app's own (Xephyr) in a\nwindow; wayland, pulseaudio, pipewire: that\nsocket of your XDG_RUNTIME_DIR",
   "x11", OPT_BOTH, desktop_set_socket},
  {"dbus-session", 0, "RULES",
   "hutch app: the session bus through\nxdg-dbus-proxy, filtered: RULES are\ntalk=NAME own=NAME see=NAME call=NAME=RULE\n"
   "broadcast=NAME=RULE (repeatable; NAME may end\nin .*); the desktop portals are always allowed",
   "talk=org.freedesktop.Notifications", OPT_BOTH, desktop_set_dbus_session},
  {"dbus-system", 0, "RULES", "hutch app: the system bus, filtered (as\n--dbus-session)", "talk=org.freedesktop.UPower",
   OPT_BOTH, desktop_set_dbus_system},
  {"device", 0, "dri", "hutch app: bind the GPU's /dev/dri, if present", "dri", OPT_BOTH, desktop_set_device},
  {"no3d", 0, NULL, "no /dev/dri, whatever else grants it", NULL, OPT_BOTH, desktop_set_no3d},
  {"nosound", 0, NULL, "no /dev/snd, no PulseAudio or PipeWire socket", NULL, OPT_BOTH, desktop_set_nosound},
  {"novideo", 0, NULL, "no /dev/video* (cameras)", NULL, OPT_BOTH, desktop_set_novideo},
  {"nou2f", 0, NULL, "no /dev/hidraw* (security keys)", NULL, OPT_BOTH, desktop_set_nou2f},
  {"app-files", 0, "ro|rw",
   "hutch app: each file named among PROGRAM's\narguments is bound alone at its own path, ro\nor rw (not its folder)",
   "ro", OPT_BOTH, desktop_set_app_files},
  {"private-dev", 0, NULL,
   "always so: /dev holds only null zero full random\nurandom tty, its own pts and ptmx, shm",
   NULL, OPT_BOTH, desktop_set_private_dev},
  {"private-tmp", 0, NULL, "always so: /tmp is an empty tmpfs of its own", NULL, OPT_BOTH, desktop_set_private_tmp},
  {"private-etc", 0, "NAMES",
   "hutch app: only these names of the host's /etc\n(comma-separated, repeatable; default: hutch's\n"
   "set of what programs read), not the whole /etc", "default,fonts", OPT_BOTH, desktop_set_private_etc},
  {"profile", 0, "NAME|FILE",
   "apply a profile's options first (repeatable: later\nones win, the command line last); NAME.profile\n"
   "is looked up in ~/.config/hutch/profiles,\n/etc/hutch/profiles, then hutch's own", "default", OPT_CLI,
   set_profile},
  {"print-policy", 0, NULL, "print what the sandbox may do, and exit", NULL, OPT_CLI, set_print_policy},
  {"log-level", 0, "error|warn|info|debug", "debug prints the launch's timeline", "debug", OPT_BOTH,
   set_log_level},
  {"help", 'h', NULL, "show this help", NULL, OPT_CLI, NULL},
};

const struct option_def *options_table(size_t *n)
{
  *n = N_ELEMENTS(table);
  return table;
}

static const struct option_def *find_long(const char *name)
{
  for (size_t i = 0; i < N_ELEMENTS(table); i++)
    if (!strcmp(table[i].name, name))
      return &table[i];
  return NULL;
}

static int profile_line(void *ctx, const char *name, const char *value, const struct origin *o, struct error *err)
{
  return options_set(ctx, name, value, o, err);
}

int options_apply_profile(struct spec *s, const char *name, struct error *err)
{
  return profile_read(name, NULL, profile_line, s, err);
}

int options_set(struct spec *s, const char *name, const char *value, const struct origin *o, struct error *err)
{
  const struct option_def *d = find_long(name);
  if (!d || !d->set)
    return error_set(err, 0, "%s: unknown option `%s`; see `hutch run --help`", o->name, name);
  if (!(d->where & OPT_PROFILE))
    return error_set(err, 0, "%s: `%s` can only be given on the command line", o->name, name);
  if (!d->value != !value)
    return error_set(err, 0, "%s: `%s` %s", o->name, name, d->value ? "needs a value" : "takes no value");
  int r = d->set(s, value, o, err);
  if (r < 0 && strncmp(err->msg, o->name, strlen(o->name)))
    error_wrap(err, r, "%s", o->name);
  return r;
}

/* ---------------------------------------------------------- command line */

/* Edits (insertions, deletions, substitutions) from a[0..n) to b; names
 * longer than 40 characters are never near. */
static unsigned edit_distance(const char *a, size_t n, const char *b)
{
  size_t m = strlen(b);
  if (n > 40 || m > 40)
    return UINT_MAX;
  unsigned row[41];
  for (size_t j = 0; j <= m; j++)
    row[j] = (unsigned) j;
  for (size_t i = 1; i <= n; i++) {
    unsigned diag = row[0];
    row[0] = (unsigned) i;
    for (size_t j = 1; j <= m; j++) {
      unsigned up = row[j];
      unsigned best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[m];
}

/* An unknown or incomplete long option ARG (`--name` or `--name=value`):
 * says which, and names the option of the table it is nearest to. */
static int bad_long_option(const char *arg, struct error *err)
{
  const char *name = arg + 2;
  size_t n = strcspn(name, "=");
  const struct option_def *near = NULL;
  unsigned near_d = 3;  /* at most two edits away */
  for (size_t i = 0; i < N_ELEMENTS(table); i++) {
    unsigned d = edit_distance(name, n, table[i].name);
    if (d < near_d) {
      near_d = d;
      near = &table[i];
    }
  }
  if (near && near_d == 0 && near->value)
    return error_set(err, 0, "run: option `--%s` needs a value\nsee `hutch run --help`", near->name);
  if (near && near_d == 0)
    return error_set(err, 0, "run: option `--%s` takes no value\ngive it alone: `--%s`", near->name, near->name);
  if (near)
    return error_set(err, 0, "run: unknown option `%s`\ndid you mean `--%s`? (see `hutch run --help`)", arg, near->name);
  return error_set(err, 0, "run: unknown option `%s`; see `hutch run --help`", arg);
}

/* getopt_long's view of the table: a long option's val is its index plus
 * this, a short one's its letter. */
#define LONG_BASE 1000

static int parse_args(int argc, char **argv, bool app, struct spec *s, struct error *err);

int options_parse_run(int argc, char **argv, struct spec *s, struct error *err)
{
  return parse_args(argc, argv, false, s, err);
}

int options_parse_app(int argc, char **argv, struct spec *s, struct error *err)
{
  return parse_args(argc, argv, true, s, err);
}

/* hutch app's own profile: PROGRAM's, else default-app, if either exists. */
static int apply_app_profile(struct spec *s, const char *program, struct error *err)
{
  const char *base = strrchr(program, '/') ? strrchr(program, '/') + 1 : program;
  _cleanup_free_ char *own = profile_find(base), *fallback = own ? NULL : profile_find("default-app");
  const char *which = own ? own : fallback;
  return which ? options_apply_profile(s, which, err) : 0;
}

static int parse_args(int argc, char **argv, bool app, struct spec *s, struct error *err)
{
  struct option longs[N_ELEMENTS(table) + 1];
  char shorts[2 * N_ELEMENTS(table) + 2] = "+";
  size_t ns = 1;
  for (size_t i = 0; i < N_ELEMENTS(table); i++) {
    longs[i] = (struct option) {table[i].name, table[i].value ? required_argument : no_argument, NULL,
                                (int) (LONG_BASE + i)};
    if (table[i].short_name) {
      shorts[ns++] = table[i].short_name;
      if (table[i].value)
        shorts[ns++] = ':';
    }
  }
  shorts[ns] = '\0';
  longs[N_ELEMENTS(table)] = (struct option) {0};

  const struct origin cli = {.name = "command line"};
  /* Two passes over the same arguments: the first finds the profiles (and
   * any unknown option), which are applied first; the second applies the
   * command line's own options over them. Parsing has no side effects, so
   * parsing twice is safe. */
  _cleanup_strv_ char **profiles = NULL;
  size_t n_profiles = 0;
  for (int pass = 0; pass < 2; pass++) {
    int c;
    /* 0, not 1: glibc then also forgets its place inside a cluster of short
     * options from an earlier parse in this process. */
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
      const struct option_def *d = NULL;
      if (c >= LONG_BASE)
        d = &table[c - LONG_BASE];
      for (size_t i = 0; !d && c != '?' && c != ':' && i < N_ELEMENTS(table); i++)
        if (table[i].short_name == c)
          d = &table[i];
      if (!d) {
        if (optopt && optopt < LONG_BASE)
          return error_set(err, 0, "run: unknown option `-%c`; see `hutch run --help`", optopt);
        if (strncmp(argv[optind - 1], "--", 2) == 0)
          return bad_long_option(argv[optind - 1], err);
        return error_set(err, 0, "run: unknown or incomplete option `%s`; see `hutch run --help`", argv[optind - 1]);
      }
      if (!d->set) {
        options_print_run_help(stdout);
        return 1;
      }
      if (pass == 0) {
        if (d->set == set_profile)
          strv_append(&profiles, &n_profiles, xstrdup(optarg));
        continue;
      }
      int r = d->set(s, optarg, &cli, err);
      if (r < 0)
        return r;
    }
    if (pass == 0 && app && optind < argc) {
      int r = apply_app_profile(s, argv[optind], err);
      if (r < 0)
        return r;
    }
    for (size_t i = 0; pass == 0 && i < n_profiles; i++) {
      int r = options_apply_profile(s, profiles[i], err);
      if (r < 0)
        return r;
    }
  }

  if (app) {
    if (optind >= argc)
      return error_set(err, 0, "app: missing PROGRAM; usage: hutch app [OPTIONS] PROGRAM [ARG...], e.g. hutch app xterm");
    s->app = true;
    size_t n = 0;
    for (; optind < argc; optind++)
      strv_append(&s->argv, &n, xstrdup(argv[optind]));
    return 0;
  }

  if (optind >= argc && s->print_policy)
    return 0;  /* the policy does not depend on the root */
  if (optind >= argc)
    return error_set(err, 0, "run: missing ROOT; usage: hutch run [OPTIONS] ROOT [COMMAND [ARG...]], e.g. hutch run layers:./demo /bin/sh");
  s->root = xstrdup(argv[optind++]);
  size_t n = 0;
  for (; optind < argc; optind++)
    strv_append(&s->argv, &n, xstrdup(argv[optind]));
  return 0;
}

/* ---------------------------------------------------------- help, man */

static void print_left(FILE *f, const struct option_def *d, char *buf, size_t len)
{
  (void) f;
  if (d->short_name)
    snprintf(buf, len, "  -%c, --%s%s%s", d->short_name, d->name, d->value ? " " : "", d->value ? d->value : "");
  else
    snprintf(buf, len, "      --%s%s%s", d->name, d->value ? " " : "", d->value ? d->value : "");
}

void options_print_run_help(FILE *f)
{
  fputs("Usage: hutch run [OPTIONS] ROOT [COMMAND [ARG...]]\n"
        "\n"
        "Run COMMAND (default /bin/sh) in a new sandbox whose root is ROOT:\n"
        "  DIR          a root filesystem directory, used read-only as the lowest layer\n"
        "  layers:DIR   each subdirectory of DIR is a layer, stacked bottom first in\n"
        "               version-sort order of the names\n"
        "The sandbox's writes go to a throwaway upper layer, removed on exit.\n"
        "\n"
        "Options:\n", f);
  for (size_t i = 0; i < N_ELEMENTS(table); i++) {
    char left[128];
    print_left(f, &table[i], left, sizeof left);
    const int col = 32;
    fputs(left, f);
    int used = (int) strlen(left);
    if (used + 2 > col) {
      fputc('\n', f);
      used = 0;
    }
    const char *h = table[i].help;
    for (bool first = true; *h; first = false) {
      size_t l = strcspn(h, "\n");
      fprintf(f, "%*s%.*s\n", first ? col - used : col, "", (int) l, h);
      h += l + (h[l] == '\n');
    }
  }
  fputs("\n"
        "Exit status: the command's own; 128+N if it died of signal N; 125 if hutch\n"
        "failed; 126 if the command cannot be invoked; 127 if it was not found.\n", f);
}

void options_print_man(FILE *f)
{
  fputs(".SH \"RUN OPTIONS\"\n", f);
  for (size_t i = 0; i < N_ELEMENTS(table); i++) {
    const struct option_def *d = &table[i];
    fputs(".TP\n", f);
    if (d->short_name)
      fprintf(f, "\\fB\\-%c\\fR, ", d->short_name);
    fprintf(f, "\\fB\\-\\-%s\\fR", d->name);
    if (d->value)
      fprintf(f, " \\fI%s\\fR", d->value);
    fputc('\n', f);
    for (const char *h = d->help; *h; h++) {
      if (*h == '\n')
        fputc(' ', f);
      else if (*h == '\\')
        fputs("\\e", f);
      else if (*h == '-' )
        fputs("\\-", f);
      else
        fputc(*h, f);
    }
    fputc('\n', f);
    if (!(d->where & OPT_PROFILE))
      fputs("(command line only)\n", f);
  }
}

/* ---------------------------------------------------------------- spec */

void spec_init(struct spec *s)
{
  *s = (struct spec) {.preserve_fds = -1, .log_level = -1};
}

void spec_free(struct spec *s)
{
  free(s->root);
  strvfreep(&s->argv);
  strvfreep(&s->env);
  free(s->hostname);
  free(s->workdir);
  free(s->user);
  free(s->upper_size);
  for (size_t i = 0; i < s->n_volumes; i++) {
    free(s->volumes[i].src);
    free(s->volumes[i].dst);
  }
  free(s->volumes);
  free(s->ports);
  free(s->listen.names);
  free(s->seccomp_file);
  strvfreep(&s->unmask);
  strvfreep(&s->profiles);
  limits_spec_free(&s->limits);
  service_spec_free(&s->service);
  desktop_spec_free(&s->desktop);
  spec_init(s);
}
