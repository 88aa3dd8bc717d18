/* test_iceberg_schema — Iceberg types and schemas: ids from Arrow as Java assigns them,
 * JSON round trips, Avro schema JSON (field-id everywhere; Java's manifest schemas byte
 * for byte), Arrow for scans, and adding columns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_avro.h"
#include "lf/lf.h"
#include "lfh_test.h"
#include "table/lfh_iceberg_schema.h"
#include "table/lfh_manifest.h"

#define REF_DIR LFH_SOURCE_DIR "/../shared/reference/iceberg"

static char msg[512];
static lf_error err;

static void reset_err(void) { lf_error_init(&err, msg, sizeof(msg)); }

static struct ArrowSchema *child(struct ArrowSchema *p, const char *fmt, const char *name,
                                 int nullable) {
  struct ArrowSchema *c = NULL;
  int rc = lf_schema_add_child(p, fmt, name, nullable ? ARROW_FLAG_NULLABLE : 0, &c, NULL);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  return c;
}

/* id: long not null, user {name, tags list<string>, attrs map<string,long>},
 * events list<struct{ts timestamptz, kind}>, scores map<int,double>, day date */
static void nested_arrow(struct ArrowSchema *s) {
  CU_ASSERT_EQUAL_FATAL(lf_schema_init(s, "+s", "", 0, NULL), LF_OK);
  child(s, "l", "id", 0);
  struct ArrowSchema *user = child(s, "+s", "user", 1);
  child(user, "u", "name", 1);
  struct ArrowSchema *tags = child(user, "+l", "tags", 1);
  child(tags, "u", "element", 0);
  struct ArrowSchema *attrs = child(user, "+m", "attrs", 1);
  struct ArrowSchema *ae = child(attrs, "+s", "entries", 0);
  child(ae, "u", "key", 0);
  child(ae, "l", "value", 1);
  struct ArrowSchema *events = child(s, "+l", "events", 1);
  struct ArrowSchema *ev = child(events, "+s", "element", 1);
  child(ev, "tsu:UTC", "ts", 0);
  child(ev, "u", "kind", 1);
  struct ArrowSchema *scores = child(s, "+m", "scores", 1);
  struct ArrowSchema *se = child(scores, "+s", "entries", 0);
  child(se, "i", "key", 0);
  child(se, "g", "value", 0);
  child(s, "tdD", "day", 1);
}

static const lfh_ice_field *field(const lfh_ice_type *t, const char *name) {
  for (size_t i = 0; t && i < t->n_fields; i++)
    if (strcmp(t->fields[i].name, name) == 0) return &t->fields[i];
  CU_FAIL("field not found");
  return NULL;
}

/* Java's assignFreshIds: a struct's fields first (1..5), then each field's nested type
 * in order: user's fields 6..8, tags element 9, attrs key/value 10/11, events element 12,
 * its struct's fields 13/14, scores key/value 15/16. */
static void test_ids_from_arrow(void) {
  struct ArrowSchema a;
  lfh_ice_schema *s = NULL;
  int32_t last = 0;
  nested_arrow(&a);
  reset_err();
  CU_ASSERT_EQUAL_FATAL(lfh_ice_schema_from_arrow(&a, 0, &last, &s, &err), LF_OK);
  const lfh_ice_type *r = s->root;
  CU_ASSERT_EQUAL(field(r, "id")->id, 1);
  CU_ASSERT_TRUE(field(r, "id")->required);
  CU_ASSERT_EQUAL(field(r, "id")->type->kind, LFH_ICE_LONG);
  CU_ASSERT_EQUAL(field(r, "user")->id, 2);
  CU_ASSERT_FALSE(field(r, "user")->required);
  CU_ASSERT_EQUAL(field(r, "events")->id, 3);
  CU_ASSERT_EQUAL(field(r, "scores")->id, 4);
  CU_ASSERT_EQUAL(field(r, "day")->id, 5);
  CU_ASSERT_EQUAL(field(r, "day")->type->kind, LFH_ICE_DATE);
  const lfh_ice_type *user = field(r, "user")->type;
  CU_ASSERT_EQUAL(field(user, "name")->id, 6);
  CU_ASSERT_EQUAL(field(user, "tags")->id, 7);
  CU_ASSERT_EQUAL(field(user, "attrs")->id, 8);
  const lfh_ice_type *tags = field(user, "tags")->type;
  CU_ASSERT_EQUAL(tags->element_id, 9);
  CU_ASSERT_TRUE(tags->element_required);
  const lfh_ice_type *attrs = field(user, "attrs")->type;
  CU_ASSERT_EQUAL(attrs->key_id, 10);
  CU_ASSERT_EQUAL(attrs->value_id, 11);
  CU_ASSERT_FALSE(attrs->value_required);
  const lfh_ice_type *events = field(r, "events")->type;
  CU_ASSERT_EQUAL(events->element_id, 12);
  CU_ASSERT_FALSE(events->element_required);
  CU_ASSERT_EQUAL(field(events->element, "ts")->id, 13);
  CU_ASSERT_EQUAL(field(events->element, "ts")->type->kind, LFH_ICE_TIMESTAMPTZ);
  CU_ASSERT_EQUAL(field(events->element, "kind")->id, 14);
  const lfh_ice_type *scores = field(r, "scores")->type;
  CU_ASSERT_EQUAL(scores->key_id, 15);
  CU_ASSERT_EQUAL(scores->value_id, 16);
  CU_ASSERT_TRUE(scores->value_required);
  CU_ASSERT_EQUAL(last, 16);
  CU_ASSERT_EQUAL(lfh_ice_type_max_id(s->root), 16);
  lfh_ice_schema_free(s);
  lf_schema_release(&a);
}

static void test_arrow_formats(void) {
  struct ArrowSchema a;
  lfh_ice_schema *s = NULL;
  int32_t last = 10; /* ids continue above an existing last-column-id */
  CU_ASSERT_EQUAL_FATAL(lf_schema_init(&a, "+s", "", 0, NULL), LF_OK);
  const char *fmts[] = {"i", "l", "g", "f", "b", "u", "z", "tsu:UTC", "tsu:", "tdD", "d:10,2", "w:7"};
  lfh_ice_kind kinds[] = {LFH_ICE_INT, LFH_ICE_LONG, LFH_ICE_DOUBLE, LFH_ICE_FLOAT,
                          LFH_ICE_BOOLEAN, LFH_ICE_STRING, LFH_ICE_BINARY, LFH_ICE_TIMESTAMPTZ,
                          LFH_ICE_TIMESTAMP, LFH_ICE_DATE, LFH_ICE_DECIMAL, LFH_ICE_FIXED};
  for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
    char name[8];
    snprintf(name, sizeof(name), "c%zu", i);
    child(&a, fmts[i], name, 1);
  }
  reset_err();
  CU_ASSERT_EQUAL_FATAL(lfh_ice_schema_from_arrow(&a, 3, &last, &s, &err), LF_OK);
  CU_ASSERT_EQUAL(s->schema_id, 3);
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    CU_ASSERT_EQUAL(s->root->fields[i].type->kind, kinds[i]);
    CU_ASSERT_EQUAL(s->root->fields[i].id, (int32_t)(11 + i));
  }
  CU_ASSERT_EQUAL(last, 22);
  lfh_ice_schema_free(s);
  lf_schema_release(&a);
  /* unsupported format, duplicate names: refused, nothing leaked */
  CU_ASSERT_EQUAL_FATAL(lf_schema_init(&a, "+s", "", 0, NULL), LF_OK);
  child(&a, "e", "half", 1);
  last = 0;
  reset_err();
  CU_ASSERT_EQUAL(lfh_ice_schema_from_arrow(&a, 0, &last, &s, &err), LF_ERR_UNSUPPORTED);
  CU_ASSERT_PTR_NULL(s);
  CU_ASSERT_EQUAL(last, 0);
  lf_schema_release(&a);
  CU_ASSERT_EQUAL_FATAL(lf_schema_init(&a, "+s", "", 0, NULL), LF_OK);
  child(&a, "i", "x", 1);
  child(&a, "l", "x", 1);
  CU_ASSERT_EQUAL(lfh_ice_schema_from_arrow(&a, 0, &last, &s, &err), LF_ERR_SCHEMA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "duplicate"));
  lf_schema_release(&a);
}

static lfh_ice_schema *nested_schema(void) {
  struct ArrowSchema a;
  lfh_ice_schema *s = NULL;
  int32_t last = 0;
  nested_arrow(&a);
  CU_ASSERT_EQUAL(lfh_ice_schema_from_arrow(&a, 0, &last, &s, NULL), LF_OK);
  lf_schema_release(&a);
  return s;
}

static void test_json_round_trip(void) {
  lfh_ice_schema *s = nested_schema(), *back = NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  char *text = lfh_ice_schema_to_json_text(s);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  reset_err();
  CU_ASSERT_EQUAL_FATAL(lfh_ice_schema_parse(text, strlen(text), "t", &back, &err), LF_OK);
  CU_ASSERT_TRUE(lfh_ice_schema_equal(s, back));
  char *again = lfh_ice_schema_to_json_text(back);
  CU_ASSERT_STRING_EQUAL(text, again);
  /* Java's key order */
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,"
                                      "\"name\":\"id\",\"required\":true,\"type\":\"long\"}"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "{\"type\":\"map\",\"key-id\":15,\"key\":\"int\","
                                      "\"value-id\":16,\"value\":\"double\",\"value-required\":true}"));
  free(text);
  free(again);
  lfh_ice_schema_free(back);
  lfh_ice_schema *copy = lfh_ice_schema_copy(s);
  CU_ASSERT_TRUE(lfh_ice_schema_equal(s, copy));
  lfh_ice_schema_free(copy);
  lfh_ice_schema_free(s);
}

static void test_json_errors(void) {
  static const char *bad[] = {
      "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true}]}",
      "{\"type\":\"struct\",\"fields\":[{\"id\":\"1\",\"name\":\"a\",\"required\":true,\"type\":\"int\"}]}",
      "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":\"int64\"}]}",
      "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":"
      "{\"type\":\"list\",\"element\":\"int\",\"element-required\":true}}]}",
      "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":"
      "\"decimal(40,2)\"}]}",
      "{\"type\":\"struct\",\"fields\":{}}", "[1,2]", "{\"type\":\"struct\",\"fields\":[", NULL};
  for (size_t i = 0; bad[i]; i++) {
    lfh_ice_schema *s = NULL;
    reset_err();
    int rc = lfh_ice_schema_parse(bad[i], strlen(bad[i]), "x.json", &s, &err);
    CU_ASSERT_EQUAL(rc, LF_ERR_DATA);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "x.json"));
  }
  /* parameterised types parse with Java's spacing too */
  const char *ok = "{\"type\":\"struct\",\"schema-id\":4,\"identifier-field-ids\":[1],\"fields\":["
                   "{\"id\":1,\"name\":\"d\",\"required\":true,\"type\":\"decimal(9, 2)\"},"
                   "{\"id\":2,\"name\":\"f\",\"required\":false,\"type\":\"fixed[16]\",\"doc\":\"x\"}]}";
  lfh_ice_schema *s = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_ice_schema_parse(ok, strlen(ok), "ok", &s, NULL), LF_OK);
  CU_ASSERT_EQUAL(s->schema_id, 4);
  CU_ASSERT_EQUAL(s->n_identifier_ids, 1);
  CU_ASSERT_EQUAL(s->root->fields[0].type->precision, 9);
  CU_ASSERT_EQUAL(s->root->fields[1].type->length, 16);
  CU_ASSERT_STRING_EQUAL(s->root->fields[1].doc, "x");
  char *text = lfh_ice_schema_to_json_text(s);
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"decimal(9,2)\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"identifier-field-ids\":[1]"));
  free(text);
  lfh_ice_schema_free(s);
}

/* Every record field of an Avro schema carries a field-id; arrays an element-id (or are
 * logical maps whose k/v records carry field-ids); maps key-id and value-id. */
static int ids_everywhere(const lfh_avro_schema *s, int depth) {
  if (!s || depth > 64) return 0;
  switch (s->type) {
    case LFH_AVRO_RECORD:
      for (size_t i = 0; i < s->n_fields; i++)
        if (s->fields[i].field_id == LFH_AVRO_NO_ID || !ids_everywhere(s->fields[i].type, depth + 1))
          return 0;
      return 1;
    case LFH_AVRO_ARRAY:
      if (s->logical_type && strcmp(s->logical_type, "map") == 0)
        return ids_everywhere(s->items, depth + 1);
      return s->element_id != LFH_AVRO_NO_ID && ids_everywhere(s->items, depth + 1);
    case LFH_AVRO_MAP:
      return s->key_id != LFH_AVRO_NO_ID && s->value_id != LFH_AVRO_NO_ID &&
             ids_everywhere(s->items, depth + 1);
    case LFH_AVRO_UNION:
      for (size_t i = 0; i < s->n_branches; i++)
        if (!ids_everywhere(s->branches[i], depth + 1)) return 0;
      return 1;
    default: return 1;
  }
}

static void test_avro_schema(void) {
  lfh_ice_schema *s = nested_schema();
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  char *json = lfh_ice_schema_to_avro_json(s, "clicks");
  CU_ASSERT_PTR_NOT_NULL_FATAL(json);
  /* the spec's mapping, in Java's layout */
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"type\":\"record\",\"name\":\"clicks\",\"fields\":["
                                      "{\"name\":\"id\",\"type\":\"long\",\"field-id\":1}"));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"name\":\"r2\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"type\":\"map\",\"values\":[\"null\",\"long\"],"
                                      "\"key-id\":10,\"value-id\":11}"));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"type\":\"array\",\"items\":\"string\",\"element-id\":9}"));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"name\":\"r12\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\","
                                      "\"adjust-to-utc\":true}"));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"name\":\"k15_v16\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"logicalType\":\"map\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"name\":\"day\",\"type\":[\"null\",{\"type\":\"int\","
                                      "\"logicalType\":\"date\"}],\"default\":null,\"field-id\":5}"));
  reset_err();
  lfh_avro_schema *av = lfh_avro_schema_parse(json, strlen(json), &err);
  if (!av) fprintf(stderr, "avro parse: %s\n%s\n", msg, json);
  CU_ASSERT_PTR_NOT_NULL_FATAL(av);
  CU_ASSERT_TRUE(ids_everywhere(av, 0));
  lfh_avro_schema_free(av);
  free(json);
  lfh_ice_schema_free(s);
}

/* Repeated fixed-backed types are named once and referenced after, or Avro refuses the
 * schema (a name may be defined only once). */
static void test_avro_named_types(void) {
  const char *j = "{\"type\":\"struct\",\"fields\":["
                  "{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":\"decimal(38,10)\"},"
                  "{\"id\":2,\"name\":\"b\",\"required\":false,\"type\":\"decimal(38,10)\"},"
                  "{\"id\":3,\"name\":\"u\",\"required\":true,\"type\":\"uuid\"},"
                  "{\"id\":4,\"name\":\"t\",\"required\":true,\"type\":\"timestamp\"},"
                  "{\"id\":5,\"name\":\"tm\",\"required\":true,\"type\":\"time\"},"
                  "{\"id\":6,\"name\":\"d\",\"required\":true,\"type\":\"decimal(9,2)\"}]}";
  lfh_ice_schema *s = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_ice_schema_parse(j, strlen(j), "t", &s, NULL), LF_OK);
  char *json = lfh_ice_schema_to_avro_json(s, "t");
  CU_ASSERT_PTR_NOT_NULL_FATAL(json);
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"type\":\"fixed\",\"name\":\"decimal_38_10\",\"size\":16,"
                                      "\"logicalType\":\"decimal\",\"precision\":38,\"scale\":10}"));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "[\"null\",\"decimal_38_10\"]"));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"size\":4,\"logicalType\":\"decimal\",\"precision\":9"));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"name\":\"uuid_fixed\",\"size\":16,\"logicalType\":\"uuid\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"adjust-to-utc\":false"));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"logicalType\":\"time-micros\""));
  lfh_avro_schema *av = lfh_avro_schema_parse(json, strlen(json), NULL);
  CU_ASSERT_PTR_NOT_NULL(av);
  CU_ASSERT_TRUE(ids_everywhere(av, 0));
  lfh_avro_schema_free(av);
  free(json);
  lfh_ice_schema_free(s);
}

static char *slurp_ref(const char *name) {
  char path[512];
  snprintf(path, sizeof(path), "%s/java-headers/%s", REF_DIR, name);
  char *text = lfh_test_slurp(path, NULL);
  if (!text) fprintf(stderr, "cannot read %s\n", path);
  return text;
}

/* The manifest and manifest-list schemas, derived from their Iceberg schemas by our Avro
 * mapping, are byte-identical to what Java 1.8.1 wrote into the reference files. */
static void test_manifest_schemas_match_java(void) {
  char *mavro = slurp_ref("manifest.avro.schema"), *lavro = slurp_ref("mlist.avro.schema");
  char *mice = slurp_ref("manifest.iceberg.schema"), *lice = slurp_ref("mlist.iceberg.schema");
  CU_ASSERT_PTR_NOT_NULL_FATAL(mavro);
  CU_ASSERT_PTR_NOT_NULL_FATAL(lavro);
  CU_ASSERT_PTR_NOT_NULL_FATAL(mice);
  CU_ASSERT_PTR_NOT_NULL_FATAL(lice);
  CU_ASSERT_PTR_NOT_NULL_FATAL(lfh_manifest_entry_avro_json());
  CU_ASSERT_STRING_EQUAL(lfh_manifest_entry_avro_json(), mavro);
  CU_ASSERT_STRING_EQUAL(lfh_manifest_file_avro_json(), lavro);
  char *ei = lfh_ice_schema_to_json_text(lfh_manifest_entry_schema());
  char *fi = lfh_ice_schema_to_json_text(lfh_manifest_file_schema());
  CU_ASSERT_STRING_EQUAL(ei, mice);
  CU_ASSERT_STRING_EQUAL(fi, lice);
  /* and Java's own text parses back to the same schema */
  lfh_ice_schema *s = NULL;
  CU_ASSERT_EQUAL(lfh_ice_schema_parse(mice, strlen(mice), "java", &s, NULL), LF_OK);
  CU_ASSERT_TRUE(lfh_ice_schema_equal(s, lfh_manifest_entry_schema()));
  lfh_ice_schema_free(s);
  free(ei);
  free(fi);
  free(mavro);
  free(lavro);
  free(mice);
  free(lice);
}

static void test_to_arrow(void) {
  lfh_ice_schema *s = nested_schema(), *back = NULL;
  struct ArrowSchema a, orig;
  int32_t last = 0;
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  reset_err();
  CU_ASSERT_EQUAL_FATAL(lfh_ice_schema_to_arrow(s, &a, &err), LF_OK);
  nested_arrow(&orig);
  CU_ASSERT_TRUE(lf_schema_equal(&a, &orig, 0));
  /* and back: the same ids again */
  CU_ASSERT_EQUAL(lfh_ice_schema_from_arrow(&a, 0, &last, &back, NULL), LF_OK);
  CU_ASSERT_TRUE(lfh_ice_schema_equal(s, back));
  lfh_ice_schema_free(back);
  lf_schema_release(&a);
  lf_schema_release(&orig);
  lfh_ice_schema_free(s);
}

static void test_add_columns(void) {
  lfh_ice_schema *s = nested_schema(), *next = NULL;
  struct ArrowSchema a;
  int32_t last = 16;
  int changed = 0;
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  nested_arrow(&a);
  /* nothing new */
  CU_ASSERT_EQUAL(lfh_ice_schema_add_columns(s, &a, &last, &next, &changed, NULL), LF_OK);
  CU_ASSERT_FALSE(changed);
  CU_ASSERT_EQUAL(last, 16);
  CU_ASSERT_TRUE(lfh_ice_schema_equal(s, next));
  lfh_ice_schema_free(next);
  /* a new top-level list and a new nested field: fresh ids above 16, optional */
  struct ArrowSchema *l = child(&a, "+l", "refs", 0);
  child(l, "l", "element", 0);
  child(a.children[1], "b", "vip", 0);
  reset_err();
  CU_ASSERT_EQUAL_FATAL(lfh_ice_schema_add_columns(s, &a, &last, &next, &changed, &err), LF_OK);
  CU_ASSERT_TRUE(changed);
  CU_ASSERT_EQUAL(next->schema_id, 1);
  const lfh_ice_field *vip = field(field(next->root, "user")->type, "vip");
  CU_ASSERT_EQUAL(vip->id, 17);
  CU_ASSERT_FALSE(vip->required);
  const lfh_ice_field *refs = field(next->root, "refs");
  CU_ASSERT_EQUAL(refs->id, 18);
  CU_ASSERT_FALSE(refs->required);
  CU_ASSERT_EQUAL(refs->type->element_id, 19);
  CU_ASSERT_EQUAL(last, 19);
  CU_ASSERT_EQUAL(field(next->root, "day")->id, 5);
  lfh_ice_schema_free(next);
  lf_schema_release(&a);
  /* a type change is refused */
  CU_ASSERT_EQUAL_FATAL(lf_schema_init(&a, "+s", "", 0, NULL), LF_OK);
  child(&a, "u", "id", 0);
  last = 16;
  reset_err();
  CU_ASSERT_EQUAL(lfh_ice_schema_add_columns(s, &a, &last, &next, &changed, &err), LF_ERR_SCHEMA);
  CU_ASSERT_PTR_NULL(next);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'id'"));
  CU_ASSERT_EQUAL(last, 16);
  lf_schema_release(&a);
  lfh_ice_schema_free(s);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"ids from Arrow follow Java's assignFreshIds", test_ids_from_arrow},
      {"Arrow formats and errors", test_arrow_formats},
      {"Iceberg JSON round trip", test_json_round_trip},
      {"Iceberg JSON errors", test_json_errors},
      {"Avro schema: field ids everywhere", test_avro_schema},
      {"Avro schema: named fixed types", test_avro_named_types},
      {"manifest schemas match Java's headers", test_manifest_schemas_match_java},
      {"Iceberg to Arrow", test_to_arrow},
      {"adding columns", test_add_columns},
      {NULL, NULL}};
  return lfh_test_run("iceberg_schema", cases);
}
