/*
 * lfp_events — the clickstream event generator behind lfproduce.
 *
 * A deterministic simulation: a pool of users (with a profile that changes over time),
 * a few dozen concurrent sessions that each walk a shop funnel (page_view, click,
 * add_to_cart, checkout, purchase), and an event clock that starts at `start_us` and
 * advances by a pseudo-random gap per event. Everything derives from `seed`, so the
 * same options produce the same lines, whatever the wall clock or write rate.
 *
 * Each call of lfp_gen_next() writes exactly one line (ending in '\n'): a fresh event,
 * or, with the configured probabilities, a verbatim re-emission of a recent event
 * (duplicate) or a broken line (malformed). The generator allocates once, in
 * lfp_gen_new(); lfp_gen_next() never allocates.
 */
#ifndef LFP_EVENTS_H
#define LFP_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf_plugin.h"

/* No line is longer than this (including its '\n'); callers reserve it per call. */
#define LFP_LINE_MAX 4096

/* The events' schema as a Spark DDL string: the autoloader schema of
 * bundles/resources/clickstream_pipeline.yml, for programs that decode lfproduce output
 * without a bundle (tests, benchmarks). */
#define LFP_CLICKSTREAM_DDL                                                                 \
  "event_id STRING NOT NULL, event_type STRING, event_ts TIMESTAMP, session_id STRING, "    \
  "ip STRING, schema_version INT, "                                                         \
  "user STRUCT<user_id: STRING, email: STRING, country: STRING, plan: STRING>, "            \
  "page STRUCT<url: STRING, referrer: STRING, title: STRING>, "                             \
  "device STRUCT<type: STRING, os: STRING, browser: STRING, user_agent: STRING>, "          \
  "geo STRUCT<country: STRING, region: STRING, city: STRING>, "                             \
  "utm STRUCT<source: STRING, medium: STRING, campaign: STRING, term: STRING, "             \
  "content: STRING>, "                                                                      \
  "purchase STRUCT<order_id: STRING, amount: DOUBLE, currency: STRING, items: INT>, "       \
  "properties MAP<STRING, STRING>"

typedef struct lfp_gen_opts {
  uint64_t seed;
  int64_t start_us;           /* event time of the first event, µs since the epoch (UTC) */
  double late_fraction;       /* of fresh events, how many get an event time in the past */
  int64_t late_max_us;        /* how far back at most (>= 1 s; late events lag >= 1 s) */
  double duplicate_fraction;  /* of all lines, re-emitted earlier events */
  double malformed_fraction;  /* of all lines, broken ones */
  int drift;                  /* 1: new fields appear from line `drift_after` on */
  uint64_t drift_after;
  uint32_t users;             /* size of the user pool (>= 1) */
} lfp_gen_opts;

/* What the lines so far were (for --stats and the tests). */
typedef struct lfp_gen_stats {
  uint64_t lines, late, duplicates, malformed, drifted;
} lfp_gen_stats;

typedef struct lfp_gen lfp_gen;

/* A generator (owned by the caller, released with lfp_gen_free). LF_ERR_INVALID for
 * fractions outside [0, 1] or summing over 1, LF_ERR_NOMEM. */
int lfp_gen_new(const lfp_gen_opts *opts, lfp_gen **out, lf_error *err);
void lfp_gen_free(lfp_gen *g);

/* Writes the next line into out[0 .. LFP_LINE_MAX) and returns its length (> 0), or
 * LF_ERR_INTERNAL if it did not fit (a bug). */
int lfp_gen_next(lfp_gen *g, char *out);

const lfp_gen_stats *lfp_gen_get_stats(const lfp_gen *g);

/* The event types the generator emits, NULL-terminated (for --help and the tests). */
extern const char *const lfp_event_types[];

#endif
