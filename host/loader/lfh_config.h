/*
 * lfh_config — a stage's options as written in a bundle, checked against the stage's
 * typed config table, and the lf_config object plugins read them through.
 */
#ifndef LFH_CONFIG_H
#define LFH_CONFIG_H

#include "../bundle/lfh_yaml.h"
#include "../util/lfh_diag.h"
#include "lfh_loader.h"

/* Checks an `options:` mapping (may be NULL when absent) against `stage`'s table:
 * unknown option (with the nearest valid name as hint), wrong type, out of bounds, not
 * one of the enum values, missing required option, a SECRET option whose value is not a
 * secret (node->secret == 0: an error in production mode, a warning otherwise).
 * `yaml_path` names the options mapping ("resources.pipelines.p.flows.f.source.options");
 * `parent_mark` is used for "missing required option" when `options` is NULL.
 * Returns the number of errors added to `d`. */
size_t lfh_config_check(const lfh_stage_info *stage, const lfh_node *options,
                        const char *yaml_path, const lfh_mark *parent_mark, int production,
                        lfh_diags *d);

/* Builds the lf_config handed to a stage's create(): values from `options` (copied),
 * defaults for the rest. Call lfh_config_check first; returns NULL on ENOMEM or when a
 * value does not convert. The caller owns the result. */
lf_config *lfh_config_new(const lfh_stage_info *stage, const lfh_node *options);
void lfh_config_free(lf_config *cfg);

/* Parses "10 minutes", "5s", "250ms", "1h30m", "2 days" into microseconds; "64MB",
 * "1 GiB", "4096" into bytes. 0 on success, -1 with no change to *out otherwise. */
int lfh_parse_duration_us(const char *s, long long *out);
int lfh_parse_size_bytes(const char *s, long long *out);

#endif
