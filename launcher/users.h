/* users.h: the command's user and groups, --user USER[:GROUP] resolved in
 * the image's /etc/passwd and /etc/group (never the host's). */
#pragma once

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

struct plan;
struct spec;

/* What --user resolves to. */
struct users_ids {
  uid_t uid;
  gid_t gid;
  gid_t *groups;       /* supplementary groups, from the image's /etc/group */
  size_t n_groups;
  char *name;          /* the user's name in the image, or NULL */
  char *home;          /* the user's home in the image, or NULL */
};

/* The top-most layer's copy of REL (such as "etc/passwd"), opened for
 * reading without following a symlink out of its layer. *f is NULL when no
 * layer has it (or a whiteout hides it); *where is then NULL too. */
int users_open_image_file(char *const *layers, size_t n_layers, const char *rel, FILE **f, char **where,
                          struct error *err);

/* Resolve USER[:GROUP] (already checked for form) against the layers. */
int users_resolve(const char *user, char *const *layers, size_t n_layers, struct users_ids *out, struct error *err);
void users_ids_free(struct users_ids *ids);

/* spec_resolve()'s step: the command's uid, gid, supplementary groups and
 * home in the plan, checked against the plan's id maps. Runs after
 * userns_plan(). */
int users_plan(const struct spec *s, struct plan *p, struct error *err);
void users_plan_free(struct plan *p);
