/* test_quality — the expectation applier on real batches: warn, drop, fail, quarantine,
 * NULL verdicts, several rules broken by one row, unique across batches (with rollback of
 * a failed batch), the fail message with redaction, metrics JSON, rules from a bundle,
 * the quarantine schema, the key set and the row renderer.
 *
 * The verdict structs here are built by hand the way an EXPECTATION stage answers
 * (non-nullable booleans, true = pass), from predicates computed in C over the same data;
 * test_quality_plugin runs the real plugin and engine. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf.h"
#include "lfh_test.h"
#include "loader/lfh_hostapi.h"
#include "quality/lfh_keyset.h"
#include "quality/lfh_quality.h"
#include "quality/lfh_row_json.h"

static char msg[2048];
static lf_error err;

static lf_error *e0(void) {
  lf_error_init(&err, msg, sizeof msg);
  return &err;
}

/* ------------------------------------------------------------ the events batch */

/* 7 rows:
 *  i id email            amount user{id,country}  token          tags
 *  0 1  a@x.com          10.0   {100,CH}          tokA           []
 *  1 2  bob@example.com  -5.0   {101,DE}          s3cr3t-token   [x, hunter2]
 *  2 3  bad-email        NULL   NULL              tokC           NULL
 *  3 4  NULL             0.0    {103,NULL}        tokD           [t]
 *  4 5  e@x.com          7.5    {104,FR}          NULL           []
 *  5 6  f@x.com          3.0    {100,CH}          tokF           []
 *  6 7  nope             1.0    {105,CH}          tokG           []
 * `token` is flagged secret in its field metadata. */
#define N_EVENTS 7
static const char *const ev_email[N_EVENTS] = {"a@x.com", "bob@example.com", "bad-email", NULL,
                                               "e@x.com", "f@x.com", "nope"};
static const double ev_amount[N_EVENTS] = {10.0, -5.0, 0, 0.0, 7.5, 3.0, 1.0};
static const int ev_amount_null[N_EVENTS] = {0, 0, 1, 0, 0, 0, 0};

/* Arrow metadata {"lf.secret": "true"}. */
static const char secret_md[] = "\x01\x00\x00\x00"
                                "\x09\x00\x00\x00lf.secret"
                                "\x04\x00\x00\x00true";

static void events(struct ArrowArray *a, struct ArrowSchema *s) {
  static const char *const country[N_EVENTS] = {"CH", "DE", NULL, NULL, "FR", "CH", "CH"};
  static const char *const token[N_EVENTS] = {"tokA", "s3cr3t-token", "tokC", "tokD",
                                              NULL,   "tokF",         "tokG"};
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *id = lf_builder_add_child(b, LF_FORMAT_INT64, "id");
  lf_builder *email = lf_builder_add_child(b, LF_FORMAT_UTF8, "email");
  lf_builder *amount = lf_builder_add_child(b, LF_FORMAT_DOUBLE, "amount");
  lf_builder *user = lf_builder_add_child(b, LF_FORMAT_STRUCT, "user");
  lf_builder *uid = lf_builder_add_child(user, LF_FORMAT_INT64, "id");
  lf_builder *uc = lf_builder_add_child(user, LF_FORMAT_UTF8, "country");
  lf_builder *tok = lf_builder_add_child(b, LF_FORMAT_UTF8, "token");
  lf_builder *tags = lf_builder_add_child(b, LF_FORMAT_LIST, "tags");
  lf_builder *tag = lf_builder_add_child(tags, LF_FORMAT_UTF8, "item");
  for (int i = 0; i < N_EVENTS; i++) {
    lf_builder_append_struct(b);
    lf_builder_append_int64(id, i + 1);
    ev_email[i] ? lf_builder_append_cstr(email, ev_email[i]) : lf_builder_append_null(email);
    ev_amount_null[i] ? lf_builder_append_null(amount) : lf_builder_append_double(amount, ev_amount[i]);
    if (i == 2) {
      lf_builder_append_null(user);
    } else {
      lf_builder_append_struct(user);
      lf_builder_append_int64(uid, 100 + i - (i == 5 ? 5 : 0));
      country[i] ? lf_builder_append_cstr(uc, country[i]) : lf_builder_append_null(uc);
    }
    token[i] ? lf_builder_append_cstr(tok, token[i]) : lf_builder_append_null(tok);
    if (i == 1) {
      lf_builder_append_cstr(tag, "x");
      lf_builder_append_cstr(tag, "hunter2");
    }
    if (i == 3) lf_builder_append_cstr(tag, "t");
    i == 2 ? lf_builder_append_null(tags) : lf_builder_append_list(tags);
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, a, s, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lf_schema_set_metadata(s->children[4], secret_md, e0()), LF_OK);
}

/* The predicates, computed in C with SQL's rule: only TRUE passes. */
static int positive_amount(int i) { return !ev_amount_null[i] && ev_amount[i] > 0; }
static int valid_email(int i) { return ev_email[i] && strchr(ev_email[i], '@') != NULL; }
static int always(int i) { return i >= 0; }

typedef int (*pred_fn)(int);

/* A stage-shaped answer: struct of non-nullable booleans named after the rules. */
static void verdicts(const char *const *names, const pred_fn *preds, size_t n_rules, int rows,
                     struct ArrowArray *a, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *cols[8];
  for (size_t r = 0; r < n_rules; r++) {
    cols[r] = lf_builder_add_child(b, LF_FORMAT_BOOL, names[r]);
    lf_builder_set_nullable(cols[r], 0);
  }
  for (int i = 0; i < rows; i++) {
    lf_builder_append_struct(b);
    for (size_t r = 0; r < n_rules; r++) lf_builder_append_bool(cols[r], preds[r](i));
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, a, s, e0()), LF_OK);
}

/* ids (column 0) of a batch, as "1,5,6". */
static void ids_of(const struct ArrowArray *a, char *buf, size_t cap) {
  buf[0] = '\0';
  const struct ArrowArray *c = a->children[0];
  const int64_t *v = c->buffers[1];
  for (int64_t i = 0; i < a->length; i++) {
    size_t at = strlen(buf);
    snprintf(buf + at, cap - at, "%s%lld", i ? "," : "", (long long)v[c->offset + a->offset + i]);
  }
}

/* A fixture: two expression rules over the events batch with the given modes. */
typedef struct fx {
  lfh_quality_rules rules;
  struct ArrowSchema schema, rschema;
  struct ArrowArray batch, results;
  lfh_quality *q;
} fx;

static const char *const two_names[] = {"positive_amount", "valid_email"};
static const pred_fn two_preds[] = {positive_amount, valid_email};

static void fx_open(fx *f, uint32_t v1, int q1, uint32_t v2, int q2,
                    const lfh_quality_opts *opts_in) {
  memset(f, 0, sizeof *f);
  lfh_quality_rules_init(&f->rules);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add(&f->rules, "positive_amount", "amount > 0", v1, q1,
                                              NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add(&f->rules, "valid_email", "email LIKE '%@%'", v2,
                                              q2, NULL, e0()), LF_OK);
  events(&f->batch, &f->schema);
  verdicts(two_names, two_preds, 2, N_EVENTS, &f->results, &f->rschema);
  lfh_quality_opts o = {.dataset = "silver_events", .flow = "clean_events"};
  int rc = lfh_quality_open(&f->rules, &f->schema, &f->rschema, opts_in ? opts_in : &o, &f->q, e0());
  if (rc != LF_OK) fprintf(stderr, "\nopen: %s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
}

static void fx_close(fx *f) {
  lfh_quality_close(f->q);
  lfh_quality_rules_free(&f->rules);
  lf_array_release(&f->batch);
  lf_array_release(&f->results);
  lf_schema_release(&f->schema);
  lf_schema_release(&f->rschema);
}

static void check_counts(const lfh_quality *q, size_t r, int64_t passed, int64_t failed) {
  int64_t p = -1, f = -1;
  lfh_quality_rule_counts(q, r, &p, &f);
  CU_ASSERT_EQUAL(p, passed);
  CU_ASSERT_EQUAL(f, failed);
}

/* ------------------------------------------------------------ violation modes */

static void test_warn(void) {
  fx f;
  fx_open(&f, LFH_ON_VIOLATION_WARN, 0, LFH_ON_VIOLATION_WARN, 0, NULL);
  const void *data = f.batch.children[0]->buffers[1];
  lfh_quality_out out;
  CU_ASSERT_EQUAL_FATAL(lfh_quality_apply(f.q, &f.batch, &f.results, 0, &out, e0()), LF_OK);
  CU_ASSERT_PTR_NULL(f.batch.release); /* moved in */
  CU_ASSERT_EQUAL(out.kept.length, N_EVENTS);
  CU_ASSERT_PTR_EQUAL(out.kept.children[0]->buffers[1], data); /* nothing dropped: no copy */
  CU_ASSERT_PTR_NULL(out.quarantine.release);
  CU_ASSERT_EQUAL(out.n_dropped, 0);
  /* amount: -5, NULL and 0.0 fail; email: 'bad-email', NULL and 'nope' fail. */
  check_counts(f.q, 0, 4, 3);
  check_counts(f.q, 1, 4, 3);
  CU_ASSERT_EQUAL(lfh_quality_dropped(f.q), 0);
  lf_array_release(&out.kept);
  fx_close(&f);
}

static void test_drop(void) {
  fx f;
  char ids[128];
  fx_open(&f, LFH_ON_VIOLATION_DROP, 0, LFH_ON_VIOLATION_WARN, 0, NULL);
  lfh_quality_out out;
  CU_ASSERT_EQUAL_FATAL(lfh_quality_apply(f.q, &f.batch, &f.results, 0, &out, e0()), LF_OK);
  ids_of(&out.kept, ids, sizeof ids);
  CU_ASSERT_STRING_EQUAL(ids, "1,5,6,7"); /* the NULL amount (id 3) is dropped too */
  CU_ASSERT_EQUAL(out.n_dropped, 3);
  CU_ASSERT_PTR_NULL(out.quarantine.release);
  /* The kept rows are whole rows: email of the 4th kept row. */
  lf_view v, c;
  CU_ASSERT_EQUAL_FATAL(lf_view_init(&v, &f.schema, &out.kept, e0()), LF_OK);
  lf_view_child(&v, 1, &c);
  size_t n = 0;
  const char *s = lf_view_utf8(&c, 3, &n);
  CU_ASSERT_EQUAL(n, 4);
  CU_ASSERT_EQUAL(memcmp(s, "nope", 4), 0);
  lf_array_release(&out.kept);
  /* Both rules drop: the union of their failures goes. A second batch accumulates. */
  lfh_quality_close(f.q);
  f.rules.items[1].on_violation = LFH_ON_VIOLATION_DROP;
  CU_ASSERT_EQUAL_FATAL(lfh_quality_open(&f.rules, &f.schema, &f.rschema,
                                         &(lfh_quality_opts){.dataset = "d"}, &f.q, e0()), LF_OK);
  for (int round = 0; round < 2; round++) {
    struct ArrowArray b;
    struct ArrowSchema s2;
    events(&b, &s2);
    CU_ASSERT_EQUAL_FATAL(lfh_quality_apply(f.q, &b, &f.results, 0, &out, e0()), LF_OK);
    ids_of(&out.kept, ids, sizeof ids);
    CU_ASSERT_STRING_EQUAL(ids, "1,5,6");
    CU_ASSERT_EQUAL(out.n_dropped, 4);
    lf_array_release(&out.kept);
    lf_schema_release(&s2);
  }
  CU_ASSERT_EQUAL(lfh_quality_dropped(f.q), 8);
  check_counts(f.q, 0, 8, 6);
  check_counts(f.q, 1, 8, 6);
  fx_close(&f);
}

/* Reads the quarantine rows back: id, rules (joined with '|'), time. */
static void quarantine_rows(const struct ArrowArray *q, const struct ArrowSchema *qs, char *buf,
                            size_t cap, int64_t want_time) {
  lf_view v, id, rules, item, at;
  int rc = lf_view_init(&v, qs, q, e0());
  if (rc != LF_OK) fprintf(stderr, "\nquarantine view: %s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  int64_t nc = lf_view_n_children(&v);
  lf_view_child(&v, 0, &id);
  lf_view_child(&v, nc - 2, &rules);
  lf_view_child(&v, nc - 1, &at);
  lf_view_child(&rules, 0, &item);
  buf[0] = '\0';
  for (int64_t i = 0; i < v.length; i++) {
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "%s%lld:", i ? " " : "", (long long)lf_view_int64(&id, i));
    int64_t b, e;
    lf_view_list_range(&rules, i, &b, &e);
    for (int64_t j = b; j < e; j++) {
      size_t n = 0;
      const char *s = lf_view_utf8(&item, j, &n);
      len = strlen(buf);
      snprintf(buf + len, cap - len, "%s%.*s", j > b ? "|" : "", (int)n, s);
    }
    CU_ASSERT_EQUAL(lf_view_int64(&at, i), want_time);
  }
}

static void test_quarantine(void) {
  fx f;
  char ids[256];
  const int64_t now = 1714564800000000; /* 2024-05-01T12:00:00Z */
  /* drop + quarantine, and warn + quarantine: one row may break both. */
  fx_open(&f, LFH_ON_VIOLATION_DROP, 1, LFH_ON_VIOLATION_WARN, 1, NULL);
  lfh_quality_out out;
  CU_ASSERT_EQUAL_FATAL(lfh_quality_apply(f.q, &f.batch, &f.results, now, &out, e0()), LF_OK);
  ids_of(&out.kept, ids, sizeof ids);
  CU_ASSERT_STRING_EQUAL(ids, "1,5,6,7"); /* id 7 broke only the warn rule: kept too */
  CU_ASSERT_EQUAL(out.n_dropped, 3);
  CU_ASSERT_EQUAL(out.n_quarantined, 4);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out.quarantine.release);
  struct ArrowSchema qs;
  CU_ASSERT_EQUAL_FATAL(lfh_quality_quarantine_schema(&f.schema, &qs, e0()), LF_OK);
  quarantine_rows(&out.quarantine, &qs, ids, sizeof ids, now);
  CU_ASSERT_STRING_EQUAL(ids, "2:positive_amount 3:positive_amount|valid_email "
                              "4:positive_amount|valid_email 7:valid_email");
  /* The quarantined rows keep every column: the nested user of id 4 has a NULL country. */
  char *row = lfh_row_json(&qs, &out.quarantine, 2, NULL, 0, 100);
  CU_ASSERT_STRING_EQUAL(row, "{\"id\":4,\"email\":null,\"amount\":0.0,\"user\":{\"id\":103,"
                              "\"country\":null},\"token\":\"***\",\"tags\":[\"t\"],"
                              "\"_quarantine_rules\":[\"positive_amount\",\"valid_email\"],"
                              "\"_quarantined_at\":\"2024-05-01T12:00:00.000000Z\"}");
  free(row);
  CU_ASSERT_EQUAL(lfh_quality_quarantined(f.q), 4);
  lf_array_release(&out.kept);
  lf_array_release(&out.quarantine);
  lf_schema_release(&qs);
  fx_close(&f);
  /* Only the warn rule quarantines: the drop rule's rows are dropped, not quarantined. */
  fx_open(&f, LFH_ON_VIOLATION_DROP, 0, LFH_ON_VIOLATION_WARN, 1, NULL);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_apply(f.q, &f.batch, &f.results, now, &out, e0()), LF_OK);
  CU_ASSERT_EQUAL(out.n_quarantined, 3);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_quarantine_schema(&f.schema, &qs, e0()), LF_OK);
  quarantine_rows(&out.quarantine, &qs, ids, sizeof ids, now);
  CU_ASSERT_STRING_EQUAL(ids, "3:positive_amount|valid_email 4:positive_amount|valid_email "
                              "7:valid_email");
  lf_array_release(&out.kept);
  lf_array_release(&out.quarantine);
  lf_schema_release(&qs);
  fx_close(&f);
}

static void test_fail(void) {
  fx f;
  static const char *const pii[] = {"EMAIL", "user.id"}; /* matched case-insensitively */
  lfh_quality_opts o = {.dataset = "silver_events", .flow = "clean_events", .pii_columns = pii,
                        .n_pii = 2};
  CU_ASSERT_EQUAL(lfh_redact_register("hunter2"), 0); /* a secret value inside the data */
  fx_open(&f, LFH_ON_VIOLATION_WARN, 0, LFH_ON_VIOLATION_FAIL, 0, &o);
  /* A first batch that passes the fail rule: counted. */
  static const pred_fn all_pass[] = {always, always};
  struct ArrowArray ok_res, b1;
  struct ArrowSchema ok_s, s1;
  verdicts(two_names, all_pass, 2, N_EVENTS, &ok_res, &ok_s);
  events(&b1, &s1);
  lfh_quality_out out;
  CU_ASSERT_EQUAL_FATAL(lfh_quality_apply(f.q, &b1, &ok_res, 0, &out, e0()), LF_OK);
  lf_array_release(&out.kept);
  /* The real verdicts: valid_email fails on rows 2, 3 and 6. */
  int rc = lfh_quality_apply(f.q, &f.batch, &f.results, 0, &out, e0());
  CU_ASSERT_EQUAL(rc, LF_ERR_DATA);
  CU_ASSERT_PTR_NULL(f.batch.release);   /* released on failure too */
  CU_ASSERT_PTR_NULL(out.kept.release);
  CU_ASSERT_PTR_NULL(out.quarantine.release);
  CU_ASSERT_STRING_EQUAL(msg, "expectation 'valid_email' failed on dataset 'silver_events' "
                              "(flow 'clean_events'): 3 of 7 rows violate email LIKE '%@%'; "
                              "first failing row: {\"id\":3,\"email\":\"***\",\"amount\":null,"
                              "\"user\":null,\"token\":\"***\",\"tags\":null}");
  CU_ASSERT_PTR_NULL(strstr(msg, "bad-email"));
  CU_ASSERT_PTR_NULL(strstr(msg, "tokC"));
  /* Nothing of the failed batch was counted. */
  check_counts(f.q, 0, 7, 0);
  check_counts(f.q, 1, 7, 0);
  lf_array_release(&ok_res);
  lf_schema_release(&ok_s);
  lf_schema_release(&s1);
  fx_close(&f);

  /* The first failing row of positive_amount is id 2: its nested PII, its secret column
   * and a registered secret value in a list are all hidden. */
  fx_open(&f, LFH_ON_VIOLATION_FAIL, 0, LFH_ON_VIOLATION_WARN, 0, &o);
  CU_ASSERT_EQUAL(lfh_quality_apply(f.q, &f.batch, &f.results, 0, &out, e0()), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "expectation 'positive_amount' failed on dataset "
                                     "'silver_events' (flow 'clean_events'): 3 of 7 rows "
                                     "violate amount > 0"));
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "{\"id\":2,\"email\":\"***\",\"amount\":-5.0,\"user\":"
                                     "{\"id\":\"***\",\"country\":\"DE\"},\"token\":\"***\","
                                     "\"tags\":[\"x\",\"***\"]}"));
  CU_ASSERT_PTR_NULL(strstr(msg, "bob@"));
  CU_ASSERT_PTR_NULL(strstr(msg, "s3cr3t"));
  CU_ASSERT_PTR_NULL(strstr(msg, "hunter2"));
  fx_close(&f);
  lfh_hostapi_reset();
}

/* A NULL in the stage's answer (which the contract forbids) counts as a failure, and the
 * answer's offset is honoured. */
static void test_null_and_offset_verdicts(void) {
  fx f;
  fx_open(&f, LFH_ON_VIOLATION_DROP, 0, LFH_ON_VIOLATION_WARN, 0, NULL);
  /* Answer with 1 leading junk row and offset 1, and a nullable column with a NULL. */
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *c0 = lf_builder_add_child(b, LF_FORMAT_BOOL, "positive_amount");
  lf_builder *c1 = lf_builder_add_child(b, LF_FORMAT_BOOL, "valid_email");
  for (int i = -1; i < N_EVENTS; i++) {
    lf_builder_append_struct(b);
    i == 0 ? lf_builder_append_null(c0) : lf_builder_append_bool(c0, i < 0 ? 0 : 1);
    lf_builder_append_bool(c1, 1);
  }
  struct ArrowArray res;
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, &res, NULL, e0()), LF_OK);
  res.offset = 1;
  res.length = N_EVENTS;
  lfh_quality_out out;
  char ids[64];
  CU_ASSERT_EQUAL_FATAL(lfh_quality_apply(f.q, &f.batch, &res, 0, &out, e0()), LF_OK);
  ids_of(&out.kept, ids, sizeof ids);
  CU_ASSERT_STRING_EQUAL(ids, "2,3,4,5,6,7");
  check_counts(f.q, 0, 6, 1);
  lf_array_release(&out.kept);
  res.offset = 0;
  res.length = N_EVENTS + 1;
  lf_array_release(&res);
  /* An answer of the wrong length is refused. */
  struct ArrowArray b2;
  struct ArrowSchema s2, rs2;
  events(&b2, &s2);
  verdicts(two_names, two_preds, 2, 3, &res, &rs2);
  CU_ASSERT_EQUAL(lfh_quality_apply(f.q, &b2, &res, 0, &out, e0()), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "has 3 rows, the batch 7"));
  CU_ASSERT_PTR_NULL(b2.release);
  lf_array_release(&res);
  lf_schema_release(&s2);
  lf_schema_release(&rs2);
  fx_close(&f);
}

/* ------------------------------------------------------------ unique */

/* Keys: k int64 (nullable), s1/s2 utf8, u.id (nested). */
static void keys_batch(const int64_t *k, const int *k_null, const char *const *s1,
                       const char *const *s2, int n, struct ArrowArray *a, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *kb = lf_builder_add_child(b, LF_FORMAT_INT64, "k");
  lf_builder *b1 = lf_builder_add_child(b, LF_FORMAT_UTF8, "s1");
  lf_builder *b2 = lf_builder_add_child(b, LF_FORMAT_UTF8, "s2");
  lf_builder *u = lf_builder_add_child(b, LF_FORMAT_STRUCT, "u");
  lf_builder *uid = lf_builder_add_child(u, LF_FORMAT_INT64, "id");
  for (int i = 0; i < n; i++) {
    lf_builder_append_struct(b);
    k_null[i] ? lf_builder_append_null(kb) : lf_builder_append_int64(kb, k[i]);
    lf_builder_append_cstr(b1, s1[i]);
    lf_builder_append_cstr(b2, s2[i]);
    lf_builder_append_struct(u);
    lf_builder_append_int64(uid, k[i] % 2);
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, a, s, e0()), LF_OK);
}

/* Applies `rules` (unique only) to a keys batch and returns the passes of rule r as
 * "1101". */
static void unique_verdicts(lfh_quality *q, const int64_t *k, const int *kn, const char *const *s1,
                            const char *const *s2, int n, char *kept_ids, int *rc_out) {
  struct ArrowArray a;
  struct ArrowSchema s;
  keys_batch(k, kn, s1, s2, n, &a, &s);
  lfh_quality_out out;
  int rc = lfh_quality_apply(q, &a, NULL, 0, &out, e0());
  if (rc_out) *rc_out = rc;
  else CU_ASSERT_EQUAL(rc, LF_OK);
  if (rc == LF_OK) {
    ids_of(&out.kept, kept_ids, 128);
    lf_array_release(&out.kept);
    lf_array_release(&out.quarantine);
  }
  lf_schema_release(&s);
}

static void test_unique_across_batches(void) {
  lfh_quality_rules r;
  lfh_quality_rules_init(&r);
  static const char *const kcol[] = {"k"}, *const pair[] = {"s1", "S2"}, *const nested[] = {"u.id"};
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add_unique(&r, kcol, 1, NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add_unique(&r, pair, 2, NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add_unique(&r, nested, 1, NULL, e0()), LF_OK);
  CU_ASSERT_STRING_EQUAL(r.items[0].name, "unique_k");
  CU_ASSERT_STRING_EQUAL(r.items[1].name, "unique_s1_S2");
  CU_ASSERT_STRING_EQUAL(r.items[2].name, "unique_u_id");
  CU_ASSERT_EQUAL(lfh_quality_rules_n_expr(&r), 0);
  struct ArrowArray a;
  struct ArrowSchema s;
  static const int64_t k1[] = {1, 2, 2, 0, 3};
  static const int kn1[] = {0, 0, 0, 1, 0};
  static const char *const s1a[] = {"ab", "a", "ab", "x", "y"}, *const s2a[] = {"c", "bc", "c", "", ""};
  keys_batch(k1, kn1, s1a, s2a, 5, &a, &s);
  lfh_quality *q = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_quality_open(&r, &s, NULL, &(lfh_quality_opts){.dataset = "d"}, &q,
                                         e0()), LF_OK);
  lf_array_release(&a);
  lf_schema_release(&s);
  char kept[128];
  unique_verdicts(q, k1, kn1, s1a, s2a, 5, kept, NULL);
  CU_ASSERT_STRING_EQUAL(kept, "1,2,2,0,3"); /* warn: nothing dropped */
  check_counts(q, 0, 4, 1);                   /* the second 2; NULL passes */
  check_counts(q, 1, 4, 1);                   /* ("ab","c") twice; ("a","bc") differs */
  check_counts(q, 2, 2, 3);                   /* u.id = k % 2: 1, 0, then repeats */
  static const int64_t k2[] = {3, 4, 0, 4, 1};
  static const int kn2[] = {0, 0, 1, 0, 0};
  static const char *const s1b[] = {"a", "n", "m", "o", "p"}, *const s2b[] = {"bc", "", "", "", ""};
  unique_verdicts(q, k2, kn2, s1b, s2b, 5, kept, NULL);
  check_counts(q, 0, 6, 4); /* 3 and 1 from batch 1, the second 4 */
  check_counts(q, 1, 8, 2); /* ("a","bc") from batch 1 */
  check_counts(q, 2, 2, 8);
  lfh_quality_close(q);

  /* unique as a drop rule: the duplicate rows go. */
  lfh_quality_rules_free(&r);
  lfh_quality_rules_init(&r);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add_unique(&r, kcol, 1, NULL, e0()), LF_OK);
  r.items[0].on_violation = LFH_ON_VIOLATION_DROP;
  keys_batch(k1, kn1, s1a, s2a, 5, &a, &s);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_open(&r, &s, NULL, &(lfh_quality_opts){.dataset = "d"}, &q,
                                         e0()), LF_OK);
  lf_array_release(&a);
  lf_schema_release(&s);
  unique_verdicts(q, k1, kn1, s1a, s2a, 5, kept, NULL);
  CU_ASSERT_STRING_EQUAL(kept, "1,2,0,3"); /* the duplicate 2 is dropped */
  unique_verdicts(q, k2, kn2, s1b, s2b, 5, kept, NULL);
  CU_ASSERT_STRING_EQUAL(kept, "4,0");
  CU_ASSERT_EQUAL(lfh_quality_dropped(q), 4);
  lfh_quality_close(q);
  lfh_quality_rules_free(&r);
}

/* A batch stopped by a fail rule forgets the keys it saw; the expression drop rule keeps
 * dropped rows' keys out of the set. */
static void test_unique_rollback_and_drop(void) {
  lfh_quality_rules r;
  lfh_quality_rules_init(&r);
  static const char *const kcol[] = {"k"};
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add(&r, "not_five", "k <> 5", LFH_ON_VIOLATION_DROP, 0,
                                              NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add_unique(&r, kcol, 1, NULL, e0()), LF_OK);
  r.items[1].on_violation = LFH_ON_VIOLATION_FAIL;
  static const int64_t k[] = {5, 7, 5, 8};
  static const int kn[] = {0, 0, 0, 0};
  static const char *const e[] = {"", "", "", ""};
  struct ArrowArray a, res;
  struct ArrowSchema s, rs;
  keys_batch(k, kn, e, e, 4, &a, &s);
  static const char *const names[] = {"not_five"};
  lfh_quality *q = NULL;
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *c = lf_builder_add_child(b, LF_FORMAT_BOOL, names[0]);
  lf_builder_set_nullable(c, 0);
  for (int i = 0; i < 4; i++) {
    lf_builder_append_struct(b);
    lf_builder_append_bool(c, k[i] != 5);
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, &res, &rs, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_open(&r, &s, &rs, &(lfh_quality_opts){.dataset = "d"}, &q,
                                         e0()), LF_OK);
  lfh_quality_out out;
  /* Both 5s are dropped by not_five, so the second 5 is no duplicate: passes. */
  CU_ASSERT_EQUAL_FATAL(lfh_quality_apply(q, &a, &res, 0, &out, e0()), LF_OK);
  char ids[64];
  ids_of(&out.kept, ids, sizeof ids);
  CU_ASSERT_STRING_EQUAL(ids, "7,8");
  check_counts(q, 1, 4, 0);
  lf_array_release(&out.kept);
  lf_schema_release(&s);
  /* Batch 2: 7 again -> fail. The 2 it would have written must not stay remembered. */
  static const int64_t k2[] = {9, 7, 1, 2};
  keys_batch(k2, kn, e, e, 4, &a, &s);
  CU_ASSERT_EQUAL(lfh_quality_apply(q, &a, &res, 0, &out, e0()), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "expectation 'unique_k' failed on dataset 'd': 1 of 4 "
                                     "rows violate unique(k); first failing row: {\"k\":7,"));
  lf_schema_release(&s);
  static const int64_t k3[] = {9, 2, 11, 12}; /* 2 was seen only by the failed batch */
  keys_batch(k3, kn, e, e, 4, &a, &s);
  CU_ASSERT_EQUAL(lfh_quality_apply(q, &a, &res, 0, &out, e0()), LF_OK);
  check_counts(q, 1, 8, 0);
  lf_array_release(&out.kept);
  lf_schema_release(&s);
  lf_array_release(&res);
  lf_schema_release(&rs);
  lfh_quality_close(q);
  lfh_quality_rules_free(&r);
}

static void test_keyset_truncate(void) {
  lfh_keyset ks;
  lfh_keyset_init(&ks);
  char key[32];
  for (int i = 0; i < 3000; i++) {
    int n = snprintf(key, sizeof key, "key-%d", i);
    CU_ASSERT_EQUAL(lfh_keyset_contains(&ks, lfh_keyset_hash(key, (size_t)n), key, (size_t)n), 0);
    CU_ASSERT_EQUAL(lfh_keyset_add(&ks, lfh_keyset_hash(key, (size_t)n), key, (size_t)n), 0);
    if (i == 99) CU_ASSERT_EQUAL(ks.n, 100);
  }
  lfh_keyset_truncate(&ks, 100); /* rehashed several times since the mark */
  int wrong = 0;
  for (int i = 0; i < 3000; i++) {
    int n = snprintf(key, sizeof key, "key-%d", i);
    wrong += lfh_keyset_contains(&ks, lfh_keyset_hash(key, (size_t)n), key, (size_t)n) != (i < 100);
  }
  CU_ASSERT_EQUAL(wrong, 0);
  for (int i = 100; i < 200; i++) {
    int n = snprintf(key, sizeof key, "key-%d", i);
    CU_ASSERT_EQUAL(lfh_keyset_add(&ks, lfh_keyset_hash(key, (size_t)n), key, (size_t)n), 0);
  }
  int n = snprintf(key, sizeof key, "key-%d", 150);
  CU_ASSERT_EQUAL(lfh_keyset_contains(&ks, lfh_keyset_hash(key, (size_t)n), key, (size_t)n), 1);
  CU_ASSERT_EQUAL(ks.n, 200);
  lfh_keyset_free(&ks);
}

/* ------------------------------------------------------------ metrics */

static void test_metrics_json(void) {
  fx f;
  fx_open(&f, LFH_ON_VIOLATION_DROP, 0, LFH_ON_VIOLATION_WARN, 0, NULL);
  lfh_quality_out out;
  CU_ASSERT_EQUAL_FATAL(lfh_quality_apply(f.q, &f.batch, &f.results, 0, &out, e0()), LF_OK);
  lf_array_release(&out.kept);
  json_t *j = lfh_quality_metrics_json(f.q);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  char *text = json_dumps(j, JSON_COMPACT);
  CU_ASSERT_STRING_EQUAL(text, "{\"dropped_records\":3,\"expectations\":["
                               "{\"name\":\"positive_amount\",\"dataset\":\"silver_events\","
                               "\"passed_records\":4,\"failed_records\":3},"
                               "{\"name\":\"valid_email\",\"dataset\":\"silver_events\","
                               "\"passed_records\":4,\"failed_records\":3}]}");
  free(text);
  json_decref(j);
  CU_ASSERT_EQUAL(lfh_quality_n_rules(f.q), 2);
  CU_ASSERT_STRING_EQUAL(lfh_quality_rule_at(f.q, 1)->name, "valid_email");
  CU_ASSERT_PTR_NULL(lfh_quality_rule_at(f.q, 2));
  fx_close(&f);
}

/* ------------------------------------------------------------ rules from a bundle */

static const char dataset_yaml[] =
    "type: streaming_table\n"
    "expectations:\n"
    "  - name: valid_amount\n"
    "    expr: amount > 0\n"
    "    on_violation: drop\n"
    "    quarantine: true\n"
    "  - name: known_type\n"
    "    expr: \"event_type IN ('a', 'b')\"\n"
    "not_null: [event_id, user.email]\n"
    "unique: [event_id, session_id]\n";

static void test_rules_from_dataset(void) {
  lfh_diags d;
  lfh_diags_init(&d);
  lfh_node *ds = lfh_yaml_load_buffer("ds.yml", dataset_yaml, strlen(dataset_yaml), &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ds);
  lfh_quality_rules r;
  lfh_quality_rules_init(&r);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_from_dataset(&r, ds, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(r.n, 5);
  CU_ASSERT_STRING_EQUAL(r.items[0].name, "valid_amount");
  CU_ASSERT_STRING_EQUAL(r.items[0].expr, "amount > 0");
  CU_ASSERT_EQUAL(r.items[0].on_violation, LFH_ON_VIOLATION_DROP);
  CU_ASSERT_EQUAL(r.items[0].quarantine, 1);
  CU_ASSERT_EQUAL(r.items[0].mark.line, 4);
  CU_ASSERT_EQUAL(r.items[0].mark.col, 11);
  CU_ASSERT_STRING_EQUAL(r.items[0].mark.file, "ds.yml");
  CU_ASSERT_EQUAL(r.items[1].on_violation, LFH_ON_VIOLATION_WARN);
  CU_ASSERT_EQUAL(r.items[1].quarantine, 0);
  CU_ASSERT_STRING_EQUAL(r.items[2].name, "not_null_event_id");
  CU_ASSERT_STRING_EQUAL(r.items[2].expr, "`event_id` IS NOT NULL");
  CU_ASSERT_STRING_EQUAL(r.items[3].name, "not_null_user_email");
  CU_ASSERT_STRING_EQUAL(r.items[3].expr, "`user`.`email` IS NOT NULL");
  CU_ASSERT_EQUAL(r.items[3].kind, LFH_RULE_EXPR);
  CU_ASSERT_STRING_EQUAL(r.items[4].name, "unique_event_id_session_id");
  CU_ASSERT_EQUAL(r.items[4].kind, LFH_RULE_UNIQUE);
  CU_ASSERT_EQUAL_FATAL(r.items[4].n_columns, 2);
  CU_ASSERT_STRING_EQUAL(r.items[4].columns[1], "session_id");
  CU_ASSERT_EQUAL(lfh_quality_rules_n_expr(&r), 4);
  /* The plugin's options: the expression rules, in order. */
  lfh_node *o = lfh_quality_stage_options(&r);
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  lfh_node *rules = lfh_map_get(o, "rules");
  CU_ASSERT_PTR_NOT_NULL_FATAL(rules);
  CU_ASSERT_EQUAL_FATAL(rules->n, 4);
  CU_ASSERT_STRING_EQUAL(rules->entries[1].key, "known_type");
  CU_ASSERT_STRING_EQUAL(rules->entries[1].value->scalar, "event_type IN ('a', 'b')");
  CU_ASSERT_STRING_EQUAL(rules->entries[3].key, "not_null_user_email");
  lfh_node_free(o);
  /* Copy, then duplicates and bad values. */
  lfh_quality_rules c;
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_copy(&c, &r, e0()), LF_OK);
  CU_ASSERT_EQUAL(c.n, 5);
  CU_ASSERT_STRING_EQUAL(c.items[4].columns[0], "event_id");
  CU_ASSERT_EQUAL(lfh_quality_rules_add_not_null(&c, "event_id", NULL, e0()), LF_ERR_INVALID);
  CU_ASSERT_STRING_EQUAL(msg, "expectation 'not_null_event_id' is declared twice");
  CU_ASSERT_EQUAL(c.n, 5);
  CU_ASSERT_EQUAL(lfh_quality_rules_add(&c, "x", "", 0, 0, NULL, e0()), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(lfh_quality_rules_add(&c, "x", "a", 7, 0, NULL, e0()), LF_ERR_INVALID);
  lfh_quality_rules_free(&c);
  lfh_quality_rules_free(&r);
  lfh_node_free(ds);
  static const char bad[] = "expectations:\n  - name: a\n    expr: x\n    on_violation: explode\n";
  ds = lfh_yaml_load_buffer("bad.yml", bad, strlen(bad), &d);
  lfh_quality_rules_init(&r);
  CU_ASSERT_EQUAL(lfh_quality_rules_from_dataset(&r, ds, e0()), LF_ERR_INVALID);
  CU_ASSERT_STRING_EQUAL(msg, "expectation 'a': on_violation 'explode' is not warn, drop or fail");
  lfh_quality_rules_free(&r);
  lfh_node_free(ds);
  uint32_t v = 9;
  CU_ASSERT_EQUAL(lfh_quality_parse_violation("FAIL", &v), LF_OK);
  CU_ASSERT_EQUAL(v, LFH_ON_VIOLATION_FAIL);
  CU_ASSERT_STRING_EQUAL(lfh_quality_violation_name(LFH_ON_VIOLATION_DROP), "drop");
  lfh_diags_free(&d);
}

/* ------------------------------------------------------------ open errors, schema */

static void test_open_errors(void) {
  struct ArrowArray a, res;
  struct ArrowSchema s, rs;
  events(&a, &s);
  verdicts(two_names, two_preds, 1, N_EVENTS, &res, &rs); /* only positive_amount */
  lfh_quality_rules r;
  lfh_quality_rules_init(&r);
  lfh_quality_rules_add(&r, "positive_amount", "amount > 0", 0, 0, NULL, e0());
  lfh_quality_rules_add(&r, "valid_email", "email LIKE '%@%'", 0, 0, NULL, e0());
  lfh_quality *q = NULL;
  lfh_quality_opts o = {.dataset = "d"};
  CU_ASSERT_EQUAL(lfh_quality_open(&r, &s, &rs, &o, &q, e0()), LF_ERR_SCHEMA);
  CU_ASSERT_STRING_EQUAL(msg, "the expectation stage gave no result for 'valid_email'");
  CU_ASSERT_PTR_NULL(q);
  lfh_quality_rules_free(&r);
  lfh_quality_rules_init(&r);
  static const char *const nope[] = {"user.nope"}, *const tags[] = {"tags"},
                           *const ok[] = {"USER.Country", "id"};
  lfh_quality_rules_add_unique(&r, nope, 1, NULL, e0());
  CU_ASSERT_EQUAL(lfh_quality_open(&r, &s, NULL, &o, &q, e0()), LF_ERR_SCHEMA);
  CU_ASSERT_STRING_EQUAL(msg, "unique: unknown column 'user.nope'");
  lfh_quality_rules_free(&r);
  lfh_quality_rules_init(&r);
  lfh_quality_rules_add_unique(&r, tags, 1, NULL, e0());
  CU_ASSERT_EQUAL(lfh_quality_open(&r, &s, NULL, &o, &q, e0()), LF_ERR_SCHEMA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "only non-nested columns can be keys"));
  lfh_quality_rules_free(&r);
  lfh_quality_rules_init(&r);
  lfh_quality_rules_add_unique(&r, ok, 2, NULL, e0());
  CU_ASSERT_EQUAL(lfh_quality_open(&r, &s, NULL, &o, &q, e0()), LF_OK);
  lfh_quality_close(q);
  lfh_quality_rules_free(&r);
  CU_ASSERT_EQUAL(lfh_quality_open(&r, &s, NULL, &(lfh_quality_opts){0}, &q, e0()), LF_ERR_INVALID);
  lf_array_release(&a);
  lf_array_release(&res);
  lf_schema_release(&s);
  lf_schema_release(&rs);
}

static void test_quarantine_schema(void) {
  struct ArrowArray a;
  struct ArrowSchema s, qs;
  events(&a, &s);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_quarantine_schema(&s, &qs, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(qs.n_children, s.n_children + 2);
  CU_ASSERT_STRING_EQUAL(qs.children[0]->name, "id");
  CU_ASSERT_STRING_EQUAL(qs.children[3]->children[1]->name, "country");
  const struct ArrowSchema *rules = qs.children[s.n_children], *at = qs.children[s.n_children + 1];
  CU_ASSERT_STRING_EQUAL(rules->name, "_quarantine_rules");
  CU_ASSERT_STRING_EQUAL(rules->format, "+l");
  CU_ASSERT_STRING_EQUAL(rules->children[0]->format, "u");
  CU_ASSERT_EQUAL(rules->flags & ARROW_FLAG_NULLABLE, 0);
  CU_ASSERT_STRING_EQUAL(at->name, "_quarantined_at");
  CU_ASSERT_STRING_EQUAL(at->format, "tsu:UTC");
  CU_ASSERT_TRUE(lfh_field_is_secret(qs.children[4])); /* metadata copied */
  struct ArrowSchema again;
  CU_ASSERT_EQUAL(lfh_quality_quarantine_schema(&qs, &again, e0()), LF_ERR_SCHEMA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'_quarantine_rules'"));
  CU_ASSERT_PTR_NULL(again.release);
  lf_schema_release(&qs);
  lf_array_release(&a);
  lf_schema_release(&s);
}

/* ------------------------------------------------------------ row JSON */

static void test_row_json(void) {
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *i32 = lf_builder_add_child(b, LF_FORMAT_INT32, "i");
  lf_builder *bo = lf_builder_add_child(b, LF_FORMAT_BOOL, "ok");
  lf_builder *g = lf_builder_add_child(b, LF_FORMAT_DOUBLE, "g");
  lf_builder *bin = lf_builder_add_child(b, LF_FORMAT_BINARY, "bin");
  lf_builder *ts = lf_builder_add_child(b, LF_FORMAT_TIMESTAMP, "ts");
  lf_builder *txt = lf_builder_add_child(b, LF_FORMAT_UTF8, "txt");
  lf_builder *m = lf_builder_add_child(b, LF_FORMAT_MAP, "m");
  lf_builder *mk = lf_builder_add_child(m, LF_FORMAT_UTF8, "key");
  lf_builder *mv = lf_builder_add_child(m, LF_FORMAT_INT64, "value");
  for (int r = 0; r < 3; r++) {
    lf_builder_append_struct(b);
    lf_builder_append_int32(i32, -r);
    lf_builder_append_bool(bo, r == 1);
    lf_builder_append_double(g, r == 2 ? NAN : 1.5 * r);
    lf_builder_append_binary(bin, "\x01\xab\xff", 3);
    lf_builder_append_timestamp(ts, -1 + r);
    lf_builder_append_cstr(txt, r == 2 ? "caf\xc3\xa9 au lait" : "say \"hi\"\n");
    lf_builder_append_cstr(mk, "a");
    lf_builder_append_int64(mv, r);
    lf_builder_append_map(m);
  }
  struct ArrowArray a;
  struct ArrowSchema s;
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, &a, &s, e0()), LF_OK);
  char *j = lfh_row_json(&s, &a, 1, NULL, 0, 100);
  CU_ASSERT_STRING_EQUAL(j, "{\"i\":-1,\"ok\":true,\"g\":1.5,\"bin\":\"0x01abff\","
                            "\"ts\":\"1970-01-01T00:00:00.000000Z\",\"txt\":\"say \\\"hi\\\"\\n\","
                            "\"m\":{\"a\":1}}");
  free(j);
  /* Row 0 at a negative microsecond; row 2 NaN and a cut at a UTF-8 boundary (4 bytes
   * would split the é). Redacting a map hides it whole. */
  static const char *const red[] = {"M"};
  j = lfh_row_json(&s, &a, 0, red, 1, 4);
  CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"ts\":\"1969-12-31T23:59:59.999999Z\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"m\":\"***\""));
  free(j);
  j = lfh_row_json(&s, &a, 2, NULL, 0, 4);
  CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"g\":\"NaN\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"txt\":\"caf...\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"bin\":\"0x01ab...\""));
  free(j);
  /* A sliced batch: row 0 is physical row 1. */
  a.offset = 1;
  a.length = 2;
  j = lfh_row_json(&s, &a, 0, NULL, 0, 100);
  CU_ASSERT_PTR_NOT_NULL(strstr(j, "{\"i\":-1,"));
  free(j);
  CU_ASSERT_PTR_NULL(lfh_row_json(&s, &a, 2, NULL, 0, 100)); /* out of range */
  a.offset = 0;
  a.length = 3;
  lf_array_release(&a);
  lf_schema_release(&s);
}

int main(void) {
  static const lfh_test_case cases[] = {{"warn", test_warn},
                                        {"drop", test_drop},
                                        {"quarantine", test_quarantine},
                                        {"fail with redaction", test_fail},
                                        {"NULL and offset verdicts", test_null_and_offset_verdicts},
                                        {"unique across batches", test_unique_across_batches},
                                        {"unique rollback and drop", test_unique_rollback_and_drop},
                                        {"key set truncate", test_keyset_truncate},
                                        {"metrics json", test_metrics_json},
                                        {"rules from a dataset", test_rules_from_dataset},
                                        {"open errors", test_open_errors},
                                        {"quarantine schema", test_quarantine_schema},
                                        {"row json", test_row_json},
                                        {NULL, NULL}};
  return lfh_test_run("quality", cases);
}
