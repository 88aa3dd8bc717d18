/*
 * fuzz_bundle — libFuzzer entry for the YAML reader and the bundle loader.
 *
 * The input is parsed as YAML, then loaded as a bundle from the same buffer with
 * no_files set: a fuzzer must not glob the filesystem or read files named by the input.
 * Both must return cleanly (a tree or diagnostics) for any bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bundle/lfh_bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const vars[] = {"env=fuzz", "x=${var.env}"};
  lfh_diags d;
  lfh_diags_init(&d);
  lfh_node *n = lfh_yaml_load_buffer("fuzz.yml", (const char *)data, size, &d);
  FILE *null = fopen("/dev/null", "w");
  if (n && null) lfh_node_write_json(n, null, 0);
  lfh_node_free(n);

  lfh_bundle *b = NULL;
  lfh_bundle_opts o = {.vars = vars, .n_vars = 2, .no_files = 1};
  lfh_bundle_load_buffer("fuzz.yml", (const char *)data, size, &o, &b, &d);
  if (b && null) lfh_bundle_write_json(b, null);
  lfh_bundle_free(b);
  if (null) {
    lfh_diags_print(&d, LFH_OUT_TEXT, null);
    fclose(null);
  }
  lfh_diags_free(&d);
  return 0;
}
