/*
 * lfh_cmd_table — `lfhost table`: describe, history and show of an Iceberg table, by
 * `catalog.schema.table` resolved against a bundle or by its folder (--location).
 *
 * Every listing is first collected into a grid of cells (a display text and a JSON
 * literal per cell), then printed in the chosen format, so the three formats always
 * carry the same values. `show` collects at most --limit rows and stops the scan there.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/lfh_cli_args.h"
#include "bundle/lfh_bundle.h"
#include "lf/lf_array.h"
#include "lfh_cmd_table.h"
#include "table/lfh_table.h"
#include "util/lfh_clock.h"

#define TBL_DEFAULT_SHOW_LIMIT 20
#define TBL_LIMIT_REACHED 1 /* scan callback's "stop": enough rows, not an error */
/* Decimal digits that fit epoch milliseconds until the year 5138; snapshot ids are
 * random 63-bit numbers, almost always longer, so a short number is read as a time. */
#define TBL_MAX_EPOCH_MS 100000000000000LL
#define TBL_DEFAULT_FILE_ROWS 1000000      /* optimize: rows per compacted file */
#define TBL_DEFAULT_OLDER_THAN_MS (7LL * 24 * 3600 * 1000) /* vacuum: 7 days, as Spark */
#define TBL_MAX_CLUSTER_KEYS 16

typedef enum tbl_fmt { TBL_TABLE, TBL_CSV, TBL_JSON } tbl_fmt;

typedef struct tbl_args {
  const char *sub;
  const char *name;
  const char *bundle;
  const char *target;
  const char *location;
  const char *as_of;
  const char *columns;
  long limit; /* -1: the subcommand's default; 0: no limit */
  tbl_fmt fmt;
  const char *cluster_by;  /* optimize: overrides the bundle's cluster_by */
  long file_rows;          /* optimize */
  int64_t older_than_ms;   /* vacuum */
  long retain_last;        /* vacuum */
} tbl_args;

/* Where the table lives: a store and the table's key prefix inside it. */
typedef struct tbl_ref {
  lfh_store *store;
  char *prefix;
  char *uri;         /* the table folder's URI, for messages */
  const char *label; /* NAME, or the location as given */
  char *cluster[TBL_MAX_CLUSTER_KEYS]; /* the bundle dataset's cluster_by */
  size_t n_cluster;
} tbl_ref;

/* Cells are row-major; text == NULL is a null value (json is then "null"). */
typedef struct tbl_grid {
  const char **cols;
  size_t n_cols;
  char **text;
  char **json;
  size_t n_rows, cap_rows;
} tbl_grid;

/* ------------------------------------------------------------ usage */

static const char *const usage_common =
    "  NAME                    catalog.schema.table, found under the storage of the bundle's\n"
    "                          pipeline with that catalog and schema (else the first one)\n"
    "      --bundle FILE       bundle file (default: ./databricks.yml or ./bundle.yml)\n"
    "  -t, --target TARGET     bundle target (default: the default target)\n"
    "      --location DIR      the table folder (a path or file:// URI); NAME optional\n"
    "  -h, --help              show this help\n";

void lfh_cmd_table_usage(FILE *out) {
  fputs("Usage: lfhost table COMMAND [NAME] [options]\n"
        "\n"
        "Look at the Iceberg tables a pipeline writes.\n"
        "\n"
        "Commands:\n"
        "  describe   location, format, current snapshot, schema, properties, totals\n"
        "  history    the snapshots of the current ancestry, newest first\n"
        "  show       rows of the current snapshot or of an older one (--as-of)\n"
        "  optimize   compact small data files (clustered by the dataset's cluster_by)\n"
        "  vacuum     expire old snapshots and remove files nothing references\n"
        "\n"
        "Run 'lfhost table COMMAND --help' for the options of one command.\n"
        "\n"
        "Exit status: 0 success, 1 the table could not be read, 2 usage error.\n",
        out);
}

static void sub_usage(const char *sub, FILE *out) {
  if (strcmp(sub, "describe") == 0)
    fputs("Usage: lfhost table describe NAME [options]\n\n"
          "Location, format version, uuid, current snapshot, schema (field ids, types,\n"
          "requiredness), properties, and the row and file totals of the snapshot.\n\n",
          out);
  else if (strcmp(sub, "history") == 0)
    fputs("Usage: lfhost table history NAME [options]\n\n"
          "One row per snapshot of the current ancestry, newest first: id, parent, time\n"
          "(UTC), operation, added and total records, lf.flow-id and lf.epoch.\n\n"
          "      --limit N           at most N snapshots (default: all)\n",
          out);
  else if (strcmp(sub, "show") == 0)
    fputs("Usage: lfhost table show NAME [options]\n\n"
          "Rows of the current snapshot, or of the one given by --as-of.\n\n"
          "      --as-of WHEN        a snapshot id, an ISO-8601 time (2026-11-24T09:00:00Z)\n"
          "                          or epoch milliseconds: the snapshot current then\n"
          "      --limit N           at most N rows (default 20; 0: all)\n"
          "      --columns A,B       only these top-level columns, in this order\n",
          out);
  else if (strcmp(sub, "optimize") == 0)
    fputs("Usage: lfhost table optimize NAME [options]\n\n"
          "Rewrites the live data files into fewer, larger ones (one \"replace\" snapshot,\n"
          "same rows), sorted by the dataset's cluster_by when the bundle declares one.\n\n"
          "      --cluster-by A,B    sort by these top-level columns instead\n"
          "      --file-rows N       at most N rows per file (default 1000000; 0: one file)\n",
          out);
  else
    fputs("Usage: lfhost table vacuum NAME [options]\n\n"
          "Expires snapshots older than --older-than (keeping the --retain-last newest of\n"
          "the current ancestry and every referenced one), deletes the files only they\n"
          "reached, then deletes unreferenced (orphan) files older than --older-than.\n\n"
          "      --older-than AGE    N[smhd] (default 7d); bare N is seconds\n"
          "      --retain-last N     snapshots always kept (default 1)\n",
          out);
  if (strcmp(sub, "describe") == 0 || strcmp(sub, "history") == 0 ||
      strcmp(sub, "show") == 0)
    fputs("  -o, --output FORMAT     table (default), csv (RFC 4180) or json (JSON Lines;\n"
          "                          describe: one object)\n",
          out);
  fputs(usage_common, out);
}

/* ------------------------------------------------------------ arguments */

static int is_sub(const char *s) {
  static const char *const subs[] = {"describe", "history", "show", "optimize", "vacuum"};
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
    if (strcmp(s, subs[i]) == 0) return 1;
  return 0;
}

static int parse_fmt(const char *s, tbl_fmt *out) {
  if (strcmp(s, "table") == 0) *out = TBL_TABLE;
  else if (strcmp(s, "csv") == 0) *out = TBL_CSV;
  else if (strcmp(s, "json") == 0) *out = TBL_JSON;
  else return -1;
  return 0;
}

/* "30", "30s", "15m", "12h", "7d" -> milliseconds. */
static int parse_age(const char *s, int64_t *ms) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  int64_t unit = 1000;
  if (!errno && end != s && v >= 0 && end[0] && !end[1]) {
    unit = end[0] == 's' ? 1000 : end[0] == 'm' ? 60000 : end[0] == 'h' ? 3600000
         : end[0] == 'd' ? 86400000 : 0;
    end++;
  }
  if (errno || end == s || *end || v < 0 || unit == 0 || v > INT64_MAX / 86400000) {
    fprintf(stderr, "Error: --older-than expects an age such as 7d, 12h, 30m or 45s, got "
                    "'%s'\n", s);
    return 2;
  }
  *ms = (int64_t)v * unit;
  return 0;
}

static int parse_count(const char *opt, const char *s, long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < 0 || v > INT32_MAX) {
    fprintf(stderr, "Error: %s expects a number >= 0, got '%s'\n", opt, s);
    return 2;
  }
  *out = v;
  return 0;
}

/* Returns 0, 1 when --help was asked, or 2 on a usage error (already reported).
 * argv[0] is the subcommand. */
static int parse_args(int argc, char **argv, tbl_args *a) {
  enum {
    OPT_BUNDLE = 256, OPT_LOCATION, OPT_AS_OF, OPT_LIMIT, OPT_COLUMNS,
    OPT_CLUSTER_BY, OPT_FILE_ROWS, OPT_OLDER_THAN, OPT_RETAIN_LAST
  };
  static const struct option opts[] = {
      {"bundle", required_argument, NULL, OPT_BUNDLE},
      {"target", required_argument, NULL, 't'},
      {"location", required_argument, NULL, OPT_LOCATION},
      {"as-of", required_argument, NULL, OPT_AS_OF},
      {"limit", required_argument, NULL, OPT_LIMIT},
      {"columns", required_argument, NULL, OPT_COLUMNS},
      {"output", required_argument, NULL, 'o'},
      {"cluster-by", required_argument, NULL, OPT_CLUSTER_BY},
      {"file-rows", required_argument, NULL, OPT_FILE_ROWS},
      {"older-than", required_argument, NULL, OPT_OLDER_THAN},
      {"retain-last", required_argument, NULL, OPT_RETAIN_LAST},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":t:o:h", opts, NULL)) != -1) {
    switch (c) {
    case OPT_BUNDLE: a->bundle = optarg; break;
    case 't': a->target = optarg; break;
    case OPT_LOCATION: a->location = optarg; break;
    case OPT_AS_OF: a->as_of = optarg; break;
    case OPT_COLUMNS: a->columns = optarg; break;
    case OPT_LIMIT:
      if (lfh_cli_parse_limit(optarg, &a->limit) != 0) return 2;
      break;
    case OPT_CLUSTER_BY: a->cluster_by = optarg; break;
    case OPT_FILE_ROWS:
      if (parse_count("--file-rows", optarg, &a->file_rows) != 0) return 2;
      break;
    case OPT_OLDER_THAN:
      if (parse_age(optarg, &a->older_than_ms) != 0) return 2;
      break;
    case OPT_RETAIN_LAST:
      if (parse_count("--retain-last", optarg, &a->retain_last) != 0) return 2;
      break;
    case 'o':
      if (parse_fmt(optarg, &a->fmt) != 0) {
        fprintf(stderr, "Error: unknown output format '%s' (use table, csv or json)\n", optarg);
        return 2;
      }
      break;
    case 'h': return 1;
    case ':':
      fprintf(stderr, "Error: option '%s' needs a value\n", argv[optind - 1]);
      return 2;
    default:
      fprintf(stderr, "Error: unknown option '%s' (see 'lfhost table %s --help')\n",
              argv[optind - 1], a->sub);
      return 2;
    }
  }
  if (optind < argc) a->name = argv[optind++];
  if (optind < argc) {
    fprintf(stderr, "Error: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  if (!a->name && !a->location) {
    fprintf(stderr, "Error: lfhost table %s needs NAME (catalog.schema.table) or --location\n",
            a->sub);
    return 2;
  }
  return 0;
}

/* ------------------------------------------------------------ small text helpers */

static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...) {
  va_list ap;
  char *s = NULL;
  va_start(ap, fmt);
  if (vasprintf(&s, fmt, ap) < 0) s = NULL;
  va_end(ap);
  return s;
}

static void json_quote(FILE *f, const char *s, size_t len) {
  fputc('"', f);
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
    else if (ch == '\n') fputs("\\n", f);
    else if (ch == '\r') fputs("\\r", f);
    else if (ch == '\t') fputs("\\t", f);
    else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
    else fputc(ch, f);
  }
  fputc('"', f);
}

static char *quoted(const char *s) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (!f) return NULL;
  json_quote(f, s, strlen(s));
  if (fclose(f) != 0) {
    free(out);
    return NULL;
  }
  return out;
}

/* Floor division, so times before 1970 still split into a date and a positive rest. */
static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* "YYYY-MM-DDTHH:MM:SS" of seconds since the epoch, UTC, into buf (>= 32 bytes). */
static void iso_seconds(int64_t secs, char *buf, size_t cap) {
  time_t t = (time_t)secs;
  struct tm tm;
  if (!gmtime_r(&t, &tm)) {
    snprintf(buf, cap, "%" PRId64, secs);
    return;
  }
  snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void iso_ms(int64_t ms, char *buf, size_t cap) { lfh_format_utc_us(ms * 1000, 3, buf, cap); }

/* ------------------------------------------------------------ the grid */

static void grid_free(tbl_grid *g) {
  for (size_t i = 0; i < g->n_rows * g->n_cols; i++) {
    free(g->text[i]);
    free(g->json[i]);
  }
  free(g->text);
  free(g->json);
  free(g->cols);
  memset(g, 0, sizeof *g);
}

/* Appends an all-null row; returns its index or -1 when out of memory. */
static long grid_add_row(tbl_grid *g) {
  if (g->n_rows == g->cap_rows) {
    size_t cap = g->cap_rows ? g->cap_rows * 2 : 16;
    char **t = realloc(g->text, cap * g->n_cols * sizeof *t);
    if (t) g->text = t;
    char **j = t ? realloc(g->json, cap * g->n_cols * sizeof *j) : NULL;
    if (!j) return -1;
    g->json = j;
    g->cap_rows = cap;
  }
  for (size_t c = 0; c < g->n_cols; c++) {
    g->text[g->n_rows * g->n_cols + c] = NULL;
    g->json[g->n_rows * g->n_cols + c] = NULL;
  }
  return (long)g->n_rows++;
}

/* Takes ownership of text and json (either may be NULL: null). Returns 0 or -1. */
static int grid_set(tbl_grid *g, size_t row, size_t col, char *text, char *json) {
  size_t i = row * g->n_cols + col;
  free(g->text[i]);
  free(g->json[i]);
  g->text[i] = text;
  g->json[i] = json;
  return 0;
}

static int grid_set_str(tbl_grid *g, size_t row, size_t col, const char *s) {
  if (!s) return 0;
  char *t = strdup(s), *j = quoted(s);
  if (!t || !j) {
    free(t);
    free(j);
    return -1;
  }
  return grid_set(g, row, col, t, j);
}

static int grid_set_i64(tbl_grid *g, size_t row, size_t col, int64_t v) {
  char *t = str_printf("%" PRId64, v), *j = t ? strdup(t) : NULL;
  if (!j) {
    free(t);
    return -1;
  }
  return grid_set(g, row, col, t, j);
}

/* A number kept as JSON number when it is one (summary values are strings in Iceberg). */
static int grid_set_num_str(tbl_grid *g, size_t row, size_t col, const char *s) {
  char *end = NULL;
  if (!s) return 0;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end) return grid_set_str(g, row, col, s);
  return grid_set_i64(g, row, col, (int64_t)v);
}

/* Display width: UTF-8 code points (continuation bytes take no column). */
static size_t text_width(const char *s) {
  size_t w = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) w++;
  return w;
}

/* Control characters would break the alignment of a text table: shown as spaces. */
static void put_cell(FILE *f, const char *s, size_t width) {
  for (const char *p = s; *p; p++) fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
  for (size_t w = text_width(s); w < width; w++) fputc(' ', f);
}

static const char *cell_text(const tbl_grid *g, size_t r, size_t c) {
  const char *t = g->text[r * g->n_cols + c];
  return t ? t : "null";
}

static void print_text_table(const tbl_grid *g, FILE *f) {
  size_t *w = calloc(g->n_cols ? g->n_cols : 1, sizeof *w);
  if (!w) return;
  for (size_t c = 0; c < g->n_cols; c++) {
    w[c] = text_width(g->cols[c]);
    for (size_t r = 0; r < g->n_rows; r++) {
      size_t cw = text_width(cell_text(g, r, c));
      if (cw > w[c]) w[c] = cw;
    }
  }
  for (size_t c = 0; c < g->n_cols; c++) {
    if (c) fputs("  ", f);
    put_cell(f, g->cols[c], c + 1 < g->n_cols ? w[c] : 0);
  }
  fputc('\n', f);
  for (size_t c = 0; c < g->n_cols; c++) {
    if (c) fputs("  ", f);
    for (size_t k = 0; k < w[c]; k++) fputc('-', f);
  }
  fputc('\n', f);
  for (size_t r = 0; r < g->n_rows; r++) {
    for (size_t c = 0; c < g->n_cols; c++) {
      if (c) fputs("  ", f);
      put_cell(f, cell_text(g, r, c), c + 1 < g->n_cols ? w[c] : 0);
    }
    fputc('\n', f);
  }
  free(w);
}

/* RFC 4180: quoted when the field holds a comma, quote or line break; CRLF records. */
static void put_csv_field(FILE *f, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void print_csv(const tbl_grid *g, FILE *f) {
  for (size_t c = 0; c < g->n_cols; c++) {
    if (c) fputc(',', f);
    put_csv_field(f, g->cols[c]);
  }
  fputs("\r\n", f);
  for (size_t r = 0; r < g->n_rows; r++) {
    for (size_t c = 0; c < g->n_cols; c++) {
      const char *t = g->text[r * g->n_cols + c];
      if (c) fputc(',', f);
      put_csv_field(f, t ? t : ""); /* null is an empty field */
    }
    fputs("\r\n", f);
  }
}

static void print_json_lines(const tbl_grid *g, FILE *f) {
  for (size_t r = 0; r < g->n_rows; r++) {
    fputc('{', f);
    for (size_t c = 0; c < g->n_cols; c++) {
      const char *j = g->json[r * g->n_cols + c];
      if (c) fputc(',', f);
      json_quote(f, g->cols[c], strlen(g->cols[c]));
      fputc(':', f);
      fputs(j ? j : "null", f);
    }
    fputs("}\n", f);
  }
}

static void print_grid(const tbl_grid *g, tbl_fmt fmt) {
  if (fmt == TBL_CSV) print_csv(g, stdout);
  else if (fmt == TBL_JSON) print_json_lines(g, stdout);
  else print_text_table(g, stdout);
}

/* ------------------------------------------------------------ resolving NAME */

static void ref_free(tbl_ref *r) {
  for (size_t i = 0; i < r->n_cluster; i++) free(r->cluster[i]);
  lfh_store_close(r->store);
  free(r->prefix);
  free(r->uri);
  memset(r, 0, sizeof *r);
}

static int not_found(const tbl_ref *r, const char *uri) {
  fprintf(stderr, "Error: table %s not found at %s\n", r->label, uri);
  return 1;
}

/* An absolute local path without trailing slashes (malloc'd), from a path or file:// URI;
 * NULL for another scheme (the caller lets the store report it). */
static char *local_path(const char *loc, const char *base_dir) {
  if (strncmp(loc, "file://", 7) == 0) loc += 7;
  else if (strstr(loc, "://")) return NULL;
  char *p = NULL;
  if (loc[0] == '/') p = strdup(loc);
  else if (base_dir) p = str_printf("%s/%s", base_dir, loc);
  else {
    char *cwd = getcwd(NULL, 0);
    p = cwd ? str_printf("%s/%s", cwd, loc) : NULL;
    free(cwd);
  }
  for (size_t n = p ? strlen(p) : 0; n > 1 && p[n - 1] == '/'; n--) p[n - 1] = '\0';
  return p;
}

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Opens the store at the table folder's parent: the table is one key prefix in it, and
 * the absolute file URIs in its metadata stay under the store root. */
static int ref_from_location(const char *loc, tbl_ref *r) {
  lf_error err;
  char msg[512];
  lf_error_init(&err, msg, sizeof msg);
  char *path = local_path(loc, NULL);
  int rc = 1;
  if (!path) {
    fprintf(stderr, "Error: --location %s: only local folders and file:// URIs are supported\n",
            loc);
    return 2;
  }
  char *slash = strrchr(path, '/');
  if (!slash || slash[1] == '\0') {
    fprintf(stderr, "Error: --location %s: not a table folder\n", loc);
    rc = 2;
    goto done;
  }
  if (!is_dir(path)) {
    char *uri = str_printf("file://%s", path);
    rc = not_found(r, uri ? uri : path);
    free(uri);
    goto done;
  }
  *slash = '\0';
  r->store = lfh_store_open(slash == path ? "/" : path, &err);
  r->prefix = strdup(slash + 1);
  if (!r->store || !r->prefix || !(r->uri = lfh_store_uri(r->store, r->prefix))) {
    fprintf(stderr, "Error: %s\n", r->store ? "out of memory" : msg);
    goto done;
  }
  rc = 0;
done:
  free(path);
  return rc;
}

/* catalog.schema.table: three non-empty parts that are valid store key segments. */
static int split_name(const char *name, char parts[3][256]) {
  const char *p = name;
  for (int i = 0; i < 3; i++) {
    const char *dot = i < 2 ? strchr(p, '.') : p + strlen(p);
    size_t n = dot ? (size_t)(dot - p) : 0;
    if (!dot || n == 0 || n >= 256 || memchr(p, '/', n)) goto bad;
    memcpy(parts[i], p, n);
    parts[i][n] = '\0';
    if (strncmp(parts[i], ".lfh-tmp-", 9) == 0) goto bad;
    p = dot + 1;
  }
  return 0;
bad:
  fprintf(stderr, "Error: bad table name '%s' (expected catalog.schema.table)\n", name);
  return 2;
}

static const char *node_str(const lfh_node *map, const char *key, const char *dflt) {
  const lfh_node *n = map && map->kind == LFH_NODE_MAP ? lfh_map_get(map, key) : NULL;
  return n && n->kind == LFH_NODE_SCALAR ? n->scalar : dflt;
}

/* The pipeline whose catalog and schema are the name's (defaults as in BUNDLE.md: main,
 * default), else the first; NULL when the bundle has none. */
static const lfh_node *pick_pipeline(const lfh_bundle *b, char parts[3][256]) {
  const lfh_node *res = b->root ? lfh_map_get(b->root, "resources") : NULL;
  const lfh_node *pls = res && res->kind == LFH_NODE_MAP ? lfh_map_get(res, "pipelines") : NULL;
  if (!pls || pls->kind != LFH_NODE_MAP || pls->n == 0) return NULL;
  for (size_t i = 0; i < pls->n; i++) {
    const lfh_node *p = pls->entries[i].value;
    if (strcmp(node_str(p, "catalog", "main"), parts[0]) == 0 &&
        strcmp(node_str(p, "schema", "default"), parts[1]) == 0)
      return p;
  }
  return pls->entries[0].value;
}

/* The pipeline's storage as an absolute local path (relative ones are relative to the
 * bundle's root file), or NULL when it is not local or the bundle gives none. */
static char *pipeline_storage(const lfh_bundle *b, const lfh_node *p) {
  const char *s = node_str(p, "storage", NULL);
  if (s) return local_path(s, b->root_dir);
  const lfh_node *ws = b->root ? lfh_map_get(b->root, "workspace") : NULL;
  const char *root = node_str(ws, "root_path", NULL);
  char *dflt = root ? str_printf("%s/lakehouse", root) : NULL;
  char *path = dflt ? local_path(dflt, b->root_dir) : NULL;
  free(dflt);
  return path;
}

static int load_bundle(const tbl_args *a, lfh_bundle **b) {
  lfh_bundle_opts o = {.path = a->bundle, .target = a->target};
  lfh_diags d;
  lfh_diags_init(&d);
  int rc = 0;
  if (lfh_bundle_load(&o, b, &d) != 0 || !*b) {
    lfh_diags_print(&d, LFH_OUT_TEXT, stderr);
    fprintf(stderr, "Error: cannot load the bundle %s\n", a->bundle ? a->bundle : "");
    rc = 1;
  }
  lfh_diags_free(&d);
  return rc;
}

static int ref_from_storage(const char *storage, char parts[3][256], tbl_ref *r) {
  lf_error err;
  char msg[512];
  lf_error_init(&err, msg, sizeof msg);
  char *dir = str_printf("%s/%s/%s/%s", storage, parts[0], parts[1], parts[2]);
  int rc = 1;
  if (!dir) goto done;
  if (!is_dir(dir)) {
    char *uri = str_printf("file://%s", dir);
    rc = not_found(r, uri ? uri : dir);
    free(uri);
    goto done;
  }
  r->store = lfh_store_open(storage, &err);
  r->prefix = str_printf("%s/%s/%s", parts[0], parts[1], parts[2]);
  if (!r->store || !r->prefix || !(r->uri = lfh_store_uri(r->store, r->prefix))) {
    fprintf(stderr, "Error: %s\n", r->store ? "out of memory" : msg);
    goto done;
  }
  rc = 0;
done:
  free(dir);
  return rc;
}

/* The dataset's cluster_by in pipeline `p` (optimize sorts by it); 0 or -1 (no memory). */
static int dataset_cluster(const lfh_node *p, const char *table, tbl_ref *r) {
  const lfh_node *ds = p->kind == LFH_NODE_MAP ? lfh_map_get(p, "datasets") : NULL;
  const lfh_node *d = ds && ds->kind == LFH_NODE_MAP ? lfh_map_get(ds, table) : NULL;
  const lfh_node *keys = d && d->kind == LFH_NODE_MAP ? lfh_map_get(d, "cluster_by") : NULL;
  for (size_t i = 0; keys && keys->kind == LFH_NODE_SEQ && i < keys->n; i++) {
    if (keys->items[i]->kind != LFH_NODE_SCALAR || r->n_cluster == TBL_MAX_CLUSTER_KEYS)
      continue; /* `validate` reports malformed keys */
    if (!(r->cluster[r->n_cluster] = strdup(keys->items[i]->scalar))) return -1;
    r->n_cluster++;
  }
  return 0;
}

static int ref_from_bundle(const tbl_args *a, tbl_ref *r) {
  char parts[3][256];
  lfh_bundle *b = NULL;
  char *storage = NULL;
  int rc = split_name(a->name, parts);
  if (rc != 0) return rc;
  if (!a->bundle && access("databricks.yml", F_OK) != 0 && access("bundle.yml", F_OK) != 0) {
    fprintf(stderr, "Error: no bundle here (./databricks.yml); use --bundle FILE or "
                    "--location DIR\n");
    return 2;
  }
  if ((rc = load_bundle(a, &b)) != 0) goto done;
  const lfh_node *p = pick_pipeline(b, parts);
  if (!p) {
    fprintf(stderr, "Error: the bundle %s has no pipeline to find table %s in\n",
            b->root_file, a->name);
    rc = 1;
    goto done;
  }
  if (!(storage = pipeline_storage(b, p))) {
    fprintf(stderr, "Error: table %s: the pipeline's storage is not a local folder\n", a->name);
    rc = 1;
    goto done;
  }
  rc = ref_from_storage(storage, parts, r);
  if (rc == 0 && dataset_cluster(p, parts[2], r) != 0) {
    fprintf(stderr, "Error: out of memory\n");
    rc = 1;
  }
done:
  free(storage);
  lfh_bundle_free(b);
  return rc;
}

/* Resolves and opens the table. Returns 0, 1 (reported) or 2 (usage, reported). */
static int open_table(const tbl_args *a, tbl_ref *r, lfh_table **t) {
  char msg[1024];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  r->label = a->name ? a->name : a->location;
  if (a->name && a->location) {
    char parts[3][256];
    if (split_name(a->name, parts) != 0) return 2;
  }
  int rc = a->location ? ref_from_location(a->location, r) : ref_from_bundle(a, r);
  if (rc != 0) return rc;
  rc = lfh_table_open(r->store, r->prefix, t, &err);
  if (rc == LF_ERR_NOT_FOUND) return not_found(r, r->uri);
  if (rc != 0) {
    fprintf(stderr, "Error: table %s: %s\n", r->label, msg);
    return 1;
  }
  return 0;
}

/* ------------------------------------------------------------ --as-of */

/* ISO-8601 date or date-time, UTC unless an offset is given; 0 or -1. */
static int parse_iso(const char *s, int64_t *ms) {
  struct tm tm = {0};
  int y, mo, d, h = 0, mi = 0, n = 0;
  double sec = 0;
  if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return -1;
  const char *p = s + n;
  if (*p == 'T' || *p == ' ') {
    int m = 0;
    if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5) return -1;
    p += 1 + m;
    if (*p == ':') {
      char *end = NULL;
      sec = strtod(p + 1, &end);
      if (end == p + 1 || sec < 0 || sec >= 61) return -1;
      p = end;
    }
  }
  int off = 0;
  if (*p == '+' || *p == '-') {
    int oh, om, m = 0;
    if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &m) != 2 || m != 5) return -1;
    off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
    p += 1 + m;
  } else if (*p == 'Z') {
    p++;
  }
  if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return -1;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  int64_t secs = (int64_t)timegm(&tm) - (int64_t)off * 60;
  *ms = secs * 1000 + (int64_t)floor(sec * 1000 + 0.5);
  return 0;
}

/* The snapshot --as-of names: an id of this table, else a time (epoch ms or ISO-8601).
 * Returns 0 with *out (NULL only if `as_of` is NULL and the table is empty), 1 or 2. */
static int pick_snapshot(const lfh_table_meta *m, const tbl_ref *r, const char *as_of,
                         const lfh_snapshot **out) {
  char *end = NULL;
  int64_t ms = 0;
  if (!as_of) {
    *out = lfh_table_meta_current(m);
    return 0;
  }
  errno = 0;
  long long v = strtoll(as_of, &end, 10);
  int numeric = !errno && end != as_of && !*end && as_of[0] != '-' && as_of[0] != '+';
  if (numeric && (*out = lfh_table_meta_snapshot(m, (int64_t)v))) return 0;
  if (numeric && v >= TBL_MAX_EPOCH_MS) {
    fprintf(stderr, "Error: table %s has no snapshot %lld\n", r->label, v);
    return 1;
  }
  if (numeric) ms = (int64_t)v;
  else if (parse_iso(as_of, &ms) != 0) {
    fprintf(stderr, "Error: bad --as-of '%s' (expected a snapshot id, an ISO-8601 time such "
                    "as 2026-11-24T09:00:00Z, or epoch milliseconds)\n", as_of);
    return 2;
  }
  if (!(*out = lfh_table_meta_snapshot_as_of(m, ms))) {
    char iso[64];
    iso_ms(ms, iso, sizeof iso);
    fprintf(stderr, "Error: table %s has no snapshot as of %s\n", r->label, iso);
    return 1;
  }
  return 0;
}

static const lfh_ice_schema *snapshot_schema(const lfh_table_meta *m, const lfh_snapshot *s) {
  const lfh_ice_schema *sc = s && s->schema_id >= 0 ? lfh_table_meta_schema(m, s->schema_id)
                                                    : NULL;
  return sc ? sc : lfh_table_meta_current_schema(m);
}

/* ------------------------------------------------------------ describe */

static int add_kv(tbl_grid *g, const char *section, const char *key, const char *value) {
  long r = grid_add_row(g);
  if (r < 0 || grid_set_str(g, (size_t)r, 0, section) || grid_set_str(g, (size_t)r, 1, key))
    return -1;
  return grid_set_str(g, (size_t)r, 2, value);
}

static int add_field_rows(tbl_grid *g, const char *path, int32_t id, int required,
                          const lfh_ice_type *t, int depth);

static int add_type_children(tbl_grid *g, const char *path, const lfh_ice_type *t, int depth) {
  int rc = 0;
  char *sub = NULL;
  if (depth > LFH_ICE_MAX_DEPTH) return 0;
  if (t->kind == LFH_ICE_STRUCT) {
    for (size_t i = 0; i < t->n_fields && rc == 0; i++) {
      const lfh_ice_field *f = &t->fields[i];
      sub = path ? str_printf("%s.%s", path, f->name) : strdup(f->name);
      rc = sub ? add_field_rows(g, sub, f->id, f->required, f->type, depth + 1) : -1;
      free(sub);
    }
  } else if (t->kind == LFH_ICE_LIST) {
    sub = str_printf("%s.element", path);
    rc = sub ? add_field_rows(g, sub, t->element_id, t->element_required, t->element,
                              depth + 1) : -1;
    free(sub);
  } else if (t->kind == LFH_ICE_MAP) {
    sub = str_printf("%s.key", path);
    rc = sub ? add_field_rows(g, sub, t->key_id, 1, t->key, depth + 1) : -1;
    free(sub);
    sub = rc == 0 ? str_printf("%s.value", path) : NULL;
    rc = sub ? add_field_rows(g, sub, t->value_id, t->value_required, t->value, depth + 1) : -1;
    free(sub);
  }
  return rc;
}

/* One row per field, nested ones as dotted paths (list "element", map "key"/"value"). */
static int add_field_rows(tbl_grid *g, const char *path, int32_t id, int required,
                          const lfh_ice_type *t, int depth) {
  char buf[64];
  char *v = str_printf("%s (id %d, %s)", lfh_ice_type_name(t, buf, sizeof buf), (int)id,
                       required ? "required" : "optional");
  int rc = v ? add_kv(g, "schema", path, v) : -1;
  free(v);
  return rc == 0 ? add_type_children(g, path, t, depth) : rc;
}

static int describe_grid(const tbl_ref *r, const lfh_table_meta *m, const lfh_snapshot *s,
                         tbl_grid *g) {
  char buf[64], when[64];
  const lfh_ice_schema *sc = snapshot_schema(m, s);
  int rc = add_kv(g, "table", "name", r->label) || add_kv(g, "table", "location", m->location);
  snprintf(buf, sizeof buf, "%d", m->format_version);
  rc = rc || add_kv(g, "table", "format-version", buf) ||
       add_kv(g, "table", "uuid", m->table_uuid);
  snprintf(buf, sizeof buf, "%" PRId64, s ? s->snapshot_id : (int64_t)LFH_NO_SNAPSHOT);
  rc = rc || add_kv(g, "table", "snapshot-id", s ? buf : "none");
  iso_ms(s ? s->timestamp_ms : m->last_updated_ms, when, sizeof when);
  rc = rc || add_kv(g, "table", s ? "snapshot-time" : "last-updated", when);
  static const char *const totals[] = {"total-records", "total-data-files", "total-files-size"};
  for (size_t i = 0; i < 3 && !rc; i++) {
    const char *v = s ? lfh_kvs_get(&s->summary, totals[i]) : NULL;
    rc = add_kv(g, "table", totals[i], v ? v : "0");
  }
  if (!rc && sc) rc = add_type_children(g, NULL, sc->root, 0);
  for (size_t i = 0; i < m->properties.n && !rc; i++)
    rc = add_kv(g, "properties", m->properties.items[i].key, m->properties.items[i].value);
  for (size_t i = 0; s && i < s->summary.n && !rc; i++)
    rc = add_kv(g, "summary", s->summary.items[i].key, s->summary.items[i].value);
  return rc ? -1 : 0;
}

static json_t *kvs_json(const lfh_kvs *m) {
  json_t *o = json_object();
  for (size_t i = 0; o && m && i < m->n; i++)
    json_object_set_new(o, m->items[i].key, json_string(m->items[i].value));
  return o;
}

static json_int_t summary_int(const lfh_snapshot *s, const char *key) {
  const char *v = s ? lfh_kvs_get(&s->summary, key) : NULL;
  return v ? (json_int_t)strtoll(v, NULL, 10) : 0;
}

static void describe_json(const tbl_ref *r, const lfh_table_meta *m, const lfh_snapshot *s) {
  char when[64];
  const lfh_ice_schema *sc = snapshot_schema(m, s);
  json_t *o = json_object();
  iso_ms(s ? s->timestamp_ms : m->last_updated_ms, when, sizeof when);
  json_object_set_new(o, "name", json_string(r->label));
  json_object_set_new(o, "location", json_string(m->location));
  json_object_set_new(o, "format-version", json_integer(m->format_version));
  json_object_set_new(o, "table-uuid", json_string(m->table_uuid));
  json_object_set_new(o, "snapshot-id", s ? json_integer(s->snapshot_id) : json_null());
  json_object_set_new(o, "snapshot-time", s ? json_string(when) : json_null());
  json_object_set_new(o, "total-records", json_integer(summary_int(s, "total-records")));
  json_object_set_new(o, "total-data-files", json_integer(summary_int(s, "total-data-files")));
  json_object_set_new(o, "total-files-size", json_integer(summary_int(s, "total-files-size")));
  json_object_set_new(o, "schema", sc ? lfh_ice_schema_to_json(sc) : json_null());
  json_object_set_new(o, "properties", kvs_json(&m->properties));
  json_object_set_new(o, "summary", s ? kvs_json(&s->summary) : json_null());
  json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  fputc('\n', stdout);
  json_decref(o);
}

/* The text form: sections with aligned "key  value" lines. */
static void describe_text(const tbl_grid *g) {
  size_t w = 0;
  const char *section = "";
  for (size_t r = 0; r < g->n_rows; r++) {
    size_t kw = text_width(g->text[r * 3 + 1]);
    if (kw > w) w = kw;
  }
  for (size_t r = 0; r < g->n_rows; r++) {
    const char *sec = g->text[r * 3];
    if (strcmp(sec, section) != 0) {
      printf("%s%s:\n", r ? "\n" : "", sec);
      section = sec;
    }
    fputs("  ", stdout);
    put_cell(stdout, g->text[r * 3 + 1], w);
    fputs("  ", stdout);
    put_cell(stdout, g->text[r * 3 + 2], 0);
    fputc('\n', stdout);
  }
}

static int cmd_describe(const tbl_args *a, const tbl_ref *r, lfh_table *t) {
  static const char *cols[] = {"section", "key", "value"};
  const lfh_table_meta *m = lfh_table_metadata(t);
  const lfh_snapshot *s = NULL;
  tbl_grid g = {.n_cols = 3};
  int rc = pick_snapshot(m, r, a->as_of, &s);
  if (rc != 0) return rc;
  if (a->fmt == TBL_JSON) {
    describe_json(r, m, s);
    return 0;
  }
  if (!(g.cols = malloc(sizeof cols)) || describe_grid(r, m, s, &g) != 0) {
    fprintf(stderr, "Error: out of memory\n");
    rc = 1;
    goto done;
  }
  memcpy(g.cols, cols, sizeof cols);
  if (a->fmt == TBL_CSV) print_csv(&g, stdout);
  else describe_text(&g);
done:
  grid_free(&g);
  return rc;
}

/* ------------------------------------------------------------ history */

static int history_row(tbl_grid *g, const lfh_snapshot *s) {
  char when[64];
  long r = grid_add_row(g);
  if (r < 0) return -1;
  size_t i = (size_t)r;
  iso_ms(s->timestamp_ms, when, sizeof when);
  int rc = grid_set_i64(g, i, 0, s->snapshot_id);
  if (!rc && s->parent_id != LFH_NO_SNAPSHOT) rc = grid_set_i64(g, i, 1, s->parent_id);
  rc = rc || grid_set_str(g, i, 2, when) ||
       grid_set_str(g, i, 3, lfh_kvs_get(&s->summary, "operation")) ||
       grid_set_num_str(g, i, 4, lfh_kvs_get(&s->summary, "added-records")) ||
       grid_set_num_str(g, i, 5, lfh_kvs_get(&s->summary, "total-records")) ||
       grid_set_str(g, i, 6, lfh_kvs_get(&s->summary, LFH_SUMMARY_FLOW_ID)) ||
       grid_set_num_str(g, i, 7, lfh_kvs_get(&s->summary, LFH_SUMMARY_EPOCH));
  return rc ? -1 : 0;
}

static int cmd_history(const tbl_args *a, const tbl_ref *r, lfh_table *t) {
  static const char *cols[] = {"snapshot_id",   "parent_id",     "timestamp", "operation",
                               "added_records", "total_records", "flow_id",   "epoch"};
  const lfh_table_meta *m = lfh_table_metadata(t);
  const lfh_snapshot *s = NULL;
  tbl_grid g = {.n_cols = 8};
  int rc = pick_snapshot(m, r, a->as_of, &s);
  if (rc != 0) return rc;
  if (!(g.cols = malloc(sizeof cols))) goto oom;
  memcpy(g.cols, cols, sizeof cols);
  /* the ancestry, not every snapshot in the file: what the table's readers actually saw */
  for (long n = 0; s && (a->limit <= 0 || n < a->limit); n++, s = lfh_table_meta_parent(m, s))
    if (history_row(&g, s) != 0) goto oom;
  print_grid(&g, a->fmt);
  grid_free(&g);
  return 0;
oom:
  fprintf(stderr, "Error: out of memory\n");
  grid_free(&g);
  return 1;
}

/* ------------------------------------------------------------ rendering Arrow values */

static int bit_set(const void *bits, int64_t i) {
  return (((const uint8_t *)bits)[i >> 3] >> (i & 7)) & 1;
}

static void put_double(FILE *f, double v, int is_float, int quote) {
  char buf[64];
  if (!isfinite(v)) {
    const char *s = isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
    fprintf(f, quote ? "\"%s\"" : "%s", s); /* JSON has no literal for these */
    return;
  }
  /* the shortest text that reads back as the same value */
  for (int prec = is_float ? 6 : 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (is_float ? (float)strtod(buf, NULL) == (float)v : strtod(buf, NULL) == v) break;
  }
  fputs(buf, f);
}

static void put_hex(FILE *f, const uint8_t *p, size_t n, int quote) {
  if (quote) fputc('"', f);
  for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
  if (quote) fputc('"', f);
}

/* Decimal128 (little-endian two's complement) with `scale` digits after the point. */
static void put_decimal(FILE *f, const uint8_t *p, int scale) {
  __extension__ typedef __int128 i128;
  __extension__ typedef unsigned __int128 u128;
  uint64_t lo, hi;
  memcpy(&lo, p, 8);
  memcpy(&hi, p + 8, 8);
  i128 v = (i128)(((u128)hi << 64) | lo);
  u128 mag = v < 0 ? (u128)0 - (u128)v : (u128)v;
  char digits[48];
  int n = 0;
  do {
    digits[n++] = (char)('0' + (int)(mag % 10));
    mag /= 10;
  } while (mag && n < 40);
  while (n <= scale) digits[n++] = '0';
  if (v < 0) fputc('-', f);
  for (int i = n - 1; i >= 0; i--) {
    fputc(digits[i], f);
    if (i == scale && scale > 0) fputc('.', f);
  }
}

static void put_temporal(FILE *f, const char *fmt, int64_t v, int quote) {
  char base[48], out[80];
  if (strcmp(fmt, "tdD") == 0) {
    iso_seconds(v * 86400, base, sizeof base);
    base[10] = '\0';
    snprintf(out, sizeof out, "%s", base);
  } else if (strcmp(fmt, "ttu") == 0) {
    int64_t secs = floor_div(v, 1000000);
    snprintf(out, sizeof out, "%02d:%02d:%02d.%06d", (int)(secs / 3600), (int)(secs / 60 % 60),
             (int)(secs % 60), (int)(v - secs * 1000000));
  } else {
    /* tsu / tsu:TZ: microseconds; a zone marks a UTC-adjusted value */
    int64_t secs = floor_div(v, 1000000);
    iso_seconds(secs, base, sizeof base);
    snprintf(out, sizeof out, "%s.%06d%s", base, (int)(v - secs * 1000000),
             fmt[4] != '\0' ? "Z" : "");
  }
  fprintf(f, quote ? "\"%s\"" : "%s", out);
}

static void render(FILE *f, const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i,
                   int quote, int depth);

static void render_struct(FILE *f, const struct ArrowSchema *s, const struct ArrowArray *a,
                          int64_t p, int depth) {
  fputc('{', f);
  for (int64_t c = 0; c < s->n_children; c++) {
    const char *name = s->children[c]->name ? s->children[c]->name : "";
    if (c) fputs(", ", f);
    json_quote(f, name, strlen(name));
    fputs(": ", f);
    render(f, s->children[c], a->children[c], p, 1, depth + 1);
  }
  fputc('}', f);
}

/* Lists as [..]; maps with string keys as {"k": v}, other maps as [[k, v], ...]. */
static void render_list(FILE *f, const struct ArrowSchema *s, const struct ArrowArray *a,
                        int64_t p, int depth) {
  const int32_t *off = a->buffers[1];
  const struct ArrowSchema *es = s->children[0];
  const struct ArrowArray *ea = a->children[0];
  int is_map = s->format[1] == 'm';
  int obj = is_map && es->n_children == 2 && strcmp(es->children[0]->format, "u") == 0;
  fputc(obj ? '{' : '[', f);
  for (int32_t k = off[p]; k < off[p + 1]; k++) {
    if (k > off[p]) fputs(", ", f);
    if (!is_map) {
      render(f, es, ea, k, 1, depth + 1);
      continue;
    }
    int64_t e = ea->offset + k;
    if (!obj) fputc('[', f);
    render(f, es->children[0], ea->children[0], e, 1, depth + 1);
    fputs(obj ? ": " : ", ", f);
    render(f, es->children[1], ea->children[1], e, 1, depth + 1);
    if (!obj) fputc(']', f);
  }
  fputc(obj ? '}' : ']', f);
}

static void render_scalar(FILE *f, const char *fmt, const struct ArrowArray *a, int64_t p,
                          int quote) {
  const void *b1 = a->buffers[1];
  if (strcmp(fmt, "b") == 0) fputs(bit_set(b1, p) ? "true" : "false", f);
  else if (strcmp(fmt, "i") == 0) fprintf(f, "%" PRId32, ((const int32_t *)b1)[p]);
  else if (strcmp(fmt, "l") == 0) fprintf(f, "%" PRId64, ((const int64_t *)b1)[p]);
  else if (strcmp(fmt, "f") == 0) put_double(f, ((const float *)b1)[p], 1, quote);
  else if (strcmp(fmt, "g") == 0) put_double(f, ((const double *)b1)[p], 0, quote);
  else if (strcmp(fmt, "tdD") == 0) put_temporal(f, fmt, ((const int32_t *)b1)[p], quote);
  else if (strcmp(fmt, "ttu") == 0 || strncmp(fmt, "tsu:", 4) == 0)
    put_temporal(f, fmt, ((const int64_t *)b1)[p], quote);
  else if (strncmp(fmt, "d:", 2) == 0) {
    const char *comma = strchr(fmt, ',');
    put_decimal(f, (const uint8_t *)b1 + 16 * p, comma ? atoi(comma + 1) : 0);
  } else if (strncmp(fmt, "w:", 2) == 0) {
    int w = atoi(fmt + 2);
    put_hex(f, (const uint8_t *)b1 + (int64_t)w * p, (size_t)w, quote);
  } else if (strcmp(fmt, "u") == 0 || strcmp(fmt, "z") == 0) {
    const int32_t *off = b1;
    const char *data = (const char *)a->buffers[2] + off[p];
    size_t n = (size_t)(off[p + 1] - off[p]);
    if (fmt[0] == 'z') put_hex(f, (const uint8_t *)data, n, quote);
    else if (quote) json_quote(f, data, n);
    else fwrite(data, 1, n, f);
  } else {
    fprintf(f, quote ? "\"<%s>\"" : "<%s>", fmt); /* not a type lfhost writes */
  }
}

/* Row `i` of `a` (its offset not yet applied). `quote`: JSON text; 0 leaves top-level
 * strings and times bare for the table and CSV formats. */
static void render(FILE *f, const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i,
                   int quote, int depth) {
  int64_t p = a->offset + i;
  if (a->null_count != 0 && a->buffers[0] && !bit_set(a->buffers[0], p)) {
    fputs("null", f);
  } else if (depth > LFH_ICE_MAX_DEPTH) {
    fputs("\"...\"", f);
  } else if (strcmp(s->format, "+s") == 0) {
    render_struct(f, s, a, p, depth);
  } else if (strcmp(s->format, "+l") == 0 || strcmp(s->format, "+m") == 0) {
    render_list(f, s, a, p, depth);
  } else {
    render_scalar(f, s->format, a, p, quote);
  }
}

static char *render_text(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i,
                         int quote) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (!f) return NULL;
  render(f, s, a, i, quote, 0);
  if (fclose(f) != 0) {
    free(out);
    return NULL;
  }
  return out;
}

/* ------------------------------------------------------------ show */

typedef struct show_ctx {
  tbl_grid *g;
  long limit;
  int oom;
} show_ctx;

static int cell_is_null(const struct ArrowArray *a, int64_t i) {
  int64_t p = a->offset + i;
  return a->null_count != 0 && a->buffers[0] && !bit_set(a->buffers[0], p);
}

static int show_batch(void *ctx, const struct ArrowSchema *schema, struct ArrowArray *batch) {
  show_ctx *c = ctx;
  int rc = 0;
  for (int64_t i = 0; i < batch->length && rc == 0; i++) {
    if (c->limit > 0 && (long)c->g->n_rows >= c->limit) {
      rc = TBL_LIMIT_REACHED;
      break;
    }
    long r = grid_add_row(c->g);
    for (int64_t k = 0; r >= 0 && k < schema->n_children && (size_t)k < c->g->n_cols; k++) {
      const struct ArrowArray *col = batch->children[k];
      int64_t row = batch->offset + i;
      if (cell_is_null(col, row)) continue;
      char *text = render_text(schema->children[k], col, row, 0);
      char *json = render_text(schema->children[k], col, row, 1);
      grid_set(c->g, (size_t)r, (size_t)k, text, json);
      if (!text || !json) r = -1;
    }
    if (r < 0) c->oom = rc = -1;
  }
  if (rc == 0 && c->limit > 0 && (long)c->g->n_rows >= c->limit) rc = TBL_LIMIT_REACHED;
  lf_array_release(batch);
  return rc;
}

static void list_columns(const lfh_ice_schema *sc, FILE *f) {
  for (size_t i = 0; i < sc->root->n_fields; i++)
    fprintf(f, "%s%s", i ? ", " : "", sc->root->fields[i].name);
}

/* The header: --columns (checked against the snapshot's schema) or every top-level field. */
static int show_columns(const tbl_args *a, const tbl_ref *r, const lfh_ice_schema *sc,
                        char **buf, tbl_grid *g) {
  size_t n = 0;
  if (!a->columns) {
    g->cols = calloc(sc->root->n_fields + 1, sizeof *g->cols);
    if (!g->cols) return 1;
    for (; n < sc->root->n_fields; n++) g->cols[n] = sc->root->fields[n].name;
    g->n_cols = n;
    return 0;
  }
  if (!(*buf = strdup(a->columns)) || !(g->cols = calloc(strlen(a->columns) + 1, sizeof *g->cols)))
    return 1;
  char *save = NULL;
  for (char *tok = strtok_r(*buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    size_t k = 0;
    while (k < sc->root->n_fields && strcmp(sc->root->fields[k].name, tok) != 0) k++;
    if (k == sc->root->n_fields) {
      fprintf(stderr, "Error: table %s has no column '%s' (columns: ", r->label, tok);
      list_columns(sc, stderr);
      fputs(")\n", stderr);
      return 2;
    }
    g->cols[n++] = tok;
  }
  g->n_cols = n;
  if (n == 0) {
    fprintf(stderr, "Error: --columns names no column\n");
    return 2;
  }
  return 0;
}

static int cmd_show(const tbl_args *a, const tbl_ref *r, lfh_table *t) {
  char msg[1024];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  const lfh_table_meta *m = lfh_table_metadata(t);
  const lfh_snapshot *s = NULL;
  char *colbuf = NULL;
  tbl_grid g = {0};
  int rc = pick_snapshot(m, r, a->as_of, &s);
  const lfh_ice_schema *sc = rc == 0 ? snapshot_schema(m, s) : NULL;
  if (rc == 0 && !sc) {
    fprintf(stderr, "Error: table %s has no schema\n", r->label);
    rc = 1;
  }
  if (rc == 0 && (rc = show_columns(a, r, sc, &colbuf, &g)) == 1)
    fprintf(stderr, "Error: out of memory\n");
  if (rc != 0) goto done;
  show_ctx c = {.g = &g, .limit = a->limit < 0 ? TBL_DEFAULT_SHOW_LIMIT : a->limit};
  lfh_scan_opts o = {.snapshot_id = s ? s->snapshot_id : 0,
                     .columns = a->columns ? (const char *const *)g.cols : NULL,
                     .n_columns = a->columns ? g.n_cols : 0};
  /* an empty table has nothing to scan: the header alone is the answer */
  int sc_rc = s ? lfh_table_scan(t, &o, show_batch, &c, &err) : 0;
  if (c.oom || (sc_rc != 0 && sc_rc != TBL_LIMIT_REACHED)) {
    fprintf(stderr, "Error: table %s: %s\n", r->label, c.oom ? "out of memory" : msg);
    rc = 1;
    goto done;
  }
  print_grid(&g, a->fmt);
done:
  grid_free(&g);
  free(colbuf);
  return rc;
}

/* ------------------------------------------------------------ dispatch */

/* --cluster-by A,B replaces the bundle's keys. */
static int cluster_from_arg(const char *list, tbl_ref *r) {
  char *buf = strdup(list), *save = NULL;
  if (!buf) return -1;
  for (size_t i = 0; i < r->n_cluster; i++) free(r->cluster[i]);
  r->n_cluster = 0;
  for (char *k = strtok_r(buf, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
    if (r->n_cluster == TBL_MAX_CLUSTER_KEYS || !(r->cluster[r->n_cluster] = strdup(k))) {
      free(buf);
      return -1;
    }
    r->n_cluster++;
  }
  free(buf);
  return 0;
}

static int cmd_optimize(const tbl_args *a, tbl_ref *r, lfh_table *t) {
  char msg[1024];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  int64_t id = 0;
  if (a->cluster_by && cluster_from_arg(a->cluster_by, r) != 0) {
    fprintf(stderr, "Error: --cluster-by: at most %d columns\n", TBL_MAX_CLUSTER_KEYS);
    return 2;
  }
  long rows = a->file_rows < 0 ? TBL_DEFAULT_FILE_ROWS : a->file_rows;
  if (lfh_table_compact(t, rows, (const char *const *)r->cluster, r->n_cluster, NULL, &id,
                        &err) != LF_OK) {
    fprintf(stderr, "Error: table %s: %s\n", r->label, msg);
    return 1;
  }
  if (id == 0) printf("%s: nothing to compact\n", r->label);
  else printf("%s: compacted into snapshot %" PRId64 "\n", r->label, id);
  return 0;
}

static int cmd_vacuum(const tbl_args *a, const tbl_ref *r, lfh_table *t) {
  char msg[1024];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  size_t expired = 0, deleted = 0, orphans = 0;
  int64_t cutoff = lfh_now_ms() - a->older_than_ms;
  int retain = a->retain_last < 0 ? 1 : (int)a->retain_last;
  /* expiry first: the files it frees are then no longer reachable, and orphan removal
   * only has to find what crashed writers left behind */
  if (lfh_table_expire_snapshots(t, cutoff, retain, &expired, &deleted, &err) != LF_OK ||
      lfh_table_remove_orphans(t, cutoff, &orphans, &err) != LF_OK) {
    fprintf(stderr, "Error: table %s: %s\n", r->label, msg);
    return 1;
  }
  printf("%s: expired %zu snapshot(s), deleted %zu file(s) they alone used and %zu "
         "orphan file(s)\n", r->label, expired, deleted, orphans);
  return 0;
}

static int run(const tbl_args *a) {
  tbl_ref r = {0};
  lfh_table *t = NULL;
  int rc = open_table(a, &r, &t);
  if (rc == 0) {
    if (strcmp(a->sub, "describe") == 0) rc = cmd_describe(a, &r, t);
    else if (strcmp(a->sub, "history") == 0) rc = cmd_history(a, &r, t);
    else if (strcmp(a->sub, "optimize") == 0) rc = cmd_optimize(a, &r, t);
    else if (strcmp(a->sub, "vacuum") == 0) rc = cmd_vacuum(a, &r, t);
    else rc = cmd_show(a, &r, t);
  }
  fflush(stdout);
  lfh_table_close(t);
  ref_free(&r);
  return rc;
}

int lfh_cmd_table(int argc, char **argv) {
  tbl_args a = {.limit = -1,
                .fmt = TBL_TABLE,
                .file_rows = -1,
                .older_than_ms = TBL_DEFAULT_OLDER_THAN_MS,
                .retain_last = -1};
  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    lfh_cmd_table_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!is_sub(argv[1])) {
    fprintf(stderr, "Error: unknown table command '%s' (see 'lfhost table --help')\n", argv[1]);
    return 2;
  }
  a.sub = argv[1];
  int rc = parse_args(argc - 1, argv + 1, &a);
  if (rc == 1) {
    sub_usage(a.sub, stdout);
    return 0;
  }
  return rc != 0 ? rc : run(&a);
}
