/* lfh_keyset — insertion-ordered hash set of byte strings (see lfh_keyset.h). */
#include "quality/lfh_keyset.h"

#include <stdlib.h>
#include <string.h>

#include "util/lfh_mem.h"

void lfh_keyset_init(lfh_keyset *s) { memset(s, 0, sizeof *s); }

void lfh_keyset_free(lfh_keyset *s) {
  if (!s) return;
  free(s->bytes);
  free(s->ents);
  free(s->slots);
  memset(s, 0, sizeof *s);
}

/* 8 bytes at a time, multiply-xorshift, then splitmix64's finaliser. */
uint64_t lfh_keyset_hash(const void *key, size_t len) {
  const uint8_t *p = key;
  uint64_t h = 0x9E3779B97F4A7C15ull ^ len;
  for (; len >= 8; p += 8, len -= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  uint64_t t = 0;
  memcpy(&t, p, len);
  h = (h ^ t) * 0x94D049BB133111EBull;
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBull;
  return h ^ (h >> 31);
}

static int same(const lfh_keyset *s, const lfh_keyset_entry *e, uint64_t hash, const void *key,
                size_t len) {
  return e->hash == hash && e->len == len && memcmp(s->bytes + e->off, key, len) == 0;
}

#define SLOT_INDEX(v) ((size_t)((v) & 0xFFFFFFFFu) - 1)
#define SLOT_TAG(h) ((h) & 0xFFFFFFFF00000000ull)

int lfh_keyset_contains(const lfh_keyset *s, uint64_t hash, const void *key, size_t len) {
  if (s->n_slots == 0) return 0;
  size_t mask = s->n_slots - 1;
  for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
    uint64_t v = s->slots[i];
    if (v == 0) return 0;
    if (SLOT_TAG(v) == SLOT_TAG(hash) && same(s, &s->ents[SLOT_INDEX(v)], hash, key, len))
      return 1;
  }
}

/* Puts entry `idx` into the first free slot of its probe sequence. */
static void place(lfh_keyset *s, size_t idx) {
  size_t mask = s->n_slots - 1;
  size_t i = (size_t)s->ents[idx].hash & mask;
  while (s->slots[i] != 0) i = (i + 1) & mask;
  s->slots[i] = SLOT_TAG(s->ents[idx].hash) | (uint64_t)(idx + 1);
}

/* Doubles the slot table, re-placing entries in insertion order (which keeps truncate
 * exact: the table looks as if every key had been added to it one by one). */
static int rehash(lfh_keyset *s) {
  size_t n = s->n_slots ? s->n_slots * 2 : 64;
  uint64_t *slots = calloc(n, sizeof *slots);
  if (!slots) return -1;
  free(s->slots);
  s->slots = slots;
  s->n_slots = n;
  for (size_t i = 0; i < s->n; i++) place(s, i);
  return 0;
}

int lfh_keyset_add(lfh_keyset *s, uint64_t hash, const void *key, size_t len) {
  if (s->n + 1 >= UINT32_MAX) return -1;
  if ((s->n + 1) * 2 > s->n_slots && rehash(s) != 0) return -1;
  if (lfh_grow(&s->ents, &s->cap, s->n + 1, sizeof *s->ents, 64) != 0) return -1;
  if (lfh_grow(&s->bytes, &s->cap_bytes, s->n_bytes + len + 1, 1, 1024) != 0) return -1;
  if (len) memcpy(s->bytes + s->n_bytes, key, len);
  s->ents[s->n] = (lfh_keyset_entry){hash, s->n_bytes, len};
  s->n_bytes += len;
  place(s, s->n);
  s->n++;
  return 0;
}

/* Linear probing: removing the newest entries in reverse order restores the table
 * exactly, because each was placed after every older entry it probed past. */
void lfh_keyset_truncate(lfh_keyset *s, size_t mark) {
  size_t mask = s->n_slots - 1;
  while (s->n > mark) {
    size_t idx = s->n - 1;
    size_t i = (size_t)s->ents[idx].hash & mask;
    while (SLOT_INDEX(s->slots[i]) != idx) i = (i + 1) & mask;
    s->slots[i] = 0;
    s->n_bytes = s->ents[idx].off;
    s->n--;
  }
}
