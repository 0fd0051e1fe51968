/* options.c: command line -> struct spec. Everything the user can get wrong is
 * checked here, before any namespace exists, so bad input exits 125 with
 * nothing to clean up. */
#define _GNU_SOURCE
#include "options.h"

#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "env.h"
#include "layers.h"
#include "net.h"
#include "rootfs.h"
#include "util.h"

enum {
  OPT_TMPFS = 1000, OPT_READ_ONLY, OPT_USERNS, OPT_OVERLAY, OPT_HOSTNAME,
  OPT_ENV_FILE, OPT_PRESERVE_FDS, OPT_LOG_LEVEL, OPT_NETWORK, OPT_PORT_DRIVER,
  OPT_CAP_ADD, OPT_CAP_DROP, OPT_SECCOMP, OPT_LANDLOCK, OPT_UNMASK, OPT_PRINT_POLICY,
};

static const struct option run_options[] = {
  {"volume", required_argument, NULL, 'v'},
  {"tmpfs", required_argument, NULL, OPT_TMPFS},
  {"read-only", no_argument, NULL, OPT_READ_ONLY},
  {"userns", required_argument, NULL, OPT_USERNS},
  {"overlay", required_argument, NULL, OPT_OVERLAY},
  {"hostname", required_argument, NULL, OPT_HOSTNAME},
  {"env", required_argument, NULL, 'e'},
  {"env-file", required_argument, NULL, OPT_ENV_FILE},
  {"workdir", required_argument, NULL, 'w'},
  {"user", required_argument, NULL, 'u'},
  {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
  {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
  {"network", required_argument, NULL, OPT_NETWORK},
  {"publish", required_argument, NULL, 'p'},
  {"port-driver", required_argument, NULL, OPT_PORT_DRIVER},
  {"cap-add", required_argument, NULL, OPT_CAP_ADD},
  {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
  {"seccomp", required_argument, NULL, OPT_SECCOMP},
  {"landlock", required_argument, NULL, OPT_LANDLOCK},
  {"unmask", required_argument, NULL, OPT_UNMASK},
  {"print-policy", no_argument, NULL, OPT_PRINT_POLICY},
  {"help", no_argument, NULL, 'h'},
  {NULL, 0, NULL, 0},
};

/* --seccomp default|unconfined|FILE. (Moved here from seccomp.c as is;
 * the option table will own it.) */
static int parse_seccomp(const char *arg, struct spec *s, struct error *err)
{
  free(s->seccomp_file);
  s->seccomp_file = NULL;
  if (!strcmp(arg, "default")) {
    s->seccomp = SECCOMP_DEFAULT;
    return 0;
  }
  if (!strcmp(arg, "unconfined")) {
    s->seccomp = SECCOMP_UNCONFINED;
    return 0;
  }
  /* A profile: checked now, compiled before the sandbox starts. */
  s->seccomp_file = realpath(arg, NULL);
  if (!s->seccomp_file || access(s->seccomp_file, R_OK) < 0) {
    int r = error_set(err, errno, "--seccomp `%s`", arg);
    error_fix(err, "use default, unconfined, or the path of a seccomp profile in the OCI / Docker JSON format");
    return r;
  }
  s->seccomp = SECCOMP_FILE;
  return 0;
}

void options_print_run_help(void)
{
  fputs(
    "Usage: hutch run [OPTIONS] ROOT [COMMAND [ARG...]]\n"
    "\n"
    "Run COMMAND (default /bin/sh) in a new sandbox whose root is ROOT:\n"
    "  DIR          a root filesystem directory, used read-only as the lowest layer\n"
    "  layers:DIR   each subdirectory of DIR is a layer, stacked bottom first in\n"
    "               version-sort order of the names\n"
    "The sandbox's writes go to a throwaway upper layer, removed on exit.\n"
    "\n"
    "Options:\n"
    "  -v, --volume SRC:DST[:ro|rw]  bind the host path SRC at DST inside\n"
    "      --tmpfs DST               mount a fresh tmpfs at DST inside\n"
    "      --read-only               make the root read-only (writes go nowhere)\n"
    "      --userns auto|single|keep-id\n"
    "                                auto: caller is root inside, subordinate ids\n"
    "                                1..N (default); single: only the caller, as\n"
    "                                root; keep-id: the caller keeps its own ids\n"
    "      --overlay auto|kernel|fuse  overlay backend (default auto)\n"
    "      --hostname NAME           hostname inside (default hutch)\n"
    "  -e, --env KEY=VAL             set a variable (KEY alone copies the host's)\n"
    "      --env-file FILE           read KEY=VAL lines from FILE\n"
    "  -w, --workdir DIR             working directory inside (default /)\n"
    "  -u, --user UID[:GID]          run the command as UID:GID inside\n"
    "      --preserve-fds N          pass file descriptors 3..N+2 on\n"
    "      --network MODE            none (default without -p): a network of its\n"
    "                                own with only lo; host: the host's network,\n"
    "                                NOT isolated; pasta, slirp4netns: user-mode\n"
    "                                networking; auto (default with -p): pasta if\n"
    "                                installed, else slirp4netns. Add\n"
    "                                :allow-host-loopback to let the sandbox reach\n"
    "                                the host's 127.0.0.1 through the gateway\n"
    "  -p, --publish [HOST_IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp]\n"
    "                                publish a sandbox port on the host\n"
    "      --port-driver hutch|backend\n"
    "                                who carries published TCP ports: hutch's\n"
    "                                splice forwarder (default) or the backend\n"
    "      --cap-add CAP, --cap-drop CAP\n"
    "                                add or drop a capability (NET_RAW or\n"
    "                                CAP_NET_RAW; ALL): the default set is podman's;\n"
    "                                SYS_ADMIN also lets the default seccomp\n"
    "                                profile allow nested namespaces and mount\n"
    "                                (mounts also need --landlock off)\n"
    "      --seccomp default|unconfined|FILE\n"
    "                                the system call filter: hutch's default, none,\n"
    "                                or an OCI / Docker seccomp JSON profile\n"
    "      --landlock on|off         Landlock (default on where the kernel has it):\n"
    "                                the command reaches no file outside its root\n"
    "      --unmask PATH|ALL         do not mask PATH (/proc/kcore...) or make it\n"
    "                                read-only (/proc/sys...); ALL: none of them\n"
    "      --print-policy            print what the sandbox may do, and exit\n"
    "      --log-level error|warn|info|debug\n"
    "                                debug prints each launch stage and its time\n"
    "  -h, --help                    show this help\n"
    "\n"
    "Exit status: the command's own; 128+N if it died of signal N; 125 if hutch\n"
    "failed; 126 if the command cannot be invoked; 127 if it was not found.\n",
    stdout);
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

int options_parse_volume(const char *arg, struct mount_entry *out, struct error *err)
{
  _cleanup_free_ char *copy = xstrdup(arg);
  char *parts[4] = {NULL};
  int n = 0;
  for (char *p = copy, *save = NULL, *tok; (tok = strtok_r(p, ":", &save)); p = NULL) {
    if (n == 3)
      return error_set(err, 0, "bad volume `%s`: too many `:`; use SRC:DST[:ro|rw]", arg);
    parts[n++] = tok;
  }
  if (n < 2 || strchr(arg, ':') == arg)
    return error_set(err, 0, "bad volume `%s`: use SRC:DST[:ro|rw], e.g. -v $HOME/data:/data:ro", arg);
  bool ro = false;
  if (n == 3) {
    if (!strcmp(parts[2], "ro"))
      ro = true;
    else if (strcmp(parts[2], "rw"))
      return error_set(err, 0, "bad volume `%s`: unknown mode `%s`; use ro or rw", arg, parts[2]);
  }
  char *dst = NULL;
  if (parse_inside_path("volume destination", parts[1], &dst, err) < 0)
    return error_wrap(err, -EINVAL, "bad volume `%s`", arg);
  if (!strcmp(dst, "/")) {
    free(dst);
    return error_set(err, 0, "bad volume `%s`: cannot mount over the sandbox's root; pick a directory such as /data", arg);
  }
  *out = (struct mount_entry) {.kind = MOUNT_BIND, .src = xstrdup(parts[0]), .dst = dst, .read_only = ro};
  return 0;
}

int options_parse_user(const char *arg, uid_t *uid, gid_t *gid, struct error *err)
{
  char *end;
  errno = 0;
  unsigned long u = strtoul(arg, &end, 10);
  if (end == arg || errno || u > 0xfffffffeUL || (*end && *end != ':'))
    return error_set(err, 0, "bad --user `%s`: use numeric UID[:GID], e.g. --user 1000:1000", arg);
  unsigned long g = u;
  if (*end == ':') {
    const char *gs = end + 1;
    errno = 0;
    g = strtoul(gs, &end, 10);
    if (end == gs || errno || *end || g > 0xfffffffeUL)
      return error_set(err, 0, "bad --user `%s`: use numeric UID[:GID], e.g. --user 1000:1000", arg);
  }
  *uid = (uid_t) u;
  *gid = (gid_t) g;
  return 0;
}

static const char *host_getenv(const char *k) { return getenv(k); }

static int parse_enum(const char *opt, const char *arg, const char *const *names, int *out, struct error *err)
{
  for (int i = 0; names[i]; i++)
    if (!strcmp(arg, names[i])) {
      *out = i;
      return 0;
    }
  char choices[256] = "";
  for (int i = 0; names[i]; i++) {
    strncat(choices, i ? ", " : "", sizeof choices - strlen(choices) - 1);
    strncat(choices, names[i], sizeof choices - strlen(choices) - 1);
  }
  return error_set(err, 0, "bad %s `%s`: use one of %s", opt, arg, choices);
}

int options_parse_run(int argc, char **argv, struct spec *s, struct error *err)
{
  static const char *const userns_names[] = {"auto", "single", "keep-id", NULL};
  static const char *const overlay_names[] = {"auto", "kernel", "fuse", NULL};
  static const char *const log_names[] = {"error", "warn", "info", "debug", NULL};
  static const char *const on_off[] = {"on", "off", NULL};
  int c, v, r;

  s->hostname = xstrdup("hutch");
  s->workdir = xstrdup("/");
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+v:e:w:u:p:h", run_options, NULL)) != -1) {
    switch (c) {
    case 'v': {
      struct mount_entry m;
      if ((r = options_parse_volume(optarg, &m, err)) < 0)
        return r;
      s->mounts = realloc(s->mounts, (s->n_mounts + 1) * sizeof *s->mounts);
      s->mounts[s->n_mounts++] = m;
      break;
    }
    case OPT_TMPFS: {
      struct mount_entry m = {.kind = MOUNT_TMPFS};
      if ((r = parse_inside_path("--tmpfs destination", optarg, &m.dst, err)) < 0)
        return r;
      s->mounts = realloc(s->mounts, (s->n_mounts + 1) * sizeof *s->mounts);
      s->mounts[s->n_mounts++] = m;
      break;
    }
    case OPT_READ_ONLY:
      s->read_only = true;
      break;
    case OPT_USERNS:
      if ((r = parse_enum("--userns", optarg, userns_names, &v, err)) < 0)
        return r;
      s->userns = (enum userns_mode) v;
      break;
    case OPT_OVERLAY:
      if ((r = parse_enum("--overlay", optarg, overlay_names, &v, err)) < 0)
        return r;
      s->overlay = (enum overlay_mode) v;
      break;
    case OPT_HOSTNAME:
      if (!valid_hostname(optarg))
        return error_set(err, 0, "bad --hostname `%s`: use up to 64 letters, digits, `-` and `.`", optarg);
      free(s->hostname);
      s->hostname = xstrdup(optarg);
      break;
    case 'e':
      if ((r = env_set(optarg, "-e", &s->env, &s->n_env, host_getenv, err)) < 0)
        return r;
      break;
    case OPT_ENV_FILE: {
      _cleanup_free_ char *text = read_file(optarg, ENV_FILE_MAX, NULL);
      if (!text)
        return error_set(err, errno, "--env-file: cannot read `%s`%s", optarg, errno == EFBIG ? " (over 1 MiB)" : "");
      if ((r = env_parse_text(text, optarg, &s->env, &s->n_env, host_getenv, err)) < 0)
        return r;
      break;
    }
    case 'w':
      free(s->workdir);
      s->workdir = NULL;
      if ((r = parse_inside_path("--workdir", optarg, &s->workdir, err)) < 0)
        return r;
      break;
    case 'u':
      if ((r = options_parse_user(optarg, &s->uid, &s->gid, err)) < 0)
        return r;
      s->user_set = true;
      break;
    case OPT_PRESERVE_FDS: {
      char *end;
      long n = strtol(optarg, &end, 10);
      if (*end || end == optarg || n < 0 || n > 1000)
        return error_set(err, 0, "bad --preserve-fds `%s`: use a count from 0 to 1000", optarg);
      s->preserve_fds = (int) n;
      break;
    }
    case OPT_LOG_LEVEL:
      if ((r = parse_enum("--log-level", optarg, log_names, &v, err)) < 0)
        return r;
      hutch_log_level = (enum log_level) v;
      break;
    case OPT_NETWORK:
      if ((r = net_parse_mode(optarg, s, err)) < 0)
        return r;
      break;
    case OPT_PORT_DRIVER: {
      static const char *const drivers[] = {"hutch", "backend", NULL};
      if ((r = parse_enum("--port-driver", optarg, drivers, &v, err)) < 0)
        return r;
      s->port_driver = (enum port_driver) v;
      break;
    }
    case 'p': {
      struct port_map p;
      if ((r = net_parse_publish(optarg, &p, err)) < 0)
        return r;
      s->ports = realloc(s->ports, (s->n_ports + 1) * sizeof *s->ports);
      s->ports[s->n_ports++] = p;
      break;
    }
    case OPT_CAP_ADD:
      if ((r = caps_parse_name("--cap-add", optarg, &s->cap_add, &s->cap_add_all, err)) < 0)
        return r;
      break;
    case OPT_CAP_DROP:
      if ((r = caps_parse_name("--cap-drop", optarg, &s->cap_drop, &s->cap_drop_all, err)) < 0)
        return r;
      break;
    case OPT_SECCOMP:
      if ((r = parse_seccomp(optarg, s, err)) < 0)
        return r;
      break;
    case OPT_LANDLOCK:
      if ((r = parse_enum("--landlock", optarg, on_off, &v, err)) < 0)
        return r;
      s->landlock_off = v == 1;
      break;
    case OPT_UNMASK:
      if ((r = rootfs_parse_unmask(optarg, s, err)) < 0)
        return r;
      break;
    case OPT_PRINT_POLICY:
      s->print_policy = true;
      break;
    case 'h':
      options_print_run_help();
      return 1;
    case '?':
    default:
      if (optopt && optopt < 256)
        return error_set(err, 0, "run: unknown option `-%c`; see `hutch run --help`", optopt);
      return error_set(err, 0, "run: unknown or incomplete option `%s`; see `hutch run --help`", argv[optind - 1]);
    }
  }

  caps_resolve(s);
  if (optind >= argc && s->print_policy)
    return 0;  /* the policy does not depend on the root */
  if (optind >= argc)
    return error_set(err, 0, "run: missing ROOT; usage: hutch run [OPTIONS] ROOT [COMMAND [ARG...]], e.g. hutch run layers:./demo /bin/sh");
  s->root_arg = xstrdup(argv[optind++]);
  if ((r = layers_resolve(s, err)) < 0)
    return r;

  size_t n = 0;
  if (optind >= argc)
    strv_append(&s->argv, &n, xstrdup("/bin/sh"));
  for (; optind < argc; optind++)
    strv_append(&s->argv, &n, xstrdup(argv[optind]));

  if ((r = net_validate(s, err)) < 0)
    return r;

  /* Volume sources are the caller's paths: make them absolute now, and check
   * they exist, so that a typo fails here and not halfway through a launch. */
  for (size_t i = 0; i < s->n_mounts; i++) {
    struct mount_entry *m = &s->mounts[i];
    if (m->kind != MOUNT_BIND)
      continue;
    char *abs = realpath(m->src, NULL);
    if (!abs)
      return error_set(err, errno, "volume source `%s`", m->src);
    free(m->src);
    m->src = abs;
  }
  return 0;
}

void spec_free(struct spec *s)
{
  free(s->root_arg);
  strvfreep(&s->layers);
  strvfreep(&s->argv);
  strvfreep(&s->env);
  free(s->hostname);
  free(s->workdir);
  for (size_t i = 0; i < s->n_mounts; i++) {
    free(s->mounts[i].src);
    free(s->mounts[i].dst);
  }
  free(s->mounts);
  free(s->ports);
  free(s->seccomp_file);
  strvfreep(&s->unmask);
}
