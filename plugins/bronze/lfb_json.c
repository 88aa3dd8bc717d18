/* lfb_json.c — the public face of lfb_json (lfb_json.h): decoder lifetime, splitting a
 * buffer into lines (or the elements of a JSON-array file), corrupt records, the
 * rescued and metadata columns, and handing batches out. */
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "lfb_json.h"
#include "lfb_json_decode.h"

struct lfb_json_decoder {
  lfb_jdec j;
};

/* The per-call context of lfb_json_decode. */
typedef struct jcall {
  lfb_jdec *d;
  const lfb_json_file *file;
  const char *fname; /* basename of the path */
  size_t path_len, fname_len; /* measured once per call, not per row */
  lfb_json_stats *st;
  int64_t line_no;
} jcall;

static int meta_schema(lfb_jdec *d, const char *name, lf_error *err) {
  static const struct {
    const char *name, *format;
  } kids[] = {{"file_path", "u"}, {"file_name", "u"}, {"file_size", "l"},
              {"file_modification_time", "tsu:UTC"}};
  int rc = lf_schema_init(&d->meta_schema, "+s", name, ARROW_FLAG_NULLABLE, err);
  for (size_t i = 0; rc == LF_OK && i < sizeof kids / sizeof kids[0]; i++)
    rc = lf_schema_add_child(&d->meta_schema, kids[i].format, kids[i].name, ARROW_FLAG_NULLABLE,
                             NULL, err);
  return rc;
}

int lfb_json_decoder_new(const lfb_json_opts *opts, lfb_json_decoder **out, lf_error *err) {
  *out = NULL;
  if (!opts || !opts->schema || !opts->schema->format || strcmp(opts->schema->format, "+s") != 0)
    return lf_error_set(err, LF_ERR_SCHEMA, "the JSON schema must be a struct of columns");
  if (opts->evolution > LFB_EVOLVE_NONE)
    return lf_error_set(err, LF_ERR_INVALID, "unknown schema evolution mode %u", opts->evolution);
  lfb_json_decoder *dec = calloc(1, sizeof *dec);
  if (!dec) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  lfb_jdec *d = &dec->j;
  d->evolution = opts->evolution;
  d->max_line = opts->max_line_bytes ? opts->max_line_bytes : (size_t)64 << 20;
  int rc = lf_schema_copy(&d->schema, opts->schema, err);
  if (rc == LF_OK) rc = lfb_col_init(&d->root, &d->schema, "", err);
  if (rc == LF_OK && opts->rescued_column && *opts->rescued_column) {
    d->rescue_on = 1;
    d->rescued.kind = K_UTF8;
    size_t n = strlen(opts->rescued_column) + 1;
    if ((d->rescued_name = malloc(n)) != NULL) memcpy(d->rescued_name, opts->rescued_column, n);
    else rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  }
  if (rc == LF_OK && opts->metadata_column && *opts->metadata_column) {
    d->has_meta = 1;
    rc = meta_schema(d, opts->metadata_column, err);
    if (rc == LF_OK) rc = lfb_col_init(&d->meta, &d->meta_schema, "", err);
  }
  if (rc != LF_OK) {
    lfb_json_decoder_free(dec);
    return rc;
  }
  *out = dec;
  return LF_OK;
}

void lfb_json_decoder_free(lfb_json_decoder *dec) {
  if (!dec) return;
  lfb_jdec *d = &dec->j;
  lfb_col_free(&d->root);
  lfb_col_free(&d->rescued);
  lfb_col_free(&d->meta);
  lf_schema_release(&d->schema);
  lf_schema_release(&d->meta_schema);
  free(d->rescued_name);
  free(d->rb.p);
  free(d->scratch.p);
  free(d->keybuf.p);
  free(d->fpath.p);
  free(d->newf.p);
  free(dec);
}

/* Data columns are nullable whatever the DDL says (Spark reads files that way: a corrupt
 * record or a missing field is NULL); map entries and keys stay non-nullable. */
static void make_nullable(struct ArrowSchema *s) {
  int is_map = s->format && strcmp(s->format, "+m") == 0;
  for (int64_t i = 0; i < s->n_children; i++) {
    struct ArrowSchema *k = s->children[i];
    if (is_map) {
      if (k->n_children == 2) {
        k->children[1]->flags |= ARROW_FLAG_NULLABLE;
        make_nullable(k->children[1]);
      }
      continue;
    }
    k->flags |= ARROW_FLAG_NULLABLE;
    make_nullable(k);
  }
}

int lfb_json_output_schema(const lfb_json_decoder *dec, struct ArrowSchema *out, lf_error *err) {
  const lfb_jdec *d = &dec->j;
  int rc = lf_schema_copy(out, &d->schema, err);
  if (rc != LF_OK) return rc;
  make_nullable(out);
  if (d->rescue_on)
    rc = lf_schema_add_child(out, "u", d->rescued_name, ARROW_FLAG_NULLABLE, NULL, err);
  if (rc == LF_OK && d->has_meta) {
    struct ArrowSchema *m = NULL;
    rc = lf_schema_add_child(out, "+s", d->meta_schema.name, ARROW_FLAG_NULLABLE, &m, err);
    for (int64_t i = 0; rc == LF_OK && i < d->meta_schema.n_children; i++) {
      const struct ArrowSchema *k = d->meta_schema.children[i];
      rc = lf_schema_add_child(m, k->format, k->name, k->flags, NULL, err);
    }
  }
  if (rc != LF_OK) lf_schema_release(out);
  return rc;
}

/* ------------------------------------------------------------ rows */

/* The rescued value of the row just decoded (or made corrupt). The rescued column lags
 * behind: rows that rescue nothing get their NULLs in bulk (fill_tails), as do the
 * metadata values, the same for every row of a call. */
static int finish_row(jcall *c, int rescued) {
  lfb_jdec *d = c->d;
  int rc = J_OK;
  if (d->rescue_on && rescued) {
    rc = lfb_col_null_strs(&d->rescued, d->root.len - 1 - d->rescued.len);
    if (rc == J_OK) rc = lfb_col_append_str(&d->rescued, d->rb.p, d->rb.len, 0);
    c->st->rescued_rows++;
  }
  c->st->lines++;
  c->st->rows++;
  return rc;
}

/* The rescued NULLs and metadata values of the rows the call appended, up to
 * root.len. On failure every column is cut back to the rows that have them all. */
static int fill_tails(jcall *c) {
  lfb_jdec *d = c->d;
  int rc = J_OK;
  if (d->rescue_on) rc = lfb_col_null_strs(&d->rescued, d->root.len - d->rescued.len);
  if (rc == J_OK && d->has_meta) {
    jcol *k = d->meta.kids;
    const lfb_json_file *f = c->file;
    const char *path = f && f->path ? f->path : "";
    int64_t size = f ? f->size : 0, mtime = f ? f->mtime_us : 0, n = d->root.len - d->meta.len;
    if ((rc = lfb_col_repeat_str(&k[0], path, c->path_len, n)) == J_OK &&
        (rc = lfb_col_repeat_str(&k[1], c->fname, c->fname_len, n)) == J_OK &&
        (rc = lfb_col_repeat_fixed(&k[2], &size, 8, n)) == J_OK &&
        (rc = lfb_col_repeat_fixed(&k[3], &mtime, 8, n)) == J_OK)
      d->meta.len += n;
  }
  if (rc != J_OK) {
    int64_t keep = d->root.len;
    if (d->rescue_on && d->rescued.len < keep) keep = d->rescued.len;
    if (d->has_meta && d->meta.len < keep) keep = d->meta.len;
    lfb_col_truncate(&d->root, keep);
    if (d->rescue_on) lfb_col_truncate(&d->rescued, keep);
    if (d->has_meta) lfb_col_truncate(&d->meta, keep);
  }
  return rc;
}

/* A record that is not a JSON object: every data column NULL, the raw text rescued. */
static int corrupt_row(jcall *c, int64_t rows, const char *raw, size_t n) {
  lfb_jdec *d = c->d;
  lfb_col_truncate(&d->root, rows);
  if (lfb_col_append_null(&d->root) != J_OK) return J_NOMEM;
  if (n > d->max_line) n = d->max_line; /* an over-long line keeps its head */
  d->rb.len = 0;
  if (d->rescue_on &&
      (jbuf_put(&d->rb, "{\"_corrupt_record\":\"", 20) != J_OK ||
       lfb_json_escape(&d->rb, raw, n) != J_OK ||
       jbuf_put(&d->rb, "\",\"_file_path\":\"", 16) != J_OK ||
       jbuf_put(&d->rb, d->fpath.p, d->fpath.len) != J_OK || jbuf_put(&d->rb, "\"}", 2) != J_OK))
    return J_NOMEM;
  c->st->corrupt_rows++;
  return finish_row(c, 1);
}

/* The object at s (s->p at '{'); *s moves past it. J_SYNTAX leaves the row to the
 * caller (a corrupt record); other failures end the call. */
static int object_row(jcall *c, jpos *s) {
  lfb_jdec *d = c->d;
  int64_t rows = d->root.len;
  int rc = lfb_jdec_row(d, s);
  if (rc != J_OK) {
    lfb_col_truncate(&d->root, rows);
    return rc;
  }
  return finish_row(c, d->rb.len > 0);
}

static int call_error(jcall *c, int rc, lf_error *err) {
  const char *path = c->file && c->file->path ? c->file->path : "(buffer)";
  switch (rc) {
  case J_NEWFIELD:
    return lf_error_set(err, LF_ERR_SCHEMA,
                        "%s:%lld: new field '%s' is not in the schema "
                        "(schema_evolution_mode: fail_on_new_columns)",
                        path, (long long)c->line_no, c->d->newfield);
  case J_TOOBIG:
    return lf_error_set(err, LF_ERR_DATA,
                        "%s:%lld: a column of the batch passed 2 GiB; finish batches sooner",
                        path, (long long)c->line_no);
  default:
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory decoding %s", path);
  }
}

/* The line [ls, le) of NDJSON once its end is known: a corrupt record, or the failure
 * `rc` of decoding it (the row already cut back to `rows`). */
static int ndjson_line_slow(jcall *c, const char *ls, const char *le, const char *p, int rc) {
  lfb_jdec *d = c->d;
  const char *raw_end = le > ls && le[-1] == '\r' ? le - 1 : le;
  if ((size_t)(le - ls) > d->max_line || *p != '{' || rc == J_OK || rc == J_SYNTAX)
    return corrupt_row(c, d->root.len, ls, (size_t)(raw_end - ls));
  return rc;
}

/* The NDJSON line starting at ls in [ls, end): decoded without looking for its end
 * first (the object's end shows it: only whitespace may follow up to the '\n'). *next
 * gets the start of the next line. The text the decoder may read is capped just past
 * max_line_bytes, so an over-long line fails there and is found out below. */
static int ndjson_line(jcall *c, const char *ls, const char *end, const char **next) {
  lfb_jdec *d = c->d;
  const char *p = lfb_skip_ws_in(ls, end, 1);
  if (p == end || *p == '\n') { /* empty or blank: no row */
    *next = p == end ? end : p + 1;
    return J_OK;
  }
  int64_t rows = d->root.len;
  int rc = J_SYNTAX;
  if (*p == '{') {
    const char *cap = (size_t)(end - ls) > d->max_line ? ls + d->max_line + 1 : end;
    jpos s = {p, cap, 1, NULL};
    rc = lfb_jdec_row(d, &s);
    if (rc == J_OK) {
      const char *q = lfb_skip_ws_in(s.p, end, 1);
      if ((q == end || *q == '\n') && (size_t)(q - ls) <= d->max_line) {
        *next = q == end ? end : q + 1;
        return finish_row(c, d->rb.len > 0);
      }
    }
    lfb_col_truncate(&d->root, rows);
  }
  const char *nl = memchr(ls, '\n', (size_t)(end - ls)), *le = nl ? nl : end;
  *next = nl ? nl + 1 : end;
  return ndjson_line_slow(c, ls, le, p, rc);
}

/* A buffer holding one JSON array of records (Auto Loader's multi-line JSON). After a
 * syntax error the rest cannot be split into records: it becomes one corrupt record. */
static int json_array(jcall *c, const char *p, const char *end) {
  lfb_jdec *d = c->d;
  p = lfb_skip_ws(p + 1, end);
  if (p < end && *p == ']') return (p = lfb_skip_ws(p + 1, end)) == end ? J_OK
                                   : corrupt_row(c, d->root.len, p, (size_t)(end - p));
  for (;;) {
    c->line_no++;
    const char *es = p;
    int rc;
    if (p < end && *p == '{') {
      jpos s = {p, end, 0, NULL};
      rc = object_row(c, &s);
      if (rc == J_SYNTAX) return corrupt_row(c, d->root.len, es, (size_t)(end - es));
      if (rc != J_OK) return rc;
      p = s.p;
    } else {
      const char *q = lfb_skip_value(p, end, 1);
      if (!q) return corrupt_row(c, d->root.len, es, (size_t)(end - es));
      if ((rc = corrupt_row(c, d->root.len, es, (size_t)(q - es))) != J_OK) return rc;
      p = q;
    }
    p = lfb_skip_ws(p, end);
    if (p < end && *p == ',') {
      p = lfb_skip_ws(p + 1, end);
      continue;
    }
    if (p < end && *p == ']') {
      p = lfb_skip_ws(p + 1, end);
      return p == end ? J_OK : corrupt_row(c, d->root.len, p, (size_t)(end - p));
    }
    return corrupt_row(c, d->root.len, p, (size_t)(end - p)); /* no ']': truncated */
  }
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

int lfb_json_decode(lfb_json_decoder *dec, const char *buf, size_t len, const lfb_json_file *file,
                    lfb_json_stats *stats, lf_error *err) {
  lfb_jdec *d = &dec->j;
  lfb_json_stats local;
  memset(&local, 0, sizeof local);
  jcall c = {d, file, "", 0, 0, stats ? stats : &local, 0};
  const char *path = file && file->path ? file->path : "";
  c.fname = base_name(path);
  c.path_len = strlen(path);
  c.fname_len = strlen(c.fname);
  d->fpath.len = 0;
  if (lfb_json_escape(&d->fpath, path, strlen(path)) != J_OK)
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  const char *p = buf, *end = buf + len;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3; /* a UTF-8 byte order mark */
  const char *first = lfb_skip_ws(p, end);
  int rc = J_OK;
  if (first < end && *first == '[') {
    rc = json_array(&c, first, end);
  } else {
    while (p < end && rc == J_OK) {
      c.line_no++;
      rc = ndjson_line(&c, p, end, &p);
    }
  }
  int trc = fill_tails(&c);
  if (rc == J_OK) rc = trc;
  c.st->new_fields = d->n_newf ? d->newf.p : NULL;
  c.st->n_new_fields = d->n_newf;
  return rc == J_OK ? LF_OK : call_error(&c, rc, err);
}

int64_t lfb_json_pending_rows(const lfb_json_decoder *dec) { return dec->j.root.len; }

int lfb_json_finish(lfb_json_decoder *dec, struct ArrowArray *out, lf_error *err) {
  lfb_jdec *d = &dec->j;
  jcol **cols = malloc((d->root.n_kids + 2) * sizeof *cols);
  if (!cols) return lf_error_set(err, LF_ERR_NOMEM, "out of memory finishing a JSON batch");
  uint32_t n = 0;
  for (uint32_t i = 0; i < d->root.n_kids; i++) cols[n++] = &d->root.kids[i];
  if (d->rescue_on) cols[n++] = &d->rescued;
  if (d->has_meta) cols[n++] = &d->meta;
  int rc = lfb_cols_export_root(cols, n, d->root.len, out);
  d->root.len = d->root.nulls = 0;
  d->n_newf = 0;
  d->newf.len = 0;
  if (rc != J_OK)
    for (uint32_t i = 0; i < n; i++) lfb_col_clear(cols[i]);
  free(cols);
  return rc == J_OK ? LF_OK
                    : lf_error_set(err, LF_ERR_NOMEM, "out of memory finishing a JSON batch");
}
