/* seccomp-cache.c: compiled filters kept between launches.
 *
 * libseccomp takes milliseconds to build a filter of some 400 rules, more
 * than the rest of a launch. The result depends only on the rules that
 * apply (after includes and excludes), the libseccomp version and this
 * build of hutch (its build id), so it is kept in a directory of the
 * user's own (0700; $XDG_RUNTIME_DIR/hutch-cache, gone at logout) under a
 * key made of exactly those, compared in full on load: a hash only names
 * the file. Whoever can write there can already run hutch with --seccomp
 * unconfined.
 *
 * The cache is bounded: a store (a miss) keeps the SECCOMP_CACHE_KEEP
 * files most recently used and removes the rest. A load that hits sets the
 * file's modification time to now, so "oldest" means least recently used.
 * Pruning costs a directory read, on the slow path only.
 *
 * Two keys lead to the same kind of file. The rules key (made from the
 * parsed profile) serves a profile that is not a plain file of its own, and
 * any file whose text was parsed already. The file key spares the parse,
 * which costs 1 to 2 ms for Docker's profile: it holds the profile file's
 * identity (device, inode, size, modification and change times in
 * nanoseconds) and its whole text, with everything outside the text that
 * the rules depend on: the capability set that "includes" and "excludes"
 * test, the kernel's release ("minKernel") and last capability, the native
 * architecture ("arches", "archMap") and --multiarch, which adds its
 * 32-bit entry (the rules key holds the architectures themselves). The
 * text is compared in full, as the rest of the key is: timestamps alone
 * cannot tell two writes within one clock tick apart, and a file rewritten
 * while it was read could otherwise be cached under the wrong identity.
 * Reading 16 KiB and comparing it costs microseconds; the identity only
 * makes a touched or replaced file (a new inode after a rename) a miss of
 * its own.
 */
#define _GNU_SOURCE
#include "seccomp-cache.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "config.h"
#include "util.h"

/* Bytes of one cache file: a filter, and the profile text under the file key. */
#define SECCOMP_CACHE_MAX (SECCOMP_PROFILE_MAX + (1 << 20))
/* A temporary file older than this is a store that never finished. */
#define SECCOMP_CACHE_TMP_AGE 60

void seccomp_cache_key_free(struct seccomp_cache_key *k)
{
  free(k->data);
  *k = (struct seccomp_cache_key) {0};
}

static void key_put(struct seccomp_cache_key *k, const void *data, size_t n)
{
  if (k->len + n > k->cap) {
    k->cap = (k->len + n) * 2 + 256;
    char *nd = realloc(k->data, k->cap);
    if (!nd)
      abort();
    k->data = nd;
  }
  memcpy(k->data + k->len, data, n);
  k->len += n;
}

static void key_str(struct seccomp_cache_key *k, const char *s)
{
  key_put(k, s, strlen(s) + 1);
}

/* The build-id note the linker put in this very binary: any rebuild of hutch
 * (another compile_one, a distro patch) gets a key of its own. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
  (void) size;
  struct seccomp_cache_key *k = data;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_NOTE)
      continue;
    const char *p = (const char *) (info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const ElfW(Nhdr) *n = (const ElfW(Nhdr) *) p;
      const char *name = p + sizeof *n, *desc = name + ((n->n_namesz + 3) & ~3U);
      if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && !memcmp(name, "GNU", 4)) {
        key_put(k, desc, n->n_descsz);
        return 1;
      }
      p = desc + ((n->n_descsz + 3) & ~3U);
    }
  }
  return 1;  /* only the first object, the executable itself */
}

/* What every key starts with: which key it is, hutch's build, libseccomp's
 * version. */
static void key_head(struct seccomp_cache_key *k, const char *kind)
{
  const struct scmp_version *v = seccomp_version();
  char head[160];
  snprintf(head, sizeof head, "%s: hutch %s libseccomp %u.%u.%u", kind, HUTCH_VERSION, v->major, v->minor, v->micro);
  key_str(k, head);
  size_t before = k->len;
  dl_iterate_phdr(find_build_id, k);
  if (k->len == before) {
    /* No build id: fall back to the binary's size and time. */
    struct stat st;
    if (stat("/proc/self/exe", &st) == 0) {
      uint64_t id[2] = {(uint64_t) st.st_size, (uint64_t) st.st_mtime};
      key_put(k, id, sizeof id);
    }
  }
}

void seccomp_cache_file_key_make(const struct stat *st, const char *text, size_t len, uint64_t caps, bool multiarch,
                                 struct seccomp_cache_key *k)
{
  key_head(k, "file");
  struct utsname u;
  if (uname(&u) == 0) {
    key_str(k, u.release);
    key_str(k, u.machine);
  }
  uint64_t machine[4] = {caps, (uint64_t) caps_last(), seccomp_arch_native(), multiarch};
  key_put(k, machine, sizeof machine);
  uint64_t id[8] = {
    (uint64_t) st->st_dev, (uint64_t) st->st_ino, (uint64_t) st->st_size, (uint64_t) len,
    (uint64_t) st->st_mtim.tv_sec, (uint64_t) st->st_mtim.tv_nsec,
    (uint64_t) st->st_ctim.tv_sec, (uint64_t) st->st_ctim.tv_nsec,
  };
  key_put(k, id, sizeof id);
  /* The identity names the file; the text, compared on load, need not. */
  k->name_len = k->len;
  key_put(k, text, len);
}

void seccomp_cache_key_make(const struct sc_profile *p, struct seccomp_cache_key *k)
{
  key_head(k, "rules");
  key_put(k, &p->default_action, sizeof p->default_action);
  key_put(k, &p->flags, sizeof p->flags);
  key_put(k, &p->n_arches, sizeof p->n_arches);
  key_put(k, p->arches, p->n_arches * sizeof p->arches[0]);
  for (size_t i = 0; i < p->n_rules; i++) {
    const struct sc_rule *r = &p->rules[i];
    key_put(k, &r->action, sizeof r->action);
    key_put(k, &r->n_conds, sizeof r->n_conds);
    for (unsigned c = 0; c < r->n_conds; c++) {
      const struct scmp_arg_cmp *a = &r->conds[c];
      uint64_t fields[4] = {a->arg, a->op, a->datum_a, a->datum_b};
      key_put(k, fields, sizeof fields);
    }
    for (size_t n = 0; n < r->n_names; n++)
      key_str(k, r->names[n]);
    key_str(k, "");
  }
}

static char *cache_path(const char *dir, const struct seccomp_cache_key *k)
{
  uint64_t h = 0xcbf29ce484222325ULL;  /* FNV-1a: names the file, nothing more */
  size_t n = k->name_len ? k->name_len : k->len;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char) k->data[i]) * 0x100000001b3ULL;
  return xasprintf("%s/seccomp-%016llx.bpf", dir, (unsigned long long) h);
}

#define CACHE_MAGIC "hutch seccomp cache 2\n"  /* 2: folded filters */

int seccomp_bpf_write(int fd, const struct seccomp_bpf *bpf)
{
  uint32_t hdr[2 + SECCOMP_MAX_PROGS] = {bpf->flags, (uint32_t) bpf->n};  /* flags, n, len[0], len[1] */
  for (int i = 0; i < bpf->n && i < SECCOMP_MAX_PROGS; i++)
    hdr[2 + i] = bpf->len[i];
  int r = write_all(fd, hdr, sizeof hdr);
  for (int i = 0; i < bpf->n && r == 0; i++)
    r = write_all(fd, bpf->prog[i], bpf->len[i] * sizeof(struct sock_filter));
  return r;
}

bool seccomp_bpf_read(const char *data, size_t len, struct seccomp_bpf *out)
{
  uint32_t hdr[2 + SECCOMP_MAX_PROGS];
  if (len < sizeof hdr)
    return false;
  memcpy(hdr, data, sizeof hdr);
  if (hdr[1] > SECCOMP_MAX_PROGS)
    return false;
  size_t off = sizeof hdr, need = 0;
  for (uint32_t i = 0; i < hdr[1]; i++) {
    if (hdr[2 + i] == 0 || hdr[2 + i] > BPF_MAXINSNS)
      return false;
    need += hdr[2 + i] * sizeof(struct sock_filter);
  }
  if (len != off + need)
    return false;
  *out = (struct seccomp_bpf) {.flags = hdr[0]};
  for (uint32_t i = 0; i < hdr[1]; i++) {
    size_t bytes = hdr[2 + i] * sizeof(struct sock_filter);
    out->prog[i] = xmalloc(bytes);
    memcpy(out->prog[i], data + off, bytes);
    out->len[i] = (unsigned short) hdr[2 + i];
    off += bytes;
    out->n++;
  }
  return true;
}

bool seccomp_cache_load(const char *dir, const struct seccomp_cache_key *k, struct seccomp_bpf *out)
{
  _cleanup_free_ char *path = cache_path(dir, k);
  _cleanup_close_ int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
  size_t len;
  _cleanup_free_ char *data = fd >= 0 ? read_fd(fd, SECCOMP_CACHE_MAX, &len) : NULL;
  size_t mlen = strlen(CACHE_MAGIC), off = mlen + k->len;
  if (!data || len < off || memcmp(data, CACHE_MAGIC, mlen) || memcmp(data + mlen, k->data, k->len) ||
      !seccomp_bpf_read(data + off, len - off, out))
    return false;
  /* Used now: the last to be pruned. */
  futimens(fd, NULL);
  return true;
}

void seccomp_cache_store(const char *dir, const struct seccomp_cache_key *k, const struct seccomp_bpf *bpf)
{
  _cleanup_free_ char *path = cache_path(dir, k);
  _cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", path);
  _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0)
    return;
  bool ok = write_all(fd, CACHE_MAGIC, strlen(CACHE_MAGIC)) == 0 && write_all(fd, k->data, k->len) == 0 &&
            seccomp_bpf_write(fd, bpf) == 0;
  /* Renamed into place whole, so a reader never sees half a filter. */
  if (!ok || rename(tmp, path) < 0)
    unlink(tmp);
  seccomp_cache_prune(dir, SECCOMP_CACHE_KEEP);
}

struct cache_entry {
  struct timespec used;
  char name[64];
};

static int newest_first(const void *a, const void *b)
{
  const struct cache_entry *x = a, *y = b;
  if (x->used.tv_sec != y->used.tv_sec)
    return x->used.tv_sec < y->used.tv_sec ? 1 : -1;
  if (x->used.tv_nsec != y->used.tv_nsec)
    return x->used.tv_nsec < y->used.tv_nsec ? 1 : -1;
  return strcmp(x->name, y->name);
}

size_t seccomp_cache_prune(const char *dir, size_t keep)
{
  _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = dfd >= 0 ? fdopendir(dup(dfd)) : NULL;
  if (!d)
    return 0;
  struct cache_entry *e = NULL;
  size_t n = 0, removed = 0;
  time_t now = time(NULL);
  struct dirent *de;
  while ((de = readdir(d))) {
    struct stat st;
    size_t len = strlen(de->d_name);
    if (strncmp(de->d_name, "seccomp-", 8) || len >= sizeof e->name ||
        fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
      continue;
    if (len < 4 || strcmp(de->d_name + len - 4, ".bpf")) {
      /* seccomp-HASH.bpf.XXXXXX: a store in progress, or one that died. */
      if (now - st.st_mtime > SECCOMP_CACHE_TMP_AGE && unlinkat(dfd, de->d_name, 0) == 0)
        removed++;
      continue;
    }
    e = realloc(e, (n + 1) * sizeof *e);
    if (!e)
      abort();
    e[n].used = st.st_mtim;
    memcpy(e[n].name, de->d_name, len + 1);
    n++;
  }
  closedir(d);
  if (n > keep) {
    qsort(e, n, sizeof *e, newest_first);
    for (size_t i = keep; i < n; i++)
      removed += unlinkat(dfd, e[i].name, 0) == 0;
  }
  free(e);
  return removed;
}

