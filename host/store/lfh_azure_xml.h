/*
 * lfh_azure_xml — the XML bodies of the Blob service that lfhost reads (expat): a List
 * Blobs page and the committed blocks of a Get Block List.
 */
#ifndef LFH_AZURE_XML_H
#define LFH_AZURE_XML_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf_plugin.h"

typedef struct lfh_azure_blob_item {
  char *name;       /* owned; the full blob name */
  uint64_t size;
  int64_t mtime_us; /* Last-Modified; 0 when absent */
  int is_dir;       /* ADLS Gen2 directory entry (ResourceType directory), not an object */
} lfh_azure_blob_item;

/* One page of List Blobs (EnumerationResults). Everything owned by the page. */
typedef struct lfh_azure_list_page {
  lfh_azure_blob_item *items;
  size_t n, cap;
  char *next_marker; /* NULL or "" on the last page */
} lfh_azure_list_page;

/* Parses a List Blobs body into `out` (zeroed first by the caller). `uri` is for the
 * message. 0, LF_ERR_NOMEM or LF_ERR_IO (malformed XML). */
int lfh_azure_parse_list(const char *xml, size_t len, lfh_azure_list_page *out,
                         const char *uri, lf_error *err);
void lfh_azure_list_page_free(lfh_azure_list_page *p);

/* Parses a Get Block List body: the names (base64 ids as sent) of its committed blocks,
 * into a malloc'd array of malloc'd strings (*names, *n). 0 or as above. */
int lfh_azure_parse_block_list(const char *xml, size_t len, char ***names, size_t *n,
                               const char *uri, lf_error *err);

#endif
