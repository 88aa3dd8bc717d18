/* "did you mean" suggestions: distances, the length-scaled limit, transpositions. */
#include <string.h>

#include "lfh_test.h"
#include "util/lfh_suggest.h"

static void test_distance(void) {
  CU_ASSERT_EQUAL(lfh_edit_distance("", "", 5), 0);
  CU_ASSERT_EQUAL(lfh_edit_distance("abc", "", 5), 3);
  CU_ASSERT_EQUAL(lfh_edit_distance("target", "target", 5), 0);
  CU_ASSERT_EQUAL(lfh_edit_distance("kitten", "sitting", 5), 3);
  CU_ASSERT_EQUAL(lfh_edit_distance("tagret", "target", 5), 1);   /* transposition */
  CU_ASSERT_EQUAL(lfh_edit_distance("alpah", "alpha", 5), 1);
  CU_ASSERT_EQUAL(lfh_edit_distance("ab", "ba", 5), 1);
  CU_ASSERT_EQUAL(lfh_edit_distance("abcdefgh", "zzzzzzzz", 2), 3); /* capped at cap + 1 */
  CU_ASSERT_EQUAL(lfh_edit_distance("a", "abcdefgh", 3), 4);        /* length gap > cap */
}

static void test_suggest(void) {
  static const char *const keys[] = {"bundle", "include", "variables", "workspace", "targets",
                                     "resources"};
  size_t n = sizeof keys / sizeof keys[0];
  CU_ASSERT_STRING_EQUAL(lfh_suggest("tragets", keys, n), "targets");
  CU_ASSERT_STRING_EQUAL(lfh_suggest("varables", keys, n), "variables");
  CU_ASSERT_STRING_EQUAL(lfh_suggest("BUNDLE", keys, n), "bundle"); /* case-insensitive */
  CU_ASSERT_STRING_EQUAL(lfh_suggest("bundl", keys, n), "bundle");
  CU_ASSERT_PTR_NULL(lfh_suggest("pipelines", keys, n));           /* too far from all */
  CU_ASSERT_PTR_NULL(lfh_suggest("x", keys, n));
  CU_ASSERT_PTR_NULL(lfh_suggest("bundle2", keys, 0));
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"edit distance", test_distance}, {"suggest", test_suggest}, {NULL, NULL}};
  return lfh_test_run("suggest", cases);
}
