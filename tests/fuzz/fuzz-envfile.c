/* fuzz-envfile.c: env_parse_text() (launcher/env.c), the --env-file parser.
 * The input is the file's text. Links env.c, util.c and error.c.
 *
 * Beyond "no crash, no leak", it checks what the parser promises: every
 * entry is KEY=VALUE, and no key appears twice. The text is parsed twice
 * into the same list, as two --env-file options would be. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../launcher/env.h"
#include "../../launcher/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed stand-in for the host's environment (bare KEY lines). */
static const char *fake_host(const char *key)
{
  if (!strcmp(key, "HOME"))
    return "/home/fuzz";
  if (!strcmp(key, "EMPTY"))
    return "";
  return NULL;
}

static void check(char **env, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    const char *eq = strchr(env[i], '=');
    if (!eq || eq == env[i])
      abort();  /* an entry without KEY= */
    size_t klen = (size_t) (eq - env[i]);
    for (size_t j = i + 1; j < n; j++)
      if (!strncmp(env[i], env[j], klen + 1))
        abort();  /* the same key twice */
  }
  if (env && env[n])
    abort();  /* the list is NULL-terminated */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  _cleanup_free_ char *text = xmalloc(size + 1);
  memcpy(text, data, size);
  text[size] = '\0';

  _cleanup_strv_ char **env = NULL;
  size_t n = 0;
  struct error err = {0};
  if (env_parse_text(text, "fuzz.env", &env, &n, fake_host, &err) == 0) {
    check(env, n);
    if (env_parse_text(text, "fuzz.env", &env, &n, fake_host, &err) == 0)
      check(env, n);
  }
  return 0;
}
