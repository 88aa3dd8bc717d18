/*
 * lfb_autoloader — the bronze `autoloader` SOURCE (docs/BRONZE.md): internal interfaces
 * between its modules.
 *
 *   lfb_autoloader.c        options, schema (DDL + hints + evolved columns), negotiate,
 *                           create/destroy, save_state/load_state
 *   lfb_autoloader_plan.c   listing, the file rules (hidden, glob, seen, complete), plan
 *                           and state (de)serialisation, the seen-file set
 *   lfb_autoloader_read.c   read(plan): parallel fetch + decode into an ArrowArrayStream
 *   lfb_autoloader_split.c  JSON arrays and multi-line documents to one record per line
 */
#ifndef LFB_AUTOLOADER_H
#define LFB_AUTOLOADER_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf.h"
#include "lfb_json.h"

/* Rows per batch at most (a file's rows are cut into batches of about this size). */
#define LFB_BATCH_ROWS 65536
/* Bytes of whole lines handed to the decoder per call. */
#define LFB_CHUNK_BYTES ((size_t)8 << 20)
/* Decoder threads per read (the brief's two cores) and how many files they may decode
 * ahead of the consumer (bounds memory). */
#define LFB_DECODE_THREADS 2
#define LFB_LOOKAHEAD 8
/* A gzip file may inflate to this much at most (a decompression bomb becomes a corrupt
 * record instead of exhausting memory). */
#define LFB_MAX_GUNZIP_BYTES ((size_t)4 << 30)

#define LFB_INGESTED_COLUMN "_ingested_at"
#define LFB_METADATA_COLUMN "_metadata"

/* One file: the key under the root, and its size and mtime when listed. */
typedef struct lfb_file {
  char *key; /* owned */
  int64_t size;
  int64_t mtime_us;
} lfb_file;

/* A set of files kept sorted by key (then size, mtime); owns the keys. */
typedef struct lfb_fileset {
  lfb_file *v;
  size_t n, cap;
} lfb_fileset;

/* A NUL-terminated copy of exactly n bytes at p (not NUL-terminated itself); NULL on
 * ENOMEM. Plan and state blobs are not strings, so strndup must not read them. */
char *lfb_memdup_str(const void *p, size_t n);

void lfb_fileset_free(lfb_fileset *s);
/* Inserts a copy of `f` unless an equal (key, size, mtime) entry exists. 0 or LF_ERR_NOMEM. */
int lfb_fileset_add(lfb_fileset *s, const lfb_file *f);
/* 1 when `key` is in the set; with `exact`, only with the same size and mtime. */
int lfb_fileset_has(const lfb_fileset *s, const char *key, int64_t size, int64_t mtime_us,
                    int exact);

/* Validated options. Strings owned. */
typedef struct lfb_options {
  char *path;
  int multi_line;
  char *rescued;           /* "" for none */
  uint32_t evolution;      /* LFB_EVOLVE_* */
  int64_t max_files;
  int64_t max_bytes;       /* 0: no limit */
  int include_existing;
  char *glob;              /* NULL: every file */
  int64_t min_age_us;
  int allow_overwrites;
  char *schema_location;   /* NULL: none */
  int64_t max_line_bytes;
} lfb_options;

/* The progress a checkpoint keeps (save_state/load_state). */
typedef struct lfb_progress {
  int initialised;     /* a first epoch ran (include_existing_files=false took its baseline) */
  lfb_fileset seen;    /* files read or baselined by committed epochs */
  lfb_fileset pending; /* files of the last read, merged into `seen` by save_state */
  char *evolved;       /* DDL of columns added by add_new_columns ("" none); owned */
} lfb_progress;

/* One stage instance. */
typedef struct lfb_source {
  const lf_host *host;  /* borrowed, process lifetime */
  lf_stage_ctx *ctx;    /* borrowed, until destroy */
  lfb_options opt;
  lf_objstore *store;   /* the `path` root, owned */
  lf_objstore *schema_store; /* the schema_location root, owned; NULL without one */
  struct ArrowSchema data_schema; /* DDL + hints + evolved columns, owned */
  struct ArrowSchema out_schema;  /* what negotiate answers, owned */
  lfb_progress prog;
} lfb_source;

/* ---------------------------------------------------------------- lfb_autoloader.c */

/* Records `ddl` (added columns) as evolved: in the progress and, when configured, as the
 * next version under schema_location. */
int lfb_record_evolution(lfb_source *s, const char *ddl, lf_error *err);

/* ---------------------------------------------------------------- lfb_autoloader_plan.c */

/* 1 when a key is hidden (a segment starting with '.' or '_', or ending "._COPYING_"). */
int lfb_is_hidden(const char *key);
/* 1 when the file name (last segment) of `key` matches the glob (fnmatch syntax). */
int lfb_glob_match(const char *glob, const char *key);

/* The plan for `epoch`: decides the files and serialises them (see docs/BRONZE.md). */
int lfb_plan(lfb_source *s, const lf_epoch *epoch, lf_blob *out, lf_error *err);

/* A parsed plan. */
typedef struct lfb_plan_data {
  int64_t trigger_us;
  int baseline;       /* an include_existing_files=false first plan */
  lfb_file *files;    /* to read, in order; owned */
  size_t n_files;
  lfb_file *skipped;  /* baselined, not read; owned */
  size_t n_skipped;
} lfb_plan_data;

int lfb_plan_parse(const void *data, size_t size, lfb_plan_data *out, lf_error *err);
void lfb_plan_data_free(lfb_plan_data *p);

int lfb_state_save(const lfb_progress *p, lf_blob *out, lf_error *err);
int lfb_state_load(lfb_progress *p, const void *data, size_t size, lf_error *err);
void lfb_progress_free(lfb_progress *p);

/* A malloc'd blob handed to the host; `data` is taken over. */
void lfb_blob_wrap(lf_blob *out, char *data, size_t size);

/* ---------------------------------------------------------------- lfb_autoloader_read.c */

/* read(plan): the stream of the planned files' batches (see lfb_autoloader_read.c). */
int lfb_read(lfb_source *s, const void *plan, size_t plan_size, struct ArrowArrayStream *out,
             lf_error *err);

/* ---------------------------------------------------------------- lfb_autoloader_split.c */

/* 1 when a file must go through lfb_split_records: multi_line, or its first byte after
 * blanks (and a UTF-8 BOM) is '['. */
int lfb_needs_split(const char *buf, size_t len, int multi_line);

/* lfb_autoloader_gzip.c: 1 when `key` names a gzip file (".gz"). */
int lfb_is_gzip_name(const char *key);
/* Decompresses the gzip file `in` (n bytes; `key` for messages) into *out (malloc'd,
 * *out_len bytes, not NUL-terminated). Damage (a truncated or corrupt stream, output over
 * `max_bytes`) is not an error: what inflated is kept and a line "<gzip: WHY in KEY>"
 * follows, a corrupt record for the decoder. LF_ERR_NOMEM only. */
int lfb_gunzip(const char *in, size_t n, const char *key, size_t max_bytes, char **out,
               size_t *out_len, lf_error *err);
/* Rewrites `buf` as one record per line: each top-level value (each element of a
 * top-level array) on a line of its own, line breaks outside strings turned into blanks.
 * What cannot be delimited (a broken document) becomes one line, which the decoder then
 * rescues as a corrupt record. *out is malloc'd (owned by the caller). */
int lfb_split_records(const char *buf, size_t len, char **out, size_t *out_len);

#endif
