/* Needs a symbol nothing provides. Linked without -z defs so the link succeeds and the
 * failure moves to dlopen(RTLD_NOW), where the loader must report it. */
#include "fixture_common.h"

int lfx_missing_symbol(void);

static int create_missing(const lf_host *host, lf_stage_ctx *ctx, const lf_config *cfg,
                          void **state, lf_error *err) {
  (void)host, (void)ctx, (void)cfg, (void)err;
  *state = NULL;
  return lfx_missing_symbol();
}

static const lf_stage stages[] = {
    {sizeof(lf_stage), LF_STAGE_TRANSFORM, "u_one", NULL, NULL, 0, create_missing,
     lfx_negotiate, lfx_destroy, &lfx_transform_vt},
};

static const lf_plugin descriptor = {sizeof(lf_plugin), LF_PLUGIN_MAGIC, LF_ABI_MAJOR, 0,
                                     "lf_undef", "0.0.1", NULL, stages, 1};

LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry(const lf_host *host) {
  (void)host;
  return &descriptor;
}
