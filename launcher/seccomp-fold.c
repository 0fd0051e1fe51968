/* seccomp-fold.c: the filters libseccomp compiled, folded into one short
 * program with the same answers.
 *
 * Why. Every filter a process loads is checked, translated and
 * JIT-compiled by the kernel, and then run once for every call number to
 * fill the kernel's table of calls whose answer is always "allow". That
 * work grows with the program's length and is paid again by every launch:
 * the default profile's two filters (65 and 469 instructions) cost 0.15 to
 * 0.27 ms of each launch, a third of it the fixed cost of a second filter.
 * libseccomp spends one instruction on each call number it names; here a
 * run of numbers with the same answer shares one test, and the filters
 * become one program of some 150 instructions.
 *
 * Theory of operation. The kernel runs every loaded filter, newest first,
 * and keeps the most restrictive answer: the lowest action, compared as a
 * signed number (a kill is below everything), the newer filter's on a tie.
 * A program made by libseccomp reads the architecture, compares it with
 * constants (equality only), reads the call number, compares it with
 * constants (=, >, >=), and for a few calls reads argument words, masks
 * them and compares them. So for a fixed architecture, a program's answer
 * can only change where the call number crosses one of its constants: it
 * is the same for every number between two consecutive "breakpoints".
 *
 * For each architecture a program tests, and for one that it does not, and
 * for each interval between breakpoints, we run every program with the
 * architecture and the interval's first number fixed. What the two fixed
 * values decide is decided; what is left, the residue, is the part of the
 * program that looks at arguments (or nothing but an answer). Neighbouring
 * intervals with the same residues are merged. The folded program then
 * tests the architecture, finds the interval by a binary search on the
 * number, and either returns the combined answer, or runs the newest
 * filter's residue, each of whose answers leads into a copy of the older
 * filter's residue whose answers are combined the kernel's way.
 *
 * Anything outside that subset (another instruction, arithmetic on the
 * number or the architecture, an order test on the architecture) makes it
 * give up, and the filters are loaded as libseccomp made them. Before the
 * folded program is used, it is run against the original filters on each
 * interval's ends and middle, with argument values made from the
 * constants the residues compare them with; one difference and it is
 * dropped. tests/unit/test-seccomp.c compares them on many more inputs.
 */
#define _GNU_SOURCE
#include "seccomp-fold.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ------------------------------------------------------------ the subset */

#define OP_LD (BPF_LD | BPF_W | BPF_ABS)
#define OP_AND (BPF_ALU | BPF_AND | BPF_K)
#define OP_JA (BPF_JMP | BPF_JA)
#define OP_JEQ (BPF_JMP | BPF_JEQ | BPF_K)
#define OP_JGT (BPF_JMP | BPF_JGT | BPF_K)
#define OP_JGE (BPF_JMP | BPF_JGE | BPF_K)
#define OP_JSET (BPF_JMP | BPF_JSET | BPF_K)
#define OP_RET (BPF_RET | BPF_K)

#define OFF_NR offsetof(struct seccomp_data, nr)
#define OFF_ARCH offsetof(struct seccomp_data, arch)

static bool is_test(uint16_t code)
{
  return code == OP_JEQ || code == OP_JGT || code == OP_JGE || code == OP_JSET;
}

static bool taken(uint16_t code, uint32_t a, uint32_t k)
{
  switch (code) {
  case OP_JEQ:
    return a == k;
  case OP_JGT:
    return a > k;
  case OP_JGE:
    return a >= k;
  default:
    return (a & k) != 0;
  }
}

/* The kernel's choice between the answer so far and the next (older)
 * filter's: the lower action, as a signed number; on a tie, the one it
 * had. */
static uint32_t worse(uint32_t acc, uint32_t cur)
{
  return (int32_t) (cur & SECCOMP_RET_ACTION_FULL) < (int32_t) (acc & SECCOMP_RET_ACTION_FULL) ? cur : acc;
}

bool seccomp_fold_run(const struct sock_filter *prog, unsigned short len, const struct seccomp_data *d,
                      uint32_t *ret)
{
  uint32_t a = 0;
  for (unsigned pc = 0; pc < len; pc++) {
    const struct sock_filter *f = &prog[pc];
    switch (f->code) {
    case OP_LD:
      if (f->k % 4 || f->k >= sizeof *d)
        return false;
      memcpy(&a, (const char *) d + f->k, sizeof a);
      break;
    case OP_AND:
      a &= f->k;
      break;
    case OP_JA:
      if (f->k >= len - pc - 1u)
        return false;
      pc += f->k;
      break;
    case OP_RET:
      *ret = f->k;
      return true;
    default:
      if (!is_test(f->code))
        return false;
      pc += taken(f->code, a, f->k) ? f->jt : f->jf;
    }
  }
  return false;  /* off the end: the kernel refuses such a program */
}

bool seccomp_fold_run_all(struct sock_filter *const *prog, const unsigned short *len, int n,
                          const struct seccomp_data *d, uint32_t *ret)
{
  uint32_t acc = SECCOMP_RET_ALLOW;
  for (int i = n - 1; i >= 0; i--) {
    uint32_t r;
    if (!seccomp_fold_run(prog[i], len[i], d, &r))
      return false;
    acc = worse(acc, r);
  }
  *ret = acc;
  return true;
}

/* ------------------------------------------------------------------ code */

struct code {
  struct sock_filter *ins;
  size_t n, cap;
};

static size_t put(struct code *c, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 64;
    c->ins = xrealloc(c->ins, c->cap * sizeof *c->ins);
  }
  c->ins[c->n] = (struct sock_filter) {.code = code, .jt = jt, .jf = jf, .k = k};
  return c->n++;
}

static bool code_eq(const struct code *a, const struct code *b)
{
  return a->n == b->n && !memcmp(a->ins, b->ins, a->n * sizeof *a->ins);
}

/* A residue that is one answer, and which. */
static bool constant(const struct code *r, uint32_t *k)
{
  if (r->n != 1 || r->ins[0].code != OP_RET)
    return false;
  *k = r->ins[0].k;
  return true;
}

/* ------------------------------------------------------------ the walk */

/* What the accumulator holds at a point of the program: the call number,
 * the architecture, a constant made from them, or something read from the
 * arguments (or the instruction pointer), unknown until the call. */
enum held { HELD_NR, HELD_ARCH, HELD_CONST, HELD_ARG };

struct node {
  unsigned pc;
  enum held held;
  uint32_t val;   /* with HELD_NR, HELD_ARCH, HELD_CONST */
  bool kept;      /* an instruction the residue still runs */
  int next[2];    /* a kept test: where it goes if taken, if not; else next[0] */
};

#define NODES_MAX 4096
#define KS_MAX 256

struct walk {
  const struct sock_filter *prog;
  unsigned short len;
  uint32_t arch, nr;
  struct node *nodes;
  size_t n, cap;
  /* Found on the way, for the caller: */
  uint32_t *arches;   /* constants the architecture was compared with */
  size_t *n_arches;
  uint32_t *ks;       /* constants arguments were compared or masked with */
  size_t *n_ks;
};

static void note(uint32_t *set, size_t *n, size_t max, uint32_t v)
{
  for (size_t i = 0; i < *n; i++)
    if (set[i] == v)
      return;
  if (*n < max)
    set[(*n)++] = v;
}

/* The node for instruction pc reached with the accumulator in this state,
 * and everything after it; -1 if the program leaves the subset. */
static int explore(struct walk *w, unsigned pc, enum held held, uint32_t val)
{
  if (pc >= w->len)
    return -1;
  for (size_t i = 0; i < w->n; i++)
    if (w->nodes[i].pc == pc && w->nodes[i].held == held && (held == HELD_ARG || w->nodes[i].val == val))
      return (int) i;
  if (w->n == NODES_MAX)
    return -1;
  if (w->n == w->cap) {
    w->cap = w->cap ? 2 * w->cap : 64;
    w->nodes = xrealloc(w->nodes, w->cap * sizeof *w->nodes);
  }
  int me = (int) w->n++;
  w->nodes[me] = (struct node) {.pc = pc, .held = held, .val = val, .next = {-1, -1}};
  const struct sock_filter f = w->prog[pc];
  bool kept = false;
  int a = -1, b = 0;
  switch (f.code) {
  case OP_RET:
    kept = true;
    a = 0;
    break;
  case OP_LD:
    if (f.k % 4 || f.k >= sizeof(struct seccomp_data))
      return -1;
    if (f.k == OFF_NR) {
      a = explore(w, pc + 1, HELD_NR, w->nr);
    } else if (f.k == OFF_ARCH) {
      a = explore(w, pc + 1, HELD_ARCH, w->arch);
    } else {
      kept = true;
      a = explore(w, pc + 1, HELD_ARG, 0);
    }
    break;
  case OP_AND:
    /* Masking the number or the architecture would break the intervals. */
    if (held == HELD_ARG) {
      kept = true;
      note(w->ks, w->n_ks, KS_MAX, f.k);
      a = explore(w, pc + 1, HELD_ARG, 0);
    } else if (held == HELD_CONST) {
      a = explore(w, pc + 1, HELD_CONST, val & f.k);
    }
    break;
  case OP_JA:
    if (f.k < w->len - pc - 1u)
      a = explore(w, pc + 1 + f.k, held, val);
    break;
  default:
    if (!is_test(f.code))
      return -1;
    if (held == HELD_ARG) {
      kept = true;
      note(w->ks, w->n_ks, KS_MAX, f.k);
      a = explore(w, pc + 1 + f.jt, held, val);
      b = explore(w, pc + 1 + f.jf, held, val);
    } else if ((held == HELD_ARCH && f.code != OP_JEQ) || (held == HELD_NR && f.code == OP_JSET)) {
      a = -1;  /* intervals of the number, classes of the architecture: only these tests keep them */
    } else {
      if (held == HELD_ARCH)
        note(w->arches, w->n_arches, KS_MAX, f.k);
      a = explore(w, pc + 1 + (taken(f.code, val, f.k) ? f.jt : f.jf), held, val);
    }
  }
  if (a < 0 || b < 0)
    return -1;
  w->nodes[me].kept = kept;
  if (f.code != OP_RET)
    w->nodes[me].next[0] = a;
  if (kept && is_test(f.code))
    w->nodes[me].next[1] = b;
  return me;
}

/* Past the decided instructions to the next one the residue runs. */
static int kept_from(const struct walk *w, int i)
{
  while (!w->nodes[i].kept)
    i = w->nodes[i].next[0];
  return i;
}

static int by_pc(const void *x, const void *y, void *arg)
{
  const struct node *nodes = arg;
  int a = *(const int *) x, b = *(const int *) y;
  if (nodes[a].pc != nodes[b].pc)
    return nodes[a].pc < nodes[b].pc ? -1 : 1;
  return a < b ? -1 : a > b;
}

/* The residue of prog for this architecture and number, as code that runs
 * from its first instruction; its answers are plain `ret`. */
static bool residue(struct walk *w, struct code *out)
{
  w->n = 0;
  int entry = explore(w, 0, HELD_CONST, 0);  /* the accumulator starts at 0 */
  if (entry < 0)
    return false;
  /* The kept nodes reachable, in program order: every edge goes forward,
   * so the entry comes first and every jump stays forward. */
  _cleanup_free_ int *order = xmalloc(w->n * sizeof *order);
  _cleanup_free_ int *pos = xmalloc(w->n * sizeof *pos);
  _cleanup_free_ bool *seen = xcalloc(w->n, sizeof *seen);
  size_t n = 0;
  order[n++] = kept_from(w, entry);
  seen[order[0]] = true;
  for (size_t i = 0; i < n; i++) {
    const struct node *nd = &w->nodes[order[i]];
    uint16_t code = w->prog[nd->pc].code;
    for (int e = 0; code != OP_RET && e < (is_test(code) ? 2 : 1); e++) {
      int s = kept_from(w, nd->next[e]);
      if (!seen[s]) {
        seen[s] = true;
        order[n++] = s;
      }
    }
  }
  qsort_r(order, n, sizeof *order, by_pc, w->nodes);
  /* Where each goes; an instruction that falls through to one that is not
   * next in the order needs a jump of its own. */
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    const struct node *nd = &w->nodes[order[i]];
    uint16_t code = w->prog[nd->pc].code;
    pos[order[i]] = (int) at;
    at++;
    if ((code == OP_LD || code == OP_AND) && (i + 1 == n || kept_from(w, nd->next[0]) != order[i + 1]))
      at++;
  }
  out->n = 0;
  for (size_t i = 0; i < n; i++) {
    const struct node *nd = &w->nodes[order[i]];
    struct sock_filter f = w->prog[nd->pc];
    int here = pos[order[i]];
    if (f.code == OP_RET) {
      put(out, OP_RET, 0, 0, f.k);
    } else if (is_test(f.code)) {
      int t = pos[kept_from(w, nd->next[0])] - here - 1, e = pos[kept_from(w, nd->next[1])] - here - 1;
      if (t < 0 || t > 255 || e < 0 || e > 255)
        return false;
      put(out, f.code, (uint8_t) t, (uint8_t) e, f.k);
    } else {
      put(out, f.code, 0, 0, f.k);
      int t = pos[kept_from(w, nd->next[0])] - here - 1;
      if (t != 0)
        put(out, OP_JA, 0, 0, (uint32_t) t - 1);
    }
  }
  return out->n == at;
}

/* -------------------------------------------------------------- folding */

/* A run of call numbers, from start to the next interval's start, with
 * each program's residue there. */
struct interval {
  uint32_t start;
  struct code *res;   /* one per program */
};

/* One architecture (or every other one) and its intervals. */
struct arch_class {
  uint32_t arch;
  struct interval *iv;
  size_t n;
};

struct folder {
  struct sock_filter *const *prog;
  const unsigned short *len;
  int n;
  uint32_t *breaks;
  size_t n_breaks;
  uint32_t arches[KS_MAX], ks[KS_MAX];
  size_t n_arches, n_ks;
  struct walk walk;
};

static void free_residues(struct code *res, int n)
{
  for (int i = 0; i < n; i++)
    free(res[i].ins);
  free(res);
}

static void free_class(struct arch_class *c, int n)
{
  for (size_t i = 0; i < c->n; i++)
    free_residues(c->iv[i].res, n);
  free(c->iv);
  *c = (struct arch_class) {0};
}

static bool residues_eq(const struct code *a, const struct code *b, int n)
{
  for (int i = 0; i < n; i++)
    if (!code_eq(&a[i], &b[i]))
      return false;
  return true;
}

/* The intervals of one architecture, merged. */
static bool classify(struct folder *fd, struct arch_class *c)
{
  size_t cap = 0;
  for (size_t b = 0; b < fd->n_breaks; b++) {
    struct code *res = xcalloc((size_t) fd->n, sizeof *res);
    for (int i = 0; i < fd->n; i++) {
      fd->walk.prog = fd->prog[i];
      fd->walk.len = fd->len[i];
      fd->walk.arch = c->arch;
      fd->walk.nr = fd->breaks[b];
      if (!residue(&fd->walk, &res[i])) {
        free_residues(res, fd->n);
        return false;
      }
    }
    if (c->n && residues_eq(c->iv[c->n - 1].res, res, fd->n)) {
      free_residues(res, fd->n);
      continue;
    }
    if (c->n == cap) {
      cap = cap ? 2 * cap : 64;
      c->iv = xrealloc(c->iv, cap * sizeof *c->iv);
    }
    c->iv[c->n++] = (struct interval) {.start = fd->breaks[b], .res = res};
  }
  return true;
}

/* The answer, when residues i down to 0 are all answers. */
static bool chain_constant(const struct code *res, int i, uint32_t acc, uint32_t *out)
{
  for (; i >= 0; i--) {
    uint32_t k;
    if (!constant(&res[i], &k))
      return false;
    acc = worse(acc, k);
  }
  *out = acc;
  return true;
}

/* Residue i, then below each of its answers the older residues, every
 * answer combined with acc the kernel's way. */
static void emit_chain(struct code *o, const struct code *res, int i, uint32_t acc)
{
  struct made {
    uint32_t v;
    size_t at;
  } made[16];
  size_t n_made = 0, base = o->n;
  uint32_t k;
  if (i > 0 && constant(&res[i], &k)) {
    emit_chain(o, res, i - 1, worse(acc, k));
    return;
  }
  for (size_t p = 0; p < res[i].n; p++)
    put(o, res[i].ins[p].code, res[i].ins[p].jt, res[i].ins[p].jf, res[i].ins[p].k);
  for (size_t p = base; p < base + res[i].n; p++) {
    if (o->ins[p].code != OP_RET)
      continue;
    uint32_t v = worse(acc, o->ins[p].k), fin;
    if (i == 0 || chain_constant(res, i - 1, v, &fin)) {
      o->ins[p].k = i == 0 ? v : fin;
      continue;
    }
    /* One block for each combined answer that needs one. */
    size_t block = 0;
    for (size_t b = 0; b < n_made && !block; b++)
      if (made[b].v == v)
        block = made[b].at;
    if (!block) {
      block = o->n;
      emit_chain(o, res, i - 1, v);
      if (n_made < N_ELEMENTS(made))
        made[n_made++] = (struct made) {.v = v, .at = block};
    }
    o->ins[p] = (struct sock_filter) {.code = OP_JA, .k = (uint32_t) (block - p - 1)};
  }
}

struct fixup {
  size_t at;      /* a `ja` in the dispatch */
  size_t block;   /* its target, in the blocks */
};

/* A block already made, for the residues of an interval. */
struct made_block {
  const struct code *res;
  size_t at;
};

struct layout {
  int n;                  /* programs */
  struct code main;       /* the tests of architecture and number */
  struct code blocks;     /* the residues, after them */
  struct fixup *fix;
  size_t n_fix, cap_fix;
  struct made_block *made;
  size_t n_made, cap_made;
  /* The answers of the class being laid out, each once, after its search. */
  struct {
    size_t at;            /* the test that jumps there */
    bool jt;              /* by its jt, else its jf */
    uint32_t v;
  } *pool_ref;
  size_t n_pool_ref, cap_pool_ref;
};

/* A `ja` to the block for these residues, made on first use: intervals
 * with the same residues (socket and socketpair) share one. */
static void jump_to_block(struct layout *l, const struct code *res)
{
  size_t block = SIZE_MAX;
  for (size_t i = 0; i < l->n_made && block == SIZE_MAX; i++)
    if (residues_eq(l->made[i].res, res, l->n))
      block = l->made[i].at;
  if (block == SIZE_MAX) {
    block = l->blocks.n;
    emit_chain(&l->blocks, res, l->n - 1, SECCOMP_RET_ALLOW);
    if (l->n_made == l->cap_made) {
      l->cap_made = l->cap_made ? 2 * l->cap_made : 16;
      l->made = xrealloc(l->made, l->cap_made * sizeof *l->made);
    }
    l->made[l->n_made++] = (struct made_block) {.res = res, .at = block};
  }
  if (l->n_fix == l->cap_fix) {
    l->cap_fix = l->cap_fix ? 2 * l->cap_fix : 16;
    l->fix = xrealloc(l->fix, l->cap_fix * sizeof *l->fix);
  }
  l->fix[l->n_fix++] = (struct fixup) {.at = put(&l->main, OP_JA, 0, 0, 0), .block = block};
}

static bool leaf_answer(const struct layout *l, const struct interval *iv, uint32_t *v)
{
  return chain_constant(iv->res, l->n - 1, SECCOMP_RET_ALLOW, v);
}

/* The search's length. pooled: a leaf with an answer is a jump's target
 * in the pool, not an instruction of its own. */
static size_t tree_size(const struct layout *l, const struct interval *iv, size_t lo, size_t hi, bool pooled)
{
  uint32_t v;
  if (hi - lo == 1)
    return pooled && leaf_answer(l, &iv[lo], &v) ? 0 : 1;
  size_t mid = lo + (hi - lo) / 2, left = tree_size(l, iv, lo, mid, pooled);
  return 1 + (!pooled && left > 255) + left + tree_size(l, iv, mid, hi, pooled);
}

static void leaf(struct layout *l, const struct interval *iv)
{
  uint32_t v;
  if (leaf_answer(l, iv, &v))
    put(&l->main, OP_RET, 0, 0, v);
  else
    jump_to_block(l, iv->res);
}

/* A binary search on the number (in the accumulator) over iv[lo..hi),
 * each leaf an instruction of its own. */
static void tree(struct layout *l, const struct interval *iv, size_t lo, size_t hi)
{
  if (hi - lo == 1) {
    leaf(l, &iv[lo]);
    return;
  }
  size_t mid = lo + (hi - lo) / 2, left = tree_size(l, iv, lo, mid, false);
  if (left <= 255) {
    put(&l->main, OP_JGE, (uint8_t) left, 0, iv[mid].start);
  } else {
    put(&l->main, OP_JGE, 0, 1, iv[mid].start);
    put(&l->main, OP_JA, 0, 0, (uint32_t) left);
  }
  tree(l, iv, lo, mid);
  tree(l, iv, mid, hi);
}

static void pool_ref(struct layout *l, size_t at, bool jt, uint32_t v)
{
  if (l->n_pool_ref == l->cap_pool_ref) {
    l->cap_pool_ref = l->cap_pool_ref ? 2 * l->cap_pool_ref : 64;
    l->pool_ref = xrealloc(l->pool_ref, l->cap_pool_ref * sizeof *l->pool_ref);
  }
  l->pool_ref[l->n_pool_ref].at = at;
  l->pool_ref[l->n_pool_ref].jt = jt;
  l->pool_ref[l->n_pool_ref++].v = v;
}

static void pooled_tree(struct layout *l, const struct interval *iv, size_t lo, size_t hi);

/* One side of a test in pooled_tree, iv[lo..hi): a leaf that is an answer
 * is the pool's (the test jumps there by jt when taken, else by jf); a
 * leaf with residues jumps to its block; more is a search of its own. */
static void pooled_side(struct layout *l, const struct interval *iv, size_t lo, size_t hi, size_t test, bool taken)
{
  uint32_t v;
  if (hi - lo > 1)
    pooled_tree(l, iv, lo, hi);
  else if (leaf_answer(l, &iv[lo], &v))
    pool_ref(l, test, taken, v);
  else
    jump_to_block(l, iv[lo].res);
}

/* The same search, with the leaves that are answers taken from the pool:
 * a test jumps straight to the `ret`. For hi - lo >= 2. */
static void pooled_tree(struct layout *l, const struct interval *iv, size_t lo, size_t hi)
{
  size_t mid = lo + (hi - lo) / 2;
  /* Taken: past the left side's code (none when it is the pool's). */
  size_t test = put(&l->main, OP_JGE, (uint8_t) tree_size(l, iv, lo, mid, true), 0, iv[mid].start);
  pooled_side(l, iv, lo, mid, test, false);
  pooled_side(l, iv, mid, hi, test, true);
}

/* One class's search. When it and its answers fit in a jump's reach, the
 * answers are a pool after it, each once; otherwise every leaf is an
 * instruction. */
static bool dispatch(struct layout *l, const struct arch_class *c)
{
  if (c->n == 1) {
    leaf(l, &c->iv[0]);
    return true;
  }
  put(&l->main, OP_LD, 0, 0, OFF_NR);
  uint32_t answers[256];
  size_t n_answers = 0;
  for (size_t i = 0; i < c->n && n_answers < N_ELEMENTS(answers); i++) {
    uint32_t v;
    if (leaf_answer(l, &c->iv[i], &v))
      note(answers, &n_answers, N_ELEMENTS(answers), v);
  }
  if (tree_size(l, c->iv, 0, c->n, true) + n_answers > 255) {
    tree(l, c->iv, 0, c->n);
    return true;
  }
  l->n_pool_ref = 0;
  pooled_tree(l, c->iv, 0, c->n);
  size_t pool = l->main.n;
  for (size_t i = 0; i < n_answers; i++)
    put(&l->main, OP_RET, 0, 0, answers[i]);
  for (size_t r = 0; r < l->n_pool_ref; r++) {
    size_t i = 0;
    while (i < n_answers && answers[i] != l->pool_ref[r].v)
      i++;
    size_t off = pool + i - l->pool_ref[r].at - 1;
    if (i == n_answers || off > 255)
      return false;
    if (l->pool_ref[r].jt)
      l->main.ins[l->pool_ref[r].at].jt = (uint8_t) off;
    else
      l->main.ins[l->pool_ref[r].at].jf = (uint8_t) off;
  }
  return true;
}

static int cmp_u32(const void *x, const void *y)
{
  uint32_t a = *(const uint32_t *) x, b = *(const uint32_t *) y;
  return a < b ? -1 : a > b;
}

/* Every number where some program's answer may change. */
static void breakpoints(struct folder *fd)
{
  size_t cap = 1;
  for (int i = 0; i < fd->n; i++)
    cap += 2 * fd->len[i];
  fd->breaks = xmalloc(cap * sizeof *fd->breaks);
  size_t n = 0;
  fd->breaks[n++] = 0;
  for (int i = 0; i < fd->n; i++)
    for (unsigned pc = 0; pc < fd->len[i]; pc++) {
      const struct sock_filter *f = &fd->prog[i][pc];
      if (f->code == OP_JEQ || f->code == OP_JGE)
        fd->breaks[n++] = f->k;
      if ((f->code == OP_JEQ || f->code == OP_JGT) && f->k != UINT32_MAX)
        fd->breaks[n++] = f->k + 1;
    }
  qsort(fd->breaks, n, sizeof *fd->breaks, cmp_u32);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (u == 0 || fd->breaks[i] != fd->breaks[u - 1])
      fd->breaks[u++] = fd->breaks[i];
  fd->n_breaks = u;
}

/* An architecture value no program names: stands for all of them. */
static uint32_t unnamed_arch(const struct folder *fd)
{
  for (uint32_t v = 1;; v++) {
    bool named = false;
    for (int i = 0; i < fd->n && !named; i++)
      for (unsigned pc = 0; pc < fd->len[i] && !named; pc++)
        named = fd->prog[i][pc].k == v;
    if (!named)
      return v;
  }
}

static bool same_answer(const struct folder *fd, const struct sock_filter *folded, unsigned short len,
                        const struct seccomp_data *d)
{
  uint32_t want, got;
  return seccomp_fold_run_all(fd->prog, fd->len, fd->n, d, &want) && seccomp_fold_run(folded, len, d, &got) &&
         want == got;
}

/* The folded program against the filters, on each interval's ends and
 * middle; where arguments matter, with argument words set from the
 * constants the residues test. */
static bool self_check(const struct folder *fd, const struct arch_class *cls, size_t n_cls,
                       const struct sock_filter *folded, unsigned short len)
{
  for (size_t c = 0; c < n_cls; c++)
    for (size_t i = 0; i < cls[c].n; i++) {
      const struct interval *iv = &cls[c].iv[i];
      uint32_t end = i + 1 < cls[c].n ? cls[c].iv[i + 1].start - 1 : UINT32_MAX;
      uint32_t nrs[3] = {iv->start, iv->start + (end - iv->start) / 2, end}, v;
      bool args = !chain_constant(iv->res, fd->n - 1, SECCOMP_RET_ALLOW, &v);
      for (int k = 0; k < 3; k++) {
        struct seccomp_data d = {.nr = (int) nrs[k], .arch = cls[c].arch};
        if (!same_answer(fd, folded, len, &d))
          return false;
        for (size_t j = 0; args && j < fd->n_ks; j++)
          for (int variant = 0; variant < 5; variant++) {
            uint32_t x = fd->ks[j] + (uint32_t) (variant == 1) - (uint32_t) (variant == 2);
            uint32_t words[sizeof d.args / 4];
            for (size_t w = 0; w < N_ELEMENTS(words); w++)
              words[w] = variant < 3 ? x : (variant == 3) == (w % 2 == 0) ? x : 0;
            memcpy(d.args, words, sizeof words);
            if (!same_answer(fd, folded, len, &d))
              return false;
          }
      }
    }
  return true;
}

struct sock_filter *seccomp_fold(struct sock_filter *const *prog, const unsigned short *len, int n,
                                 unsigned short *out_len, const char **why)
{
  const char *unused;
  if (!why)
    why = &unused;
  *why = "no program";
  if (n < 1)
    return NULL;
  struct folder fd = {.prog = prog, .len = len, .n = n};
  fd.walk.arches = fd.arches;
  fd.walk.n_arches = &fd.n_arches;
  fd.walk.ks = fd.ks;
  fd.walk.n_ks = &fd.n_ks;
  breakpoints(&fd);
  /* The architectures: every one a program compares with, found as the
   * walks go (each class may reveal more), then all the others as one. */
  struct arch_class cls[KS_MAX + 1] = {{0}};
  size_t n_cls = 0;
  cls[n_cls++].arch = unnamed_arch(&fd);
  bool ok = classify(&fd, &cls[0]);
  for (size_t done = 0; ok && done < fd.n_arches; done++) {
    cls[n_cls].arch = fd.arches[done];
    ok = classify(&fd, &cls[n_cls++]);
  }
  *why = ok ? "more architectures or constants than it keeps" : "an instruction outside the subset it reads";
  ok = ok && fd.n_arches < KS_MAX && fd.n_ks < KS_MAX;

  struct sock_filter *out = NULL;
  struct layout l = {.n = n};
  if (ok) {
    put(&l.main, OP_LD, 0, 0, OFF_ARCH);
    /* cls[0], the unnamed ones, last: each named one is tested first. */
    size_t *to = xcalloc(n_cls, sizeof *to);
    for (size_t c = 1; c < n_cls; c++) {
      put(&l.main, OP_JEQ, 0, 1, cls[c].arch);
      to[c] = put(&l.main, OP_JA, 0, 0, 0);
    }
    ok = dispatch(&l, &cls[0]);
    for (size_t c = 1; ok && c < n_cls; c++) {
      l.main.ins[to[c]].k = (uint32_t) (l.main.n - to[c] - 1);
      ok = dispatch(&l, &cls[c]);
    }
    free(to);
    *why = ok ? "the result would be longer than the kernel takes" : "a class of calls it cannot lay out";
    for (size_t i = 0; i < l.n_fix; i++)
      l.main.ins[l.fix[i].at].k = (uint32_t) (l.main.n + l.fix[i].block - l.fix[i].at - 1);
    size_t total = l.main.n + l.blocks.n;
    if (ok && total <= BPF_MAXINSNS) {
      out = xmalloc(total * sizeof *out);
      memcpy(out, l.main.ins, l.main.n * sizeof *out);
      if (l.blocks.n)
        memcpy(out + l.main.n, l.blocks.ins, l.blocks.n * sizeof *out);
      *out_len = (unsigned short) total;
      *why = "its self-check against the programs found a difference";
      if (!self_check(&fd, cls, n_cls, out, *out_len)) {
        free(out);
        out = NULL;
      }
    }
  }
  free(l.main.ins);
  free(l.blocks.ins);
  free(l.fix);
  free(l.made);
  free(l.pool_ref);
  for (size_t c = 0; c < n_cls; c++)
    free_class(&cls[c], n);
  free(fd.walk.nodes);
  free(fd.breaks);
  return out;
}
