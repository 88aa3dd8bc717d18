/*
 * bench_expr — SQL expectations over clickstream rows (clickstream_rows.h) with lfhost's
 * expression engine, one core: each expression of a TSV file (name<TAB>expression, '#'
 * comments) is compiled once against the batches' schema and evaluated with
 * lfh_expr_eval_predicate over every batch; best of 3 runs. Prints row-evaluations per
 * second and the passing rows, which must match DuckDB's count_if on the same rows
 * (bench/duckdb/duck_bench.mjs expr, run next by bench/run.sh).
 *
 * Usage: bench_expr EXPRS.tsv [--rows N]   (default 1000000; 65536-row batches)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clickstream_rows.h"
#include "expr/lfh_expr.h"
#include "lf/lf_array.h"

#define BATCH_ROWS 65536
#define MAX_EXPRS 32

typedef struct rule {
  char *name, *text;
  lfh_expr *e;
  double best_ms;
  int64_t passing;
} rule;

static int read_rules(const char *path, rule *rules, int *n) {
  FILE *f = fopen(path, "r");
  char line[2048];
  if (!f) {
    perror(path);
    return -1;
  }
  *n = 0;
  while (fgets(line, sizeof line, f) && *n < MAX_EXPRS) {
    line[strcspn(line, "\r\n")] = '\0';
    char *tab = strchr(line, '\t');
    if (line[0] == '#' || !tab) continue;
    *tab = '\0';
    rules[*n].name = strdup(line);
    rules[*n].text = strdup(tab + 1);
    (*n)++;
  }
  fclose(f);
  return 0;
}

/* Evaluates `r` over every batch; the verdict buffer holds BATCH_ROWS bytes. */
static int run_rule(rule *r, const clickstream_batches *b, uint8_t *verdict) {
  char msg[512];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  for (int rep = 0; rep < 3; rep++) {
    int64_t pass = 0;
    double t0 = bench_now();
    for (size_t i = 0; i < b->n; i++) {
      if (lfh_expr_eval_predicate(r->e, &b->a[i], NULL, verdict, &err) != LF_OK) {
        fprintf(stderr, "%s: %s\n", r->name, msg);
        return -1;
      }
      for (int64_t j = 0; j < b->a[i].length; j++) pass += verdict[j] == LFH_VERDICT_TRUE;
    }
    double ms = (bench_now() - t0) * 1e3;
    if (rep == 0 || ms < r->best_ms) r->best_ms = ms;
    r->passing = pass;
  }
  return 0;
}

int main(int argc, char **argv) {
  long long rows = 1000000;
  rule rules[MAX_EXPRS];
  int n = 0, rc = 1;
  clickstream_batches b = {0};
  uint8_t *verdict = malloc(BATCH_ROWS);
  if (argc == 4 && strcmp(argv[2], "--rows") == 0) rows = atoll(argv[3]);
  if ((argc != 2 && argc != 4) || rows <= 0 || !verdict) {
    fprintf(stderr, "usage: bench_expr EXPRS.tsv [--rows N]\n");
    free(verdict);
    return 2;
  }
  memset(rules, 0, sizeof rules);
  if (read_rules(argv[1], rules, &n) != 0) goto done;
  if (clickstream_batches_build(&b, rows, BATCH_ROWS) != 0) goto done;
  printf("lfhost expression engine, 1 core, %lld rows in %zu batches of %d\n\n", rows, b.n,
         BATCH_ROWS);
  printf("| expectation | ms | row-evaluations/s | passing rows |\n| --- | --- | --- | --- |\n");
  double total = 0;
  for (int i = 0; i < n; i++) {
    char msg[512];
    lf_error err;
    lf_error_init(&err, msg, sizeof msg);
    lfh_expr_pos pos;
    rules[i].e = lfh_expr_compile(rules[i].text, strlen(rules[i].text), &b.s[0], &pos, &err);
    if (!rules[i].e) {
      fprintf(stderr, "%s: %s\n", rules[i].name, msg);
      goto done;
    }
    if (run_rule(&rules[i], &b, verdict) != 0) goto done;
    total += rules[i].best_ms;
    printf("| %s | %.1f | %.2f M | %lld |\n", rules[i].name, rules[i].best_ms,
           (double)rows / rules[i].best_ms / 1e3, (long long)rules[i].passing);
  }
  printf("| all %d, one after the other | %.1f | %.2f M | |\n", n, total,
         (double)rows * n / total / 1e3);
  rc = 0;
done:
  for (int i = 0; i < n; i++) {
    lfh_expr_free(rules[i].e);
    free(rules[i].name);
    free(rules[i].text);
  }
  clickstream_batches_free(&b);
  free(verdict);
  return rc;
}
