/*
 * example_upper — an lfhost plugin built only against the installed SDK.
 *
 * One TRANSFORM stage, `upper_case`, upper-cases (ASCII letters of) the utf8 columns
 * named in its `columns` option and passes every other column through untouched.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <lf/lf.h>

typedef struct upper_state {
  const lf_host *host;
  lf_stage_ctx *ctx;
  char **columns;       /* the `columns` option, copied */
  size_t n_columns;
  struct ArrowSchema input; /* negotiated input schema (our deep copy) */
  int *selected;            /* per input column: 1 when it is upper-cased */
} upper_state;

static void upper_destroy(void *state) {
  upper_state *st = state;
  if (!st) return;
  for (size_t i = 0; i < st->n_columns; i++) free(st->columns[i]);
  free(st->columns);
  lf_schema_release(&st->input);
  free(st->selected);
  free(st);
}

static char *dup_string(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static int upper_create(const lf_host *host, lf_stage_ctx *ctx, const lf_config *config,
                        void **state, lf_error *err) {
  int rc;
  upper_state *st = calloc(1, sizeof(*st));
  if (!st) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  st->host = host;
  st->ctx = ctx;
  size_t n = 0;
  rc = host->config_list_count(config, "columns", &n);
  if (rc != LF_OK || n == 0) {
    rc = lf_error_set(err, LF_ERR_INVALID, "option 'columns' must list at least one column");
    goto fail;
  }
  st->columns = calloc(n, sizeof(*st->columns));
  if (!st->columns) goto nomem;
  for (size_t i = 0; i < n; i++) {
    const char *name = NULL;
    rc = host->config_list_item(config, "columns", i, &name);
    if (rc != LF_OK || !name) {
      rc = lf_error_set(err, LF_ERR_INVALID, "cannot read columns[%zu]", i);
      goto fail;
    }
    st->columns[i] = dup_string(name);
    if (!st->columns[i]) goto nomem;
    st->n_columns = i + 1;
  }
  *state = st;
  return LF_OK;
nomem:
  rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
fail:
  upper_destroy(st);
  return rc;
}

/* Finds the listed columns in the input struct; each must exist and be utf8. The output
 * schema is the input schema: only values change. */
static int upper_negotiate(void *state, const struct ArrowSchema *input,
                           struct ArrowSchema *output, lf_error *err) {
  upper_state *st = state;
  if (!input || lf_format_type(input->format) != LF_TYPE_STRUCT)
    return lf_error_set(err, LF_ERR_SCHEMA, "upper_case expects a struct (record batch) input");
  int *selected = calloc((size_t)input->n_children + 1, sizeof(*selected));
  if (!selected) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  for (size_t c = 0; c < st->n_columns; c++) {
    int64_t found = -1;
    for (int64_t i = 0; i < input->n_children && found < 0; i++)
      if (input->children[i]->name && strcmp(input->children[i]->name, st->columns[c]) == 0)
        found = i;
    if (found < 0) {
      free(selected);
      return lf_error_set(err, LF_ERR_SCHEMA, "column '%s' is not in the input", st->columns[c]);
    }
    if (lf_format_type(input->children[found]->format) != LF_TYPE_UTF8) {
      free(selected);
      return lf_error_set(err, LF_ERR_SCHEMA, "column '%s' is '%s', not utf8 ('u')",
                          st->columns[c], input->children[found]->format);
    }
    selected[found] = 1;
  }
  lf_schema_release(&st->input);
  free(st->selected);
  st->selected = selected;
  int rc = lf_schema_copy(&st->input, input, err);
  if (rc != LF_OK) return rc;
  return lf_schema_copy(output, input, err);
}

/* A new utf8 column: `pad` null rows (the rows before the batch's struct offset, which
 * nobody reads), then the view's rows upper-cased. */
static int upper_column(const lf_view *col, int64_t pad, struct ArrowArray *out, lf_error *err) {
  lf_builder *b = lf_builder_new(LF_FORMAT_UTF8, lf_view_name(col));
  if (!b) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  char *tmp = NULL;
  size_t tmp_cap = 0;
  for (int64_t i = 0; i < pad; i++) lf_builder_append_null(b);
  for (int64_t r = 0; r < col->length; r++) {
    if (!lf_view_is_valid(col, r)) {
      lf_builder_append_null(b);
      continue;
    }
    size_t len = 0;
    const char *s = lf_view_utf8(col, r, &len);
    if (len > tmp_cap) {
      char *grown = realloc(tmp, len);
      if (!grown) break; /* the builder's append below would fail too; report below */
      tmp = grown;
      tmp_cap = len;
    }
    /* ASCII only: multi-byte UTF-8 sequences have every byte >= 0x80, left as is. */
    for (size_t k = 0; k < len; k++)
      tmp[k] = (char)((unsigned char)s[k] < 0x80 ? toupper((unsigned char)s[k]) : s[k]);
    lf_builder_append_utf8(b, tmp, len);
  }
  free(tmp);
  if (lf_builder_length(b) != pad + col->length) {
    lf_builder_free(b);
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory upper-casing '%s'", lf_view_name(col));
  }
  return lf_builder_finish(b, out, NULL, err);
}

static int upper_process(void *state, const lf_epoch *epoch, struct ArrowArray *in,
                         struct ArrowArray *out, lf_error *err) {
  (void)epoch;
  upper_state *st = state;
  struct ArrowArray *cols = NULL;
  int64_t n = 0;
  lf_view batch;
  int rc = lf_view_init(&batch, &st->input, in, err);
  if (rc != LF_OK) goto done;
  if (batch.null_count != 0 && batch.validity) {
    rc = lf_error_set(err, LF_ERR_DATA, "a record batch cannot have null rows");
    goto done;
  }
  n = lf_view_n_children(&batch);
  cols = calloc((size_t)n + 1, sizeof(*cols));
  if (!cols) {
    rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    goto done;
  }
  /* Build the replacements first (they read `in`), then move the untouched columns out
   * of `in`, which Arrow allows as long as the parent is released right after. */
  for (int64_t i = 0; i < n; i++) {
    if (!st->selected[i]) continue;
    lf_view col;
    lf_view_child(&batch, i, &col);
    rc = upper_column(&col, in->offset, &cols[i], err);
    if (rc != LF_OK) goto done;
  }
  int64_t length = in->length, offset = in->offset;
  for (int64_t i = 0; i < n; i++)
    if (!st->selected[i]) lf_array_move(in->children[i], &cols[i]);
  lf_array_release(in);
  rc = lf_array_make_struct(out, length, offset, cols, n, err);
  if (rc == LF_OK && st->host->counter_add)
    st->host->counter_add(st->ctx, "upper_case.rows", length);
done:
  for (int64_t i = 0; cols && i < n; i++) lf_array_release(&cols[i]);
  free(cols);
  lf_array_release(in); /* process takes ownership of `in`, also on failure */
  return rc;
}

static const lf_transform_vtable upper_vtable = {
    .struct_size = sizeof(lf_transform_vtable),
    .process = upper_process,
};

static const lf_config_option upper_options[] = {
    {.struct_size = sizeof(lf_config_option),
     .flags = LF_CONFIG_REQUIRED,
     .name = "columns",
     .type = LF_CONFIG_LIST,
     .doc = "Names of the utf8 columns to upper-case; each must exist in the input."},
};

static const lf_stage stages[] = {
    {.struct_size = sizeof(lf_stage),
     .kind = LF_STAGE_TRANSFORM,
     .name = "upper_case",
     .doc = "Upper-cases the ASCII letters of the listed utf8 columns and passes every "
            "other column through unchanged.",
     .options = upper_options,
     .n_options = sizeof(upper_options) / sizeof(upper_options[0]),
     .create = upper_create,
     .negotiate = upper_negotiate,
     .destroy = upper_destroy,
     .vtable = &upper_vtable},
};

static const lf_plugin plugin = {
    .struct_size = sizeof(lf_plugin),
    .magic = LF_PLUGIN_MAGIC,
    .abi_major = LF_ABI_MAJOR,
    .abi_minor = LF_ABI_MINOR,
    .name = "example_upper",
    .version = "0.1.0",
    .description = "Example out-of-tree plugin: upper-cases string columns",
    .stages = stages,
    .n_stages = sizeof(stages) / sizeof(stages[0]),
};

LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry(const lf_host *host) {
  if (!host || host->abi_major != LF_ABI_MAJOR) return NULL;
  return &plugin;
}
