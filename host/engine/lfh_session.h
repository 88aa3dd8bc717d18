/*
 * lfh_session — a bundle made ready for a command: loaded, resolved and checked exactly as
 * `lfhost validate` does it (one code path: a bundle that validates deploys and runs), with
 * the plugins it names loaded into a registry. validate, deploy, destroy, summary, run,
 * events and runs all start here.
 *
 * Ownership: the session owns the bundle, the registry (plugins stay loaded until
 * lfh_session_close) and the diagnostics.
 */
#ifndef LFH_SESSION_H
#define LFH_SESSION_H

#include "bundle/lfh_bundle.h"
#include "loader/lfh_loader.h"
#include "util/lfh_diag.h"

typedef struct lfh_session {
  lfh_bundle *bundle;   /* NULL when it could not be loaded at all */
  lfh_registry *reg;
  lfh_searchpath sp;
  lfh_diags diags;      /* everything loading and checking reported */
} lfh_session;

/* Loads and checks the bundle `o` names. Returns 0 when the bundle loaded and has no
 * errors (warnings and notes are in s->diags), 1 when it has errors, -1 when out of
 * memory. The session must be closed whatever the result. */
int lfh_session_open(const lfh_bundle_opts *o, lfh_session *s);
void lfh_session_close(lfh_session *s);

/* `--var NAME=VALUE` of a command line: appends `arg` (borrowed from argv) to `vars`, the
 * array o->vars points at (room for argc entries), or prints the usage error and returns
 * 2, the usage exit code. */
int lfh_session_add_var(lfh_bundle_opts *o, const char **vars, const char *arg);

/* Prints the diagnostics the way validate's text output does (to `out`), with the
 * summary line. For commands other than validate, which print nothing when all is fine:
 * `quiet_if_clean` skips the output when there is no error or warning. */
void lfh_session_report(const lfh_session *s, FILE *out, int quiet_if_clean);

#endif
