/*
 * lfb_autoloader_split — turns a file that is not newline-delimited JSON (one top-level
 * JSON array, or pretty-printed documents with multi_line) into one record per line, so
 * the line decoder (lfb_json) handles every layout and routes broken input the same way.
 *
 * The scan only delimits: it tracks strings (with escapes) and bracket depth, nothing
 * more; the decoder validates. Line breaks outside strings become blanks (JSON allows any
 * whitespace there); a raw line break inside a string is invalid JSON and is kept, so the
 * record stays invalid and is rescued as corrupt rather than silently repaired.
 */
#include <stdlib.h>
#include <string.h>

#include "lfb_autoloader.h"

static size_t skip_blanks(const char *b, size_t i, size_t n) {
  if (i == 0 && n >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) i = 3; /* UTF-8 BOM */
  while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) i++;
  return i;
}

int lfb_needs_split(const char *buf, size_t len, int multi_line) {
  if (multi_line) return 1;
  size_t i = skip_blanks(buf, 0, len);
  return i < len && buf[i] == '[';
}

/* Copies b[from, to) to out with line breaks outside strings made blanks, then '\n'. */
static void emit(const char *b, size_t from, size_t to, char *out, size_t *o) {
  int in_str = 0, esc = 0;
  for (size_t i = from; i < to; i++) {
    char ch = b[i];
    if (in_str) {
      if (esc) esc = 0;
      else if (ch == '\\') esc = 1;
      else if (ch == '"') in_str = 0;
    } else if (ch == '"') {
      in_str = 1;
    } else if (ch == '\n' || ch == '\r') {
      ch = ' ';
    }
    out[(*o)++] = ch;
  }
  out[(*o)++] = '\n';
}

/* End of the value starting at b[i] (a '{' or '[' block, or a string), or of the
 * element of an array at depth 1 when `in_array`: the index just past it, or n when the
 * input ends first. A bare token (number, literal, garbage) runs to the next ',' in an
 * array, or to the end of its line at the top level. */
static size_t value_end(const char *b, size_t i, size_t n, int in_array) {
  int depth = 0, in_str = 0, esc = 0;
  for (; i < n; i++) {
    char ch = b[i];
    if (in_str) {
      if (esc) esc = 0;
      else if (ch == '\\') esc = 1;
      else if (ch == '"') {
        in_str = 0;
        if (depth == 0) return i + 1;
      }
      continue;
    }
    if (ch == '"') in_str = 1;
    else if (ch == '{' || ch == '[') depth++;
    else if (ch == '}' || ch == ']') {
      if (depth == 0) return i; /* the enclosing array's ']' */
      if (--depth == 0) return i + 1;
    } else if (depth == 0 && (in_array ? ch == ',' : (ch == '\n' || ch == '\r'))) {
      return i;
    }
  }
  return n;
}

/* The elements of the array whose '[' is at b[i]; returns the index after its ']'. */
static size_t split_array(const char *b, size_t i, size_t n, char *out, size_t *o) {
  i++;
  for (;;) {
    i = skip_blanks(b, i, n);
    if (i >= n) return n;
    if (b[i] == ']') return i + 1;
    if (b[i] == ',') {
      i++;
      continue;
    }
    size_t end = value_end(b, i, n, 1);
    if (end == i) end = i + 1; /* a stray '}' : keep it in a record of its own */
    emit(b, i, end, out, o);
    i = end;
  }
}

int lfb_split_records(const char *buf, size_t len, char **out, size_t *out_len) {
  /* Each byte is copied at most once, plus one '\n' per record (at most one per byte). */
  char *o = malloc(2 * len + 1);
  if (!o) return LF_ERR_NOMEM;
  size_t k = 0, i = 0;
  for (;;) {
    i = skip_blanks(buf, i, len);
    if (i >= len) break;
    if (buf[i] == '[') {
      i = split_array(buf, i, len, o, &k);
      continue;
    }
    size_t end = value_end(buf, i, len, 0);
    if (end == i) end = i + 1;
    emit(buf, i, end, o, &k);
    i = end;
  }
  *out = o;
  *out_len = k;
  return LF_OK;
}
