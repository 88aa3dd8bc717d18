/*
 * fixture_common — do-nothing stage callbacks and vtables shared by the ABI fixture
 * plugins. The loader tests only load and inspect these plugins; nothing here runs data.
 */
#ifndef LFX_FIXTURE_COMMON_H
#define LFX_FIXTURE_COMMON_H

#include <stddef.h>

#include "lf/lf_plugin.h"

/* Each fixture uses a different subset; unused ones must not warn. */
#define LFX_UNUSED __attribute__((unused))

LFX_UNUSED static int lfx_create(const lf_host *host, lf_stage_ctx *ctx, const lf_config *cfg,
                                 void **state, lf_error *err) {
  (void)host, (void)ctx, (void)cfg, (void)err;
  *state = NULL;
  return LF_OK;
}

LFX_UNUSED static int lfx_negotiate(void *state, const struct ArrowSchema *in,
                                    struct ArrowSchema *out, lf_error *err) {
  (void)state, (void)in, (void)out, (void)err;
  return LF_ERR_UNSUPPORTED;
}

LFX_UNUSED static void lfx_destroy(void *state) { (void)state; }

LFX_UNUSED static int lfx_plan(void *s, const lf_epoch *e, lf_blob *plan, lf_error *err) {
  (void)s, (void)e, (void)plan, (void)err;
  return LF_ERR_UNSUPPORTED;
}

LFX_UNUSED static int lfx_read(void *s, const lf_epoch *e, const void *plan, size_t n,
                               struct ArrowArrayStream *out, lf_error *err) {
  (void)s, (void)e, (void)plan, (void)n, (void)out, (void)err;
  return LF_ERR_UNSUPPORTED;
}

LFX_UNUSED static int lfx_process(void *s, const lf_epoch *e, struct ArrowArray *in,
                                  struct ArrowArray *out, lf_error *err) {
  (void)s, (void)e, (void)in, (void)out, (void)err;
  return LF_ERR_UNSUPPORTED;
}

LFX_UNUSED static int lfx_evaluate(void *s, const struct ArrowArray *b, struct ArrowArray *r,
                                   lf_error *err) {
  (void)s, (void)b, (void)r, (void)err;
  return LF_ERR_UNSUPPORTED;
}

LFX_UNUSED static int lfx_hash(void *s, const struct ArrowArray *c, struct ArrowArray *o,
                               lf_error *err) {
  (void)s, (void)c, (void)o, (void)err;
  return LF_ERR_UNSUPPORTED;
}

LFX_UNUSED static int lfx_begin(void *s, const lf_epoch *e, lf_txn *t, lf_error *err) {
  (void)s, (void)e, (void)t, (void)err;
  return LF_ERR_UNSUPPORTED;
}

LFX_UNUSED static int lfx_write(void *s, lf_txn *t, const struct ArrowArray *b, lf_error *err) {
  (void)s, (void)t, (void)b, (void)err;
  return LF_ERR_UNSUPPORTED;
}

LFX_UNUSED static int lfx_end(void *s, lf_txn *t, lf_error *err) {
  (void)s, (void)t, (void)err;
  return LF_ERR_UNSUPPORTED;
}

LFX_UNUSED static const lf_source_vtable lfx_source_vt = {
    sizeof(lf_source_vtable), lfx_plan, lfx_read, NULL, NULL, NULL};
LFX_UNUSED static const lf_transform_vtable lfx_transform_vt = {
    sizeof(lf_transform_vtable), lfx_process, NULL, NULL, NULL};
LFX_UNUSED static const lf_expectation_vtable lfx_expectation_vt = {
    sizeof(lf_expectation_vtable), lfx_evaluate};
LFX_UNUSED static const lf_hasher_vtable lfx_hasher_vt = {sizeof(lf_hasher_vtable), lfx_hash};
LFX_UNUSED static const lf_sink_vtable lfx_sink_vt = {
    sizeof(lf_sink_vtable), lfx_begin, lfx_write, lfx_end};

#endif
