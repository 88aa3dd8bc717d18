/*
 * fuzz_expr — libFuzzer entry for the SQL expression engine: lexer, parser, checker,
 * constant folding, plan and evaluation.
 *
 * The input is the expression text. It is syntax-checked, compiled against a fixed
 * schema of every column kind (nested structs, lists, a map), and when it compiles it is
 * evaluated over a small batch with NULLs at every level, both into an Arrow array and,
 * for BOOLEAN expressions, as verdicts, on the whole batch and on a slice of it. Every
 * path must return cleanly for any bytes, without leaks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr/lfh_expr.h"
#include "lf/lf_array.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ArrowSchema g_schema;
static struct ArrowArray g_batch;
static int g_ready;

static void build(void) {
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *id = lf_builder_add_child(b, "l", "id");
  lf_builder *amount = lf_builder_add_child(b, "g", "amount");
  lf_builder *name = lf_builder_add_child(b, "u", "name");
  lf_builder *ts = lf_builder_add_child(b, "tsu:UTC", "ts");
  lf_builder *flag = lf_builder_add_child(b, "b", "flag");
  lf_builder *n32 = lf_builder_add_child(b, "i", "n32");
  lf_builder *bin = lf_builder_add_child(b, "z", "bin");
  lf_builder *user = lf_builder_add_child(b, "+s", "user");
  lf_builder *email = lf_builder_add_child(user, "u", "email");
  lf_builder *addr = lf_builder_add_child(user, "+s", "addr");
  lf_builder *city = lf_builder_add_child(addr, "u", "city");
  lf_builder *tags = lf_builder_add_child(b, "+l", "tags");
  lf_builder *tag = lf_builder_add_child(tags, "u", "item");
  lf_builder *nums = lf_builder_add_child(b, "+l", "nums");
  lf_builder *num = lf_builder_add_child(nums, "l", "item");
  lf_builder *m = lf_builder_add_child(b, "+m", "attrs");
  lf_builder *mk = lf_builder_add_child(m, "u", "key");
  lf_builder *mv = lf_builder_add_child(m, "u", "value");
  static const int64_t ids[] = {0, 1, -1, INT64_MAX, INT64_MIN, 42, 7};
  static const double am[] = {0.0, -0.0, 1.5, 1e308, -1e-308, 3.0, 2.5};
  static const char *const names[] = {"", "a", "%_\\", "\xc3\xa9t\xc3\xa9", "2024-01-01", "x y", "AbC"};
  for (int r = 0; r < 7; r++) {
    lf_builder_append_struct(b);
    r == 5 ? lf_builder_append_null(id) : lf_builder_append_int64(id, ids[r]);
    r == 6 ? lf_builder_append_null(amount) : lf_builder_append_double(amount, r == 2 ? am[r] / 0.0 * 0.0 : am[r]);
    r == 1 ? lf_builder_append_null(name) : lf_builder_append_cstr(name, names[r]);
    r == 3 ? lf_builder_append_null(ts) : lf_builder_append_timestamp(ts, ids[r] % 4000000000000000LL);
    r % 3 == 2 ? lf_builder_append_null(flag) : lf_builder_append_bool(flag, r % 2);
    lf_builder_append_int32(n32, r - 3);
    lf_builder_append_binary(bin, "\0\1\2", (size_t)(r % 4));
    if (r == 4) {
      lf_builder_append_null(user);
    } else {
      lf_builder_append_struct(user);
      r == 2 ? lf_builder_append_null(email) : lf_builder_append_cstr(email, names[r]);
      if (r == 5) lf_builder_append_null(addr);
      else {
        lf_builder_append_struct(addr);
        lf_builder_append_cstr(city, names[6 - r]);
      }
    }
    for (int k = 0; k < r % 3; k++) lf_builder_append_cstr(tag, names[k]);
    r == 0 ? lf_builder_append_null(tags) : lf_builder_append_list(tags);
    lf_builder_append_int64(num, r);
    lf_builder_append_list(nums);
    lf_builder_append_cstr(mk, "k");
    lf_builder_append_cstr(mv, names[r]);
    lf_builder_append_map(m);
  }
  if (lf_builder_finish(b, &g_batch, &g_schema, NULL) != LF_OK) abort();
  g_ready = 1;
}

static void run(lfh_expr *e, const struct ArrowArray *batch) {
  char msg[256];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  lfh_expr_eval_opts opts = {.now_us = 1700000000000000LL};
  struct ArrowArray out;
  if (lfh_expr_eval(e, batch, &opts, &out, &err) == LF_OK) out.release(&out);
  uint8_t verdict[8];
  if (lfh_expr_type(e) == LFH_TYPE_BOOLEAN) lfh_expr_eval_predicate(e, batch, &opts, verdict, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!g_ready) build();
  char msg[256];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  lfh_expr_pos pos;
  lfh_expr_check_syntax((const char *)data, size, &pos, &err);
  lfh_expr *e = lfh_expr_compile((const char *)data, size, &g_schema, &pos, &err);
  if (!e) return 0;
  for (size_t i = 0; i < lfh_expr_n_columns(e); i++) (void)strlen(lfh_expr_column(e, i));
  struct ArrowSchema rs;
  if (lfh_expr_result_schema(e, "r", &rs, &err) == LF_OK) rs.release(&rs);
  run(e, &g_batch);
  struct ArrowArray slice = g_batch; /* borrowed view: rows 2..5 */
  slice.offset = 2;
  slice.length = 4;
  run(e, &slice);
  lfh_expr_free(e);
  return 0;
}
