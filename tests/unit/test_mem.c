/* lfh_grow: capacity doubling, first size, overflow refusal, array kept on failure. */
#include <stdint.h>
#include <stdlib.h>

#include "lfh_test.h"
#include "util/lfh_mem.h"

static void test_grow(void) {
  int *v = NULL;
  size_t cap = 0;
  CU_ASSERT_EQUAL(lfh_grow(&v, &cap, 1, sizeof *v, 4), 0);
  CU_ASSERT_EQUAL(cap, 4);
  CU_ASSERT_PTR_NOT_NULL_FATAL(v);
  for (int i = 0; i < 4; i++) v[i] = i;
  CU_ASSERT_EQUAL(lfh_grow(&v, &cap, 4, sizeof *v, 4), 0); /* enough already */
  CU_ASSERT_EQUAL(cap, 4);
  CU_ASSERT_EQUAL(lfh_grow(&v, &cap, 5, sizeof *v, 4), 0);
  CU_ASSERT_EQUAL(cap, 8);
  CU_ASSERT_EQUAL(lfh_grow(&v, &cap, 33, sizeof *v, 4), 0); /* several doublings at once */
  CU_ASSERT_EQUAL(cap, 64);
  for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(v[i], i); /* contents kept */
  free(v);
}

static void test_overflow(void) {
  char *v = NULL;
  size_t cap = 0;
  CU_ASSERT_EQUAL(lfh_grow(&v, &cap, 10, 1, 0), 0); /* first = 0 starts from 1 */
  CU_ASSERT_EQUAL(cap, 16);
  char *before = v;
  CU_ASSERT_EQUAL(lfh_grow(&v, &cap, SIZE_MAX / 2, 16, 8), -1);
  CU_ASSERT_PTR_EQUAL(v, before); /* unchanged on failure */
  CU_ASSERT_EQUAL(cap, 16);
  free(v);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"grow", test_grow}, {"overflow", test_overflow}, {NULL, NULL}};
  return lfh_test_run("mem", cases);
}
