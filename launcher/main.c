/* main.c: argv -> subcommand. The only place that exits on error. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "doctor.h"
#include "error.h"
#include "options.h"
#include "policy.h"
#include "run.h"

static void usage(FILE *f)
{
  fputs("Usage: hutch COMMAND [OPTIONS]\n"
        "\n"
        "A rootless sandbox launcher.\n"
        "\n"
        "Commands:\n"
        "  run [OPTIONS] ROOT [COMMAND [ARG...]]  run COMMAND in a new sandbox\n"
        "  doctor                                 check that this machine can run hutch\n"
        "\n"
        "Options:\n"
        "  -h, --help      show this help (hutch run --help for run's options)\n"
        "      --version   show the version\n",
        f);
}

static int cmd_run(int argc, char **argv)
{
  struct spec s = {0};
  struct error err = {0};
  int r = options_parse_run(argc, argv, &s, &err);
  if (r == 1) {
    spec_free(&s);
    return 0;
  }
  if (r < 0) {
    error_print(&err);
    spec_free(&s);
    return 125;
  }
  if (s.print_policy) {
    r = policy_print(&s, &err);
    if (r < 0)
      error_print(&err);
    spec_free(&s);
    return r < 0 ? 125 : 0;
  }
  int status = run_sandbox(&s, &err);
  if (err.msg[0])
    error_print(&err);
  spec_free(&s);
  return status;
}

static int cmd_doctor(int argc, char **argv)
{
  (void) argc;
  (void) argv;
  return doctor_run();
}

static const struct {
  const char *name;
  int (*fn)(int argc, char **argv);
} commands[] = {
  {"run", cmd_run},
  {"doctor", cmd_doctor},
};

int main(int argc, char **argv)
{
  if (argc < 2) {
    usage(stderr);
    return 125;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("hutch %s\n", HUTCH_VERSION);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name))
      return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "hutch: unknown command `%s`; use run or doctor (see hutch --help)\n", argv[1]);
  return 125;
}
