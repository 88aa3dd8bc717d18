/* clickstream_rows — see clickstream_rows.h. */
#include "clickstream_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lf/lf_array.h"

const char *const clickstream_schema_json =
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

/* The builders of one batch: str[] are the string columns in row_strings' order. */
typedef struct cols {
  lf_builder *b, *str[13], *ts, *user, *uid, *li, *page, *dev, *geo, *lat, *lon;
  lf_builder *props, *pk, *pv, *amount;
} cols;

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

static void declare(cols *c) {
  c->b = lf_builder_new("+s", "");
  c->str[0] = lf_builder_add_child(c->b, "u", "event_id");
  c->str[1] = lf_builder_add_child(c->b, "u", "event_type");
  c->ts = lf_builder_add_child(c->b, "tsu:UTC", "ts");
  c->user = lf_builder_add_child(c->b, "+s", "user");
  c->uid = lf_builder_add_child(c->user, "l", "user_id");
  c->str[2] = lf_builder_add_child(c->user, "u", "email");
  c->str[3] = lf_builder_add_child(c->user, "u", "session_id");
  c->li = lf_builder_add_child(c->user, "b", "logged_in");
  c->page = lf_builder_add_child(c->b, "+s", "page");
  c->str[4] = lf_builder_add_child(c->page, "u", "url");
  c->str[5] = lf_builder_add_child(c->page, "u", "referrer");
  c->str[6] = lf_builder_add_child(c->page, "u", "title");
  c->dev = lf_builder_add_child(c->b, "+s", "device");
  for (int k = 0; k < 4; k++)
    c->str[7 + k] = lf_builder_add_child(c->dev, "u", (const char *[]){"kind", "os", "browser",
                                                                        "user_agent"}[k]);
  c->geo = lf_builder_add_child(c->b, "+s", "geo");
  c->str[11] = lf_builder_add_child(c->geo, "u", "country");
  c->str[12] = lf_builder_add_child(c->geo, "u", "city");
  c->lat = lf_builder_add_child(c->geo, "g", "lat");
  c->lon = lf_builder_add_child(c->geo, "g", "lon");
  c->props = lf_builder_add_child(c->b, "+m", "properties");
  c->pk = lf_builder_add_child(c->props, "u", "key");
  c->pv = lf_builder_add_child(c->props, "u", "value");
  c->amount = lf_builder_add_child(c->b, "g", "amount");
}

static void set_not_null(const cols *c) {
  for (int k = 0; k < 13; k++)
    if (k != 2 && k != 5) lf_builder_set_nullable(c->str[k], 0);
  lf_builder *const fixed[] = {c->ts, c->user, c->page, c->dev, c->props,
                               c->uid, c->li, c->lat, c->lon};
  for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
    lf_builder_set_nullable(fixed[k], 0);
}

static void append_row(const cols *c, int64_t r) {
  lf_builder_append_struct(c->b);
  lf_builder_append_timestamp(c->ts, 1717000000000000LL + r * 1000);
  lf_builder_append_struct(c->user);
  lf_builder_append_int64(c->uid, r % 50000);
  lf_builder_append_bool(c->li, (int)(r % 3 != 0));
  lf_builder_append_struct(c->page);
  lf_builder_append_struct(c->dev);
  if (r % 50 == 0) lf_builder_append_null(c->geo);
  else {
    lf_builder_append_struct(c->geo);
    lf_builder_append_double(c->lat, 52.52 + (double)(r % 100) * 0.01);
    lf_builder_append_double(c->lon, 13.40 - (double)(r % 100) * 0.01);
  }
  row_strings(c->str, r, r % 50 != 0);
  lf_builder_append_cstr(c->pk, "campaign");
  lf_builder_append_cstr(c->pv, "summer_sale_2024");
  lf_builder_append_cstr(c->pk, "ab_bucket");
  lf_builder_append_cstr(c->pv, r % 2 ? "A" : "B");
  lf_builder_append_cstr(c->pk, "experiment");
  if (r % 4) lf_builder_append_cstr(c->pv, "checkout-v2");
  else lf_builder_append_null(c->pv);
  lf_builder_append_map(c->props);
  if (r % 4 == 3) lf_builder_append_double(c->amount, (double)(r % 10000) / 100.0);
  else lf_builder_append_null(c->amount);
}

int clickstream_batch(int64_t first, int64_t rows, struct ArrowArray *a, struct ArrowSchema *s) {
  cols c;
  declare(&c);
  set_not_null(&c);
  for (int64_t r = first; r < first + rows; r++) append_row(&c, r);
  char msg[256];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  int rc = lf_builder_finish(c.b, a, s, &err);
  if (rc) fprintf(stderr, "clickstream_batch: %s\n", msg);
  return rc;
}

int clickstream_batches_build(clickstream_batches *b, int64_t rows, int64_t batch_rows) {
  size_t n = (size_t)((rows + batch_rows - 1) / batch_rows);
  b->a = calloc(n, sizeof *b->a);
  b->s = calloc(n, sizeof *b->s);
  b->rows = rows;
  b->n = 0;
  if (!b->a || !b->s) return -1;
  for (; b->n < n; b->n++) {
    int64_t first = (int64_t)b->n * batch_rows;
    int64_t len = rows - first < batch_rows ? rows - first : batch_rows;
    if (clickstream_batch(first, len, &b->a[b->n], &b->s[b->n]) != 0) return -1;
  }
  return 0;
}

void clickstream_batches_free(clickstream_batches *b) {
  for (size_t k = 0; k < b->n; k++) {
    if (b->a[k].release) b->a[k].release(&b->a[k]);
    if (b->s[k].release) b->s[k].release(&b->s[k]);
  }
  free(b->a);
  free(b->s);
}

double bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
