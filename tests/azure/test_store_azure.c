/*
 * lfh_store on Azure Blob, against a real Azurite (started by the CTest fixture, see
 * tests/azure/CMakeLists.txt; the endpoint is read from $LFH_AZURITE_DIR/endpoint and
 * every test fails when it is missing). Shared Key with Azurite's published dev account.
 * Round trips, ranges at the edges, stat, delete, create-if-absent (also raced by 10
 * processes), listings with prefixes and paging, uploads in blocks, URI forms, errors,
 * and Iceberg tables committing on an abfss:// root (also from 3 processes at once).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "store/lfh_store_backend.h"
#include "table/lfh_table.h"

/* Azurite's well-known development account and key (published in its README). */
#define DEV_ACCOUNT "devstoreaccount1"
#define DEV_KEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
#define CONTAINER "lfhtest"
#define ABFSS "abfss://" CONTAINER "@" DEV_ACCOUNT ".dfs.core.windows.net"

static char g_msg[1024];
static lf_error g_err;
static char g_endpoint[512]; /* "http://127.0.0.1:PORT/devstoreaccount1" */
static int g_seq;

static lf_error *err0(void) {
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  return &g_err;
}

/* Points the backend at Azurite with the dev key; 0 when the fixture's endpoint exists. */
static int use_azurite(void) {
  const char *dir = getenv("LFH_AZURITE_DIR");
  char path[1024];
  if (!dir) return -1;
  snprintf(path, sizeof path, "%s/endpoint", dir);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  int ok = fgets(g_endpoint, sizeof g_endpoint, f) != NULL;
  fclose(f);
  if (!ok) return -1;
  g_endpoint[strcspn(g_endpoint, "\r\n")] = '\0';
  setenv("LFH_AZURE_BLOB_ENDPOINT", g_endpoint, 1);
  setenv("AZURE_STORAGE_KEY", DEV_KEY, 1);
  setenv("LFH_AZURE_AUTH", "shared_key", 1);
  unsetenv("AZURE_STORAGE_SAS_TOKEN");
  unsetenv("AZURE_STORAGE_CONNECTION_STRING");
  unsetenv("LFH_AZURE_LIST_PAGE");
  unsetenv("LFH_AZURE_BLOCK_SIZE");
  return 0;
}

/* A store on a fresh folder of the test container. */
static lfh_store *open_fresh(void) {
  char uri[512];
  snprintf(uri, sizeof uri, ABFSS "/t%ld-%d-%ld", (long)getpid(), ++g_seq, (long)time(NULL));
  lfh_store *s = lfh_store_open(uri, err0());
  if (!s) fprintf(stderr, "open %s: %s\n", uri, g_msg);
  return s;
}

static int put_str(lfh_store *s, const char *key, const char *text) {
  int rc = lfh_store_put(s, key, text, strlen(text), err0());
  if (rc != 0) fprintf(stderr, "put %s: %s\n", key, g_msg);
  return rc;
}

static int buf_is(const lfh_buf *b, const char *text) {
  size_t n = strlen(text);
  return b->len == n && (n == 0 || memcmp(b->data, text, n) == 0);
}

static int msg_names(const lfh_store *s, const char *key) {
  char uri[1024];
  snprintf(uri, sizeof uri, "%s/%s", lfh_store_root(s), key);
  return strstr(g_msg, uri) != NULL;
}

static void test_fixture(void) {
  CU_ASSERT_EQUAL_FATAL(use_azurite(), 0); /* no Azurite: every test below fails */
  int rc = lfh_store_azure_create_container(ABFSS, err0());
  if (rc != 0) fprintf(stderr, "create container: %s\n", g_msg);
  CU_ASSERT_EQUAL(rc, 0);
  CU_ASSERT_EQUAL(lfh_store_azure_create_container(ABFSS, err0()), 0); /* exists: fine */
}

static void test_round_trip(void) {
  lfh_store *s = open_fresh();
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  lfh_buf b = {0};
  CU_ASSERT_EQUAL(put_str(s, "a.txt", "hello"), 0);
  CU_ASSERT_EQUAL(lfh_store_get(s, "a.txt", &b, err0()), 0);
  CU_ASSERT_TRUE(buf_is(&b, "hello"));
  CU_ASSERT_EQUAL(lfh_store_get(s, "a.txt", &b, err0()), 0); /* appends */
  CU_ASSERT_TRUE(buf_is(&b, "hellohello"));
  CU_ASSERT_EQUAL(put_str(s, "a.txt", "hi"), 0);
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_store_get(s, "a.txt", &b, err0()), 0);
  CU_ASSERT_TRUE(buf_is(&b, "hi"));
  CU_ASSERT_EQUAL(lfh_store_put(s, "empty", NULL, 0, err0()), 0);
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_store_get(s, "empty", &b, err0()), 0);
  CU_ASSERT_EQUAL(b.len, 0);
  uint8_t bin[256];
  for (int i = 0; i < 256; i++) bin[i] = (uint8_t)i;
  CU_ASSERT_EQUAL(lfh_store_put(s, "x/y z/é+%/bin", bin, sizeof bin, err0()), 0);
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_store_get(s, "x/y z/é+%/bin", &b, err0()), 0);
  CU_ASSERT_TRUE(b.len == 256 && memcmp(b.data, bin, 256) == 0);
  lfh_buf_free(&b);
  lfh_store_close(s);
}

static int range_is(lfh_store *s, uint64_t off, uint64_t len, size_t want_off, size_t want_len) {
  lfh_buf b = {0};
  int ok = lfh_store_get_range(s, "r", off, len, &b, err0()) == 0 && b.len == want_len;
  for (size_t i = 0; ok && i < want_len; i++) ok = b.data[i] == (uint8_t)(want_off + i);
  lfh_buf_free(&b);
  return ok;
}

static void test_range(void) {
  lfh_store *s = open_fresh();
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  uint8_t d[100];
  for (int i = 0; i < 100; i++) d[i] = (uint8_t)i;
  CU_ASSERT_EQUAL_FATAL(lfh_store_put(s, "r", d, sizeof d, err0()), 0);
  CU_ASSERT_TRUE(range_is(s, 0, 10, 0, 10));
  CU_ASSERT_TRUE(range_is(s, 90, 10, 90, 10));
  CU_ASSERT_TRUE(range_is(s, 95, 10, 95, 5));
  CU_ASSERT_TRUE(range_is(s, 99, 1, 99, 1));
  CU_ASSERT_TRUE(range_is(s, 100, 5, 0, 0));
  CU_ASSERT_TRUE(range_is(s, 1000, 5, 0, 0));
  CU_ASSERT_TRUE(range_is(s, UINT64_MAX, 5, 0, 0));
  CU_ASSERT_TRUE(range_is(s, 10, 0, 0, 0));
  CU_ASSERT_TRUE(range_is(s, 0, UINT64_MAX, 0, 100));
  CU_ASSERT_TRUE(range_is(s, 37, UINT64_MAX, 37, 63));
  lfh_buf b = {0};
  CU_ASSERT_EQUAL(lfh_buf_append(&b, "keep", 4), 0);
  CU_ASSERT_EQUAL(lfh_store_get_range(s, "nope", 0, 10, &b, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_TRUE(buf_is(&b, "keep"));
  CU_ASSERT_TRUE(msg_names(s, "nope"));
  CU_ASSERT_EQUAL(lfh_store_get_range(s, "nope", 0, 0, &b, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(lfh_store_put(s, "e", NULL, 0, err0()), 0);
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_store_get_range(s, "e", 0, 10, &b, err0()), 0); /* empty object */
  CU_ASSERT_EQUAL(b.len, 0);
  lfh_buf_free(&b);
  lfh_store_close(s);
}

static void test_stat_delete(void) {
  lfh_store *s = open_fresh();
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  static uint8_t d[1234];
  int64_t t0 = (int64_t)time(NULL) * 1000000;
  CU_ASSERT_EQUAL_FATAL(lfh_store_put(s, "m/obj", d, sizeof d, err0()), 0);
  int64_t t1 = (int64_t)time(NULL) * 1000000;
  lfh_store_stat st = {0};
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "m/obj", &st, err0()), 0);
  CU_ASSERT_EQUAL(st.size, 1234);
  CU_ASSERT_TRUE(st.mtime_us >= t0 - 2000000 && st.mtime_us <= t1 + 2000000);
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "m", &st, err0()), LF_ERR_NOT_FOUND); /* a folder */
  CU_ASSERT_TRUE(msg_names(s, "m"));
  CU_ASSERT_EQUAL(lfh_store_delete(s, "m", err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(lfh_store_delete(s, "m/obj", err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "m/obj", &st, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(lfh_store_delete(s, "m/obj", err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_TRUE(msg_names(s, "m/obj"));
  lfh_store_close(s);
}

static void test_put_if_absent(void) {
  lfh_store *s = open_fresh();
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  lfh_buf b = {0};
  const char *key = "meta/v1.metadata.json";
  CU_ASSERT_EQUAL(lfh_store_put_if_absent(s, key, "first", 5, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_put_if_absent(s, key, "second", 6, err0()), LF_ERR_CONFLICT);
  CU_ASSERT_TRUE(msg_names(s, key));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "409"));
  CU_ASSERT_EQUAL(lfh_store_get(s, key, &b, err0()), 0);
  CU_ASSERT_TRUE(buf_is(&b, "first"));
  CU_ASSERT_EQUAL(put_str(s, key, "third"), 0);
  CU_ASSERT_EQUAL(lfh_store_delete(s, key, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_put_if_absent(s, key, "fourth", 6, err0()), 0);
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_store_get(s, key, &b, err0()), 0);
  CU_ASSERT_TRUE(buf_is(&b, "fourth"));
  lfh_buf_free(&b);
  lfh_store_close(s);
}

/* 10 processes create the same key at once: exactly one wins, the object is its. */
static void test_race(void) {
  enum { N = 10 };
  lfh_store *s = open_fresh();
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  char root[512];
  snprintf(root, sizeof root, "%s", lfh_store_root(s));
  int go[2];
  CU_ASSERT_EQUAL_FATAL(pipe(go), 0);
  pid_t pids[N];
  for (int i = 0; i < N; i++) {
    pids[i] = fork();
    CU_ASSERT_FATAL(pids[i] >= 0);
    if (pids[i] == 0) {
      char c, body[32];
      close(go[1]);
      lfh_store *cs = lfh_store_open(root, NULL);
      if (!cs || read(go[0], &c, 1) < 0) _exit(3);
      snprintf(body, sizeof body, "creator %d", i);
      int rc = lfh_store_put_if_absent(cs, "commit", body, strlen(body), NULL);
      lfh_store_close(cs);
      _exit(rc == 0 ? 0 : rc == LF_ERR_CONFLICT ? 1 : 2);
    }
  }
  close(go[0]);
  close(go[1]); /* everyone starts now */
  int wins = 0, conflicts = 0, winner = -1;
  for (int i = 0; i < N; i++) {
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pids[i], &status, 0), pids[i]);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 9;
    if (code == 0) wins++, winner = i;
    if (code == 1) conflicts++;
  }
  CU_ASSERT_EQUAL(wins, 1);
  CU_ASSERT_EQUAL(conflicts, N - 1);
  lfh_buf b = {0};
  char want[32];
  snprintf(want, sizeof want, "creator %d", winner);
  CU_ASSERT_EQUAL(lfh_store_get(s, "commit", &b, err0()), 0);
  CU_ASSERT_TRUE(buf_is(&b, want));
  lfh_buf_free(&b);
  lfh_store_close(s);
}

typedef struct listing {
  char keys[64][64];
  uint64_t sizes[64];
  int n, stop_after;
} listing;

static int collect(void *ctx, const lfh_store_entry *e) {
  listing *l = ctx;
  if (l->n < 64) {
    snprintf(l->keys[l->n], sizeof l->keys[0], "%s", e->key);
    l->sizes[l->n] = e->stat.size;
  }
  l->n++;
  return l->stop_after && l->n == l->stop_after ? 42 : 0;
}

static void test_list(void) {
  static const char *const keys[] = {"a/1", "a/2/x", "a/b", "ab", "b", "c/d/e/f", "z"};
  enum { NK = sizeof keys / sizeof *keys };
  setenv("LFH_AZURE_LIST_PAGE", "2", 1); /* 7 objects in 4 pages */
  lfh_store *s = open_fresh();
  unsetenv("LFH_AZURE_LIST_PAGE");
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  for (int i = NK - 1; i >= 0; i--) CU_ASSERT_EQUAL(put_str(s, keys[i], keys[i]), 0);
  listing l = {0};
  CU_ASSERT_EQUAL(lfh_store_list(s, "", collect, &l, err0()), 0);
  CU_ASSERT_EQUAL_FATAL(l.n, NK);
  for (int i = 0; i < NK; i++) {
    CU_ASSERT_STRING_EQUAL(l.keys[i], keys[i]);
    CU_ASSERT_EQUAL(l.sizes[i], strlen(keys[i]));
  }
  memset(&l, 0, sizeof l);
  CU_ASSERT_EQUAL(lfh_store_list(s, "a/", collect, &l, err0()), 0);
  CU_ASSERT_EQUAL(l.n, 3);
  CU_ASSERT_STRING_EQUAL(l.keys[2], "a/b");
  memset(&l, 0, sizeof l);
  CU_ASSERT_EQUAL(lfh_store_list(s, "a", collect, &l, err0()), 0); /* partial segment */
  CU_ASSERT_EQUAL(l.n, 4);
  CU_ASSERT_STRING_EQUAL(l.keys[3], "ab");
  memset(&l, 0, sizeof l);
  CU_ASSERT_EQUAL(lfh_store_list(s, "nothing/", collect, &l, err0()), 0);
  CU_ASSERT_EQUAL(l.n, 0);
  memset(&l, 0, sizeof l);
  l.stop_after = 5; /* stops in the third page */
  CU_ASSERT_EQUAL(lfh_store_list(s, "", collect, &l, err0()), 42);
  CU_ASSERT_EQUAL(l.n, 5);
  lfh_store_close(s);
}

static void fill(uint8_t *d, size_t n, uint32_t seed) {
  for (size_t i = 0; i < n; i++) {
    seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
    d[i] = (uint8_t)seed;
  }
}

static void test_upload(void) {
  setenv("LFH_AZURE_BLOCK_SIZE", "1000", 1);
  lfh_store *s = open_fresh();
  unsetenv("LFH_AZURE_BLOCK_SIZE");
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  static uint8_t d[3500];
  fill(d, sizeof d, 7);
  lfh_store_upload *u = NULL;
  lfh_store_stat st;
  lfh_buf b = {0};
  /* in odd pieces: 4 blocks; nothing visible before commit */
  CU_ASSERT_EQUAL_FATAL(lfh_store_upload_begin(s, "up/f", 1, &u, err0()), 0);
  size_t cuts[] = {0, 1, 999, 1000, 2500, 2501, 3500};
  for (size_t i = 1; i < sizeof cuts / sizeof *cuts; i++)
    CU_ASSERT_EQUAL(lfh_store_upload_write(u, d + cuts[i - 1], cuts[i] - cuts[i - 1], err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "up/f", &st, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(lfh_store_upload_commit(u, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_get(s, "up/f", &b, err0()), 0);
  CU_ASSERT_TRUE(b.len == sizeof d && memcmp(b.data, d, sizeof d) == 0);
  /* exclusive onto an existing key: conflict, the old object stays */
  CU_ASSERT_EQUAL_FATAL(lfh_store_upload_begin(s, "up/f", 1, &u, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_upload_write(u, d, 2100, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_upload_commit(u, err0()), LF_ERR_CONFLICT);
  CU_ASSERT_TRUE(msg_names(s, "up/f"));
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_store_get(s, "up/f", &b, err0()), 0);
  CU_ASSERT_TRUE(b.len == sizeof d && memcmp(b.data, d, sizeof d) == 0);
  /* non-exclusive replaces it */
  CU_ASSERT_EQUAL_FATAL(lfh_store_upload_begin(s, "up/f", 0, &u, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_upload_write(u, d + 1, 2100, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_upload_commit(u, err0()), 0);
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_store_get(s, "up/f", &b, err0()), 0);
  CU_ASSERT_TRUE(b.len == 2100 && memcmp(b.data, d + 1, 2100) == 0);
  /* abort after staged blocks leaves nothing */
  CU_ASSERT_EQUAL_FATAL(lfh_store_upload_begin(s, "up/g", 0, &u, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_upload_write(u, d, 3000, err0()), 0);
  lfh_store_upload_abort(u);
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "up/g", &st, err0()), LF_ERR_NOT_FOUND);
  listing l = {0};
  CU_ASSERT_EQUAL(lfh_store_list(s, "up/", collect, &l, err0()), 0);
  CU_ASSERT_EQUAL(l.n, 1);
  /* small and empty uploads */
  CU_ASSERT_EQUAL_FATAL(lfh_store_upload_begin(s, "up/small", 1, &u, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_upload_write(u, "tiny", 4, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_upload_commit(u, err0()), 0);
  CU_ASSERT_EQUAL_FATAL(lfh_store_upload_begin(s, "up/small", 1, &u, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_upload_commit(u, err0()), LF_ERR_CONFLICT);
  CU_ASSERT_EQUAL_FATAL(lfh_store_upload_begin(s, "up/none", 1, &u, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_upload_commit(u, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "up/none", &st, err0()), 0);
  CU_ASSERT_EQUAL(st.size, 0);
  lfh_buf_free(&b);
  lfh_store_close(s);
}

static void test_uris(void) {
  char uri[1024];
  lfh_buf b = {0};
  /* the https form, through the same endpoint override */
  lfh_store *s = lfh_store_open("https://" DEV_ACCOUNT ".blob.core.windows.net/" CONTAINER
                                "/uris/", err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_STRING_EQUAL(lfh_store_root(s),
                         "https://" DEV_ACCOUNT ".blob.core.windows.net/" CONTAINER "/uris");
  CU_ASSERT_EQUAL(put_str(s, "k", "via https"), 0);
  lfh_store_close(s);
  /* path-style Azurite URI without the override sees the same blob */
  unsetenv("LFH_AZURE_BLOB_ENDPOINT");
  snprintf(uri, sizeof uri, "%s/" CONTAINER "/uris", g_endpoint);
  s = lfh_store_open(uri, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_EQUAL(lfh_store_get(s, "k", &b, err0()), 0);
  CU_ASSERT_TRUE(buf_is(&b, "via https"));
  lfh_store_close(s);
  setenv("LFH_AZURE_BLOB_ENDPOINT", g_endpoint, 1);
  /* and the abfss form at the container root */
  s = lfh_store_open(ABFSS "/", err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_STRING_EQUAL(lfh_store_root(s), ABFSS);
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_store_get(s, "uris/k", &b, err0()), 0);
  CU_ASSERT_TRUE(buf_is(&b, "via https"));
  char *ku = lfh_store_uri(s, "uris/k");
  CU_ASSERT_STRING_EQUAL(ku, ABFSS "/uris/k");
  free(ku);
  lfh_store_close(s);
  static const char *const bad[] = {
      "abfss://" DEV_ACCOUNT ".dfs.core.windows.net/x",   /* no container */
      "abfss://C@" DEV_ACCOUNT ".dfs.core.windows.net/x", /* upper case container */
      "abfss://lfhtest@" DEV_ACCOUNT ".example.com/x",     /* not a dfs host */
      ABFSS "/a/../b", ABFSS "/a//b", "https://" DEV_ACCOUNT ".blob.core.windows.net/"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    CU_ASSERT_PTR_NULL(lfh_store_open(bad[i], err0()));
    CU_ASSERT_EQUAL(g_err.code, LF_ERR_INVALID);
    CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, bad[i]));
  }
  lfh_buf_free(&b);
}

/* A wrong key: refused by the service, reported with the URI and never the key. */
static void test_auth_failure(void) {
  static const char wrong[] = "d3JvbmcgYnV0IHZhbGlkIGJhc2U2NCBrZXkgbWF0ZXJpYWwgMTIzNDU2Nzg5MA==";
  setenv("AZURE_STORAGE_KEY", wrong, 1);
  lfh_store *s = lfh_store_open(ABFSS "/auth", err0());
  setenv("AZURE_STORAGE_KEY", DEV_KEY, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  lfh_buf b = {0};
  int rc = lfh_store_get(s, "k", &b, err0());
  CU_ASSERT_TRUE(rc != 0 && rc != LF_ERR_NOT_FOUND);
  CU_ASSERT_TRUE(msg_names(s, "k"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "403"));
  CU_ASSERT_PTR_NULL(strstr(g_msg, wrong));
  CU_ASSERT_PTR_NULL(strstr(g_msg, "SharedKey"));
  lfh_buf_free(&b);
  lfh_store_close(s);
}

/* ------------------------------------------------------------------ tables on Blob */

/* Rows [first, first + n) of one int64 column "id". */
static int build_ids(int64_t first, int64_t n, struct ArrowArray *a, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *id = lf_builder_add_child(b, "l", "id");
  for (int64_t r = first; r < first + n; r++) {
    lf_builder_append_struct(b);
    lf_builder_append_int64(id, r);
  }
  return lf_builder_finish(b, a, s, NULL);
}

static int append_ids(lfh_table *t, int64_t first, int64_t n) {
  struct ArrowArray a;
  struct ArrowSchema s;
  lfh_table_append *ap = NULL;
  if (build_ids(first, n, &a, &s) != 0) return -1;
  int rc = lfh_table_append_begin(t, &s, &ap, err0());
  if (rc == 0) rc = lfh_table_append_batch(ap, &a, err0());
  if (rc == 0) rc = lfh_table_append_commit(ap, NULL, NULL, err0());
  if (rc != 0) fprintf(stderr, "append: %s\n", g_msg);
  lfh_table_append_free(ap);
  lf_array_release(&a);
  lf_schema_release(&s);
  return rc;
}

static int sum_ids(void *ctx, const struct ArrowSchema *schema, struct ArrowArray *batch) {
  int64_t *acc = ctx; /* [rows, sum] */
  (void)schema;
  const int64_t *v = batch->children[0]->buffers[1];
  for (int64_t i = 0; i < batch->length; i++) acc[1] += v[batch->children[0]->offset + i];
  acc[0] += batch->length;
  lf_array_release(batch);
  return 0;
}

static void test_table(void) {
  enum { PROCS = 3, EACH = 4 };
  lfh_store *s = open_fresh();
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  struct ArrowArray a;
  struct ArrowSchema sc;
  lfh_table *t = NULL;
  CU_ASSERT_EQUAL_FATAL(build_ids(0, 1, &a, &sc), 0);
  int rc = lfh_table_create(s, "db/events", &sc, NULL, &t, err0());
  if (rc != 0) fprintf(stderr, "create: %s\n", g_msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  lfh_table *t2 = NULL;
  CU_ASSERT_EQUAL(lfh_table_create(s, "db/events", &sc, NULL, &t2, err0()), LF_ERR_CONFLICT);
  lf_array_release(&a);
  lf_schema_release(&sc);
  CU_ASSERT_EQUAL(append_ids(t, 0, 10), 0);
  CU_ASSERT_EQUAL(append_ids(t, 10, 5), 0);
  /* other processes commit at the same time: every append lands, none twice */
  char root[512];
  snprintf(root, sizeof root, "%s", lfh_store_root(s));
  pid_t pids[PROCS];
  for (int p = 0; p < PROCS; p++) {
    if ((pids[p] = fork()) == 0) {
      lfh_store *cs = lfh_store_open(root, NULL);
      lfh_table *ct = NULL;
      int bad = !cs || lfh_table_open(cs, "db/events", &ct, NULL) != 0;
      for (int k = 0; !bad && k < EACH; k++) bad = append_ids(ct, 100 + (p * EACH + k) * 3, 3) != 0;
      lfh_table_close(ct);
      lfh_store_close(cs);
      _exit(bad);
    }
  }
  for (int p = 0; p < PROCS; p++) {
    int st = 0;
    CU_ASSERT_EQUAL(waitpid(pids[p], &st, 0), pids[p]);
    CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  lfh_table_close(t);
  t = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(s, "db/events", &t, err0()), 0);
  CU_ASSERT_EQUAL(lfh_table_version(t), 1 + 2 + PROCS * EACH);
  int64_t acc[2] = {0, 0}, want = 0;
  for (int64_t i = 0; i < 15; i++) want += i;
  for (int64_t i = 100; i < 100 + PROCS * EACH * 3; i++) want += i;
  lfh_scan_opts o = {0};
  CU_ASSERT_EQUAL(lfh_table_scan(t, &o, sum_ids, acc, err0()), 0);
  CU_ASSERT_EQUAL(acc[0], 15 + PROCS * EACH * 3);
  CU_ASSERT_EQUAL(acc[1], want);
  lfh_table_close(t);
  lfh_store_close(s);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"Azurite fixture and container", test_fixture},
      {"round trip", test_round_trip},
      {"ranges", test_range},
      {"stat and delete", test_stat_delete},
      {"put_if_absent", test_put_if_absent},
      {"10 concurrent creators", test_race},
      {"list, prefixes, paging", test_list},
      {"uploads in blocks", test_upload},
      {"URI forms", test_uris},
      {"authentication failure", test_auth_failure},
      {"Iceberg table on abfss://", test_table},
      {NULL, NULL}};
  return lfh_test_run("store_azure", cases);
}
