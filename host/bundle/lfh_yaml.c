/*
 * lfh_yaml — a node tree built from libyaml's event stream (see lfh_yaml.h).
 *
 * The event API (not libyaml's document API) is used because it hands us the position of
 * every scalar, including mapping keys, and lets us refuse duplicate keys and merge keys
 * while the document streams by. Aliases are expanded by cloning the anchored node, with
 * a node budget and a depth budget so that a hostile document cannot blow up memory or
 * the (recursive) tree functions' stack.
 */
#include "lfh_yaml.h"
#include "../util/lfh_mem.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---------------------------------------------------------------- nodes */

lfh_node *lfh_node_new(lfh_node_kind kind, const lfh_mark *mark) {
  lfh_node *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->kind = kind;
  if (mark) n->mark = *mark;
  return n;
}

int lfh_node_set_text(lfh_node *n, const char *s, size_t len) {
  char *copy = malloc(len + 1);
  if (!copy) return -1;
  if (len) memcpy(copy, s, len);
  copy[len] = '\0';
  free(n->scalar);
  n->scalar = copy;
  n->scalar_len = len;
  return 0;
}

lfh_node *lfh_node_new_scalar(const char *s, const lfh_mark *mark) {
  lfh_node *n = lfh_node_new(LFH_NODE_SCALAR, mark);
  if (!n) return NULL;
  if (lfh_node_set_text(n, s ? s : "", s ? strlen(s) : 0) != 0) {
    free(n);
    return NULL;
  }
  return n;
}

/* Frees what a node owns, not the node itself. */
static void node_clear(lfh_node *n) {
  free(n->scalar);
  for (size_t i = 0; n->entries && i < n->n; i++) {
    free(n->entries[i].key);
    lfh_node_free(n->entries[i].value);
  }
  for (size_t i = 0; n->items && i < n->n; i++) lfh_node_free(n->items[i]);
  free(n->entries);
  free(n->items);
}

void lfh_node_free(lfh_node *n) {
  if (!n) return;
  node_clear(n);
  free(n);
}

void lfh_node_replace(lfh_node *dst, lfh_node *src, int keep_mark) {
  lfh_mark mark = dst->mark;
  node_clear(dst);
  *dst = *src;
  if (keep_mark) dst->mark = mark;
  free(src); /* its contents now belong to dst */
}

static int node_grow(lfh_node *n) {
  if (n->kind == LFH_NODE_MAP)
    return lfh_grow(&n->entries, &n->cap, n->n + 1, sizeof *n->entries, 4);
  return lfh_grow(&n->items, &n->cap, n->n + 1, sizeof *n->items, 4);
}

int lfh_seq_push(lfh_node *seq, lfh_node *item) {
  if (!seq || seq->kind != LFH_NODE_SEQ || !item) return -1;
  if (node_grow(seq) != 0) return -1;
  seq->items[seq->n++] = item;
  return 0;
}

static lfh_map_entry *map_find(const lfh_node *map, const char *key) {
  if (!map || map->kind != LFH_NODE_MAP) return NULL;
  for (size_t i = 0; i < map->n; i++)
    if (strcmp(map->entries[i].key, key) == 0) return &map->entries[i];
  return NULL;
}

lfh_node *lfh_map_get(const lfh_node *map, const char *key) {
  lfh_map_entry *e = map_find(map, key);
  return e ? e->value : NULL;
}

const lfh_map_entry *lfh_map_entry_get(const lfh_node *map, const char *key) {
  return map_find(map, key);
}

int lfh_map_set(lfh_node *map, const char *key, const lfh_mark *key_mark, lfh_node *value) {
  if (!map || map->kind != LFH_NODE_MAP || !key || !value) return -1;
  lfh_map_entry *e = map_find(map, key);
  if (e) {
    lfh_node_free(e->value);
    e->value = value;
    if (key_mark) e->key_mark = *key_mark;
    return 0;
  }
  char *k = strdup(key);
  if (!k || node_grow(map) != 0) {
    free(k);
    return -1;
  }
  e = &map->entries[map->n++];
  e->key = k;
  e->key_mark = key_mark ? *key_mark : value->mark;
  e->value = value;
  return 0;
}

int lfh_map_remove(lfh_node *map, const char *key) {
  lfh_map_entry *e = map_find(map, key);
  if (!e) return 0;
  size_t i = (size_t)(e - map->entries);
  free(e->key);
  lfh_node_free(e->value);
  memmove(&map->entries[i], &map->entries[i + 1], (map->n - i - 1) * sizeof *e);
  map->n--;
  return 1;
}

static int clone_children(lfh_node *c, const lfh_node *n) {
  for (size_t i = 0; i < n->n; i++) {
    lfh_node *v = lfh_node_clone(n->kind == LFH_NODE_MAP ? n->entries[i].value : n->items[i]);
    if (!v) return -1;
    int rc = n->kind == LFH_NODE_MAP
                 ? lfh_map_set(c, n->entries[i].key, &n->entries[i].key_mark, v)
                 : lfh_seq_push(c, v);
    if (rc != 0) {
      lfh_node_free(v);
      return -1;
    }
  }
  return 0;
}

lfh_node *lfh_node_clone(const lfh_node *n) {
  if (!n) return NULL;
  lfh_node *c = lfh_node_new(n->kind, &n->mark);
  if (!c) return NULL;
  c->quoted = n->quoted;
  c->secret = n->secret;
  c->resolve_state = n->resolve_state;
  if (n->scalar && lfh_node_set_text(c, n->scalar, n->scalar_len) != 0) goto fail;
  if ((n->kind == LFH_NODE_MAP || n->kind == LFH_NODE_SEQ) && clone_children(c, n) != 0)
    goto fail;
  return c;
fail:
  lfh_node_free(c);
  return NULL;
}

/* DAB semantics: a null source leaves the destination alone (an empty `resources:` in a
 * target does not wipe the top level); maps merge; anything else replaces. */
int lfh_node_merge(lfh_node *dst, const lfh_node *src) {
  if (!dst || !src || src->kind == LFH_NODE_NULL) return 0;
  if (dst->kind == LFH_NODE_MAP && src->kind == LFH_NODE_MAP) {
    for (size_t i = 0; i < src->n; i++) {
      const lfh_map_entry *se = &src->entries[i];
      lfh_map_entry *de = map_find(dst, se->key);
      if (de && de->value->kind != LFH_NODE_NULL) {
        if (lfh_node_merge(de->value, se->value) != 0) return -1;
        continue;
      }
      if (se->value->kind == LFH_NODE_NULL && de) continue;
      lfh_node *v = lfh_node_clone(se->value);
      if (!v || lfh_map_set(dst, se->key, &se->key_mark, v) != 0) {
        lfh_node_free(v);
        return -1;
      }
    }
    return 0;
  }
  lfh_node *c = lfh_node_clone(src);
  if (!c) return -1;
  lfh_node_replace(dst, c, 0);
  return 0;
}

/* ---------------------------------------------------------------- scalars */

static int text_of(const lfh_node *n, const char **s) {
  if (!n || n->kind != LFH_NODE_SCALAR || !n->scalar) return -1;
  /* a scalar with an embedded NUL is never a number or a bool */
  if (strlen(n->scalar) != n->scalar_len || n->scalar_len == 0) return -1;
  *s = n->scalar;
  return 0;
}

int lfh_scalar_bool(const lfh_node *n, int *out) {
  static const char *const yes[] = {"true", "True", "TRUE"};
  static const char *const no[] = {"false", "False", "FALSE"};
  const char *s;
  if (text_of(n, &s) != 0) return -1;
  for (size_t i = 0; i < LFH_ARRAY_LEN(yes); i++) {
    if (strcmp(s, yes[i]) == 0) return *out = 1, 0;
    if (strcmp(s, no[i]) == 0) return *out = 0, 0;
  }
  return -1;
}

int lfh_scalar_int(const lfh_node *n, long long *out) {
  const char *s;
  if (text_of(n, &s) != 0) return -1;
  int neg = (*s == '-');
  const char *p = (*s == '-' || *s == '+') ? s + 1 : s;
  int base = 10;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o')) {
    base = p[1] == 'x' ? 16 : 8;
    p += 2;
  }
  /* strtoull alone would accept spaces, a second sign or a 0x inside a 0o */
  if (!*p) return -1;
  for (const char *q = p; *q; q++) {
    int ok = base == 16 ? ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
                           (*q >= 'A' && *q <= 'F'))
                        : (*q >= '0' && *q < (base == 8 ? '8' : ':'));
    if (!ok) return -1;
  }
  errno = 0;
  unsigned long long v = strtoull(p, NULL, base);
  if (errno == ERANGE) return -1;
  if (neg ? v > (unsigned long long)LLONG_MAX + 1 : v > (unsigned long long)LLONG_MAX) return -1;
  *out = neg ? (long long)(0 - v) : (long long)v;
  return 0;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* YAML 1.2 core float: [-+]? ( \.[0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static int float_syntax(const char *p) {
  if (*p == '-' || *p == '+') p++;
  size_t before = 0, after = 0;
  while (is_digit(*p)) p++, before++;
  if (*p == '.') {
    p++;
    while (is_digit(*p)) p++, after++;
  }
  if (before + after == 0) return 0;
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '-' || *p == '+') p++;
    if (!is_digit(*p)) return 0;
    while (is_digit(*p)) p++;
  }
  return *p == '\0';
}

int lfh_scalar_double(const lfh_node *n, double *out) {
  static const char *const special[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"};
  const char *s;
  if (text_of(n, &s) != 0) return -1;
  for (size_t i = 0; i < LFH_ARRAY_LEN(special); i++) {
    if (strcmp(s, special[i]) == 0) return *out = HUGE_VAL, 0;
    if (s[0] == '-' && strcmp(s + 1, special[i]) == 0) return *out = -HUGE_VAL, 0;
  }
  if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) return *out = NAN, 0;
  if (!float_syntax(s)) return -1;
  *out = strtod(s, NULL);
  return 0;
}

/* ---------------------------------------------------------------- parsing */

typedef struct lfh_anchor {
  char *name;
  const lfh_node *node; /* borrowed: owned by the tree being built (or the graveyard) */
  size_t count;         /* nodes in the anchored subtree */
  size_t height;        /* its depth */
} lfh_anchor;

typedef struct lfh_yparse {
  yaml_parser_t parser;
  const char *file;
  lfh_diags *d;
  lfh_anchor *anchors;
  size_t n_anchors, cap_anchors;
  size_t n_nodes;
  int failed;          /* a semantic error was reported; keep parsing to report more */
  lfh_node *graveyard; /* discarded nodes, freed last: anchors may still point into them */
} lfh_yparse;

static lfh_mark mark_of(const lfh_yparse *p, yaml_mark_t m) {
  lfh_mark k = {p->file, (uint32_t)m.line + 1, (uint32_t)m.column + 1};
  return k;
}

static void report_syntax(lfh_yparse *p) {
  yaml_parser_t *y = &p->parser;
  lfh_mark m = mark_of(p, y->problem_mark);
  const char *problem = y->problem ? y->problem : "malformed YAML";
  if (y->error == YAML_MEMORY_ERROR) problem = "out of memory";
  if (y->context)
    lfh_diag_add(p->d, LFH_SEV_ERROR, &m, NULL, NULL, "YAML syntax error: %s %s", problem,
                 y->context);
  else
    lfh_diag_add(p->d, LFH_SEV_ERROR, &m, NULL, NULL, "YAML syntax error: %s", problem);
}

static int next_event(lfh_yparse *p, yaml_event_t *ev) {
  if (yaml_parser_parse(&p->parser, ev)) return 0;
  report_syntax(p);
  return -1;
}

/* Keeps a node we do not want in the tree alive until the end of the parse. */
static void bury(lfh_yparse *p, lfh_node *n) {
  if (n && lfh_seq_push(p->graveyard, n) != 0) {
    /* only reachable on ENOMEM: leaking beats a dangling anchor */
    p->failed = 1;
  }
}

static void measure(const lfh_node *n, size_t *count, size_t *height) {
  size_t h = 0;
  *count += 1;
  for (size_t i = 0; i < n->n; i++) {
    size_t ch = 0;
    const lfh_node *c = n->kind == LFH_NODE_MAP ? n->entries[i].value : n->items[i];
    measure(c, count, &ch);
    if (ch > h) h = ch;
  }
  *height = h + 1;
}

static int add_anchor(lfh_yparse *p, const yaml_char_t *name, const lfh_node *n) {
  if (!name) return 0;
  if (lfh_grow(&p->anchors, &p->cap_anchors, p->n_anchors + 1, sizeof *p->anchors, 8) != 0)
    return -1;
  lfh_anchor *a = &p->anchors[p->n_anchors];
  a->name = strdup((const char *)name);
  if (!a->name) return -1;
  a->node = n;
  a->count = 0;
  measure(n, &a->count, &a->height);
  p->n_anchors++;
  return 0;
}

/* The latest definition of an anchor wins, as YAML says. */
static const lfh_anchor *find_anchor(const lfh_yparse *p, const char *name) {
  for (size_t i = p->n_anchors; i > 0; i--)
    if (strcmp(p->anchors[i - 1].name, name) == 0) return &p->anchors[i - 1];
  return NULL;
}

static int count_node(lfh_yparse *p, const lfh_mark *m) {
  if (++p->n_nodes <= LFH_YAML_MAX_NODES) return 0;
  lfh_diag_add(p->d, LFH_SEV_ERROR, m, NULL, NULL,
               "document too large: more than %d nodes (after expanding aliases)",
               LFH_YAML_MAX_NODES);
  return -1;
}

static int is_null_text(const char *s, size_t len) {
  return len == 0 || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
         !strcmp(s, "NULL");
}

static lfh_node *build_scalar(lfh_yparse *p, const yaml_event_t *ev) {
  lfh_mark m = mark_of(p, ev->start_mark);
  const char *s = (const char *)ev->data.scalar.value;
  size_t len = ev->data.scalar.length;
  int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
  const char *tag = (const char *)ev->data.scalar.tag;
  int str_tag = tag && strcmp(tag, YAML_STR_TAG) == 0;
  if (count_node(p, &m) != 0) return NULL;
  lfh_node *n;
  if (plain && !str_tag && is_null_text(s, len)) {
    n = lfh_node_new(LFH_NODE_NULL, &m);
  } else {
    n = lfh_node_new(LFH_NODE_SCALAR, &m);
    if (n && lfh_node_set_text(n, s, len) != 0) {
      lfh_node_free(n);
      n = NULL;
    }
    if (n) n->quoted = !plain || str_tag;
  }
  if (n && add_anchor(p, ev->data.scalar.anchor, n) != 0) {
    lfh_node_free(n);
    n = NULL;
  }
  return n;
}

static lfh_node *build_alias(lfh_yparse *p, const yaml_event_t *ev, size_t depth) {
  lfh_mark m = mark_of(p, ev->start_mark);
  const char *name = (const char *)ev->data.alias.anchor;
  const lfh_anchor *a = find_anchor(p, name);
  if (!a) {
    /* libyaml reports undefined aliases only in its document loader, not in the parser */
    lfh_diag_add(p->d, LFH_SEV_ERROR, &m, NULL, NULL, "unknown alias '*%s'", name);
    return NULL;
  }
  if (depth + a->height > LFH_YAML_MAX_DEPTH) {
    lfh_diag_add(p->d, LFH_SEV_ERROR, &m, NULL, NULL,
                 "alias '*%s' nests deeper than %d levels", name, LFH_YAML_MAX_DEPTH);
    return NULL;
  }
  p->n_nodes += a->count - 1;
  if (count_node(p, &m) != 0) return NULL;
  return lfh_node_clone(a->node);
}

static lfh_node *build_node(lfh_yparse *p, yaml_event_t *ev, size_t depth);

static lfh_node *build_seq(lfh_yparse *p, const yaml_event_t *start, size_t depth) {
  lfh_mark m = mark_of(p, start->start_mark);
  lfh_node *n = count_node(p, &m) == 0 ? lfh_node_new(LFH_NODE_SEQ, &m) : NULL;
  if (!n) return NULL;
  for (;;) {
    yaml_event_t ev;
    if (next_event(p, &ev) != 0) goto fail;
    if (ev.type == YAML_SEQUENCE_END_EVENT) {
      yaml_event_delete(&ev);
      break;
    }
    lfh_node *item = build_node(p, &ev, depth + 1);
    yaml_event_delete(&ev);
    if (!item) goto fail;
    if (lfh_seq_push(n, item) != 0) {
      lfh_node_free(item);
      goto fail;
    }
  }
  if (add_anchor(p, start->data.sequence_start.anchor, n) != 0) goto fail;
  return n;
fail:
  bury(p, n); /* anchors inside may still be registered */
  return NULL;
}

/* Reads a mapping key: a scalar (or an alias of one). Other keys are reported; *key stays
 * NULL for them but the node is consumed. Returns -1 on a fatal error. */
static int read_key(lfh_yparse *p, yaml_event_t *ev, size_t depth, lfh_node **key) {
  lfh_mark m = mark_of(p, ev->start_mark);
  *key = build_node(p, ev, depth + 1);
  if (!*key) return -1;
  if ((*key)->kind == LFH_NODE_SCALAR || (*key)->kind == LFH_NODE_NULL) {
    if (!(*key)->scalar && lfh_node_set_text(*key, "", 0) != 0) return -1;
    if (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
        strcmp((*key)->scalar, "<<") == 0) {
      lfh_diag_add(p->d, LFH_SEV_ERROR, &m, NULL, NULL,
                   "merge keys ('<<') are not supported: repeat the keys or use a variable");
      p->failed = 1;
    }
    return 0;
  }
  lfh_diag_add(p->d, LFH_SEV_ERROR, &m, NULL, NULL, "mapping keys must be scalars");
  p->failed = 1;
  bury(p, *key);
  *key = NULL;
  return 0;
}

/* Adds key: value to map, refusing a duplicate key. Takes `value` in every case. */
static int add_entry(lfh_yparse *p, lfh_node *map, const lfh_node *key, lfh_node *value) {
  const lfh_map_entry *first = map_find(map, key->scalar);
  if (first) {
    lfh_diag_add(p->d, LFH_SEV_ERROR, &key->mark, NULL, NULL,
                 "duplicate key '%s' (first defined at %s:%u:%u)", key->scalar,
                 first->key_mark.file ? first->key_mark.file : "<input>",
                 first->key_mark.line, first->key_mark.col);
    p->failed = 1;
    bury(p, value);
    return 0;
  }
  if (lfh_map_set(map, key->scalar, &key->mark, value) != 0) {
    lfh_node_free(value);
    return -1;
  }
  return 0;
}

static int build_entry(lfh_yparse *p, lfh_node *map, yaml_event_t *kev, size_t depth) {
  lfh_node *key = NULL, *value = NULL;
  yaml_event_t vev;
  if (read_key(p, kev, depth, &key) != 0) return -1;
  if (next_event(p, &vev) != 0) goto fail;
  value = build_node(p, &vev, depth + 1);
  yaml_event_delete(&vev);
  if (!value) goto fail;
  if (!key) {
    bury(p, value);
    return 0;
  }
  int rc = add_entry(p, map, key, value);
  bury(p, key);
  return rc;
fail:
  bury(p, key);
  return -1;
}

static lfh_node *build_map(lfh_yparse *p, const yaml_event_t *start, size_t depth) {
  lfh_mark m = mark_of(p, start->start_mark);
  lfh_node *n = count_node(p, &m) == 0 ? lfh_node_new(LFH_NODE_MAP, &m) : NULL;
  if (!n) return NULL;
  for (;;) {
    yaml_event_t ev;
    if (next_event(p, &ev) != 0) goto fail;
    if (ev.type == YAML_MAPPING_END_EVENT) {
      yaml_event_delete(&ev);
      break;
    }
    int rc = build_entry(p, n, &ev, depth);
    yaml_event_delete(&ev);
    if (rc != 0) goto fail;
  }
  if (add_anchor(p, start->data.mapping_start.anchor, n) != 0) goto fail;
  return n;
fail:
  bury(p, n);
  return NULL;
}

/* Builds the node that starts with `ev` (borrowed; the caller deletes it). */
static lfh_node *build_node(lfh_yparse *p, yaml_event_t *ev, size_t depth) {
  if (depth > LFH_YAML_MAX_DEPTH) {
    lfh_mark m = mark_of(p, ev->start_mark);
    lfh_diag_add(p->d, LFH_SEV_ERROR, &m, NULL, NULL, "document nests deeper than %d levels",
                 LFH_YAML_MAX_DEPTH);
    return NULL;
  }
  switch (ev->type) {
  case YAML_SCALAR_EVENT: return build_scalar(p, ev);
  case YAML_ALIAS_EVENT: return build_alias(p, ev, depth);
  case YAML_SEQUENCE_START_EVENT: return build_seq(p, ev, depth);
  case YAML_MAPPING_START_EVENT: return build_map(p, ev, depth);
  default: {
    lfh_mark m = mark_of(p, ev->start_mark);
    lfh_diag_add(p->d, LFH_SEV_ERROR, &m, NULL, NULL, "unexpected YAML event %d", ev->type);
    return NULL;
  }
  }
}

/* Skips to the first document's root event; *done = 1 for an empty stream. */
static int parse_prologue(lfh_yparse *p, yaml_event_t *ev, int *done) {
  *done = 0;
  for (;;) {
    if (next_event(p, ev) != 0) return -1;
    if (ev->type == YAML_STREAM_END_EVENT) {
      *done = 1;
      return 0;
    }
    if (ev->type != YAML_STREAM_START_EVENT && ev->type != YAML_DOCUMENT_START_EVENT) return 0;
    yaml_event_delete(ev);
  }
}

static void yparse_done(lfh_yparse *p) {
  for (size_t i = 0; i < p->n_anchors; i++) free(p->anchors[i].name);
  free(p->anchors);
  lfh_node_free(p->graveyard);
  yaml_parser_delete(&p->parser);
}

lfh_node *lfh_yaml_load_buffer(const char *file, const char *buf, size_t len, lfh_diags *d) {
  lfh_yparse p = {.file = file, .d = d};
  lfh_mark m0 = {file, 1, 1};
  lfh_node *root = NULL;
  yaml_event_t ev;
  int done = 0;
  p.graveyard = lfh_node_new(LFH_NODE_SEQ, NULL);
  if (!p.graveyard || !yaml_parser_initialize(&p.parser)) {
    lfh_node_free(p.graveyard);
    lfh_diag_add(d, LFH_SEV_ERROR, &m0, NULL, NULL, "out of memory reading YAML");
    return NULL;
  }
  yaml_parser_set_input_string(&p.parser, (const unsigned char *)buf, len);
  if (parse_prologue(&p, &ev, &done) != 0) goto fail;
  if (done) {
    yaml_event_delete(&ev);
    root = lfh_node_new(LFH_NODE_NULL, &m0);
  } else {
    root = build_node(&p, &ev, 0);
    yaml_event_delete(&ev);
  }
  /* Only the first document is read; later ones are not even parsed. */
  if (!root || p.failed) goto fail;
  yparse_done(&p);
  return root;
fail:
  lfh_node_free(root);
  yparse_done(&p);
  return NULL;
}

lfh_node *lfh_yaml_load_file(const char *file, lfh_diags *d) {
  lfh_mark m = {file, 0, 0};
  char *buf = NULL;
  size_t len = 0;
  FILE *f = fopen(file, "rb");
  if (!f) {
    lfh_diag_add(d, LFH_SEV_ERROR, &m, NULL, NULL, "cannot read %s: %s", file,
                 strerror(errno));
    return NULL;
  }
  /* A memstream avoids trusting ftell() on pipes or special files. */
  FILE *mem = open_memstream(&buf, &len);
  char chunk[8192];
  size_t got;
  while (mem && (got = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, got, mem);
  int bad = ferror(f) || !mem;
  fclose(f);
  if (mem) fclose(mem);
  if (bad) {
    free(buf);
    lfh_diag_add(d, LFH_SEV_ERROR, &m, NULL, NULL, "cannot read %s", file);
    return NULL;
  }
  lfh_node *root = lfh_yaml_load_buffer(file, buf, len, d);
  free(buf);
  return root;
}

/* ---------------------------------------------------------------- JSON */

/* Length of a valid UTF-8 sequence at s (at most `left` bytes), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t left) {
  size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
                             : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || n > left) return 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  if (n == 2 && s[0] < 0xC2) return 0; /* overlong */
  if (n == 3 && s[0] == 0xE0 && s[1] < 0xA0) return 0;
  if (n == 3 && s[0] == 0xED && s[1] >= 0xA0) return 0; /* surrogates */
  if (n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || s[0] > 0xF4 || (s[0] == 0xF4 && s[1] >= 0x90)))
    return 0;
  return n;
}

/* Writes a JSON string literal. Bytes that are not UTF-8 (env values, files) become
 * U+FFFD so the output always parses. */
static void json_string(FILE *out, const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  fputc('"', out);
  for (size_t i = 0; i < len;) {
    unsigned char c = u[i];
    const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
                    : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b"
                    : c == '\f' ? "\\f" : NULL;
    if (esc) {
      fputs(esc, out);
      i++;
    } else if (c < 0x20 || c == 0x7f) {
      fprintf(out, "\\u%04x", c);
      i++;
    } else {
      size_t n = utf8_len(u + i, len - i);
      if (n == 0) {
        fputs("\\ufffd", out);
        i++;
      } else {
        fwrite(u + i, 1, n, out);
        i += n;
      }
    }
  }
  fputc('"', out);
}

static void json_double(FILE *out, double v) {
  char buf[64];
  /* the shortest of %.15g / %.17g that reads back as the same double */
  snprintf(buf, sizeof buf, "%.15g", v);
  if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
  fputs(buf, out);
}

static void json_scalar(const lfh_node *n, FILE *out) {
  int b;
  long long i;
  double v;
  if (n->secret) {
    fputs("\"***\"", out);
  } else if (n->quoted) {
    json_string(out, n->scalar, n->scalar_len);
  } else if (lfh_scalar_bool(n, &b) == 0) {
    fputs(b ? "true" : "false", out);
  } else if (lfh_scalar_int(n, &i) == 0) {
    fprintf(out, "%lld", i);
  } else if (lfh_scalar_double(n, &v) == 0 && v - v == 0) { /* finite: JSON has no inf */
    json_double(out, v);
  } else {
    json_string(out, n->scalar, n->scalar_len);
  }
}

static void json_indent(FILE *out, int level) {
  for (int i = 0; i < level; i++) fputs("  ", out);
}

void lfh_node_write_json(const lfh_node *n, FILE *out, int indent) {
  if (!n || n->kind == LFH_NODE_NULL) {
    fputs("null", out);
    return;
  }
  if (n->kind == LFH_NODE_SCALAR) {
    json_scalar(n, out);
    return;
  }
  int map = n->kind == LFH_NODE_MAP;
  if (n->n == 0) {
    fputs(map ? "{}" : "[]", out);
    return;
  }
  fputs(map ? "{\n" : "[\n", out);
  for (size_t i = 0; i < n->n; i++) {
    json_indent(out, indent + 1);
    if (map) {
      json_string(out, n->entries[i].key, strlen(n->entries[i].key));
      fputs(": ", out);
    }
    lfh_node_write_json(map ? n->entries[i].value : n->items[i], out, indent + 1);
    fputs(i + 1 < n->n ? ",\n" : "\n", out);
  }
  json_indent(out, indent);
  fputc(map ? '}' : ']', out);
}
