/* A well-formed v1.0 plugin: two stages whose option tables use every config type. */
#include "fixture_common.h"

static const char *const formats[] = {"json", "csv", "parquet", NULL};

static const lf_config_option alpha_options[] = {
    {.struct_size = sizeof(lf_config_option), .flags = LF_CONFIG_REQUIRED, .name = "path",
     .type = LF_CONFIG_STRING, .doc = "Directory or URI the files land in."},
    {sizeof(lf_config_option), LF_CONFIG_HAS_MIN | LF_CONFIG_HAS_MAX, "max_files",
     LF_CONFIG_INT, "1000", 1, 100000, NULL, "Files per micro-batch."},
    {sizeof(lf_config_option), LF_CONFIG_HAS_MIN | LF_CONFIG_HAS_MAX, "ratio",
     LF_CONFIG_DOUBLE, "0.5", 0, 1, NULL, "Sampling ratio."},
    {sizeof(lf_config_option), 0, "recursive", LF_CONFIG_BOOL, "false", 0, 0, NULL,
     "Descend into subdirectories."},
    {sizeof(lf_config_option), LF_CONFIG_HAS_MIN | LF_CONFIG_HAS_MAX, "poll",
     LF_CONFIG_DURATION, "10s", 1e6, 86400e6, NULL, "How often to list the directory."},
    {sizeof(lf_config_option), LF_CONFIG_HAS_MAX, "max_bytes", LF_CONFIG_SIZE, "64MB", 0,
     1073741824.0, NULL, "Bytes per micro-batch."},
    {sizeof(lf_config_option), 0, "format", LF_CONFIG_ENUM, "json", 0, 0, formats,
     "File format."},
    {sizeof(lf_config_option), 0, "columns", LF_CONFIG_LIST, "[id, ts]", 0, 0, NULL,
     "Columns to keep."},
    {sizeof(lf_config_option), 0, "headers", LF_CONFIG_MAP, "{a: 1, b: two}", 0, 0, NULL,
     "Extra request headers."},
    {sizeof(lf_config_option), 0, "filter", LF_CONFIG_EXPR, NULL, 0, 0, NULL,
     "Rows to keep."},
    {sizeof(lf_config_option), 0, "schema", LF_CONFIG_SCHEMA, "id BIGINT, ts TIMESTAMP", 0, 0,
     NULL, "Schema hint."},
    {sizeof(lf_config_option), LF_CONFIG_SECRET, "password", LF_CONFIG_STRING, NULL, 0, 0,
     NULL, "Storage account key."},
};

static const lf_config_option beta_options[] = {
    {sizeof(lf_config_option), LF_CONFIG_REQUIRED, "keys", LF_CONFIG_LIST, NULL, 0, 0, NULL,
     "Columns that identify a row."},
    {sizeof(lf_config_option), LF_CONFIG_HAS_MIN, "watermark", LF_CONFIG_DURATION,
     "10 minutes", 0, 0, NULL, "How late an event may arrive."},
};

static const lf_stage stages[] = {
    {sizeof(lf_stage), LF_STAGE_SOURCE, "alpha", "Reads files as they land.", alpha_options,
     sizeof alpha_options / sizeof alpha_options[0], lfx_create, lfx_negotiate, lfx_destroy,
     &lfx_source_vt},
    {sizeof(lf_stage), LF_STAGE_TRANSFORM, "beta", "Drops duplicates within a watermark.",
     beta_options, sizeof beta_options / sizeof beta_options[0], lfx_create, lfx_negotiate,
     lfx_destroy, &lfx_transform_vt},
};

static const lf_plugin descriptor = {
    .struct_size = sizeof(lf_plugin),
    .magic = LF_PLUGIN_MAGIC,
    .abi_major = LF_ABI_MAJOR,
    .abi_minor = 0,
    .name = "lf_good",
    .version = "1.0.0",
    .description = "A well-formed ABI 1.0 fixture.",
    .stages = stages,
    .n_stages = 2,
};

LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry(const lf_host *host) {
  (void)host;
  return &descriptor;
}
