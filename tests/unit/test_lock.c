/* test_lock — the deployment lock: a live holder is refused by name, a dead holder on
 * this host is detected as stale and named but not taken without --force-lock, force
 * overrides any lock, release never deletes a newcomer's lock, and of two processes
 * racing for the lock exactly one gets it (repeated rounds). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deploy/lfh_lock.h"
#include "lf/lf_array.h"
#include "lfh_test.h"

#define RACE_ROUNDS 25

static char msg[1024];
static lf_error err;

static lf_error *err0(void) {
  lf_error_init(&err, msg, sizeof(msg));
  return &err;
}

static int lock_exists(const char *dir) {
  char path[1024];
  struct stat st;
  snprintf(path, sizeof path, "%s/state/deploy.lock", dir);
  return stat(path, &st) == 0;
}

/* A pid that certainly ran and is gone: a child reaped. */
static pid_t dead_pid(void) {
  pid_t p = fork();
  if (p == 0) _exit(0);
  waitpid(p, NULL, 0);
  return p;
}

static void write_lock(const char *dir, long long pid, const char *host) {
  char text[512];
  snprintf(text, sizeof text,
           "{\"pid\": %lld, \"hostname\": \"%s\", \"user\": \"ann\", "
           "\"acquired_at\": \"2024-05-01T12:00:00.000Z\", \"command\": \"deploy\"}",
           pid, host);
  char *p = lfh_test_write(dir, "state/deploy.lock", text);
  CU_ASSERT_PTR_NOT_NULL(p);
  free(p);
}

static void test_live_holder_refused(void) {
  char *dir = lfh_test_tmpdir();
  lfh_lock *a = NULL, *b = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_lock_acquire(dir, "deploy", 0, &a, err0()), 0);
  CU_ASSERT_TRUE(lock_exists(dir));
  CU_ASSERT_PTR_NULL(lfh_lock_note(a));
  lfh_lock_holder h;
  CU_ASSERT_EQUAL_FATAL(lfh_lock_read(dir, &h, err0()), 0);
  CU_ASSERT_EQUAL(h.pid, (long long)getpid());
  CU_ASSERT_STRING_EQUAL(h.command, "deploy");
  CU_ASSERT_FALSE(lfh_lock_is_stale(&h));
  lfh_lock_holder_clear(&h);
  CU_ASSERT_EQUAL(lfh_lock_acquire(dir, "destroy", 0, &b, err0()), LF_ERR_CONFLICT);
  CU_ASSERT_PTR_NULL(b);
  char pid[32];
  snprintf(pid, sizeof pid, "pid %d", (int)getpid());
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, pid));
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "held by"));
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "--force-lock"));
  CU_ASSERT_EQUAL(lfh_lock_release(a, err0()), 0);
  CU_ASSERT_FALSE(lock_exists(dir));
  CU_ASSERT_EQUAL(lfh_lock_read(dir, &h, err0()), LF_ERR_NOT_FOUND);
  /* free again after release */
  CU_ASSERT_EQUAL_FATAL(lfh_lock_acquire(dir, "deploy", 0, &b, err0()), 0);
  CU_ASSERT_EQUAL(lfh_lock_release(b, err0()), 0);
  lfh_test_rmtree(dir);
  free(dir);
}

static void test_stale_named_and_forced(void) {
  char *dir = lfh_test_tmpdir(), host[256], want[128];
  gethostname(host, sizeof host);
  host[sizeof host - 1] = '\0';
  pid_t gone = dead_pid();
  write_lock(dir, gone, host);
  lfh_lock *l = NULL;
  CU_ASSERT_EQUAL(lfh_lock_acquire(dir, "deploy", 0, &l, err0()), LF_ERR_CONFLICT);
  CU_ASSERT_PTR_NULL(l);
  snprintf(want, sizeof want, "stale lock of pid %d (not running)", (int)gone);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, want));
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "2024-05-01T12:00:00.000Z"));
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "--force-lock"));
  CU_ASSERT_TRUE(lock_exists(dir)); /* refused: left as it was */
  CU_ASSERT_EQUAL_FATAL(lfh_lock_acquire(dir, "deploy", 1, &l, err0()), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(lfh_lock_note(l));
  CU_ASSERT_PTR_NOT_NULL(strstr(lfh_lock_note(l), "stale"));
  snprintf(want, sizeof want, "pid %d", (int)gone);
  CU_ASSERT_PTR_NOT_NULL(strstr(lfh_lock_note(l), want));
  lfh_lock_holder h;
  CU_ASSERT_EQUAL_FATAL(lfh_lock_read(dir, &h, err0()), 0);
  CU_ASSERT_EQUAL(h.pid, (long long)getpid());
  lfh_lock_holder_clear(&h);
  CU_ASSERT_EQUAL(lfh_lock_release(l, err0()), 0);
  CU_ASSERT_FALSE(lock_exists(dir));
  lfh_test_rmtree(dir);
  free(dir);
}

static void test_other_host_and_force(void) {
  char *dir = lfh_test_tmpdir();
  /* Another host: liveness unknown, so held (never stale), even with a dead-looking pid. */
  write_lock(dir, 999999, "some-other-host.example");
  lfh_lock *l = NULL, *mine = NULL;
  CU_ASSERT_EQUAL(lfh_lock_acquire(dir, "deploy", 0, &l, err0()), LF_ERR_CONFLICT);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "pid 999999 on host some-other-host.example"));
  CU_ASSERT_PTR_NULL(strstr(msg, "stale"));
  CU_ASSERT_EQUAL_FATAL(lfh_lock_acquire(dir, "deploy", 1, &l, err0()), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(lfh_lock_note(l), "some-other-host.example"));
  /* A newcomer forces our lock away: our release must not delete theirs. */
  CU_ASSERT_EQUAL_FATAL(lfh_lock_acquire(dir, "destroy", 1, &mine, err0()), 0);
  CU_ASSERT_EQUAL(lfh_lock_release(l, err0()), 0);
  CU_ASSERT_TRUE(lock_exists(dir));
  lfh_lock_holder h;
  CU_ASSERT_EQUAL_FATAL(lfh_lock_read(dir, &h, err0()), 0);
  CU_ASSERT_STRING_EQUAL(h.command, "destroy");
  lfh_lock_holder_clear(&h);
  CU_ASSERT_EQUAL(lfh_lock_release(mine, err0()), 0);
  CU_ASSERT_FALSE(lock_exists(dir));
  lfh_test_rmtree(dir);
  free(dir);
}

/* Child: wait for the start signal (EOF on `go`), try once, report, hold until `stop`. */
static void racer(const char *dir, int go, int res, int stop) {
  char c;
  lfh_lock *l = NULL;
  while (read(go, &c, 1) > 0) {
  }
  char r = lfh_lock_acquire(dir, "deploy", 0, &l, NULL) == 0 ? '1' : '0';
  if (write(res, &r, 1) != 1) _exit(3);
  while (read(stop, &c, 1) > 0) {
  }
  _exit(lfh_lock_release(l, NULL) == 0 ? 0 : 4);
}

static void race_round(const char *dir) {
  int go[2], res[2], stop[2];
  pid_t kids[2];
  CU_ASSERT_FATAL(pipe(go) == 0 && pipe(res) == 0 && pipe(stop) == 0);
  for (int k = 0; k < 2; k++) {
    kids[k] = fork();
    if (kids[k] == 0) {
      close(go[1]);
      close(res[0]);
      close(stop[1]);
      racer(dir, go[0], res[1], stop[0]);
    }
  }
  close(go[0]);
  close(res[1]);
  close(stop[0]);
  close(go[1]); /* both start at once */
  char got[2] = {0, 0};
  for (int k = 0; k < 2; k++) CU_ASSERT_EQUAL(read(res[0], &got[k], 1), 1);
  CU_ASSERT_EQUAL((got[0] == '1') + (got[1] == '1'), 1);
  close(stop[1]);
  close(res[0]);
  for (int k = 0; k < 2; k++) {
    int status = 0;
    waitpid(kids[k], &status, 0);
    CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  CU_ASSERT_FALSE(lock_exists(dir));
}

static void test_two_processes_race(void) {
  char *dir = lfh_test_tmpdir();
  for (int r = 0; r < RACE_ROUNDS; r++) race_round(dir);
  lfh_test_rmtree(dir);
  free(dir);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"live holder refused by name", test_live_holder_refused},
      {"stale lock named, taken only with force", test_stale_named_and_forced},
      {"other host's lock, force, release keeps newcomer", test_other_host_and_force},
      {"two processes: exactly one gets the lock", test_two_processes_race},
      {NULL, NULL}};
  return lfh_test_run("lock", cases);
}
