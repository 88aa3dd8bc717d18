/*
 * lfh_avro_internal — what the lfh_avro_*.c files share and nobody else needs.
 */
#ifndef LFH_AVRO_INTERNAL_H
#define LFH_AVRO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "avro/lfh_avro.h"

/* Schema nesting accepted by the parser: deep enough for any real table (each struct or
 * list level costs one), shallow enough that hostile JSON cannot exhaust the stack. */
#define LFH_AVRO_MAX_SCHEMA_DEPTH 128

/* Every distinct node of a schema graph, each once. Named types may be referenced from
 * several places (and from inside themselves), so a plain tree walk would visit — and
 * free — them twice. */
typedef struct lfh_avro_nodes {
  lfh_avro_schema **v;
  size_t n, cap;
} lfh_avro_nodes;

int lfh_avro_nodes_has(const lfh_avro_nodes *ns, const lfh_avro_schema *s);
int lfh_avro_nodes_add(lfh_avro_nodes *ns, lfh_avro_schema *s);
/* Collects the nodes reachable from `s` into `out`; -1 on allocation failure. */
int lfh_avro_nodes_collect(lfh_avro_nodes *out, lfh_avro_schema *s);
/* Frees the strings and arrays a node owns and the node, not the nodes it points to. */
void lfh_avro_node_free_shallow(lfh_avro_schema *s);

/* The smallest number of bytes one datum of `s` can take (0 for null, empty records);
 * used to bound record and item counts read from hostile input. */
size_t lfh_avro_min_size(const lfh_avro_schema *s);

/* CRC-32 (zlib's) of `n` bytes, in steps zlib's uInt lengths can take; the snappy codec
 * stores it big-endian after each block. */
uint32_t lfh_avro_crc32(const uint8_t *p, size_t n);

#endif
