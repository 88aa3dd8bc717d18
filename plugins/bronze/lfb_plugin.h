/* lfb_plugin — the lf_bronze plugin's stage callbacks, implemented in lfb_autoloader.c and
 * listed in lfb_plugin.c's descriptor. */
#ifndef LFB_PLUGIN_H
#define LFB_PLUGIN_H

#include "lf/lf.h"

int lfb_al_create(const lf_host *host, lf_stage_ctx *ctx, const lf_config *config, void **state,
                  lf_error *err);
int lfb_al_negotiate(void *state, const struct ArrowSchema *input, struct ArrowSchema *output,
                     lf_error *err);
void lfb_al_destroy(void *state);
int lfb_al_plan(void *state, const lf_epoch *epoch, lf_blob *plan_out, lf_error *err);
int lfb_al_read(void *state, const lf_epoch *epoch, const void *plan, size_t plan_size,
                struct ArrowArrayStream *out, lf_error *err);
int lfb_al_save_state(void *state, const lf_epoch *epoch, lf_blob *state_out, lf_error *err);
int lfb_al_load_state(void *state, const void *data, size_t size, lf_error *err);

#endif
