/* import-main.c: hutch-import, the program behind `hutch import` and
 * `hutch pull`. Image import reads tar archives with libarchive, and pull
 * speaks HTTP with libcurl: with what they pull in (bzip2, lzma, zstd,
 * xml2, acl, TLS, ...) they would be loaded by every launch, so they live
 * in a program of their own, which hutch execs (main.c's cmd_import) with
 * the subcommand as argv[0]. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "import.h"
#include "log.h"
#include "proc.h"
#include "store.h"
#include "util.h"
#if HAVE_LIBCURL && HAVE_LIBARCHIVE
#include "pull.h"
#endif

static int pull_main(int argc, char **argv, struct error *err)
{
  bool tls_verify = true;
  const char *ref = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs("usage: hutch pull [--tls-verify=false] [REGISTRY/]NAME[:TAG][@sha256:HEX]\n", stdout);
      return 0;
    } else if (!strcmp(argv[i], "--tls-verify=false")) {
      tls_verify = false;
    } else if (!strcmp(argv[i], "--tls-verify=true") || !strcmp(argv[i], "--tls-verify")) {
      tls_verify = true;
    } else if (argv[i][0] == '-' || ref) {
      return error_set(err, 0, "pull: unexpected `%s`\nusage: hutch pull [--tls-verify=false] REF", argv[i]);
    } else {
      ref = argv[i];
    }
  }
  if (!ref)
    return error_set(err, 0, "pull: no image named\nusage: hutch pull [--tls-verify=false] REF");
#if HAVE_LIBCURL && HAVE_LIBARCHIVE
  return pull_image(ref, tls_verify, err);
#else
  (void) tls_verify;
  return error_set(err, 0, "hutch was built without libcurl or libarchive, so it cannot pull images\n"
                   "rebuild with libcurl4-openssl-dev and libarchive-dev installed");
#endif
}

int main(int argc, char **argv)
{
  log_start();
  proc_title_init(argc, argv);
  proc_umask_own();
  struct error err = {0};
  int r;
  /* hutch-import [--root DIR] import|pull ARGS...; hutch's cmd_import
   * and layers.c exec us so. */
  const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  if (!strcmp(base, "hutch-import") && argc > 1) {
    argc--;
    argv++;
  }
  if (argc > 2 && !strcmp(argv[0], "--root")) {
    store_set_root(argv[1]);
    argc -= 2;
    argv += 2;
  }
  if (!strcmp(argv[0], "pull")) {
    r = pull_main(argc, argv, &err);
  } else {
    if (argc < 2 || argc > 3 || argv[1][0] == '-') {
      fputs("usage: hutch import oci:DIR[:TAG]|docker-archive:FILE[:REF]|tar:FILE [NAME[:TAG]]\n",
            argc == 2 ? stdout : stderr);
      return argc == 2 ? 0 : EXIT_HUTCH_FAILED;
    }
    r = import_image(argv[1], argc == 3 ? argv[2] : NULL, &err);
  }
  if (r < 0) {
    error_print(&err);
    return err.status ? err.status : EXIT_HUTCH_FAILED;
  }
  return 0;
}
