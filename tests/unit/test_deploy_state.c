/* test_deploy_state — the deployment record: JSON round trip, load/save through the
 * store (never deployed = LF_ERR_NOT_FOUND), lookups, comparison ignoring deployed_at,
 * UUID v4 shape, and refusal of damaged files. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deploy/lfh_deploy_state.h"
#include "lf/lf_array.h"
#include "lfh_test.h"

static char msg[1024];
static lf_error err;

static lf_error *err0(void) {
  lf_error_init(&err, msg, sizeof(msg));
  return &err;
}

static lfh_deploy_state *sample(void) {
  lfh_deploy_state *s = lfh_deploy_state_new();
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  lfh_deploy_state_set(&s->bundle_name, "clickstream");
  lfh_deploy_state_set(&s->target, "dev");
  lfh_deploy_state_set(&s->bundle_digest, "sha256:00ff");
  lfh_deploy_state_set(&s->deployed_at, "2024-05-01T12:00:00.000Z");
  lfh_deploy_state_set(&s->lfhost_version, "0.6.0");
  lfh_deploy_pipeline p = {"bronze", "0b8f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "Bronze", "dev",
                           "clicks", "/tmp/lake"};
  CU_ASSERT_EQUAL(lfh_deploy_state_add_pipeline(s, &p), 0);
  lfh_deploy_job j = {"nightly", "1b8f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "Nightly"};
  CU_ASSERT_EQUAL(lfh_deploy_state_add_job(s, &j), 0);
  lfh_deploy_plugin pl = {"lf_quality", "1.0.0", "/usr/lib/lf_quality.so"};
  CU_ASSERT_EQUAL(lfh_deploy_state_add_plugin(s, &pl), 0);
  lfh_deploy_table t = {"dev.clicks.events", "file:///tmp/lake/dev/clicks/events",
                        "9c1d2e3f-0000-4000-8000-000000000001", "sha256:abcd",
                        "streaming_table", "bronze", "dev/clicks/events"};
  CU_ASSERT_EQUAL(lfh_deploy_state_add_table(s, &t), 0);
  return s;
}

static void test_roundtrip(void) {
  lfh_deploy_state *s = sample(), *back = NULL;
  char *text = lfh_deploy_state_to_json(s);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"state_version\": 1"));
  CU_ASSERT_EQUAL_FATAL(lfh_deploy_state_parse(text, strlen(text), "x", &back, err0()), 0);
  CU_ASSERT_TRUE(lfh_deploy_state_same(s, back));
  CU_ASSERT_STRING_EQUAL(back->deployed_at, s->deployed_at);
  CU_ASSERT_STRING_EQUAL(lfh_deploy_state_pipeline_id(back, "bronze"),
                         "0b8f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
  CU_ASSERT_PTR_NULL(lfh_deploy_state_pipeline_id(back, "silver"));
  CU_ASSERT_STRING_EQUAL(lfh_deploy_state_job_id(back, "nightly"),
                         "1b8f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
  const lfh_deploy_table *t = lfh_deploy_state_table(back, "dev.clicks.events");
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  CU_ASSERT_STRING_EQUAL(t->table_uuid, "9c1d2e3f-0000-4000-8000-000000000001");
  CU_ASSERT_STRING_EQUAL(t->prefix, "dev/clicks/events");
  CU_ASSERT_STRING_EQUAL(back->plugins[0].version, "1.0.0");
  free(text);
  lfh_deploy_state_free(back);
  lfh_deploy_state_free(s);
}

static void test_same_ignores_time_only(void) {
  lfh_deploy_state *a = sample(), *b = sample();
  lfh_deploy_state_set(&b->deployed_at, "2030-01-01T00:00:00.000Z");
  CU_ASSERT_TRUE(lfh_deploy_state_same(a, b));
  lfh_deploy_state_set(&b->tables[0].fingerprint, "sha256:other");
  CU_ASSERT_FALSE(lfh_deploy_state_same(a, b));
  lfh_deploy_state_free(b);
  b = sample();
  lfh_deploy_state_set(&b->pipelines[0].id, "another");
  CU_ASSERT_FALSE(lfh_deploy_state_same(a, b));
  lfh_deploy_state_free(b);
  b = sample();
  lfh_deploy_plugin extra = {"lf_bronze", "0.1.0", NULL};
  lfh_deploy_state_add_plugin(b, &extra);
  CU_ASSERT_FALSE(lfh_deploy_state_same(a, b));
  lfh_deploy_state_free(b);
  lfh_deploy_state_free(a);
}

static void test_load_save(void) {
  char *dir = lfh_test_tmpdir();
  lfh_deploy_state *s = sample(), *back = NULL;
  CU_ASSERT_EQUAL(lfh_deploy_state_load(dir, &back, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_PTR_NULL(back);
  CU_ASSERT_EQUAL_FATAL(lfh_deploy_state_save(dir, s, err0()), 0);
  char path[1024];
  snprintf(path, sizeof path, "%s/state/deployment.json", dir);
  struct stat st;
  CU_ASSERT_EQUAL(stat(path, &st), 0);
  CU_ASSERT_EQUAL_FATAL(lfh_deploy_state_load(dir, &back, err0()), 0);
  CU_ASSERT_TRUE(lfh_deploy_state_same(s, back));
  lfh_deploy_state_free(back);
  CU_ASSERT_EQUAL(lfh_deploy_state_delete(dir, err0()), 0);
  CU_ASSERT_EQUAL(lfh_deploy_state_load(dir, &back, err0()), LF_ERR_NOT_FOUND);
  lfh_deploy_state_free(s);
  lfh_test_rmtree(dir);
  free(dir);
}

static void test_damaged(void) {
  lfh_deploy_state *s = NULL;
  const char *bad[] = {"{", "[]", "{\"state_version\": 7}",
                       "{\"state_version\": 1, \"bundle\": 3}",
                       "{\"state_version\": 1, \"resources\": {\"pipelines\": []}}",
                       "{\"state_version\": 1, \"resources\": {\"pipelines\": {\"p\": {}}}}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CU_ASSERT_EQUAL(lfh_deploy_state_parse(bad[i], strlen(bad[i]), "f.json", &s, err0()),
                    LF_ERR_DATA);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "f.json"));
  }
}

static void test_uuid(void) {
  char a[37], b[37];
  CU_ASSERT_EQUAL(lfh_uuid_v4(a, err0()), 0);
  CU_ASSERT_EQUAL(lfh_uuid_v4(b, err0()), 0);
  CU_ASSERT_EQUAL(strlen(a), 36);
  CU_ASSERT_STRING_NOT_EQUAL(a, b);
  CU_ASSERT_EQUAL(a[14], '4');
  CU_ASSERT_PTR_NOT_NULL(strchr("89ab", a[19]));
  for (int i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      CU_ASSERT_EQUAL(a[i], '-');
    } else {
      CU_ASSERT_TRUE(isxdigit((unsigned char)a[i]) && !isupper((unsigned char)a[i]));
    }
  }
  char now[32];
  lfh_deploy_now_rfc3339(now);
  CU_ASSERT_EQUAL(strlen(now), 24);
  CU_ASSERT_EQUAL(now[10], 'T');
  CU_ASSERT_EQUAL(now[23], 'Z');
}

int main(void) {
  static const lfh_test_case cases[] = {{"json round trip", test_roundtrip},
                                        {"same ignores deployed_at only", test_same_ignores_time_only},
                                        {"load and save", test_load_save},
                                        {"damaged files refused", test_damaged},
                                        {"uuid v4 and time", test_uuid},
                                        {NULL, NULL}};
  return lfh_test_run("deploy_state", cases);
}
