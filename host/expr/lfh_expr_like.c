/* lfh_expr_like.c — SQL LIKE: % matches any run of characters, _ exactly one character
 * (a UTF-8 character, not a byte), the escape character makes the next one literal.
 * A constant pattern is prepared once and, when it is only a prefix, suffix, substring
 * or exact text, matched with memcmp/memmem instead of the general matcher. */
#include <stdlib.h>
#include <string.h>

#include "expr/lfh_expr_ast.h"

enum { TK_LIT, TK_ANY, TK_STAR };
enum { SHAPE_GENERAL, SHAPE_EXACT, SHAPE_PREFIX, SHAPE_SUFFIX, SHAPE_CONTAINS, SHAPE_ALL };

typedef struct like_tok {
  unsigned char kind, ch;
} like_tok;

struct lfh_like {
  int shape;
  like_tok *tok;   /* owned */
  size_t ntok;
  char *lit;       /* the literal text of a non-general shape; owned */
  size_t nlit;
};

/* Tokens of p[0..n); *bad when the escape character ends the pattern. Caller frees. */
static like_tok *tokenize(const char *p, size_t n, char esc, size_t *ntok, int *bad) {
  like_tok *t = malloc((n ? n : 1) * sizeof(*t));
  if (!t) return NULL;
  size_t k = 0;
  *bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] == esc) {
      if (i + 1 >= n) {
        *bad = 1;
        break;
      }
      t[k++] = (like_tok){TK_LIT, (unsigned char)p[++i]};
    } else if (p[i] == '%') {
      if (k == 0 || t[k - 1].kind != TK_STAR) t[k++] = (like_tok){TK_STAR, 0}; /* %% = % */
    } else if (p[i] == '_') {
      t[k++] = (like_tok){TK_ANY, 0};
    } else {
      t[k++] = (like_tok){TK_LIT, (unsigned char)p[i]};
    }
  }
  *ntok = k;
  return t;
}

static void classify(lfh_like *l) {
  size_t a = 0, b = l->ntok;
  int lead = b > 0 && l->tok[0].kind == TK_STAR;
  int trail = b > (size_t)lead && l->tok[b - 1].kind == TK_STAR;
  a += (size_t)lead;
  b -= (size_t)trail;
  for (size_t i = a; i < b; i++)
    if (l->tok[i].kind != TK_LIT) return; /* wildcards inside: general */
  l->nlit = b - a;
  for (size_t i = a; i < b; i++) l->lit[i - a] = (char)l->tok[i].ch;
  if (lead && trail) l->shape = l->nlit ? SHAPE_CONTAINS : SHAPE_ALL;
  else if (lead) l->shape = SHAPE_SUFFIX;
  else if (trail) l->shape = SHAPE_PREFIX;
  else l->shape = SHAPE_EXACT;
  if (lead && !trail && l->ntok == 1) l->shape = SHAPE_ALL;
}

lfh_like *lfh_like_new(const char *p, size_t n, char esc, int *bad) {
  lfh_like *l = calloc(1, sizeof(*l));
  if (!l) return NULL;
  l->tok = tokenize(p, n, esc, &l->ntok, bad);
  l->lit = malloc(n + 1);
  if (!l->tok || !l->lit) {
    lfh_like_free(l);
    return NULL;
  }
  classify(l);
  return l;
}

void lfh_like_free(lfh_like *l) {
  if (!l) return;
  free(l->tok);
  free(l->lit);
  free(l);
}

/* Bytes of the UTF-8 character starting with byte c, at most `left`. */
static size_t char_len(unsigned char c, size_t left) {
  size_t k = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return k < left ? k : left;
}

/* Greedy match with one backtrack point (the last %): O(len(s) * len(pattern)). */
static int match_tokens(const like_tok *t, size_t m, const char *s, size_t n) {
  size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
  while (si < n) {
    if (pi < m && t[pi].kind == TK_LIT && t[pi].ch == (unsigned char)s[si]) {
      pi++;
      si++;
    } else if (pi < m && t[pi].kind == TK_ANY) {
      si += char_len((unsigned char)s[si], n - si);
      pi++;
    } else if (pi < m && t[pi].kind == TK_STAR) {
      star = pi++;
      mark = si;
    } else if (star != (size_t)-1) {
      pi = star + 1;
      mark += char_len((unsigned char)s[mark], n - mark);
      si = mark;
    } else {
      return 0;
    }
  }
  while (pi < m && t[pi].kind == TK_STAR) pi++;
  return pi == m;
}

int lfh_like_match(const lfh_like *l, const char *s, size_t n) {
  switch (l->shape) {
  case SHAPE_ALL: return 1;
  case SHAPE_EXACT: return n == l->nlit && memcmp(s, l->lit, n) == 0;
  case SHAPE_PREFIX: return n >= l->nlit && memcmp(s, l->lit, l->nlit) == 0;
  case SHAPE_SUFFIX: return n >= l->nlit && memcmp(s + n - l->nlit, l->lit, l->nlit) == 0;
  case SHAPE_CONTAINS: return n >= l->nlit && memmem(s, n, l->lit, l->nlit) != NULL;
  default: return match_tokens(l->tok, l->ntok, s, n);
  }
}

int lfh_like_match_raw(const char *p, size_t pn, char esc, const char *s, size_t n) {
  int bad;
  size_t ntok;
  like_tok stackbuf[64];
  like_tok *t;
  if (pn <= 64) { /* short patterns, the usual case, without malloc */
    size_t k = 0;
    bad = 0;
    for (size_t i = 0; i < pn; i++) {
      if (p[i] == esc) {
        if (i + 1 >= pn) return -1;
        stackbuf[k++] = (like_tok){TK_LIT, (unsigned char)p[++i]};
      } else if (p[i] == '%') stackbuf[k++] = (like_tok){TK_STAR, 0};
      else if (p[i] == '_') stackbuf[k++] = (like_tok){TK_ANY, 0};
      else stackbuf[k++] = (like_tok){TK_LIT, (unsigned char)p[i]};
    }
    return match_tokens(stackbuf, k, s, n);
  }
  if (!(t = tokenize(p, pn, esc, &ntok, &bad))) return -2;
  int r = bad ? -1 : match_tokens(t, ntok, s, n);
  free(t);
  return r;
}

int lfh_ops_like(lfh_run *run, const lfh_op *op, const lfh_vec *s, const lfh_vec *p, lfh_vec *out) {
  int64_t rows = run->rows;
  int rc = lfh_vec_alloc(run->arena, LFH_TYPE_BOOLEAN, rows, 0, out);
  if (rc) return rc;
  uint8_t neg = (uint8_t)(op->neg != 0);
  const int32_t *off = s->u.s.off;
  const char *data = s->u.s.data;
  if (op->like) {
    if ((rc = lfh_valid_rows(run->arena, s, rows, &out->valid))) return rc;
    if (s->is_const) {
      uint8_t v = (uint8_t)(lfh_like_match(op->like, data + off[0], (size_t)(off[1] - off[0])) ^ neg);
      memset(out->u.b, v, (size_t)rows);
      return LF_OK;
    }
    const lfh_like *l = op->like;
    size_t nl = l->nlit;
    uint8_t *o = out->u.b;
    switch (l->shape) { /* the common shapes without the per-row dispatch */
    case SHAPE_PREFIX:
      for (int64_t r = 0; r < rows; r++)
        o[r] = (uint8_t)(((size_t)(off[r + 1] - off[r]) >= nl && memcmp(data + off[r], l->lit, nl) == 0) ^ neg);
      return LF_OK;
    case SHAPE_SUFFIX:
      for (int64_t r = 0; r < rows; r++)
        o[r] = (uint8_t)(((size_t)(off[r + 1] - off[r]) >= nl &&
                          memcmp(data + off[r + 1] - nl, l->lit, nl) == 0) ^ neg);
      return LF_OK;
    case SHAPE_EXACT:
      for (int64_t r = 0; r < rows; r++)
        o[r] = (uint8_t)(((size_t)(off[r + 1] - off[r]) == nl && memcmp(data + off[r], l->lit, nl) == 0) ^ neg);
      return LF_OK;
    default:
      for (int64_t r = 0; r < rows; r++)
        o[r] = (uint8_t)(lfh_like_match(l, data + off[r], (size_t)(off[r + 1] - off[r])) ^ neg);
      return LF_OK;
    }
  }
  if ((rc = lfh_valid_and(run->arena, s, p, rows, &out->valid))) return rc;
  if (!out->valid) {
    if (!(out->valid = lfh_arena_alloc(run->arena, (size_t)rows))) return LF_ERR_NOMEM;
    memset(out->valid, 1, (size_t)rows);
  } else {
    uint8_t *v = lfh_arena_alloc(run->arena, (size_t)rows);
    if (!v) return LF_ERR_NOMEM;
    memcpy(v, out->valid, (size_t)rows);
    out->valid = v;
  }
  for (int64_t r = 0; r < rows; r++) {
    out->u.b[r] = 0;
    if (!out->valid[r]) continue;
    int64_t sr = LFH_ROW(s, r), pr = LFH_ROW(p, r);
    int m = lfh_like_match_raw(p->u.s.data + p->u.s.off[pr],
                               (size_t)(p->u.s.off[pr + 1] - p->u.s.off[pr]), op->escape,
                               data + off[sr], (size_t)(off[sr + 1] - off[sr]));
    if (m == -2) return LF_ERR_NOMEM;
    if (m < 0) out->valid[r] = 0; /* a malformed pattern in the data: NULL */
    else out->u.b[r] = (uint8_t)(m ^ neg);
  }
  return LF_OK;
}
