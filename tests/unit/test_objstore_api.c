/*
 * test_objstore_api — lf_host.objstore (ABI 1.2) as a plugin sees it: through
 * lfh_host_table(), on real temp folders: list order and metadata, stat, ranged reads,
 * atomic writes and put-if-absent, remove, error codes and messages, and one handle
 * shared by threads.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "lf/lf_array.h"
#include "lf/lf_objstore.h"
#include "lfb_azurite.h"
#include "lfh_test.h"
#include "loader/lfh_loader.h"

static char g_msg[512];
static lf_error g_err = {sizeof(lf_error), 0, g_msg, sizeof g_msg};

static const lf_objstore_api *api(void) { return lfh_host_table()->objstore; }

static lf_objstore *open_dir(const char *dir) {
  lf_objstore *h = NULL;
  CU_ASSERT_EQUAL(api()->open(NULL, dir, &h, &g_err), LF_OK);
  return h;
}

static void test_table_filled(void) {
  const lf_host *host = lfh_host_table();
  CU_ASSERT_EQUAL_FATAL(host->abi_minor, 2);
  CU_ASSERT_PTR_NOT_NULL_FATAL(host->objstore);
  CU_ASSERT_TRUE(LF_HAS_FIELD(host->objstore, struct lf_objstore_api, remove));
  CU_ASSERT_PTR_NOT_NULL(host->objstore->open);
  CU_ASSERT_PTR_NOT_NULL(host->objstore->remove);
}

typedef struct listing {
  char keys[16][64];
  uint64_t sizes[16];
  int64_t mtimes[16];
  int n, stop_after;
} listing;

static int collect(void *ctx, const lf_object_info *info) {
  listing *l = ctx;
  if (l->n >= 16 || info->struct_size < sizeof(lf_object_info)) return -100;
  snprintf(l->keys[l->n], sizeof l->keys[0], "%s", info->key);
  l->sizes[l->n] = info->size;
  l->mtimes[l->n] = info->mtime_us;
  l->n++;
  return l->stop_after && l->n == l->stop_after ? 7 : 0;
}

static void set_mtime(const char *dir, const char *name, time_t sec) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  struct timeval tv[2] = {{sec, 250000}, {sec, 250000}};
  CU_ASSERT_EQUAL(utimes(path, tv), 0);
}

static void test_list_and_stat(void) {
  char *dir = lfh_test_tmpdir();
  free(lfh_test_write(dir, "b.json", "{\"a\":1}\n"));
  free(lfh_test_write(dir, "a.json", "{}\n"));
  free(lfh_test_write(dir, "sub/c.json", "12345"));
  /* A crashed writer's temp file is never an object. */
  free(lfh_test_write(dir, ".lfh-tmp-123-x", "partial"));
  set_mtime(dir, "a.json", 1700000000);
  lf_objstore *h = open_dir(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(h);
  char expect_root[1100];
  snprintf(expect_root, sizeof expect_root, "file://%s", dir);
  CU_ASSERT_STRING_EQUAL(api()->root(h), expect_root);

  listing l = {0};
  CU_ASSERT_EQUAL(api()->list(h, "", collect, &l, &g_err), LF_OK);
  CU_ASSERT_EQUAL_FATAL(l.n, 3);
  CU_ASSERT_STRING_EQUAL(l.keys[0], "a.json");
  CU_ASSERT_STRING_EQUAL(l.keys[1], "b.json");
  CU_ASSERT_STRING_EQUAL(l.keys[2], "sub/c.json");
  CU_ASSERT_EQUAL(l.sizes[0], 3);
  CU_ASSERT_EQUAL(l.sizes[2], 5);
  CU_ASSERT_EQUAL(l.mtimes[0], 1700000000LL * 1000000 + 250000);

  memset(&l, 0, sizeof l);
  CU_ASSERT_EQUAL(api()->list(h, "sub/", collect, &l, &g_err), LF_OK);
  CU_ASSERT_EQUAL(l.n, 1);
  memset(&l, 0, sizeof l);
  l.stop_after = 2;
  CU_ASSERT_EQUAL(api()->list(h, "", collect, &l, &g_err), 7); /* the callback's value */
  CU_ASSERT_EQUAL(l.n, 2);

  lf_object_info info = {.struct_size = sizeof info};
  CU_ASSERT_EQUAL(api()->stat(h, "a.json", &info, &g_err), LF_OK);
  CU_ASSERT_STRING_EQUAL(info.key, "a.json");
  CU_ASSERT_EQUAL(info.size, 3);
  CU_ASSERT_EQUAL(info.mtime_us, 1700000000LL * 1000000 + 250000);
  CU_ASSERT_EQUAL(api()->stat(h, "nope.json", &info, &g_err), LF_ERR_NOT_FOUND);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "nope.json"));
  CU_ASSERT_EQUAL(api()->stat(h, "sub", &info, &g_err), LF_ERR_NOT_FOUND); /* a folder */
  lf_object_info tiny = {.struct_size = 8};
  CU_ASSERT_EQUAL(api()->stat(h, "a.json", &tiny, &g_err), LF_ERR_INVALID);
  api()->close(h);
  lfh_test_rmtree(dir);
  free(dir);
}

static void expect_read(lf_objstore *h, const char *key, uint64_t off, int64_t len,
                        const char *want) {
  lf_blob b = {0};
  CU_ASSERT_EQUAL_FATAL(api()->read(h, key, off, len, &b, &g_err), LF_OK);
  CU_ASSERT_EQUAL(b.size, strlen(want));
  CU_ASSERT(b.size == 0 || memcmp(b.data, want, b.size) == 0);
  CU_ASSERT_PTR_NOT_NULL(b.release);
  if (b.release) b.release(&b);
  CU_ASSERT_PTR_NULL(b.release);
}

static void test_read_ranges(void) {
  char *dir = lfh_test_tmpdir();
  free(lfh_test_write(dir, "f.txt", "0123456789"));
  free(lfh_test_write(dir, "empty", ""));
  lf_objstore *h = open_dir(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(h);
  expect_read(h, "f.txt", 0, LF_OBJSTORE_TO_END, "0123456789");
  expect_read(h, "f.txt", 3, 4, "3456");
  expect_read(h, "f.txt", 8, 100, "89");
  expect_read(h, "f.txt", 7, LF_OBJSTORE_TO_END, "789");
  expect_read(h, "f.txt", 10, 5, "");
  expect_read(h, "f.txt", 1000, LF_OBJSTORE_TO_END, "");
  expect_read(h, "f.txt", 2, 0, "");
  expect_read(h, "empty", 0, LF_OBJSTORE_TO_END, "");
  lf_blob b = {0};
  CU_ASSERT_EQUAL(api()->read(h, "f.txt", 0, -2, &b, &g_err), LF_ERR_INVALID);
  CU_ASSERT_PTR_NULL(b.release); /* untouched on failure */
  CU_ASSERT_EQUAL(api()->read(h, "missing", 0, -1, &b, &g_err), LF_ERR_NOT_FOUND);
  CU_ASSERT_PTR_NULL(b.release);
  CU_ASSERT_EQUAL(api()->read(h, "../etc/passwd", 0, -1, &b, &g_err), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(api()->read(h, "/abs", 0, -1, &b, &g_err), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(api()->read(h, "x/.lfh-tmp-1", 0, -1, &b, &g_err), LF_ERR_INVALID);
  api()->close(h);
  lfh_test_rmtree(dir);
  free(dir);
}

static void test_write_remove(void) {
  char *dir = lfh_test_tmpdir();
  lf_objstore *h = open_dir(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(h);
  CU_ASSERT_EQUAL(api()->write(h, "state/1", "one", 3, 0, &g_err), LF_OK);
  CU_ASSERT_EQUAL(api()->write(h, "state/1", "uno!", 4, 0, &g_err), LF_OK); /* replace */
  expect_read(h, "state/1", 0, LF_OBJSTORE_TO_END, "uno!");
  CU_ASSERT_EQUAL(api()->write(h, "state/2", "two", 3, 1, &g_err), LF_OK);
  CU_ASSERT_EQUAL(api()->write(h, "state/2", "TWO", 3, 1, &g_err), LF_ERR_CONFLICT);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "state/2"));
  expect_read(h, "state/2", 0, LF_OBJSTORE_TO_END, "two"); /* the loser left nothing */
  CU_ASSERT_EQUAL(api()->write(h, "empty", NULL, 0, 0, &g_err), LF_OK);
  expect_read(h, "empty", 0, LF_OBJSTORE_TO_END, "");
  CU_ASSERT_EQUAL(api()->write(h, "bad/", "x", 1, 0, &g_err), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(api()->write(h, "a/../b", "x", 1, 0, &g_err), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(api()->write(h, "nodata", NULL, 5, 0, &g_err), LF_ERR_INVALID);
  /* The file really is on disk, whole, under the root. */
  char path[1024];
  snprintf(path, sizeof path, "%s/state/1", dir);
  size_t n = 0;
  char *text = lfh_test_slurp(path, &n);
  CU_ASSERT(text && n == 4 && memcmp(text, "uno!", 4) == 0);
  free(text);
  CU_ASSERT_EQUAL(api()->remove(h, "state/1", &g_err), LF_OK);
  CU_ASSERT_EQUAL(api()->remove(h, "state/1", &g_err), LF_ERR_NOT_FOUND);
  lf_object_info info = {.struct_size = sizeof info};
  CU_ASSERT_EQUAL(api()->stat(h, "state/1", &info, &g_err), LF_ERR_NOT_FOUND);
  listing l = {0};
  CU_ASSERT_EQUAL(api()->list(h, "state/", collect, &l, &g_err), LF_OK);
  CU_ASSERT_EQUAL(l.n, 1);
  api()->close(h);
  api()->close(NULL);
  lfh_test_rmtree(dir);
  free(dir);
}

static void test_open_errors(void) {
  lf_objstore *h = (lf_objstore *)&g_err; /* must stay untouched */
  CU_ASSERT_EQUAL(api()->open(NULL, "", &h, &g_err), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(api()->open(NULL, "s3://bucket/x", &h, &g_err), LF_ERR_UNSUPPORTED);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "s3"));
  CU_ASSERT_EQUAL(api()->open(NULL, "file://host/x", &h, &g_err), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(api()->open(NULL, NULL, &h, &g_err), LF_ERR_INVALID);
  CU_ASSERT_PTR_EQUAL(h, (lf_objstore *)&g_err);
  /* A file:// URI and a relative path open too; the root folder is created. */
  char *dir = lfh_test_tmpdir(), uri[1100];
  snprintf(uri, sizeof uri, "file://%s/new/root", dir);
  CU_ASSERT_EQUAL(api()->open(NULL, uri, &h, &g_err), LF_OK);
  CU_ASSERT_STRING_EQUAL(api()->root(h), uri);
  CU_ASSERT_EQUAL(api()->write(h, "k", "v", 1, 1, &g_err), LF_OK);
  api()->close(h);
  struct stat st;
  snprintf(uri, sizeof uri, "%s/new/root/k", dir);
  CU_ASSERT_EQUAL(stat(uri, &st), 0);
  lfh_test_rmtree(dir);
  free(dir);
}

/* ------------------------------------------------------------ threads */

#define N_THREADS 4
#define N_ROUNDS 50

typedef struct worker {
  lf_objstore *h;
  int id, failures, conflicts, wins;
} worker;

/* Each thread writes its own keys, reads them back, lists, and races the others for a
 * shared set of create-if-absent keys: exactly one writer may win each. */
static void *work(void *arg) {
  worker *w = arg;
  char msg[256];
  lf_error err = {sizeof err, 0, msg, sizeof msg};
  for (int i = 0; i < N_ROUNDS; i++) {
    char key[64], val[64], shared[64];
    snprintf(key, sizeof key, "t%d/k%03d", w->id, i);
    int n = snprintf(val, sizeof val, "value %d of %d", i, w->id);
    if (api()->write(w->h, key, val, (size_t)n, 0, &err) != LF_OK) w->failures++;
    lf_blob b = {0};
    if (api()->read(w->h, key, 0, LF_OBJSTORE_TO_END, &b, &err) != LF_OK ||
        b.size != (size_t)n || memcmp(b.data, val, (size_t)n) != 0)
      w->failures++;
    if (b.release) b.release(&b);
    snprintf(shared, sizeof shared, "race/%03d", i);
    int rc = api()->write(w->h, shared, val, (size_t)n, 1, &err);
    if (rc == LF_OK) w->wins++;
    else if (rc == LF_ERR_CONFLICT) w->conflicts++;
    else w->failures++;
    listing l = {0};
    l.stop_after = 16;
    rc = api()->list(w->h, "race/", collect, &l, &err);
    if (rc != LF_OK && rc != 7) w->failures++;
  }
  return NULL;
}

static void test_threads(void) {
  char *dir = lfh_test_tmpdir();
  lf_objstore *h = open_dir(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(h);
  pthread_t t[N_THREADS];
  worker w[N_THREADS];
  for (int i = 0; i < N_THREADS; i++) {
    w[i] = (worker){.h = h, .id = i};
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, work, &w[i]), 0);
  }
  int wins = 0, conflicts = 0;
  for (int i = 0; i < N_THREADS; i++) {
    pthread_join(t[i], NULL);
    CU_ASSERT_EQUAL(w[i].failures, 0);
    wins += w[i].wins;
    conflicts += w[i].conflicts;
  }
  CU_ASSERT_EQUAL(wins, N_ROUNDS);
  CU_ASSERT_EQUAL(conflicts, N_ROUNDS * (N_THREADS - 1));
  listing l = {0};
  l.stop_after = 0;
  int total = 0;
  for (int i = 0; i < N_THREADS; i++) {
    char prefix[16];
    snprintf(prefix, sizeof prefix, "t%d/", i);
    memset(&l, 0, sizeof l);
    l.stop_after = 16;
    CU_ASSERT_EQUAL(api()->list(h, prefix, collect, &l, &g_err), 7);
    total += l.n;
  }
  CU_ASSERT_EQUAL(total, 16 * N_THREADS);
  api()->close(h);
  lfh_test_rmtree(dir);
  free(dir);
}

/* The same threads on an Azure Blob root (Azurite): the backend shares one connection
 * pool and credential cache between threads. */
static void test_threads_azure(void) {
  char *dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  int up = lfb_azurite_start(dir, "objapi") == 0;
  CU_ASSERT_TRUE(up);
  lf_objstore *h = NULL;
  if (up)
    CU_ASSERT_EQUAL(api()->open(NULL, "abfss://objapi@" LFB_DEV_ACCOUNT
                                      ".dfs.core.windows.net/threads", &h, &g_err), LF_OK);
  if (h) {
    CU_ASSERT_PTR_NOT_NULL(strstr(api()->root(h), "objapi"));
    pthread_t t[N_THREADS];
    worker w[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
      w[i] = (worker){.h = h, .id = i};
      CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    int wins = 0, conflicts = 0;
    for (int i = 0; i < N_THREADS; i++) {
      pthread_join(t[i], NULL);
      CU_ASSERT_EQUAL(w[i].failures, 0);
      wins += w[i].wins;
      conflicts += w[i].conflicts;
    }
    CU_ASSERT_EQUAL(wins, N_ROUNDS);
    CU_ASSERT_EQUAL(conflicts, N_ROUNDS * (N_THREADS - 1));
    expect_read(h, "t1/k007", 6, 1, "7");
    lf_object_info info = {.struct_size = sizeof info};
    CU_ASSERT_EQUAL(api()->stat(h, "t2/k010", &info, &g_err), LF_OK);
    CU_ASSERT_EQUAL(info.size, strlen("value 10 of 2"));
    CU_ASSERT(info.mtime_us > 1600000000LL * 1000000);
    CU_ASSERT_EQUAL(api()->remove(h, "t2/k010", &g_err), LF_OK);
    CU_ASSERT_EQUAL(api()->stat(h, "t2/k010", &info, &g_err), LF_ERR_NOT_FOUND);
    api()->close(h);
  }
  lfb_azurite_stop(dir);
  lfh_test_rmtree(dir);
  free(dir);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"host table has objstore (1.2)", test_table_filled},
      {"list and stat", test_list_and_stat},
      {"read ranges", test_read_ranges},
      {"write, if_absent, remove", test_write_remove},
      {"open errors and URIs", test_open_errors},
      {"one handle, several threads", test_threads},
      {"one Azure handle, several threads (Azurite)", test_threads_azure},
      {NULL, NULL},
  };
  return lfh_test_run("objstore_api", cases);
}
