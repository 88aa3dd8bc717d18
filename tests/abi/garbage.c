/*
 * One plugin source, built once per defect: tests/abi/CMakeLists.txt defines LFX_<DEFECT>
 * for each fixture and the entry point breaks exactly that one thing in an otherwise
 * valid descriptor. Keeping one source makes it obvious each fixture differs by one fault.
 */
#include <string.h>

#include "fixture_common.h"

static const char *const levels[] = {"low", "high", NULL};

static lf_config_option one_options[] = {
    {sizeof(lf_config_option), LF_CONFIG_HAS_MIN | LF_CONFIG_HAS_MAX, "level", LF_CONFIG_INT,
     "3", 0, 9, NULL, "Compression level."},
    {sizeof(lf_config_option), 0, "mode", LF_CONFIG_ENUM, "low", 0, 0, levels, "Mode."},
};

static lf_transform_vtable one_vt = {sizeof(lf_transform_vtable), lfx_process, NULL, NULL,
                                     NULL};

static lf_stage stages[] = {
    {sizeof(lf_stage), LF_STAGE_TRANSFORM, "g_one", "First.", one_options, 2, lfx_create,
     lfx_negotiate, lfx_destroy, &one_vt},
    {sizeof(lf_stage), LF_STAGE_EXPECTATION, "g_two", "Second.", NULL, 0, lfx_create,
     lfx_negotiate, lfx_destroy, &lfx_expectation_vt},
};

static lf_plugin descriptor = {sizeof(lf_plugin), LF_PLUGIN_MAGIC, LF_ABI_MAJOR, 0,
                               "lf_garbage", "0.0.1", "Broken on purpose.", stages, 2};

/* 128 letters and no terminating NUL (C allows an exact-size initialiser to drop it). */
static const char unterminated[128] =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

static void lfx_break(void) {
  (void)unterminated;
#if defined(LFX_SHORT_SIZE)
  descriptor.struct_size = (uint32_t)offsetof(lf_plugin, n_stages);
#elif defined(LFX_WRONG_MAJOR)
  descriptor.abi_major = 2;
#elif defined(LFX_BAD_MAGIC)
  descriptor.magic = 0x12345678u;
#elif defined(LFX_DUP_STAGE)
  stages[1].name = "g_one";
#elif defined(LFX_DUP_ACROSS)
  stages[1].name = "alpha";
#elif defined(LFX_HUGE_STAGES)
  descriptor.n_stages = 0xffffffffu;
#elif defined(LFX_NO_STAGES)
  descriptor.n_stages = 0;
#elif defined(LFX_NULL_CREATE)
  stages[0].create = NULL;
#elif defined(LFX_BAD_KIND)
  stages[1].kind = (lf_stage_kind)42;
#elif defined(LFX_BAD_NAME)
  stages[0].name = "Bad-Name";
#elif defined(LFX_UNTERMINATED)
  stages[1].name = unterminated;
#elif defined(LFX_BAD_PLUGIN_NAME)
  descriptor.name = "lf garbage";
#elif defined(LFX_NULL_VTABLE)
  stages[1].vtable = NULL;
#elif defined(LFX_SMALL_VTABLE)
  one_vt.struct_size = 4;
#elif defined(LFX_NO_CALLBACK)
  one_vt.process = NULL;
#elif defined(LFX_STRIDE_MISMATCH)
  stages[1].struct_size = sizeof(lf_stage) + 8;
#elif defined(LFX_SMALL_STAGE)
  stages[0].struct_size = 16;
  stages[1].struct_size = 16;
#elif defined(LFX_DUP_OPTION)
  one_options[1].name = "level";
#elif defined(LFX_ENUM_NO_VALUES)
  one_options[1].enum_values = NULL;
#elif defined(LFX_BAD_DEFAULT)
  one_options[0].default_value = "ten";
#elif defined(LFX_DEFAULT_RANGE)
  one_options[0].default_value = "12";
#elif defined(LFX_MIN_GT_MAX)
  one_options[0].min = 10;
#elif defined(LFX_BAD_OPTION_TYPE)
  one_options[1].type = (lf_config_type)99;
#elif defined(LFX_NULL_OPTIONS)
  stages[0].options = NULL;
#elif defined(LFX_NULL_DESC) || defined(LFX_NO_ENTRY)
  /* the fault is in the entry point below */
#else
#error "define one LFX_<DEFECT>"
#endif
}

#if defined(LFX_NULL_DESC)
LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry(const lf_host *host) {
  lfx_break();
  return host ? NULL : &descriptor; /* the host table is never NULL: always NULL */
}
#elif defined(LFX_NO_ENTRY)
/* Exports nothing the host looks for (the version script hides this anyway). */
LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry_v0(const lf_host *host);
LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry_v0(const lf_host *host) {
  (void)host;
  lfx_break();
  return &descriptor;
}
#else
LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry(const lf_host *host) {
  (void)host;
  lfx_break();
  return &descriptor;
}
#endif
