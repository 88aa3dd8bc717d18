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

/* ------------------------------------------------------------ additions (loader) */

/* Duration units: us, ms, s, m/min, h, d, w and their long forms ("minutes", "hours"),
 * terms may be chained ("1h30m", "1 hour 30 minutes"), a unit is required except for 0.
 * Size units are binary whatever the spelling, as in Spark: B, K/KB/KiB = 1024,
 * M/MB/MiB, G/GB/GiB, T/TB/TiB, P/PB/PiB; a bare number is bytes. Case-insensitive.
 * Fractions are allowed ("1.5GB") and rounded down to whole bytes/microseconds. */

/* Checks that `text` (a value as the bundle would spell it, e.g. an option's default)
 * reads as the option's type and lies within its bounds. LIST defaults are written
 * "[a, b]" (or "a, b"), MAP defaults "{k: v, k2: v2}". Returns 0, or -1 with a reason
 * such as "'abc' is not a valid int" in `why`. */
int lfh_option_check_text(const lfh_option_info *o, const char *text, char *why, size_t cap);

/* Formats a duration/size the way a user would write it ("90s", "1h", "64MiB"). */
void lfh_format_duration(long long us, char *buf, size_t cap);
void lfh_format_size(long long bytes, char *buf, size_t cap);

/* The lf_host config_* getters (lfh_host_table() points at these). */
int lfh_config_get_string(const lf_config *cfg, const char *name, const char **out);
int lfh_config_get_int(const lf_config *cfg, const char *name, int64_t *out);
int lfh_config_get_double(const lf_config *cfg, const char *name, double *out);
int lfh_config_get_bool(const lf_config *cfg, const char *name, int *out);
int lfh_config_get_duration_us(const lf_config *cfg, const char *name, int64_t *out);
int lfh_config_get_size_bytes(const lf_config *cfg, const char *name, int64_t *out);
int lfh_config_get_list_count(const lf_config *cfg, const char *name, size_t *out);
int lfh_config_get_list_item(const lf_config *cfg, const char *name, size_t i,
                             const char **out);
int lfh_config_get_map_count(const lf_config *cfg, const char *name, size_t *out);
int lfh_config_get_map_entry(const lf_config *cfg, const char *name, size_t i,
                             const char **key, const char **value);

#endif
