/*
 * lfh_hostapi — the lf_host service table given to plugins (lfh_host_table() in
 * lfh_loader.h) and the host-side controls behind it: stage contexts, log level and
 * redaction, and the in-memory metrics store.
 *
 * Every function here is safe to call from several threads.
 */
#ifndef LFH_HOSTAPI_H
#define LFH_HOSTAPI_H

#include <stdint.h>
#include <stdio.h>

#include "lf/lf_plugin.h"

/* A stage instance's names, for log prefixes and metric scopes. Any part may be NULL.
 * The caller owns the result (strings are copied). NULL on ENOMEM. */
lf_stage_ctx *lfh_stage_ctx_new(const char *pipeline, const char *flow, const char *stage);
void lfh_stage_ctx_free(lf_stage_ctx *ctx);
/* "pipeline/flow/stage" with NULL parts left out; "" for a NULL ctx. Owned by ctx. */
const char *lfh_stage_ctx_label(const lf_stage_ctx *ctx);

/* From now on, log output (host and plugin) shows `secret` as "***". The value is copied;
 * empty strings are ignored. 0, or -1 on ENOMEM. */
int lfh_redact_register(const char *secret);
/* `text` with every registered secret replaced by "***" (malloc'd; NULL on ENOMEM). */
char *lfh_redact(const char *text);

/* The log threshold: LFHOST_LOG (trace|debug|info|warn|error) read on first use, INFO
 * when unset or unreadable; lfh_log_set_level overrides it. Output goes to stderr unless
 * lfh_log_set_stream() says otherwise (tests; NULL restores stderr). */
void lfh_log_set_level(lf_log_level level);
lf_log_level lfh_log_get_level(void);
void lfh_log_set_stream(FILE *f);
/* The host's own logging through the same path (prefix, level, redaction). */
void lfh_log(lf_stage_ctx *ctx, lf_log_level level, const char *fmt, ...) LF_PRINTF(3, 4);

/* Metrics store. `scope` is a ctx label (lfh_stage_ctx_label; "" for NULL ctx).
 * Return 0 and the value, or -1 when nothing was recorded under that name. */
int lfh_metric_counter(const char *scope, const char *name, int64_t *out);
int lfh_metric_gauge(const char *scope, const char *name, double *out);

/* Forgets metrics and redactions and frees their memory (tests; end of process). */
void lfh_hostapi_reset(void);

#endif
