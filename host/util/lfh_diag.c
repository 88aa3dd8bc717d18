#include "lfh_diag.h"
#include "lfh_mem.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void lfh_diags_init(lfh_diags *d) { memset(d, 0, sizeof *d); }

static void diag_free(lfh_diag *g) {
  free(g->message);
  free(g->yaml_path);
  free(g->file);
  free(g->hint);
}

void lfh_diags_free(lfh_diags *d) {
  if (!d) return;
  for (size_t i = 0; i < d->n; i++) diag_free(&d->items[i]);
  free(d->items);
  memset(d, 0, sizeof *d);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static int diags_grow(lfh_diags *d) {
  return lfh_grow(&d->items, &d->cap, d->n + 1, sizeof *d->items, 8);
}

void lfh_diag_add(lfh_diags *d, lfh_severity sev, const lfh_mark *mark, const char *yaml_path,
                  const char *hint, const char *fmt, ...) {
  lfh_diag g = {.sev = sev};
  va_list ap;
  va_start(ap, fmt);
  int rc = vasprintf(&g.message, fmt, ap);
  va_end(ap);
  if (rc < 0) {
    g.message = NULL;
    goto fail;
  }
  g.yaml_path = dup_or_null(yaml_path && *yaml_path ? yaml_path : NULL);
  g.hint = dup_or_null(hint && *hint ? hint : NULL);
  if (mark && mark->file) {
    g.file = strdup(mark->file);
    g.line = mark->line;
    g.col = mark->col;
    if (!g.file) goto fail;
  }
  if ((yaml_path && *yaml_path && !g.yaml_path) || (hint && *hint && !g.hint)) goto fail;
  if (diags_grow(d) != 0) goto fail;
  d->items[d->n++] = g;
  return;
fail:
  fprintf(stderr, "lfhost: out of memory while reporting a diagnostic\n");
  diag_free(&g);
}

size_t lfh_diags_count(const lfh_diags *d, lfh_severity sev) {
  size_t n = 0;
  for (size_t i = 0; i < d->n; i++) n += d->items[i].sev == sev;
  return n;
}

const lfh_diag *lfh_diags_find(const lfh_diags *d, const char *needle) {
  for (size_t i = 0; i < d->n; i++)
    if (d->items[i].message && strstr(d->items[i].message, needle)) return &d->items[i];
  return NULL;
}

static const char *sev_word(lfh_severity s) {
  switch (s) {
  case LFH_SEV_ERROR: return "Error";
  case LFH_SEV_WARNING: return "Warning";
  default: return "Note";
  }
}

static void print_text(const lfh_diag *g, FILE *out) {
  fprintf(out, "%s: %s\n", sev_word(g->sev), g->message);
  if (g->yaml_path) fprintf(out, "  at %s\n", g->yaml_path);
  if (g->file) {
    if (g->line)
      fprintf(out, "  in %s:%u:%u\n", g->file, g->line, g->col);
    else
      fprintf(out, "  in %s\n", g->file);
  }
  if (g->hint) fprintf(out, "  hint: %s\n", g->hint);
  fputc('\n', out);
}

/* GitHub workflow commands end at a newline and use ':' and ',' as separators inside
 * properties; the runner documents %25, %0D, %0A (data) plus %3A, %2C (properties). */
static void gh_escape(const char *s, int property, FILE *out) {
  for (; *s; s++) {
    switch (*s) {
    case '%': fputs("%25", out); break;
    case '\r': fputs("%0D", out); break;
    case '\n': fputs("%0A", out); break;
    case ':': property ? fputs("%3A", out) : fputc(':', out); break;
    case ',': property ? fputs("%2C", out) : fputc(',', out); break;
    default: fputc(*s, out);
    }
  }
}

static void print_github(const lfh_diag *g, FILE *out) {
  const char *cmd = g->sev == LFH_SEV_ERROR ? "error" : g->sev == LFH_SEV_WARNING ? "warning"
                                                                                 : "notice";
  fprintf(out, "::%s ", cmd);
  if (g->file) {
    fputs("file=", out);
    gh_escape(g->file, 1, out);
    if (g->line) fprintf(out, ",line=%u,col=%u", g->line, g->col);
    fputc(',', out);
  }
  fputs("title=lfhost validate::", out);
  gh_escape(g->message, 0, out);
  if (g->yaml_path) {
    fputs(" (at ", out);
    gh_escape(g->yaml_path, 0, out);
    fputc(')', out);
  }
  if (g->hint) {
    fputs(". Hint: ", out);
    gh_escape(g->hint, 0, out);
  }
  fputc('\n', out);
}

static void json_string(const char *s, FILE *out) {
  if (!s) {
    fputs("null", out);
    return;
  }
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    case '\t': fputs("\\t", out); break;
    default:
      if (*p < 0x20)
        fprintf(out, "\\u%04x", *p);
      else
        fputc(*p, out);
    }
  }
  fputc('"', out);
}

static void print_json_item(const lfh_diag *g, FILE *out) {
  static const char *const sev[] = {"error", "warning", "note"};
  fprintf(out, "{\"severity\": \"%s\", \"message\": ", sev[g->sev]);
  json_string(g->message, out);
  fputs(", \"path\": ", out);
  json_string(g->yaml_path, out);
  fputs(", \"file\": ", out);
  json_string(g->file, out);
  fprintf(out, ", \"line\": %u, \"col\": %u, \"hint\": ", g->line, g->col);
  json_string(g->hint, out);
  fputc('}', out);
}

void lfh_diags_print(const lfh_diags *d, lfh_output fmt, FILE *out) {
  if (fmt == LFH_OUT_JSON) fputc('[', out);
  for (size_t i = 0; i < d->n; i++) {
    const lfh_diag *g = &d->items[i];
    if (fmt == LFH_OUT_TEXT)
      print_text(g, out);
    else if (fmt == LFH_OUT_GITHUB)
      print_github(g, out);
    else {
      fputs(i ? ",\n  " : "\n  ", out);
      print_json_item(g, out);
    }
  }
  if (fmt == LFH_OUT_JSON) fputs(d->n ? "\n]" : "]", out);
}

void lfh_diags_print_summary(const lfh_diags *d, FILE *out) {
  size_t errors = lfh_diags_count(d, LFH_SEV_ERROR);
  size_t warnings = lfh_diags_count(d, LFH_SEV_WARNING);
  if (errors == 0 && warnings == 0) {
    fputs("Validation OK!\n", out);
    return;
  }
  fprintf(out, "Found %zu error%s and %zu warning%s\n", errors, errors == 1 ? "" : "s",
          warnings, warnings == 1 ? "" : "s");
}
