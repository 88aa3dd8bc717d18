/*
 * lfh_keyset — a set of byte-string keys for the `unique` expectation: which key values
 * a flow run has already written. Open addressing with linear probing over an
 * insertion-ordered entry list, which makes "forget everything inserted since mark m"
 * exact and cheap (a batch that fails is rolled back).
 *
 * Ownership: the set owns copies of its keys. Not thread-safe.
 */
#ifndef LFH_KEYSET_H
#define LFH_KEYSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct lfh_keyset_entry {
  uint64_t hash;
  size_t off; /* into bytes */
  size_t len;
} lfh_keyset_entry;

typedef struct lfh_keyset {
  uint8_t *bytes; /* owned: every key, back to back, in insertion order */
  size_t n_bytes, cap_bytes;
  lfh_keyset_entry *ents; /* owned, in insertion order */
  size_t n, cap;
  uint64_t *slots; /* owned: 0 = empty, else (hash >> 32) << 32 | (entry index + 1); the
                      hash half rejects most mismatches without touching the entry */
  size_t n_slots;  /* a power of two, or 0 */
} lfh_keyset;

void lfh_keyset_init(lfh_keyset *s);
void lfh_keyset_free(lfh_keyset *s);
uint64_t lfh_keyset_hash(const void *key, size_t len);
/* 1 when the key is in the set, 0 otherwise. */
int lfh_keyset_contains(const lfh_keyset *s, uint64_t hash, const void *key, size_t len);
/* Adds a key that is not yet in the set (the caller checked). 0, or -1 on ENOMEM. */
int lfh_keyset_add(lfh_keyset *s, uint64_t hash, const void *key, size_t len);
/* Forgets every key added after the set held `mark` keys (mark = s->n earlier). */
void lfh_keyset_truncate(lfh_keyset *s, size_t mark);

#endif
