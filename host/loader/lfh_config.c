/*
 * lfh_config — stage options: value parsing (durations, sizes, typed scalars), checking
 * a bundle's `options:` mapping against a stage's table, and the lf_config objects a
 * stage reads its options from.
 */
#include "util/lfh_mem.h"
#include "lfh_config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/lfh_suggest.h"

/* ------------------------------------------------------------ durations and sizes */

typedef struct unit {
  const char *name;
  long long mult;
} unit;

static const unit duration_units[] = {
    {"us", 1},          {"usec", 1},         {"micros", 1},       {"microsecond", 1},
    {"microseconds", 1},{"ms", 1000},        {"msec", 1000},      {"millis", 1000},
    {"millisecond", 1000}, {"milliseconds", 1000}, {"s", 1000000}, {"sec", 1000000},
    {"secs", 1000000},  {"second", 1000000}, {"seconds", 1000000},{"m", 60000000},
    {"min", 60000000},  {"mins", 60000000},  {"minute", 60000000},{"minutes", 60000000},
    {"h", 3600000000LL},{"hr", 3600000000LL},{"hrs", 3600000000LL},
    {"hour", 3600000000LL}, {"hours", 3600000000LL}, {"d", 86400000000LL},
    {"day", 86400000000LL}, {"days", 86400000000LL}, {"w", 604800000000LL},
    {"week", 604800000000LL}, {"weeks", 604800000000LL}};

static const unit size_units[] = {
    {"b", 1},          {"byte", 1},        {"bytes", 1},
    {"k", 1LL << 10},  {"kb", 1LL << 10},  {"kib", 1LL << 10},
    {"m", 1LL << 20},  {"mb", 1LL << 20},  {"mib", 1LL << 20},
    {"g", 1LL << 30},  {"gb", 1LL << 30},  {"gib", 1LL << 30},
    {"t", 1LL << 40},  {"tb", 1LL << 40},  {"tib", 1LL << 40},
    {"p", 1LL << 50},  {"pb", 1LL << 50},  {"pib", 1LL << 50}};

static long long unit_find(const unit *u, size_t n, const char *s, size_t len) {
  for (size_t i = 0; i < n; i++)
    if (strlen(u[i].name) == len && strncasecmp(u[i].name, s, len) == 0) return u[i].mult;
  return 0;
}

static const char *skip_space(const char *s) {
  while (*s == ' ' || *s == '\t') s++;
  return s;
}

/* Reads "12" or "1.5" (no sign, no exponent) into *v; returns the end or NULL. */
static const char *read_decimal(const char *s, long double *v) {
  const char *p = s;
  long double x = 0, scale = 1;
  int digits = 0;
  for (; isdigit((unsigned char)*p); p++, digits++) x = x * 10 + (*p - '0');
  if (*p == '.') {
    for (p++; isdigit((unsigned char)*p); p++, digits++) x += (*p - '0') * (scale /= 10);
  }
  if (!digits) return NULL;
  *v = x;
  return p;
}

/* One "<number> [space] <unit>" term; `need_unit` refuses a bare number. */
static const char *read_term(const char *s, const unit *u, size_t nu, int need_unit,
                             long double *acc) {
  long double v;
  const char *p = read_decimal(s, &v);
  if (!p) return NULL;
  p = skip_space(p);
  const char *w = p;
  while (isalpha((unsigned char)*p)) p++;
  long long mult = 1;
  if (p > w) {
    if (!(mult = unit_find(u, nu, w, (size_t)(p - w)))) return NULL;
  } else if (need_unit && v != 0) {
    return NULL;
  }
  *acc += v * (long double)mult;
  return skip_space(p);
}

static int parse_units(const char *s, const unit *u, size_t nu, int need_unit, int chain,
                       long long *out) {
  if (!s) return -1;
  long double acc = 0;
  const char *p = skip_space(s);
  if (!*p) return -1;
  do {
    if (!(p = read_term(p, u, nu, need_unit, &acc))) return -1;
  } while (chain && *p);
  if (*p || acc >= (long double)LLONG_MAX) return -1;
  *out = (long long)acc;
  return 0;
}

int lfh_parse_duration_us(const char *s, long long *out) {
  return parse_units(s, duration_units, LFH_ARRAY_LEN(duration_units), 1, 1, out);
}

int lfh_parse_size_bytes(const char *s, long long *out) {
  return parse_units(s, size_units, LFH_ARRAY_LEN(size_units), 0, 0, out);
}

/* Largest unit that divides the value exactly, so bounds print as they were meant. */
static void format_exact(long long v, const char *const *names, const long long *mults,
                         size_t n, char *buf, size_t cap) {
  for (size_t i = 0; i < n; i++)
    if (v != 0 && v % mults[i] == 0) {
      snprintf(buf, cap, "%lld%s", v / mults[i], names[i]);
      return;
    }
  snprintf(buf, cap, "%lld%s", v, names[n - 1]);
}

void lfh_format_duration(long long us, char *buf, size_t cap) {
  static const char *const names[] = {"d", "h", "m", "s", "ms", "us"};
  static const long long mults[] = {86400000000LL, 3600000000LL, 60000000, 1000000, 1000, 1};
  format_exact(us, names, mults, LFH_ARRAY_LEN(names), buf, cap);
}

void lfh_format_size(long long bytes, char *buf, size_t cap) {
  static const char *const names[] = {"TiB", "GiB", "MiB", "KiB", "B"};
  static const long long mults[] = {1LL << 40, 1LL << 30, 1LL << 20, 1LL << 10, 1};
  format_exact(bytes, names, mults, LFH_ARRAY_LEN(names), buf, cap);
}

/* ------------------------------------------------------------ scalars */

/* YAML 1.2 core schema integers: [-+]decimal, 0x hex, 0o octal. */
static int parse_int(const char *s, long long *out) {
  const char *p = s;
  int base = 10, neg = 0;
  if (*p == '-' || *p == '+') neg = *p++ == '-';
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o')) {
    if (neg || s != p) return -1; /* YAML has no signed hex/octal */
    base = p[1] == 'x' ? 16 : 8;
    p += 2;
  }
  if (!isxdigit((unsigned char)*p)) return -1;
  errno = 0;
  char *end = NULL;
  unsigned long long u = strtoull(p, &end, base);
  if (errno || *end || u > (unsigned long long)LLONG_MAX + (unsigned long long)neg) return -1;
  *out = neg ? (long long)(0 - u) : (long long)u;
  return 0;
}

static int parse_double(const char *s, double *out) {
  char *end = NULL;
  if (!*s || isspace((unsigned char)*s)) return -1;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || *end || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

static int parse_bool(const char *s, int *out) {
  static const char *const t[] = {"true", "True", "TRUE"}, *const f[] = {"false", "False", "FALSE"};
  for (size_t i = 0; i < 3; i++) {
    if (strcmp(s, t[i]) == 0) return *out = 1, 0;
    if (strcmp(s, f[i]) == 0) return *out = 0, 0;
  }
  return -1;
}

static int enum_has(const lfh_option_info *o, const char *s) {
  for (size_t i = 0; o->enum_values && o->enum_values[i]; i++)
    if (strcmp(o->enum_values[i], s) == 0) return 1;
  return 0;
}

static void enum_join(const lfh_option_info *o, char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; o->enum_values && o->enum_values[i] && used < cap; i++)
    used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", o->enum_values[i]);
}

/* A bound in the option's own unit, for messages. */
static void format_bound(const lfh_option_info *o, double v, char *buf, size_t cap) {
  if (o->type == LF_CONFIG_DURATION)
    lfh_format_duration((long long)v, buf, cap);
  else if (o->type == LF_CONFIG_SIZE)
    lfh_format_size((long long)v, buf, cap);
  else if (v == floor(v) && fabs(v) < 1e15)
    snprintf(buf, cap, "%.0f", v);
  else
    snprintf(buf, cap, "%g", v);
}

static int check_range(const lfh_option_info *o, double v, const char *shown, char *why,
                       size_t cap) {
  char b[64];
  if ((o->flags & LF_CONFIG_HAS_MIN) && v < o->min) {
    format_bound(o, o->min, b, sizeof b);
    snprintf(why, cap, "%s is below the minimum %s", shown, b);
    return -1;
  }
  if ((o->flags & LF_CONFIG_HAS_MAX) && v > o->max) {
    format_bound(o, o->max, b, sizeof b);
    snprintf(why, cap, "%s is above the maximum %s", shown, b);
    return -1;
  }
  return 0;
}

/* A scalar's value as a number for the range check, or -1 when it does not parse. */
static int scalar_number(const lfh_option_info *o, const char *s, double *v) {
  long long i;
  switch (o->type) {
  case LF_CONFIG_INT:
    if (parse_int(s, &i)) return -1;
    *v = (double)i;
    return 0;
  case LF_CONFIG_DOUBLE: return parse_double(s, v);
  case LF_CONFIG_DURATION:
    if (lfh_parse_duration_us(s, &i)) return -1;
    *v = (double)i;
    return 0;
  case LF_CONFIG_SIZE:
    if (lfh_parse_size_bytes(s, &i)) return -1;
    *v = (double)i;
    return 0;
  default: return -1;
  }
}

static const char *type_example(lf_config_type t) {
  switch (t) {
  case LF_CONFIG_DURATION: return " (e.g. '30s', '10 minutes', '1h30m')";
  case LF_CONFIG_SIZE: return " (e.g. '4096', '64MB', '1 GiB')";
  case LF_CONFIG_BOOL: return " (true or false)";
  default: return "";
  }
}

/* Checks one scalar value. `secret` hides the value in the reason. */
static int check_scalar(const lfh_option_info *o, const char *s, int secret, char *why,
                        size_t cap) {
  char shown[96];
  snprintf(shown, sizeof shown, "'%.80s'", secret ? "***" : s);
  const char *tname = lfh_config_type_name(o->type);
  int b;
  double v;
  switch (o->type) {
  case LF_CONFIG_STRING: return 0;
  case LF_CONFIG_EXPR:
  case LF_CONFIG_SCHEMA:
    if (*s) return 0;
    snprintf(why, cap, "an empty %s is not allowed", tname);
    return -1;
  case LF_CONFIG_BOOL:
    if (parse_bool(s, &b) == 0) return 0;
    break;
  case LF_CONFIG_ENUM: {
    if (enum_has(o, s)) return 0;
    char list[512];
    enum_join(o, list, sizeof list);
    snprintf(why, cap, "%s is not one of %s", shown, list);
    return -1;
  }
  case LF_CONFIG_INT:
  case LF_CONFIG_DOUBLE:
  case LF_CONFIG_DURATION:
  case LF_CONFIG_SIZE:
    if (scalar_number(o, s, &v) == 0) return check_range(o, v, shown, why, cap);
    break;
  default:
    snprintf(why, cap, "a %s needs a %s, not a single value", tname,
             o->type == LF_CONFIG_LIST ? "list" : "mapping");
    return -1;
  }
  snprintf(why, cap, "%s is not a valid %s%s", shown, tname, type_example(o->type));
  return -1;
}

/* ------------------------------------------------------------ flow-style defaults */

static char *trim_dup(const char *s, size_t n) {
  while (n && isspace((unsigned char)*s)) s++, n--;
  while (n && isspace((unsigned char)s[n - 1])) n--;
  return lfh_memdup_str(s, n);
}

static void strv_free(char **v, size_t n) {
  for (size_t i = 0; v && i < n; i++) free(v[i]);
  free(v);
}

/* Splits "[a, b]" / "a, b" (or "{k: v}") into trimmed items. Items cannot hold commas:
 * defaults are short literals written by plugin authors, not user data. */
static int split_flow(const char *text, char open, char close, char ***out, size_t *n) {
  char *body = trim_dup(text, strlen(text));
  char **v = NULL;
  size_t cnt = 0;
  if (!body) return -1;
  size_t len = strlen(body);
  char *p = body;
  if (len >= 2 && body[0] == open && body[len - 1] == close) {
    body[len - 1] = '\0';
    p++;
  }
  char *dummy = trim_dup(p, strlen(p));
  int empty = dummy && !*dummy;
  free(dummy);
  for (char *save = NULL, *tok = empty ? NULL : strtok_r(p, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    /* Kept NULL-terminated: lfh_config_free frees n + 1 slots. */
    char **nv = realloc(v, (cnt + 2) * sizeof *nv);
    if (!nv) goto fail;
    v = nv;
    v[cnt + 1] = NULL;
    if (!(v[cnt] = trim_dup(tok, strlen(tok)))) goto fail;
    cnt++;
  }
  free(body);
  *out = v;
  *n = cnt;
  return 0;
fail:
  strv_free(v, cnt);
  free(body);
  return -1;
}

/* Splits each "k: v" item of a map default into key and value (owned by the out arrays). */
static int split_map(const char *text, char ***keys, char ***vals, size_t *n) {
  char **items = NULL;
  size_t cnt = 0;
  if (split_flow(text, '{', '}', &items, &cnt) != 0) return -1;
  char **k = calloc(cnt + 1, sizeof *k), **v = calloc(cnt + 1, sizeof *v);
  if (!k || !v) goto fail;
  for (size_t i = 0; i < cnt; i++) {
    char *colon = strchr(items[i], ':');
    if (!colon || colon == items[i]) goto fail;
    k[i] = trim_dup(items[i], (size_t)(colon - items[i]));
    v[i] = trim_dup(colon + 1, strlen(colon + 1));
    if (!k[i] || !v[i] || !*k[i]) goto fail;
  }
  strv_free(items, cnt);
  *keys = k;
  *vals = v;
  *n = cnt;
  return 0;
fail:
  strv_free(items, cnt);
  strv_free(k, cnt);
  strv_free(v, cnt);
  return -1;
}

int lfh_option_check_text(const lfh_option_info *o, const char *text, char *why, size_t cap) {
  char **a = NULL, **b = NULL;
  size_t n = 0;
  if (o->type == LF_CONFIG_LIST) {
    if (split_flow(text, '[', ']', &a, &n) != 0) goto bad;
    strv_free(a, n);
    return 0;
  }
  if (o->type == LF_CONFIG_MAP) {
    if (split_map(text, &a, &b, &n) != 0) goto bad;
    strv_free(a, n);
    strv_free(b, n);
    return 0;
  }
  return check_scalar(o, text, 0, why, cap);
bad:
  snprintf(why, cap, "'%.80s' is not a valid %s", text, lfh_config_type_name(o->type));
  return -1;
}

/* ------------------------------------------------------------ checking a bundle */

typedef struct check_ctx {
  const lfh_stage_info *stage;
  const char *yaml_path;
  int production;
  lfh_diags *d;
} check_ctx;

static char *path_join(const char *base, const char *key) {
  char *p = NULL;
  if (asprintf(&p, "%s%s%s", base ? base : "", base && *base ? "." : "", key) < 0) return NULL;
  return p;
}

static void unknown_option(const check_ctx *c, const lfh_map_entry *e, const char *path) {
  const lfh_stage_info *s = c->stage;
  const char **names = calloc(s->n_options + 1, sizeof *names);
  char hint[512] = "";
  for (size_t i = 0; names && i < s->n_options; i++) names[i] = s->options[i].name;
  const char *near = names ? lfh_suggest(e->key, names, s->n_options) : NULL;
  if (near) {
    snprintf(hint, sizeof hint, "did you mean '%s'?", near);
  } else if (s->n_options == 0) {
    snprintf(hint, sizeof hint, "stage '%s' takes no options", s->name);
  } else {
    size_t used = (size_t)snprintf(hint, sizeof hint, "valid options:");
    for (size_t i = 0; i < s->n_options && used < sizeof hint; i++)
      used += (size_t)snprintf(hint + used, sizeof hint - used, " %s", names[i]);
  }
  lfh_diag_add(c->d, LFH_SEV_ERROR, &e->key_mark, path, hint,
               "unknown option '%s' for stage '%s'", e->key, s->name);
  free(names);
}

static const char *node_kind_word(lfh_node_kind k) {
  return k == LFH_NODE_MAP ? "a mapping" : k == LFH_NODE_SEQ ? "a list"
       : k == LFH_NODE_NULL ? "nothing" : "a single value";
}

/* LIST: a sequence of scalars; MAP: a mapping of scalars. */
static void check_collection(const check_ctx *c, const lfh_option_info *o, const lfh_node *v,
                             const char *path) {
  lfh_node_kind want = o->type == LF_CONFIG_LIST ? LFH_NODE_SEQ : LFH_NODE_MAP;
  if (v->kind != want) {
    lfh_diag_add(c->d, LFH_SEV_ERROR, &v->mark, path, NULL,
                 "option '%s' of stage '%s' expects %s of strings, got %s", o->name,
                 c->stage->name, want == LFH_NODE_SEQ ? "a list" : "a mapping",
                 node_kind_word(v->kind));
    return;
  }
  for (size_t i = 0; i < v->n; i++) {
    const lfh_node *item = want == LFH_NODE_SEQ ? v->items[i] : v->entries[i].value;
    if (item && item->kind == LFH_NODE_SCALAR) continue;
    lfh_diag_add(c->d, LFH_SEV_ERROR, item ? &item->mark : &v->mark, path, NULL,
                 "option '%s' of stage '%s' expects strings as %s, got %s", o->name,
                 c->stage->name, want == LFH_NODE_SEQ ? "items" : "values",
                 node_kind_word(item ? item->kind : LFH_NODE_NULL));
    return;
  }
}

/* A secret must come from ${secrets...}; a literal is a leak waiting to happen in
 * version control, so production refuses it and development warns. */
static void check_secret(const check_ctx *c, const lfh_option_info *o, const lfh_node *v,
                         const char *path) {
  if (!(o->flags & LF_CONFIG_SECRET) || v->secret) return;
  lfh_diag_add(c->d, c->production ? LFH_SEV_ERROR : LFH_SEV_WARNING, &v->mark, path,
               "write it as ${secrets.SCOPE.KEY}, e.g. ${secrets.env.NAME}",
               "option '%s' of stage '%s' is a secret but is set to a literal value", o->name,
               c->stage->name);
}

static void check_value(const check_ctx *c, const lfh_option_info *o, const lfh_node *v,
                        const char *path) {
  char why[640];
  if (v->kind == LFH_NODE_NULL) {
    lfh_diag_add(c->d, LFH_SEV_ERROR, &v->mark, path, NULL,
                 "option '%s' of stage '%s' has no value", o->name, c->stage->name);
    return;
  }
  if (o->type == LF_CONFIG_LIST || o->type == LF_CONFIG_MAP) {
    check_collection(c, o, v, path);
    return;
  }
  if (v->kind != LFH_NODE_SCALAR) {
    lfh_diag_add(c->d, LFH_SEV_ERROR, &v->mark, path, NULL,
                 "option '%s' of stage '%s' expects %s %s, got %s", o->name, c->stage->name,
                 o->type == LF_CONFIG_INT || o->type == LF_CONFIG_ENUM || o->type == LF_CONFIG_EXPR
                     ? "an" : "a",
                 lfh_config_type_name(o->type), node_kind_word(v->kind));
    return;
  }
  if (check_scalar(o, v->scalar, v->secret || (o->flags & LF_CONFIG_SECRET), why,
                   sizeof why) != 0) {
    const char *near = NULL;
    char hint[128] = "";
    if (o->type == LF_CONFIG_ENUM && o->enum_values) {
      size_t n = 0;
      while (o->enum_values[n]) n++;
      near = lfh_suggest(v->scalar, (const char *const *)o->enum_values, n);
      if (near) snprintf(hint, sizeof hint, "did you mean '%s'?", near);
    }
    lfh_diag_add(c->d, LFH_SEV_ERROR, &v->mark, path, hint, "option '%s' of stage '%s': %s",
                 o->name, c->stage->name, why);
  }
  check_secret(c, o, v, path);
}

static void check_entry(const check_ctx *c, const lfh_map_entry *e) {
  char *path = path_join(c->yaml_path, e->key);
  const lfh_option_info *o = lfh_stage_find_option(c->stage, e->key);
  if (!o)
    unknown_option(c, e, path);
  else if (e->value)
    check_value(c, o, e->value, path);
  free(path);
}

static void check_required(const check_ctx *c, const lfh_node *options,
                           const lfh_mark *parent_mark) {
  const lfh_mark *mark = options ? &options->mark : parent_mark;
  for (size_t i = 0; i < c->stage->n_options; i++) {
    const lfh_option_info *o = &c->stage->options[i];
    if (!(o->flags & LF_CONFIG_REQUIRED)) continue;
    if (options && options->kind == LFH_NODE_MAP && lfh_map_get(options, o->name)) continue;
    lfh_diag_add(c->d, LFH_SEV_ERROR, mark, c->yaml_path, NULL,
                 "missing required option '%s' for stage '%s'", o->name, c->stage->name);
  }
}

size_t lfh_config_check(const lfh_stage_info *stage, const lfh_node *options,
                        const char *yaml_path, const lfh_mark *parent_mark, int production,
                        lfh_diags *d) {
  check_ctx c = {stage, yaml_path, production, d};
  size_t before = lfh_diags_count(d, LFH_SEV_ERROR);
  if (options && options->kind == LFH_NODE_MAP) {
    for (size_t i = 0; i < options->n; i++) check_entry(&c, &options->entries[i]);
  } else if (options && options->kind != LFH_NODE_NULL) {
    lfh_diag_add(d, LFH_SEV_ERROR, &options->mark, yaml_path, NULL,
                 "options of stage '%s' must be a mapping, got %s", stage->name,
                 node_kind_word(options->kind));
  }
  check_required(&c, options && options->kind == LFH_NODE_NULL ? NULL : options,
                 parent_mark);
  return lfh_diags_count(d, LFH_SEV_ERROR) - before;
}

/* ------------------------------------------------------------ lf_config objects */

typedef struct cfg_val {
  const lfh_option_info *opt; /* borrowed from the stage info */
  int set;
  char *text;   /* owned: scalar text as written */
  long long i;  /* INT, BOOL, DURATION (us), SIZE (bytes) */
  double d;     /* DOUBLE */
  char **keys;  /* owned, MAP only */
  char **vals;  /* owned: LIST items or MAP values */
  size_t n;
} cfg_val;

struct lf_config {
  cfg_val *v; /* owned, one per option of the stage */
  size_t n;
};

/* Converts checked scalar text into the typed slot. */
static int val_from_text(cfg_val *v, const char *text) {
  int b = 0;
  v->text = strdup(text);
  if (!v->text) return -1;
  switch (v->opt->type) {
  case LF_CONFIG_INT: return parse_int(text, &v->i);
  case LF_CONFIG_DOUBLE: return parse_double(text, &v->d);
  case LF_CONFIG_BOOL:
    if (parse_bool(text, &b)) return -1;
    v->i = b;
    return 0;
  case LF_CONFIG_DURATION: return lfh_parse_duration_us(text, &v->i);
  case LF_CONFIG_SIZE: return lfh_parse_size_bytes(text, &v->i);
  case LF_CONFIG_LIST: return split_flow(text, '[', ']', &v->vals, &v->n);
  case LF_CONFIG_MAP: return split_map(text, &v->keys, &v->vals, &v->n);
  default: return 0;
  }
}

static int val_from_node(cfg_val *v, const lfh_node *node) {
  int is_list = v->opt->type == LF_CONFIG_LIST, is_map = v->opt->type == LF_CONFIG_MAP;
  if (!is_list && !is_map)
    return node->kind == LFH_NODE_SCALAR ? val_from_text(v, node->scalar) : -1;
  if (node->kind != (is_list ? LFH_NODE_SEQ : LFH_NODE_MAP)) return -1;
  v->vals = calloc(node->n + 1, sizeof *v->vals);
  if (is_map) v->keys = calloc(node->n + 1, sizeof *v->keys);
  if (!v->vals || (is_map && !v->keys)) return -1;
  for (size_t i = 0; i < node->n; i++, v->n++) {
    const lfh_node *item = is_list ? node->items[i] : node->entries[i].value;
    if (!item || item->kind != LFH_NODE_SCALAR || !(v->vals[i] = strdup(item->scalar)))
      return -1;
    if (is_map && !(v->keys[i] = strdup(node->entries[i].key))) return -1;
  }
  return 0;
}

void lfh_config_free(lf_config *cfg) {
  if (!cfg) return;
  for (size_t i = 0; i < cfg->n; i++) {
    free(cfg->v[i].text);
    /* vals/keys may hold one more item than n when conversion failed midway. */
    strv_free(cfg->v[i].vals, cfg->v[i].n + 1);
    strv_free(cfg->v[i].keys, cfg->v[i].n + 1);
  }
  free(cfg->v);
  free(cfg);
}

lf_config *lfh_config_new(const lfh_stage_info *stage, const lfh_node *options) {
  lf_config *cfg = calloc(1, sizeof *cfg);
  if (!cfg || !(cfg->v = calloc(stage->n_options + 1, sizeof *cfg->v))) goto fail;
  cfg->n = stage->n_options;
  for (size_t i = 0; i < stage->n_options; i++) {
    cfg_val *v = &cfg->v[i];
    v->opt = &stage->options[i];
    const lfh_node *node =
        options && options->kind == LFH_NODE_MAP ? lfh_map_get(options, v->opt->name) : NULL;
    if (node && node->kind != LFH_NODE_NULL) {
      if (val_from_node(v, node) != 0) goto fail;
    } else if (v->opt->default_value) {
      if (val_from_text(v, v->opt->default_value) != 0) goto fail;
    } else {
      continue;
    }
    v->set = 1;
  }
  return cfg;
fail:
  lfh_config_free(cfg);
  return NULL;
}

/* The option `name` when it exists and has one of the accepted types. */
static int cfg_find(const lf_config *cfg, const char *name, unsigned type_mask,
                    const cfg_val **out) {
  if (!cfg || !name) return LF_ERR_INVALID;
  for (size_t i = 0; i < cfg->n; i++) {
    if (strcmp(cfg->v[i].opt->name, name) != 0) continue;
    if (!(type_mask & (1u << cfg->v[i].opt->type))) return LF_ERR_INVALID;
    if (!cfg->v[i].set) return LF_ERR_NOT_FOUND;
    *out = &cfg->v[i];
    return LF_OK;
  }
  return LF_ERR_INVALID;
}

#define T(x) (1u << (x))

int lfh_config_get_string(const lf_config *cfg, const char *name, const char **out) {
  const cfg_val *v = NULL;
  int rc = cfg_find(cfg, name,
                    T(LF_CONFIG_STRING) | T(LF_CONFIG_ENUM) | T(LF_CONFIG_EXPR) |
                        T(LF_CONFIG_SCHEMA), &v);
  if (rc == LF_OK) *out = v->text;
  return rc;
}

static int get_ll(const lf_config *cfg, const char *name, unsigned mask, int64_t *out) {
  const cfg_val *v = NULL;
  int rc = cfg_find(cfg, name, mask, &v);
  if (rc == LF_OK) *out = v->i;
  return rc;
}

int lfh_config_get_int(const lf_config *cfg, const char *name, int64_t *out) {
  return get_ll(cfg, name, T(LF_CONFIG_INT), out);
}

int lfh_config_get_duration_us(const lf_config *cfg, const char *name, int64_t *out) {
  return get_ll(cfg, name, T(LF_CONFIG_DURATION), out);
}

int lfh_config_get_size_bytes(const lf_config *cfg, const char *name, int64_t *out) {
  return get_ll(cfg, name, T(LF_CONFIG_SIZE), out);
}

int lfh_config_get_bool(const lf_config *cfg, const char *name, int *out) {
  int64_t b = 0;
  int rc = get_ll(cfg, name, T(LF_CONFIG_BOOL), &b);
  if (rc == LF_OK) *out = (int)b;
  return rc;
}

/* An INT option reads as a double too: a plugin asking for a ratio should not care
 * whether the author typed 1 or 1.0 in the table's type. */
int lfh_config_get_double(const lf_config *cfg, const char *name, double *out) {
  const cfg_val *v = NULL;
  int rc = cfg_find(cfg, name, T(LF_CONFIG_DOUBLE) | T(LF_CONFIG_INT), &v);
  if (rc == LF_OK) *out = v->opt->type == LF_CONFIG_INT ? (double)v->i : v->d;
  return rc;
}

int lfh_config_get_list_count(const lf_config *cfg, const char *name, size_t *out) {
  const cfg_val *v = NULL;
  int rc = cfg_find(cfg, name, T(LF_CONFIG_LIST), &v);
  if (rc == LF_OK) *out = v->n;
  return rc;
}

int lfh_config_get_list_item(const lf_config *cfg, const char *name, size_t i,
                             const char **out) {
  const cfg_val *v = NULL;
  int rc = cfg_find(cfg, name, T(LF_CONFIG_LIST), &v);
  if (rc == LF_OK && i >= v->n) rc = LF_ERR_NOT_FOUND;
  if (rc == LF_OK) *out = v->vals[i];
  return rc;
}

int lfh_config_get_map_count(const lf_config *cfg, const char *name, size_t *out) {
  const cfg_val *v = NULL;
  int rc = cfg_find(cfg, name, T(LF_CONFIG_MAP), &v);
  if (rc == LF_OK) *out = v->n;
  return rc;
}

int lfh_config_get_map_entry(const lf_config *cfg, const char *name, size_t i,
                             const char **key, const char **value) {
  const cfg_val *v = NULL;
  int rc = cfg_find(cfg, name, T(LF_CONFIG_MAP), &v);
  if (rc == LF_OK && i >= v->n) rc = LF_ERR_NOT_FOUND;
  if (rc == LF_OK) {
    *key = v->keys[i];
    *value = v->vals[i];
  }
  return rc;
}
