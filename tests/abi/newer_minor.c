/* A plugin built against a future ABI 1.7: every struct carries extra trailing fields
 * and a larger struct_size. The host must accept it and ignore what it does not know. */
#include <stdint.h>

#include "fixture_common.h"

typedef struct option_1_7 {
  lf_config_option base;
  const char *since;
  uint64_t future_flags;
} option_1_7;

typedef struct stage_1_7 {
  lf_stage base;
  const char *category;
  uint64_t future_flags;
  void *reserved[3];
} stage_1_7;

typedef struct sink_vtable_1_7 {
  lf_sink_vtable base;
  int (*flush)(void *state);
} sink_vtable_1_7;

typedef struct plugin_1_7 {
  lf_plugin base;
  const char *homepage;
  uint64_t future_flags;
} plugin_1_7;

static const char *const modes[] = {"scd1", "scd2", NULL};

static const option_1_7 gamma_options[] = {
    {{sizeof(option_1_7), LF_CONFIG_REQUIRED, "mode", LF_CONFIG_ENUM, NULL, 0, 0, modes,
      "SCD type."}, "1.3", 7},
    {{sizeof(option_1_7), 0, "batch", LF_CONFIG_SIZE, "1MiB", 0, 0, NULL, "Batch size."},
     "1.7", 9},
};

static const sink_vtable_1_7 gamma_vt = {
    {sizeof(sink_vtable_1_7), lfx_begin, lfx_write, lfx_end}, NULL};

static const stage_1_7 stages[] = {
    {{sizeof(stage_1_7), LF_STAGE_SINK, "gamma", "Writes SCD tables.",
      &gamma_options[0].base, 2, lfx_create, lfx_negotiate, lfx_destroy, &gamma_vt.base},
     "sinks", 1, {NULL, NULL, NULL}},
    {{sizeof(stage_1_7), LF_STAGE_HASHER, "delta", "Hashes PII.", NULL, 0, lfx_create,
      lfx_negotiate, lfx_destroy, &lfx_hasher_vt},
     "hashers", 2, {NULL, NULL, NULL}},
};

static const plugin_1_7 descriptor = {
    {sizeof(plugin_1_7), LF_PLUGIN_MAGIC, LF_ABI_MAJOR, 7, "lf_future", "1.7.0",
     "A fixture from ABI 1.7.", &stages[0].base, 2},
    "https://example.invalid/",
    42,
};

LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry(const lf_host *host) {
  (void)host;
  return &descriptor.base;
}
