/*
 * lf_array.h — the lfhost SDK helper library: errors, Arrow schemas, building arrays,
 * reading arrays safely.
 *
 * Plugins link this library statically (libLfhost-sdk.a, built PIC with hidden
 * visibility), so nothing here is ever exported from a plugin and two plugins built
 * against different SDK versions never clash. The host does not provide these
 * functions: they live inside your .so.
 *
 * Conventions:
 *  - Functions that can fail return an lf_status code (0 = LF_OK, negative = failure)
 *    and, when given a non-NULL lf_error, write a one-line reason into it.
 *  - Ownership is stated on every pointer. "Borrowed" means the callee only reads it
 *    during the call; "moved" means the callee takes ownership and the caller's struct
 *    is left released (release == NULL); "owned by X" means X frees it.
 *  - Supported Arrow formats: "i" int32, "l" int64, "g" double, "b" bool, "u" utf8,
 *    "z" binary, "tsu:<tz>" timestamp in microseconds ("tsu:UTC" = LF_FORMAT_TIMESTAMP),
 *    "+s" struct, "+l" list, "+m" map. Others are refused with LF_ERR_UNSUPPORTED.
 *  - Not thread-safe per object; distinct objects may be used from distinct threads.
 */
#ifndef LF_ARRAY_H
#define LF_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "lf_arrow.h"
#include "lf_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- errors */

/* Writes a printf-style message into err (truncated to err->message_cap - 1 bytes, always
 * NUL-terminated), sets err->code, and returns `code`, so a failure path reads
 * `return lf_error_set(err, LF_ERR_INVALID, "bad %s", x);`. NULL err, NULL message or
 * message_cap 0 are accepted: only the code is returned/recorded. */
int lf_error_set(lf_error *err, int code, const char *fmt, ...) LF_PRINTF(3, 4);

/* Initialises err over a caller-owned buffer `buf` of `cap` bytes (code LF_OK, ""). */
void lf_error_init(lf_error *err, char *buf, size_t cap);

/* ---------------------------------------------------------------- formats */

typedef enum lf_type {
  LF_TYPE_UNSUPPORTED = 0,
  LF_TYPE_INT32,     /* "i" */
  LF_TYPE_INT64,     /* "l" */
  LF_TYPE_DOUBLE,    /* "g" */
  LF_TYPE_BOOL,      /* "b" (bit-packed values) */
  LF_TYPE_UTF8,      /* "u" (int32 offsets) */
  LF_TYPE_BINARY,    /* "z" (int32 offsets) */
  LF_TYPE_TIMESTAMP, /* "tsu:<tz>", int64 microseconds since the epoch */
  LF_TYPE_STRUCT,    /* "+s" */
  LF_TYPE_LIST,      /* "+l", one child (the items) */
  LF_TYPE_MAP        /* "+m", one child: struct "entries" of {key (not null), value} */
} lf_type;

#define LF_FORMAT_INT32 "i"
#define LF_FORMAT_INT64 "l"
#define LF_FORMAT_DOUBLE "g"
#define LF_FORMAT_BOOL "b"
#define LF_FORMAT_UTF8 "u"
#define LF_FORMAT_BINARY "z"
#define LF_FORMAT_TIMESTAMP "tsu:UTC"
#define LF_FORMAT_STRUCT "+s"
#define LF_FORMAT_LIST "+l"
#define LF_FORMAT_MAP "+m"

/* The lf_type of an Arrow format string (borrowed); LF_TYPE_UNSUPPORTED otherwise. */
lf_type lf_format_type(const char *format);

/* ---------------------------------------------------------------- moving & releasing */

/* Arrow move semantics: bit-copy *src into *dst (which must be released or fresh) and
 * mark *src released. Afterwards the owner is whoever holds dst. */
void lf_schema_move(struct ArrowSchema *src, struct ArrowSchema *dst);
void lf_array_move(struct ArrowArray *src, struct ArrowArray *dst);
void lf_stream_move(struct ArrowArrayStream *src, struct ArrowArrayStream *dst);

/* Call `release` if the struct is not yet released. NULL-safe; idempotent. */
void lf_schema_release(struct ArrowSchema *schema);
void lf_array_release(struct ArrowArray *array);

/* ---------------------------------------------------------------- schemas */

/* Initialises *out (caller-owned storage, overwritten) as a schema owning copies of
 * `format` and `name` (both borrowed; name may be NULL) with `flags` (ARROW_FLAG_*).
 * Release with lf_schema_release(). */
int lf_schema_init(struct ArrowSchema *out, const char *format, const char *name,
                   int64_t flags, lf_error *err);

/* Appends a child to a schema made by this library (lf_schema_init, lf_schema_copy or
 * lf_builder_finish); other producers' schemas are refused with LF_ERR_INVALID. The
 * child is owned by `parent`; *child_out (optional) points into the parent so the
 * caller can add grandchildren. */
int lf_schema_add_child(struct ArrowSchema *parent, const char *format, const char *name,
                        int64_t flags, struct ArrowSchema **child_out, lf_error *err);

/* Replaces the metadata of a schema made by this library with a copy of `metadata`
 * (borrowed; Arrow's binary key/value encoding; NULL clears it). */
int lf_schema_set_metadata(struct ArrowSchema *schema, const char *metadata, lf_error *err);

/* Deep copy of any valid schema (borrowed) into *out (caller-owned storage), including
 * children, dictionary and metadata. The copy is released independently of src. */
int lf_schema_copy(struct ArrowSchema *out, const struct ArrowSchema *src, lf_error *err);

/* Options for lf_schema_equal. */
#define LF_SCHEMA_EQ_IGNORE_NAMES 0x1u    /* top-level and child names */
#define LF_SCHEMA_EQ_IGNORE_FLAGS 0x2u    /* nullability, sortedness */
#define LF_SCHEMA_EQ_IGNORE_METADATA 0x4u /* metadata bytes */

/* 1 when both schemas (borrowed) have the same format, name, flags, metadata, children
 * and dictionary, recursively (minus what `opts` ignores); 0 otherwise or if either is
 * NULL or released. */
int lf_schema_equal(const struct ArrowSchema *a, const struct ArrowSchema *b, unsigned opts);

/* Number of bytes of an Arrow metadata blob (borrowed), 0 for NULL, -1 if malformed. */
int64_t lf_metadata_size(const char *metadata);

/* ---------------------------------------------------------------- building arrays */

/* A growable array of one Arrow type. Usage:
 *
 *     lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
 *     lf_builder *id = lf_builder_add_child(b, LF_FORMAT_INT64, "id");
 *     lf_builder *nm = lf_builder_add_child(b, LF_FORMAT_UTF8, "name");
 *     lf_builder_append_struct(b);   // one row: then one value per child
 *     lf_builder_append_int64(id, 7);
 *     lf_builder_append_cstr(nm, "ada");
 *     rc = lf_builder_finish(b, &array, &schema, err);   // b is gone now
 *
 * Lists and maps: append the items to the child (for a map, one key and one value per
 * entry), then call lf_builder_append_list()/lf_builder_append_map() to close one
 * element holding every item appended since the previous element.
 *
 * Failures are sticky: the first failing append (out of memory, wrong type, null in a
 * non-nullable column, 2 GiB offset overflow) is remembered by the root builder and
 * lf_builder_finish() reports it, so a loop may check only the final result. */
typedef struct lf_builder lf_builder;

/* A new root builder for `format` (see "Supported Arrow formats"); `name` may be NULL.
 * Nullable by default. Returns NULL on an unsupported format or out of memory. Owned by
 * the caller until lf_builder_finish() or lf_builder_free(). */
lf_builder *lf_builder_new(const char *format, const char *name);

/* Adds a child column and returns it, owned by `parent` (never free it yourself).
 * Struct: any number of fields. List: exactly one (the items, conventionally "item").
 * Map: exactly two, the key (made non-nullable) then the value; the builder wraps them
 * in the "entries" struct Arrow requires. Returns NULL (and poisons the root) when the
 * parent cannot take this child, on a bad format or out of memory. */
lf_builder *lf_builder_add_child(lf_builder *parent, const char *format, const char *name);

/* Clears or sets ARROW_FLAG_NULLABLE; appending a null to a non-nullable column fails. */
void lf_builder_set_nullable(lf_builder *b, int nullable);

/* Elements appended so far. */
int64_t lf_builder_length(const lf_builder *b);

/* Appends one element. Each returns LF_OK, LF_ERR_NOMEM, or LF_ERR_INVALID when the
 * builder is of another type or already failed. Strings and bytes are copied. */
int lf_builder_append_null(lf_builder *b); /* struct: nulls the children too */
int lf_builder_append_int32(lf_builder *b, int32_t v);
int lf_builder_append_int64(lf_builder *b, int64_t v);
int lf_builder_append_double(lf_builder *b, double v);
int lf_builder_append_bool(lf_builder *b, int v);
int lf_builder_append_timestamp(lf_builder *b, int64_t micros_since_epoch);
int lf_builder_append_utf8(lf_builder *b, const char *s, size_t len);
int lf_builder_append_cstr(lf_builder *b, const char *s); /* NUL-terminated utf8 */
int lf_builder_append_binary(lf_builder *b, const void *data, size_t len);
int lf_builder_append_struct(lf_builder *b); /* a valid row; append one value per child */
int lf_builder_append_list(lf_builder *b);   /* closes one list element (see above) */
int lf_builder_append_map(lf_builder *b);    /* closes one map element (see above) */

/* Produces the array in *out and, if schema_out is non-NULL, its matching schema (both
 * caller-owned storage, overwritten; the caller owns the results and releases them).
 * Checks that every struct child has as many rows as its struct. Always consumes `b`
 * (a root builder), on success and on failure; on failure *out and *schema_out are left
 * released (release == NULL). */
int lf_builder_finish(lf_builder *b, struct ArrowArray *out, struct ArrowSchema *schema_out,
                      lf_error *err);

/* Frees a root builder that will not be finished. NULL-safe. */
void lf_builder_free(lf_builder *b);

/* Assembles a struct array of `length` rows at `offset` (no nulls at the struct level)
 * from n_children child arrays, each MOVED from children[i] (left released, also on
 * failure). Each child needs at least offset + length rows. Lets a transform pass
 * columns through untouched: move them out of its input (Arrow allows moving children
 * out of a parent that is then released) and combine them with newly built ones. */
int lf_array_make_struct(struct ArrowArray *out, int64_t length, int64_t offset,
                         struct ArrowArray *children, int64_t n_children, lf_error *err);

/* ---------------------------------------------------------------- reading arrays */

/* A validated, read-only view of one array, allocation-free. All pointers are borrowed
 * from the schema/array given to lf_view_init, which must outlive the view. Rows are
 * logical: 0 .. length-1, with the array's (and for struct children, the parents')
 * offset already applied. The fields are public for speed; treat them as read-only. */
typedef struct lf_view {
  const struct ArrowSchema *schema;
  const struct ArrowArray *array;
  lf_type type;
  int64_t length;        /* logical rows */
  int64_t offset;        /* physical index of row 0 in the buffers */
  int64_t null_count;    /* as declared by the producer; -1 = not computed */
  const uint8_t *validity; /* NULL: every row valid */
  const void *values;    /* fixed-width values, bool bits, or utf8/binary bytes */
  const int32_t *offsets; /* utf8, binary, list, map; NULL when length is 0 */
} lf_view;

/* Validates the whole tree of `schema` and `array` (both borrowed) and initialises *v:
 * supported formats, n_buffers and n_children as the format requires, non-NULL buffers
 * where required, non-negative lengths and offsets, null_count in range, offsets
 * monotonic and within the child's length, struct children long enough, matching
 * child counts, no dictionaries, nesting depth at most 64. The size of a utf8/binary
 * data buffer is not carried by the C Data Interface and cannot be checked. Returns
 * LF_OK, LF_ERR_UNSUPPORTED (format) or LF_ERR_DATA (malformed) with a reason. */
int lf_view_init(lf_view *v, const struct ArrowSchema *schema, const struct ArrowArray *array,
                 lf_error *err);

/* A view of child `i` of a validated struct, list or map view (no revalidation).
 * Struct: row r of the child is row r of the parent. List: rows are item indices as
 * given by lf_view_list_range. Map: child 0 is the "entries" struct; its children 0 and
 * 1 are the keys and values. Returns LF_ERR_INVALID if `i` is out of range. */
int lf_view_child(const lf_view *v, int64_t i, lf_view *child_out);

/* Number of children of the viewed array. */
int64_t lf_view_n_children(const lf_view *v);

/* Name of the viewed column (the schema's name, "" when NULL). */
const char *lf_view_name(const lf_view *v);

/* Row accessors. `row` must be in [0, length); out-of-range rows and a view of another
 * type read as invalid / 0 / NULL rather than touching memory. A null row's value is
 * unspecified (whatever the producer left in the buffer). */
int lf_view_is_valid(const lf_view *v, int64_t row);
int32_t lf_view_int32(const lf_view *v, int64_t row);
int64_t lf_view_int64(const lf_view *v, int64_t row); /* int64 and timestamp */
double lf_view_double(const lf_view *v, int64_t row);
int lf_view_bool(const lf_view *v, int64_t row);
/* utf8/binary: pointer into the data buffer (not NUL-terminated) and its length. */
const char *lf_view_utf8(const lf_view *v, int64_t row, size_t *len);
const void *lf_view_binary(const lf_view *v, int64_t row, size_t *len);
/* list/map: the element's item range [*start, *end) in the child view. LF_OK or
 * LF_ERR_INVALID (wrong type or row out of range; *start = *end = 0). */
int lf_view_list_range(const lf_view *v, int64_t row, int64_t *start, int64_t *end);

#ifdef __cplusplus
}
#endif

#endif /* LF_ARRAY_H */
