/*
 * lfb_json_internal — what the lfb_json modules share: the column tree the decoder fills
 * (one jcol per schema node, Arrow buffers grown in place), the scanner primitives
 * (lfb_json_scan.c) and the column operations (lfb_json_cols.c). Not part of the plugin
 * API; lfb_json.h is.
 */
#ifndef LFB_JSON_INTERNAL_H
#define LFB_JSON_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lfb_json.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Internal results of the decoding functions. J_MISMATCH: the value is valid JSON of the
 * wrong type for its column (the scan position is then undefined: the caller rescans the
 * value). Negative: the line is not usable (J_SYNTAX: corrupt record) or the call fails. */
#define J_OK 0
#define J_MISMATCH 1
#define J_SYNTAX (-1)
#define J_NOMEM (-2)
#define J_NEWFIELD (-3) /* LFB_EVOLVE_FAIL met a field outside the schema */
#define J_TOOBIG (-4)   /* a column passed Arrow's 2 GiB int32 offsets */

/* Nesting limit of JSON values: deeper input is a corrupt record. */
#define LFB_JSON_MAX_DEPTH 64

typedef enum jkind {
  K_UTF8,
  K_BOOL,
  K_I32,
  K_I64,
  K_F32,
  K_F64,
  K_DATE, /* "tdD": int32 days since the epoch */
  K_TS,   /* "tsu:<tz>": int64 microseconds, an instant (UTC) */
  K_TSNTZ, /* "tsu:": int64 microseconds, wall clock; zone suffixes are refused */
  K_STRUCT,
  K_LIST,
  K_MAP /* one kid: the "entries" struct of {key (utf8), value} */
} jkind;

/* A growable byte buffer (scratch and rescue text). */
typedef struct jbuf {
  char *p;
  size_t len, cap;
} jbuf;

/* A struct field's key as it appears raw in the input, for names of at most 15 plain
 * bytes: the 16 bytes after an opening quote match when ((x ^ w) & m) == 0 word by word.
 * The pattern holds the closing quote and, for names of at most 14 bytes, the ':' of
 * compact JSON too (`colon`); `adv` is its length, the bytes a match consumes. m[0] == 0:
 * no pattern (compare the name instead). */
typedef struct jkeypat {
  uint64_t w[2], m[2];
  uint32_t adv, colon;
} jkeypat;

/* One column of the batch being built. Buffers are malloc'd and owned by the column
 * until lfb_json_finish moves them into an ArrowArray. Invariants between rows: every
 * struct child has its parent's length; offsets[0..len] are written (offsets[0] = 0 as
 * soon as the buffer exists; a missing buffer reads as offset 0). Validity: no bitmap
 * until the first null of the batch (`bits` 0); from then on `valid` holds the bits of
 * [0, len) and ones in every bit after them up to valid_cap, so a valid element costs
 * nothing and a null clears one bit. */
typedef struct jcol jcol;
struct jcol {
  jkind kind;
  char *name;       /* owned */
  size_t name_len;
  int64_t len, nulls;
  size_t dlen;      /* utf8: bytes used in `data` */
  uint8_t *valid;   /* validity bits */
  size_t valid_cap; /* bytes */
  uint8_t *vals;    /* fixed-width values, bool bits, or int32 offsets */
  size_t vals_cap;  /* bytes */
  uint8_t *data;    /* utf8 bytes */
  size_t data_cap;
  jcol *kids;       /* owned array of n_kids */
  uint32_t n_kids;
  /* Structs: field lookup (open addressing, slots hold field index + 1). The fields seen
   * in the object being decoded are bits: 0..63 in a local word of the decoder, the rest
   * (structs of more than 64 fields) in `seen`, bit i of word i / 64. */
  uint16_t *hash;
  uint32_t hash_mask;
  uint64_t *seen;
  /* Structs: the two fields that followed field i lately (follow[2 * (i + 1)] and the
   * one after it; slot 0: the first field), so keys in a producer's usual order match
   * with one or two compares even when an optional field comes and goes. */
  uint16_t *follow;
  jkeypat *keys; /* structs: one per field */
  int plain; /* the name needs no JSON escaping: a raw key can be compared as is */
  int bits;  /* `valid` is written (see above); 0: every element so far is valid */
};

/* The per-value paths of the decoder: GCC and clang otherwise keep the string append
 * out of line in the struct loop (a call, and the scan position spilled to memory, per
 * field). */
#if defined(__GNUC__)
#define LFB_HOT static inline __attribute__((always_inline))
#else
#define LFB_HOT static inline
#endif

/* ------------------------------------------------------------ buffers */

/* Equality of short byte strings (field names) without a libc call per key. */
static inline int lfb_same(const char *a, const char *b, size_t n) {
  while (n >= 8) {
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    if (x != y) return 0;
    a += 8, b += 8, n -= 8;
  }
  while (n--)
    if (*a++ != *b++) return 0;
  return 1;
}

/* FNV-1a over a field name, for the struct lookup tables. */
static inline uint32_t lfb_name_hash(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

int lfb_grow(void *pp, size_t *cap, size_t need);

static inline int lfb_reserve(void *pp, size_t *cap, size_t need) {
  return need <= *cap ? J_OK : lfb_grow(pp, cap, need);
}

static inline int jbuf_put(jbuf *b, const void *s, size_t n) {
  if (lfb_reserve(&b->p, &b->cap, b->len + n + 1) != J_OK) return J_NOMEM;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  return J_OK;
}

static inline int jbuf_putc(jbuf *b, char c) { return jbuf_put(b, &c, 1); }

/* ------------------------------------------------------------ scanner (lfb_json_scan.c) */

#define SCAN_ESC 1u      /* the string holds backslash escapes */
#define SCAN_NONASCII 2u /* the string holds (valid) multi-byte UTF-8 */

/* `p` just after an opening quote: validates the string (escapes, surrogate pairs,
 * UTF-8, no control bytes) and returns the position after its closing quote, or NULL. */
const char *lfb_scan_string(const char *p, const char *end, unsigned *flags);

/* `*pp` just after an opening quote: validates the string and writes its decoded bytes
 * into *data from offset `at` (growing *data / *cap as needed); *n gets their count and
 * *pp the position after the closing quote. J_OK, J_SYNTAX or J_NOMEM. */
int lfb_copy_string(const char **pp, const char *end, uint8_t **data, size_t *cap, size_t at,
                    size_t *n);

/* Bytes of a string decoded per reservation by lfb_col_scan_str: room for this much (and
 * 16 bytes of slack) is made before a string, so its blocks are stored unchecked; longer
 * strings go on with a bounds check per block. */
#define LFB_STR_ROOM 4096
#define J_ROOM 2 /* lfb_copy_rest: the string goes on past `lim` */

/* *pp just after an opening quote or at a character boundary inside a string, *po where
 * its decoded bytes go (decoding never makes text longer), with room for (lim - *pp) + 16
 * bytes there. Validates and decodes the string up to its closing quote, blocks of plain
 * bytes loaded only inside [*pp, lim), escapes and UTF-8 checked against `end`. J_OK: *pp
 * after the closing quote; J_ROOM: it reached lim (< end) first, *pp and *po at the
 * character boundary where it stopped; J_SYNTAX: not a valid string. *po is after the
 * last byte written. */
int lfb_copy_rest(const unsigned char **pp, const unsigned char *lim, const unsigned char *end,
                  unsigned char **po);

/* Tests only: 1 makes the string scanners skip their 16-byte SIMD blocks (8-byte words
 * and single bytes only), so both paths can be compared; 0 (the default) restores them.
 * Not thread-safe: set it while no decoder runs. */
void lfb_json_force_scalar(int on);
extern int lfb_json_scalar; /* what lfb_json_force_scalar set */

/* Decodes the body of a string already validated by lfb_scan_string into `out` (room
 * for n bytes); returns the bytes written (never more than n). */
size_t lfb_unescape(const char *s, size_t n, char *out);

/* Validates one JSON value at `p` (no leading whitespace) nested at `depth`; returns the
 * position after it, or NULL for a syntax error or nesting beyond LFB_JSON_MAX_DEPTH. */
const char *lfb_skip_value(const char *p, const char *end, int depth);

/* Whitespace as JSON defines it. */
static inline const char *lfb_skip_ws(const char *p, const char *end) {
  if (p < end && (unsigned char)*p > ' ') return p; /* compact JSON: nothing to skip */
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}

/* lfb_skip_ws where a '\n' may end the text (`lines`: an NDJSON line scanned in a buffer
 * of many, where a newline is never whitespace inside a record). */
static inline const char *lfb_skip_ws_in(const char *p, const char *end, int lines) {
  if (p < end && (unsigned char)*p > ' ') return p;
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || (*p == '\n' && !lines))) p++;
  return p;
}

/* Numbers at `p` ('-' or a digit). Each returns J_OK with the value and *pp after the
 * token, J_MISMATCH for a valid number that does not fit (fraction or exponent for an
 * integer, out of range), or J_SYNTAX. */
int lfb_parse_int64(const char **pp, const char *end, int64_t *out);
int lfb_parse_double(const char **pp, const char *end, jbuf *scratch, double *out);

/* ISO 8601 text (already unescaped) to microseconds / days. 0 on success, -1 when it is
 * not a valid date/time. `ntz`: wall clock, a zone suffix is refused. */
int lfb_parse_timestamp(const char *s, size_t n, int ntz, int64_t *out);
int lfb_parse_date(const char *s, size_t n, int32_t *out);

/* Appends `s` as the body of a JSON string (quotes not included): escapes what JSON
 * requires, replaces invalid UTF-8 with U+FFFD. */
int lfb_json_escape(jbuf *out, const char *s, size_t n);

/* Appends the Spark DDL type of the validated JSON value at `p` ("BIGINT",
 * "STRUCT<a: STRING>", ...). */
int lfb_infer_type(jbuf *out, const char *p, const char *end, int depth);

/* ------------------------------------------------------------ columns (lfb_json_cols.c) */

/* Builds the column tree of `schema` (a field; borrowed) into *c. LF_ERR_SCHEMA naming
 * the field for a type the decoder cannot fill. */
int lfb_col_init(jcol *c, const struct ArrowSchema *schema, const char *path, lf_error *err);
void lfb_col_free(jcol *c);

/* Drops what was appended beyond `n` elements (and below them, recursively). */
void lfb_col_truncate(jcol *c, int64_t n);

/* Forgets every element and buffer (after a failed export). */
void lfb_col_clear(jcol *c);

int lfb_col_append_null(jcol *c);

/* Moves the column's elements into `out` and leaves the column empty. On failure `out` is
 * released and the column keeps whatever was not moved (the caller clears it). */
int lfb_col_export(jcol *c, struct ArrowArray *out);

/* A struct array without validity of `length` rows whose children are `cols` exported
 * (the batch itself). */
int lfb_cols_export_root(jcol *const *cols, uint32_t n, int64_t length, struct ArrowArray *out);

int lfb_col_null_slow(jcol *c);

/* Marks element c->len (not counted yet) NULL: clears its bit. The bitmap is written
 * from the first null on (see jcol), which lfb_col_null_slow sets up. */
static inline int lfb_col_setnull(jcol *c) {
  size_t byte = (size_t)(c->len >> 3);
  if (!c->bits || byte >= c->valid_cap) return lfb_col_null_slow(c);
  c->valid[byte] &= (uint8_t)~(1u << (c->len & 7));
  c->nulls++;
  return J_OK;
}

static inline int32_t lfb_col_off(const jcol *c, int64_t i) {
  return c->vals ? ((const int32_t *)(const void *)c->vals)[i] : 0;
}

/* Makes room for offsets[len + 1 + k]; a new buffer starts with offsets[0] = 0. */
int lfb_col_offsets_grow(jcol *c, size_t need);

static inline int lfb_col_offsets_n(jcol *c, size_t k) {
  size_t need = ((size_t)c->len + 1 + k) * 4u;
  return need <= c->vals_cap ? J_OK : lfb_col_offsets_grow(c, need);
}

static inline int lfb_col_offsets(jcol *c) { return lfb_col_offsets_n(c, 1); }

/* Ends one utf8 element whose bytes are in data[offsets[len] .. dlen). */
static inline int lfb_col_end_str(jcol *c) {
  if (c->dlen > INT32_MAX) return J_TOOBIG;
  if (lfb_col_offsets(c) != J_OK) return J_NOMEM;
  ((int32_t *)(void *)c->vals)[c->len + 1] = (int32_t)c->dlen;
  c->len++;
  return J_OK;
}

/* Appends one utf8 element from raw string text (escaped when `esc`). */
static inline int lfb_col_append_str(jcol *c, const char *s, size_t n, int esc) {
  if (lfb_reserve(&c->data, &c->data_cap, c->dlen + n + 1) != J_OK) return J_NOMEM;
  if (esc) c->dlen += lfb_unescape(s, n, (char *)c->data + c->dlen);
  else {
    memcpy(c->data + c->dlen, s, n);
    c->dlen += n;
  }
  return lfb_col_end_str(c);
}

/* lfb_col_scan_str's ways out of line: growing `data` before a string, and a string
 * that reached `lim` (more than LFB_STR_ROOM bytes) at p, its bytes so far written up
 * to o. */
int lfb_col_scan_str_slow(jcol *c, const char **pp, const char *end);
int lfb_col_scan_str_long(jcol *c, const char **pp, const unsigned char *p, unsigned char *o,
                          const char *end);

/* Appends the string value whose opening quote is at *pp (which moves past it). Room for
 * LFB_STR_ROOM bytes is made first, so plain 16-byte blocks are stored before they are
 * tested, without a bounds check each. */
LFB_HOT int lfb_col_scan_str(jcol *c, const char **pp, const char *end) {
  if (c->data_cap - c->dlen < LFB_STR_ROOM + 16) return lfb_col_scan_str_slow(c, pp, end);
  const unsigned char *p = (const unsigned char *)*pp + 1, *e = (const unsigned char *)end;
  const unsigned char *lim = e - p > LFB_STR_ROOM ? p + LFB_STR_ROOM : e;
  unsigned char *o0 = c->data + c->dlen, *o = o0;
#ifdef __SSE2__
  if (!lfb_json_scalar) {
    while (lim - p >= 16) {
      __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
      _mm_storeu_si128((__m128i *)(void *)o, v);
      __m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
      __m128i b = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
      __m128i l = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
      unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(q, b), l));
      if (m) {
        unsigned k = (unsigned)__builtin_ctz(m);
        p += k;
        o += k;
        break;
      }
      p += 16;
      o += 16;
    }
  }
#endif
  if (p < lim && *p == '"') {
    p++;
  } else {
    int rc = lfb_copy_rest(&p, lim, e, &o);
    if (rc == J_ROOM) return lfb_col_scan_str_long(c, pp, p, o, end);
    if (rc != J_OK) return rc;
  }
  c->dlen += (size_t)(o - o0);
  *pp = (const char *)p;
  return lfb_col_end_str(c);
}

/* lfb_col_append_null with the utf8 case (the usual missing field) inline. */
static inline int lfb_col_null(jcol *c) {
  if (c->kind != K_UTF8) return lfb_col_append_null(c);
  if (lfb_col_offsets(c) != J_OK || lfb_col_setnull(c) != J_OK) return J_NOMEM;
  ((int32_t *)(void *)c->vals)[c->len + 1] = (int32_t)c->dlen;
  c->len++;
  return J_OK;
}

/* Appends k NULLs to a utf8 column (the rescued column of rows that rescued nothing). */
int lfb_col_null_strs(jcol *c, int64_t k);

/* Appends k copies of a value (the metadata of a file's rows): utf8 text s[0..n), or
 * `width` bytes at v. */
int lfb_col_repeat_str(jcol *c, const char *s, size_t n, int64_t k);
int lfb_col_repeat_fixed(jcol *c, const void *v, size_t width, int64_t k);

/* Appends one fixed-width value of `width` bytes. */
static inline int lfb_col_append_fixed(jcol *c, const void *v, size_t width) {
  if (lfb_reserve(&c->vals, &c->vals_cap, (size_t)(c->len + 1) * width) != J_OK) return J_NOMEM;
  memcpy(c->vals + (size_t)c->len * width, v, width);
  c->len++;
  return J_OK;
}

static inline int lfb_col_append_bool(jcol *c, int v) {
  size_t byte = (size_t)(c->len >> 3);
  if (lfb_reserve(&c->vals, &c->vals_cap, byte + 1) != J_OK) return J_NOMEM;
  unsigned bit = (unsigned)(c->len & 7);
  if (bit == 0) c->vals[byte] = (uint8_t)(v ? 1 : 0);
  else if (v) c->vals[byte] |= (uint8_t)(1u << bit);
  else c->vals[byte] &= (uint8_t)~(1u << bit);
  c->len++;
  return J_OK;
}

/* Closes one list/map element holding the kid's items appended since the last one. */
static inline int lfb_col_close_list(jcol *c) {
  if (c->kids[0].len > INT32_MAX) return J_TOOBIG;
  if (lfb_col_offsets(c) != J_OK) return J_NOMEM;
  ((int32_t *)(void *)c->vals)[c->len + 1] = (int32_t)c->kids[0].len;
  c->len++;
  return J_OK;
}

#endif
