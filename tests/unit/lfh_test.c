#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "lfh_test.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

static char *slurp_or_empty(const char *path) {
  char *s = lfh_test_slurp(path, NULL);
  return s ? s : strdup("");
}

lfh_test_proc lfh_test_exec(const char *scratch, const char *cwd, const char *const *argv) {
  lfh_test_proc r = {-1, NULL, NULL};
  char out_path[1024], err_path[1024];
  snprintf(out_path, sizeof out_path, "%s/out.txt", scratch);
  snprintf(err_path, sizeof err_path, "%s/err.txt", scratch);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fi = open("/dev/null", O_RDONLY);
    if (fo < 0 || fe < 0 || fi < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 || dup2(fi, 0) < 0 ||
        (cwd && chdir(cwd) != 0))
      _exit(126);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  int ws = 0;
  while (pid > 0 && waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  if (pid > 0) r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : -1;
  r.out = slurp_or_empty(out_path);
  r.err = slurp_or_empty(err_path);
  return r;
}

void lfh_test_proc_free(lfh_test_proc *p) {
  free(p->out);
  free(p->err);
  p->out = p->err = NULL;
}

void lfh_test_proc_show(const lfh_test_proc *p) {
  fprintf(stderr, "\n--- exit %d\n--- stdout:\n%s--- stderr:\n%s---\n", p->status,
          p->out ? p->out : "", p->err ? p->err : "");
}
