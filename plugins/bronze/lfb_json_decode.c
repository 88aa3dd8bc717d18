/* lfb_json_decode.c — the schema-directed part of lfb_json: one pass over a JSON object
 * that appends each value to the column of its field, and routes what does not fit to
 * the rescued text (with the nesting of its struct fields). Values inside arrays and
 * maps cannot be placed in a nested rescue object, so any misfit there rescues the
 * whole array/map field of the nearest struct. */
#include <stdio.h>
#include <string.h>

#include "lfb_json_decode.h"

/* A struct being decoded outside arrays and maps: where its rescued fields go. The
 * rescue object of a nested struct is opened lazily, under its parent's. */
typedef struct jframe jframe;
struct jframe {
  jframe *parent;   /* NULL: the row */
  const char *key;  /* raw (escaped) key text in the input, borrowed */
  size_t klen;
  int opened;
  int count;        /* members written into its rescue object */
};

static int frame_open(lfb_jdec *d, jframe *fr) {
  if (fr->opened) return J_OK;
  int rc;
  if (!fr->parent) {
    rc = jbuf_putc(&d->rb, '{');
  } else {
    rc = frame_open(d, fr->parent);
    if (rc == J_OK && fr->parent->count++) rc = jbuf_putc(&d->rb, ',');
    if (rc == J_OK) rc = jbuf_putc(&d->rb, '"');
    if (rc == J_OK) rc = jbuf_put(&d->rb, fr->key, fr->klen);
    if (rc == J_OK) rc = jbuf_put(&d->rb, "\":{", 3);
  }
  fr->opened = 1;
  return rc;
}

static int rescue_put(lfb_jdec *d, jframe *fr, const char *key, size_t klen, const char *v,
                      size_t vlen) {
  int rc = frame_open(d, fr);
  if (rc == J_OK && fr->count++) rc = jbuf_putc(&d->rb, ',');
  if (rc == J_OK) rc = jbuf_putc(&d->rb, '"');
  if (rc == J_OK) rc = jbuf_put(&d->rb, key, klen);
  if (rc == J_OK) rc = jbuf_put(&d->rb, "\":", 2);
  if (rc == J_OK) rc = jbuf_put(&d->rb, v, vlen);
  return rc;
}

/* "a.b.c" of a field outside the schema, for the fail_on_new_columns error. */
static void field_path(lfb_jdec *d, const jframe *fr, const char *key, size_t klen) {
  const jframe *chain[LFB_JSON_MAX_DEPTH + 2];
  int n = 0;
  for (const jframe *f = fr; f && f->parent && n < LFB_JSON_MAX_DEPTH; f = f->parent) chain[n++] = f;
  size_t o = 0, cap = sizeof d->newfield;
  d->newfield[0] = '\0';
  while (n-- > 0 && o < cap)
    o += (size_t)snprintf(d->newfield + o, cap - o, "%.*s.", (int)chain[n]->klen, chain[n]->key);
  if (o < cap) snprintf(d->newfield + o, cap - o, "%.*s", (int)klen, key);
}

/* Records a top-level field for add_new_columns, once, with its inferred type. */
static int note_new_field(lfb_jdec *d, const char *key, size_t klen, const char *v,
                          const char *end) {
  char small[256];
  /* Names that long are truncated; the margin covers an escape cut at the end (the key
   * is validated, so decoding it reads at most 11 bytes on and writes at most 4). */
  if (klen > 240) klen = 240;
  size_t n = lfb_unescape(key, klen, small);
  small[n] = '\0';
  for (size_t o = 0, i = 0; i < d->n_newf; i++) {
    if (strcmp(d->newf.p + o, small) == 0) return J_OK;
    o += strlen(d->newf.p + o) + 1;
    o += strlen(d->newf.p + o) + 1;
  }
  size_t mark = d->newf.len;
  int rc = jbuf_put(&d->newf, small, n + 1);
  if (rc == J_OK) rc = lfb_infer_type(&d->newf, v, end, 2);
  if (rc == J_OK) rc = jbuf_putc(&d->newf, '\0');
  if (rc != J_OK) {
    d->newf.len = mark;
    return rc == J_SYNTAX ? J_OK : rc;
  }
  d->n_newf++;
  return J_OK;
}

static int dec_value(lfb_jdec *d, jcol *c, jpos *s, int depth, jframe *fr);

/* A field the struct does not have (unknown) or has already seen (a duplicate key). */
static int dec_extra(lfb_jdec *d, jpos *s, int depth, jframe *fr, const char *key, size_t klen,
                     int unknown) {
  const char *vs = s->p, *ve = lfb_skip_value(vs, s->end, depth);
  if (!ve) return J_SYNTAX;
  s->p = ve;
  if (!fr) return d->rescue_on ? J_MISMATCH : J_OK;
  if (unknown && d->evolution == LFB_EVOLVE_FAIL) {
    field_path(d, fr, key, klen);
    return J_NEWFIELD;
  }
  if (unknown && d->evolution == LFB_EVOLVE_ADD && !fr->parent) {
    int rc = note_new_field(d, key, klen, vs, ve);
    if (rc != J_OK) return rc;
  }
  return d->rescue_on ? rescue_put(d, fr, key, klen, vs, (size_t)(ve - vs)) : J_OK;
}

/* The value of a schema field `kid` of a struct whose element `idx` is being built. */
static int dec_field(lfb_jdec *d, jcol *kid, jpos *s, int depth, jframe *fr, const char *key,
                     size_t klen, int64_t idx) {
  const char *vs = s->p;
  int rc;
  if (fr && kid->kind == K_STRUCT) {
    jframe sub = {fr, key, klen, 0, 0};
    rc = dec_value(d, kid, s, depth, &sub);
    if (rc == J_OK && sub.opened) rc = jbuf_putc(&d->rb, '}');
  } else {
    rc = dec_value(d, kid, s, depth, fr);
  }
  if (rc != J_MISMATCH || !fr) return rc;
  lfb_col_truncate(kid, idx);
  const char *ve = lfb_skip_value(vs, s->end, depth);
  if (!ve) return J_SYNTAX;
  s->p = ve;
  if (lfb_col_append_null(kid) != J_OK) return J_NOMEM;
  return d->rescue_on ? rescue_put(d, fr, key, klen, vs, (size_t)(ve - vs)) : J_OK;
}

static inline int field_index(const jcol *c, const char *k, size_t n) {
  uint32_t h = lfb_name_hash(k, n) & c->hash_mask;
  for (uint16_t slot; (slot = c->hash[h]) != 0; h = (h + 1) & c->hash_mask) {
    const jcol *f = &c->kids[slot - 1];
    if (f->name_len == n && lfb_same(f->name, k, n)) return slot - 1;
  }
  return -1;
}

/* s->p at '{'. */
static int dec_struct(lfb_jdec *d, jcol *c, jpos *s, int depth, jframe *fr) {
  if (depth > LFB_JSON_MAX_DEPTH) return J_SYNTAX;
  const char *end = s->end, *p = lfb_skip_ws(s->p + 1, end);
  uint32_t gen = ++c->gen;
  if (gen == 0) {
    memset(c->seen, 0, c->n_kids * sizeof *c->seen);
    gen = c->gen = 1;
  }
  int64_t idx = c->len;
  uint32_t prev = 0;  /* follow[] slot of the last field matched */
  uint32_t nseen = 0; /* fields matched: all of them leave no NULLs to append */
  if (p < end && *p == '}') {
    p++;
  } else {
    for (;;) {
      if (p >= end || *p != '"') return J_SYNTAX;
      const char *ks = p + 1, *ke = NULL;
      size_t kn = 0;
      int fi = -1, rc;
      uint32_t guess = c->follow[prev];
      if (guess < c->n_kids) { /* the usual next key, compared raw */
        const jkeypat *kp = &c->keys[guess];
        if (kp->m[0] && end - ks >= 16) {
          uint64_t x0, x1;
          memcpy(&x0, ks, 8);
          memcpy(&x1, ks + 8, 8);
          if ((((x0 ^ kp->w[0]) & kp->m[0]) | ((x1 ^ kp->w[1]) & kp->m[1])) == 0) {
            fi = (int)guess;
            kn = c->kids[guess].name_len;
            ke = ks + kn + 1;
          }
        } else {
          const jcol *g = &c->kids[guess];
          size_t gn = g->name_len;
          if (g->plain && (size_t)(end - ks) > gn && ks[gn] == '"' && lfb_same(ks, g->name, gn)) {
            fi = (int)guess;
            kn = gn;
            ke = ks + gn + 1;
          }
        }
      }
      if (fi < 0) {
        unsigned f;
        if (!(ke = lfb_scan_string(ks, end, &f))) return J_SYNTAX;
        kn = (size_t)(ke - 1 - ks);
        const char *kk = ks;
        size_t kkn = kn;
        if (f & SCAN_ESC) {
          if (lfb_reserve(&d->keybuf.p, &d->keybuf.cap, kn + 1) != J_OK) return J_NOMEM;
          kkn = lfb_unescape(ks, kn, d->keybuf.p);
          kk = d->keybuf.p;
        }
        fi = field_index(c, kk, kkn);
        if (fi >= 0) c->follow[prev] = (uint16_t)fi; /* learn this producer's order */
      }
      p = lfb_skip_ws(ke, end);
      if (p >= end || *p != ':') return J_SYNTAX;
      s->p = lfb_skip_ws(p + 1, end);
      if (fi >= 0 && c->seen[fi] != gen) {
        c->seen[fi] = gen;
        prev = (uint32_t)fi + 1;
        nseen++;
        jcol *kid = &c->kids[fi];
        if (kid->kind == K_UTF8 && s->p < end && *s->p == '"') { /* most fields: no call */
          const char *q = s->p;
          rc = lfb_col_scan_str(kid, &q, end);
          s->p = q;
        } else {
          rc = dec_field(d, kid, s, depth + 1, fr, ks, kn, idx);
        }
      } else {
        rc = dec_extra(d, s, depth + 1, fr, ks, kn, fi < 0);
      }
      if (rc != J_OK) return rc;
      p = lfb_skip_ws(s->p, end);
      if (p < end && *p == ',') {
        p = lfb_skip_ws(p + 1, end);
        continue;
      }
      if (p < end && *p == '}') {
        p++;
        break;
      }
      return J_SYNTAX;
    }
  }
  s->p = p;
  for (uint32_t i = 0; nseen < c->n_kids && i < c->n_kids; i++)
    if (c->seen[i] != gen && lfb_col_null(&c->kids[i]) != J_OK) return J_NOMEM;
  if (lfb_col_valid(c, 1) != J_OK) return J_NOMEM;
  c->len++;
  return J_OK;
}

/* s->p at '['. */
static int dec_list(lfb_jdec *d, jcol *c, jpos *s, int depth) {
  if (depth > LFB_JSON_MAX_DEPTH) return J_SYNTAX;
  const char *end = s->end, *p = lfb_skip_ws(s->p + 1, end);
  if (p < end && *p == ']') {
    s->p = p + 1;
    return lfb_col_close_list(c);
  }
  for (;;) {
    s->p = p;
    int rc = dec_value(d, &c->kids[0], s, depth + 1, NULL);
    if (rc != J_OK) return rc;
    p = lfb_skip_ws(s->p, end);
    if (p < end && *p == ',') {
      p = lfb_skip_ws(p + 1, end);
      continue;
    }
    if (p < end && *p == ']') {
      s->p = p + 1;
      return lfb_col_close_list(c);
    }
    return J_SYNTAX;
  }
}

/* s->p at '{': the members become the map's entries, in input order. */
static int dec_map(lfb_jdec *d, jcol *c, jpos *s, int depth) {
  if (depth > LFB_JSON_MAX_DEPTH) return J_SYNTAX;
  jcol *ent = &c->kids[0], *key = &ent->kids[0], *val = &ent->kids[1];
  const char *end = s->end, *p = lfb_skip_ws(s->p + 1, end);
  if (p < end && *p == '}') {
    s->p = p + 1;
    return lfb_col_close_list(c);
  }
  for (;;) {
    if (p >= end || *p != '"') return J_SYNTAX;
    int rc = lfb_col_scan_str(key, &p, end);
    if (rc != J_OK) return rc;
    p = lfb_skip_ws(p, end);
    if (p >= end || *p != ':') return J_SYNTAX;
    s->p = lfb_skip_ws(p + 1, end);
    if ((rc = dec_value(d, val, s, depth + 1, NULL)) != J_OK) return rc;
    if (lfb_col_valid(ent, 1) != J_OK) return J_NOMEM;
    ent->len++;
    p = lfb_skip_ws(s->p, end);
    if (p < end && *p == ',') {
      p = lfb_skip_ws(p + 1, end);
      continue;
    }
    if (p < end && *p == '}') {
      s->p = p + 1;
      return lfb_col_close_list(c);
    }
    return J_SYNTAX;
  }
}

/* A string value for a date/time column: its text, unescaped into scratch if needed. */
static int dec_time(lfb_jdec *d, jcol *c, jpos *s) {
  unsigned f;
  const char *p = s->p, *e = lfb_scan_string(p + 1, s->end, &f);
  if (!e) return J_SYNTAX;
  const char *t = p + 1;
  size_t n = (size_t)(e - 1 - t);
  if (f & SCAN_ESC) {
    if (lfb_reserve(&d->scratch.p, &d->scratch.cap, n + 1) != J_OK) return J_NOMEM;
    n = lfb_unescape(t, n, d->scratch.p);
    t = d->scratch.p;
  }
  s->p = e;
  if (c->kind == K_DATE) {
    int32_t v;
    if (lfb_parse_date(t, n, &v) != 0) return J_MISMATCH;
    return lfb_col_append_fixed(c, &v, 4);
  }
  int64_t us;
  if (lfb_parse_timestamp(t, n, c->kind == K_TSNTZ, &us) != 0) return J_MISMATCH;
  return lfb_col_append_fixed(c, &us, 8);
}

static int dec_number(lfb_jdec *d, jcol *c, jpos *s) {
  const char *p = s->p;
  int rc;
  if (c->kind == K_I32 || c->kind == K_I64) {
    int64_t v;
    if ((rc = lfb_parse_int64(&p, s->end, &v)) != J_OK) return rc;
    s->p = p;
    if (c->kind == K_I64) return lfb_col_append_fixed(c, &v, 8);
    if (v < INT32_MIN || v > INT32_MAX) return J_MISMATCH;
    int32_t x = (int32_t)v;
    return lfb_col_append_fixed(c, &x, 4);
  }
  double v;
  if ((rc = lfb_parse_double(&p, s->end, &d->scratch, &v)) != J_OK) return rc;
  s->p = p;
  if (c->kind == K_F64) return lfb_col_append_fixed(c, &v, 8);
  float x = (float)v;
  if (x - x != 0) return J_MISMATCH; /* beyond FLOAT's range */
  return lfb_col_append_fixed(c, &x, 4);
}

/* One value at s->p (no leading whitespace) for column c. */
static int dec_value(lfb_jdec *d, jcol *c, jpos *s, int depth, jframe *fr) {
  const char *p = s->p, *end = s->end;
  if (p >= end) return J_SYNTAX;
  char ch = *p;
  if (ch == 'n') {
    if (end - p < 4 || memcmp(p, "null", 4) != 0) return J_SYNTAX;
    s->p = p + 4;
    return lfb_col_null(c);
  }
  switch (c->kind) {
  case K_UTF8: {
    if (ch != '"') return J_MISMATCH;
    int rc = lfb_col_scan_str(c, &p, end);
    s->p = p;
    return rc;
  }
  case K_BOOL:
    if (ch == 't' && end - p >= 4 && memcmp(p, "true", 4) == 0) {
      s->p = p + 4;
      return lfb_col_append_bool(c, 1);
    }
    if (ch == 'f' && end - p >= 5 && memcmp(p, "false", 5) == 0) {
      s->p = p + 5;
      return lfb_col_append_bool(c, 0);
    }
    return J_MISMATCH;
  case K_I32: case K_I64: case K_F32: case K_F64:
    return ch == '-' || (unsigned)(ch - '0') < 10 ? dec_number(d, c, s) : J_MISMATCH;
  case K_DATE: case K_TS: case K_TSNTZ:
    return ch == '"' ? dec_time(d, c, s) : J_MISMATCH;
  case K_STRUCT:
    return ch == '{' ? dec_struct(d, c, s, depth, fr) : J_MISMATCH;
  case K_LIST:
    return ch == '[' ? dec_list(d, c, s, depth) : J_MISMATCH;
  case K_MAP:
    return ch == '{' ? dec_map(d, c, s, depth) : J_MISMATCH;
  }
  return J_SYNTAX;
}

int lfb_jdec_row(lfb_jdec *d, jpos *s) {
  jframe root = {NULL, NULL, 0, 0, 0};
  d->rb.len = 0;
  int rc = dec_struct(d, &d->root, s, 1, &root);
  if (rc == J_MISMATCH) rc = J_SYNTAX; /* cannot happen at the top; be safe */
  if (rc != J_OK) return rc;
  if (root.opened) {
    if (jbuf_put(&d->rb, ",\"_file_path\":\"", 15) != J_OK ||
        jbuf_put(&d->rb, d->fpath.p, d->fpath.len) != J_OK || jbuf_put(&d->rb, "\"}", 2) != J_OK)
      return J_NOMEM;
  }
  return J_OK;
}
