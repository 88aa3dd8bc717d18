/*
 * lfproduce — synthetic clickstream events as files of JSON lines (issue 5).
 *
 * Parses the command line into lfp_options and runs lfp_run; docs/PRODUCER.md and
 * `lfproduce --help` describe the options and the event schema.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lf/lf_array.h"
#include "lfp_json.h"
#include "lfp_produce.h"

static const char k_help[] =
    "Usage: lfproduce --out URI [options]\n"
    "\n"
    "Writes synthetic clickstream events (one JSON object per line) as files into a folder\n"
    "or object store. Files appear atomically: each one is written whole under a temporary\n"
    "name and renamed (a single PUT on Blob), so an ingester never sees a partial file.\n"
    "The same options and --seed give byte-identical files (names included), whatever the\n"
    "--rate and the wall clock: event times derive from --start-time and the seed.\n"
    "\n"
    "Options:\n"
    "  --out URI                 target: a local folder, file:///abs/dir or any URI the\n"
    "                            lfhost object store accepts (required)\n"
    "  --events N                lines in total, faulty ones included (default 10000, or\n"
    "                            files x events-per-file when both are given)\n"
    "  --files N                 split the lines evenly over N files (default 1)\n"
    "  --events-per-file N       at most N lines per file (the last may be shorter)\n"
    "  --rate R                  lines per second, or 'unlimited' (default)\n"
    "  --seed S                  unsigned 64-bit seed (default 1)\n"
    "  --start-time TS           event time of the first event, ISO 8601 UTC\n"
    "                            (default 2024-01-01T00:00:00Z); each event advances\n"
    "                            it by 1 us .. 200 ms (100 ms on average)\n"
    "  --late-fraction F         fraction of events whose event_ts lags (default 0)\n"
    "  --late-max DURATION       how far at most: 1 s .. DURATION behind (default 5m;\n"
    "                            e.g. 90s, 5m, '10 minutes', 1h)\n"
    "  --duplicate-fraction F    fraction of lines that re-emit one of the last 64 events\n"
    "                            verbatim (same event_id) (default 0)\n"
    "  --malformed-fraction F    fraction of broken lines: truncated, invalid JSON, or\n"
    "                            valid JSON with a value of the wrong type (default 0)\n"
    "  --drift                   from the middle line on, events have schema_version 2\n"
    "                            and two new fields, app_version and consent\n"
    "  --drift-after N           with --drift: the line number where drift starts\n"
    "  --users N                 size of the user pool (default 1000)\n"
    "  --prefix P                file name prefix (default 'events'); files are named\n"
    "                            P-<start-time>-s<seed>-<000001>.json\n"
    "  --quiet                   no summary line on stderr\n"
    "  --help                    this text\n"
    "\n"
    "Event schema (Spark DDL; bundles/resources/clickstream_pipeline.yml declares the same):\n"
    "  event_id STRING NOT NULL            UUID v4; a duplicate repeats it\n"
    "  event_type STRING                   page_view, click, add_to_cart, checkout,\n"
    "                                      purchase, signup, login, profile_update,\n"
    "                                      plan_change, account_deleted\n"
    "  event_ts TIMESTAMP                  \"2024-01-01T00:00:00.123Z\" (UTC, ms)\n"
    "  schema_version INT                  1 (2 once --drift applies)\n"
    "  session_id STRING                   \"s-<16 hex>\"\n"
    "  ip STRING                           IPv4 of the session\n"
    "  user STRUCT<user_id: STRING, email: STRING, country: STRING, plan: STRING>\n"
    "                                      absent for anonymous sessions; user_id\n"
    "                                      (\"u-<n>\") always, the rest only on changes:\n"
    "                                      signup all, profile_update the changed email\n"
    "                                      or country, plan_change the new plan\n"
    "                                      (free, basic, pro, business)\n"
    "  page STRUCT<url: STRING, referrer: STRING, title: STRING>\n"
    "  device STRUCT<type: STRING, os: STRING, browser: STRING, user_agent: STRING>\n"
    "  geo STRUCT<country: STRING, region: STRING, city: STRING>\n"
    "  utm STRUCT<source: STRING, medium: STRING, campaign: STRING, term: STRING,\n"
    "             content: STRING>           campaign sessions only\n"
    "  purchase STRUCT<order_id: STRING, amount: DOUBLE, currency: STRING, items: INT>\n"
    "                                      purchase events only; amount = cart value\n"
    "  properties MAP<STRING, STRING>      per type: load_ms, category, element, position,\n"
    "                                      sku, price, quantity, cart_items, cart_value,\n"
    "                                      payment_method, coupon, method, changed, from,\n"
    "                                      to, reason\n"
    "  Drift fields (not in the DDL, land in _rescued_data):\n"
    "  app_version STRING, consent STRUCT<analytics: BOOLEAN, marketing: BOOLEAN>\n"
    "\n"
    "A session walks the funnel page_view -> click -> add_to_cart -> checkout -> purchase\n"
    "(with drop-offs); a known user's session may start with signup, login,\n"
    "profile_update, plan_change or account_deleted, which give dim_user its history.\n";

enum { OPT_EVENTS = 256, OPT_FILES, OPT_EPF, OPT_RATE, OPT_SEED, OPT_START, OPT_LATE,
       OPT_LATE_MAX, OPT_DUP, OPT_MAL, OPT_DRIFT, OPT_DRIFT_AFTER, OPT_USERS, OPT_PREFIX,
       OPT_QUIET, OPT_HELP, OPT_OUT };

static const struct option k_opts[] = {
    {"out", required_argument, NULL, OPT_OUT},
    {"events", required_argument, NULL, OPT_EVENTS},
    {"files", required_argument, NULL, OPT_FILES},
    {"events-per-file", required_argument, NULL, OPT_EPF},
    {"rate", required_argument, NULL, OPT_RATE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"start-time", required_argument, NULL, OPT_START},
    {"late-fraction", required_argument, NULL, OPT_LATE},
    {"late-max", required_argument, NULL, OPT_LATE_MAX},
    {"duplicate-fraction", required_argument, NULL, OPT_DUP},
    {"malformed-fraction", required_argument, NULL, OPT_MAL},
    {"drift", no_argument, NULL, OPT_DRIFT},
    {"drift-after", required_argument, NULL, OPT_DRIFT_AFTER},
    {"users", required_argument, NULL, OPT_USERS},
    {"prefix", required_argument, NULL, OPT_PREFIX},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0}};

static int bad(const char *opt, const char *value, const char *why) {
  fprintf(stderr, "lfproduce: --%s '%s': %s (see --help)\n", opt, value, why);
  return 2;
}

static int parse_u64(const char *s, uint64_t *out) {
  char *end;
  if (!s[0] || s[0] == '-') return -1;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end) return -1;
  *out = v;
  return 0;
}

static int parse_fraction(const char *s, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (!s[0] || *end || !(v >= 0 && v <= 1)) return -1;
  *out = v;
  return 0;
}

/* "90s", "5m", "10 minutes", "1.5h", "500ms"; a bare number is seconds. */
static int parse_duration(const char *s, int64_t *us) {
  static const struct { const char *unit; double scale; } units[] = {
      {"ms", 1e3}, {"s", 1e6}, {"sec", 1e6}, {"second", 1e6}, {"seconds", 1e6},
      {"m", 60e6}, {"min", 60e6}, {"minute", 60e6}, {"minutes", 60e6},
      {"h", 3600e6}, {"hour", 3600e6}, {"hours", 3600e6}, {"d", 86400e6}, {"day", 86400e6},
      {"days", 86400e6}, {"", 1e6}};
  char *end;
  double v = strtod(s, &end);
  if (end == s || !(v >= 0)) return -1;
  while (*end == ' ') end++;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (strcasecmp(end, units[i].unit) != 0) continue;
    double x = v * units[i].scale;
    if (x > 9e18) return -1;
    *us = (int64_t)llround(x);
    return 0;
  }
  return -1;
}

typedef struct cli {
  lfp_options o;
  int have_events, drift_after_set;
} cli;

static int parse_opt(cli *c, int opt, const char *arg) {
  const char *name = "";
  for (const struct option *k = k_opts; k->name; k++)
    if (k->val == opt) name = k->name;
  lfp_options *o = &c->o;
  switch (opt) {
    case OPT_OUT: o->out = arg; return 0;
    case OPT_PREFIX: o->prefix = arg; return 0;
    case OPT_QUIET: o->quiet = 1; return 0;
    case OPT_DRIFT: o->gen.drift = 1; return 0;
    case OPT_EVENTS: c->have_events = 1;
      return parse_u64(arg, &o->events) ? bad(name, arg, "not a count") : 0;
    case OPT_FILES:
      return parse_u64(arg, &o->files) || !o->files ? bad(name, arg, "not a count >= 1") : 0;
    case OPT_EPF:
      return parse_u64(arg, &o->events_per_file) || !o->events_per_file
                 ? bad(name, arg, "not a count >= 1") : 0;
    case OPT_SEED: return parse_u64(arg, &o->gen.seed) ? bad(name, arg, "not an unsigned integer") : 0;
    case OPT_DRIFT_AFTER: c->drift_after_set = 1; o->gen.drift = 1;
      return parse_u64(arg, &o->gen.drift_after) ? bad(name, arg, "not a line number") : 0;
    case OPT_USERS: {
      uint64_t v;
      if (parse_u64(arg, &v) || v < 1 || v > 10000000) return bad(name, arg, "not in 1..10000000");
      o->gen.users = (uint32_t)v;
      return 0;
    }
    case OPT_RATE: {
      char *end;
      if (strcasecmp(arg, "unlimited") == 0) { o->rate = 0; return 0; }
      o->rate = strtod(arg, &end);
      return !arg[0] || *end || !(o->rate > 0) ? bad(name, arg, "not a positive rate or 'unlimited'") : 0;
    }
    case OPT_START:
      return lfp_parse_ts(arg, &o->gen.start_us) ? bad(name, arg, "not an ISO 8601 UTC timestamp") : 0;
    case OPT_LATE: return parse_fraction(arg, &o->gen.late_fraction) ? bad(name, arg, "not in [0, 1]") : 0;
    case OPT_DUP: return parse_fraction(arg, &o->gen.duplicate_fraction) ? bad(name, arg, "not in [0, 1]") : 0;
    case OPT_MAL: return parse_fraction(arg, &o->gen.malformed_fraction) ? bad(name, arg, "not in [0, 1]") : 0;
    case OPT_LATE_MAX:
      return parse_duration(arg, &o->gen.late_max_us) || o->gen.late_max_us < 1000000
                 ? bad(name, arg, "not a duration of at least 1s") : 0;
    default: return 2;
  }
}

/* Cross-option rules and derived defaults. */
static int finish(cli *c) {
  lfp_options *o = &c->o;
  if (!o->out) return fprintf(stderr, "lfproduce: --out is required (see --help)\n"), 2;
  if (o->files && o->events_per_file) {
    uint64_t all = o->files * o->events_per_file;
    if (c->have_events && o->events != all) {
      fprintf(stderr, "lfproduce: --events %" PRIu64 " is not --files x --events-per-file\n",
              o->events);
      return 2;
    }
    o->events = all;
    o->events_per_file = 0;
  }
  if (o->files > o->events && o->events > 0) {
    fprintf(stderr, "lfproduce: more files (%" PRIu64 ") than events\n", o->files);
    return 2;
  }
  if (o->gen.duplicate_fraction + o->gen.malformed_fraction > 1) {
    fprintf(stderr, "lfproduce: --duplicate-fraction + --malformed-fraction exceed 1\n");
    return 2;
  }
  if (o->gen.drift && !c->drift_after_set) o->gen.drift_after = o->events / 2;
  return 0;
}

static int parse_args(int argc, char **argv, cli *c) {
  int opt, rc;
  c->o.prefix = "events";
  c->o.events = 10000;
  c->o.gen.seed = 1;
  c->o.gen.users = 1000;
  c->o.gen.late_max_us = 300 * INT64_C(1000000);
  lfp_parse_ts("2024-01-01T00:00:00Z", &c->o.gen.start_us);
  opterr = 0;
  while ((opt = getopt_long(argc, argv, "", k_opts, NULL)) != -1) {
    if (opt == OPT_HELP) return fputs(k_help, stdout), 1;
    if (opt == '?' || opt == ':') {
      fprintf(stderr, "lfproduce: unknown option or missing value: %s (see --help)\n",
              argv[optind - 1]);
      return 2;
    }
    if ((rc = parse_opt(c, opt, optarg)) != 0) return rc;
  }
  if (optind < argc) {
    fprintf(stderr, "lfproduce: unexpected argument '%s' (see --help)\n", argv[optind]);
    return 2;
  }
  return finish(c);
}

int main(int argc, char **argv) {
  cli c;
  lfp_result r;
  char msg[512];
  lf_error err;
  memset(&c, 0, sizeof c);
  int rc = parse_args(argc, argv, &c);
  if (rc) return rc == 1 ? 0 : rc;
  lf_error_init(&err, msg, sizeof msg);
  if (lfp_run(&c.o, &r, &err) != LF_OK) {
    fprintf(stderr, "lfproduce: %s\n", msg);
    return 1;
  }
  if (!c.o.quiet)
    fprintf(stderr,
            "lfproduce: %" PRIu64 " lines in %" PRIu64 " files, %" PRIu64 " bytes in %.3f s "
            "(%.0f lines/s, %.1f bytes/line); late %" PRIu64 ", duplicates %" PRIu64
            ", malformed %" PRIu64 ", drifted %" PRIu64 "\n",
            r.lines, r.files, r.bytes, r.seconds, r.seconds > 0 ? (double)r.lines / r.seconds : 0,
            r.lines ? (double)r.bytes / (double)r.lines : 0, r.gen.late, r.gen.duplicates,
            r.gen.malformed, r.gen.drifted);
  return 0;
}
