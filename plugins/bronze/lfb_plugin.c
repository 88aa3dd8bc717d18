/*
 * lfb_plugin — the lf_bronze plugin: its descriptor and the `autoloader` SOURCE stage's
 * typed option table (docs/STAGES.md prints the same table; docs/BRONZE.md explains the
 * behaviour behind each option).
 */
#include "lfb_plugin.h"

#include "lf/lf.h"

#define OPT(...) {.struct_size = sizeof(lf_config_option), __VA_ARGS__}

static const char *const g_formats[] = {"json", NULL};
/* Our spelling first; Auto Loader's camelCase spellings are accepted as well. */
static const char *const g_modes[] = {"rescue", "add_new_columns", "fail_on_new_columns", "none",
                                      "addNewColumns", "failOnNewColumns", NULL};

static const lf_config_option g_options[] = {
    OPT(.name = "path", .type = LF_CONFIG_STRING, .flags = LF_CONFIG_REQUIRED,
        .doc = "Folder or URI to ingest (recursively): a local path, file:///dir, "
               "abfss://container@account.dfs.core.windows.net/dir or https://... ."),
    OPT(.name = "format", .type = LF_CONFIG_ENUM, .flags = LF_CONFIG_REQUIRED,
        .enum_values = g_formats,
        .doc = "File format: json = one JSON object per line, or a file holding one JSON "
               "array of objects."),
    OPT(.name = "schema", .type = LF_CONFIG_SCHEMA,
        .doc = "Spark DDL of the records (STRUCT, ARRAY, MAP allowed). Set this or "
               "schema_file."),
    OPT(.name = "schema_file", .type = LF_CONFIG_STRING,
        .doc = "Path or URI of a file holding the Spark DDL schema, instead of `schema`."),
    OPT(.name = "schema_hints", .type = LF_CONFIG_STRING,
        .doc = "Spark DDL 'col TYPE, ...' overriding the type of schema columns of the same "
               "name, or adding columns."),
    OPT(.name = "rescued_data_column", .type = LF_CONFIG_STRING, .default_value = "_rescued_data",
        .doc = "Column receiving, as a JSON object with _file_path, the fields that do not fit "
               "the schema and whole corrupt lines; empty disables it."),
    OPT(.name = "schema_evolution_mode", .type = LF_CONFIG_ENUM, .default_value = "rescue",
        .enum_values = g_modes,
        .doc = "A field outside the schema: rescue (into the rescued column), add_new_columns "
               "(fail the update, add the columns for the next run; needs schema_location), "
               "fail_on_new_columns (fail), none (ignore)."),
    OPT(.name = "schema_location", .type = LF_CONFIG_STRING,
        .doc = "Folder or URI where add_new_columns keeps the evolved schema (_schemas/<n>)."),
    OPT(.name = "multi_line", .type = LF_CONFIG_BOOL, .default_value = "false",
        .doc = "Records may span lines (pretty-printed documents, one after another)."),
    OPT(.name = "max_files_per_trigger", .type = LF_CONFIG_INT, .default_value = "1000",
        .flags = LF_CONFIG_HAS_MIN, .min = 1, .doc = "Files per epoch at most."),
    OPT(.name = "max_bytes_per_trigger", .type = LF_CONFIG_SIZE, .flags = LF_CONFIG_HAS_MIN,
        .min = 1,
        .doc = "Bytes per epoch at most (soft: an epoch reads at least one file); unset: no "
               "limit."),
    OPT(.name = "path_glob_filter", .type = LF_CONFIG_STRING,
        .doc = "Only files whose name matches this glob (*, ?, [...]), e.g. '*.json*'."),
    OPT(.name = "include_existing_files", .type = LF_CONFIG_BOOL, .default_value = "true",
        .doc = "On the first run, also read the files already there; false: only files that "
               "arrive later."),
    OPT(.name = "min_file_age", .type = LF_CONFIG_DURATION, .default_value = "2s",
        .flags = LF_CONFIG_HAS_MIN, .min = 0,
        .doc = "A file is read once its last modification is at least this old at the "
               "epoch's trigger time, so files written in place are not read half-way."),
    OPT(.name = "allow_overwrites", .type = LF_CONFIG_BOOL, .default_value = "false",
        .doc = "Read a file again when its size or modification time changes (whole file: "
               "its rows land again)."),
    OPT(.name = "max_line_size", .type = LF_CONFIG_SIZE, .default_value = "64MB",
        .flags = LF_CONFIG_HAS_MIN, .min = 16,
        .doc = "Longer lines are corrupt records (rescued with their text), not errors."),
};

static const lf_source_vtable g_vtable = {
    .struct_size = sizeof(lf_source_vtable),
    .plan = lfb_al_plan,
    .read = lfb_al_read,
    .save_state = lfb_al_save_state,
    .load_state = lfb_al_load_state,
};

static const lf_stage g_stages[] = {{
    .struct_size = sizeof(lf_stage),
    .kind = LF_STAGE_SOURCE,
    .name = "autoloader",
    .doc = "Incrementally ingests new JSON files from a folder or an abfss:// landing zone, "
           "like Databricks Auto Loader: each epoch plans not-yet-ingested, complete files "
           "(checkpointed before reading, so a crash replays the same bytes), decodes them "
           "against a declared schema, keeps what does not fit in the rescued-data column, "
           "and adds _metadata and _ingested_at. See docs/BRONZE.md.",
    .options = g_options,
    .n_options = sizeof g_options / sizeof g_options[0],
    .create = lfb_al_create,
    .negotiate = lfb_al_negotiate,
    .destroy = lfb_al_destroy,
    .vtable = &g_vtable,
}};

static const lf_plugin g_plugin = {
    .struct_size = sizeof(lf_plugin),
    .magic = LF_PLUGIN_MAGIC,
    .abi_major = LF_ABI_MAJOR,
    .abi_minor = LF_ABI_MINOR,
    .name = "lf_bronze",
    .version = "0.1.0",
    .description = "Bronze ingestion: the autoloader source (JSON files, Auto Loader style).",
    .stages = g_stages,
    .n_stages = 1,
};

LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry(const lf_host *host) {
  (void)host;
  return &g_plugin;
}
