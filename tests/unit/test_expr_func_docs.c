/* The function library as a whole: every registered function is documented in
 * docs/SQL_FUNCTIONS.md with its synopsis and doc string verbatim (and nothing else is),
 * names are unique, and every function turns all-NULL arguments into NULL rows (or, for
 * the never-NULL ones, into valid rows) without touching memory it does not own. */
#include <stdlib.h>

#include "test_expr_func.h"

static void test_docs_in_sync(void) {
  char *doc = lfh_test_slurp(LFH_SOURCE_DIR "/docs/SQL_FUNCTIONS.md", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  const lfh_func *f;
  size_t count = 0;
  for (size_t i = 0; (f = lfh_func_at(i)) != NULL; i++, count++) {
    char want[2048];
    snprintf(want, sizeof want, "### `%s`\n\n**%s**\n\n%s\n", f->name, f->synopsis, f->doc);
    if (!strstr(doc, want)) fprintf(stderr, "  docs/SQL_FUNCTIONS.md lacks or differs for %s\n", f->name);
    CU_ASSERT_PTR_NOT_NULL(strstr(doc, want));
    for (size_t j = 0; j < i; j++) CU_ASSERT_STRING_NOT_EQUAL(lfh_func_at(j)->name, f->name);
    CU_ASSERT_PTR_EQUAL(lfh_func_lookup(f->name, strlen(f->name)), f);
  }
  /* No entry for a function that is not registered. */
  size_t headings = 0;
  for (const char *p = strstr(doc, "\n### `"); p; p = strstr(p + 1, "\n### `")) {
    const char *name = p + 6, *end = strchr(name, '`');
    CU_ASSERT_PTR_NOT_NULL_FATAL(end);
    if (!lfh_func_lookup(name, (size_t)(end - name)))
      fprintf(stderr, "  documented but not registered: %.*s\n", (int)(end - name), name);
    CU_ASSERT_PTR_NOT_NULL(lfh_func_lookup(name, (size_t)(end - name)));
    headings++;
  }
  CU_ASSERT_EQUAL(headings, count);
  CU_ASSERT(count >= 30);
  free(doc);
}

/* Every function of the library called with NULL for each of its arguments over 5 rows. */
static void test_all_null_arguments(void) {
  fx x;
  fx_init(&x);
  x.rows = 5;
  const lfh_func *f;
  for (size_t i = 0; (f = lfh_func_at(i)) != NULL; i++) {
    int n = f->max_args == 0 ? 0 : (f->min_args > 0 ? f->min_args : 1);
    lfh_vec args[LFH_FUNC_MAX_ARGS];
    for (int k = 0; k < n; k++) {
      memset(&args[k], 0, sizeof args[k]);
      args[k].type = LFH_TYPE_NULL;
      args[k].is_const = 1;
      args[k].len = 1;
    }
    int rc = fx_call(&x, f->name, n, args);
    if (rc != 0) fprintf(stderr, "  %s(NULL...): %s\n", f->name, x.msg);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0) continue;
    for (int r = 0; r < 5; r++) {
      int valid = fx_valid(&x.out, r);
      if (valid != x.sig.never_null) fprintf(stderr, "  %s(NULL...) row %d valid=%d\n", f->name, r, valid);
      CU_ASSERT_EQUAL(valid, x.sig.never_null);
    }
  }
  fx_done(&x);
}

int main(void) {
  static const lfh_test_case cases[] = {{"docs in sync with the registry", test_docs_in_sync},
                                        {"NULL arguments", test_all_null_arguments},
                                        {NULL, NULL}};
  return lfh_test_run("expr_func_docs", cases);
}
