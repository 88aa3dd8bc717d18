/*
 * lfh_test — the little that every CUnit program here shares: run a suite table, print
 * CUnit's summary, exit non-zero when anything failed (CTest reads the exit code).
 */
#ifndef LFH_TEST_H
#define LFH_TEST_H

#include <CUnit/Basic.h>

typedef struct lfh_test_case {
  const char *name;
  void (*fn)(void);
} lfh_test_case;

/* Runs `cases` (terminated by {NULL, NULL}) as one suite named `suite`. Returns the
 * process exit code: 0 when every assertion passed and at least one test ran. */
int lfh_test_run(const char *suite, const lfh_test_case *cases);

/* Reads a whole file into a malloc'd NUL-terminated buffer (NULL on error). */
char *lfh_test_slurp(const char *path, size_t *len);

/* Writes `text` to DIR/NAME (creating DIR), returns a malloc'd path (NULL on error).
 * DIR is made under $TMPDIR by lfh_test_tmpdir(). */
char *lfh_test_write(const char *dir, const char *name, const char *text);

/* A fresh temporary directory, removed by lfh_test_rmtree(). malloc'd path. */
char *lfh_test_tmpdir(void);
int lfh_test_rmtree(const char *path);

/* A finished child process: its exit status and what it printed. */
typedef struct lfh_test_proc {
  int status; /* exit code; 128+N when killed by signal N; -1 when it did not run */
  char *out;  /* stdout, NUL-terminated ("" when empty); owned */
  char *err;  /* stderr; owned */
} lfh_test_proc;

/* Runs argv[0] with `argv` (NULL-terminated) in folder `cwd` (NULL: here), stdin from
 * /dev/null, stdout and stderr captured through files in `scratch` (out.txt, err.txt). */
lfh_test_proc lfh_test_exec(const char *scratch, const char *cwd, const char *const *argv);
void lfh_test_proc_free(lfh_test_proc *p);
/* Prints the exit status and both outputs to stderr, next to a failing assertion. */
void lfh_test_proc_show(const lfh_test_proc *p);

#endif
