#include "lfh_cmd_run.h"

#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deploy/lfh_deploy_state.h"
#include "engine/lfh_engine.h"
#include "engine/lfh_pipeline.h"
#include "engine/lfh_session.h"
#include "lf/lf_array.h"
#include "loader/lfh_config.h"
#include "util/lfh_clock.h"

typedef struct run_args {
  lfh_bundle_opts bundle;
  const char **vars;       /* owned array; strings borrowed from argv */
  const char *resource;    /* PIPELINE or JOB key, or NULL */
  int full_refresh_all;
  char **full_refresh;     /* owned */
  size_t n_full_refresh;
  char **refresh;          /* owned */
  size_t n_refresh;
  int continuous;          /* -1: the pipeline's setting */
  int64_t interval_us;
} run_args;

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
  (void)sig;
  if (g_stop) _exit(130); /* a second signal: stop now (the checkpoint protocol copes) */
  g_stop = 1;
}

void lfh_cmd_run_usage(FILE *out) {
  fputs("Usage: lfhost run [BUNDLE] [PIPELINE|JOB] [options]\n"
        "\n"
        "Run one update of a deployed pipeline: every flow in dependency order, each in\n"
        "micro-batches (epochs) committed exactly once. With a JOB key, run the job's\n"
        "pipeline tasks with their retries and timeouts. Without a name, the bundle's only\n"
        "pipeline.\n"
        "\n"
        "Options:\n"
        "  -t, --target NAME          the bundle target (default: the default target)\n"
        "      --var NAME=VALUE       set a variable (repeatable)\n"
        "      --full-refresh[=A,B]   truncate these tables (all without a list) and their\n"
        "                             quarantine tables, forget their checkpoints, reprocess\n"
        "      --refresh A,B          update only these datasets\n"
        "      --continuous           keep running until SIGINT/SIGTERM\n"
        "      --trigger-interval D   pause between idle rounds in continuous mode (\"5s\")\n"
        "      --plugin-path DIRS     colon-separated plugin directories searched first\n"
        "  -h, --help                 show this help\n"
        "\n"
        "Output: a progress line on a terminal; otherwise one line per committed epoch\n"
        "(flow=... epoch=... rows=... files=... snapshot=...) and a summary line.\n"
        "Exit status: 0 completed, 1 failed, 2 usage error, 130 interrupted.\n",
        out);
}

/* "a,b" -> owned array of owned strings. */
static int split_list(const char *s, char ***out, size_t *n) {
  char *copy = strdup(s), *save = NULL;
  size_t cap = strlen(s) + 1;
  *out = calloc(cap, sizeof **out);
  *n = 0;
  if (!copy || !*out) return free(copy), -1;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
    if (*t && !((*out)[(*n)++] = strdup(t))) return free(copy), -1;
  free(copy);
  return *n ? 0 : -1;
}

static void free_list(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

enum { OPT_VAR = 256, OPT_FULL, OPT_REFRESH, OPT_CONT, OPT_INTERVAL, OPT_PLUGIN_PATH };

static int parse_opt(int c, run_args *a) {
  long long us = 0;
  switch (c) {
  case 't': a->bundle.target = optarg; return 0;
  case OPT_VAR:
    if (lfh_session_add_var(&a->bundle, a->vars, optarg) != 0) return 2;
    return 0;
  case OPT_FULL:
    if (!optarg) return a->full_refresh_all = 1, 0;
    if (split_list(optarg, &a->full_refresh, &a->n_full_refresh) == 0) return 0;
    fprintf(stderr, "Error: --full-refresh= expects dataset names, got '%s'\n", optarg);
    return 2;
  case OPT_REFRESH:
    if (split_list(optarg, &a->refresh, &a->n_refresh) == 0) return 0;
    fprintf(stderr, "Error: --refresh expects dataset names, got '%s'\n", optarg);
    return 2;
  case OPT_CONT: a->continuous = 1; return 0;
  case OPT_INTERVAL:
    if (lfh_parse_duration_us(optarg, &us) == 0 && us > 0) return a->interval_us = us, 0;
    fprintf(stderr, "Error: --trigger-interval expects a duration such as 5s, got '%s'\n", optarg);
    return 2;
  case OPT_PLUGIN_PATH: a->bundle.plugin_path = optarg; return 0;
  case 'h': return 1;
  case ':': fprintf(stderr, "Error: option '%s' needs a value\n", optarg ? optarg : "?"); return 2;
  default: fprintf(stderr, "Error: unknown option (see 'lfhost run --help')\n"); return 2;
  }
}

/* Returns 0, 1 for --help, or 2 on a usage error (reported). */
static int parse_args(int argc, char **argv, run_args *a) {
  static const struct option opts[] = {
      {"target", required_argument, NULL, 't'},
      {"var", required_argument, NULL, OPT_VAR},
      {"full-refresh", optional_argument, NULL, OPT_FULL},
      {"refresh", required_argument, NULL, OPT_REFRESH},
      {"continuous", no_argument, NULL, OPT_CONT},
      {"trigger-interval", required_argument, NULL, OPT_INTERVAL},
      {"plugin-path", required_argument, NULL, OPT_PLUGIN_PATH},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  a->vars = calloc((size_t)argc + 1, sizeof *a->vars);
  if (!a->vars) return 2;
  optind = 1;
  opterr = 0;
  int c, rc;
  while ((c = getopt_long(argc, argv, ":t:h", opts, NULL)) != -1)
    if ((rc = parse_opt(c, a)) != 0) return rc;
  if (optind < argc) a->bundle.path = argv[optind++];
  if (optind < argc) a->resource = argv[optind++];
  if (optind < argc) {
    fprintf(stderr, "Error: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  a->bundle.vars = a->vars;
  return 0;
}

/* ------------------------------------------------------------ progress */

typedef struct progress {
  int tty;
  struct timespec t0;
  int64_t rows, files;
  const char *pipeline;
} progress;

static double since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void on_epoch(void *ud, const lfh_epoch_report *r) {
  progress *p = ud;
  if (!r->noop) p->rows += r->rows_out, p->files += r->files;
  if (p->tty) {
    double s = since(&p->t0);
    fprintf(stderr, "\r\033[K%s  %s  epoch %llu  %lld rows  %lld files  %.0f rows/s", p->pipeline,
            r->flow, (unsigned long long)r->epoch, (long long)p->rows, (long long)p->files,
            s > 0 ? (double)p->rows / s : 0.0);
    fflush(stderr);
    return;
  }
  printf("flow=%s dataset=%s epoch=%llu rows=%lld input_rows=%lld dropped=%lld "
         "quarantined=%lld files=%lld snapshot=%lld seconds=%.3f%s\n",
         r->flow, r->dataset, (unsigned long long)r->epoch, (long long)r->rows_out,
         (long long)r->rows_in, (long long)r->dropped, (long long)r->quarantined,
         (long long)r->files, (long long)r->snapshot_id, r->seconds, r->noop ? " replay=noop" : "");
  fflush(stdout);
}

static const char *state_name(int s) {
  return s == LFH_UPDATE_COMPLETED ? "COMPLETED" : s == LFH_UPDATE_CANCELED ? "CANCELED" : "FAILED";
}

static void summary(const progress *p, const char *key, const lfh_update_result *res) {
  double s = since(&p->t0);
  if (p->tty) {
    fprintf(stderr, "\r\033[K");
    printf("Update %s of pipeline %s %s: %lld epochs, %lld rows in %.1fs (%.0f rows/s)\n",
           res->update_id[0] ? res->update_id : "-", key, state_name(res->state),
           (long long)res->epochs, (long long)res->rows, s, s > 0 ? (double)res->rows / s : 0.0);
  } else {
    printf("update=%s pipeline=%s state=%s epochs=%lld rows=%lld seconds=%.3f\n",
           res->update_id[0] ? res->update_id : "-", key, state_name(res->state),
           (long long)res->epochs, (long long)res->rows, s);
  }
  if (res->state == LFH_UPDATE_FAILED) fprintf(stderr, "Error: %s\n", res->error);
  fflush(stdout);
}

/* ------------------------------------------------------------ one update */

typedef struct update_req {
  const char *key;
  const char *cause;
  int full_refresh; /* a job task's pipeline_task.full_refresh */
  int64_t deadline_us;
} update_req;

/* Wires the flows the update runs (--refresh / --full-refresh=LIST select datasets) and
 * those upstream of them, so a selection runs even while another flow's plugin is
 * missing. Without a selection every flow must wire. */
static int wire_selected(lfh_pipeline *p, lfh_registry *reg, const run_args *a, lfh_diags *d) {
  size_t n = a->n_refresh + a->n_full_refresh;
  if (n == 0) return lfh_pipeline_wire(p, reg, d);
  const char **sel = calloc(n, sizeof *sel);
  uint8_t *want = calloc(p->n_flows + 1, 1);
  int rc = -1;
  if (sel && want) {
    for (size_t i = 0; i < a->n_refresh; i++) sel[i] = a->refresh[i];
    for (size_t i = 0; i < a->n_full_refresh; i++) sel[a->n_refresh + i] = a->full_refresh[i];
    lfh_pipeline_flows_for(p, sel, n, want);
    rc = lfh_pipeline_wire_flows(p, reg, want, d);
  } else {
    fprintf(stderr, "Error: out of memory\n");
  }
  free(sel);
  free(want);
  return rc;
}

/* Fresh stage instances per update, so a retry starts from the checkpoint alone. */
static int run_update(lfh_session *s, const lfh_deploy_state *st, const run_args *a,
                      const update_req *q) {
  lfh_pipeline *p = NULL;
  lfh_diags d;
  lfh_diags_init(&d);
  int rc = lfh_pipeline_from_bundle(s->bundle, q->key, &p, &d);
  if (rc == 0) rc = wire_selected(p, s->reg, a, &d);
  if (rc != 0) {
    lfh_diags_print(&d, LFH_OUT_TEXT, stderr);
    lfh_diags_free(&d);
    lfh_pipeline_free(p);
    return 1;
  }
  lfh_diags_free(&d);
  progress pr = {.tty = isatty(STDERR_FILENO) && isatty(STDOUT_FILENO), .pipeline = q->key};
  clock_gettime(CLOCK_MONOTONIC, &pr.t0);
  lfh_run_opts o = {.pipeline_id = lfh_deploy_state_pipeline_id(st, q->key),
                    .cause = q->cause,
                    .full_refresh_all = a->full_refresh_all || q->full_refresh,
                    .full_refresh = (const char *const *)a->full_refresh,
                    .n_full_refresh = a->n_full_refresh,
                    .refresh = (const char *const *)a->refresh,
                    .n_refresh = a->n_refresh,
                    .continuous = a->continuous,
                    .trigger_interval_us = a->interval_us,
                    .deadline_us = q->deadline_us,
                    .stop = &g_stop,
                    .sp = &s->sp,
                    .on_epoch = on_epoch,
                    .ud = &pr};
  lfh_update_result res;
  lfh_engine_run(p, s->reg, &o, &res);
  summary(&pr, q->key, &res);
  lfh_pipeline_free(p);
  return res.state == LFH_UPDATE_COMPLETED ? 0 : res.state == LFH_UPDATE_CANCELED ? 130 : 1;
}

/* ------------------------------------------------------------ jobs */

static const lfh_node *node_at(const lfh_node *m, const char *k) {
  return m && m->kind == LFH_NODE_MAP ? lfh_map_get(m, k) : NULL;
}

static long long int_at(const lfh_node *m, const char *k, long long dflt) {
  long long v = dflt;
  const lfh_node *n = node_at(m, k);
  return n && lfh_scalar_int(n, &v) == 0 ? v : dflt;
}

static void nap_ms(long long ms) {
  int64_t until = lfh_mono_us() + ms * 1000;
  while (!g_stop && lfh_mono_us() < until) {
    struct timespec t = {0, 50 * 1000 * 1000};
    nanosleep(&t, NULL);
  }
}

/* One task with its retries. */
static int run_task(lfh_session *s, const lfh_deploy_state *st, const run_args *a,
                    const lfh_node *task, int64_t job_deadline) {
  const lfh_node *pt = node_at(task, "pipeline_task"), *id = node_at(pt, "pipeline_id");
  const lfh_node *fr = node_at(pt, "full_refresh");
  int full = 0;
  if (fr) lfh_scalar_bool(fr, &full);
  long long retries = int_at(task, "max_retries", 0);
  long long wait_ms = int_at(task, "min_retry_interval_millis", 0);
  long long timeout_s = int_at(task, "timeout_seconds", 0);
  if (!id || id->kind != LFH_NODE_SCALAR) return fprintf(stderr, "Error: task without pipeline_task\n"), 1;
  for (long long attempt = 0;; attempt++) {
    update_req q = {id->scalar, attempt ? "RETRY_ON_FAILURE" : "JOB_TASK", full && attempt == 0,
                    timeout_s > 0 ? lfh_mono_us() + timeout_s * 1000000 : 0};
    if (job_deadline && (!q.deadline_us || job_deadline < q.deadline_us)) q.deadline_us = job_deadline;
    int rc = run_update(s, st, a, &q);
    if (rc != 1 || g_stop) return rc;
    if (retries >= 0 && attempt >= retries) return 1;
    if (job_deadline && lfh_mono_us() >= job_deadline) return 1;
    fprintf(stderr, "Retrying task in %lld ms (attempt %lld of %s)\n", wait_ms, attempt + 2,
            retries < 0 ? "unlimited" : "max_retries + 1");
    nap_ms(wait_ms);
    if (g_stop) return 130;
  }
}

static int done_before(const lfh_node *task, const lfh_node *tasks, const char *done) {
  const lfh_node *deps = node_at(task, "depends_on");
  for (size_t i = 0; deps && deps->kind == LFH_NODE_SEQ && i < deps->n; i++) {
    const lfh_node *k = node_at(deps->items[i], "task_key");
    for (size_t j = 0; k && j < tasks->n; j++) {
      const lfh_node *tk = node_at(tasks->items[j], "task_key");
      if (tk && tk->scalar && k->scalar && !strcmp(tk->scalar, k->scalar) && !done[j]) return 0;
    }
  }
  return 1;
}

static int run_job(lfh_session *s, const lfh_deploy_state *st, const run_args *a,
                   const lfh_node *job) {
  const lfh_node *tasks = node_at(job, "tasks");
  long long job_timeout = int_at(job, "timeout_seconds", 0);
  int64_t deadline = job_timeout > 0 ? lfh_mono_us() + job_timeout * 1000000 : 0;
  size_t n = tasks && tasks->kind == LFH_NODE_SEQ ? tasks->n : 0;
  char *done = calloc(n + 1, 1);
  int rc = done ? 0 : 1;
  /* depends_on order; ties in declaration order */
  for (size_t k = 0; rc == 0 && k < n; k++) {
    size_t pick = n;
    for (size_t i = 0; i < n && pick == n; i++)
      if (!done[i] && done_before(tasks->items[i], tasks, done)) pick = i;
    if (pick == n) break;
    rc = run_task(s, st, a, tasks->items[pick], deadline);
    done[pick] = 1;
  }
  free(done);
  return rc;
}

/* ------------------------------------------------------------ the command */

/* The pipeline (its key copied into `key`) or the job `a->resource` names; without a
 * name, the bundle's only pipeline. */
static int pick_resource(lfh_session *s, const run_args *a, char *key, size_t cap,
                         const lfh_node **job) {
  size_t n = 0;
  char **keys = lfh_pipeline_keys(s->bundle, &n);
  const lfh_node *jobs = node_at(node_at(s->bundle->root, "resources"), "jobs");
  int rc = 1;
  key[0] = 0;
  *job = NULL;
  for (size_t i = 0; a->resource && i < n; i++)
    if (!strcmp(keys[i], a->resource)) rc = 0;
  if (rc == 0) snprintf(key, cap, "%s", a->resource);
  if (rc && a->resource && (*job = node_at(jobs, a->resource))) rc = 0;
  if (!a->resource && n == 1) snprintf(key, cap, "%s", keys[0]), rc = 0;
  if (rc) {
    if (a->resource)
      fprintf(stderr, "Error: no pipeline or job '%s' in the bundle; pipelines:", a->resource);
    else
      fprintf(stderr, "Error: the bundle has %zu pipelines; name one:", n);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %s", keys[i]);
    fputc('\n', stderr);
  }
  lfh_pipeline_keys_free(keys, n);
  return rc;
}

static int load_state(lfh_session *s, const char *key, lfh_deploy_state **st) {
  lfh_pipeline *p = NULL;
  lfh_diags d;
  lfh_diags_init(&d);
  int rc = lfh_pipeline_from_bundle(s->bundle, key, &p, &d);
  lfh_diags_free(&d);
  if (rc != 0) return fprintf(stderr, "Error: cannot read pipeline '%s'\n", key), 1;
  char msg[512];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  rc = lfh_deploy_state_load(p->root_path, st, &err);
  if (rc == LF_ERR_NOT_FOUND)
    fprintf(stderr, "Error: the bundle was never deployed to target '%s' (%s): run `lfhost "
                    "deploy` first\n", s->bundle->target ? s->bundle->target : "default",
            p->root_path);
  else if (rc != LF_OK)
    fprintf(stderr, "Error: deployment state: %s\n", msg);
  else if (!lfh_deploy_state_pipeline_id(*st, key)) {
    fprintf(stderr, "Error: pipeline '%s' is not deployed yet: run `lfhost deploy` first\n", key);
    rc = LF_ERR_NOT_FOUND;
  }
  lfh_pipeline_free(p);
  return rc == LF_OK ? 0 : 1;
}

static int execute(run_args *a) {
  lfh_session s;
  lfh_deploy_state *st = NULL;
  int rc = lfh_session_open(&a->bundle, &s);
  if (rc != 0) {
    lfh_session_report(&s, stderr, 0);
    if (rc > 0) fprintf(stderr, "Error: the bundle has errors; fix them first (lfhost validate)\n");
    lfh_session_close(&s);
    return 1;
  }
  lfh_session_report(&s, stderr, 1);
  char key[256];
  const lfh_node *job = NULL;
  rc = pick_resource(&s, a, key, sizeof key, &job);
  const char *pipeline = key[0] ? key : NULL;
  if (rc == 0 && pipeline) rc = load_state(&s, pipeline, &st);
  if (rc == 0 && job) {
    const lfh_node *t = node_at(job, "tasks");
    const lfh_node *pid = t && t->kind == LFH_NODE_SEQ && t->n
                              ? node_at(node_at(t->items[0], "pipeline_task"), "pipeline_id")
                              : NULL;
    rc = pid && pid->scalar ? load_state(&s, pid->scalar, &st) : 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  if (rc == 0 && pipeline) {
    update_req q = {pipeline, "USER_ACTION", 0, 0};
    rc = run_update(&s, st, a, &q);
  } else if (rc == 0 && job) {
    rc = run_job(&s, st, a, job);
  }
  lfh_deploy_state_free(st);
  lfh_session_close(&s);
  return rc;
}

int lfh_cmd_run(int argc, char **argv) {
  run_args a = {.continuous = -1};
  int rc = parse_args(argc, argv, &a);
  if (rc == 1) {
    lfh_cmd_run_usage(stdout);
    rc = 0;
  } else if (rc == 0) {
    rc = execute(&a);
  }
  free_list(a.full_refresh, a.n_full_refresh);
  free_list(a.refresh, a.n_refresh);
  free(a.vars);
  return rc;
}
