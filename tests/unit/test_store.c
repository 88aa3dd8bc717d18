/*
 * lfh_store with the file:// backend: round trips, ranges, stat, delete, atomic replace
 * under a concurrent reader, create-if-absent (also raced by 10 processes, with both
 * renameat2 and the link() fallback), listings, key validation, URI parsing, error
 * messages, and a clean LF_ERR_NOMEM for an object too large for memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "store/lfh_store_backend.h"

#if defined(__SANITIZE_ADDRESS__)
/* The NOMEM test asks for more memory than exists: ASan must return NULL like malloc
 * does rather than abort the run. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
#endif

static char g_msg[512];
static lf_error g_err;

/* A fresh error buffer per call, so that a test never reads a stale message. */
static lf_error *err0(void) {
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  return &g_err;
}

/* A store on a fresh temp folder; *dir gets the folder (malloc'd). */
static lfh_store *open_tmp(char **dir) {
  *dir = lfh_test_tmpdir();
  if (!*dir) return NULL;
  return lfh_store_open(*dir, err0());
}

static void close_tmp(lfh_store *s, char *dir) {
  lfh_store_close(s);
  if (dir) lfh_test_rmtree(dir);
  free(dir);
}

static int put_str(lfh_store *s, const char *key, const char *text) {
  return lfh_store_put(s, key, text, strlen(text), err0());
}

/* 1 when `buf` holds exactly `text`. */
static int buf_is(const lfh_buf *b, const char *text) {
  size_t n = strlen(text);
  return b->len == n && (n == 0 || memcmp(b->data, text, n) == 0);
}

/* The message names the object's URI and carries `cause` (a strerror text). */
static int msg_names(const lfh_store *s, const char *key, const char *cause) {
  char uri[1024];
  snprintf(uri, sizeof uri, "%s/%s", lfh_store_root(s), key);
  return strstr(g_msg, uri) != NULL && (!cause || strstr(g_msg, cause) != NULL);
}

static int g_tmp_found;
static int count_tmp(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb; (void)flag;
  if (strncmp(p + ftw->base, LFH_STORE_TMP_PREFIX, strlen(LFH_STORE_TMP_PREFIX)) == 0)
    g_tmp_found++;
  return 0;
}

/* Temp files left anywhere under `dir` (there should be none after any operation). */
static int temp_files(const char *dir) {
  g_tmp_found = 0;
  if (nftw(dir, count_tmp, 16, FTW_PHYS) != 0) return -1;
  return g_tmp_found;
}

/* ------------------------------------------------------------------ lfh_buf */

static void test_buf(void) {
  lfh_buf b = {0};
  CU_ASSERT_EQUAL(lfh_buf_append(&b, NULL, 0), 0); /* nothing to add: no allocation */
  CU_ASSERT_PTR_NULL(b.data);
  CU_ASSERT_EQUAL(lfh_buf_append(&b, "abc", 3), 0);
  CU_ASSERT_TRUE(b.cap >= 3);
  for (int i = 0; i < 1000; i++) CU_ASSERT_EQUAL_FATAL(lfh_buf_append(&b, "xy", 2), 0);
  CU_ASSERT_EQUAL(b.len, 2003);
  CU_ASSERT_EQUAL(memcmp(b.data, "abcxyxy", 7), 0);
  CU_ASSERT_EQUAL(lfh_buf_reserve(&b, 100000), 0);
  CU_ASSERT_TRUE(b.cap - b.len >= 100000);
  uint8_t *before = b.data;
  size_t cap = b.cap;
  CU_ASSERT_EQUAL(lfh_buf_reserve(&b, SIZE_MAX), LF_ERR_NOMEM); /* overflow refused */
  CU_ASSERT_EQUAL(lfh_buf_reserve(&b, SIZE_MAX - b.len), LF_ERR_NOMEM); /* too big */
  CU_ASSERT_PTR_EQUAL(b.data, before); /* unchanged on failure */
  CU_ASSERT_EQUAL(b.cap, cap);
  CU_ASSERT_EQUAL(b.len, 2003);
  lfh_buf_free(&b);
  CU_ASSERT_PTR_NULL(b.data);
  CU_ASSERT_EQUAL(b.len + b.cap, 0);
  lfh_buf_free(&b); /* twice is harmless */
}

/* ------------------------------------------------------------------ objects */

static void test_round_trip(void) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  lfh_buf b = {0};
  CU_ASSERT_EQUAL(put_str(s, "a.txt", "hello"), 0);
  CU_ASSERT_EQUAL(lfh_store_get(s, "a.txt", &b, err0()), 0);
  CU_ASSERT_TRUE(buf_is(&b, "hello"));
  /* get appends to what the buffer holds */
  CU_ASSERT_EQUAL(lfh_store_get(s, "a.txt", &b, err0()), 0);
  CU_ASSERT_TRUE(buf_is(&b, "hellohello"));
  /* replace by a shorter object: no stale tail */
  CU_ASSERT_EQUAL(put_str(s, "a.txt", "hi"), 0);
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_store_get(s, "a.txt", &b, err0()), 0);
  CU_ASSERT_TRUE(buf_is(&b, "hi"));
  /* empty object */
  CU_ASSERT_EQUAL(lfh_store_put(s, "empty", NULL, 0, err0()), 0);
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_store_get(s, "empty", &b, err0()), 0);
  CU_ASSERT_EQUAL(b.len, 0);
  /* binary bytes (NULs included) under new nested folders */
  uint8_t bin[256];
  for (int i = 0; i < 256; i++) bin[i] = (uint8_t)i;
  CU_ASSERT_EQUAL(lfh_store_put(s, "x/y/z/bin", bin, sizeof bin, err0()), 0);
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_store_get(s, "x/y/z/bin", &b, err0()), 0);
  CU_ASSERT_TRUE(b.len == 256 && memcmp(b.data, bin, 256) == 0);
  /* the object is a plain file at the key's path under the root */
  char path[1024];
  snprintf(path, sizeof path, "%s/x/y/z/bin", dir);
  struct stat st;
  CU_ASSERT_TRUE(stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 256);
  CU_ASSERT_EQUAL(temp_files(dir), 0);
  lfh_buf_free(&b);
  close_tmp(s, dir);
}

static void test_large_object(void) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  size_t n = (3u << 20) + 12345; /* several growth steps, not a power of two */
  uint8_t *data = malloc(n);
  CU_ASSERT_PTR_NOT_NULL_FATAL(data);
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    data[i] = (uint8_t)x;
  }
  lfh_buf b = {0};
  CU_ASSERT_EQUAL(lfh_store_put(s, "big/blob", data, n, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_get(s, "big/blob", &b, err0()), 0);
  CU_ASSERT_TRUE(b.len == n && memcmp(b.data, data, n) == 0);
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_store_get_range(s, "big/blob", n - 70000, 100000, &b, err0()), 0);
  CU_ASSERT_TRUE(b.len == 70000 && memcmp(b.data, data + n - 70000, 70000) == 0);
  free(data);
  lfh_buf_free(&b);
  close_tmp(s, dir);
}

static int range_is(lfh_store *s, uint64_t off, uint64_t len, size_t want_off, size_t want_len) {
  lfh_buf b = {0};
  int ok = lfh_store_get_range(s, "r", off, len, &b, err0()) == 0 && b.len == want_len;
  for (size_t i = 0; ok && i < want_len; i++) ok = b.data[i] == (uint8_t)(want_off + i);
  lfh_buf_free(&b);
  return ok;
}

static void test_range(void) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  uint8_t d[100];
  for (int i = 0; i < 100; i++) d[i] = (uint8_t)i;
  CU_ASSERT_EQUAL_FATAL(lfh_store_put(s, "r", d, sizeof d, err0()), 0);
  CU_ASSERT_TRUE(range_is(s, 0, 10, 0, 10));
  CU_ASSERT_TRUE(range_is(s, 90, 10, 90, 10));  /* ends exactly at the end */
  CU_ASSERT_TRUE(range_is(s, 95, 10, 95, 5));   /* fewer at the end */
  CU_ASSERT_TRUE(range_is(s, 99, 1, 99, 1));    /* last byte */
  CU_ASSERT_TRUE(range_is(s, 100, 5, 0, 0));    /* at the end: nothing */
  CU_ASSERT_TRUE(range_is(s, 1000, 5, 0, 0));   /* past the end: nothing */
  CU_ASSERT_TRUE(range_is(s, UINT64_MAX, 5, 0, 0));
  CU_ASSERT_TRUE(range_is(s, 10, 0, 0, 0));     /* empty range */
  CU_ASSERT_TRUE(range_is(s, 0, UINT64_MAX, 0, 100));
  CU_ASSERT_TRUE(range_is(s, 37, UINT64_MAX, 37, 63));
  /* a failed read leaves the buffer as it was */
  lfh_buf b = {0};
  CU_ASSERT_EQUAL(lfh_buf_append(&b, "keep", 4), 0);
  CU_ASSERT_EQUAL(lfh_store_get_range(s, "nope", 0, 10, &b, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_TRUE(buf_is(&b, "keep"));
  lfh_buf_free(&b);
  close_tmp(s, dir);
}

static void test_stat(void) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  static uint8_t d[1234];
  struct timespec t0, t1;
  clock_gettime(CLOCK_REALTIME, &t0);
  CU_ASSERT_EQUAL_FATAL(lfh_store_put(s, "m/obj", d, sizeof d, err0()), 0);
  clock_gettime(CLOCK_REALTIME, &t1);
  lfh_store_stat st = {0};
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "m/obj", &st, err0()), 0);
  CU_ASSERT_EQUAL(st.size, 1234);
  /* file systems stamp with a coarse clock: allow a few ms around the put */
  int64_t lo = (int64_t)t0.tv_sec * 1000000 + t0.tv_nsec / 1000 - 50000;
  int64_t hi = (int64_t)t1.tv_sec * 1000000 + t1.tv_nsec / 1000 + 50000;
  CU_ASSERT_TRUE(st.mtime_us >= lo && st.mtime_us <= hi);
  /* exactly the file's st_mtim in µs */
  char path[1024];
  struct stat os;
  snprintf(path, sizeof path, "%s/m/obj", dir);
  CU_ASSERT_EQUAL_FATAL(stat(path, &os), 0);
  CU_ASSERT_EQUAL(st.mtime_us, (int64_t)os.st_mtim.tv_sec * 1000000 + os.st_mtim.tv_nsec / 1000);
  /* a folder is not an object */
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "m", &st, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_TRUE(msg_names(s, "m", NULL));
  lfh_buf b = {0};
  CU_ASSERT_EQUAL(lfh_store_get(s, "m", &b, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(b.len, 0);
  lfh_buf_free(&b);
  close_tmp(s, dir);
}

static void test_missing(void) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  lfh_buf b = {0};
  lfh_store_stat st;
  const char *enoent = strerror(ENOENT);
  CU_ASSERT_EQUAL(lfh_store_get(s, "no/such", &b, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_NOT_FOUND);
  CU_ASSERT_TRUE(msg_names(s, "no/such", enoent));
  CU_ASSERT_EQUAL(lfh_store_get_range(s, "no/such", 0, 1, &b, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_TRUE(msg_names(s, "no/such", enoent));
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "nothing", &st, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_TRUE(msg_names(s, "nothing", enoent));
  CU_ASSERT_EQUAL(lfh_store_delete(s, "nothing", err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_TRUE(msg_names(s, "nothing", enoent));
  /* below an object: ENOTDIR is still "no such object" */
  CU_ASSERT_EQUAL(put_str(s, "file", "x"), 0);
  CU_ASSERT_EQUAL(lfh_store_get(s, "file/below", &b, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_TRUE(msg_names(s, "file/below", strerror(ENOTDIR)));
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "file/below", &st, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(b.len, 0);
  lfh_buf_free(&b);
  close_tmp(s, dir);
}

static void test_delete(void) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  lfh_buf b = {0};
  CU_ASSERT_EQUAL(put_str(s, "d/x", "1"), 0);
  CU_ASSERT_EQUAL(put_str(s, "top", "2"), 0);
  CU_ASSERT_EQUAL(lfh_store_delete(s, "d/x", err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_get(s, "d/x", &b, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(lfh_store_delete(s, "d/x", err0()), LF_ERR_NOT_FOUND); /* twice */
  CU_ASSERT_EQUAL(lfh_store_delete(s, "top", err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_get(s, "top", &b, err0()), LF_ERR_NOT_FOUND);
  /* a folder is not an object and is not deleted */
  CU_ASSERT_EQUAL(put_str(s, "f/keep", "3"), 0);
  CU_ASSERT_EQUAL(lfh_store_delete(s, "f", err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(lfh_store_get(s, "f/keep", &b, err0()), 0);
  CU_ASSERT_TRUE(buf_is(&b, "3"));
  lfh_buf_free(&b);
  close_tmp(s, dir);
}

/* An object where a folder of the key should be, and the reverse: refused, named. */
static void test_collisions(void) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_EQUAL(put_str(s, "f", "object"), 0);
  CU_ASSERT_EQUAL(put_str(s, "f/g", "x"), LF_ERR_INVALID);
  CU_ASSERT_TRUE(msg_names(s, "f", NULL));
  CU_ASSERT_EQUAL(put_str(s, "d/e", "x"), 0);
  CU_ASSERT_EQUAL(put_str(s, "d", "x"), LF_ERR_INVALID);
  CU_ASSERT_TRUE(msg_names(s, "d", strerror(EISDIR)));
  CU_ASSERT_EQUAL(lfh_store_put_if_absent(s, "d", "x", 1, err0()), LF_ERR_CONFLICT);
  CU_ASSERT_EQUAL(temp_files(dir), 0);
  close_tmp(s, dir);
}

/* ------------------------------------------------------------------ create-if-absent */

static void check_put_if_absent(int force_link) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  lfh_store_file_force_link(force_link);
  lfh_buf b = {0};
  const char *key = "meta/v1.metadata.json";
  CU_ASSERT_EQUAL(lfh_store_put_if_absent(s, key, "first", 5, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_put_if_absent(s, key, "second", 6, err0()), LF_ERR_CONFLICT);
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_CONFLICT);
  CU_ASSERT_TRUE(msg_names(s, key, strerror(EEXIST)));
  CU_ASSERT_EQUAL(lfh_store_get(s, key, &b, err0()), 0);
  CU_ASSERT_TRUE(buf_is(&b, "first")); /* the loser left nothing of its own */
  CU_ASSERT_EQUAL(temp_files(dir), 0);
  /* a plain put still replaces it; after a delete the key is free again */
  CU_ASSERT_EQUAL(put_str(s, key, "third"), 0);
  CU_ASSERT_EQUAL(lfh_store_delete(s, key, err0()), 0);
  CU_ASSERT_EQUAL(lfh_store_put_if_absent(s, key, "fourth", 6, err0()), 0);
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_store_get(s, key, &b, err0()), 0);
  CU_ASSERT_TRUE(buf_is(&b, "fourth"));
  CU_ASSERT_EQUAL(temp_files(dir), 0);
  lfh_store_file_force_link(0);
  lfh_buf_free(&b);
  close_tmp(s, dir);
}

static void test_put_if_absent(void) { check_put_if_absent(0); }
static void test_put_if_absent_link(void) { check_put_if_absent(1); }

#define RACERS 10

/* A racer: waits for the start signal (EOF on `go`), then tries to create `key` with
 * its own bytes. Exit status: 0 won, 1 lost (conflict), 2 anything else. */
static void racer(const char *dir, const char *key, int go, int id) {
  char buf[1], body[64];
  lf_error err;
  lf_error_init(&err, NULL, 0);
  lfh_store *s = lfh_store_open(dir, &err);
  ssize_t r = read(go, buf, 1);
  int code = 2;
  snprintf(body, sizeof body, "racer %d was here", id);
  if (s && r == 0) {
    int rc = lfh_store_put_if_absent(s, key, body, strlen(body), &err);
    code = rc == 0 ? 0 : rc == LF_ERR_CONFLICT ? 1 : 2;
  }
  lfh_store_close(s);
  _exit(code);
}

/* Races RACERS processes on one key; returns the winner's id, -1 if not exactly one
 * winner and RACERS-1 clean losers. */
static int race_once(const char *dir, const char *key) {
  int p[2];
  pid_t pids[RACERS];
  int winner = -1, losers = 0, n = 0;
  if (pipe(p) != 0) return -1;
  fflush(NULL); /* children must not flush our stdio buffers again */
  for (; n < RACERS; n++) {
    if ((pids[n] = fork()) < 0) break;
    if (pids[n] == 0) {
      close(p[1]);
      racer(dir, key, p[0], n);
    }
  }
  close(p[0]);
  close(p[1]); /* all start together */
  for (int i = 0; i < n; i++) {
    int status = 0;
    if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status)) continue;
    if (WEXITSTATUS(status) == 0) winner = winner == -1 ? i : -2;
    if (WEXITSTATUS(status) == 1) losers++;
  }
  return (n == RACERS && winner >= 0 && losers == RACERS - 1) ? winner : -1;
}

static void check_race(int force_link) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  lfh_store_file_force_link(force_link); /* inherited by the forked racers */
  for (int round = 0; round < 5; round++) {
    char key[64], want[64];
    snprintf(key, sizeof key, "t/metadata/v%d.metadata.json", round + 1);
    int w = race_once(dir, key);
    CU_ASSERT_TRUE(w >= 0);
    if (w < 0) break;
    lfh_buf b = {0};
    snprintf(want, sizeof want, "racer %d was here", w);
    CU_ASSERT_EQUAL(lfh_store_get(s, key, &b, err0()), 0);
    CU_ASSERT_TRUE(buf_is(&b, want)); /* the object holds the winner's bytes */
    lfh_buf_free(&b);
  }
  CU_ASSERT_EQUAL(temp_files(dir), 0); /* losers cleaned up */
  lfh_store_file_force_link(0);
  close_tmp(s, dir);
}

static void test_race(void) { check_race(0); }
static void test_race_link(void) { check_race(1); }

/* ------------------------------------------------------------------ atomic replace */

#define VERSIONS 26

/* Version c of the object: VERSION_LEN(c) bytes of 'a' + c; a reader can tell a whole
 * version from a torn one by looking at it. */
#define VERSION_LEN(c) ((size_t)1000 + (size_t)((c) % 7) * 20000)

static int version_ok(const lfh_buf *b) {
  if (b->len == 0) return 0;
  int c = b->data[0] - 'a';
  if (c < 0 || c >= VERSIONS || b->len != VERSION_LEN(c)) return 0;
  for (size_t i = 1; i < b->len; i++)
    if (b->data[i] != b->data[0]) return 0;
  return 1;
}

static void writer(const char *dir, uint8_t *data, int rounds) {
  lf_error err;
  lf_error_init(&err, NULL, 0);
  lfh_store *s = lfh_store_open(dir, &err);
  int code = s ? 0 : 2;
  for (int i = 0; s && i < rounds && code == 0; i++) {
    int c = i % VERSIONS;
    memset(data, 'a' + c, VERSION_LEN(c));
    if (lfh_store_put(s, "obj", data, VERSION_LEN(c), &err) != 0) code = 1;
  }
  lfh_store_close(s);
  _exit(code);
}

static void test_overwrite_atomic(void) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  uint8_t *data = malloc(VERSION_LEN(6));
  CU_ASSERT_PTR_NOT_NULL_FATAL(data);
  memset(data, 'a', VERSION_LEN(0));
  CU_ASSERT_EQUAL_FATAL(lfh_store_put(s, "obj", data, VERSION_LEN(0), err0()), 0);
  fflush(NULL);
  pid_t pid = fork();
  CU_ASSERT_TRUE_FATAL(pid >= 0);
  if (pid == 0) writer(dir, data, 300);
  int reads = 0, bad = 0, failed = 0, status = 0, seen[VERSIONS] = {0};
  lfh_buf b = {0};
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    b.len = 0;
    if (lfh_store_get(s, "obj", &b, err0()) != 0) failed++; /* never absent, not even briefly */
    else if (!version_ok(&b)) bad++;
    else seen[b.data[0] - 'a'] = 1;
    reads++;
    if (done == pid) break;
  }
  int distinct = 0;
  for (int c = 0; c < VERSIONS; c++) distinct += seen[c];
  CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CU_ASSERT_EQUAL(failed, 0);
  CU_ASSERT_EQUAL(bad, 0);
  CU_ASSERT_TRUE(distinct >= 2); /* the reader really ran alongside the writer */
  CU_ASSERT_EQUAL(temp_files(dir), 0);
  fprintf(stderr, "\n    %d reads, %d distinct versions seen\n", reads, distinct);
  lfh_buf_free(&b);
  free(data);
  close_tmp(s, dir);
}

/* ------------------------------------------------------------------ listing */

typedef struct collected {
  char keys[32][64];
  uint64_t sizes[32];
  int n, stop_after;
} collected;

static int collect(void *ctx, const lfh_store_entry *e) {
  collected *c = ctx;
  if (c->n < 32) {
    snprintf(c->keys[c->n], sizeof c->keys[0], "%s", e->key);
    c->sizes[c->n] = e->stat.size;
  }
  c->n++;
  return (c->stop_after && c->n == c->stop_after) ? 7 : 0;
}

/* 1 when listing `prefix` yields exactly `want` (NULL-terminated), in order. */
static int lists(lfh_store *s, const char *prefix, const char *const *want) {
  collected c = {.n = 0};
  if (lfh_store_list(s, prefix, collect, &c, err0()) != 0) return 0;
  int i = 0;
  for (; want[i]; i++)
    if (i >= c.n || strcmp(c.keys[i], want[i]) != 0) return 0;
  return i == c.n;
}

static void test_list(void) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  /* written out of order; '-' sorts before '/' which sorts before letters */
  const char *keys[] = {"b", "a/2", "ab", "a/10", "c/d/e", "a-c", "a/sub/x"};
  for (size_t i = 0; i < 7; i++) CU_ASSERT_EQUAL(put_str(s, keys[i], keys[i]), 0);
  /* debris a crash can leave, and an empty folder: none of them are objects */
  char *t1 = lfh_test_write(dir, ".lfh-tmp-123-4-deadbeef", "partial");
  char *t2 = lfh_test_write(dir, "a/.lfh-tmp-9-9-0", "partial");
  char empty[1024];
  snprintf(empty, sizeof empty, "%s/empty", dir);
  CU_ASSERT_TRUE(t1 && t2 && mkdir(empty, 0755) == 0);
  free(t1);
  free(t2);
  static const char *const all[] = {"a-c", "a/10", "a/2", "a/sub/x", "ab", "b", "c/d/e", NULL};
  static const char *const in_a[] = {"a/10", "a/2", "a/sub/x", NULL};
  static const char *const a_any[] = {"a-c", "a/10", "a/2", "a/sub/x", "ab", NULL};
  static const char *const a_s[] = {"a/sub/x", NULL};
  static const char *const only_b[] = {"b", NULL};
  static const char *const exact[] = {"c/d/e", NULL};
  static const char *const none[] = {NULL};
  CU_ASSERT_TRUE(lists(s, "", all));
  CU_ASSERT_TRUE(lists(s, "a/", in_a));
  CU_ASSERT_TRUE(lists(s, "a", a_any));
  CU_ASSERT_TRUE(lists(s, "a/s", a_s));
  CU_ASSERT_TRUE(lists(s, "a/sub/", a_s));
  CU_ASSERT_TRUE(lists(s, "b", only_b));
  CU_ASSERT_TRUE(lists(s, "c/d/e", exact));
  CU_ASSERT_TRUE(lists(s, "c/", exact));
  CU_ASSERT_TRUE(lists(s, "zz/", none));     /* missing folder: nothing, no error */
  CU_ASSERT_TRUE(lists(s, "b/", none));      /* an object is not a folder */
  CU_ASSERT_TRUE(lists(s, "empty/", none));
  CU_ASSERT_TRUE(lists(s, ".lfh-tmp-", none));
  /* sizes come with the listing */
  collected c = {.n = 0};
  CU_ASSERT_EQUAL(lfh_store_list(s, "a/", collect, &c, err0()), 0);
  CU_ASSERT_TRUE(c.n == 3 && c.sizes[0] == 4 && c.sizes[1] == 3 && c.sizes[2] == 7);
  /* the callback stops the listing and its value comes back */
  collected stop = {.n = 0, .stop_after = 2};
  CU_ASSERT_EQUAL(lfh_store_list(s, "", collect, &stop, err0()), 7);
  CU_ASSERT_EQUAL(stop.n, 2);
  /* prefixes are checked like keys */
  CU_ASSERT_EQUAL(lfh_store_list(s, "../", collect, &c, err0()), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(lfh_store_list(s, "/a", collect, &c, err0()), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(lfh_store_list(s, "a//", collect, &c, err0()), LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, lfh_store_root(s)));
  close_tmp(s, dir);
}

/* ------------------------------------------------------------------ keys */

static void test_invalid_keys(void) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  /* the store lives one level down so that an escape would be visible beside it */
  char sub[1024];
  snprintf(sub, sizeof sub, "%s/root", dir);
  lfh_store_close(s);
  s = lfh_store_open(sub, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  static const char *const bad[] = {"../x", "/abs", "a//b", "", "a/../x", "./a", "a/.",
                                    "a/", ".", "..", ".lfh-tmp-x", "a/.lfh-tmp-x/b", "../../x"};
  lfh_buf b = {0};
  lfh_store_stat st;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *k = bad[i];
    CU_ASSERT_EQUAL(put_str(s, k, "x"), LF_ERR_INVALID);
    CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, lfh_store_root(s)));
    CU_ASSERT_EQUAL(lfh_store_put_if_absent(s, k, "x", 1, err0()), LF_ERR_INVALID);
    CU_ASSERT_EQUAL(lfh_store_get(s, k, &b, err0()), LF_ERR_INVALID);
    CU_ASSERT_EQUAL(lfh_store_get_range(s, k, 0, 1, &b, err0()), LF_ERR_INVALID);
    CU_ASSERT_EQUAL(lfh_store_stat_key(s, k, &st, err0()), LF_ERR_INVALID);
    CU_ASSERT_EQUAL(lfh_store_delete(s, k, err0()), LF_ERR_INVALID);
    CU_ASSERT_PTR_NULL(lfh_store_uri(s, k[0] ? k : "/"));
  }
  CU_ASSERT_EQUAL(lfh_store_put(s, NULL, "x", 1, err0()), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(lfh_store_put(s, "k", NULL, 1, err0()), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(lfh_store_get(NULL, "k", &b, err0()), LF_ERR_INVALID);
  /* nothing escaped: beside the root there is only the root */
  char x[1024];
  snprintf(x, sizeof x, "%s/x", dir);
  CU_ASSERT_EQUAL(access(x, F_OK), -1);
  CU_ASSERT_EQUAL(temp_files(dir), 0);
  /* dots inside names are fine */
  static const char *const good[] = {"a..b", "..x", ".hidden", "x/.y/z", "v1.metadata.json"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    CU_ASSERT_EQUAL(put_str(s, good[i], good[i]), 0);
    b.len = 0;
    CU_ASSERT_EQUAL(lfh_store_get(s, good[i], &b, err0()), 0);
    CU_ASSERT_TRUE(buf_is(&b, good[i]));
  }
  lfh_buf_free(&b);
  close_tmp(s, dir);
}

/* ------------------------------------------------------------------ URIs */

static int root_is(const char *uri, const char *want_root) {
  lfh_store *s = lfh_store_open(uri, err0());
  int ok = s && strcmp(lfh_store_root(s), want_root) == 0;
  lfh_store_close(s);
  return ok;
}

static void test_uri(void) {
  char *dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  char uri[1024], want[1024], in[1024];
  snprintf(want, sizeof want, "file://%s", dir);
  CU_ASSERT_TRUE(root_is(dir, want)); /* plain path */
  snprintf(uri, sizeof uri, "file://%s", dir);
  CU_ASSERT_TRUE(root_is(uri, want));
  snprintf(uri, sizeof uri, "file://%s/", dir); /* trailing slash dropped */
  CU_ASSERT_TRUE(root_is(uri, want));
  snprintf(uri, sizeof uri, "FILE://localhost%s", dir);
  CU_ASSERT_TRUE(root_is(uri, want));
  snprintf(uri, sizeof uri, "file:%s", dir); /* Hadoop's file:/path */
  CU_ASSERT_TRUE(root_is(uri, want));
  snprintf(in, sizeof in, "%s//./x/../", dir); /* normalised lexically */
  CU_ASSERT_TRUE(root_is(in, want));
  /* a missing root is created with its parents */
  snprintf(in, sizeof in, "file://%s/p/q/r", dir);
  snprintf(want, sizeof want, "file://%s/p/q/r", dir);
  CU_ASSERT_TRUE(root_is(in, want));
  struct stat st;
  CU_ASSERT_TRUE(stat(in + 7, &st) == 0 && S_ISDIR(st.st_mode));
  /* a relative path is made absolute against the working directory */
  char *cwd = getcwd(NULL, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(cwd);
  CU_ASSERT_EQUAL_FATAL(chdir(dir), 0);
  snprintf(want, sizeof want, "file://%s/rel/store", dir);
  lfh_store *s = lfh_store_open("rel/store", err0());
  CU_ASSERT_TRUE(s && strcmp(lfh_store_root(s), want) == 0);
  CU_ASSERT_EQUAL(chdir("/"), 0); /* the store keeps its root when the cwd moves */
  CU_ASSERT_EQUAL(put_str(s, "k", "v"), 0);
  snprintf(in, sizeof in, "%s/rel/store/k", dir);
  CU_ASSERT_EQUAL(access(in, F_OK), 0);
  char *ku = lfh_store_uri(s, "a/b.avro");
  snprintf(want, sizeof want, "file://%s/rel/store/a/b.avro", dir);
  CU_ASSERT_TRUE(ku && strcmp(ku, want) == 0);
  free(ku);
  ku = lfh_store_uri(s, "");
  CU_ASSERT_TRUE(ku && strcmp(ku, lfh_store_root(s)) == 0);
  free(ku);
  lfh_store_close(s);
  CU_ASSERT_EQUAL(chdir(cwd), 0);
  free(cwd);
  /* refused URIs */
  CU_ASSERT_PTR_NULL(lfh_store_open("", err0()));
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_INVALID);
  CU_ASSERT_PTR_NULL(lfh_store_open(NULL, err0()));
  CU_ASSERT_PTR_NULL(lfh_store_open("file://otherhost/x", err0()));
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "file://otherhost/x"));
  CU_ASSERT_PTR_NULL(lfh_store_open("file:relative", err0()));
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_INVALID);
  CU_ASSERT_PTR_NULL(lfh_store_open("s3://bucket/x", err0()));
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_UNSUPPORTED);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "s3://bucket/x"));
  CU_ASSERT_PTR_NULL(lfh_store_open("/", err0()));
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_INVALID);
  CU_ASSERT_PTR_NULL(lfh_store_open("file:///..", err0()));
  /* a root that is a file: named, with the OS's reason */
  char *f = lfh_test_write(dir, "plainfile", "x");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_PTR_NULL(lfh_store_open(f, err0()));
  snprintf(want, sizeof want, "file://%s", f);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, want));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, strerror(ENOTDIR)));
  snprintf(in, sizeof in, "%s/below", f);
  CU_ASSERT_PTR_NULL(lfh_store_open(in, err0()));
  CU_ASSERT_NOT_EQUAL(g_err.code, 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, want));
  free(f);
  lfh_test_rmtree(dir);
  free(dir);
}

/* ------------------------------------------------------------------ memory */

/* A sparse object larger than any address space: get must fail with LF_ERR_NOMEM, not
 * crash, and leave the caller's buffer alone. */
/* Uploads: invisible until commit, whole after it (more than one writeback step of
 * pieces), exclusive conflicts at commit, abort leaves nothing behind. */
static void test_upload(void) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  lfh_store_upload *u = NULL;
  lfh_buf got = {0};
  lfh_store_stat st;
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  size_t piece = (size_t)3 << 20, n_pieces = 5; /* 15 MiB: passes the 8 MiB writeback step */
  uint8_t *data = malloc(piece);
  CU_ASSERT_PTR_NOT_NULL_FATAL(data);
  CU_ASSERT_EQUAL(lfh_store_upload_begin(s, "d/big.bin", 1, &u, err0()), LF_OK);
  for (size_t i = 0; i < n_pieces; i++) {
    memset(data, (int)('a' + i), piece);
    CU_ASSERT_EQUAL(lfh_store_upload_write(u, data, piece, err0()), LF_OK);
    CU_ASSERT_EQUAL(lfh_store_stat_key(s, "d/big.bin", &st, err0()), LF_ERR_NOT_FOUND);
  }
  CU_ASSERT_EQUAL(lfh_store_upload_commit(u, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_store_get(s, "d/big.bin", &got, err0()), LF_OK);
  CU_ASSERT_EQUAL(got.len, piece * n_pieces);
  for (size_t i = 0; got.len == piece * n_pieces && i < n_pieces; i++) {
    CU_ASSERT_EQUAL(got.data[i * piece], 'a' + i);
    CU_ASSERT_EQUAL(got.data[i * piece + piece - 1], 'a' + i);
  }
  /* exclusive: the key exists now, so commit reports the conflict and leaves it alone */
  CU_ASSERT_EQUAL(lfh_store_upload_begin(s, "d/big.bin", 1, &u, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_store_upload_write(u, "x", 1, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_store_upload_commit(u, err0()), LF_ERR_CONFLICT);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "d/big.bin"));
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "d/big.bin", &st, err0()), LF_OK);
  CU_ASSERT_EQUAL(st.size, piece * n_pieces);
  /* not exclusive: replaces */
  CU_ASSERT_EQUAL(lfh_store_upload_begin(s, "d/big.bin", 0, &u, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_store_upload_write(u, "xy", 2, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_store_upload_commit(u, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "d/big.bin", &st, err0()), LF_OK);
  CU_ASSERT_EQUAL(st.size, 2);
  /* abort: no object, no temp file left in the folder */
  CU_ASSERT_EQUAL(lfh_store_upload_begin(s, "d/gone.bin", 0, &u, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_store_upload_write(u, data, piece, err0()), LF_OK);
  lfh_store_upload_abort(u);
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "d/gone.bin", &st, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(temp_files(dir), 0);
  /* keys are validated like put's */
  CU_ASSERT_EQUAL(lfh_store_upload_begin(s, "../x", 0, &u, err0()), LF_ERR_INVALID);
  free(data);
  lfh_buf_free(&got);
  close_tmp(s, dir);
}

static void test_nomem(void) {
  char *dir = NULL;
  lfh_store *s = open_tmp(&dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  char path[1024];
  snprintf(path, sizeof path, "%s/huge", dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CU_ASSERT_TRUE_FATAL(fd >= 0);
  /* as large as the file system allows: 2^62 on tmpfs/xfs/btrfs, 16 TiB - 4 KiB on ext4 */
  static const off_t sizes[] = {(off_t)1 << 62, (off_t)1 << 50, ((off_t)1 << 44) - 4096};
  off_t size = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && !size; i++)
    if (ftruncate(fd, sizes[i]) == 0) size = sizes[i];
  close(fd);
  CU_ASSERT_TRUE_FATAL(size > 0); /* every Linux file system here supports sparse files */
  lfh_buf b = {0};
  CU_ASSERT_EQUAL(lfh_buf_append(&b, "kept", 4), 0);
  lfh_store_stat st;
  CU_ASSERT_EQUAL(lfh_store_stat_key(s, "huge", &st, err0()), 0);
  CU_ASSERT_EQUAL(st.size, (uint64_t)size);
  /* a small range of it is fine */
  CU_ASSERT_EQUAL(lfh_store_get_range(s, "huge", (uint64_t)size - 10, 100, &b, err0()), 0);
  CU_ASSERT_TRUE(b.len == 14 && memcmp(b.data, "kept", 4) == 0 && b.data[4] == 0 &&
                 b.data[13] == 0);
  b.len = 4;
  /* The whole object cannot fit in memory only where the kernel refuses the allocation:
   * below 2^47 an overcommitting kernel (mode 1) might grant it and we would read TBs. */
  FILE *oc = fopen("/proc/sys/vm/overcommit_memory", "r");
  int mode = -1;
  if (oc && fscanf(oc, "%d", &mode) != 1) mode = -1;
  if (oc) fclose(oc);
  if (size >= ((off_t)1 << 47) || mode != 1) {
    CU_ASSERT_EQUAL(lfh_store_get(s, "huge", &b, err0()), LF_ERR_NOMEM);
    CU_ASSERT_TRUE(msg_names(s, "huge", strerror(ENOMEM)));
    CU_ASSERT_TRUE(buf_is(&b, "kept"));
  } else {
    fprintf(stderr, "\n    note: overcommit_memory=1 and a %lld-byte file: whole-object "
                    "ENOMEM not checked here\n", (long long)size);
  }
  lfh_buf_free(&b);
  close_tmp(s, dir);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"lfh_buf growth and overflow", test_buf},
      {"round trip, replace, empty, nested, binary", test_round_trip},
      {"large object", test_large_object},
      {"range reads at the edges", test_range},
      {"stat size and mtime", test_stat},
      {"missing keys are LF_ERR_NOT_FOUND, named", test_missing},
      {"delete", test_delete},
      {"object/folder collisions", test_collisions},
      {"put_if_absent (renameat2)", test_put_if_absent},
      {"put_if_absent (link fallback)", test_put_if_absent_link},
      {"10 processes race put_if_absent (renameat2)", test_race},
      {"10 processes race put_if_absent (link fallback)", test_race_link},
      {"replace is atomic for a concurrent reader", test_overwrite_atomic},
      {"listing: order, prefixes, folders, temp files", test_list},
      {"invalid keys refused, nothing escapes", test_invalid_keys},
      {"URIs: file://, paths, normalisation, errors", test_uri},
      {"uploads: pieces, writeback, conflict, abort", test_upload},
      {"a huge object fails with LF_ERR_NOMEM", test_nomem},
      {NULL, NULL}};
  return lfh_test_run("store", cases);
}
