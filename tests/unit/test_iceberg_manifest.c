/* test_iceberg_manifest — manifests and manifest lists: Java's files read and every
 * snapshot's data and delete files listed (checked against the snapshot summaries), our
 * files written with each codec and read back (sequence-number inheritance included),
 * our headers compared with the ones Java wrote, and corrupt files refused by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lf/lf.h"
#include "lfh_test.h"
#include "table/lfh_manifest.h"
#include "table/lfh_table_meta.h"

#define REF_DIR LFH_SOURCE_DIR "/../shared/reference/iceberg"
#define META_DIR REF_DIR "/java-written-table/metadata"

static char msg[512];
static lf_error err;

static void reset_err(void) { lf_error_init(&err, msg, sizeof(msg)); }

/* The reference table's paths were rewritten to relative ones: its files are found by
 * base name in META_DIR. NULL (and *missing set) when that file is not there. */
static char *slurp_local(const char *uri, size_t *len, int *missing) {
  char path[1024];
  const char *base = strrchr(uri, '/');
  struct stat st;
  snprintf(path, sizeof(path), "%s/%s", META_DIR, base ? base + 1 : uri);
  *missing = stat(path, &st) != 0;
  return *missing ? NULL : lfh_test_slurp(path, len);
}

typedef struct listing {
  int64_t data_files, delete_files, records;
  int64_t seq_of_first_data_file; /* sequence number inherited by data file "00000-9-..." */
} listing;

static void list_manifest(const lfh_manifest_file *mf, listing *out) {
  size_t len = 0;
  int missing = 0;
  char *data = slurp_local(mf->manifest_path, &len, &missing);
  CU_ASSERT_PTR_NOT_NULL_FATAL(data);
  lfh_manifest *m = NULL;
  reset_err();
  int rc = lfh_manifest_read(data, len, mf->manifest_path, mf, &m, &err);
  if (rc) fprintf(stderr, "%s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  CU_ASSERT_EQUAL(m->content, mf->content);
  CU_ASSERT_EQUAL(m->format_version, 2);
  CU_ASSERT_EQUAL((int64_t)m->n_entries, (int64_t)mf->added_files_count + mf->existing_files_count +
                                             mf->deleted_files_count);
  for (size_t i = 0; i < m->n_entries; i++) {
    const lfh_manifest_entry *e = &m->entries[i];
    CU_ASSERT_EQUAL(e->snapshot_id, mf->added_snapshot_id);
    CU_ASSERT_EQUAL(e->sequence_number, mf->sequence_number); /* inherited: null in the file */
    CU_ASSERT_EQUAL(e->file_sequence_number, mf->sequence_number);
    CU_ASSERT_STRING_EQUAL(e->file.file_format, "PARQUET");
    if (e->status == LFH_ENTRY_DELETED) continue;
    if (e->file.content == LFH_CONTENT_DATA) {
      CU_ASSERT_EQUAL(m->content, LFH_MANIFEST_DATA);
      out->data_files++;
      out->records += e->file.record_count;
      if (strstr(e->file.file_path, "/00000-9-")) out->seq_of_first_data_file = e->sequence_number;
    } else {
      CU_ASSERT_EQUAL(m->content, LFH_MANIFEST_DELETES);
      CU_ASSERT_EQUAL(e->file.content, LFH_CONTENT_EQUALITY_DELETES);
      CU_ASSERT_TRUE(e->file.n_equality_ids >= 1);
      out->delete_files++;
    }
  }
  lfh_manifest_free(m);
  free(data);
}

static int64_t summary_num(const lfh_snapshot *s, const char *key) {
  const char *v = lfh_kvs_get(&s->summary, key);
  return v ? strtoll(v, NULL, 10) : -1;
}

/* Every snapshot of Java's v7: its manifest list's header agrees with the metadata and the
 * live files add up to the summary's totals. One list (snapshot 2's "-1-" attempt) is not
 * in the reference data: that must be reported as missing, not mistaken for another. */
static void test_java_snapshots(void) {
  size_t len = 0;
  char *text = lfh_test_slurp(META_DIR "/v7.metadata.json", &len);
  lfh_table_meta *meta = NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  CU_ASSERT_EQUAL_FATAL(lfh_table_meta_parse(text, len, "v7.metadata.json", &meta, NULL), LF_OK);
  int listed = 0, missing_lists = 0;
  for (size_t i = 0; i < meta->n_snapshots; i++) {
    const lfh_snapshot *s = &meta->snapshots[i];
    int missing = 0;
    char *data = slurp_local(s->manifest_list, &len, &missing);
    if (missing) {
      missing_lists++;
      CU_ASSERT_EQUAL(s->snapshot_id, 7342794868382145167LL);
      continue;
    }
    lfh_manifest_list *l = NULL;
    reset_err();
    CU_ASSERT_EQUAL_FATAL(lfh_manifest_list_read(data, len, s->manifest_list, &l, &err), LF_OK);
    CU_ASSERT_EQUAL(l->snapshot_id, s->snapshot_id);
    CU_ASSERT_EQUAL(l->sequence_number, s->sequence_number);
    CU_ASSERT_EQUAL(l->parent_snapshot_id, s->parent_id);
    listing got = {0, 0, 0, -1};
    for (size_t k = 0; k < l->n_files; k++) {
      CU_ASSERT_TRUE(l->files[k].sequence_number <= s->sequence_number);
      CU_ASSERT_EQUAL(l->files[k].partition_spec_id, 0);
      list_manifest(&l->files[k], &got);
    }
    CU_ASSERT_EQUAL(got.data_files, summary_num(s, "total-data-files"));
    CU_ASSERT_EQUAL(got.delete_files, summary_num(s, "total-delete-files"));
    CU_ASSERT_EQUAL(got.records, summary_num(s, "total-records"));
    CU_ASSERT_EQUAL(got.seq_of_first_data_file, 1); /* added by the first snapshot */
    listed++;
    lfh_manifest_list_free(l);
    free(data);
  }
  CU_ASSERT_EQUAL(listed, 5);
  CU_ASSERT_EQUAL(missing_lists, 1);
  lfh_table_meta_free(meta);
  free(text);
}

static char *ref_header(const char *name) {
  char path[512];
  snprintf(path, sizeof(path), "%s/java-headers/%s", REF_DIR, name);
  char *t = lfh_test_slurp(path, NULL);
  if (!t) fprintf(stderr, "cannot read %s\n", path);
  return t;
}

/* A header value of our file equals Java's reference value byte for byte. */
static void same_header(lfh_avro_reader *r, const char *key, const char *ref_file) {
  size_t n = 0;
  const char *ours = lfh_avro_reader_meta(r, key, &n);
  char *java = ref_header(ref_file);
  CU_ASSERT_PTR_NOT_NULL_FATAL(java);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ours);
  int same = n == strlen(java) && memcmp(ours, java, n) == 0;
  if (!same) fprintf(stderr, "header %s: ours '%.*s' java '%s'\n", key, (int)n, ours, java);
  CU_ASSERT_TRUE(same);
  free(java);
}

static const lfh_ice_schema *java_table_schema(lfh_table_meta **meta) {
  size_t len = 0;
  char *text = lfh_test_slurp(META_DIR "/v2.metadata.json", &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  CU_ASSERT_EQUAL(lfh_table_meta_parse(text, len, "v2", meta, NULL), LF_OK);
  free(text);
  return *meta ? lfh_table_meta_current_schema(*meta) : NULL;
}

static lfh_manifest_entry sample_entry(int32_t status, int64_t seq, const char *path) {
  lfh_manifest_entry e;
  memset(&e, 0, sizeof(e));
  e.status = status;
  e.snapshot_id = -1;
  e.sequence_number = seq;
  e.file_sequence_number = seq;
  e.file.content = LFH_CONTENT_DATA;
  e.file.file_path = (char *)path;
  e.file.file_format = (char *)"AVRO";
  e.file.record_count = 4;
  e.file.file_size_in_bytes = 935;
  e.file.sort_order_id = 0;
  return e;
}

/* Our manifest and manifest list for the reference table carry Java's header values. */
static void test_headers_match_java(void) {
  lfh_table_meta *meta = NULL;
  const lfh_ice_schema *schema = java_table_schema(&meta);
  CU_ASSERT_PTR_NOT_NULL_FATAL(schema);
  lfh_manifest_header h = {schema, "[]", 0, LFH_MANIFEST_DATA};
  lfh_manifest_entry e = sample_entry(LFH_ENTRY_ADDED, LFH_SEQ_NONE, "file:///t/data/a.avro");
  lfh_buf out = {0};
  reset_err();
  CU_ASSERT_EQUAL_FATAL(lfh_manifest_write(&out, &h, &e, 1, LFH_AVRO_CODEC_DEFLATE, &err), LF_OK);
  lfh_avro_reader *r = lfh_avro_reader_open(out.data, out.len, "ours-m0.avro", &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r);
  same_header(r, "avro.schema", "manifest.avro.schema");
  same_header(r, "avro.codec", "manifest.avro.codec");
  same_header(r, "schema", "manifest.schema");
  same_header(r, "partition-spec", "manifest.partition-spec");
  same_header(r, "partition-spec-id", "manifest.partition-spec-id");
  same_header(r, "format-version", "manifest.format-version");
  same_header(r, "content", "manifest.content");
  same_header(r, "iceberg.schema", "manifest.iceberg.schema");
  size_t n = 0;
  const char *sid = lfh_avro_reader_meta(r, "schema-id", &n); /* the spec's key, beyond Java's */
  CU_ASSERT_TRUE(sid && n == 1 && sid[0] == '0');
  lfh_avro_reader_free(r);
  lfh_buf_free(&out);

  lfh_manifest_list_header lh = {853766660775201079LL, -1, 1};
  lfh_manifest_file mf = {(char *)"file:///t/metadata/m0.avro", 7104, 0, LFH_MANIFEST_DATA, 1, 1,
                          853766660775201079LL, 1, 0, 0, 4, 0, 0};
  CU_ASSERT_EQUAL_FATAL(lfh_manifest_list_write(&out, &lh, &mf, 1, LFH_AVRO_CODEC_DEFLATE, &err), LF_OK);
  r = lfh_avro_reader_open(out.data, out.len, "ours-snap.avro", &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r);
  same_header(r, "avro.schema", "mlist.avro.schema");
  same_header(r, "avro.codec", "mlist.avro.codec");
  same_header(r, "snapshot-id", "mlist.snapshot-id");
  same_header(r, "parent-snapshot-id", "mlist.parent-snapshot-id");
  same_header(r, "sequence-number", "mlist.sequence-number");
  same_header(r, "format-version", "mlist.format-version");
  same_header(r, "iceberg.schema", "mlist.iceberg.schema");
  lfh_avro_reader_free(r);
  lfh_buf_free(&out);
  lfh_table_meta_free(meta);
}

static void test_round_trip(void) {
  static const lfh_avro_codec codecs[] = {LFH_AVRO_CODEC_NULL, LFH_AVRO_CODEC_DEFLATE,
                                          LFH_AVRO_CODEC_SNAPPY};
  lfh_table_meta *meta = NULL;
  const lfh_ice_schema *schema = java_table_schema(&meta);
  CU_ASSERT_PTR_NOT_NULL_FATAL(schema);
  lfh_id_long sizes[] = {{1, 10}, {2, 20}, {3, 30}};
  uint8_t lo[] = {1, 0, 0, 0}, hi[] = {9, 0, 0, 0};
  lfh_id_bytes lower[] = {{1, lo, 4}}, upper[] = {{1, hi, 4}};
  int64_t splits[] = {4};
  lfh_manifest_entry e[3] = {sample_entry(LFH_ENTRY_ADDED, LFH_SEQ_NONE, "file:///t/data/new.avro"),
                             sample_entry(LFH_ENTRY_EXISTING, 3, "file:///t/data/old.avro"),
                             sample_entry(LFH_ENTRY_DELETED, 2, "file:///t/data/gone.avro")};
  e[0].file.column_sizes = sizes;
  e[0].file.n_column_sizes = 3;
  e[0].file.value_counts = sizes; /* present but empty must stay distinct from null */
  e[0].file.lower_bounds = lower;
  e[0].file.upper_bounds = upper;
  e[0].file.n_lower_bounds = e[0].file.n_upper_bounds = 1;
  e[0].file.split_offsets = splits;
  e[0].file.n_split_offsets = 1;
  e[1].snapshot_id = 77;
  e[1].file.sort_order_id = -1;
  lfh_manifest_file mf = {(char *)"file:///t/metadata/m.avro", 0, 0, LFH_MANIFEST_DATA, 9, 2, 555,
                          1, 1, 1, 4, 4, 4};
  for (size_t c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++) {
    lfh_manifest_header h = {schema, "[]", 0, LFH_MANIFEST_DATA};
    lfh_buf out = {0};
    lfh_manifest *m = NULL;
    reset_err();
    CU_ASSERT_EQUAL_FATAL(lfh_manifest_write(&out, &h, e, 3, codecs[c], &err), LF_OK);
    CU_ASSERT_EQUAL_FATAL(lfh_manifest_read(out.data, out.len, "m.avro", &mf, &m, &err), LF_OK);
    CU_ASSERT_EQUAL_FATAL(m->n_entries, 3);
    CU_ASSERT_EQUAL(m->entries[0].sequence_number, 9); /* inherited: ADDED with null */
    CU_ASSERT_EQUAL(m->entries[0].file_sequence_number, 9);
    CU_ASSERT_EQUAL(m->entries[0].snapshot_id, 555);
    CU_ASSERT_EQUAL(m->entries[1].sequence_number, 3); /* explicit: kept */
    CU_ASSERT_EQUAL(m->entries[1].snapshot_id, 77);
    CU_ASSERT_EQUAL(m->entries[1].file.sort_order_id, -1);
    CU_ASSERT_EQUAL(m->entries[2].status, LFH_ENTRY_DELETED);
    CU_ASSERT_STRING_EQUAL(m->entries[2].file.file_path, "file:///t/data/gone.avro");
    const lfh_data_file *f = &m->entries[0].file;
    CU_ASSERT_STRING_EQUAL(f->file_format, "AVRO");
    CU_ASSERT_EQUAL(f->record_count, 4);
    CU_ASSERT_EQUAL(f->file_size_in_bytes, 935);
    CU_ASSERT_EQUAL(f->n_column_sizes, 3);
    CU_ASSERT_EQUAL(f->column_sizes[2].id, 3);
    CU_ASSERT_EQUAL(f->column_sizes[2].value, 30);
    CU_ASSERT_PTR_NOT_NULL(f->value_counts);
    CU_ASSERT_EQUAL(f->n_value_counts, 0);
    CU_ASSERT_PTR_NULL(f->null_value_counts);
    CU_ASSERT_EQUAL(f->n_lower_bounds, 1);
    CU_ASSERT_EQUAL(f->lower_bounds[0].len, 4);
    CU_ASSERT_EQUAL(f->upper_bounds[0].data[0], 9);
    CU_ASSERT_EQUAL(f->n_split_offsets, 1);
    CU_ASSERT_EQUAL(f->split_offsets[0], 4);
    CU_ASSERT_EQUAL(f->sort_order_id, 0);
    CU_ASSERT_PTR_NULL(f->referenced_data_file);
    lfh_manifest_free(m);
    /* without the manifest-list record, nulls stay visible */
    CU_ASSERT_EQUAL(lfh_manifest_read(out.data, out.len, "m.avro", NULL, &m, &err), LF_OK);
    CU_ASSERT_EQUAL(m->entries[0].sequence_number, LFH_SEQ_NONE);
    lfh_manifest_free(m);
    lfh_buf_free(&out);

    lfh_manifest_list_header lh = {555, 444, 9};
    lfh_manifest_file files[2] = {mf, mf};
    files[1].content = LFH_MANIFEST_DELETES;
    files[1].manifest_path = (char *)"file:///t/metadata/d.avro";
    lfh_manifest_list *l = NULL;
    CU_ASSERT_EQUAL_FATAL(lfh_manifest_list_write(&out, &lh, files, 2, codecs[c], &err), LF_OK);
    CU_ASSERT_EQUAL_FATAL(lfh_manifest_list_read(out.data, out.len, "snap.avro", &l, &err), LF_OK);
    CU_ASSERT_EQUAL(l->snapshot_id, 555);
    CU_ASSERT_EQUAL(l->parent_snapshot_id, 444);
    CU_ASSERT_EQUAL(l->sequence_number, 9);
    CU_ASSERT_EQUAL_FATAL(l->n_files, 2);
    const lfh_manifest_file *g = &l->files[0];
    CU_ASSERT_STRING_EQUAL(g->manifest_path, mf.manifest_path);
    CU_ASSERT_TRUE(g->manifest_length == mf.manifest_length && g->partition_spec_id == 0 &&
                   g->content == LFH_MANIFEST_DATA && g->sequence_number == 9 &&
                   g->min_sequence_number == 2 && g->added_snapshot_id == 555);
    CU_ASSERT_TRUE(g->added_files_count == 1 && g->existing_files_count == 1 &&
                   g->deleted_files_count == 1 && g->added_rows_count == 4 &&
                   g->existing_rows_count == 4 && g->deleted_rows_count == 4);
    CU_ASSERT_STRING_EQUAL(l->files[1].manifest_path, "file:///t/metadata/d.avro");
    CU_ASSERT_EQUAL(l->files[1].content, LFH_MANIFEST_DELETES);
    lfh_manifest_list_free(l);
    lfh_buf_free(&out);
  }
  /* an empty manifest list (a table truncated to nothing) */
  lfh_buf out = {0};
  lfh_manifest_list *l = NULL;
  lfh_manifest_list_header lh = {1, -1, 1};
  CU_ASSERT_EQUAL(lfh_manifest_list_write(&out, &lh, NULL, 0, LFH_AVRO_CODEC_DEFLATE, &err), LF_OK);
  CU_ASSERT_EQUAL(lfh_manifest_list_read(out.data, out.len, "empty.avro", &l, &err), LF_OK);
  CU_ASSERT_EQUAL(l->n_files, 0);
  CU_ASSERT_EQUAL(l->parent_snapshot_id, -1);
  lfh_manifest_list_free(l);
  lfh_buf_free(&out);
  lfh_table_meta_free(meta);
}

static void test_corrupt(void) {
  lfh_table_meta *meta = NULL;
  const lfh_ice_schema *schema = java_table_schema(&meta);
  CU_ASSERT_PTR_NOT_NULL_FATAL(schema);
  lfh_manifest_header h = {schema, "[]", 0, LFH_MANIFEST_DATA};
  /* EXISTING with a null sequence number breaks the inheritance rule */
  lfh_manifest_entry e = sample_entry(LFH_ENTRY_EXISTING, LFH_SEQ_NONE, "file:///t/x.avro");
  lfh_buf out = {0};
  lfh_manifest *m = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_manifest_write(&out, &h, &e, 1, LFH_AVRO_CODEC_NULL, NULL), LF_OK);
  reset_err();
  CU_ASSERT_EQUAL(lfh_manifest_read(out.data, out.len, "bad-m0.avro", NULL, &m, &err), LF_ERR_DATA);
  CU_ASSERT_PTR_NULL(m);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "bad-m0.avro"));
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "sequence_number"));
  lfh_buf_free(&out);
  /* every truncation and a flipped byte in every position of a Java manifest: an error or
   * (for bytes the format cannot check) a result, never a crash or a leak */
  size_t len = 0;
  char *data = lfh_test_slurp(META_DIR "/8057d23a-ed01-40cb-bfd6-44b145234c6d-m0.avro", &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(data);
  for (size_t cut = 0; cut < len; cut += 13) {
    reset_err();
    int rc = lfh_manifest_read(data, cut, "cut-m0.avro", NULL, &m, &err);
    CU_ASSERT_TRUE(rc < 0);
    CU_ASSERT_PTR_NULL(m);
    if (rc < 0) CU_ASSERT_PTR_NOT_NULL(strstr(msg, "cut-m0.avro"));
  }
  for (size_t at = 0; at < len; at += 3) {
    data[at] ^= 0x5a;
    int rc = lfh_manifest_read(data, len, "flip-m0.avro", NULL, &m, NULL);
    CU_ASSERT_TRUE(rc < 0 ? m == NULL : m != NULL);
    lfh_manifest_free(m);
    lfh_manifest_list *l = NULL;
    lfh_manifest_list_read(data, len, "flip-m0.avro", &l, NULL); /* wrong kind of file */
    lfh_manifest_list_free(l);
    data[at] ^= 0x5a;
  }
  free(data);
  lfh_table_meta_free(meta);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"Java's snapshots: manifest lists, manifests, totals", test_java_snapshots},
      {"our headers match Java's", test_headers_match_java},
      {"write/read round trip with each codec", test_round_trip},
      {"corrupt manifests name the file", test_corrupt},
      {NULL, NULL}};
  return lfh_test_run("iceberg_manifest", cases);
}
