/* main.c: argv -> subcommand. The only place that exits; every error comes
 * here as a value and is printed once. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "ctl.h"
#include "doctor.h"
#include "holder.h"
#include "monitor.h"
#include "options.h"
#include "plan.h"
#include "policy.h"
#include "proc.h"
#include "profile.h"
#include "run.h"
#include "sockact.h"
#include "state.h"
#include "store.h"
#include "util.h"

static void usage(FILE *f)
{
  fputs("Usage: hutch [--root DIR] COMMAND [OPTIONS]\n"
        "\n"
        "A rootless sandbox launcher.\n"
        "\n"
        "Commands:\n"
        "  run [OPTIONS] ROOT [COMMAND [ARG...]]  run COMMAND in a new sandbox\n"
        "  app [OPTIONS] PROGRAM [ARG...]         run a desktop PROGRAM of this system, confined by its profile\n"
        "  import SOURCE [NAME[:TAG]]             put an image into the store: oci:DIR[:TAG],\n"
        "                                         docker-archive:FILE[:REF] or tar:FILE (a root filesystem)\n"
        "  pull [--tls-verify=false] REF          fetch [REGISTRY/]NAME[:TAG][@DIGEST] from a registry\n"
        "  images                                 list the images of the store\n"
        "  inspect NAME|IMAGE                     a sandbox's state, or an image's digests, layers and config (JSON)\n"
        "  prune                                  remove the layers and blobs no image uses\n"
        "  rmi NAME[:TAG]                         remove an image (and the layers no other image uses)\n"
        "  ps [-a] [--format json]                list the named sandboxes (-a: the exited ones too)\n"
        "  logs [-f] [--tail N] NAME              a detached sandbox's output\n"
        "  stop [-t SECS] NAME | kill [-s SIG] NAME | wait NAME\n"
        "  exec [-e K=V] [-w DIR] [-u UID] NAME COMMAND...   run COMMAND in a running sandbox\n"
        "  start NAME | rm [-f] NAME              run it again, remove it\n"
        "  doctor                                 check that this machine can run hutch\n"
        "  profiles                               list the profiles found, and where\n"
        "  profile show NAME|FILE                 a profile's options, includes and variables resolved\n"
        "  system reset                           stop your namespace holder and remove its state\n"
        "\n"
        "Options:\n"
        "      --root DIR  the image store to use (default: $XDG_DATA_HOME/hutch/store)\n"
        "  -h, --help      show this help (hutch run --help for run's options)\n"
        "      --version   show the version\n",
        f);
}

/* `hutch run` and `hutch app`: parse into a spec, resolve it into a plan,
 * run the plan. */
static int launch(int argc, char **argv, bool app, const char *start_name)
{
  struct spec s;
  struct plan p = {0};
  struct error err = {0};
  int status = EXIT_HUTCH_FAILED;
  spec_init(&s);
  sockact_inherit(&s.listen);  /* before a bare -e KEY can copy LISTEN_FDS */
  int r = app ? options_parse_app(argc, argv, &s, &err) : options_parse_run(argc, argv, &s, &err);
  if (r == 1) {
    status = 0;
    goto out;
  }
  if (r < 0)
    goto fail;
  if (start_name) {  /* hutch start: again, detached, under its name */
    s.service.existing = s.service.detach = true;
    free(s.service.name);
    s.service.name = xstrdup(start_name);
  }
  log_level = s.log_level < 0 ? LOG_WARN : (enum log_level) s.log_level;
  if (!s.print_policy)
    run_prepare_fds((s.preserve_fds < 0 ? 0 : s.preserve_fds) + sockact_count(&s));
  if ((r = spec_resolve(&s, s.print_policy && !s.root && !s.app, &p, &err)) < 0)
    goto fail;
  log_stage("hutch", "plan");
  if (s.print_policy) {
    if ((r = policy_print(&p, stdout, &err)) < 0)
      goto fail;
    status = 0;
    goto out;
  }
  status = monitor_wanted(&s) ? monitor_run(&s, &p, argv, argc, &err) : run_sandbox(&p, &err);
  if (err.msg[0])
    error_print(&err);
  goto out;
fail:
  error_print(&err);
  status = err.status ? err.status : EXIT_HUTCH_FAILED;
out:
  plan_free(&p);
  spec_free(&s);
  return status;
}

static int cmd_run(int argc, char **argv)
{
  return launch(argc, argv, false, NULL);
}

static int cmd_app(int argc, char **argv)
{
  return launch(argc, argv, true, NULL);
}

/* `hutch start NAME`: hutch run again with the arguments it was first
 * given, from the directory it was given them in, on the same changes. */
static int cmd_start(int argc, char **argv)
{
  struct error err = {0};
  if (argc != 2) {
    fputs("hutch: usage: hutch start NAME\n", stderr);
    return EXIT_HUTCH_FAILED;
  }
  _cleanup_strv_ char **args = NULL;
  _cleanup_free_ char *cwd = NULL;
  int n = 0;
  if (ctl_start_args(argv[1], &args, &n, &cwd, &err) < 0) {
    error_print(&err);
    return EXIT_HUTCH_FAILED;
  }
  if (chdir(cwd) < 0)
    log_warn("cannot go back to `%s`, where %s was first run: relative paths may differ", cwd, argv[1]);
  return launch(n, args, !strcmp(args[0], "app"), argv[1]);
}

static int cmd_doctor(int argc, char **argv)
{
  (void) argc;
  (void) argv;
  return doctor_run();
}

/* `hutch system reset`: what hutch keeps running between launches (the
 * namespace holder) is stopped and its state removed. */
static int cmd_system(int argc, char **argv)
{
  struct error err = {0};
  if (argc != 2 || strcmp(argv[1], "reset")) {
    fputs("hutch: usage: hutch system reset\n", stderr);
    return EXIT_HUTCH_FAILED;
  }
  if (holder_reset(stdout, &err) < 0) {
    error_print(&err);
    return EXIT_HUTCH_FAILED;
  }
  return 0;
}

/* The man page's list of run options, from the option table. */
static int cmd_man(int argc, char **argv)
{
  (void) argc;
  (void) argv;
  options_print_man(stdout);
  return 0;
}

/* `hutch profiles`: the profiles found, and where. */
static int cmd_profiles(int argc, char **argv)
{
  (void) argc;
  (void) argv;
  profile_list(stdout);
  return 0;
}

static int show_line(void *ctx, const char *name, const char *value, const struct origin *o, struct error *err)
{
  (void) ctx;
  (void) err;
  printf("%s%s%-*s  # %s\n", name, value ? " " : "", (int) (40 - strlen(name) + !value), value ? value : "", o->name);
  return 0;
}

/* `hutch profile show NAME|FILE`: its options as they apply, includes read
 * and variables replaced, each with the place it came from. Checked as a
 * launch checks them, so a bad line fails here too. */
static int cmd_profile(int argc, char **argv)
{
  struct error err = {0};
  if (argc != 3 || strcmp(argv[1], "show")) {
    fputs("hutch: usage: hutch profile show NAME|FILE\n", stderr);
    return EXIT_HUTCH_FAILED;
  }
  struct spec s;
  spec_init(&s);
  int r = options_apply_profile(&s, argv[2], &err);
  spec_free(&s);
  if (r < 0) {
    error_print(&err);
    return err.status ? err.status : EXIT_HUTCH_FAILED;
  }
  r = profile_read(argv[2], NULL, show_line, NULL, &err);
  return r < 0 ? EXIT_HUTCH_FAILED : 0;
}

/* `hutch import SOURCE [NAME[:TAG]]`, `hutch images`, `hutch rmi NAME[:TAG]`:
 * the image store (store.c, import.c). */
static int store_status(int r, struct error *err)
{
  if (r == 0)
    return 0;
  error_print(err);
  return err->status ? err->status : EXIT_HUTCH_FAILED;
}

/* `hutch import` and `hutch pull`: hutch-import, beside this hutch (a build directory) or
 * in the libexec directory, does it (import-main.c says why). */
static int cmd_import(int argc, char **argv)
{
  _cleanup_free_ char *prog = store_import_program();
  /* hutch-import [--root DIR] import|pull ARGS... */
  char **args = xcalloc((size_t) argc + 4, sizeof *args);
  size_t n = 0;
  args[n++] = prog;
  if (store_root()) {
    args[n++] = (char *) "--root";
    args[n++] = (char *) store_root();
  }
  for (int i = 0; i < argc; i++)
    args[n++] = argv[i];
  umask(proc_umask_caller());  /* hutch-import keeps it as we do (proc.c) */
  execv(prog, args);
  fprintf(stderr, "hutch: cannot run `%s`: %s\nhutch: fix: reinstall hutch (meson install)\n", prog, strerror(errno));
  free(args);
  return EXIT_HUTCH_FAILED;
}

static int cmd_prune(int argc, char **argv)
{
  struct error err = {0};
  (void) argv;
  if (argc != 1) {
    fputs("hutch: usage: hutch prune\n", stderr);
    return EXIT_HUTCH_FAILED;
  }
  return store_status(store_prune(&err), &err);
}

/* `hutch inspect NAME`: a named sandbox's state, or else an image of the
 * store, as JSON (podman's inspect serves both too). */
static int cmd_inspect(int argc, char **argv)
{
  struct error err = {0};
  if (argc != 2) {
    fputs("hutch: usage: hutch inspect NAME|IMAGE\n", stderr);
    return EXIT_HUTCH_FAILED;
  }
  int r = state_inspect(argv[1], stdout, &err);
  if (r != -ENOENT) {
    if (r < 0)
      error_print(&err);
    return r < 0 ? EXIT_HUTCH_FAILED : 0;
  }
  r = store_inspect(argv[1], stdout, &err);
  if (r == -ENOENT)
    r = error_set(&err, 0, "no sandbox or image named `%s`\nhutch ps -a lists the sandboxes, hutch images the images", argv[1]);
  return store_status(r, &err);
}

static int cmd_images(int argc, char **argv)
{
  struct error err = {0};
  (void) argv;
  if (argc != 1) {
    fputs("hutch: usage: hutch images\n", stderr);
    return EXIT_HUTCH_FAILED;
  }
  return store_status(store_list(stdout, &err), &err);
}

static int cmd_rmi(int argc, char **argv)
{
  struct error err = {0};
  if (argc < 2) {
    fputs("hutch: usage: hutch rmi NAME[:TAG]...\n", stderr);
    return EXIT_HUTCH_FAILED;
  }
  for (int i = 1; i < argc; i++)
    if (store_remove(argv[i], &err) < 0)
      return store_status(-1, &err);
    else
      printf("%s removed\n", argv[i]);
  return 0;
}

static const struct {
  const char *name;
  int (*fn)(int argc, char **argv);
} commands[] = {
  {"run", cmd_run},
  {"app", cmd_app},
  {"import", cmd_import},
  {"pull", cmd_import},
  {"images", cmd_images},
  {"rmi", cmd_rmi},
  {"prune", cmd_prune},
  {"ps", ctl_ps},
  {"logs", ctl_logs},
  {"stop", ctl_stop},
  {"kill", ctl_kill},
  {"rm", ctl_rm},
  {"wait", ctl_wait},
  {"exec", ctl_exec},
  {"start", cmd_start},
  {"inspect", cmd_inspect},
  {"doctor", cmd_doctor},
  {"system", cmd_system},
  {"man-options", cmd_man},
  {"profiles", cmd_profiles},
  {"profile", cmd_profile},
};

int main(int argc, char **argv)
{
  log_start();
  proc_title_init(argc, argv);
  /* A caller that ignores SIGCHLD (to have its own children reaped unseen)
   * passes that on to us, and then every child of ours would vanish
   * unwaited: init would never see the command end. Every process of
   * hutch's, the command too, starts from the default, as in podman's
   * containers. */
  signal(SIGCHLD, SIG_DFL);
  proc_umask_own();
  /* 0, 1 and 2 open, whatever the caller left closed: otherwise the next
   * descriptor hutch opens would take one of their numbers, and a helper's
   * stdin or stderr would be that. */
  for (int fd = 0; fd < 3; fd++)
    if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
      return EXIT_HUTCH_FAILED;
  if (argc < 2) {
    usage(stderr);
    return EXIT_HUTCH_FAILED;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("hutch %s\n", HUTCH_VERSION);
    return 0;
  }
  /* Global options, before the subcommand (podman's place for them). */
  while (argc > 1 && !strncmp(argv[1], "--root", 6) && (argv[1][6] == '\0' || argv[1][6] == '=')) {
    const char *dir = argv[1][6] == '=' ? argv[1] + 7 : argc > 2 ? argv[2] : NULL;
    if (!dir || dir[0] != '/') {
      fprintf(stderr, "hutch: --root needs an absolute directory\nhutch: fix: hutch --root /path/to/store SUBCOMMAND ...\n");
      return EXIT_HUTCH_FAILED;
    }
    store_set_root(dir);
    int used = argv[1][6] == '=' ? 1 : 2;
    argc -= used;
    argv += used;
  }
  if (argc < 2) {
    usage(stderr);
    return EXIT_HUTCH_FAILED;
  }
  for (size_t i = 0; i < N_ELEMENTS(commands); i++)
    if (!strcmp(argv[1], commands[i].name))
      return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "hutch: unknown command `%s`; use run, app, ps, logs, stop, kill, rm, wait, exec, start, inspect, import, pull, images, rmi, prune, doctor, profiles, profile or system (see hutch --help)\n", argv[1]);
  return EXIT_HUTCH_FAILED;
}
