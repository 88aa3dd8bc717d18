/* A SOURCE built against ABI 1.1: its vtable ends after `committed` (struct_size says so).
 * Memory right after it holds non-NULL pointers where 1.2 put save_state/load_state; the
 * host must treat them as not provided, because they lie beyond struct_size. */
#include <stdint.h>

#include "fixture_common.h"

typedef struct source_vtable_1_1 {
  uint32_t struct_size;
  int (*plan)(void *, const lf_epoch *, lf_blob *, lf_error *);
  int (*read)(void *, const lf_epoch *, const void *, size_t, struct ArrowArrayStream *,
              lf_error *);
  int (*committed)(void *, const lf_epoch *, lf_error *);
} source_vtable_1_1;

static int old_committed(void *s, const lf_epoch *e, lf_error *err) {
  (void)s, (void)e, (void)err;
  return LF_OK;
}

/* The 1.1 vtable followed by what a 1.2 host would misread as save_state/load_state. */
static const struct {
  source_vtable_1_1 vt;
  int (*not_save_state)(void *, const lf_epoch *, lf_error *);
  int (*not_load_state)(void *, const lf_epoch *, lf_error *);
} old_vt = {{sizeof(source_vtable_1_1), lfx_plan, lfx_read, old_committed}, old_committed,
            old_committed};

static const lf_stage stages[] = {
    {sizeof(lf_stage), LF_STAGE_SOURCE, "old_files", "A 1.1 source.", NULL, 0, lfx_create,
     lfx_negotiate, lfx_destroy, &old_vt.vt},
};

static const lf_plugin descriptor = {sizeof(lf_plugin), LF_PLUGIN_MAGIC, LF_ABI_MAJOR, 1,
                                     "lf_old_source", "1.1.0", "An ABI 1.1 source fixture.",
                                     stages, 1};

LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry(const lf_host *host) {
  (void)host;
  return &descriptor;
}
