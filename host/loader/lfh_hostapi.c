/*
 * lfh_hostapi — the lf_host table: logging with redaction, metrics, config getters,
 * secrets and extensions. Plugins call these from any thread, so shared state sits
 * behind one mutex (logging and metrics are not hot enough to need more).
 */
#include "lfh_hostapi.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/lfh_expr_api.h"
#include "lfh_config.h"
#include "lfh_loader.h"
#include "lfh_objstore_api.h"
#include "util/lfh_mem.h"

#ifndef LFH_VERSION
#define LFH_VERSION "0.0.0"
#endif

struct lf_stage_ctx {
  char *pipeline, *flow, *stage; /* owned, may be NULL */
  char *label;                   /* owned: "pipeline/flow/stage" */
};

typedef struct metric {
  char *scope, *name; /* owned */
  int is_gauge;
  int64_t count;
  double gauge;
} metric;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char **g_secrets; /* owned, sorted longest first so overlaps redact fully */
static size_t g_n_secrets;
static metric *g_metrics;
static size_t g_n_metrics;
static int g_level = -1; /* -1: read LFHOST_LOG on first use */
static FILE *g_stream;   /* NULL: stderr */

/* ------------------------------------------------------------ contexts */

lf_stage_ctx *lfh_stage_ctx_new(const char *pipeline, const char *flow, const char *stage) {
  lf_stage_ctx *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  const char *parts[] = {pipeline, flow, stage};
  size_t len = 1;
  for (size_t i = 0; i < 3; i++) len += parts[i] ? strlen(parts[i]) + 1 : 0;
  c->label = calloc(1, len);
  if (!c->label || lfh_dup_or_null(pipeline, &c->pipeline) || lfh_dup_or_null(flow, &c->flow) ||
      lfh_dup_or_null(stage, &c->stage))
    goto fail;
  for (size_t i = 0; i < 3; i++) {
    if (!parts[i]) continue;
    if (c->label[0]) strcat(c->label, "/");
    strcat(c->label, parts[i]);
  }
  return c;
fail:
  lfh_stage_ctx_free(c);
  return NULL;
}

void lfh_stage_ctx_free(lf_stage_ctx *ctx) {
  if (!ctx) return;
  free(ctx->pipeline);
  free(ctx->flow);
  free(ctx->stage);
  free(ctx->label);
  free(ctx);
}

const char *lfh_stage_ctx_label(const lf_stage_ctx *ctx) { return ctx ? ctx->label : ""; }

/* ------------------------------------------------------------ redaction */

int lfh_redact_register(const char *secret) {
  if (!secret || !*secret) return 0;
  char *copy = strdup(secret);
  if (!copy) return -1;
  pthread_mutex_lock(&g_lock);
  char **v = realloc(g_secrets, (g_n_secrets + 1) * sizeof *v);
  if (!v) {
    pthread_mutex_unlock(&g_lock);
    free(copy);
    return -1;
  }
  g_secrets = v;
  size_t i = g_n_secrets++;
  for (; i > 0 && strlen(v[i - 1]) < strlen(copy); i--) v[i] = v[i - 1];
  v[i] = copy;
  pthread_mutex_unlock(&g_lock);
  return 0;
}

/* Caller holds g_lock. */
static char *redact_locked(const char *text) {
  size_t cap = strlen(text) + 1, o = 0;
  char *out = malloc(cap);
  if (!out) return NULL;
  for (const char *p = text; *p;) {
    size_t k = 0;
    for (size_t i = 0; i < g_n_secrets && !k; i++)
      if (strncmp(p, g_secrets[i], strlen(g_secrets[i])) == 0) k = strlen(g_secrets[i]);
    /* "***" never outgrows a match of 3+ bytes; shorter secrets need room. */
    if (o + 4 > cap) {
      char *n = realloc(out, cap *= 2);
      if (!n) return free(out), NULL;
      out = n;
    }
    if (k) {
      memcpy(out + o, "***", 3);
      o += 3;
      p += k;
    } else {
      out[o++] = *p++;
    }
  }
  out[o] = '\0';
  return out;
}

char *lfh_redact(const char *text) {
  pthread_mutex_lock(&g_lock);
  char *r = redact_locked(text ? text : "");
  pthread_mutex_unlock(&g_lock);
  return r;
}

/* ------------------------------------------------------------ logging */

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error"};

static int level_from_env(void) {
  const char *s = getenv("LFHOST_LOG");
  for (int i = 0; s && i < 5; i++)
    if (strcasecmp(s, level_names[i]) == 0) return i;
  if (s && strcasecmp(s, "warning") == 0) return LF_LOG_WARN;
  return LF_LOG_INFO;
}

void lfh_log_set_level(lf_log_level level) {
  pthread_mutex_lock(&g_lock);
  g_level = (int)level;
  pthread_mutex_unlock(&g_lock);
}

lf_log_level lfh_log_get_level(void) {
  pthread_mutex_lock(&g_lock);
  if (g_level < 0) g_level = level_from_env();
  int l = g_level;
  pthread_mutex_unlock(&g_lock);
  return (lf_log_level)l;
}

void lfh_log_set_stream(FILE *f) {
  pthread_mutex_lock(&g_lock);
  g_stream = f;
  pthread_mutex_unlock(&g_lock);
}

static int log_enabled(lf_stage_ctx *ctx, int32_t level) {
  (void)ctx;
  return (int)level >= (int)lfh_log_get_level() && (int)level <= LF_LOG_ERROR;
}

LF_PRINTF(3, 0)
static void log_v(lf_stage_ctx *ctx, int32_t level, const char *fmt, va_list ap) {
  if (!fmt || !log_enabled(ctx, level)) return;
  char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0) return;
  pthread_mutex_lock(&g_lock);
  char *clean = redact_locked(msg);
  /* Without memory for the redacted copy, dropping the line is the only safe choice. */
  if (clean) {
    const char *label = ctx && ctx->label[0] ? ctx->label : "lfhost";
    fprintf(g_stream ? g_stream : stderr, "[%s] %s: %s\n", level_names[level], label, clean);
  }
  pthread_mutex_unlock(&g_lock);
  free(clean);
  free(msg);
}

void lfh_log(lf_stage_ctx *ctx, lf_log_level level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  log_v(ctx, level, fmt, ap);
  va_end(ap);
}

/* ------------------------------------------------------------ metrics */

static int metric_name_ok(const char *s) {
  if (!s || !(*s >= 'a' && *s <= 'z')) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.'))
      return 0;
  return 1;
}

/* Caller holds g_lock. Returns the metric, creating it, or NULL on ENOMEM. */
static metric *metric_get(const char *scope, const char *name, int is_gauge, int create) {
  for (size_t i = 0; i < g_n_metrics; i++) {
    metric *m = &g_metrics[i];
    if (m->is_gauge == is_gauge && strcmp(m->scope, scope) == 0 && strcmp(m->name, name) == 0)
      return m;
  }
  if (!create) return NULL;
  metric *v = realloc(g_metrics, (g_n_metrics + 1) * sizeof *v);
  if (!v) return NULL;
  g_metrics = v;
  metric m = {strdup(scope), strdup(name), is_gauge, 0, 0};
  if (!m.scope || !m.name) {
    free(m.scope);
    free(m.name);
    return NULL;
  }
  g_metrics[g_n_metrics] = m;
  return &g_metrics[g_n_metrics++];
}

static void counter_add(lf_stage_ctx *ctx, const char *name, int64_t delta) {
  if (!metric_name_ok(name)) return;
  pthread_mutex_lock(&g_lock);
  metric *m = metric_get(lfh_stage_ctx_label(ctx), name, 0, 1);
  if (m) m->count += delta;
  pthread_mutex_unlock(&g_lock);
}

static void gauge_set(lf_stage_ctx *ctx, const char *name, double value) {
  if (!metric_name_ok(name)) return;
  pthread_mutex_lock(&g_lock);
  metric *m = metric_get(lfh_stage_ctx_label(ctx), name, 1, 1);
  if (m) m->gauge = value;
  pthread_mutex_unlock(&g_lock);
}

int lfh_metric_counter(const char *scope, const char *name, int64_t *out) {
  pthread_mutex_lock(&g_lock);
  metric *m = metric_get(scope ? scope : "", name, 0, 0);
  if (m) *out = m->count;
  pthread_mutex_unlock(&g_lock);
  return m ? 0 : -1;
}

int lfh_metric_gauge(const char *scope, const char *name, double *out) {
  pthread_mutex_lock(&g_lock);
  metric *m = metric_get(scope ? scope : "", name, 1, 0);
  if (m) *out = m->gauge;
  pthread_mutex_unlock(&g_lock);
  return m ? 0 : -1;
}

void lfh_hostapi_reset(void) {
  pthread_mutex_lock(&g_lock);
  for (size_t i = 0; i < g_n_secrets; i++) free(g_secrets[i]);
  free(g_secrets);
  g_secrets = NULL;
  g_n_secrets = 0;
  for (size_t i = 0; i < g_n_metrics; i++) {
    free(g_metrics[i].scope);
    free(g_metrics[i].name);
  }
  free(g_metrics);
  g_metrics = NULL;
  g_n_metrics = 0;
  pthread_mutex_unlock(&g_lock);
}

/* ------------------------------------------------------------ secrets */

LF_PRINTF(3, 4)
static int err_set(lf_error *err, int code, const char *fmt, ...) {
  if (err) {
    err->code = code;
    if (err->message && err->message_cap) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(err->message, err->message_cap, fmt, ap);
      va_end(ap);
    }
  }
  return code;
}

/* Reads a secret file into buf, dropping one trailing newline (editors add it). */
static int read_secret_file(const char *path, char *buf, size_t cap, lf_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return err_set(err, LF_ERR_NOT_FOUND, "secret file '%s' cannot be read", path);
  size_t n = fread(buf, 1, cap, f);
  int too_big = n == cap, failed = ferror(f);
  fclose(f);
  if (failed) return err_set(err, LF_ERR_IO, "secret file '%s' cannot be read", path);
  if (too_big)
    return err_set(err, LF_ERR_INVALID, "secret file '%s' is larger than the buffer", path);
  if (n && buf[n - 1] == '\n') n--;
  if (n && buf[n - 1] == '\r') n--;
  buf[n] = '\0';
  return LF_OK;
}

static int secret_get(lf_stage_ctx *ctx, const char *ref, char *buf, size_t cap,
                      lf_error *err) {
  (void)ctx;
  int rc;
  if (!ref || !buf || cap == 0) return err_set(err, LF_ERR_INVALID, "bad secret_get arguments");
  if (strncmp(ref, "env.", 4) == 0) {
    const char *v = getenv(ref + 4);
    if (!v) return err_set(err, LF_ERR_NOT_FOUND, "environment variable '%s' is not set", ref + 4);
    if (strlen(v) >= cap)
      return err_set(err, LF_ERR_INVALID, "secret '%s' is larger than the buffer", ref);
    strcpy(buf, v);
  } else if (strncmp(ref, "file.", 5) == 0) {
    if ((rc = read_secret_file(ref + 5, buf, cap, err)) != LF_OK) return rc;
  } else {
    return err_set(err, LF_ERR_NOT_FOUND, "no secret provider for '%s' (use env.NAME or file.PATH)",
                   ref);
  }
  if (lfh_redact_register(buf) != 0) {
    /* An unredactable secret must not be handed out: it could reach the logs. */
    memset(buf, 0, cap);
    return err_set(err, LF_ERR_NOMEM, "out of memory");
  }
  return LF_OK;
}

/* ------------------------------------------------------------ the table */

LF_PRINTF(3, 4)
static void host_log(lf_stage_ctx *ctx, int32_t level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  log_v(ctx, level, fmt, ap);
  va_end(ap);
}

/* No extensions yet: every id is "not provided". */
static const void *get_extension(const lf_host *host, const char *id) {
  (void)host;
  (void)id;
  return NULL;
}

static const lf_host g_host = {
    .struct_size = sizeof(lf_host),
    .abi_major = LF_ABI_MAJOR,
    .abi_minor = LF_ABI_MINOR,
    .host_version = LFH_VERSION,
    .log = host_log,
    .log_enabled = log_enabled,
    .counter_add = counter_add,
    .gauge_set = gauge_set,
    .config_string = lfh_config_get_string,
    .config_int = lfh_config_get_int,
    .config_double = lfh_config_get_double,
    .config_bool = lfh_config_get_bool,
    .config_duration_us = lfh_config_get_duration_us,
    .config_size_bytes = lfh_config_get_size_bytes,
    .config_list_count = lfh_config_get_list_count,
    .config_list_item = lfh_config_get_list_item,
    .config_map_count = lfh_config_get_map_count,
    .config_map_entry = lfh_config_get_map_entry,
    .secret_get = secret_get,
    .get_extension = get_extension,
    .objstore = &lfh_objstore_api_table,
    .tables = NULL,
    .expr = &lfh_expr_api_table,
};

const lf_host *lfh_host_table(void) { return &g_host; }
