/* test_quality_table — quarantine rows land in a real `<dataset>_quarantine` Iceberg table:
 * created from lfh_quality_quarantine_schema, appended over two batches, scanned back
 * with their columns, the rule names each row broke and the quarantine time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf.h"
#include "lfh_test.h"
#include "quality/lfh_quality.h"
#include "quality/lfh_row_json.h"
#include "store/lfh_store.h"
#include "table/lfh_table.h"

static char msg[1024];
static lf_error err;

static lf_error *e0(void) {
  lf_error_init(&err, msg, sizeof msg);
  return &err;
}

/* id, email, amount (nullable), user{id, country}: 6 rows from `first`. */
static void batch(int64_t first, struct ArrowArray *a, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *id = lf_builder_add_child(b, LF_FORMAT_INT64, "id");
  lf_builder *email = lf_builder_add_child(b, LF_FORMAT_UTF8, "email");
  lf_builder *amount = lf_builder_add_child(b, LF_FORMAT_DOUBLE, "amount");
  lf_builder *user = lf_builder_add_child(b, LF_FORMAT_STRUCT, "user");
  lf_builder *uc = lf_builder_add_child(user, LF_FORMAT_UTF8, "country");
  for (int64_t i = first; i < first + 6; i++) {
    char e[32];
    snprintf(e, sizeof e, i % 3 == 0 ? "user%lld" : "user%lld@x.com", (long long)i);
    lf_builder_append_struct(b);
    lf_builder_append_int64(id, i);
    lf_builder_append_cstr(email, e);
    i % 4 == 1 ? lf_builder_append_null(amount) : lf_builder_append_double(amount, (double)(i % 5) - 1);
    lf_builder_append_struct(user);
    lf_builder_append_cstr(uc, i % 2 ? "CH" : "DE");
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, a, s, e0()), LF_OK);
}

/* Verdicts computed in C: positive_amount (amount > 0; NULL fails), valid_email. */
static void verdicts(const struct ArrowArray *a, struct ArrowArray *out, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *pa = lf_builder_add_child(b, LF_FORMAT_BOOL, "positive_amount");
  lf_builder *ve = lf_builder_add_child(b, LF_FORMAT_BOOL, "valid_email");
  lf_builder_set_nullable(pa, 0);
  lf_builder_set_nullable(ve, 0);
  const int64_t *id = a->children[0]->buffers[1];
  for (int64_t i = 0; i < a->length; i++) {
    lf_builder_append_struct(b);
    lf_builder_append_bool(pa, id[i] % 4 != 1 && (id[i] % 5) - 1 > 0);
    lf_builder_append_bool(ve, id[i] % 3 != 0);
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, out, s, e0()), LF_OK);
}

typedef struct scanned {
  char text[8192];
  int64_t rows;
} scanned;

static int collect(void *ctx, const struct ArrowSchema *schema, struct ArrowArray *b) {
  scanned *s = ctx;
  for (int64_t i = 0; i < b->length; i++) {
    char *row = lfh_row_json(schema, b, i, NULL, 0, 200);
    CU_ASSERT_PTR_NOT_NULL(row);
    size_t at = strlen(s->text);
    snprintf(s->text + at, sizeof s->text - at, "%s\n", row ? row : "?");
    free(row);
  }
  s->rows += b->length;
  lf_array_release(b);
  return 0;
}

static int cmp_line(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of `text` sorted, rejoined (the scan's file order is not the commit order). */
static char *sorted_lines(const char *text) {
  char *copy = strdup(text), *lines[64], *save = NULL, *out = calloc(1, strlen(text) + 2);
  size_t n = 0;
  for (char *l = strtok_r(copy, "\n", &save); l && n < 64; l = strtok_r(NULL, "\n", &save))
    lines[n++] = l;
  qsort(lines, n, sizeof *lines, cmp_line);
  for (size_t i = 0; i < n; i++) strcat(strcat(out, lines[i]), "\n");
  free(copy);
  return out;
}

static void test_quarantine_table(void) {
  char *dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  lfh_store *store = lfh_store_open(dir, e0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(store);
  struct ArrowArray a, res;
  struct ArrowSchema s, rs, qs;
  batch(1, &a, &s);
  verdicts(&a, &res, &rs);
  lfh_quality_rules rules;
  lfh_quality_rules_init(&rules);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add(&rules, "positive_amount", "amount > 0",
                                              LFH_ON_VIOLATION_DROP, 1, NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add(&rules, "valid_email", "email LIKE '%@%'",
                                              LFH_ON_VIOLATION_WARN, 1, NULL, e0()), LF_OK);
  lfh_quality *q = NULL;
  lfh_quality_opts o = {.dataset = "silver_events"};
  CU_ASSERT_EQUAL_FATAL(lfh_quality_open(&rules, &s, &rs, &o, &q, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_quarantine_schema(&s, &qs, e0()), LF_OK);
  lfh_table *t = NULL;
  int rc = lfh_table_create(store, "main/default/silver_events" LFH_QUARANTINE_SUFFIX, &qs, NULL,
                            &t, e0());
  if (rc != LF_OK) fprintf(stderr, "\ncreate: %s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  /* Two batches (ids 1-6, 7-12), each appended as its own snapshot. */
  int64_t total = 0;
  for (int round = 0; round < 2; round++) {
    if (round == 1) {
      lf_array_release(&res);
      lf_schema_release(&rs);
      lf_schema_release(&s);
      batch(7, &a, &s);
      verdicts(&a, &res, &rs);
    }
    lfh_quality_out out;
    CU_ASSERT_EQUAL_FATAL(lfh_quality_apply(q, &a, &res, 1714564800000000 + round, &out, e0()),
                          LF_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out.quarantine.release);
    total += out.n_quarantined;
    lfh_table_append *ap = NULL;
    rc = lfh_table_append_begin(t, &qs, &ap, e0());
    if (rc == LF_OK) rc = lfh_table_append_batch(ap, &out.quarantine, e0());
    if (rc == LF_OK) rc = lfh_table_append_commit(ap, NULL, NULL, e0());
    if (rc != LF_OK) fprintf(stderr, "\nappend: %s\n", msg);
    CU_ASSERT_EQUAL(rc, LF_OK);
    lfh_table_append_free(ap);
    lf_array_release(&out.kept);
    lf_array_release(&out.quarantine);
  }
  lfh_table_close(t);
  /* Scan through a fresh handle. */
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(store, "main/default/silver_events_quarantine", &t, e0()),
                        LF_OK);
  scanned sc = {{0}, 0};
  lfh_scan_opts so = {0};
  rc = lfh_table_scan(t, &so, collect, &sc, e0());
  if (rc != LF_OK) fprintf(stderr, "\nscan: %s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  CU_ASSERT_EQUAL(sc.rows, total);
  /* ids 1..12: amount = id%5-1 (NULL when id%4==1) must be > 0; email fails when id%3==0. */
  static const char want[] =
      "{\"id\":1,\"email\":\"user1@x.com\",\"amount\":null,\"user\":{\"country\":\"CH\"},"
      "\"_quarantine_rules\":[\"positive_amount\"],\"_quarantined_at\":\"2024-05-01T12:00:00.000000Z\"}\n"
      "{\"id\":3,\"email\":\"user3\",\"amount\":2.0,\"user\":{\"country\":\"CH\"},"
      "\"_quarantine_rules\":[\"valid_email\"],\"_quarantined_at\":\"2024-05-01T12:00:00.000000Z\"}\n"
      "{\"id\":5,\"email\":\"user5@x.com\",\"amount\":null,\"user\":{\"country\":\"CH\"},"
      "\"_quarantine_rules\":[\"positive_amount\"],\"_quarantined_at\":\"2024-05-01T12:00:00.000000Z\"}\n"
      "{\"id\":6,\"email\":\"user6\",\"amount\":0.0,\"user\":{\"country\":\"DE\"},"
      "\"_quarantine_rules\":[\"positive_amount\",\"valid_email\"],"
      "\"_quarantined_at\":\"2024-05-01T12:00:00.000000Z\"}\n"
      "{\"id\":9,\"email\":\"user9\",\"amount\":null,\"user\":{\"country\":\"CH\"},"
      "\"_quarantine_rules\":[\"positive_amount\",\"valid_email\"],"
      "\"_quarantined_at\":\"2024-05-01T12:00:00.000001Z\"}\n"
      "{\"id\":10,\"email\":\"user10@x.com\",\"amount\":-1.0,\"user\":{\"country\":\"DE\"},"
      "\"_quarantine_rules\":[\"positive_amount\"],\"_quarantined_at\":\"2024-05-01T12:00:00.000001Z\"}\n"
      "{\"id\":11,\"email\":\"user11@x.com\",\"amount\":0.0,\"user\":{\"country\":\"CH\"},"
      "\"_quarantine_rules\":[\"positive_amount\"],\"_quarantined_at\":\"2024-05-01T12:00:00.000001Z\"}\n"
      "{\"id\":12,\"email\":\"user12\",\"amount\":1.0,\"user\":{\"country\":\"DE\"},"
      "\"_quarantine_rules\":[\"valid_email\"],\"_quarantined_at\":\"2024-05-01T12:00:00.000001Z\"}\n";
  char *got = sorted_lines(sc.text), *exp = sorted_lines(want);
  CU_ASSERT_STRING_EQUAL(got, exp);
  if (strcmp(got, exp) != 0) fprintf(stderr, "\ngot:\n%s", got);
  free(got);
  free(exp);
  CU_ASSERT_EQUAL(lfh_quality_quarantined(q), 8);
  lfh_table_close(t);
  lfh_quality_close(q);
  lfh_quality_rules_free(&rules);
  lf_array_release(&res);
  lf_schema_release(&rs);
  lf_schema_release(&s);
  lf_schema_release(&qs);
  lfh_store_close(store);
  lfh_test_rmtree(dir);
  free(dir);
}

int main(void) {
  static const lfh_test_case cases[] = {{"quarantine rows in a table", test_quarantine_table},
                                        {NULL, NULL}};
  return lfh_test_run("quality_table", cases);
}
