/*
 * lfh_bundle_exprs — the part of `lfhost validate` that compiles a bundle's SQL
 * expressions and parses its DDL schemas (docs/BUNDLE.md "Expressions and schemas").
 *
 * Checked: every expectation's `expr` (and the `unique`/`not_null` columns where the
 * dataset's schema is known), a flow's auto_cdc `sequence_by`, `apply_as_deletes` and
 * `apply_as_truncates`, every stage option of type LF_CONFIG_EXPR, every LF_CONFIG_SCHEMA
 * option and every dataset `schema`. Expressions compile against the schema of the rows
 * they see when it is known before the pipeline runs (a dataset's `schema`, or the DDL
 * its feeding source stage was given), otherwise their syntax, functions and literals
 * are checked alone. An error is placed at the bundle file:line:col of the offending
 * character inside the YAML scalar.
 */
#ifndef LFH_BUNDLE_EXPRS_H
#define LFH_BUNDLE_EXPRS_H

#include <stddef.h>

#include "../loader/lfh_loader.h"
#include "../util/lfh_diag.h"
#include "lfh_yaml.h"

/* Checks the expressions and schemas of every pipeline of `root` (b->root, or b->raw
 * when resolution failed). `reg` holds the plugins already loaded by the stage checks
 * (may be NULL: stage options are then not known and not checked). Returns the number
 * of errors added to `d`. */
size_t lfh_bundle_check_exprs(const lfh_node *root, lfh_registry *reg, lfh_diags *d);

/* Where byte `offset` of scalar `n`'s value lies in the bundle file, as a mark (file
 * borrowed from n->mark). Exact for plain, quoted and block scalars whose text matches
 * the file (the file is read again); the scalar's own mark when it does not (a value
 * built by ${...} substitution before the offset, a file no longer on disk). An offset
 * at or past the end names the column after the last character. */
lfh_mark lfh_scalar_offset_mark(const lfh_node *n, size_t offset);

#endif
