/* test_table_crash — exactly-once survives a writer killed at any point (DESIGN.md
 * "Exactly-once"; issue 3, "Tests: crash safety").
 *
 * A writer child appends epochs 1, 2, 3... of flow "crash" (each epoch a known,
 * deterministic batch) to one table, resuming after the newest epoch the table holds. The
 * parent SIGKILLs it after a random delay (a fixed seed, printed; LFH_CRASH_SEED
 * overrides it) chosen so that kills land before, inside and between commits. After each
 * kill: the table opens; its newest epoch k of the flow is at least the previous one; a
 * full scan returns exactly the rows of epochs 1..k (ids checked: none missing, none
 * twice); every snapshot is fully visible (the files it added read back as exactly its
 * epoch's rows); re-running an epoch already committed commits nothing; and the next
 * writer resumes at k + 1. Temp and orphan files left by a kill are garbage, never data,
 * so they are counted (to show where kills landed) but allowed. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "table/lfh_table.h"

#define TBL "cat/sch/crash"
#define FLOW "crash"
#define KILLS 60              /* SIGKILLs of the writer */
#define DELAY_COMMITS 6        /* kills land 0..6 commit times after the writer starts */
#define MAX_DELAY_US 2000000L /* the widest delay range adaptation may reach */
#define RUN_EPOCHS 100000      /* a writer that is never killed stops after this many */
#define DEFAULT_SEED 0x5eed1f0e3ULL

static char msg[1024];
static lf_error err;

static lf_error *err0(void) {
  lf_error_init(&err, msg, sizeof(msg));
  return &err;
}

/* ------------------------------------------------------------ epochs */

/* Epoch e holds 1 + e % 4 rows with ids e * 100 + i, its epoch and a note. */
static int64_t epoch_rows(int64_t e) { return 1 + e % 4; }

static void build_epoch(int64_t e, struct ArrowArray *a, struct ArrowSchema *s, lf_error *er) {
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *id = lf_builder_add_child(b, "l", "id");
  lf_builder *ep = lf_builder_add_child(b, "l", "epoch");
  lf_builder *note = lf_builder_add_child(b, "u", "note");
  lf_builder_set_nullable(id, 0);
  for (int64_t i = 0; i < epoch_rows(e); i++) {
    char text[48];
    snprintf(text, sizeof text, "e%" PRId64 "-r%" PRId64, e, i);
    lf_builder_append_struct(b);
    lf_builder_append_int64(id, e * 100 + i);
    lf_builder_append_int64(ep, e);
    lf_builder_append_cstr(note, text);
  }
  if (lf_builder_finish(b, a, s, er) != LF_OK) {
    fprintf(stderr, "build: %s\n", er->message ? er->message : "?");
    abort();
  }
}

static void flow_props(lfh_kvs *p, int64_t epoch) {
  char text[32];
  snprintf(text, sizeof text, "%" PRId64, epoch);
  lfh_kvs_set(p, LFH_SUMMARY_FLOW_ID, FLOW);
  lfh_kvs_set(p, LFH_SUMMARY_EPOCH, text);
}

/* Appends epoch e as one transaction; the lf_status of the commit. */
static int append_epoch(lfh_table *t, int64_t e, lf_error *er) {
  struct ArrowArray a;
  struct ArrowSchema s;
  lfh_table_append *ap = NULL;
  lfh_kvs p = {0};
  build_epoch(e, &a, &s, er);
  int rc = lfh_table_append_begin(t, &s, &ap, er);
  if (rc == LF_OK) rc = lfh_table_append_batch(ap, &a, er);
  flow_props(&p, e);
  if (rc == LF_OK) rc = lfh_table_append_commit(ap, &p, NULL, er);
  lfh_table_append_free(ap);
  lfh_kvs_free(&p);
  lf_array_release(&a);
  lf_schema_release(&s);
  return rc;
}

/* The newest committed epoch of the flow (0 when none), or -1 on error. */
static int64_t newest_epoch(lfh_table *t, lf_error *er) {
  int64_t e = 0;
  int rc = lfh_table_find_flow(t, FLOW, &e, NULL, er);
  return rc == 1 ? e : rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ the writer child */

/* Opens the table, finds its newest epoch k, tells the parent k + 1 on `ready`, then
 * appends k + 1, k + 2... until killed. Exit codes: 0 after `limit` epochs, 2 when
 * something failed (the message on stderr). */
static void writer(const char *dir, int ready, int64_t limit) {
  char m[512];
  lf_error e;
  lf_error_init(&e, m, sizeof m);
  lfh_store *s = lfh_store_open(dir, &e);
  lfh_table *t = NULL;
  int64_t k = -1;
  if (s && lfh_table_open(s, TBL, &t, &e) == LF_OK) k = newest_epoch(t, &e);
  if (k < 0) {
    fprintf(stderr, "writer: %s\n", m);
    _exit(2);
  }
  int64_t next = k + 1;
  if (write(ready, &next, sizeof next) != (ssize_t)sizeof next) _exit(2);
  for (int64_t ep = next; ep < next + limit; ep++) {
    if (append_epoch(t, ep, &e) != LF_OK) {
      fprintf(stderr, "writer: epoch %" PRId64 ": %s\n", ep, m);
      _exit(2);
    }
  }
  lfh_table_close(t);
  lfh_store_close(s);
  _exit(0);
}

/* ------------------------------------------------------------ checks */

typedef struct ids {
  int64_t *v;
  size_t n, cap;
  int bad; /* a row whose epoch or note does not match its id */
} ids;

static int child_index(const struct ArrowSchema *s, const char *name) {
  for (int64_t c = 0; c < s->n_children; c++)
    if (!strcmp(s->children[c]->name, name)) return (int)c;
  return -1;
}

static int collect_ids(void *ctx, const struct ArrowSchema *schema, struct ArrowArray *batch) {
  ids *x = ctx;
  int ci = child_index(schema, "id"), ce = child_index(schema, "epoch"),
      cn = child_index(schema, "note");
  if (ci < 0 || ce < 0 || cn < 0) {
    x->bad++;
    lf_array_release(batch);
    return 0;
  }
  const struct ArrowArray *ai = batch->children[ci], *ae = batch->children[ce],
                          *an = batch->children[cn];
  for (int64_t r = 0; r < batch->length; r++) {
    int64_t id = ((const int64_t *)ai->buffers[1])[ai->offset + batch->offset + r];
    int64_t ep = ((const int64_t *)ae->buffers[1])[ae->offset + batch->offset + r];
    const int32_t *o = an->buffers[1];
    int64_t j = an->offset + batch->offset + r;
    char want[48];
    snprintf(want, sizeof want, "e%" PRId64 "-r%" PRId64, id / 100, id % 100);
    if (ep != id / 100 || (size_t)(o[j + 1] - o[j]) != strlen(want) ||
        memcmp((const char *)an->buffers[2] + o[j], want, strlen(want)) != 0)
      x->bad++;
    if (x->n == x->cap) {
      x->cap = x->cap ? 2 * x->cap : 256;
      x->v = realloc(x->v, x->cap * sizeof(*x->v));
      if (!x->v) abort();
    }
    x->v[x->n++] = id;
  }
  lf_array_release(batch);
  return 0;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* 1 when the scan's ids are exactly those of epochs lo..hi, each once. */
static int ids_are_epochs(ids *x, int64_t lo, int64_t hi) {
  qsort(x->v, x->n, sizeof(*x->v), cmp_i64);
  size_t at = 0;
  for (int64_t e = lo; e <= hi; e++)
    for (int64_t i = 0; i < epoch_rows(e); i++, at++)
      if (at >= x->n || x->v[at] != e * 100 + i) {
        fprintf(stderr, "epochs %" PRId64 "..%" PRId64 ": row %zu is %" PRId64
                        ", want %" PRId64 " (%zu rows)\n",
                lo, hi, at, at < x->n ? x->v[at] : -1, e * 100 + i, x->n);
        return 0;
      }
  if (at != x->n) fprintf(stderr, "%zu rows, want %zu\n", x->n, at);
  return at == x->n && !x->bad;
}

static int scan_ids(lfh_table *t, const lfh_scan_opts *o, ids *x) {
  memset(x, 0, sizeof(*x));
  int rc = lfh_table_scan(t, o, collect_ids, x, err0());
  if (rc) fprintf(stderr, "scan: %s\n", msg);
  return rc;
}

/* Files under dir/TBL/sub: `.avro` objects, and everything else (temp files). */
static void count_files(const char *dir, const char *sub, int *avro, int *other) {
  char path[1024];
  snprintf(path, sizeof path, "%s/" TBL "/%s", dir, sub);
  DIR *d = opendir(path);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (e->d_name[0] == '.' && (n == 1 || (n == 2 && e->d_name[1] == '.'))) continue;
    if (n > 5 && !strcmp(e->d_name + n - 5, ".avro")) (*avro)++;
    else if (!(n > 14 && !strcmp(e->d_name + n - 14, ".metadata.json")) &&
             strcmp(e->d_name, "version-hint.text") != 0)
      (*other)++;
  }
  closedir(d);
}

/* Every check of a table after a kill; returns its newest epoch k (-1 when it does not
 * open). `checked` is how many snapshots (oldest first) earlier calls verified in full
 * (planned, and the files they added read back): committed files are never rewritten, so
 * for those only the manifest list is looked up again. The full scan of the current
 * snapshot reads every data file and, through its manifest list, every manifest. */
static int64_t check_table(lfh_store *store, int64_t prev_k, size_t *checked) {
  lfh_table *t = NULL;
  int rc = lfh_table_open(store, TBL, &t, err0());
  if (rc) fprintf(stderr, "open: %s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  int64_t k = newest_epoch(t, err0());
  CU_ASSERT_TRUE_FATAL(k >= prev_k);
  const lfh_table_meta *m = lfh_table_metadata(t);
  /* one snapshot per epoch, nothing else commits */
  CU_ASSERT_EQUAL_FATAL((int64_t)m->n_snapshots, k);
  CU_ASSERT_EQUAL(lfh_table_version(t), k + 1);

  /* the full scan: exactly epochs 1..k */
  ids x;
  lfh_scan_opts all = {0};
  if (k > 0) {
    CU_ASSERT_EQUAL(scan_ids(t, &all, &x), LF_OK);
    CU_ASSERT_TRUE(ids_are_epochs(&x, 1, k));
    free(x.v);
  }

  /* every snapshot: the chain walks back from epoch k to 1 with one epoch per step, each
   * manifest list is there, and the snapshots new since the last check plan (manifest list
   * and manifests read) and add exactly their epoch's rows */
  int64_t e = k;
  const lfh_snapshot *s = lfh_table_meta_current(m);
  for (; s; s = lfh_table_meta_parent(m, s), e--) {
    int64_t se = -1;
    const char *v = lfh_kvs_get(&s->summary, LFH_SUMMARY_EPOCH);
    if (v) se = strtoll(v, NULL, 10);
    CU_ASSERT_EQUAL(se, e);
    v = lfh_kvs_get(&s->summary, LFH_SUMMARY_FLOW_ID);
    CU_ASSERT_TRUE(v && !strcmp(v, FLOW));
    /* its manifest list is still there; new snapshots are also planned and read */
    const char *key = strstr(s->manifest_list, TBL "/metadata/snap-");
    lfh_store_stat st;
    CU_ASSERT_PTR_NOT_NULL(key);
    if (key) CU_ASSERT_EQUAL(lfh_store_stat_key(store, key, &st, err0()), LF_OK);
    if (e > (int64_t)*checked) {
      lfh_scan_opts at = {.snapshot_id = s->snapshot_id};
      lfh_scan_plan p;
      rc = lfh_table_plan(t, &at, &p, err0());
      if (rc) fprintf(stderr, "plan of epoch %" PRId64 ": %s\n", e, msg);
      CU_ASSERT_EQUAL(rc, LF_OK);
      if (rc == LF_OK) {
        CU_ASSERT_EQUAL((int64_t)p.n_files, e); /* one data file per epoch */
        lfh_scan_plan_free(&p);
      }
      int64_t from = s->parent_id == LFH_NO_SNAPSHOT ? 0 : s->parent_id;
      lfh_scan_opts added = {.snapshot_id = s->snapshot_id, .from_snapshot_id = from};
      CU_ASSERT_EQUAL(scan_ids(t, &added, &x), LF_OK);
      CU_ASSERT_TRUE(ids_are_epochs(&x, e, e));
      free(x.v);
    }
  }
  CU_ASSERT_EQUAL(e, 0);
  *checked = (size_t)k;

  /* re-running committed epochs (the newest and the first) commits nothing */
  for (int i = 0; i < 2 && k > 0; i++) {
    int64_t again = i ? 1 : k;
    rc = append_epoch(t, again, err0());
    CU_ASSERT_EQUAL(rc, LF_ERR_CONFLICT);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "already committed"));
    CU_ASSERT_EQUAL(lfh_table_refresh(t, err0()), LF_OK);
    CU_ASSERT_EQUAL(lfh_table_version(t), k + 1);
    CU_ASSERT_EQUAL(newest_epoch(t, err0()), k);
  }
  lfh_table_close(t);
  return k;
}

/* ------------------------------------------------------------ the test */

static uint64_t rng_state;

static uint64_t rng_next(void) { /* splitmix64: reproducible on every platform */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* 0..max_us, with a share of very short delays so that early phases are hit too. */
static long pick_delay_us(long max_us) {
  uint64_t r = rng_next();
  switch (r % 8) {
  case 0: return 0;
  case 1: return (long)((r >> 8) % 200);
  default: return (long)((r >> 8) % (uint64_t)(max_us + 1));
  }
}

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Microseconds one epoch commit takes here (the slowest of 3 on a scratch table), so the
 * kill delays scale with the disk and the build (ASan is several times slower). */
static long commit_time_us(lfh_store *store, const struct ArrowSchema *s) {
  lfh_table *t = NULL;
  int64_t slowest = 0;
  CU_ASSERT_EQUAL_FATAL(lfh_table_create(store, "cat/sch/scratch", s, NULL, &t, err0()), LF_OK);
  for (int64_t e = 1; e <= 3; e++) {
    int64_t t0 = now_us();
    CU_ASSERT_EQUAL(append_epoch(t, e, err0()), LF_OK);
    if (now_us() - t0 > slowest) slowest = now_us() - t0;
  }
  lfh_table_close(t);
  return (long)slowest;
}

static void sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* Starts a writer; returns its pid, the epoch it resumes at in *start. */
static pid_t start_writer(const char *dir, int64_t limit, int64_t *start) {
  int p[2];
  CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
  fflush(NULL);
  pid_t pid = fork();
  CU_ASSERT_TRUE_FATAL(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    writer(dir, p[1], limit);
  }
  close(p[1]);
  *start = -1;
  ssize_t got;
  do got = read(p[0], start, sizeof *start);
  while (got < 0 && errno == EINTR);
  close(p[0]);
  if (got != (ssize_t)sizeof *start) *start = -1;
  return pid;
}

static void test_kill_writer(void) {
  const char *env = getenv("LFH_CRASH_SEED");
  uint64_t seed = env ? strtoull(env, NULL, 0) : DEFAULT_SEED;
  rng_state = seed;

  char *dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  lfh_store *store = lfh_store_open(dir, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(store);
  struct ArrowArray a;
  struct ArrowSchema s;
  lfh_table *t = NULL;
  build_epoch(1, &a, &s, err0());
  CU_ASSERT_EQUAL_FATAL(lfh_table_create(store, TBL, &s, NULL, &t, err0()), LF_OK);
  lfh_table_close(t);
  long commit_us = commit_time_us(store, &s), max_us = DELAY_COMMITS * commit_us;
  lf_array_release(&a);
  lf_schema_release(&s);
  printf("\n  seed 0x%" PRIx64 " (LFH_CRASH_SEED), %d kills, a commit takes %ld us, delays "
         "0..%ld us\n", seed, KILLS, commit_us, max_us);

  int64_t k = 0;
  size_t checked = 0;
  int in_commit = 0, no_progress = 0, garbage_before = 0;
  int64_t max_run = 0;
  for (int kill_no = 0; kill_no < KILLS; kill_no++) {
    int64_t start = 0;
    pid_t pid = start_writer(dir, RUN_EPOCHS, &start);
    /* the restarted writer resumes right after the newest committed epoch */
    CU_ASSERT_EQUAL(start, k + 1);
    if (start < 0) {
      waitpid(pid, NULL, 0);
      CU_FAIL_FATAL("the writer did not start");
    }
    sleep_us(pick_delay_us(max_us));
    CU_ASSERT_EQUAL(kill(pid, SIGKILL), 0);
    int st = 0;
    CU_ASSERT_EQUAL_FATAL(waitpid(pid, &st, 0), pid);
    /* killed, not failed (exit 2) nor done */
    CU_ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

    int64_t was = k;
    k = check_table(store, k, &checked);
    if (k - was > max_run) max_run = k - was;
    if (k == was) no_progress++;
    /* Commit time moves with the machine's load (fsync behind other I/O): widen the
     * delays after a run that committed nothing, narrow them after a long run, so kills
     * keep landing inside commits and writers keep making progress either way. */
    if (k == was && max_us < MAX_DELAY_US) max_us *= 2;
    else if (k - was > 2 && max_us / 2 >= commit_us) max_us /= 2;
    /* where the kill landed: new temp files or uncommitted .avro files mean mid-commit */
    int avro = 0, other = 0;
    count_files(dir, "data", &avro, &other);
    count_files(dir, "metadata", &avro, &other);
    int garbage = other + (avro - (int)(3 * k)); /* data file, manifest, list per epoch */
    if (garbage > garbage_before) in_commit++;
    garbage_before = garbage;
  }
  /* a last writer runs undisturbed for 3 epochs and exits */
  int64_t start = 0, was = k;
  int st = 0;
  pid_t pid = start_writer(dir, 3, &start);
  CU_ASSERT_EQUAL(start, k + 1);
  CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
  CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  k = check_table(store, k, &checked);
  CU_ASSERT_EQUAL(k, was + 3);
  printf("  %d kills: %" PRId64 " epochs committed, %d kills left garbage (mid-commit), "
         "%d runs committed nothing, at most %" PRId64 " epochs per run, %d garbage files\n",
         KILLS, k, in_commit, no_progress, max_run, garbage_before);
  CU_ASSERT_TRUE(k >= KILLS / 6); /* writers made progress */
  CU_ASSERT_TRUE(in_commit >= 5); /* and kills did land inside commits */
  lfh_store_close(store);
  lfh_test_rmtree(dir);
  free(dir);
}

/* Re-running an epoch is a no-op, whether it is the newest, an older one, or raced: a
 * second handle still on the old version finds the epoch committed when it retries. */
static void test_rerun_noop(void) {
  char *dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  lfh_store *store = lfh_store_open(dir, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(store);
  struct ArrowArray a;
  struct ArrowSchema s;
  lfh_table *t = NULL, *stale = NULL;
  build_epoch(1, &a, &s, err0());
  CU_ASSERT_EQUAL_FATAL(lfh_table_create(store, TBL, &s, NULL, &t, err0()), LF_OK);
  lf_array_release(&a);
  lf_schema_release(&s);
  CU_ASSERT_EQUAL_FATAL(append_epoch(t, 1, err0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(store, TBL, &stale, err0()), LF_OK); /* at epoch 1 */
  CU_ASSERT_EQUAL_FATAL(append_epoch(t, 2, err0()), LF_OK);
  CU_ASSERT_EQUAL(append_epoch(t, 2, err0()), LF_ERR_CONFLICT);
  CU_ASSERT_EQUAL(append_epoch(t, 1, err0()), LF_ERR_CONFLICT);
  /* the stale handle races: its retry sees epoch 2 and gives up */
  CU_ASSERT_EQUAL(append_epoch(stale, 2, err0()), LF_ERR_CONFLICT);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "already committed epoch 2"));
  CU_ASSERT_EQUAL(lfh_table_refresh(t, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_table_version(t), 3);
  CU_ASSERT_EQUAL(newest_epoch(t, err0()), 2);
  ids x;
  lfh_scan_opts all = {0};
  CU_ASSERT_EQUAL(scan_ids(t, &all, &x), LF_OK);
  CU_ASSERT_TRUE(ids_are_epochs(&x, 1, 2));
  free(x.v);
  /* the next epoch still commits */
  CU_ASSERT_EQUAL(append_epoch(stale, 3, err0()), LF_OK);
  CU_ASSERT_EQUAL(newest_epoch(t, err0()), 3);
  lfh_table_close(stale);
  lfh_table_close(t);
  lfh_store_close(store);
  lfh_test_rmtree(dir);
  free(dir);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"re-running a committed epoch is a no-op", test_rerun_noop},
      {"a writer SIGKILLed at random points loses and repeats nothing", test_kill_writer},
      {NULL, NULL}};
  return lfh_test_run("table_crash", cases);
}
