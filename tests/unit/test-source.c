/* test-source.c: image source names (launcher/source.c): oci:DIR[:TAG],
 * docker-archive:FILE[:REF] (REF after the first colon at which FILE
 * exists, so that a REF may hold colons and slashes), tar:FILE and a bare
 * tarball; the names an import falls back to. Links source.c with util.c,
 * log.c and error.c. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include "../../launcher/source.h"
#include "../../launcher/util.h"
#include "tap.h"

static void parse(const char *text, int kind, const char *path, const char *tag, const char *def)
{
  struct image_source src;
  struct error err = {0};
  int r = source_parse(text, &src, &err);
  TAP_INT_EQ(r, 0, "%s: parsed", text);
  if (r < 0) {
    tap_diag("%s", err.msg);
    return;
  }
  TAP_INT_EQ(src.kind, kind, "%s: kind", text);
  TAP_STR_EQ(src.path, path, "%s: path", text);
  TAP_STR_EQ(src.tag, tag, "%s: tag", text);
  char *d = source_default_ref(&src);
  TAP_STR_EQ(d, def, "%s: default name", text);
  free(d);
  source_free(&src);
}

int main(void)
{
  char dir[] = "/tmp/test-source-XXXXXX";
  if (!mkdtemp(dir))
    return 1;
  char *archive = xasprintf("%s/Saved Image.tar", dir), *tgz = xasprintf("%s/root.tar.gz", dir);
  fclose(fopen(archive, "w"));
  fclose(fopen(tgz, "w"));

  parse("oci:/srv/layouts/App:v2", SOURCE_OCI, "/srv/layouts/App", "v2", "app:v2");
  parse("oci:/srv/layouts/app", SOURCE_OCI, "/srv/layouts/app", NULL, "app:latest");
  parse("oci:rel/x.y:1.0", SOURCE_OCI, "rel/x.y", "1.0", "x.y:1.0");

  char *s = xasprintf("docker-archive:%s", archive);
  parse(s, SOURCE_DOCKER_ARCHIVE, archive, NULL, "saved-image:latest");
  free(s);
  s = xasprintf("docker-archive:%s:localhost:5000/demo/app:v1", archive);
  parse(s, SOURCE_DOCKER_ARCHIVE, archive, "localhost:5000/demo/app:v1", "saved-image:latest");
  free(s);

  s = xasprintf("tar:%s", tgz);
  parse(s, SOURCE_TARBALL, tgz, NULL, "root:latest");
  free(s);
  parse(tgz, SOURCE_TARBALL, tgz, NULL, "root:latest");

  struct image_source src;
  struct error err = {0};
  TAP_INT_EQ(source_parse("/srv/no-such.tar.gz", &src, &err) < 0, 1, "a tarball name that is no file is no source");
  err = (struct error) {0};
  TAP_INT_EQ(source_parse("busybox:latest", &src, &err) < 0, 1, "an image name is no source");
  TAP_CONTAINS(err.msg, "unknown image source", "the refusal names the problem");
  err = (struct error) {0};
  TAP_INT_EQ(source_parse("oci:", &src, &err) < 0, 1, "oci: with no directory is refused");

  struct image_source a = {SOURCE_OCI, xstrdup("/x/layout"), NULL};
  char *key = source_key(&a);
  TAP_STR_EQ(key, "oci:/x/layout", "the key of a layout that is not there: its path as given");
  free(key);
  source_free(&a);

  unlink(archive);
  unlink(tgz);
  rmdir(dir);
  free(archive);
  free(tgz);
  return tap_done();
}
