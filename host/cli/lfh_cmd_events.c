/*
 * lfh_cmd_events — `lfhost events` and `lfhost runs`.
 *
 * Both start like every command (lfh_session: the bundle loaded and checked as validate
 * does), find each selected pipeline's event log table under its storage root
 * ("<catalog>/<schema>/<pipeline key>_event_log"), read it whole through
 * lfh_eventlog_query and print. Filters that need the whole log (`--update latest`, an id
 * prefix) are applied after reading; event logs are small next to the data they describe.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/lfh_cli_args.h"
#include "engine/lfh_pipeline.h"
#include "engine/lfh_session.h"
#include "eventlog/lfh_eventlog_query.h"
#include "lf/lf_array.h"
#include "lfh_cmd_events.h"
#include "util/lfh_suggest.h"
#include "util/lfh_clock.h"

#define EV_LOG_SUFFIX "_event_log"

typedef struct ev_args {
  lfh_bundle_opts bundle;
  const char **vars;    /* owned array; strings borrowed from argv */
  const char *pipeline; /* NULL: every pipeline */
  const char *types, *level, *flow, *update;
  long limit;           /* 0: all */
  int json;
  int runs;             /* 1: `runs`, 0: `events` */
} ev_args;

/* ------------------------------------------------------------ usage */

static const char *const usage_common =
    "  BUNDLE                  root bundle file (default: ./databricks.yml or ./bundle.yml)\n"
    "  -t, --target TARGET     bundle target (default: the default target)\n"
    "  -p, --pipeline KEY      only this pipeline (resources.pipelines.KEY; default: all)\n"
    "      --var NAME=VALUE    set a variable (repeatable; beats BUNDLE_VAR_NAME)\n"
    "      --plugin-path DIRS  colon-separated plugin directories searched first\n"
    "  -h, --help              show this help\n"
    "\n"
    "The event log is the Iceberg table <catalog>.<schema>.<pipeline key>_event_log under\n"
    "the pipeline's storage; any Iceberg reader can query it too (docs/EVENTLOG.md).\n"
    "\n"
    "Exit status: 0 success, 1 invalid bundle, no event log yet, or unknown pipeline or\n"
    "update, 2 usage error.\n";

void lfh_cmd_events_usage(FILE *out) {
  fputs("Usage: lfhost events [BUNDLE] [options]\n"
        "\n"
        "Show a pipeline's event log, oldest first: updates starting and changing state,\n"
        "flows progressing (rows, files, data quality), flow and dataset definitions\n"
        "(the lineage), errors.\n"
        "\n"
        "      --type T[,T...]     only these event types: create_update, update_progress,\n"
        "                          flow_progress, flow_definition, dataset_definition\n"
        "      --level L[,L...]    only these levels: INFO, WARN, ERROR, METRICS\n"
        "      --flow NAME         only the events of this flow or dataset\n"
        "  -u, --update ID         only this update: an id, a unique prefix of one, or\n"
        "                          'latest' (see 'lfhost runs' for the ids)\n"
        "  -n, --limit N           only the newest N events (default: all)\n"
        "  -o, --output FORMAT     text (default: time, level, type, origin, message) or\n"
        "                          json (one object per line, every column, details parsed)\n",
        out);
  fputs(usage_common, out);
}

void lfh_cmd_runs_usage(FILE *out) {
  fputs("Usage: lfhost runs [BUNDLE] [options]\n"
        "\n"
        "Show the run history of a pipeline from its event log: one line per update, oldest\n"
        "first, with its cause, start, duration, final state (COMPLETED, FAILED, CANCELED,\n"
        "or RUNNING while none was recorded), rows written, flows, records dropped by\n"
        "expectations, and the error of a failed update.\n"
        "\n"
        "  -n, --limit N           only the newest N updates (default: all)\n"
        "  -o, --output FORMAT     text (default) or json (one object per line)\n",
        out);
  fputs(usage_common, out);
}

/* ------------------------------------------------------------ arguments */

static void usage_for(const ev_args *a, FILE *out) {
  if (a->runs) lfh_cmd_runs_usage(out);
  else lfh_cmd_events_usage(out);
}

/* An event-only option given to `runs`. */
static int not_for_runs(const ev_args *a, const char *opt) {
  if (!a->runs) return 0;
  fprintf(stderr, "Error: '%s' is an option of 'lfhost events', not of 'lfhost runs'\n", opt);
  return 2;
}

/* Returns 0, 1 when --help was asked, or 2 on a usage error (already reported). */
static int parse_args(int argc, char **argv, ev_args *a) {
  enum { OPT_VAR = 256, OPT_PLUGIN_PATH, OPT_TYPE, OPT_LEVEL, OPT_FLOW };
  static const struct option opts[] = {
      {"target", required_argument, NULL, 't'},    {"pipeline", required_argument, NULL, 'p'},
      {"type", required_argument, NULL, OPT_TYPE}, {"level", required_argument, NULL, OPT_LEVEL},
      {"flow", required_argument, NULL, OPT_FLOW}, {"update", required_argument, NULL, 'u'},
      {"limit", required_argument, NULL, 'n'},     {"output", required_argument, NULL, 'o'},
      {"var", required_argument, NULL, OPT_VAR},
      {"plugin-path", required_argument, NULL, OPT_PLUGIN_PATH},
      {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0}};
  a->vars = calloc((size_t)argc, sizeof *a->vars);
  if (!a->vars) return 2;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":t:p:u:n:o:h", opts, NULL)) != -1) {
    switch (c) {
    case 't': a->bundle.target = optarg; break;
    case 'p': a->pipeline = optarg; break;
    case OPT_TYPE:
      if (not_for_runs(a, "--type")) return 2;
      a->types = optarg;
      break;
    case OPT_LEVEL:
      if (not_for_runs(a, "--level")) return 2;
      a->level = optarg;
      break;
    case OPT_FLOW:
      if (not_for_runs(a, "--flow")) return 2;
      a->flow = optarg;
      break;
    case 'u':
      if (not_for_runs(a, "--update")) return 2;
      a->update = optarg;
      break;
    case 'n':
      if (lfh_cli_parse_limit(optarg, &a->limit) != 0) return 2;
      break;
    case 'o':
      if (strcmp(optarg, "text") == 0) a->json = 0;
      else if (strcmp(optarg, "json") == 0) a->json = 1;
      else {
        fprintf(stderr, "Error: unknown output format '%s' (use text or json)\n", optarg);
        return 2;
      }
      break;
    case OPT_VAR:
      if (lfh_session_add_var(&a->bundle, a->vars, optarg) != 0) return 2;
      break;
    case OPT_PLUGIN_PATH: a->bundle.plugin_path = optarg; break;
    case 'h': return 1;
    case ':':
      fprintf(stderr, "Error: option '%s' needs a value\n", argv[optind - 1]);
      return 2;
    default:
      fprintf(stderr, "Error: unknown option '%s' (see 'lfhost %s --help')\n",
              argv[optind - 1], a->runs ? "runs" : "events");
      return 2;
    }
  }
  if (optind < argc) a->bundle.path = argv[optind++];
  if (optind < argc) {
    fprintf(stderr, "Error: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  a->bundle.vars = a->vars;
  return 0;
}

/* ------------------------------------------------------------ finding the logs */

static void list_keys(FILE *out, char **keys, size_t n) {
  for (size_t i = 0; i < n; i++) fprintf(out, "%s%s", i ? ", " : "", keys[i]);
}

/* Checks --pipeline against the bundle's pipelines. 0 or 1 (reported). */
static int check_pipeline(const ev_args *a, char **keys, size_t n) {
  if (n == 0) {
    fputs("Error: the bundle defines no pipeline (resources.pipelines)\n", stderr);
    return 1;
  }
  if (!a->pipeline) return 0;
  for (size_t i = 0; i < n; i++)
    if (strcmp(keys[i], a->pipeline) == 0) return 0;
  const char *near = lfh_suggest(a->pipeline, (const char *const *)keys, n);
  fprintf(stderr, "Error: no pipeline '%s' in the bundle", a->pipeline);
  if (near) fprintf(stderr, " (did you mean '%s'?)", near);
  fputs("; its pipelines: ", stderr);
  list_keys(stderr, keys, n);
  fputc('\n', stderr);
  return 1;
}

/* Reads the event log of pipeline `key` into `l`. Returns 0, 1 on an error (reported),
 * or 3 when the pipeline has no event log yet (reported only when `must_exist`). */
static int read_pipeline(const lfh_session *s, const char *key, int must_exist,
                         lfh_event_list *l) {
  char msg[512];
  lf_error err;
  lfh_pipeline *p = NULL;
  lfh_store *store = NULL;
  char *prefix = NULL, *name = NULL, *uri = NULL;
  lfh_diags d;
  int rc = 1;
  lfh_diags_init(&d);
  lf_error_init(&err, msg, sizeof msg);
  if (lfh_pipeline_from_bundle(s->bundle, key, &p, &d) != 0) {
    lfh_diags_print(&d, LFH_OUT_TEXT, stderr);
    goto done;
  }
  if (asprintf(&name, "%s" EV_LOG_SUFFIX, key) < 0) name = NULL;
  if (!name || !(prefix = lfh_pipeline_table_prefix(p, name))) {
    fputs("Error: out of memory\n", stderr);
    goto done;
  }
  if (!(store = lfh_store_open(p->storage, &err))) {
    fprintf(stderr, "Error: pipeline '%s': %s\n", key, msg);
    goto done;
  }
  int r = lfh_eventlog_read(store, prefix, NULL, l, &err);
  if (r == LF_ERR_NOT_FOUND) {
    uri = lfh_store_uri(store, prefix);
    if (must_exist)
      fprintf(stderr, "Error: pipeline '%s' has no event log yet (%s.%s.%s at %s); "
              "'lfhost deploy' creates it and 'lfhost run' fills it\n",
              key, p->catalog, p->schema, name, uri ? uri : prefix);
    rc = 3;
  } else if (r != LF_OK) {
    fprintf(stderr, "Error: reading the event log of pipeline '%s': %s\n", key, msg);
  } else {
    rc = 0;
  }
done:
  free(uri);
  free(name);
  free(prefix);
  if (store) lfh_store_close(store);
  lfh_pipeline_free(p);
  lfh_diags_free(&d);
  return rc;
}

/* Every selected pipeline's events, sorted. *n_read counts the pipelines with a log. */
static int read_all(const ev_args *a, const lfh_session *s, lfh_event_list *l, int *multi) {
  size_t n = 0;
  char **keys = lfh_pipeline_keys(s->bundle, &n);
  int rc = 1, found = 0;
  if (!keys) {
    fputs("Error: out of memory\n", stderr);
    return 1;
  }
  if ((rc = check_pipeline(a, keys, n)) != 0) goto done;
  *multi = !a->pipeline && n > 1;
  for (size_t i = 0; i < n; i++) {
    if (a->pipeline && strcmp(a->pipeline, keys[i]) != 0) continue;
    int r = read_pipeline(s, keys[i], a->pipeline != NULL || n == 1, l);
    if (r == 1 || (r == 3 && (a->pipeline || n == 1))) {
      rc = 1;
      goto done;
    }
    found += r == 0;
  }
  if (!found) {
    fputs("Error: no pipeline of the bundle has an event log yet ('lfhost deploy' creates "
          "them, 'lfhost run' fills them); pipelines: ", stderr);
    list_keys(stderr, keys, n);
    fputc('\n', stderr);
    rc = 1;
    goto done;
  }
  lfh_event_list_sort(l);
  rc = 0;
done:
  lfh_pipeline_keys_free(keys, n);
  return rc;
}

/* ------------------------------------------------------------ formatting */

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

/* Every column, `details` parsed (kept as a string if it is not JSON). */
static json_t *event_json(const lfh_event *e) {
  char ts[80];
  json_error_t je;
  lfh_format_utc_us(e->timestamp_us, 6, ts, sizeof ts);
  json_t *details = e->details ? json_loads(e->details, JSON_DECODE_ANY, &je) : NULL;
  if (!details) details = jstr(e->details);
  json_t *error = e->has_error ? json_pack("{s:b, s:o}", "fatal", e->error_fatal, "message",
                                           jstr(e->error_message))
                               : json_null();
  return json_pack("{s:o, s:{s:o, s:I}, s:{s:o, s:o, s:o, s:o, s:o, s:o}, s:s, s:o, s:o, "
                   "s:o, s:o, s:o, s:o}",
                   "id", jstr(e->id), "sequence", "update_id", jstr(e->update_id), "seq_no",
                   (json_int_t)e->seq_no, "origin", "pipeline_id", jstr(e->pipeline_id),
                   "pipeline_name", jstr(e->pipeline_name), "update_id", jstr(e->update_id),
                   "flow_id", jstr(e->flow_id), "flow_name", jstr(e->flow_name),
                   "dataset_name", jstr(e->dataset_name), "timestamp", ts, "level",
                   jstr(e->level), "maturity_level", jstr(e->maturity_level), "event_type",
                   jstr(e->event_type), "message", jstr(e->message), "details", details,
                   "error", error);
}

static int print_json_line(json_t *j) {
  if (!j) {
    fputs("Error: out of memory\n", stderr);
    return 1;
  }
  int rc = json_dumpf(j, stdout, JSON_COMPACT) == 0 && fputc('\n', stdout) != EOF ? 0 : 1;
  json_decref(j);
  return rc;
}

static void print_event_text(const lfh_event *e, int multi) {
  char ts[80], origin[256];
  const char *o = e->flow_name ? e->flow_name : e->dataset_name ? e->dataset_name : "-";
  lfh_format_utc_us(e->timestamp_us, 3, ts, sizeof ts);
  if (multi) snprintf(origin, sizeof origin, "%s/%s", e->pipeline_name ? e->pipeline_name : "?", o);
  else snprintf(origin, sizeof origin, "%s", o);
  printf("%s  %-7s %-18s %-20s %s", ts, e->level ? e->level : "-", e->event_type, origin,
         e->message ? e->message : "");
  if (e->error_message && (!e->message || !strstr(e->message, e->error_message)))
    printf(" Error: %s", e->error_message);
  putchar('\n');
}

/* ------------------------------------------------------------ the commands */

/* Narrows `l` to --update (resolved against the whole log first) and the filters. */
static int apply_filters(const ev_args *a, lfh_event_list *l) {
  char msg[512];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  const char *id = NULL;
  char *id_copy = NULL;
  if (a->update) {
    if (lfh_event_list_resolve_update(l, a->update, &id, &err) != LF_OK) {
      fprintf(stderr, "Error: %s; 'lfhost runs%s%s' lists the updates\n", msg,
              a->pipeline ? " --pipeline " : "", a->pipeline ? a->pipeline : "");
      return 1;
    }
    if (!(id_copy = strdup(id))) return 1; /* the list is about to lose events */
  }
  lfh_event_filter f = {id_copy, a->types, a->level, a->flow};
  lfh_event_list_filter(l, &f);
  free(id_copy);
  if (a->limit > 0) lfh_event_list_keep_last(l, (size_t)a->limit);
  return 0;
}

static int print_events(const ev_args *a, lfh_event_list *l, int multi) {
  int rc = apply_filters(a, l);
  for (size_t i = 0; rc == 0 && i < l->n; i++) {
    if (a->json) rc = print_json_line(event_json(&l->items[i]));
    else print_event_text(&l->items[i], multi);
  }
  return rc;
}

/* "0.42s", "12.3s", "4m05s", "2h03m". */
static void fmt_duration(int64_t us, char *buf, size_t cap) {
  double s = (double)us / 1e6;
  if (s < 60) snprintf(buf, cap, s < 10 ? "%.2fs" : "%.1fs", s);
  else if (s < 3600) snprintf(buf, cap, "%dm%02ds", (int)(s / 60), (int)s % 60);
  else snprintf(buf, cap, "%dh%02dm", (int)(s / 3600), ((int)s % 3600) / 60);
}

static json_t *run_json(const lfh_run *r) {
  char start[80], end[80];
  lfh_format_utc_us(r->start_us, 6, start, sizeof start);
  lfh_format_utc_us(r->end_us, 6, end, sizeof end);
  int done = r->end_us >= 0;
  return json_pack("{s:s, s:o, s:o, s:o, s:b, s:s, s:o, s:o, s:s, s:I, s:I, s:I, s:o}",
                   "update_id", r->update_id, "pipeline_id", jstr(r->pipeline_id),
                   "pipeline_name", jstr(r->pipeline_name), "cause", jstr(r->cause),
                   "full_refresh", r->full_refresh, "start", start, "end",
                   done ? json_string(end) : json_null(), "duration_seconds",
                   done ? json_real((double)(r->end_us - r->start_us) / 1e6) : json_null(),
                   "state", r->state, "rows_written", (json_int_t)r->rows_written, "flows",
                   (json_int_t)r->n_flows, "dropped_records", (json_int_t)r->dropped_records,
                   "error", jstr(r->error));
}

static void print_runs_text(const lfh_run *runs, size_t n, int multi) {
  if (multi) printf("%-16s ", "PIPELINE");
  printf("%-36s  %-16s  %-24s  %9s  %-9s  %12s  %5s  %9s  %s\n", "UPDATE", "CAUSE", "START",
         "DURATION", "STATE", "ROWS", "FLOWS", "DROPPED", "ERROR");
  for (size_t i = 0; i < n; i++) {
    const lfh_run *r = &runs[i];
    char start[80], dur[32];
    lfh_format_utc_us(r->start_us, 3, start, sizeof start);
    if (r->end_us >= 0) fmt_duration(r->end_us - r->start_us, dur, sizeof dur);
    else snprintf(dur, sizeof dur, "-");
    if (multi) printf("%-16s ", r->pipeline_name ? r->pipeline_name : "?");
    printf("%-36s  %-16s  %-24s  %9s  %-9s  %12" PRId64 "  %5zu  %9" PRId64 "  %s\n",
           r->update_id, r->cause ? r->cause : "-", start, dur, r->state, r->rows_written,
           r->n_flows, r->dropped_records, r->error ? r->error : "");
  }
}

static int print_runs(const ev_args *a, const lfh_event_list *l, int multi) {
  char msg[512];
  lf_error err;
  lfh_run *runs = NULL;
  size_t n = 0;
  lf_error_init(&err, msg, sizeof msg);
  if (lfh_eventlog_runs(l, &runs, &n, &err) != LF_OK) {
    fprintf(stderr, "Error: %s\n", msg);
    return 1;
  }
  size_t first = a->limit > 0 && n > (size_t)a->limit ? n - (size_t)a->limit : 0;
  int rc = 0;
  if (!a->json) print_runs_text(runs + first, n - first, multi);
  for (size_t i = first; a->json && rc == 0 && i < n; i++) rc = print_json_line(run_json(&runs[i]));
  lfh_runs_free(runs, n);
  return rc;
}

static int run_command(int argc, char **argv, int runs) {
  ev_args a;
  memset(&a, 0, sizeof a);
  a.runs = runs;
  lfh_session s;
  memset(&s, 0, sizeof s);
  lfh_event_list l = {0};
  int multi = 0;
  int rc = parse_args(argc, argv, &a);
  if (rc == 1) {
    usage_for(&a, stdout);
    rc = 0;
    goto done;
  }
  if (rc != 0) goto done;
  int so = lfh_session_open(&a.bundle, &s);
  if (so < 0) {
    fputs("Error: out of memory\n", stderr);
    rc = 1;
    goto done;
  }
  /* A read-only look at the log: the bundle's warnings are validate's business. */
  if (so != 0) lfh_session_report(&s, stderr, 0);
  if (so != 0) {
    rc = 1;
    goto done;
  }
  if ((rc = read_all(&a, &s, &l, &multi)) != 0) goto done;
  rc = runs ? print_runs(&a, &l, multi) : print_events(&a, &l, multi);
  if (fflush(stdout) != 0) rc = 1;
done:
  lfh_event_list_free(&l);
  lfh_session_close(&s);
  free(a.vars);
  return rc;
}

int lfh_cmd_events(int argc, char **argv) { return run_command(argc, argv, 0); }
int lfh_cmd_runs(int argc, char **argv) { return run_command(argc, argv, 1); }
