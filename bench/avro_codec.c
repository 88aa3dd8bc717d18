/*
 * bench_avro_codec — Arrow <-> Avro binary throughput of lfh_avro_arrow on one core.
 *
 * Clickstream-shaped rows (about 500 bytes encoded, nested: user/page/device/geo structs,
 * a properties map, a nullable amount) are built once as Arrow batches of 64k rows; then
 * encode (rows/s, MB/s of Avro produced), full decode and projected decode (rows/s) are
 * timed over repeated runs. No container framing or codec: that is the table bench.
 *
 * Usage: bench_avro_codec [seconds per measurement, default 2]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "avro/lfh_avro.h"
#include "avro/lfh_avro_arrow.h"
#include "lf/lf_array.h"

#define ROWS 65536
#define BLOCK_ROWS 4096 /* rows per container block when decoding, as a writer would cut */

static const char *const SCHEMA =
    "{\"type\":\"record\",\"name\":\"event\",\"fields\":["
    "{\"name\":\"event_id\",\"type\":\"string\",\"field-id\":1},"
    "{\"name\":\"event_type\",\"type\":\"string\",\"field-id\":2},"
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\","
    "\"adjust-to-utc\":true},\"field-id\":3},"
    "{\"name\":\"user\",\"field-id\":4,\"type\":{\"type\":\"record\",\"name\":\"r4\",\"fields\":["
    "{\"name\":\"user_id\",\"type\":\"long\",\"field-id\":10},"
    "{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"field-id\":11},"
    "{\"name\":\"session_id\",\"type\":\"string\",\"field-id\":12},"
    "{\"name\":\"logged_in\",\"type\":\"boolean\",\"field-id\":13}]}},"
    "{\"name\":\"page\",\"field-id\":5,\"type\":{\"type\":\"record\",\"name\":\"r5\",\"fields\":["
    "{\"name\":\"url\",\"type\":\"string\",\"field-id\":20},"
    "{\"name\":\"referrer\",\"type\":[\"null\",\"string\"],\"field-id\":21},"
    "{\"name\":\"title\",\"type\":\"string\",\"field-id\":22}]}},"
    "{\"name\":\"device\",\"field-id\":6,\"type\":{\"type\":\"record\",\"name\":\"r6\",\"fields\":["
    "{\"name\":\"kind\",\"type\":\"string\",\"field-id\":30},"
    "{\"name\":\"os\",\"type\":\"string\",\"field-id\":31},"
    "{\"name\":\"browser\",\"type\":\"string\",\"field-id\":32},"
    "{\"name\":\"user_agent\",\"type\":\"string\",\"field-id\":33}]}},"
    "{\"name\":\"geo\",\"field-id\":7,\"type\":[\"null\",{\"type\":\"record\",\"name\":\"r7\","
    "\"fields\":[{\"name\":\"country\",\"type\":\"string\",\"field-id\":40},"
    "{\"name\":\"city\",\"type\":\"string\",\"field-id\":41},"
    "{\"name\":\"lat\",\"type\":\"double\",\"field-id\":42},"
    "{\"name\":\"lon\",\"type\":\"double\",\"field-id\":43}]}]},"
    "{\"name\":\"properties\",\"field-id\":8,\"type\":{\"type\":\"map\",\"values\":"
    "[\"null\",\"string\"],\"key-id\":50,\"value-id\":51}},"
    "{\"name\":\"amount\",\"type\":[\"null\",\"double\"],\"field-id\":9}]}";

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void row_strings(lf_builder *const *c, int64_t r, int geo_valid) {
  static const char *const types[] = {"page_view", "click", "add_to_cart", "purchase"};
  static const char *const cities[] = {"Berlin", "Lisbon", "Austin", "Osaka", "Nairobi"};
  char s[160];
  snprintf(s, sizeof s, "%08llx-4f1c-4b7e-9a3d-%012llx", (unsigned long long)r * 2654435761u,
           (unsigned long long)r);
  lf_builder_append_cstr(c[0], s);
  lf_builder_append_cstr(c[1], types[r % 4]);
  snprintf(s, sizeof s, "user%lld@example.com", (long long)(r % 50000));
  if (r % 10 == 0) lf_builder_append_null(c[2]);
  else lf_builder_append_cstr(c[2], s);
  snprintf(s, sizeof s, "sess-%016llx", (unsigned long long)(r / 20) * 11400714819323198485ull);
  lf_builder_append_cstr(c[3], s);
  snprintf(s, sizeof s, "https://shop.example.com/catalog/category-%lld/product-%lld?ref=home",
           (long long)(r % 40), (long long)(r % 9973));
  lf_builder_append_cstr(c[4], s);
  if (r % 3 == 0) lf_builder_append_null(c[5]);
  else lf_builder_append_cstr(c[5], "https://www.search.example.org/q?term=running+shoes");
  snprintf(s, sizeof s, "Product %lld - Running shoes, lightweight", (long long)(r % 9973));
  lf_builder_append_cstr(c[6], s);
  lf_builder_append_cstr(c[7], r % 3 ? "mobile" : "desktop");
  lf_builder_append_cstr(c[8], r % 2 ? "Android 14" : "iOS 17.4");
  lf_builder_append_cstr(c[9], r % 2 ? "Chrome 124" : "Safari 17");
  lf_builder_append_cstr(c[10], "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                                "(KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36");
  if (!geo_valid) return; /* a null struct's children got their nulls already */
  lf_builder_append_cstr(c[11], r % 5 ? "DE" : "US");
  lf_builder_append_cstr(c[12], cities[r % 5]);
}

/* One 64k-row clickstream batch. */
static int build_batch(struct ArrowArray *a, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *str[13], *user, *page, *dev, *geo, *props, *pk, *pv;
  str[0] = lf_builder_add_child(b, "u", "event_id");
  str[1] = lf_builder_add_child(b, "u", "event_type");
  lf_builder *ts = lf_builder_add_child(b, "tsu:UTC", "ts");
  user = lf_builder_add_child(b, "+s", "user");
  lf_builder *uid = lf_builder_add_child(user, "l", "user_id");
  str[2] = lf_builder_add_child(user, "u", "email");
  str[3] = lf_builder_add_child(user, "u", "session_id");
  lf_builder *li = lf_builder_add_child(user, "b", "logged_in");
  page = lf_builder_add_child(b, "+s", "page");
  str[4] = lf_builder_add_child(page, "u", "url");
  str[5] = lf_builder_add_child(page, "u", "referrer");
  str[6] = lf_builder_add_child(page, "u", "title");
  dev = lf_builder_add_child(b, "+s", "device");
  for (int k = 0; k < 4; k++)
    str[7 + k] = lf_builder_add_child(dev, "u", (const char *[]){"kind", "os", "browser",
                                                                  "user_agent"}[k]);
  geo = lf_builder_add_child(b, "+s", "geo");
  str[11] = lf_builder_add_child(geo, "u", "country");
  str[12] = lf_builder_add_child(geo, "u", "city");
  lf_builder *lat = lf_builder_add_child(geo, "g", "lat");
  lf_builder *lon = lf_builder_add_child(geo, "g", "lon");
  props = lf_builder_add_child(b, "+m", "properties");
  pk = lf_builder_add_child(props, "u", "key");
  pv = lf_builder_add_child(props, "u", "value");
  lf_builder *amount = lf_builder_add_child(b, "g", "amount");
  for (int k = 0; k < 13; k++)
    if (k != 2 && k != 5) lf_builder_set_nullable(str[k], 0);
  lf_builder_set_nullable(ts, 0);
  lf_builder_set_nullable(user, 0);
  lf_builder_set_nullable(page, 0);
  lf_builder_set_nullable(dev, 0);
  lf_builder_set_nullable(props, 0);
  lf_builder_set_nullable(uid, 0);
  lf_builder_set_nullable(li, 0);
  lf_builder_set_nullable(lat, 0);
  lf_builder_set_nullable(lon, 0);
  for (int64_t r = 0; r < ROWS; r++) {
    lf_builder_append_struct(b);
    lf_builder_append_timestamp(ts, 1717000000000000LL + r * 1000);
    lf_builder_append_struct(user);
    lf_builder_append_int64(uid, r % 50000);
    lf_builder_append_bool(li, (int)(r % 3 != 0));
    lf_builder_append_struct(page);
    lf_builder_append_struct(dev);
    if (r % 50 == 0) lf_builder_append_null(geo);
    else {
      lf_builder_append_struct(geo);
      lf_builder_append_double(lat, 52.52 + (double)(r % 100) * 0.01);
      lf_builder_append_double(lon, 13.40 - (double)(r % 100) * 0.01);
    }
    row_strings(str, r, r % 50 != 0);
    lf_builder_append_cstr(pk, "campaign");
    lf_builder_append_cstr(pv, "summer_sale_2024");
    lf_builder_append_cstr(pk, "ab_bucket");
    lf_builder_append_cstr(pv, r % 2 ? "A" : "B");
    lf_builder_append_cstr(pk, "experiment");
    if (r % 4) lf_builder_append_cstr(pv, "checkout-v2");
    else lf_builder_append_null(pv);
    lf_builder_append_map(props);
    if (r % 4 == 3) lf_builder_append_double(amount, (double)(r % 10000) / 100.0);
    else lf_builder_append_null(amount);
  }
  char msg[256];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  int rc = lf_builder_finish(b, a, s, &err);
  if (rc) fprintf(stderr, "build: %s\n", msg);
  return rc;
}

typedef struct bench {
  lfh_avro_schema *sch;
  struct ArrowArray batch;
  struct ArrowSchema schema;
  lfh_buf avro;           /* one batch encoded */
  size_t block_off[ROWS / BLOCK_ROWS + 1];
  char msg[256];
  lf_error err;
} bench;

static int bench_encode(bench *b, double secs) {
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(b->sch, &b->schema, &b->err);
  if (!e) return -1;
  double t0 = now(), t;
  int64_t rows = 0;
  size_t bytes = 0;
  int rc = 0;
  do { /* blocks of BLOCK_ROWS into a reused buffer, as the table writer does */
    b->avro.len = 0;
    for (int64_t r = 0; r < ROWS && rc == 0; r += BLOCK_ROWS) {
      b->block_off[r / BLOCK_ROWS] = b->avro.len;
      rc = lfh_avro_arrow_encode(e, &b->batch, r, BLOCK_ROWS, &b->avro, &b->err);
    }
    b->block_off[ROWS / BLOCK_ROWS] = b->avro.len;
    rows += ROWS;
    bytes += b->avro.len;
    t = now() - t0;
  } while (rc == 0 && t < secs);
  lfh_avro_arrow_encoder_free(e);
  if (rc) return rc;
  printf("encode        %8.2f M rows/s  %8.1f MB/s  (%.1f bytes/row)\n", (double)rows / t / 1e6,
         (double)bytes / t / 1e6, (double)b->avro.len / ROWS);
  return 0;
}

static int bench_decode(bench *b, const char *what, const char *const *proj, size_t n_proj,
                        double secs) {
  lfh_avro_arrow_decoder *d = lfh_avro_arrow_decoder_new(b->sch, proj, n_proj, &b->err);
  if (!d) return -1;
  double t0 = now(), t;
  int64_t rows = 0;
  int rc = 0;
  do {
    for (int k = 0; k < ROWS / BLOCK_ROWS && rc == 0; k++)
      rc = lfh_avro_arrow_decode_block(d, b->avro.data + b->block_off[k],
                                       b->block_off[k + 1] - b->block_off[k], BLOCK_ROWS, &b->err);
    struct ArrowArray out;
    if (rc == 0 && (rc = lfh_avro_arrow_decoder_finish(d, &out, &b->err)) == 0) {
      rows += out.length;
      out.release(&out);
    }
    t = now() - t0;
  } while (rc == 0 && t < secs);
  lfh_avro_arrow_decoder_free(d);
  if (rc) return rc;
  printf("decode %-6s %8.2f M rows/s  %8.1f MB/s of Avro\n", what, (double)rows / t / 1e6,
         (double)rows * ((double)b->avro.len / ROWS) / t / 1e6);
  return 0;
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 2.0;
  static bench b;
  lf_error_init(&b.err, b.msg, sizeof b.msg);
  int rc = 1;
  b.sch = lfh_avro_schema_parse(SCHEMA, strlen(SCHEMA), &b.err);
  if (!b.sch || build_batch(&b.batch, &b.schema) != 0) goto fail;
  printf("lfh_avro_arrow, %d-row batches, %d-row blocks, one core\n", ROWS, BLOCK_ROWS);
  static const char *const proj[] = {"event_type", "ts", "amount"};
  if (bench_encode(&b, secs) || bench_decode(&b, "all", NULL, 0, secs) ||
      bench_decode(&b, "3 cols", proj, 3, secs))
    goto fail;
  rc = 0;
fail:
  if (rc) fprintf(stderr, "bench_avro_codec: %s\n", b.msg);
  if (b.batch.release) b.batch.release(&b.batch);
  if (b.schema.release) b.schema.release(&b.schema);
  lfh_buf_free(&b.avro);
  lfh_avro_schema_free(b.sch);
  return rc;
}
