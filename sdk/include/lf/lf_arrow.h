/*
 * lf_arrow.h — the Arrow C Data Interface structs, written from the Apache Arrow
 * specification ("The Arrow C data interface", "The Arrow C stream interface").
 *
 * Batches cross the lfhost plugin boundary as these structs. The guard macros are the
 * ones the specification asks every copy of these definitions to use, so this header
 * coexists with Arrow's own headers or any other copy (nanoarrow, DuckDB, ...).
 *
 * Ownership is Arrow's, unchanged:
 *  - A struct whose `release` is NULL is released (empty); never call it again.
 *  - The consumer that receives a struct owns it and must call `release` exactly once.
 *  - "Moving" a struct means copying it bit for bit to the destination and setting the
 *    source's `release` to NULL; the destination is now the owner.
 *  - Children and the dictionary are owned by their parent: release the parent only.
 */
#ifndef LF_ARROW_H
#define LF_ARROW_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
  /* Array type description */
  const char *format;
  const char *name;
  const char *metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema **children;
  struct ArrowSchema *dictionary;

  /* Release callback */
  void (*release)(struct ArrowSchema *);
  /* Opaque producer-specific data */
  void *private_data;
};

struct ArrowArray {
  /* Array data description */
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void **buffers;
  struct ArrowArray **children;
  struct ArrowArray *dictionary;

  /* Release callback */
  void (*release)(struct ArrowArray *);
  /* Opaque producer-specific data */
  void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
  /* Fills `out` with the stream's schema. Returns 0 or an errno-compatible code. */
  int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
  /* Fills `out` with the next batch; a released `out` (release == NULL) marks the end. */
  int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
  /* Description of the last error, valid until the next call; may return NULL. */
  const char *(*get_last_error)(struct ArrowArrayStream *);

  /* Release callback */
  void (*release)(struct ArrowArrayStream *);
  /* Opaque producer-specific data */
  void *private_data;
};

#endif /* ARROW_C_STREAM_INTERFACE */

#ifdef __cplusplus
}
#endif

#endif /* LF_ARROW_H */
