/*
 * lfb_json_decode — the decoder state shared by the public API (lfb_json.c) and the
 * schema-directed object decoder (lfb_json_decode.c). Internal to lfb_json.
 */
#ifndef LFB_JSON_DECODE_H
#define LFB_JSON_DECODE_H

#include "lf/lf_arrow.h"
#include "lfb_json_internal.h"

/* A scan position: the next byte and the end of the text being decoded. `lines`: the
 * text is a run of NDJSON lines decoded from the start of one, without looking for its
 * end first: a '\n' is not whitespace and ends the record (it reads like the end of the
 * text to every rule of the grammar). `le`: that line's end once a re-scan needed it. */
typedef struct jpos {
  const char *p, *end;
  int lines;
  const char *le;
} jpos;

typedef struct lfb_jdec {
  struct ArrowSchema schema;      /* owned copy of the data columns' schema */
  struct ArrowSchema meta_schema; /* owned; the metadata struct (when set) */
  jcol root;                      /* the data columns; root.len = rows pending */
  jcol rescued;                   /* utf8, when rescue_on */
  jcol meta;                      /* the metadata struct, when has_meta */
  char *rescued_name;             /* owned; NULL when no rescued column */
  int rescue_on, has_meta;
  uint32_t evolution;
  size_t max_line;
  jbuf rb;      /* the rescued JSON of the row being decoded */
  jbuf scratch; /* number and date text */
  jbuf keybuf;  /* unescaped keys */
  jbuf fpath;   /* the current file's path as the body of a JSON string */
  jbuf newf;    /* "name\0type\0" for add_new_columns / fail_on_new_columns */
  size_t n_newf;
  char ts_ymd[10];    /* the date of the last fast-path timestamp ("" at first) */
  int64_t ts_days;    /* its days since the epoch */
  char newfield[256]; /* the field that failed fail_on_new_columns */
} lfb_jdec;

/* Decodes one object at s->p ('{') into the data columns (s->p moves past it) and builds
 * its rescued text in d->rb (empty when nothing was rescued). On failure the columns
 * hold a partial row: the caller truncates d->root. */
int lfb_jdec_row(lfb_jdec *d, jpos *s);

#endif
