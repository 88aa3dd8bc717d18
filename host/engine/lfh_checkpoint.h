/*
 * lfh_checkpoint — a flow's checkpoint folder on the object store (docs/ENGINE.md):
 *   <root>/checkpoints/<pipeline key>/<flow>/plan/<epoch>    what epoch e reads, written
 *                                                             (durably) before the read
 *   <root>/checkpoints/<pipeline key>/<flow>/state/<epoch>   source and transform state as
 *                                                             of the end of epoch e, written
 *                                                             before e's table commit
 * Epochs are written as 20 zero-padded digits so listings sort by epoch.
 *
 * A state file holds named parts ("source", "transform.<i>"): magic "LFCKPT1\n", then per
 * part u32 name length, name, u64 data length, data (little endian).
 *
 * Ownership: a checkpoint borrows its store (which must outlive it). Not thread-safe.
 */
#ifndef LFH_CHECKPOINT_H
#define LFH_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf_plugin.h"
#include "store/lfh_store.h"

typedef struct lfh_checkpoint lfh_checkpoint;

int lfh_checkpoint_open(lfh_store *s, const char *pipeline, const char *flow,
                        lfh_checkpoint **out, lf_error *err);
void lfh_checkpoint_close(lfh_checkpoint *c);

/* plan/<epoch>: put (durable) and get (LF_ERR_NOT_FOUND when absent; `out` appended). */
int lfh_checkpoint_put_plan(lfh_checkpoint *c, uint64_t epoch, const void *data, size_t len,
                            lf_error *err);
int lfh_checkpoint_get_plan(lfh_checkpoint *c, uint64_t epoch, lfh_buf *out, lf_error *err);

/* State parts of one epoch. Names and data are owned by the parts (lfh_ckpt_parts_free). */
typedef struct lfh_ckpt_part {
  char *name;
  uint8_t *data;
  size_t len;
} lfh_ckpt_part;
typedef struct lfh_ckpt_parts {
  lfh_ckpt_part *items;
  size_t n;
} lfh_ckpt_parts;

int lfh_ckpt_parts_add(lfh_ckpt_parts *p, const char *name, const void *data, size_t len);
const lfh_ckpt_part *lfh_ckpt_parts_get(const lfh_ckpt_parts *p, const char *name);
void lfh_ckpt_parts_free(lfh_ckpt_parts *p);

/* state/<epoch>: put (durable) and get (LF_ERR_NOT_FOUND when absent, LF_ERR_DATA when
 * the file is damaged; *out is overwritten). */
int lfh_checkpoint_put_state(lfh_checkpoint *c, uint64_t epoch, const lfh_ckpt_parts *p,
                             lf_error *err);
int lfh_checkpoint_get_state(lfh_checkpoint *c, uint64_t epoch, lfh_ckpt_parts *out,
                             lf_error *err);

/* Deletes plans and states of epochs <= `upto` (older epochs are never needed again). */
int lfh_checkpoint_prune(lfh_checkpoint *c, uint64_t upto, lf_error *err);
/* Deletes the whole folder of the flow (full refresh). */
int lfh_checkpoint_delete_all(lfh_checkpoint *c, lf_error *err);

#endif
