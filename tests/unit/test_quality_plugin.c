/* test_quality_plugin — the lf_quality plugin (sql_expectations) dlopen()ed through the
 * host loader from the build tree's plugin directory, driven with the real expression
 * engine on real batches: negotiation, verdicts with NULLs (only TRUE passes), nested
 * columns, sliced batches, compile errors naming the rule, an old host without
 * lf_host.expr, and the whole path into the applier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/lfh_expr.h"
#include "lf/lf.h"
#include "lf/lf_expr.h"
#include "lfh_test.h"
#include "loader/lfh_config.h"
#include "loader/lfh_hostapi.h"
#include "loader/lfh_loader.h"
#include "quality/lfh_quality.h"

#define PLUGIN LFH_BINARY_DIR "/lib/lfhost/plugins/lf_quality.so"

static char msg[2048];
static lf_error err;

static lf_error *e0(void) {
  lf_error_init(&err, msg, sizeof msg);
  return &err;
}

/* The host table with the engine filled in (whether or not the build's table has it). */
static lf_host host_with_expr(void) {
  lf_host h = *lfh_host_table();
  h.expr = lfh_expr_api();
  return h;
}

typedef struct loaded {
  lfh_registry *r;
  const lfh_stage_info *stage;
} loaded;

static loaded load(void) {
  char why[1024];
  loaded l = {lfh_registry_new(), NULL};
  int rc = lfh_registry_load(l.r, PLUGIN, why, sizeof why);
  if (rc != 0) fprintf(stderr, "\n%s\n", why);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  l.stage = lfh_registry_find_stage(l.r, "sql_expectations");
  CU_ASSERT_PTR_NOT_NULL_FATAL(l.stage);
  return l;
}

/* ------------------------------------------------------------ data */

/* 6 rows: id, email, amount, user{country}; NULLs in each, a NULL user in row 4. */
#define N 6
static const char *const em[N] = {"a@x.com", NULL, "bad", "d@x.com", "e@x.com", "f@x"};
static const double am[N] = {10, -1, 3, 0, 5, 7};
static const int am_null[N] = {0, 0, 1, 0, 0, 0};
static const char *const co[N] = {"CH", "DE", NULL, "FR", NULL, "CH"};

static void events(struct ArrowArray *a, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *id = lf_builder_add_child(b, LF_FORMAT_INT64, "id");
  lf_builder *email = lf_builder_add_child(b, LF_FORMAT_UTF8, "email");
  lf_builder *amount = lf_builder_add_child(b, LF_FORMAT_DOUBLE, "amount");
  lf_builder *user = lf_builder_add_child(b, LF_FORMAT_STRUCT, "user");
  lf_builder *country = lf_builder_add_child(user, LF_FORMAT_UTF8, "country");
  for (int i = 0; i < N; i++) {
    lf_builder_append_struct(b);
    lf_builder_append_int64(id, i + 1);
    em[i] ? lf_builder_append_cstr(email, em[i]) : lf_builder_append_null(email);
    am_null[i] ? lf_builder_append_null(amount) : lf_builder_append_double(amount, am[i]);
    if (i == 4) {
      lf_builder_append_null(user);
    } else {
      lf_builder_append_struct(user);
      co[i] ? lf_builder_append_cstr(country, co[i]) : lf_builder_append_null(country);
    }
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, a, s, e0()), LF_OK);
}

/* The rules and what SQL says about each row (NULL fails). */
static int v_positive(int i) { return !am_null[i] && am[i] > 0; }
static int v_email(int i) { return em[i] && strchr(em[i], '@'); }
static int v_null_ok(int i) { return am_null[i] || am[i] > 0; }
static int v_country(int i) { return i != 4 && co[i] != NULL; }
static int v_known(int i) { return i != 4 && co[i] && (!strcmp(co[i], "CH") || !strcmp(co[i], "DE")); }

typedef int (*pred_fn)(int);
static const pred_fn preds[] = {v_positive, v_email, v_null_ok, v_known, v_country};

static void add_rules(lfh_quality_rules *r, uint32_t first_violation, int quarantine) {
  lfh_quality_rules_init(r);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add(r, "positive_amount", "amount > 0",
                                              first_violation, quarantine, NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add(r, "valid_email", "email LIKE '%@%'", 0, 0, NULL,
                                              e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add(r, "amount_or_null", "amount IS NULL OR amount > 0",
                                              0, 0, NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add(r, "known_country", "user.country IN ('CH', 'DE')",
                                              0, 0, NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add_not_null(r, "user.country", NULL, e0()), LF_OK);
}

/* Checks a stage answer against the C predicates for rows [from, from + n). */
static void check_answer(const struct ArrowSchema *rs, const struct ArrowArray *res, int from,
                         int n) {
  lf_view v;
  CU_ASSERT_EQUAL_FATAL(lf_view_init(&v, rs, res, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lf_view_n_children(&v), 5);
  CU_ASSERT_EQUAL(res->length, n);
  for (int r = 0; r < 5; r++) {
    lf_view c;
    lf_view_child(&v, r, &c);
    for (int i = 0; i < n; i++) {
      CU_ASSERT_TRUE(lf_view_is_valid(&c, i));
      int want = preds[r](from + i) != 0;
      CU_ASSERT_EQUAL(lf_view_bool(&c, i), want);
      if (lf_view_bool(&c, i) != want)
        fprintf(stderr, "\nrule %s row %d: got %d\n", lf_view_name(&c), from + i, !want);
    }
  }
}

/* ------------------------------------------------------------ tests */

static void test_descriptor(void) {
  loaded l = load();
  const lfh_plugin_info *p = lfh_registry_find_plugin(l.r, "lf_quality");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_EQUAL(p->abi_minor, LF_ABI_MINOR);
  CU_ASSERT_EQUAL(l.stage->kind, LF_STAGE_EXPECTATION);
  const lfh_option_info *o = lfh_stage_find_option(l.stage, "rules");
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  CU_ASSERT_EQUAL(o->type, LF_CONFIG_MAP);
  CU_ASSERT_TRUE(o->flags & LF_CONFIG_REQUIRED);
  lfh_registry_free(l.r);
}

static void test_verdicts(void) {
  loaded l = load();
  lf_host h = host_with_expr();
  lfh_quality_rules r;
  add_rules(&r, LFH_ON_VIOLATION_WARN, 0);
  struct ArrowArray a, res;
  struct ArrowSchema s;
  events(&a, &s);
  lf_stage_ctx *ctx = lfh_stage_ctx_new("p", "f", "sql_expectations");
  lfh_quality_stage *st = NULL;
  int rc = lfh_quality_stage_open(l.stage, &h, ctx, &r, &s, &st, e0());
  if (rc != LF_OK) fprintf(stderr, "\nopen: %s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  const struct ArrowSchema *rs = lfh_quality_stage_schema(st);
  CU_ASSERT_STRING_EQUAL(rs->format, "+s");
  CU_ASSERT_EQUAL_FATAL(rs->n_children, 5);
  for (int i = 0; i < 5; i++) {
    CU_ASSERT_STRING_EQUAL(rs->children[i]->name, r.items[i].name);
    CU_ASSERT_STRING_EQUAL(rs->children[i]->format, "b");
    CU_ASSERT_EQUAL(rs->children[i]->flags & ARROW_FLAG_NULLABLE, 0);
  }
  CU_ASSERT_EQUAL_FATAL(lfh_quality_stage_eval(st, &a, &res, e0()), LF_OK);
  check_answer(rs, &res, 0, N);
  lf_array_release(&res);
  int64_t n = 0;
  CU_ASSERT_EQUAL(lfh_metric_counter(lfh_stage_ctx_label(ctx), "rows_evaluated", &n), 0);
  CU_ASSERT_EQUAL(n, N);
  /* A slice: rows 2..5 of the batch. */
  a.offset = 2;
  a.length = 4;
  CU_ASSERT_EQUAL_FATAL(lfh_quality_stage_eval(st, &a, &res, e0()), LF_OK);
  check_answer(rs, &res, 2, 4);
  lf_array_release(&res);
  /* An empty batch. */
  a.length = 0;
  CU_ASSERT_EQUAL_FATAL(lfh_quality_stage_eval(st, &a, &res, e0()), LF_OK);
  CU_ASSERT_EQUAL(res.length, 0);
  lf_array_release(&res);
  a.offset = 0;
  a.length = N;
  lfh_quality_stage_close(st);
  lfh_stage_ctx_free(ctx);
  lf_array_release(&a);
  lf_schema_release(&s);
  lfh_quality_rules_free(&r);
  lfh_registry_free(l.r);
  lfh_hostapi_reset();
}

/* Plugin answer -> applier: drop + quarantine on positive_amount, warn elsewhere. */
static void test_end_to_end(void) {
  loaded l = load();
  lf_host h = host_with_expr();
  lfh_quality_rules r;
  add_rules(&r, LFH_ON_VIOLATION_DROP, 1);
  static const char *const ucols[] = {"user.country"};
  CU_ASSERT_EQUAL_FATAL(lfh_quality_rules_add_unique(&r, ucols, 1, NULL, e0()), LF_OK);
  struct ArrowArray a, res;
  struct ArrowSchema s;
  events(&a, &s);
  lfh_quality_stage *st = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_quality_stage_open(l.stage, &h, NULL, &r, &s, &st, e0()), LF_OK);
  lfh_quality *q = NULL;
  lfh_quality_opts o = {.dataset = "events"};
  CU_ASSERT_EQUAL_FATAL(lfh_quality_open(&r, &s, lfh_quality_stage_schema(st), &o, &q, e0()),
                        LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_quality_stage_eval(st, &a, &res, e0()), LF_OK);
  lfh_quality_out out;
  CU_ASSERT_EQUAL_FATAL(lfh_quality_apply(q, &a, &res, 1, &out, e0()), LF_OK);
  /* positive_amount fails rows 1 (-1), 2 (NULL), 3 (0): ids 2, 3, 4 dropped & quarantined. */
  CU_ASSERT_EQUAL(out.kept.length, 3);
  CU_ASSERT_EQUAL(out.n_dropped, 3);
  CU_ASSERT_EQUAL(out.n_quarantined, 3);
  json_t *j = lfh_quality_metrics_json(q);
  char *text = json_dumps(j, JSON_COMPACT);
  /* unique_user_country: CH (row 0) kept, then CH (row 5) a duplicate; DE/FR rows are
   * dropped, so they claim nothing; NULL countries never fail. */
  CU_ASSERT_STRING_EQUAL(text, "{\"dropped_records\":3,\"expectations\":["
                               "{\"name\":\"positive_amount\",\"dataset\":\"events\",\"passed_records\":3,\"failed_records\":3},"
                               "{\"name\":\"valid_email\",\"dataset\":\"events\",\"passed_records\":4,\"failed_records\":2},"
                               "{\"name\":\"amount_or_null\",\"dataset\":\"events\",\"passed_records\":4,\"failed_records\":2},"
                               "{\"name\":\"known_country\",\"dataset\":\"events\",\"passed_records\":3,\"failed_records\":3},"
                               "{\"name\":\"not_null_user_country\",\"dataset\":\"events\",\"passed_records\":4,\"failed_records\":2},"
                               "{\"name\":\"unique_user_country\",\"dataset\":\"events\",\"passed_records\":5,\"failed_records\":1}]}");
  free(text);
  json_decref(j);
  lf_array_release(&res);
  lf_array_release(&out.kept);
  lf_array_release(&out.quarantine);
  lfh_quality_close(q);
  lfh_quality_stage_close(st);
  lf_schema_release(&s);
  lfh_quality_rules_free(&r);
  lfh_registry_free(l.r);
}

static void test_compile_errors(void) {
  loaded l = load();
  lf_host h = host_with_expr();
  struct ArrowArray a;
  struct ArrowSchema s;
  events(&a, &s);
  lfh_quality_rules r;
  lfh_quality_rules_init(&r);
  lfh_quality_rules_add(&r, "ok", "amount > 0", 0, 0, NULL, e0());
  lfh_quality_rules_add(&r, "typo", "amout > 0", 0, 0, NULL, e0());
  lfh_quality_stage *st = NULL;
  CU_ASSERT_EQUAL(lfh_quality_stage_open(l.stage, &h, NULL, &r, &s, &st, e0()), LF_ERR_SCHEMA);
  CU_ASSERT_PTR_NULL(st);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "expectation 'typo': "));
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "amout"));
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "did you mean 'amount'?"));
  lfh_quality_rules_free(&r);
  lfh_quality_rules_init(&r);
  lfh_quality_rules_add(&r, "not_bool", "amount + 1", 0, 0, NULL, e0());
  CU_ASSERT_EQUAL(lfh_quality_stage_open(l.stage, &h, NULL, &r, &s, &st, e0()), LF_ERR_SCHEMA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "expectation 'not_bool': 'amount + 1' is not a boolean"));
  lfh_quality_rules_free(&r);
  lf_array_release(&a);
  lf_schema_release(&s);
  lfh_registry_free(l.r);
}

/* Raw ABI calls: an old host, a non-struct input, evaluate before negotiate. */
static void test_raw_contract(void) {
  loaded l = load();
  lfh_quality_rules r;
  add_rules(&r, 0, 0);
  lfh_node *opts = lfh_quality_stage_options(&r);
  lf_config *cfg = lfh_config_new(l.stage, opts);
  CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
  const lf_stage *raw = l.stage->raw;
  void *state = NULL;
  /* ABI 1.0 host: no expr field at all, and a 1.1 host that leaves it NULL. */
  lf_host old = *lfh_host_table();
  old.struct_size = (uint32_t)offsetof(lf_host, expr);
  old.abi_minor = 0;
  CU_ASSERT_EQUAL(raw->create(&old, NULL, cfg, &state, e0()), LF_ERR_UNSUPPORTED);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "needs the host's SQL expression engine"));
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "ABI 1.0"));
  lf_host none = *lfh_host_table();
  none.expr = NULL;
  CU_ASSERT_EQUAL(raw->create(&none, NULL, cfg, &state, e0()), LF_ERR_UNSUPPORTED);
  lf_host h = host_with_expr();
  CU_ASSERT_EQUAL_FATAL(raw->create(&h, NULL, cfg, &state, e0()), LF_OK);
  const lf_expectation_vtable *vt = raw->vtable;
  struct ArrowArray a, res;
  struct ArrowSchema s, out;
  events(&a, &s);
  CU_ASSERT_EQUAL(vt->evaluate(state, &a, &res, e0()), LF_ERR_INVALID);
  CU_ASSERT_PTR_NULL(res.release);
  CU_ASSERT_EQUAL(raw->negotiate(state, s.children[0], &out, e0()), LF_ERR_SCHEMA);
  CU_ASSERT_PTR_NULL(out.release);
  /* Negotiating twice is allowed; the second answer replaces the first. */
  CU_ASSERT_EQUAL_FATAL(raw->negotiate(state, &s, &out, e0()), LF_OK);
  lf_schema_release(&out);
  CU_ASSERT_EQUAL_FATAL(raw->negotiate(state, &s, &out, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(vt->evaluate(state, &a, &res, e0()), LF_OK);
  check_answer(&out, &res, 0, N);
  lf_array_release(&res);
  lf_schema_release(&out);
  raw->destroy(state);
  lf_array_release(&a);
  lf_schema_release(&s);
  lfh_config_free(cfg);
  lfh_node_free(opts);
  lfh_quality_rules_free(&r);
  lfh_registry_free(l.r);
}

int main(void) {
  static const lfh_test_case cases[] = {{"descriptor", test_descriptor},
                                        {"verdicts", test_verdicts},
                                        {"end to end", test_end_to_end},
                                        {"compile errors", test_compile_errors},
                                        {"raw contract", test_raw_contract},
                                        {NULL, NULL}};
  return lfh_test_run("quality_plugin", cases);
}
