/* test_checkpoint — a flow's checkpoint folder on a real local store: plans and states by
 * epoch, state parts round trip, damaged files refused, pruning, full-refresh deletion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lfh_checkpoint.h"
#include "lf/lf.h"
#include "lfh_test.h"

static char msg[512];
static lf_error err;

static lf_error *e0(void) {
  lf_error_init(&err, msg, sizeof msg);
  return &err;
}

static int count_cb(void *ctx, const lfh_store_entry *e) {
  (void)e;
  ++*(int *)ctx;
  return 0;
}

static int count(lfh_store *s, const char *prefix) {
  int n = 0;
  lfh_store_list(s, prefix, count_cb, &n, e0());
  return n;
}

static void test_checkpoint(void) {
  char *dir = lfh_test_tmpdir();
  lfh_store *s = lfh_store_open(dir, e0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  lfh_checkpoint *c = NULL, *other = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_checkpoint_open(s, "pipe", "flow", &c, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_checkpoint_open(s, "pipe", "flow2", &other, e0()), LF_OK);
  lfh_buf b = {0};
  CU_ASSERT_EQUAL(lfh_checkpoint_get_plan(c, 1, &b, e0()), LF_ERR_NOT_FOUND);
  for (uint64_t e = 1; e <= 12; e++) {
    char plan[32];
    snprintf(plan, sizeof plan, "plan %llu", (unsigned long long)e);
    CU_ASSERT_EQUAL(lfh_checkpoint_put_plan(c, e, plan, strlen(plan), e0()), LF_OK);
    lfh_ckpt_parts p = {0};
    CU_ASSERT_EQUAL(lfh_ckpt_parts_add(&p, "source", plan, strlen(plan)), LF_OK);
    CU_ASSERT_EQUAL(lfh_ckpt_parts_add(&p, "transform.0", "", 0), LF_OK);
    CU_ASSERT_EQUAL(lfh_checkpoint_put_state(c, e, &p, e0()), LF_OK);
    lfh_ckpt_parts_free(&p);
  }
  CU_ASSERT_EQUAL(lfh_checkpoint_put_plan(other, 1, "x", 1, e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_checkpoint_get_plan(c, 10, &b, e0()), LF_OK);
  CU_ASSERT_EQUAL(b.len, 7);
  CU_ASSERT_EQUAL(memcmp(b.data, "plan 10", 7), 0);
  lfh_buf_free(&b);
  lfh_ckpt_parts got;
  CU_ASSERT_EQUAL_FATAL(lfh_checkpoint_get_state(c, 11, &got, e0()), LF_OK);
  CU_ASSERT_EQUAL(got.n, 2);
  const lfh_ckpt_part *src = lfh_ckpt_parts_get(&got, "source");
  CU_ASSERT_PTR_NOT_NULL_FATAL(src);
  CU_ASSERT_EQUAL(src->len, 7);
  CU_ASSERT_EQUAL(memcmp(src->data, "plan 11", 7), 0);
  CU_ASSERT_EQUAL(lfh_ckpt_parts_get(&got, "transform.0")->len, 0);
  CU_ASSERT_PTR_NULL(lfh_ckpt_parts_get(&got, "transform.1"));
  lfh_ckpt_parts_free(&got);
  /* epochs sort as numbers: 20-digit names */
  CU_ASSERT_EQUAL(count(s, "checkpoints/pipe/flow/plan/"), 12);
  CU_ASSERT_EQUAL(lfh_checkpoint_prune(c, 10, e0()), LF_OK);
  CU_ASSERT_EQUAL(count(s, "checkpoints/pipe/flow/plan/"), 2);
  CU_ASSERT_EQUAL(count(s, "checkpoints/pipe/flow/state/"), 2);
  CU_ASSERT_EQUAL(lfh_checkpoint_get_plan(c, 10, &b, e0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(lfh_checkpoint_get_plan(c, 11, &b, e0()), LF_OK);
  lfh_buf_free(&b);
  /* a damaged state file is refused, not half-read */
  CU_ASSERT_EQUAL(lfh_store_put(s, "checkpoints/pipe/flow/state/00000000000000000013",
                                "LFCKPT1\n\x05\0\0\0sou", 15, e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_checkpoint_get_state(c, 13, &got, e0()), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "damaged"));
  CU_ASSERT_EQUAL(lfh_store_put(s, "checkpoints/pipe/flow/state/00000000000000000014", "junk", 4,
                                e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_checkpoint_get_state(c, 14, &got, e0()), LF_ERR_DATA);
  CU_ASSERT_EQUAL(lfh_checkpoint_get_state(c, 15, &got, e0()), LF_ERR_NOT_FOUND);
  /* full refresh: the flow's folder goes, the other flow's stays */
  CU_ASSERT_EQUAL(lfh_checkpoint_delete_all(c, e0()), LF_OK);
  CU_ASSERT_EQUAL(count(s, "checkpoints/pipe/flow/"), 0);
  CU_ASSERT_EQUAL(count(s, "checkpoints/pipe/flow2/"), 1);
  CU_ASSERT_EQUAL(lfh_checkpoint_delete_all(c, e0()), LF_OK); /* idempotent */
  lfh_checkpoint_close(c);
  lfh_checkpoint_close(other);
  lfh_store_close(s);
  lfh_test_rmtree(dir);
  free(dir);
}

int main(void) {
  static const lfh_test_case cases[] = {{"plans, states, prune, delete", test_checkpoint},
                                        {NULL, NULL}};
  return lfh_test_run("checkpoint", cases);
}
