/* main.c: argv -> subcommand. The only place that exits; every error comes
 * here as a value and is printed once. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "doctor.h"
#include "holder.h"
#include "options.h"
#include "plan.h"
#include "policy.h"
#include "proc.h"
#include "run.h"
#include "util.h"

static void usage(FILE *f)
{
  fputs("Usage: hutch COMMAND [OPTIONS]\n"
        "\n"
        "A rootless sandbox launcher.\n"
        "\n"
        "Commands:\n"
        "  run [OPTIONS] ROOT [COMMAND [ARG...]]  run COMMAND in a new sandbox\n"
        "  doctor                                 check that this machine can run hutch\n"
        "  system reset                           stop your namespace holder and remove its state\n"
        "\n"
        "Options:\n"
        "  -h, --help      show this help (hutch run --help for run's options)\n"
        "      --version   show the version\n",
        f);
}

/* `hutch run`: parse into a spec, resolve it into a plan, run the plan. */
static int cmd_run(int argc, char **argv)
{
  struct spec s;
  struct plan p = {0};
  struct error err = {0};
  int status = EXIT_HUTCH_FAILED;
  spec_init(&s);
  int r = options_parse_run(argc, argv, &s, &err);
  if (r == 1) {
    status = 0;
    goto out;
  }
  if (r < 0)
    goto fail;
  log_level = s.log_level < 0 ? LOG_WARN : (enum log_level) s.log_level;
  if (!s.print_policy)
    run_prepare_fds(s.preserve_fds < 0 ? 0 : s.preserve_fds);
  if ((r = spec_resolve(&s, s.print_policy && !s.root, &p, &err)) < 0)
    goto fail;
  log_stage("hutch", "plan");
  if (s.print_policy) {
    if ((r = policy_print(&p, stdout, &err)) < 0)
      goto fail;
    status = 0;
    goto out;
  }
  status = run_sandbox(&p, &err);
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
    fprintf(stderr, "Usage: hutch system reset\n");
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

static const struct {
  const char *name;
  int (*fn)(int argc, char **argv);
} commands[] = {
  {"run", cmd_run},
  {"doctor", cmd_doctor},
  {"system", cmd_system},
  {"man-options", cmd_man},
};

int main(int argc, char **argv)
{
  log_start();
  proc_title_init(argc, argv);
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
  for (size_t i = 0; i < N_ELEMENTS(commands); i++)
    if (!strcmp(argv[1], commands[i].name))
      return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "hutch: unknown command `%s`; use run, doctor or system (see hutch --help)\n", argv[1]);
  return EXIT_HUTCH_FAILED;
}
