/*
 * lfh_refs — ${...} reference resolution over the resolved bundle tree.
 *
 * Resolution is lazy and memoised: a reference resolves its target node first (which may
 * hold references itself), so the order of the document does not matter. Every node being
 * resolved is BUSY and sits on a stack of frames; meeting a BUSY node again is a cycle,
 * and the frames name the chain. A node that failed is FAILED, and references to it
 * resolve to "" without further errors, so one mistake gives one diagnostic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/lfh_suggest.h"
#include "lfh_load_internal.h"

enum { RS_TODO = LFH_RS_TODO, RS_BUSY = LFH_RS_BUSY, RS_DONE = LFH_RS_DONE, RS_FAILED = LFH_RS_FAILED };

#define LFH_REF_MAX_CHAIN 64
/* Interpolation can double a string per level; cap what one bundle may produce. */
#define LFH_REF_MAX_OUTPUT (16u * 1024 * 1024)
#define LFH_REF_MAX_SEGMENTS 32

typedef struct lfh_rframe {
  lfh_node *node;  /* borrowed */
  char *name;      /* owned: the reference that led here ("var.a") or the node's path */
  char *path;      /* owned: the node's YAML path, for diagnostics */
} lfh_rframe;

typedef struct lfh_resolver {
  lfh_bundle *b;
  const lfh_var_table *vars;
  lfh_diags *d;
  int no_files;
  int oom;
  size_t output;  /* bytes produced by interpolation so far */
  size_t cloned;  /* nodes produced by substituting complex values */
  lfh_rframe stack[LFH_REF_MAX_CHAIN];
  size_t depth;
} lfh_resolver;

/* What a reference resolved to: a node of the tree (borrowed) or a string (owned). */
typedef struct lfh_refval {
  const lfh_node *node;
  char *text;
  int secret;
} lfh_refval;

/* ------------------------------------------------------------ small string buffer */

typedef struct lfh_sbuf {
  char *s;
  size_t len, cap;
} lfh_sbuf;

static int sb_add(lfh_sbuf *sb, const char *s, size_t n) {
  if (sb->len + n + 1 > sb->cap) {
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + n + 1) cap *= 2;
    char *p = realloc(sb->s, cap);
    if (!p) return -1;
    sb->s = p;
    sb->cap = cap;
  }
  if (n) memcpy(sb->s + sb->len, s, n);
  sb->len += n;
  sb->s[sb->len] = '\0';
  return 0;
}

/* ------------------------------------------------------------ frames */

static int push_frame(lfh_resolver *r, lfh_node *n, const char *name, const char *path) {
  if (r->depth == LFH_REF_MAX_CHAIN) {
    lfh_diag_add(r->d, LFH_SEV_ERROR, &n->mark, path, NULL,
                 "references nest deeper than %d levels", LFH_REF_MAX_CHAIN);
    return 1;
  }
  lfh_rframe *f = &r->stack[r->depth];
  f->node = n;
  f->name = strdup(name);
  f->path = strdup(path);
  if (!f->name || !f->path) {
    free(f->name);
    free(f->path);
    r->oom = 1;
    return -1;
  }
  r->depth++;
  n->resolve_state = RS_BUSY;
  return 0;
}

static void pop_frame(lfh_resolver *r, int ok) {
  lfh_rframe *f = &r->stack[--r->depth];
  f->node->resolve_state = ok ? RS_DONE : RS_FAILED;
  free(f->name);
  free(f->path);
}

static const lfh_rframe *top(const lfh_resolver *r) { return &r->stack[r->depth - 1]; }

/* "reference cycle: var.a -> var.b -> var.a", reported at the node that closes it. */
static void report_cycle(lfh_resolver *r, const lfh_node *target, const char *ref) {
  lfh_sbuf sb = {0};
  size_t i = 0;
  while (i < r->depth && r->stack[i].node != target) i++;
  int bad = 0;
  for (; i < r->depth; i++) {
    bad |= sb_add(&sb, r->stack[i].name, strlen(r->stack[i].name));
    bad |= sb_add(&sb, " -> ", 4);
  }
  bad |= sb_add(&sb, ref, strlen(ref));
  const lfh_rframe *t = top(r);
  if (bad) r->oom = 1;
  else lfh_diag_add(r->d, LFH_SEV_ERROR, &t->node->mark, t->path, NULL, "reference cycle: %s",
                    sb.s);
  free(sb.s);
}

/* ------------------------------------------------------------ resolving nodes */

static int resolve_node(lfh_resolver *r, lfh_node *n, const char *name, const char *path,
                        int as_target);

static int contains_ref(const lfh_node *n) {
  return n->kind == LFH_NODE_SCALAR && n->scalar && strstr(n->scalar, "${") != NULL;
}

static int resolve_children(lfh_resolver *r, lfh_node *n, const char *path, int as_target) {
  int failed = 0;
  for (size_t i = 0; i < n->n && !r->oom; i++) {
    int map = n->kind == LFH_NODE_MAP;
    /* variables.X.default is declared text; the value actually used is variables.X.value */
    if (map && !as_target && r->depth == 0 && strncmp(path, "variables.", 10) == 0 &&
        !strchr(path + 10, '.') && strcmp(n->entries[i].key, "default") == 0)
      continue;
    char *cp = map ? lfh_path_key(path, n->entries[i].key) : lfh_path_index(path, i);
    if (!cp) {
      r->oom = 1;
      break;
    }
    lfh_node *c = map ? n->entries[i].value : n->items[i];
    /* a child walked as part of a target is named by its path in a cycle chain */
    if (resolve_node(r, c, cp, cp, as_target) != 0) failed = 1;
    free(cp);
  }
  return failed || r->oom;
}

static int resolve_scalar(lfh_resolver *r, lfh_node *n, const char *path);

/* Resolves n. `as_target`: n is what a reference points at, so containers are BUSY while
 * their children resolve (a child referring to its ancestor is a cycle); the plain walk
 * over the tree does not mark containers, or a pipeline field naming a sibling field
 * would look like a cycle. Returns 0, or 1 when n (or something below) failed. */
static int resolve_node(lfh_resolver *r, lfh_node *n, const char *name, const char *path,
                        int as_target) {
  if (n->resolve_state == RS_DONE) return 0;
  if (n->resolve_state == RS_FAILED) return 1;
  if (n->kind == LFH_NODE_NULL || (n->kind == LFH_NODE_SCALAR && !contains_ref(n))) {
    n->resolve_state = RS_DONE;
    return 0;
  }
  int container = n->kind == LFH_NODE_MAP || n->kind == LFH_NODE_SEQ;
  if (container && !as_target) {
    int rc = resolve_children(r, n, path, 0);
    if (!rc) n->resolve_state = RS_DONE;
    return rc;
  }
  int rc = push_frame(r, n, name, path);
  if (rc != 0) return 1;
  rc = container ? resolve_children(r, n, path, 1) : resolve_scalar(r, n, path);
  pop_frame(r, rc == 0 && !r->oom);
  return rc;
}

/* ------------------------------------------------------------ looking references up */

/* The hint repeats the whole reference with segs[i] replaced by the nearest candidate. */
static void unknown_ref(lfh_resolver *r, const char *ref, const char *const *segs, size_t i,
                        size_t n_segs, const char *const *cands, size_t n_cands) {
  const lfh_rframe *t = top(r);
  const char *s = lfh_suggest(segs[i], cands, n_cands);
  char *hint = NULL;
  if (s) {
    lfh_sbuf sb = {0};
    int bad = 0;
    for (size_t k = 0; k < n_segs; k++) {
      const char *seg = k == i ? s : segs[k];
      if (k) bad |= sb_add(&sb, ".", 1);
      bad |= sb_add(&sb, seg, strlen(seg));
    }
    if (bad || !sb.s || asprintf(&hint, "did you mean '${%s}'?", sb.s) < 0) hint = NULL;
    free(sb.s);
  }
  lfh_diag_add(r->d, LFH_SEV_ERROR, &t->node->mark, t->path, hint, "unknown reference '${%s}'",
               ref);
  free(hint);
}

/* Keys of a mapping as a borrowed array for lfh_suggest (malloc'd array). */
static const char **map_keys(const lfh_node *map, size_t *n) {
  *n = 0;
  if (!map || map->kind != LFH_NODE_MAP || map->n == 0) return NULL;
  const char **k = malloc(map->n * sizeof *k);
  if (!k) return NULL;
  for (size_t i = 0; i < map->n; i++) k[i] = map->entries[i].key;
  *n = map->n;
  return k;
}

static void unknown_key(lfh_resolver *r, const char *ref, const char *const *segs, size_t i,
                        size_t n_segs, const lfh_node *map) {
  size_t n;
  const char **k = map_keys(map, &n);
  unknown_ref(r, ref, segs, i, n_segs, k, n);
  free(k);
}

static int parse_index(const char *s, size_t *out) {
  if (!*s) return -1;
  size_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > 100000000) return -1;
    v = v * 10 + (size_t)(*s - '0');
  }
  *out = v;
  return 0;
}

/* Steps from `cur` to its child named segs[i]; NULL (reported) when there is none. */
static lfh_node *step(lfh_resolver *r, const char *ref, const char *const *segs, size_t i,
                      size_t n_segs, lfh_node *cur) {
  size_t idx;
  if (cur->kind == LFH_NODE_MAP) {
    lfh_node *c = lfh_map_get(cur, segs[i]);
    if (!c) unknown_key(r, ref, segs, i, n_segs, cur);
    return c;
  }
  if (cur->kind == LFH_NODE_SEQ && parse_index(segs[i], &idx) == 0 && idx < cur->n)
    return cur->items[idx];
  unknown_ref(r, ref, segs, i, n_segs, NULL, 0);
  return NULL;
}

/* Walks segs[from..] below `cur`. Intermediate scalars are resolved first: one may be a
 * whole-value reference that becomes a mapping. Returns 0, 1 (failed, reported). */
static int descend(lfh_resolver *r, const char *ref, const char *const *segs, size_t n_segs,
                   size_t from, lfh_node *cur, const char *cur_path, lfh_refval *out) {
  for (size_t i = from; i < n_segs; i++) {
    if (cur->kind == LFH_NODE_SCALAR && contains_ref(cur)) {
      if (cur->resolve_state == RS_BUSY) return report_cycle(r, cur, ref), 1;
      if (resolve_node(r, cur, ref, cur_path, 1) != 0) return 1;
    }
    /* ${resources.pipelines.K.id}: lfhost names a pipeline by its key */
    if (i == 3 && n_segs == 4 && strcmp(segs[0], "resources") == 0 &&
        strcmp(segs[3], "id") == 0 && cur->kind == LFH_NODE_MAP && !lfh_map_get(cur, "id")) {
      out->text = strdup(segs[2]);
      return out->text ? 0 : (r->oom = 1, 1);
    }
    cur = step(r, ref, segs, i, n_segs, cur);
    if (!cur) return 1;
  }
  if (cur->resolve_state == RS_BUSY) return report_cycle(r, cur, ref), 1;
  if (resolve_node(r, cur, ref, ref, 1) != 0) return 1;
  out->node = cur;
  out->secret = cur->secret;
  return 0;
}

static const lfh_var_src *find_var(const lfh_resolver *r, const char *name) {
  for (size_t i = 0; i < r->vars->n; i++)
    if (strcmp(r->vars->items[i].name, name) == 0) return &r->vars->items[i];
  return NULL;
}

static int lookup_var(lfh_resolver *r, const char *ref, const char *const *segs, size_t n_segs,
                      lfh_refval *out) {
  const lfh_var_src *v = n_segs >= 2 ? find_var(r, segs[1]) : NULL;
  if (!v) {
    const char **names = malloc((r->vars->n + 1) * sizeof *names);
    if (!names) return r->oom = 1, 1;
    for (size_t i = 0; i < r->vars->n; i++) names[i] = r->vars->items[i].name;
    unknown_ref(r, ref, segs, n_segs >= 2 ? 1 : 0, n_segs, names, n_segs >= 2 ? r->vars->n : 0);
    free(names);
    return 1;
  }
  lfh_node *cur = v->value;
  if (cur->resolve_state == RS_BUSY) return report_cycle(r, cur, ref), 1;
  /* the variable's value is named "var.X" in a chain, whatever path follows */
  char *name = NULL;
  if (asprintf(&name, "var.%s", segs[1]) < 0) return r->oom = 1, 1;
  int rc = resolve_node(r, cur, name, v->path, 1);
  free(name);
  if (rc != 0) return 1;
  return descend(r, ref, segs, n_segs, 2, cur, v->path, out);
}

static int lookup_secret(lfh_resolver *r, const char *ref, lfh_refval *out) {
  const lfh_rframe *t = top(r);
  char *value = NULL, *why = NULL;
  int rc = lfh_secret_read(r->b, ref + strlen("secrets."), r->no_files, &value, &why);
  if (rc < 0) return free(why), r->oom = 1, 1;
  if (rc == 2) {
    lfh_diag_add(r->d, LFH_SEV_ERROR, &t->node->mark, t->path, NULL,
                 "malformed secret reference '${%s}': %s", ref, why);
    free(why);
    return 1;
  }
  if (rc == 1) {
    /* validate runs where secrets may be absent; the run needs them, not the check */
    lfh_diag_add(r->d, LFH_SEV_NOTE, &t->node->mark, t->path, NULL,
                 "secret '${%s}' is not available (%s); it is needed at run time", ref, why);
    free(why);
    value = strdup("");
    if (!value) return r->oom = 1, 1;
  } else if (lfh_bundle_remember_secret(r->b, value) != 0) {
    free(value);
    return r->oom = 1, 1;
  }
  out->text = value;
  out->secret = 1;
  return 0;
}

static int split_ref(char *ref, char **segs, size_t *n) {
  *n = 0;
  for (char *p = ref;; p++) {
    if (*n == LFH_REF_MAX_SEGMENTS) return -1;
    segs[(*n)++] = p;
    p = strchr(p, '.');
    if (!p) break;
    *p = '\0';
  }
  for (size_t i = 0; i < *n; i++)
    if (!*segs[i]) return -1;
  return 0;
}

static int lookup(lfh_resolver *r, const char *ref, lfh_refval *out) {
  static const char *const roots[] = {"var", "variables", "bundle", "workspace", "resources",
                                      "secrets"};
  memset(out, 0, sizeof *out);
  if (strncmp(ref, "secrets.", 8) == 0) return lookup_secret(r, ref, out);
  char *copy = strdup(ref);
  char *segs[LFH_REF_MAX_SEGMENTS];
  size_t n = 0;
  int rc = 1;
  if (!copy) return r->oom = 1, 1;
  if (split_ref(copy, segs, &n) != 0) {
    unknown_ref(r, ref, (const char *const *)segs, 0, 0, NULL, 0);
  } else if (strcmp(segs[0], "var") == 0) {
    rc = lookup_var(r, ref, (const char *const *)segs, n, out);
  } else if (n == 2 && !strcmp(segs[0], "bundle") && !strcmp(segs[1], "target")) {
    out->text = strdup(r->b->target ? r->b->target : "default");
    rc = out->text ? 0 : (r->oom = 1);
  } else if (n >= 2 && (!strcmp(segs[0], "variables") || !strcmp(segs[0], "bundle") ||
                        !strcmp(segs[0], "workspace") || !strcmp(segs[0], "resources"))) {
    rc = descend(r, ref, (const char *const *)segs, n, 0, r->b->root, "", out);
  } else {
    int known = 0; /* `${bundle}` alone: a root is not a value, and suggesting it is noise */
    for (size_t i = 0; i < LFH_ARRAY_LEN(roots); i++) known |= !strcmp(segs[0], roots[i]);
    unknown_ref(r, ref, (const char *const *)segs, 0, n, known ? NULL : roots,
                known ? 0 : LFH_ARRAY_LEN(roots));
  }
  free(copy);
  return rc;
}

/* ------------------------------------------------------------ interpolation */

/* Replaces n by a copy of the complex node a whole-value reference points at. */
static size_t count_nodes(const lfh_node *n) {
  size_t c = 1;
  for (size_t i = 0; i < n->n; i++)
    c += count_nodes(n->kind == LFH_NODE_MAP ? n->entries[i].value : n->items[i]);
  return c;
}

static int substitute(lfh_resolver *r, lfh_node *n, const lfh_node *target) {
  size_t count = count_nodes(target);
  lfh_node *c = lfh_node_clone(target);
  if (!c) return r->oom = 1, 1;
  r->cloned += count;
  if (r->cloned > LFH_YAML_MAX_NODES) {
    lfh_node_free(c);
    lfh_diag_add(r->d, LFH_SEV_ERROR, &n->mark, top(r)->path, NULL,
                 "references expand to more than %d nodes", LFH_YAML_MAX_NODES);
    return 1;
  }
  lfh_node_replace(n, c, 1);
  return 0;
}

static int append_value(lfh_resolver *r, lfh_sbuf *sb, const char *ref, const lfh_refval *v) {
  const char *s = v->text;
  size_t len = s ? strlen(s) : 0;
  if (v->node && v->node->kind == LFH_NODE_SCALAR) {
    s = v->node->scalar;
    len = v->node->scalar_len;
  } else if (v->node && v->node->kind != LFH_NODE_NULL) {
    const lfh_rframe *t = top(r);
    lfh_diag_add(r->d, LFH_SEV_ERROR, &t->node->mark, t->path,
                 "a mapping or sequence can only be the whole value: key: ${...}",
                 "cannot interpolate '${%s}' into a string: it is a %s", ref,
                 v->node->kind == LFH_NODE_MAP ? "mapping" : "sequence");
    return 1;
  }
  r->output += len;
  if (r->output > LFH_REF_MAX_OUTPUT) {
    lfh_diag_add(r->d, LFH_SEV_ERROR, &top(r)->node->mark, top(r)->path, NULL,
                 "references expand to more than %u bytes", LFH_REF_MAX_OUTPUT);
    return 1;
  }
  if (sb_add(sb, s ? s : "", len) != 0) return r->oom = 1, 1;
  return 0;
}

/* Handles the reference at text[*i] ("${"). Whole-value complex references replace n;
 * *replaced says so. */
static int one_ref(lfh_resolver *r, lfh_node *n, const char *text, size_t *i, lfh_sbuf *sb,
                   int *secret, int *replaced) {
  const char *end = strchr(text + *i + 2, '}');
  if (!end) {
    lfh_diag_add(r->d, LFH_SEV_ERROR, &n->mark, top(r)->path, "write $${ for a literal ${",
                 "unterminated reference: '${' without '}'");
    return 1;
  }
  size_t len = (size_t)(end - (text + *i + 2));
  char *ref = strndup(text + *i + 2, len);
  if (!ref) return r->oom = 1, 1;
  int whole = *i == 0 && end[1] == '\0';
  lfh_refval v;
  int rc = lookup(r, ref, &v);
  if (rc == 0 && whole && v.node && v.node->kind != LFH_NODE_SCALAR) {
    /* a null value stays null: `x: ${var.unset_complex}` */
    rc = substitute(r, n, v.node);
    *replaced = rc == 0;
  } else if (rc == 0) {
    if (whole && v.node) n->quoted = v.node->quoted; /* `x: ${var.flag}` stays a bool */
    rc = append_value(r, sb, ref, &v);
    *secret |= v.secret;
  }
  free(v.text);
  free(ref);
  *i = (size_t)(end - text) + 1;
  return rc;
}

static int resolve_scalar(lfh_resolver *r, lfh_node *n, const char *path) {
  (void)path;
  char *text = n->scalar; /* kept alive: n's text is only replaced at the end */
  n->scalar = NULL;
  size_t text_len = n->scalar_len;
  lfh_sbuf sb = {0};
  int secret = n->secret, replaced = 0, rc = 0;
  for (size_t i = 0; i < text_len && rc == 0 && !replaced;) {
    if (text[i] == '$' && text[i + 1] == '$' && text[i + 2] == '{') {
      if (sb_add(&sb, "${", 2) != 0) rc = r->oom = 1;
      i += 3;
    } else if (text[i] == '$' && text[i + 1] == '{') {
      rc = one_ref(r, n, text, &i, &sb, &secret, &replaced);
    } else {
      const char *next = strchr(text + i + 1, '$');
      size_t chunk = next ? (size_t)(next - (text + i)) : text_len - i;
      if (sb_add(&sb, text + i, chunk) != 0) rc = r->oom = 1;
      i += chunk;
    }
  }
  if (!replaced) {
    n->scalar = text; /* lfh_node_set_text frees the old text */
    text = NULL;
    if (rc == 0 && lfh_node_set_text(n, sb.s ? sb.s : "", sb.len) != 0) rc = r->oom = 1;
    if (rc == 0) n->secret = secret;
  }
  free(text);
  free(sb.s);
  return rc;
}

/* ------------------------------------------------------------ entry */

static void reset_states(lfh_node *n) {
  n->resolve_state = RS_TODO;
  for (size_t i = 0; i < n->n; i++)
    reset_states(n->kind == LFH_NODE_MAP ? n->entries[i].value : n->items[i]);
}

int lfh_refs_resolve(lfh_bundle *b, const lfh_var_table *vars, int no_files, lfh_diags *d) {
  lfh_resolver r = {.b = b, .vars = vars, .d = d, .no_files = no_files};
  if (!b->root) return 0;
  /* Variables first, so a cycle among them reads from the first variable declared. */
  for (size_t i = 0; i < vars->n && !r.oom; i++) {
    char *name = NULL;
    if (asprintf(&name, "var.%s", vars->items[i].name) < 0) return -1;
    resolve_node(&r, vars->items[i].value, name, vars->items[i].path, 1);
    free(name);
  }
  if (!r.oom) resolve_node(&r, b->root, "", "", 0);
  reset_states(b->root);
  return r.oom ? -1 : 0;
}
