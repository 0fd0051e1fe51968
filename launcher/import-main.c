/* import-main.c: hutch-import, the program behind `hutch import`. Image
 * import reads tar archives with libarchive, which with what it pulls in
 * (bzip2, lzma, zstd, xml2, acl...) would be loaded by every launch: so it
 * lives in a program of its own, which hutch execs (main.c's cmd_import). */
#define _GNU_SOURCE
#include <stdio.h>

#include "import.h"
#include "log.h"
#include "proc.h"
#include "util.h"

int main(int argc, char **argv)
{
  log_start();
  proc_title_init(argc, argv);
  struct error err = {0};
  if (argc < 2 || argc > 3 || argv[1][0] == '-') {
    fputs("usage: hutch import oci:DIR[:TAG]|docker-archive:FILE[:REF]|tar:FILE [NAME[:TAG]]\n", argc == 2 ? stdout : stderr);
    return argc == 2 ? 0 : EXIT_HUTCH_FAILED;
  }
  if (import_image(argv[1], argc == 3 ? argv[2] : NULL, &err) < 0) {
    error_print(&err);
    return err.status ? err.status : EXIT_HUTCH_FAILED;
  }
  return 0;
}
