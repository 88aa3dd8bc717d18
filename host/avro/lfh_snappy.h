/*
 * lfh_snappy — a compressor for Snappy's raw format (google/snappy format_description.txt),
 * written for Avro's snappy codec: fast on Avro blocks of ~1 MB full of repeated strings,
 * and decodable by any Snappy decoder. Only copies with 1- and 2-byte offsets are emitted
 * (offsets below 65536, as libsnappy itself produces), so decoders that never see 4-byte
 * offsets from libsnappy are not surprised by ours.
 */
#ifndef LFH_SNAPPY_H
#define LFH_SNAPPY_H

#include <stddef.h>

/* The largest input the format can describe: its preamble holds a 32-bit length. */
#define LFH_SNAPPY_MAX_INPUT ((size_t)0xFFFFFFFFu)

/* The room lfh_snappy_compress needs for n input bytes (the same bound as libsnappy's, so
 * a buffer sized for one fits the other). */
size_t lfh_snappy_max_compressed_length(size_t n);

/* Compresses in[0, n) into out, whose size is *out_len on entry and must be at least
 * lfh_snappy_max_compressed_length(n); on success sets *out_len to the compressed size.
 * 0, or -1 (n above LFH_SNAPPY_MAX_INPUT, or too little room: out's contents undefined). */
int lfh_snappy_compress(const void *in, size_t n, void *out, size_t *out_len);

#endif
