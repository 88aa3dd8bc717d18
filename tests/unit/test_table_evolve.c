/* test_table_evolve — schema evolution of an Iceberg table: comparing schemas (same,
 * additive incl. nested, widening, breaking), committing new columns (top level and
 * inside a struct) as a new schema with fresh ids, the table reopened from the store
 * agreeing, rows appended before the change reading back without the new columns (null
 * by name) and rows after with them, and breaking changes refused without a commit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "table/lfh_table.h"

#define TBL "cat/sch/users"

static char msg[1024];
static lf_error err;

static lf_error *err0(void) {
  lf_error_init(&err, msg, sizeof(msg));
  return &err;
}

/* Rows of v1 {id, user{name}} or (v2) v2 {id, user{name, city}, email}. */
static void rows(int v2, int64_t first, int64_t n, struct ArrowArray *a, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *id = lf_builder_add_child(b, "l", "id");
  lf_builder *user = lf_builder_add_child(b, "+s", "user");
  lf_builder *name = lf_builder_add_child(user, "u", "name");
  lf_builder *city = v2 ? lf_builder_add_child(user, "u", "city") : NULL;
  lf_builder *email = v2 ? lf_builder_add_child(b, "u", "email") : NULL;
  lf_builder_set_nullable(id, 0);
  for (int64_t r = first; r < first + n; r++) {
    char text[32];
    lf_builder_append_struct(b);
    lf_builder_append_int64(id, r);
    lf_builder_append_struct(user);
    snprintf(text, sizeof text, "u%lld", (long long)r);
    lf_builder_append_cstr(name, text);
    if (v2) {
      lf_builder_append_cstr(city, "rome");
      lf_builder_append_cstr(email, "a@b.c");
    }
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, a, s, err0()), LF_OK);
}

static void append(lfh_table *t, int v2, int64_t first, int64_t n) {
  struct ArrowArray a;
  struct ArrowSchema s;
  lfh_table_append *ap = NULL;
  rows(v2, first, n, &a, &s);
  CU_ASSERT_EQUAL_FATAL(lfh_table_append_begin(t, &s, &ap, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_table_append_batch(ap, &a, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_table_append_commit(ap, NULL, NULL, err0()), LF_OK);
  lfh_table_append_free(ap);
  lf_array_release(&a);
  lf_schema_release(&s);
}

static void schema_of(int v2, struct ArrowSchema *s) {
  struct ArrowArray a;
  rows(v2, 0, 0, &a, s);
  lf_array_release(&a);
}

static int child_index(const struct ArrowSchema *s, const char *name) {
  for (int64_t i = 0; i < s->n_children; i++)
    if (strcmp(s->children[i]->name, name) == 0) return (int)i;
  return -1;
}

typedef struct seen {
  int64_t rows, without_email, emails, names, cities;
} seen;

/* Non-null values of user.<field> in a batch (0 when the batch has no `user`). */
static int64_t user_field_count(const struct ArrowSchema *schema, const struct ArrowArray *batch,
                                const char *field) {
  int u = child_index(schema, "user");
  if (u < 0) return 0;
  int f = child_index(schema->children[u], field);
  lf_view v, user, col;
  if (f < 0 || lf_view_init(&v, schema, batch, NULL) != LF_OK ||
      lf_view_child(&v, u, &user) != LF_OK || lf_view_child(&user, f, &col) != LF_OK)
    return -1000; /* makes the count wrong, so the test fails */
  int64_t n = 0;
  for (int64_t i = 0; i < batch->length; i++) n += lf_view_is_valid(&col, i);
  return n;
}

/* Counts rows, batches lacking `email`, and non-null emails. A scan shapes the files
 * written before the evolution to the current schema: `email` is there, null. */
static int on_batch(void *ctx, const struct ArrowSchema *schema, struct ArrowArray *batch) {
  seen *s = ctx;
  int e = child_index(schema, "email");
  s->rows += batch->length;
  if (e < 0) s->without_email += batch->length;
  else s->emails += batch->children[e]->length - batch->children[e]->null_count;
  s->names += user_field_count(schema, batch, "name");
  s->cities += user_field_count(schema, batch, "city");
  lf_array_release(batch);
  return 0;
}

static const lfh_ice_field *field(const lfh_ice_type *t, const char *name) {
  for (size_t i = 0; i < t->n_fields; i++)
    if (strcmp(t->fields[i].name, name) == 0) return &t->fields[i];
  return NULL;
}

static void test_add_nested_and_top_level(void) {
  char *dir = lfh_test_tmpdir();
  lfh_store *st = lfh_store_open(dir, err0());
  lfh_table *t = NULL, *again = NULL;
  struct ArrowSchema v1, v2;
  schema_of(0, &v1);
  schema_of(1, &v2);
  CU_ASSERT_EQUAL_FATAL(lfh_table_create(st, TBL, &v1, NULL, &t, err0()), LF_OK);
  append(t, 0, 0, 10);
  const lfh_table_meta *m = lfh_table_metadata(t);
  int32_t last_before = m->last_column_id;
  char why[256];
  CU_ASSERT_EQUAL(lfh_table_schema_compare(lfh_table_meta_current_schema(m), &v1, why,
                                           sizeof why, err0()), LFH_SCHEMA_SAME);
  CU_ASSERT_EQUAL(lfh_table_schema_compare(lfh_table_meta_current_schema(m), &v2, why,
                                           sizeof why, err0()), LFH_SCHEMA_ADDITIVE);
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "adds column"));
  int changed = 0;
  CU_ASSERT_EQUAL_FATAL(lfh_table_evolve_schema(t, &v2, &changed, err0()), LF_OK);
  CU_ASSERT_EQUAL(changed, 1);
  m = lfh_table_metadata(t);
  const lfh_ice_schema *cur = lfh_table_meta_current_schema(m);
  CU_ASSERT_EQUAL(m->current_schema_id, 1);
  CU_ASSERT_EQUAL(cur->schema_id, 1);
  CU_ASSERT_EQUAL(m->n_schemas, 2);
  CU_ASSERT_EQUAL(m->last_column_id, last_before + 2);
  const lfh_ice_field *email = field(cur->root, "email");
  const lfh_ice_field *user = field(cur->root, "user");
  CU_ASSERT_PTR_NOT_NULL_FATAL(email);
  CU_ASSERT_PTR_NOT_NULL_FATAL(user);
  const lfh_ice_field *city = field(user->type, "city");
  CU_ASSERT_PTR_NOT_NULL_FATAL(city);
  CU_ASSERT_FALSE(email->required);
  CU_ASSERT_FALSE(city->required);
  CU_ASSERT_TRUE(email->id > last_before && city->id > last_before && email->id != city->id);
  CU_ASSERT_EQUAL(field(cur->root, "id")->id, 1); /* old ids kept */
  CU_ASSERT_EQUAL((int64_t)m->n_metadata_log, lfh_table_version(t) - 1);
  /* evolving again to the same schema commits nothing */
  int64_t v = lfh_table_version(t);
  CU_ASSERT_EQUAL(lfh_table_evolve_schema(t, &v2, &changed, err0()), LF_OK);
  CU_ASSERT_EQUAL(changed, 0);
  CU_ASSERT_EQUAL(lfh_table_version(t), v);
  append(t, 1, 10, 5);
  /* a fresh handle reads the evolved schema from the store */
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(st, TBL, &again, err0()), LF_OK);
  CU_ASSERT_TRUE(lfh_ice_schema_equal(lfh_table_meta_current_schema(lfh_table_metadata(again)),
                                      lfh_table_meta_current_schema(lfh_table_metadata(t))));
  seen s = {0, 0, 0, 0, 0};
  lfh_scan_opts o;
  memset(&o, 0, sizeof o);
  CU_ASSERT_EQUAL(lfh_table_scan(again, &o, on_batch, &s, err0()), LF_OK);
  CU_ASSERT_EQUAL(s.rows, 15);
  CU_ASSERT_EQUAL(s.without_email, 0); /* the 10 old rows too, as NULL */
  CU_ASSERT_EQUAL(s.emails, 5);
  CU_ASSERT_EQUAL(s.names, 15); /* the nested struct keeps its old field */
  CU_ASSERT_EQUAL(s.cities, 5); /* and gains the new one, NULL in old rows */
  /* a projection naming a column the old files lack */
  static const char *const cols[] = {"email", "id"};
  lfh_scan_opts po = {.columns = cols, .n_columns = 2};
  seen p = {0, 0, 0, 0, 0};
  CU_ASSERT_EQUAL(lfh_table_scan(again, &po, on_batch, &p, err0()), LF_OK);
  CU_ASSERT_EQUAL(p.rows, 15);
  CU_ASSERT_EQUAL(p.without_email, 0);
  CU_ASSERT_EQUAL(p.emails, 5);
  lfh_table_close(again);
  lfh_table_close(t);
  lf_schema_release(&v1);
  lf_schema_release(&v2);
  lfh_store_close(st);
  lfh_test_rmtree(dir);
  free(dir);
}

/* A one-column schema {x: format}. */
static void one(const char *format, const char *name, struct ArrowSchema *s) {
  CU_ASSERT_EQUAL_FATAL(lf_schema_init(s, "+s", "", 0, err0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lf_schema_add_child(s, format, name, ARROW_FLAG_NULLABLE, NULL, err0()),
                        LF_OK);
}

static void test_breaking_and_widening(void) {
  char *dir = lfh_test_tmpdir();
  lfh_store *st = lfh_store_open(dir, err0());
  lfh_table *t = NULL;
  struct ArrowSchema s_int, s_long, s_str, s_other;
  one("i", "x", &s_int);
  one("l", "x", &s_long);
  one("u", "x", &s_str);
  one("i", "y", &s_other);
  CU_ASSERT_EQUAL_FATAL(lfh_table_create(st, TBL, &s_int, NULL, &t, err0()), LF_OK);
  int64_t v = lfh_table_version(t);
  char why[256];
  const lfh_ice_schema *cur = lfh_table_meta_current_schema(lfh_table_metadata(t));
  CU_ASSERT_EQUAL(lfh_table_schema_compare(cur, &s_str, why, sizeof why, err0()),
                  LFH_SCHEMA_BREAKING);
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "not a widening"));
  CU_ASSERT_EQUAL(lfh_table_schema_compare(cur, &s_other, why, sizeof why, err0()),
                  LFH_SCHEMA_BREAKING);
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "drops column x"));
  int changed = 1;
  CU_ASSERT_EQUAL(lfh_table_evolve_schema(t, &s_str, &changed, err0()), LF_ERR_SCHEMA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "x"));
  CU_ASSERT_EQUAL(changed, 0);
  CU_ASSERT_EQUAL(lfh_table_evolve_schema(t, &s_other, &changed, err0()), LF_ERR_SCHEMA);
  CU_ASSERT_EQUAL(lfh_table_version(t), v); /* nothing committed */
  /* int -> long is a widening: evolved in place, same field id */
  CU_ASSERT_EQUAL(lfh_table_schema_compare(cur, &s_long, why, sizeof why, err0()),
                  LFH_SCHEMA_ADDITIVE);
  CU_ASSERT_EQUAL(lfh_table_evolve_schema(t, &s_long, &changed, err0()), LF_OK);
  CU_ASSERT_EQUAL(changed, 1);
  cur = lfh_table_meta_current_schema(lfh_table_metadata(t));
  CU_ASSERT_EQUAL(cur->root->fields[0].type->kind, LFH_ICE_LONG);
  CU_ASSERT_EQUAL(cur->root->fields[0].id, 1);
  /* add_columns with a partial schema keeps what it does not name */
  CU_ASSERT_EQUAL(lfh_table_add_columns(t, &s_other, err0()), LF_OK);
  cur = lfh_table_meta_current_schema(lfh_table_metadata(t));
  CU_ASSERT_EQUAL(cur->root->n_fields, 2);
  CU_ASSERT_EQUAL(lfh_table_add_columns(t, &s_other, err0()), LF_ERR_INVALID);
  lfh_table_close(t);
  lf_schema_release(&s_int);
  lf_schema_release(&s_long);
  lf_schema_release(&s_str);
  lf_schema_release(&s_other);
  lfh_store_close(st);
  lfh_test_rmtree(dir);
  free(dir);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"add top-level and nested columns", test_add_nested_and_top_level},
      {"breaking refused, widening evolves", test_breaking_and_widening},
      {NULL, NULL}};
  return lfh_test_run("table_evolve", cases);
}
