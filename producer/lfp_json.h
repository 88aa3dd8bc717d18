/*
 * lfp_json — a minimal, fast JSON text writer over a caller-reserved byte range.
 *
 * The producer writes one event per call into memory it reserved beforehand (no
 * allocation per event). Every write is bounds-checked: a write that would pass `end`
 * writes nothing and sets `overflow`, which the caller turns into an error, so a bug in
 * a size estimate can never corrupt memory. Structure (braces, commas, keys) is written
 * by the caller as literals; this module formats values.
 */
#ifndef LFP_JSON_H
#define LFP_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct lfp_json {
  char *p;      /* next byte to write; borrowed, inside the caller's buffer */
  char *end;    /* one past the last writable byte */
  int overflow; /* set once a write did not fit; later writes are dropped */
} lfp_json;

static inline void lfp_json_raw(lfp_json *j, const char *s, size_t n) {
  if ((size_t)(j->end - j->p) < n) {
    j->overflow = 1;
    return;
  }
  memcpy(j->p, s, n);
  j->p += n;
}

/* A string literal, its length known at compile time. */
#define LFP_JSON_LIT(j, lit) lfp_json_raw((j), "" lit, sizeof(lit) - 1)

static inline void lfp_json_char(lfp_json *j, char c) {
  if (j->p == j->end) {
    j->overflow = 1;
    return;
  }
  *j->p++ = c;
}

/* A JSON string: quotes added, '"', '\\' and control characters escaped. */
void lfp_json_str(lfp_json *j, const char *s);
void lfp_json_strn(lfp_json *j, const char *s, size_t n);
/* Unsigned and signed decimal integers. */
void lfp_json_u64(lfp_json *j, uint64_t v);
void lfp_json_i64(lfp_json *j, int64_t v);
/* A non-negative amount given in hundredths, as a JSON number with two decimals
 * ("1234" -> 12.34): money is kept in integer cents so no rounding can differ. */
void lfp_json_cents(lfp_json *j, uint64_t cents);
/* `digits` lower-case hex digits of v (the low ones), zero-padded; digits <= 16. */
void lfp_json_hex(lfp_json *j, uint64_t v, int digits);
/* A quoted UTC timestamp with milliseconds, "2024-01-31T23:59:59.123Z", from
 * microseconds since the epoch (sub-millisecond digits are dropped). */
void lfp_json_ts(lfp_json *j, int64_t us);

/* Writes the ISO form of `us` (as lfp_json_ts, without quotes) into out[25], NUL-terminated. */
void lfp_format_ts(int64_t us, char out[25]);
/* Parses "YYYY-MM-DDTHH:MM:SS[.fff][Z|+00:00]" (UTC) into microseconds; 0 or -1. */
int lfp_parse_ts(const char *s, int64_t *us);

#endif
