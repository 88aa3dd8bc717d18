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
static int dec_struct(lfb_jdec *d, jcol *c, jpos *s, int depth, jframe *fr);
static int dec_number(lfb_jdec *d, jcol *c, jpos *s);
static int dec_time(lfb_jdec *d, jcol *c, jpos *s);

static inline const char *ws(const jpos *s, const char *p) {
  return lfb_skip_ws_in(p, s->end, s->lines);
}

/* The end for skipping a value whole (lfb_skip_value knows nothing of lines): the end
 * of the line in NDJSON, found once. */
static const char *value_end(jpos *s, const char *from) {
  if (!s->lines) return s->end;
  if (!s->le) {
    const char *nl = memchr(from, '\n', (size_t)(s->end - from));
    s->le = nl ? nl : s->end;
  }
  return s->le;
}

/* A field the struct does not have (unknown) or has already seen (a duplicate key). */
static int dec_extra(lfb_jdec *d, jpos *s, int depth, jframe *fr, const char *key, size_t klen,
                     int unknown) {
  const char *vs = s->p, *ve = lfb_skip_value(vs, value_end(s, vs), depth);
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

/* A non-negative integer of at most 9 digits (schema versions, counts) for an INT or
 * BIGINT column, appended without the general parser. J_MISMATCH: not that shape (no
 * value appended; the general parser decides). */
static inline int int_fast(jcol *c, jpos *s) {
  const char *p = s->p, *end = s->end;
  if (p >= end || (unsigned)(*p - '0') > 9) return J_MISMATCH;
  if (*p == '0' && end - p > 1 && (unsigned)(p[1] - '0') <= 9) return J_MISMATCH;
  int32_t v = 0;
  const char *lim = end - p > 9 ? p + 9 : end;
  while (p < lim && (unsigned)(*p - '0') <= 9) v = v * 10 + (*p++ - '0');
  if (p < end && ((unsigned)(*p - '0') <= 9 || *p == '.' || *p == 'e' || *p == 'E'))
    return J_MISMATCH;
  s->p = p;
  if (c->kind == K_I32) return lfb_col_append_fixed(c, &v, 4);
  int64_t w = v;
  return lfb_col_append_fixed(c, &w, 8);
}

/* The value of a schema field `kid` of a struct whose element `idx` is being built. */
static int dec_field(lfb_jdec *d, jcol *kid, jpos *s, int depth, jframe *fr, const char *key,
                     size_t klen, int64_t idx) {
  const char *vs = s->p;
  char ch = vs < s->end ? *vs : '\0';
  int rc;
  /* The usual shapes go straight to their decoder, past dec_value's dispatch. */
  if (fr && kid->kind == K_STRUCT) {
    jframe sub = {fr, key, klen, 0, 0};
    rc = ch == '{' ? dec_struct(d, kid, s, depth, &sub) : dec_value(d, kid, s, depth, &sub);
    if (rc == J_OK && sub.opened) rc = jbuf_putc(&d->rb, '}');
  } else if ((kid->kind == K_I32 || kid->kind == K_I64) &&
             (rc = int_fast(kid, s)) != J_MISMATCH) {
    /* done: a small non-negative integer */
  } else if (kid->kind >= K_I32 && kid->kind <= K_F64 &&
             (ch == '-' || (unsigned)(ch - '0') < 10)) {
    rc = dec_number(d, kid, s);
  } else if (kid->kind >= K_DATE && kid->kind <= K_TSNTZ && ch == '"') {
    rc = dec_time(d, kid, s);
  } else {
    rc = dec_value(d, kid, s, depth, fr);
  }
  if (rc != J_MISMATCH || !fr) return rc;
  lfb_col_truncate(kid, idx);
  const char *ve = lfb_skip_value(vs, value_end(s, vs), depth);
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

/* Whether the raw key at ks is field `g`'s: one masked 16-byte compare for short names.
 * On a match *adv is the bytes of the key it consumed (closing quote, and the ':' when
 * *colon). */
static inline int key_is(const jcol *c, uint32_t g, const char *ks, const char *end, size_t *adv,
                         int *colon) {
  if (g >= c->n_kids) return 0;
  const jkeypat *kp = &c->keys[g];
  if (kp->m[0] && end - ks >= 16) {
    uint64_t x0, x1;
    memcpy(&x0, ks, 8);
    memcpy(&x1, ks + 8, 8);
    if ((((x0 ^ kp->w[0]) & kp->m[0]) | ((x1 ^ kp->w[1]) & kp->m[1])) != 0) return 0;
    *adv = kp->adv;
    *colon = (int)kp->colon;
    return 1;
  }
  const jcol *k = &c->kids[g];
  size_t n = k->name_len;
  if (!k->plain || (size_t)(end - ks) <= n || ks[n] != '"' || !lfb_same(ks, k->name, n)) return 0;
  *adv = n + 1;
  *colon = 0;
  return 1;
}

/* The field of the raw key at ks when it is one of the two that followed field
 * `prev - 1` lately (follow[]); -1 otherwise. */
static inline int predicted_field(const jcol *c, uint32_t prev, const char *ks, const char *end,
                                  size_t *adv, int *colon) {
  const uint16_t *g = &c->follow[2 * prev];
  if (key_is(c, g[0], ks, end, adv, colon)) return g[0];
  if (key_is(c, g[1], ks, end, adv, colon)) return g[1];
  return -1;
}

/* A key the prediction missed: scanned, unescaped when needed, looked up. *ke gets the
 * position after its closing quote. -1: not a field (or *rc set on failure). */
static int lookup_field(lfb_jdec *d, jcol *c, uint32_t prev, const char *ks, const char *end,
                        const char **ke, int *rc) {
  unsigned f;
  if (!(*ke = lfb_scan_string(ks, end, &f))) {
    *rc = J_SYNTAX;
    return -1;
  }
  size_t kn = (size_t)(*ke - 1 - ks);
  const char *kk = ks;
  if (f & SCAN_ESC) {
    if (lfb_reserve(&d->keybuf.p, &d->keybuf.cap, kn + 1) != J_OK) {
      *rc = J_NOMEM;
      return -1;
    }
    kn = lfb_unescape(ks, kn, d->keybuf.p);
    kk = d->keybuf.p;
  }
  int fi = field_index(c, kk, kn);
  if (fi >= 0) { /* learn this producer's order, keeping the last successor too */
    c->follow[2 * prev + 1] = c->follow[2 * prev];
    c->follow[2 * prev] = (uint16_t)fi;
  }
  return fi;
}

/* NULLs for the fields an object left out: those not in `seen` (fields 0..63) nor in
 * c->seen (the rest). */
static int missing_fields(jcol *c, uint64_t seen) {
  uint32_t nk = c->n_kids;
  uint64_t miss = ~seen & (nk >= 64 ? ~0ull : (1ull << nk) - 1);
  for (; miss; miss &= miss - 1)
    if (lfb_col_null(&c->kids[__builtin_ctzll(miss)]) != J_OK) return J_NOMEM;
  for (uint32_t i = 64; i < nk; i++)
    if (!(c->seen[i >> 6] >> (i & 63) & 1) && lfb_col_null(&c->kids[i]) != J_OK) return J_NOMEM;
  return J_OK;
}

/* s->p at '{'. */
static int dec_struct(lfb_jdec *d, jcol *c, jpos *s, int depth, jframe *fr) {
  if (depth > LFB_JSON_MAX_DEPTH) return J_SYNTAX;
  const char *end = s->end, *p = ws(s, s->p + 1);
  uint32_t nk = c->n_kids;
  uint64_t seen = 0; /* fields 0..63 matched so far; c->seen holds the others */
  if (nk > 64) memset(c->seen, 0, ((nk + 63) / 64) * sizeof *c->seen);
  int64_t idx = c->len;
  uint32_t prev = 0; /* the last field matched + 1 (0: none yet) */
  if (p < end && *p == '}') {
    p++;
  } else {
    for (;;) {
      if (p >= end || *p != '"') return J_SYNTAX;
      const char *ks = p + 1;
      size_t adv = 0;
      int colon = 0, rc = J_OK;
      int fi = predicted_field(c, prev, ks, end, &adv, &colon);
      if (fi >= 0) {
        p = ks + adv;
      } else {
        fi = lookup_field(d, c, prev, ks, end, &p, &rc);
        if (rc != J_OK) return rc;
      }
      size_t kn = (size_t)(p - ks) - 1 - (size_t)colon; /* the raw key, for rescues */
      if (!colon) {
        p = ws(s, p);
        if (p >= end || *p != ':') return J_SYNTAX;
        p++;
      }
      p = ws(s, p);
      uint64_t bit = 0;
      int fresh = 0;
      if (fi >= 0) {
        if (fi < 64) {
          bit = 1ull << fi;
          fresh = !(seen & bit);
          seen |= bit;
        } else {
          uint64_t *w = &c->seen[fi >> 6];
          fresh = !(*w >> (fi & 63) & 1);
          *w |= 1ull << (fi & 63);
        }
      }
      if (fresh) {
        prev = (uint32_t)fi + 1;
        jcol *kid = &c->kids[fi];
        if (kid->kind == K_UTF8 && p < end && *p == '"') { /* most fields: no call */
          rc = lfb_col_scan_str(kid, &p, end);
        } else {
          s->p = p;
          rc = dec_field(d, kid, s, depth + 1, fr, ks, kn, idx);
          p = s->p;
        }
      } else {
        s->p = p;
        rc = dec_extra(d, s, depth + 1, fr, ks, kn, fi < 0);
        p = s->p;
      }
      if (rc != J_OK) return rc;
      p = ws(s, p);
      if (p < end && *p == ',') {
        p = ws(s, p + 1);
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
  if (missing_fields(c, seen) != J_OK) return J_NOMEM;
  c->len++;
  return J_OK;
}

/* s->p at '['. */
static int dec_list(lfb_jdec *d, jcol *c, jpos *s, int depth) {
  if (depth > LFB_JSON_MAX_DEPTH) return J_SYNTAX;
  const char *end = s->end, *p = ws(s, s->p + 1);
  if (p < end && *p == ']') {
    s->p = p + 1;
    return lfb_col_close_list(c);
  }
  for (;;) {
    s->p = p;
    int rc = dec_value(d, &c->kids[0], s, depth + 1, NULL);
    if (rc != J_OK) return rc;
    p = ws(s, s->p);
    if (p < end && *p == ',') {
      p = ws(s, p + 1);
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
  const char *end = s->end, *p = ws(s, s->p + 1);
  if (p < end && *p == '}') {
    s->p = p + 1;
    return lfb_col_close_list(c);
  }
  for (;;) {
    if (p >= end || *p != '"') return J_SYNTAX;
    int rc = lfb_col_scan_str(key, &p, end);
    if (rc != J_OK) return rc;
    p = ws(s, p);
    if (p >= end || *p != ':') return J_SYNTAX;
    p = ws(s, p + 1);
    if (val->kind == K_UTF8 && p < end && *p == '"') { /* MAP<STRING, STRING>: no call */
      rc = lfb_col_scan_str(val, &p, end);
    } else {
      s->p = p;
      rc = dec_value(d, val, s, depth + 1, NULL);
      p = s->p;
    }
    if (rc != J_OK) return rc;
    ent->len++;
    p = ws(s, p);
    if (p < end && *p == ',') {
      p = ws(s, p + 1);
      continue;
    }
    if (p < end && *p == '}') {
      s->p = p + 1;
      return lfb_col_close_list(c);
    }
    return J_SYNTAX;
  }
}

/* Whether the 8 bytes x hold digits where `dm` has 0xFF and exactly the bytes of `sep`
 * elsewhere (little-endian). The digit bytes are checked as ASCII first, so adding 0x46
 * carries out of no byte; a byte below '0' borrows from the next one when 0x30 is taken
 * away, but it fails the test itself either way. */
static inline int shape8(uint64_t x, uint64_t dm, uint64_t sep) {
  const uint64_t hi = 0x8080808080808080ull, k30 = 0x3030303030303030ull;
  uint64_t y = (x & dm) | (k30 & ~dm);
  return (x & ~dm) == sep && !(y & hi) && !(((y + 0x4646464646464646ull) | (y - k30)) & hi);
}

/* The producer's own timestamp form, "YYYY-MM-DDTHH:MM:SS.mmmZ" and its closing quote at
 * t (25 bytes readable), to microseconds without the general parser: the shape is
 * checked a word at a time and the date, shared by runs of events, is parsed once per
 * change. 0 on success; -1: not exactly that form (the general parser decides). */
static int ts_fast(lfb_jdec *d, const char *t, int64_t *out) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t w[3];
  memcpy(w, t, 24);
  if (t[24] != '"' || !shape8(w[0], 0x00FFFF00FFFFFFFFull, 0x2D00002D00000000ull) ||
      !shape8(w[1], 0xFFFF00FFFF00FFFFull, 0x00003A0000540000ull) ||
      !shape8(w[2], 0x00FFFFFF00FFFF00ull, 0x5A0000002E00003Aull))
    return -1;
#else
  static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ\"";
  for (int i = 0; i < 25; i++)
    if (shape[i] == 'd' ? (unsigned)(t[i] - '0') > 9 : t[i] != shape[i]) return -1;
#endif
  if (memcmp(t, d->ts_ymd, 10) != 0) {
    int32_t days;
    if (lfb_parse_date(t, 10, &days) != 0) return -1;
    memcpy(d->ts_ymd, t, 10);
    d->ts_days = days;
  }
#define D2(i) ((t[i] - '0') * 10 + (t[i + 1] - '0'))
  int hh = D2(11), mi = D2(14), ss = D2(17);
  int64_t ms = D2(20) * 10 + (t[22] - '0');
#undef D2
  if (hh > 23 || mi > 59 || ss > 59) return -1;
  *out = (d->ts_days * 86400 + hh * 3600 + mi * 60 + ss) * 1000000 + ms * 1000;
  return 0;
}

/* A string value for a date/time column: its text, unescaped into scratch if needed. */
static int dec_time(lfb_jdec *d, jcol *c, jpos *s) {
  int64_t us;
  if (c->kind == K_TS && s->end - s->p >= 26 && ts_fast(d, s->p + 1, &us) == 0) {
    s->p += 26;
    return lfb_col_append_fixed(c, &us, 8);
  }
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
