/* lfh_quality_stage — drives an EXPECTATION stage plugin for the host's rules. */
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "loader/lfh_config.h"
#include "quality/lfh_quality.h"

struct lfh_quality_stage {
  const lfh_stage_info *stage; /* registry-owned */
  const lf_expectation_vtable *vt;
  lf_config *cfg;              /* owned; outlives the instance */
  void *state;                 /* the plugin's; NULL until created */
  int created;
  struct ArrowSchema schema;   /* negotiated answer, owned */
};

void lfh_quality_stage_close(lfh_quality_stage *s) {
  if (!s) return;
  if (s->created) s->stage->raw->destroy(s->state);
  lf_schema_release(&s->schema);
  lfh_config_free(s->cfg);
  free(s);
}

/* The answer must be a struct with a non-nullable boolean per expression rule, in any
 * order, and nothing else. */
static int check_answer(const lfh_quality_stage *s, const lfh_quality_rules *r, lf_error *err) {
  const struct ArrowSchema *a = &s->schema;
  if (!a->format || strcmp(a->format, "+s") != 0 ||
      (size_t)a->n_children != lfh_quality_rules_n_expr(r))
    return lf_error_set(err, LF_ERR_SCHEMA, "stage '%s' answered '%s' with %lld columns, not "
                        "one boolean per rule (%zu)", s->stage->name, a->format ? a->format : "?",
                        (long long)a->n_children, lfh_quality_rules_n_expr(r));
  for (size_t i = 0; i < r->n; i++) {
    if (r->items[i].kind != LFH_RULE_EXPR) continue;
    int64_t found = -1;
    for (int64_t c = 0; c < a->n_children; c++)
      if (a->children[c]->name && strcmp(a->children[c]->name, r->items[i].name) == 0) found = c;
    if (found < 0 || strcmp(a->children[found]->format, "b") != 0 ||
        (a->children[found]->flags & ARROW_FLAG_NULLABLE))
      return lf_error_set(err, LF_ERR_SCHEMA, "stage '%s' gave no non-nullable boolean column "
                          "for rule '%s'", s->stage->name, r->items[i].name);
  }
  return LF_OK;
}

/* The stage's lf_config from the generated options, checked against its option table. */
static int make_config(lfh_quality_stage *s, const lfh_node *opts, lf_error *err) {
  lfh_diags d;
  lfh_diags_init(&d);
  size_t errors = lfh_config_check(s->stage, opts, "expectations", &opts->mark, 0, &d);
  int rc = LF_OK;
  for (size_t i = 0; errors > 0 && i < d.n; i++) {
    if (d.items[i].sev != LFH_SEV_ERROR) continue;
    rc = lf_error_set(err, LF_ERR_INVALID, "expectation stage '%s': %s", s->stage->name,
                      d.items[i].message);
    break;
  }
  lfh_diags_free(&d);
  if (rc == LF_OK && !(s->cfg = lfh_config_new(s->stage, opts)))
    rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  return rc;
}

int lfh_quality_stage_open(const lfh_stage_info *stage, const lf_host *host, lf_stage_ctx *ctx,
                           const lfh_quality_rules *r, const struct ArrowSchema *input,
                           lfh_quality_stage **out, lf_error *err) {
  *out = NULL;
  if (!stage || stage->kind != LF_STAGE_EXPECTATION)
    return lf_error_set(err, LF_ERR_INVALID, "stage '%s' is not an expectation stage",
                        stage ? stage->name : "?");
  lfh_quality_stage *s = calloc(1, sizeof *s);
  lfh_node *opts = lfh_quality_stage_options(r);
  int rc = s && opts ? LF_OK : lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  if (rc == LF_OK) {
    s->stage = stage;
    s->vt = stage->raw->vtable;
    rc = make_config(s, opts, err);
  }
  lfh_node_free(opts);
  if (rc == LF_OK) rc = stage->raw->create(host, ctx, s->cfg, &s->state, err);
  if (rc == LF_OK) {
    s->created = 1;
    rc = stage->raw->negotiate(s->state, input, &s->schema, err);
  }
  if (rc == LF_OK) rc = check_answer(s, r, err);
  if (rc != LF_OK) {
    lfh_quality_stage_close(s);
    return rc;
  }
  *out = s;
  return LF_OK;
}

const struct ArrowSchema *lfh_quality_stage_schema(const lfh_quality_stage *s) {
  return &s->schema;
}

int lfh_quality_stage_eval(lfh_quality_stage *s, const struct ArrowArray *batch,
                           struct ArrowArray *result, lf_error *err) {
  memset(result, 0, sizeof *result);
  int rc = s->vt->evaluate(s->state, batch, result, err);
  if (rc != LF_OK) {
    lf_array_release(result);
    return rc;
  }
  lf_view v;
  rc = lf_view_init(&v, &s->schema, result, err);
  if (rc == LF_OK && result->length != batch->length)
    rc = lf_error_set(err, LF_ERR_DATA, "stage '%s' answered %lld rows for %lld",
                      s->stage->name, (long long)result->length, (long long)batch->length);
  if (rc != LF_OK) lf_array_release(result);
  return rc;
}
