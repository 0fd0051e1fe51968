/* service.c: the options of a service (-d, --name, --rm, --restart) and
 * its names. Setters check the form alone, as every setter of options.c. */
#define _GNU_SOURCE
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "spec.h"
#include "util.h"

int service_check_name(const char *name, struct error *err)
{
  size_t n = strlen(name);
  bool ok = n > 0 && n <= SERVICE_NAME_MAX && strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", name[0]) &&
            strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
  if (!ok) {
    error_set(err, 0, "bad sandbox name `%s`", name);
    error_fix(err, "a name starts with a letter or digit, then letters, digits, `_`, `.` or `-`, at most %d in all, "
                   "e.g. --name web-1", SERVICE_NAME_MAX);
    return -EINVAL;
  }
  return 0;
}

int service_set_name(struct spec *s, const char *v, const struct origin *o, struct error *err)
{
  (void) o;
  int r = service_check_name(v, err);
  if (r < 0)
    return r;
  free(s->service.name);
  s->service.name = xstrdup(v);
  return 0;
}

int service_set_restart(struct spec *s, const char *v, const struct origin *o, struct error *err)
{
  (void) o;
  struct service_spec *ss = &s->service;
  ss->restart_max = 0;
  if (!strcmp(v, "no")) {
    ss->restart = RESTART_NO;
  } else if (!strcmp(v, "always")) {
    ss->restart = RESTART_ALWAYS;
  } else if (!strncmp(v, "on-failure", 10) && (v[10] == '\0' || v[10] == ':')) {
    ss->restart = RESTART_ON_FAILURE;
    if (v[10] == ':') {
      char *end;
      long n = strtol(v + 11, &end, 10);
      if (!v[11] || *end || n < 1 || n > 1000000)
        return error_set(err, 0, "bad --restart `%s`: N must be a number of restarts, 1 or more, e.g. on-failure:3", v);
      ss->restart_max = (int) n;
    }
  } else {
    return error_set(err, 0, "bad --restart `%s`: use no, on-failure, on-failure:N or always", v);
  }
  return 0;
}

void service_spec_free(struct service_spec *ss)
{
  free(ss->name);
  ss->name = NULL;
}

const char *service_restart_name(enum restart_policy r)
{
  switch (r) {
  case RESTART_UNSET:
  case RESTART_NO:
    return "no";
  case RESTART_ON_FAILURE:
    return "on-failure";
  case RESTART_ALWAYS:
    return "always";
  }
  return "no";
}

char *service_random_name(void)
{
  static const char *const adjectives[] = {
    "amber", "brave", "calm", "clever", "dusty", "eager", "fuzzy", "gentle", "happy", "jolly", "keen", "lucky",
    "mellow", "nimble", "proud", "quiet", "rapid", "shy", "sunny", "tidy", "vivid", "witty", "young", "zesty",
  };
  static const char *const nouns[] = {
    "badger", "beaver", "crane", "falcon", "ferret", "gecko", "heron", "ibis", "koala", "lemur", "marmot", "newt",
    "otter", "panda", "quail", "raven", "robin", "stoat", "tapir", "toucan", "vole", "walrus", "wombat", "yak",
  };
  unsigned char rnd[3] = {0};
  if (getrandom(rnd, sizeof rnd, 0) != (ssize_t) sizeof rnd)
    rnd[0] = (unsigned char) getpid(), rnd[1] = (unsigned char) (getpid() >> 8), rnd[2] = (unsigned char) now_usec();
  return xasprintf("%s-%s-%02x", adjectives[rnd[0] % N_ELEMENTS(adjectives)], nouns[rnd[1] % N_ELEMENTS(nouns)], rnd[2]);
}
