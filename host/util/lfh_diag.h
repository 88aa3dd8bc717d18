/*
 * lfh_diag — diagnostics collected while loading and checking a bundle, printed the way
 * the Databricks CLI prints them (text), as JSON, or as GitHub Actions annotations.
 */
#ifndef LFH_DIAG_H
#define LFH_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lfh_common.h"

typedef enum lfh_severity {
  LFH_SEV_ERROR = 0,
  LFH_SEV_WARNING = 1,
  LFH_SEV_NOTE = 2 /* informational: never fails validation, not even under --strict */
} lfh_severity;

/* A position in a source file. Lines and columns are 1-based; line 0 means unknown.
 * `file` is borrowed: it must outlive whatever holds the mark (bundles keep their file
 * names for their whole life; see lfh_bundle). */
typedef struct lfh_mark {
  const char *file;
  uint32_t line;
  uint32_t col;
} lfh_mark;

typedef struct lfh_diag {
  lfh_severity sev;
  char *message;   /* owned */
  char *yaml_path; /* owned, may be NULL: "resources.pipelines.clickstream.flows.ingest" */
  char *file;      /* owned copy, may be NULL */
  uint32_t line, col;
  char *hint;      /* owned, may be NULL: "did you mean 'target'?" */
} lfh_diag;

typedef struct lfh_diags {
  lfh_diag *items;
  size_t n, cap;
} lfh_diags;

typedef enum lfh_output {
  LFH_OUT_TEXT = 0,
  LFH_OUT_JSON = 1,
  LFH_OUT_GITHUB = 2
} lfh_output;

void lfh_diags_init(lfh_diags *d);
void lfh_diags_free(lfh_diags *d);

/* Adds a diagnostic. `mark`, `yaml_path` and `hint` may be NULL. Allocation failure is
 * reported on stderr and the diagnostic dropped — the caller's own error path stands. */
void lfh_diag_add(lfh_diags *d, lfh_severity sev, const lfh_mark *mark, const char *yaml_path,
                  const char *hint, const char *fmt, ...) LFH_PRINTF(6, 7);

size_t lfh_diags_count(const lfh_diags *d, lfh_severity sev);

/* Finds the first diagnostic whose message contains `needle` (tests use this). */
const lfh_diag *lfh_diags_find(const lfh_diags *d, const char *needle);

/* Text:   "Error: msg\n  at a.b.c\n  in file:line:col\n  hint: ...\n\n"
 * GitHub: "::error file=F,line=L,col=C,title=lfhost validate::msg (at a.b.c). hint"
 * JSON:   an array of objects {severity, message, path, file, line, col, hint}. */
void lfh_diags_print(const lfh_diags *d, lfh_output fmt, FILE *out);

/* "Validation OK!" or "Found N errors and M warnings" (singular/plural as English). */
void lfh_diags_print_summary(const lfh_diags *d, FILE *out);

#endif
