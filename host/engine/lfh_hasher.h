/*
 * lfh_hasher — how the host applies a HASHER stage to the columns a flow lists (docs/
 * STAGES.md, hmac_sha256): per column (a dotted path into nested structs), the stage is
 * negotiated with the column's schema and hashes the column; the result replaces the
 * column in place (empty suffix) or goes to "<column><suffix>" right where the column
 * was (the clear-text column dropped), or right after it with keep_original.
 *
 * Ownership is stated per function.
 */
#ifndef LFH_HASHER_H
#define LFH_HASHER_H

#include "lf/lf_arrow.h"
#include "lf/lf_plugin.h"

/* How a hasher's output is placed; read from the stage's options when it has them. */
typedef struct lfh_hash_place {
  const char *suffix; /* "" or NULL: replace in place */
  int keep_original;  /* with a suffix: keep the clear-text column as well */
} lfh_hash_place;

/* The schema of column `path` in struct schema `s` (borrowed; names compared
 * case-insensitively), or NULL with a message naming the missing part. */
const struct ArrowSchema *lfh_hasher_column(const struct ArrowSchema *s, const char *path,
                                            lf_error *err);

/* *out (caller-owned storage) = `in` with the column at `path` placed as `hashed`
 * (borrowed; its name is replaced by the output name) says. */
int lfh_hasher_schema(const struct ArrowSchema *in, const char *path,
                      const struct ArrowSchema *hashed, const lfh_hash_place *pl,
                      struct ArrowSchema *out, lf_error *err);

/* Applies one column: `batch` (of schema `in`, borrowed) is MOVED in; `hash` is called
 * with the column (borrowed) and must fill a column of the same length; *out receives the
 * batch with the column placed (schema: lfh_hasher_schema's). The batch is released on
 * failure too. */
typedef int (*lfh_hash_fn)(void *ctx, const struct ArrowArray *column, struct ArrowArray *out,
                           lf_error *err);
int lfh_hasher_apply(const struct ArrowSchema *in, struct ArrowArray *batch, const char *path,
                     const lfh_hash_place *pl, lfh_hash_fn hash, void *ctx,
                     struct ArrowArray *out, lf_error *err);

#endif
