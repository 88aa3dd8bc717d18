#include "engine/lfh_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* bundle.plugin_path entries are relative to the bundle's root file. */
static int searchpath_for(const lfh_bundle *b, const char *cli, lfh_searchpath *sp) {
  const lfh_node *bundle = b->root ? lfh_map_get(b->root, "bundle") : NULL;
  const lfh_node *dirs = bundle ? lfh_map_get(bundle, "plugin_path") : NULL;
  size_t n = dirs && dirs->kind == LFH_NODE_SEQ ? dirs->n : 0;
  char **abs = calloc(n + 1, sizeof *abs);
  int rc = -1;
  if (!abs) return -1;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const lfh_node *d = dirs->items[i];
    if (d->kind != LFH_NODE_SCALAR) continue; /* the schema check reports it */
    int w = d->scalar[0] == '/' ? asprintf(&abs[k], "%s", d->scalar)
                                : asprintf(&abs[k], "%s/%s", b->root_dir, d->scalar);
    if (w < 0) goto fail;
    k++;
  }
  rc = lfh_searchpath_init(sp, cli, (const char *const *)abs, k);
fail:
  for (size_t i = 0; i < k; i++) free(abs[i]);
  free(abs);
  return rc;
}

int lfh_session_open(const lfh_bundle_opts *o, lfh_session *s) {
  memset(s, 0, sizeof *s);
  lfh_diags_init(&s->diags);
  if (lfh_bundle_load(o, &s->bundle, &s->diags) == 0 && s->bundle) {
    s->reg = lfh_registry_new();
    if (!s->reg || searchpath_for(s->bundle, o->plugin_path, &s->sp) != 0) return -1;
    lfh_bundle_check(s->bundle, s->reg, &s->sp, &s->diags);
  }
  return s->bundle && lfh_diags_count(&s->diags, LFH_SEV_ERROR) == 0 ? 0 : 1;
}

int lfh_session_add_var(lfh_bundle_opts *o, const char **vars, const char *arg) {
  if (!strchr(arg, '=') || arg[0] == '=') {
    fprintf(stderr, "Error: --var expects NAME=VALUE, got '%s'\n", arg);
    return 2;
  }
  vars[o->n_vars++] = arg;
  return 0;
}

void lfh_session_close(lfh_session *s) {
  if (!s) return;
  lfh_diags_free(&s->diags);
  lfh_searchpath_free(&s->sp);
  lfh_registry_free(s->reg);
  lfh_bundle_free(s->bundle);
  memset(s, 0, sizeof *s);
}

void lfh_session_report(const lfh_session *s, FILE *out, int quiet_if_clean) {
  if (quiet_if_clean && lfh_diags_count(&s->diags, LFH_SEV_ERROR) == 0 &&
      lfh_diags_count(&s->diags, LFH_SEV_WARNING) == 0)
    return;
  lfh_diags_print(&s->diags, LFH_OUT_TEXT, out);
  lfh_diags_print_summary(&s->diags, out);
}
