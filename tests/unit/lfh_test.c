#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "lfh_test.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lfh_test_run(const char *suite, const lfh_test_case *cases) {
  if (CU_initialize_registry() != CUE_SUCCESS) return 2;
  CU_pSuite s = CU_add_suite(suite, NULL, NULL);
  if (!s) goto fail;
  for (const lfh_test_case *c = cases; c->name; c++)
    if (!CU_add_test(s, c->name, c->fn)) goto fail;
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  unsigned ran = CU_get_number_of_tests_run();
  CU_cleanup_registry();
  return (failed == 0 && ran > 0) ? 0 : 1;
fail:
  CU_cleanup_registry();
  return 2;
}

char *lfh_test_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  if (fseek(f, 0, SEEK_END) != 0) goto fail;
  long n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET) != 0) goto fail;
  buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) goto fail;
  buf[n] = '\0';
  if (len) *len = (size_t)n;
  fclose(f);
  return buf;
fail:
  free(buf);
  fclose(f);
  return NULL;
}

char *lfh_test_write(const char *dir, const char *name, const char *text) {
  char *path = NULL;
  if (asprintf(&path, "%s/%s", dir, name) < 0) return NULL;
  /* create parent folders of NAME (it may contain '/') */
  for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
    *p = '\0';
    if (mkdir(path, 0755) != 0 && errno != EEXIST) goto fail;
    *p = '/';
  }
  FILE *f = fopen(path, "wb");
  if (!f) goto fail;
  size_t n = strlen(text);
  int ok = fwrite(text, 1, n, f) == n;
  if (fclose(f) != 0 || !ok) goto fail;
  return path;
fail:
  free(path);
  return NULL;
}

char *lfh_test_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  char *tmpl = NULL;
  if (asprintf(&tmpl, "%s/lfhtest.XXXXXX", base && *base ? base : "/tmp") < 0) return NULL;
  if (!mkdtemp(tmpl)) {
    free(tmpl);
    return NULL;
  }
  return tmpl;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb; (void)flag; (void)ftw;
  return remove(p);
}

int lfh_test_rmtree(const char *path) {
  return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
