/*
 * lfp_produce — writes generated events as files of JSON lines into an lfh_store.
 *
 * Each file is streamed through an lfh_store upload (lfh_store.h) and appears only at
 * its commit, atomically, as with lfh_store_put (temp file + rename on disk; on Blob
 * nothing is visible before the final call): an ingester never sees a partial file.
 * With a rate, lines are paced against the monotonic clock; the content never depends
 * on it.
 */
#ifndef LFP_PRODUCE_H
#define LFP_PRODUCE_H

#include <stdint.h>
#include <stdio.h>

#include "lfp_events.h"

typedef struct lfp_options {
  const char *out;           /* store root URI or local folder (borrowed) */
  const char *prefix;        /* file name prefix, may contain '/' (borrowed) */
  uint64_t events;           /* lines in total */
  uint64_t files;            /* number of files (0: derived from events_per_file) */
  uint64_t events_per_file;  /* lines per file (0: derived from files) */
  double rate;               /* lines per second; 0 = unlimited */
  int quiet;                 /* no summary on stderr */
  lfp_gen_opts gen;
} lfp_options;

typedef struct lfp_result {
  uint64_t files, lines, bytes;
  double seconds;
  lfp_gen_stats gen;
} lfp_result;

/* The name of file `seq` (0-based) into out: "<prefix>-<start>-s<seed>-<seq+1, 6 digits>.json". */
void lfp_file_name(const lfp_options *o, uint64_t seq, char *out, size_t cap);

/* Produces every file; on failure files written so far stay (each one whole). */
int lfp_run(const lfp_options *o, lfp_result *res, lf_error *err);

#endif
