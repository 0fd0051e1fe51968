/* store.h: the local image store under DATA/store (DATA being
 * $XDG_DATA_HOME/hutch): content named by digest, names pointing at it.
 *
 *   store/lock                   flock: shared to read, exclusive to change
 *   store/layers/sha256-HEX/     a layer extracted once, HEX its blob's digest
 *   store/blobs/sha256-HEX       manifests and configs, as the image had them
 *   store/tmp/                   work in progress; emptied by the next writer
 *   store/pulls/pull-PID/        a download (an OCI layout), flocked by its puller
 *   store/index.json             {"images": [{name, tag, manifest, config,
 *                                 layers: [digest...], size, created}]}
 *
 * Everything appears by rename(2) once complete (a layer directory only
 * after its blob's digest was checked), so a crash leaves at most something
 * under tmp/, never a half layer that a later run would use. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"

struct store {
  char *dir;      /* DATA/store */
  int dir_fd;
  int lock_fd;
  bool exclusive;
};

/* hutch --root DIR: the store is DIR instead of DATA/store (podman's
 * --root); NULL: the default. Set once, before any other store call. */
void store_set_root(const char *dir);
const char *store_root(void);
/* hutch-import, which writes the store: beside this hutch (a build
 * directory), else in the libexec directory. */
char *store_import_program(void);
/* The store's directory (not made). */
int store_path(char **out, struct error *err);

/* Open (making it if missing) and lock the store: shared for readers,
 * exclusive for import and rmi, which also empty tmp/ of what a crashed
 * writer left. */
int store_open(struct store *st, bool exclusive, struct error *err);
void store_close(struct store *st);
/* flock the store anew (LOCK_SH, LOCK_EX, LOCK_UN); going exclusive
 * empties tmp/ as store_open does. */
int store_relock(struct store *st, int mode, struct error *err);
/* A new directory store/pulls/pull-PID for a download, open and flocked
 * for as long as the caller keeps the returned descriptor; those whose
 * puller died are removed first. Needs no store lock: downloads do not
 * hold up runs and imports. */
int store_pull_dir(struct store *st, char **name, struct error *err);

/* This machine's architecture as images name it (amd64, arm64...). */
const char *store_arch(void);

/* "sha256:HEX" with 64 lowercase hex digits? */
bool store_digest_valid(const char *digest);
/* "sha256:HEX" -> "sha256-HEX", the name in layers/ and blobs/. */
char *store_digest_name(const char *digest);

/* NAME[:TAG] -> name and tag ("latest" when none). A name is lowercase
 * letters, digits and . _ - /, a tag letters, digits and . _ -. */
int store_parse_ref(const char *ref, char **name, char **tag, struct error *err);

/* The index, read (an empty one when there is none yet) and written
 * atomically (a temporary file renamed over it). */
int store_index_load(struct store *st, json_object **index, struct error *err);
int store_index_save(struct store *st, json_object *index, struct error *err);
/* The string at key in the JSON object o, or NULL (no o, no such key, not
 * a string): how the store, import, staging and pull read manifests. */
const char *store_json_str(json_object *o, const char *key);
/* The entry for name:tag in the index's images array, and its position. */
json_object *store_index_find(json_object *index, const char *name, const char *tag, size_t *pos);

/* The names a short NAME stands for, as podman reads them: NAME itself,
 * then (when it does not start with a registry) docker.io/library/NAME (or
 * docker.io/USER/NAME) and localhost/NAME. NULL-terminated. */
char **store_name_candidates(const char *name);
/* Whether an image name starts with a registry host (a `.` or `:` before
 * its first `/`, or localhost/), as docker and podman tell. */
bool store_name_has_registry(const char *name);
/* Whether a media type is an OCI index or a docker manifest list. */
bool store_is_index_type(const char *media_type);
/* store_index_find() for the first of NAME's candidates in the index. */
json_object *store_index_lookup(json_object *index, const char *name, const char *tag, size_t *pos);

/* A blob of the store, by digest, written atomically if missing. */
int store_put_blob(struct store *st, const char *digest, const char *data, size_t len, struct error *err);
/* A blob read back, NUL-terminated (at most 4 MiB). */
char *store_read_blob(struct store *st, const char *digest, size_t *len, struct error *err);

/* Remove layers and blobs that no image of the index names. */
void store_gc(struct store *st, json_object *index);

/* For `hutch run oci:DIR` (and the like): is the image last imported from
 * source in the store, whole, and source unchanged since (source_stamp)? */
bool store_source_current(const char *source);

/* For `hutch run NAME[:TAG]`: when ref names an image of the store, its
 * layers' absolute paths, bottom first (*found set); otherwise *found is
 * false and nothing is allocated. */
int store_image_layers(const char *ref, char ***layers, size_t *n_layers, bool *found, struct error *err);

/* What an image's config asks of a run, for what the command line left
 * unset. */
struct image_config {
  char **argv;     /* Entrypoint then Cmd; NULL when neither */
  char **env;      /* KEY=VAL */
  size_t n_env;
  char *workdir;   /* NULL when none */
  char *user;      /* NULL when none */
};
/* The config of the image ref names, when it is one of the store's (*found);
 * nothing when it is not. */
int store_image_config(const char *ref, struct image_config *cfg, bool *found, struct error *err);
void image_config_free(struct image_config *cfg);

/* Run fn in a child process in a user namespace mapped as a run maps it
 * by default (root inside is the caller, 1... the subordinate ids), so
 * that an import can give files the owners the image has and rmi can
 * remove them again; its error comes back in err. Without subordinate ids
 * (or newuidmap), fn runs in this process and the files stay the caller's. */
int store_mapped_run(int (*fn)(void *arg, struct error *err), void *arg, struct error *err);
/* Inside store_mapped_run's namespace: may files be given other owners? */
bool store_keeps_owners(void);

/* `hutch prune`: the layers and blobs no image uses, except layers a
 * running sandbox holds (flocked); downloads whose puller died. */
int store_prune(struct error *err);
/* `hutch inspect IMAGE`: the image as JSON (an array of one object, as
 * podman's): name, tag, digests, layers, source, and its config's
 * Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts...; -ENOENT with
 * nothing printed and err untouched when the store has no such image. */
int store_inspect(const char *ref, FILE *f, struct error *err);

/* `hutch images` and `hutch rmi NAME[:TAG]`. */
int store_list(FILE *f, struct error *err);
int store_remove(const char *ref, struct error *err);
