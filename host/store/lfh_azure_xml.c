/*
 * lfh_azure_xml — List Blobs and Get Block List bodies, parsed with expat.
 *
 * Both parsers keep the path of open elements ("/EnumerationResults/Blobs/Blob/Name")
 * and the text of the current element, and act when an element they know ends; unknown
 * elements are ignored, so fields added by later service versions do no harm.
 */
#include "store/lfh_azure_xml.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "store/lfh_azure_sign.h"
#include "store/lfh_store.h"

typedef struct xml_state {
  lfh_buf path; /* "/A/B/C", NUL-terminated */
  lfh_buf text; /* text of the innermost element, NUL-terminated */
  int failed;   /* LF_ERR_NOMEM once an allocation failed */
  void (*on_end)(struct xml_state *st, const char *path, const char *text);
  lfh_azure_list_page *page;   /* list parser */
  char **names;                /* block list parser: owned until handed out */
  size_t n_names, cap_names;
} xml_state;

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts) {
  xml_state *st = ud;
  (void)atts;
  st->path.len = st->path.len ? st->path.len - 1 : 0; /* drop the NUL */
  if (lfh_buf_append(&st->path, "/", 1) != 0 || lfh_buf_append(&st->path, name, strlen(name)) ||
      lfh_buf_append(&st->path, "", 1) != 0)
    st->failed = LF_ERR_NOMEM;
  st->text.len = 0;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len) {
  xml_state *st = ud;
  if (len > 0 && lfh_buf_append(&st->text, s, (size_t)len) != 0) st->failed = LF_ERR_NOMEM;
}

static void XMLCALL on_end(void *ud, const XML_Char *name) {
  xml_state *st = ud;
  (void)name;
  if (st->failed || !st->path.data) return;
  if (lfh_buf_append(&st->text, "", 1) != 0) {
    st->failed = LF_ERR_NOMEM;
    return;
  }
  st->on_end(st, (const char *)st->path.data, (const char *)st->text.data);
  st->text.len = 0;
  char *slash = strrchr((char *)st->path.data, '/');
  if (slash) {
    *slash = '\0';
    st->path.len = (size_t)(slash - (char *)st->path.data) + 1;
  }
}

/* Runs expat over `xml` with `st`; 0, LF_ERR_NOMEM or LF_ERR_IO naming `uri`. */
static int run(xml_state *st, const char *xml, size_t len, const char *what, const char *uri,
               lf_error *err) {
  XML_Parser p = XML_ParserCreate("UTF-8");
  int rc = 0;
  if (!p) return lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory parsing %s", uri, what);
  XML_SetUserData(p, st);
  XML_SetElementHandler(p, on_start, on_end);
  XML_SetCharacterDataHandler(p, on_text);
  if (len > (size_t)INT32_MAX) {
    rc = lf_error_set(err, LF_ERR_IO, "%s: %s response too large", uri, what);
  } else if (XML_Parse(p, xml, (int)len, 1) == XML_STATUS_ERROR) {
    rc = lf_error_set(err, LF_ERR_IO, "%s: malformed %s response: %s at line %lu", uri, what,
                      XML_ErrorString(XML_GetErrorCode(p)),
                      (unsigned long)XML_GetCurrentLineNumber(p));
  } else if (st->failed) {
    rc = lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory parsing %s", uri, what);
  }
  XML_ParserFree(p);
  lfh_buf_free(&st->path);
  lfh_buf_free(&st->text);
  return rc;
}

/* ------------------------------------------------------------------ List Blobs */

#define LIST_BLOB "/EnumerationResults/Blobs/Blob"

static void list_end(xml_state *st, const char *path, const char *text) {
  lfh_azure_list_page *pg = st->page;
  if (strcmp(path, "/EnumerationResults/NextMarker") == 0) {
    free(pg->next_marker);
    if (!(pg->next_marker = strdup(text))) st->failed = LF_ERR_NOMEM;
    return;
  }
  if (strncmp(path, LIST_BLOB, strlen(LIST_BLOB)) != 0) return;
  const char *rest = path + strlen(LIST_BLOB);
  if (strcmp(rest, "/Name") == 0) {
    if (pg->n == pg->cap) {
      size_t cap = pg->cap ? pg->cap * 2 : 64;
      lfh_azure_blob_item *it = realloc(pg->items, cap * sizeof *it);
      if (!it) {
        st->failed = LF_ERR_NOMEM;
        return;
      }
      pg->items = it;
      pg->cap = cap;
    }
    lfh_azure_blob_item *it = &pg->items[pg->n];
    memset(it, 0, sizeof *it);
    if (!(it->name = strdup(text))) {
      st->failed = LF_ERR_NOMEM;
      return;
    }
    pg->n++;
    return;
  }
  if (pg->n == 0) return; /* properties before any name: nothing to attach them to */
  lfh_azure_blob_item *it = &pg->items[pg->n - 1];
  if (strcmp(rest, "/Properties/Content-Length") == 0)
    it->size = strtoull(text, NULL, 10);
  else if (strcmp(rest, "/Properties/Last-Modified") == 0)
    (void)lfh_azure_parse_http_date(text, &it->mtime_us); /* a bad date is not fatal */
  else if (strcmp(rest, "/Properties/ResourceType") == 0)
    it->is_dir = strcmp(text, "directory") == 0;
}

int lfh_azure_parse_list(const char *xml, size_t len, lfh_azure_list_page *out,
                         const char *uri, lf_error *err) {
  xml_state st = {.on_end = list_end, .page = out};
  int rc = run(&st, xml, len, "List Blobs", uri, err);
  if (rc != 0) lfh_azure_list_page_free(out);
  return rc;
}

void lfh_azure_list_page_free(lfh_azure_list_page *p) {
  if (!p) return;
  for (size_t i = 0; i < p->n; i++) free(p->items[i].name);
  free(p->items);
  free(p->next_marker);
  memset(p, 0, sizeof *p);
}

/* ------------------------------------------------------------------ Get Block List */

static void blocks_end(xml_state *st, const char *path, const char *text) {
  if (strcmp(path, "/BlockList/CommittedBlocks/Block/Name") != 0) return;
  if (st->n_names == st->cap_names) {
    size_t cap = st->cap_names ? st->cap_names * 2 : 16;
    char **nn = realloc(st->names, cap * sizeof *nn);
    if (!nn) {
      st->failed = LF_ERR_NOMEM;
      return;
    }
    st->names = nn;
    st->cap_names = cap;
  }
  if (!(st->names[st->n_names] = strdup(text))) {
    st->failed = LF_ERR_NOMEM;
    return;
  }
  st->n_names++;
}

int lfh_azure_parse_block_list(const char *xml, size_t len, char ***names, size_t *n,
                               const char *uri, lf_error *err) {
  xml_state st = {.on_end = blocks_end};
  int rc = run(&st, xml, len, "Get Block List", uri, err);
  if (rc != 0) {
    for (size_t i = 0; i < st.n_names; i++) free(st.names[i]);
    free(st.names);
    return rc;
  }
  *names = st.names;
  *n = st.n_names;
  return 0;
}
