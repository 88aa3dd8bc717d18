/* test_engine_run — `lfhost run` as a process (LFHOST_EXE): refused before deploy, quiet
 * parseable lines when not a terminal, usage errors, continuous mode stopped by SIGTERM
 * after finishing its epoch (exit 130, every row once), job retries as new updates. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lf/lf.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "table/lfh_table.h"

#define PLUGDIR LFH_BINARY_DIR "/tests/engine-plugins"

static char *g_dir;

static void put(const char *name, const char *text) {
  char *p = lfh_test_write(g_dir, name, text);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  free(p);
}

static void set_limit(long n) {
  char t[32];
  snprintf(t, sizeof t, "%ld\n", n);
  put("limit", t);
}

static void write_bundle(void) {
  char *t = NULL;
  CU_ASSERT_FATAL(asprintf(&t,
      "bundle: {name: cli, plugin_path: [\"%s\"]}\n"
      "workspace: {root_path: root}\n"
      "resources:\n"
      "  pipelines:\n"
      "    p:\n"
      "      name: p\n"
      "      libraries: [{plugin: lft_engine}]\n"
      "      datasets:\n"
      "        raw: {type: streaming_table}\n"
      "      flows:\n"
      "        ingest:\n"
      "          target: raw\n"
      "          source: {stage: test_seq, options: {limit_file: \"%s/limit\", rows_per_plan: 10}}\n"
      "          transforms: [{stage: test_fail, options: {fail_count_file: \"%s/failcount\"}}]\n"
      "  jobs:\n"
      "    nightly:\n"
      "      name: nightly\n"
      "      tasks:\n"
      "        - task_key: t1\n"
      "          pipeline_task: {pipeline_id: p}\n"
      "          max_retries: 2\n"
      "          min_retry_interval_millis: 50\n",
      PLUGDIR, g_dir, g_dir) > 0);
  put("b.yml", t);
  free(t);
}

/* Starts lfhost with stdout+stderr to `out` (a file in g_dir). */
static pid_t spawn(const char *out, const char *const *args) {
  char path[4096], bundle[4096];
  snprintf(path, sizeof path, "%s/%s", g_dir, out);
  snprintf(bundle, sizeof bundle, "%s/b.yml", g_dir);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)LFHOST_EXE;
    argv[n++] = (char *)args[0];
    argv[n++] = bundle;
    for (size_t i = 1; args[i] && n < 15; i++) argv[n++] = (char *)args[i];
    argv[n] = NULL;
    execv(LFHOST_EXE, argv);
    _exit(127);
  }
  return pid;
}

static int wait_exit(pid_t pid) {
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int lfhost(const char *out, const char *const *args) { return wait_exit(spawn(out, args)); }

static char *output(const char *out) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", g_dir, out);
  char *s = lfh_test_slurp(path, NULL);
  return s ? s : strdup("");
}

static int count_of(const char *text, const char *needle) {
  int n = 0;
  for (const char *p = text; (p = strstr(p, needle)); p++) n++;
  return n;
}

static int ids_cb(void *ctx, const struct ArrowSchema *s, struct ArrowArray *b) {
  int64_t **seen = ctx;
  lf_view v, c;
  char m[128];
  lf_error e;
  lf_error_init(&e, m, sizeof m);
  if (lf_view_init(&v, s, b, &e) == LF_OK && lf_view_child(&v, 0, &c) == LF_OK)
    for (int64_t i = 0; i < c.length; i++) {
      int64_t id = lf_view_int64(&c, i);
      if (id >= 0 && id < 1000) (*seen)[id]++;
    }
  lf_array_release(b);
  return 0;
}

/* Every id 0..n-1 exactly once in raw. */
static void check_once(long n) {
  char m[256], root[4096];
  lf_error e;
  lf_error_init(&e, m, sizeof m);
  snprintf(root, sizeof root, "%s/root/lakehouse", g_dir);
  lfh_store *s = lfh_store_open(root, &e);
  lfh_table *t = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(s, "main/default/raw", &t, &e), LF_OK);
  int64_t *seen = calloc(1000, sizeof *seen);
  lfh_scan_opts so = {0};
  CU_ASSERT_EQUAL(lfh_table_scan(t, &so, ids_cb, &seen, &e), LF_OK);
  long bad = 0;
  for (long i = 0; i < 1000; i++) bad += seen[i] != (i < n ? 1 : 0);
  CU_ASSERT_EQUAL(bad, 0);
  if (bad) fprintf(stderr, "\n%ld ids not exactly once (want 0..%ld)\n", bad, n - 1);
  free(seen);
  lfh_table_close(t);
  lfh_store_close(s);
}

static void fresh(void) {
  if (g_dir) lfh_test_rmtree(g_dir), free(g_dir);
  g_dir = lfh_test_tmpdir();
  write_bundle();
}

static void test_not_deployed_and_usage(void) {
  fresh();
  set_limit(5);
  const char *run[] = {"run", NULL};
  CU_ASSERT_EQUAL(lfhost("o1", run), 1);
  char *o = output("o1");
  CU_ASSERT_PTR_NOT_NULL(strstr(o, "lfhost deploy"));
  free(o);
  const char *bad[] = {"run", "--bogus", NULL};
  CU_ASSERT_EQUAL(lfhost("o2", bad), 2);
  const char *badint[] = {"run", "--trigger-interval", "soon", NULL};
  CU_ASSERT_EQUAL(lfhost("o3", badint), 2);
  const char *nope[] = {"run", "nope", NULL};
  const char *deploy[] = {"deploy", NULL};
  CU_ASSERT_EQUAL_FATAL(lfhost("d", deploy), 0);
  CU_ASSERT_EQUAL(lfhost("o4", nope), 1);
  o = output("o4");
  CU_ASSERT_PTR_NOT_NULL(strstr(o, "nope"));
  free(o);
}

static void test_quiet_output(void) {
  fresh();
  set_limit(25);
  const char *deploy[] = {"deploy", NULL};
  CU_ASSERT_EQUAL_FATAL(lfhost("d", deploy), 0);
  const char *run[] = {"run", "p", NULL};
  CU_ASSERT_EQUAL(lfhost("o", run), 0);
  char *o = output("o");
  CU_ASSERT_PTR_NOT_NULL(strstr(o, "flow=ingest dataset=raw epoch=1 rows=10 "));
  CU_ASSERT_PTR_NOT_NULL(strstr(o, "flow=ingest dataset=raw epoch=3 rows=5 "));
  CU_ASSERT_PTR_NOT_NULL(strstr(o, "state=COMPLETED epochs=3 rows=25 "));
  CU_ASSERT_PTR_NULL(strchr(o, '\r'));
  free(o);
  check_once(25);
  CU_ASSERT_EQUAL(lfhost("o", run), 0);
  o = output("o");
  CU_ASSERT_PTR_NOT_NULL(strstr(o, "state=COMPLETED epochs=0 rows=0 "));
  free(o);
}

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&t, NULL);
}

/* Polls the output until `needle` shows up (10 s at most). */
static int wait_for(const char *out, const char *needle) {
  for (int i = 0; i < 500; i++) {
    char *o = output(out);
    int hit = strstr(o, needle) != NULL;
    free(o);
    if (hit) return 1;
    sleep_ms(20);
  }
  return 0;
}

static void test_continuous_sigterm(void) {
  fresh();
  set_limit(25);
  const char *deploy[] = {"deploy", NULL};
  CU_ASSERT_EQUAL_FATAL(lfhost("d", deploy), 0);
  const char *run[] = {"run", "--continuous", "--trigger-interval", "100ms", NULL};
  pid_t pid = spawn("c", run);
  CU_ASSERT(wait_for("c", "epoch=3 "));
  set_limit(47); /* new rows while it runs */
  CU_ASSERT(wait_for("c", "epoch=6 "));
  kill(pid, SIGTERM);
  CU_ASSERT_EQUAL(wait_exit(pid), 130);
  char *o = output("c");
  CU_ASSERT_PTR_NOT_NULL(strstr(o, "state=CANCELED"));
  free(o);
  check_once(47);
}

static void test_job_retries(void) {
  fresh();
  set_limit(12);
  const char *deploy[] = {"deploy", NULL};
  CU_ASSERT_EQUAL_FATAL(lfhost("d", deploy), 0);
  /* fails twice, succeeds on the second retry */
  put("failcount", "2\n");
  const char *job[] = {"run", "nightly", NULL};
  CU_ASSERT_EQUAL(lfhost("j", job), 0);
  char *o = output("j");
  CU_ASSERT_EQUAL(count_of(o, "state=FAILED"), 2);
  CU_ASSERT_EQUAL(count_of(o, "state=COMPLETED"), 1);
  CU_ASSERT_EQUAL(count_of(o, "injected failure"), 2);
  free(o);
  check_once(12);
  /* the event log records the causes */
  const char *runs[] = {"runs", NULL};
  CU_ASSERT_EQUAL(lfhost("r", runs), 0);
  o = output("r");
  CU_ASSERT_EQUAL(count_of(o, "RETRY_ON_FAILURE"), 2);
  CU_ASSERT_EQUAL(count_of(o, "JOB_TASK"), 1);
  free(o);
  /* more failures than retries: exit 1 after 3 attempts */
  set_limit(20);
  put("failcount", "5\n");
  CU_ASSERT_EQUAL(lfhost("j2", job), 1);
  o = output("j2");
  CU_ASSERT_EQUAL(count_of(o, "state=FAILED"), 3);
  free(o);
  check_once(12);
}

int main(void) {
  static const lfh_test_case cases[] = {{"not deployed, usage errors", test_not_deployed_and_usage},
                                        {"quiet output when not a terminal", test_quiet_output},
                                        {"continuous mode stops on SIGTERM", test_continuous_sigterm},
                                        {"job retries", test_job_retries},
                                        {NULL, NULL}};
  int rc = lfh_test_run("engine_run", cases);
  if (g_dir) lfh_test_rmtree(g_dir), free(g_dir);
  return rc;
}
