/*
 * The Azure Blob backend's pure parts, without a server: the Shared Key string to sign
 * and signature (a vector computed independently with `openssl dgst -hmac` over the
 * string the Azure docs describe, with Azurite's published dev key), percent-encoding,
 * base64, HTTP dates, and the List Blobs / Get Block List XML parsers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_azure_sign.h"
#include "store/lfh_azure_xml.h"

/* Azurite's well-known account key (public: published in the Azurite README). */
static const char k_dev_key_b64[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

static char g_msg[256];
static lf_error g_err;
static lf_error *err0(void) {
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  return &g_err;
}

static size_t dev_key(uint8_t *out) {
  /* decode with the module's inverse: base64 of the decoded bytes must round-trip */
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (const char *p = k_dev_key_b64; *p && *p != '='; p++) {
    acc = (acc << 6) | (uint32_t)(strchr(tbl, *p) - tbl);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (uint8_t)(acc >> bits);
    }
  }
  return n;
}

static const lfh_http_header k_hdrs[] = {
    {"x-ms-version", "2021-08-06", 0},
    {"X-MS-Date", "Sun, 06 Nov 1994 08:49:37 GMT", 0},
    {"x-ms-blob-type", "BlockBlob", 0},
    {"If-None-Match", "*", 0},
    {"Content-Type", "text/plain", 0},
    {"x-ms-meta-a", "  one \t  two  ", 0},
    {"User-Agent", "not signed", 0},
};

static const lfh_azure_sign_in k_in = {
    .method = "PUT", .headers = k_hdrs, .n_headers = sizeof k_hdrs / sizeof *k_hdrs,
    .content_length = 5, .account = "devstoreaccount1",
    .path = "/devstoreaccount1/c/a%20b", .query = "comp=block&blockid=abc%3D"};

static void test_string_to_sign(void) {
  static const char want[] =
      "PUT\n\n\n5\n\ntext/plain\n\n\n\n*\n\n\n"
      "x-ms-blob-type:BlockBlob\n"
      "x-ms-date:Sun, 06 Nov 1994 08:49:37 GMT\n"
      "x-ms-meta-a:one two\n"
      "x-ms-version:2021-08-06\n"
      "/devstoreaccount1/devstoreaccount1/c/a%20b\nblockid:abc=\ncomp:block";
  lfh_buf b = {0};
  CU_ASSERT_EQUAL_FATAL(lfh_azure_string_to_sign(&k_in, &b), 0);
  CU_ASSERT_EQUAL(b.len, strlen(want));
  CU_ASSERT_STRING_EQUAL((char *)b.data, want);
  lfh_buf_free(&b);

  /* no body: Content-Length is an empty line; repeated query names join sorted by ',' */
  lfh_azure_sign_in in = k_in;
  in.method = "GET";
  in.n_headers = 2;
  in.content_length = 0;
  in.path = "/devstoreaccount1/c";
  in.query = "restype=container&comp=list&Include=b&include=a&prefix=x%2Fy";
  CU_ASSERT_EQUAL_FATAL(lfh_azure_string_to_sign(&in, &b), 0);
  CU_ASSERT_STRING_EQUAL((char *)b.data,
                         "GET\n\n\n\n\n\n\n\n\n\n\n\n"
                         "x-ms-date:Sun, 06 Nov 1994 08:49:37 GMT\nx-ms-version:2021-08-06\n"
                         "/devstoreaccount1/devstoreaccount1/c\ncomp:list\ninclude:a,b\n"
                         "prefix:x/y\nrestype:container");
  lfh_buf_free(&b);
}

static void test_shared_key_vector(void) {
  uint8_t key[64];
  size_t n = dev_key(key);
  CU_ASSERT_EQUAL_FATAL(n, 64);
  char auth[128];
  CU_ASSERT_EQUAL_FATAL(lfh_azure_shared_key(&k_in, key, n, auth, sizeof auth), 0);
  /* openssl dgst -sha256 -mac HMAC -macopt hexkey:<dev key> -binary sts | base64 */
  CU_ASSERT_STRING_EQUAL(auth,
                         "SharedKey devstoreaccount1:c6jn185tZl5xEdE+NFxe9nppznV8uUQPz96C9LZiVtw=");
  /* any change in what is signed changes the signature */
  lfh_azure_sign_in in = k_in;
  in.content_length = 6;
  char other[128];
  CU_ASSERT_EQUAL(lfh_azure_shared_key(&in, key, n, other, sizeof other), 0);
  CU_ASSERT_STRING_NOT_EQUAL(auth, other);
  CU_ASSERT_NOT_EQUAL(lfh_azure_shared_key(&k_in, key, n, other, 20), 0); /* too small */
}

static void test_encoding(void) {
  lfh_buf b = {0};
  CU_ASSERT_EQUAL(lfh_azure_pct_encode(&b, "a b/c~d+é", strlen("a b/c~d+é"), 1), 0);
  CU_ASSERT_EQUAL(lfh_buf_append(&b, "", 1), 0);
  CU_ASSERT_STRING_EQUAL((char *)b.data, "a%20b/c~d%2B%C3%A9");
  b.len = 0;
  CU_ASSERT_EQUAL(lfh_azure_pct_encode(&b, "x/y=", 4, 0), 0);
  CU_ASSERT_EQUAL(lfh_buf_append(&b, "", 1), 0);
  CU_ASSERT_STRING_EQUAL((char *)b.data, "x%2Fy%3D");
  lfh_buf_free(&b);
  char s[] = "a%20b%2fc%zz%4";
  size_t n = lfh_azure_pct_decode(s, strlen(s));
  CU_ASSERT_EQUAL(n, strlen("a b/c%zz%4"));
  CU_ASSERT_STRING_EQUAL(s, "a b/c%zz%4"); /* invalid escapes stay */

  char out[16];
  CU_ASSERT_EQUAL(lfh_azure_base64("lfh", 3, out, sizeof out), 4);
  CU_ASSERT_STRING_EQUAL(out, "bGZo");
  CU_ASSERT_EQUAL(lfh_azure_base64("lf", 2, out, sizeof out), 4);
  CU_ASSERT_STRING_EQUAL(out, "bGY=");
  CU_ASSERT_EQUAL(lfh_azure_base64("0123456789abc", 13, out, sizeof out), -1);
}

static void test_dates(void) {
  char d[30];
  lfh_azure_http_date(784111777, d);
  CU_ASSERT_STRING_EQUAL(d, "Sun, 06 Nov 1994 08:49:37 GMT");
  int64_t us = 0;
  CU_ASSERT_EQUAL(lfh_azure_parse_http_date(d, &us), 0);
  CU_ASSERT_EQUAL(us, INT64_C(784111777) * 1000000);
  CU_ASSERT_EQUAL(lfh_azure_parse_http_date("Thu, 29 Feb 2024 23:59:59 GMT", &us), 0);
  CU_ASSERT_EQUAL(us, INT64_C(1709251199) * 1000000);
  CU_ASSERT_EQUAL(lfh_azure_parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT", &us),
                  LF_ERR_INVALID);
  CU_ASSERT_EQUAL(lfh_azure_parse_http_date("yesterday", &us), LF_ERR_INVALID);
}

static const char k_list_xml[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
    "<EnumerationResults ServiceEndpoint=\"http://x/\" ContainerName=\"c\">"
    "<Prefix>p/</Prefix><MaxResults>2</MaxResults><Blobs>"
    "<Blob><Name>p/a &amp; b</Name><Properties><Last-Modified>Sun, 06 Nov 1994 08:49:37 GMT"
    "</Last-Modified><Etag>0x1</Etag><Content-Length>12</Content-Length></Properties>"
    "<Metadata><Name>not the blob name</Name></Metadata></Blob>"
    "<Blob><Name>p/dir</Name><Properties><Content-Length>0</Content-Length>"
    "<ResourceType>directory</ResourceType></Properties></Blob>"
    "</Blobs><NextMarker>2!72!MDAwMDA=</NextMarker></EnumerationResults>";

static void test_parse_list(void) {
  lfh_azure_list_page pg = {0};
  CU_ASSERT_EQUAL_FATAL(lfh_azure_parse_list(k_list_xml, strlen(k_list_xml), &pg, "u", err0()), 0);
  CU_ASSERT_EQUAL_FATAL(pg.n, 2);
  CU_ASSERT_STRING_EQUAL(pg.items[0].name, "p/a & b");
  CU_ASSERT_EQUAL(pg.items[0].size, 12);
  CU_ASSERT_EQUAL(pg.items[0].mtime_us, INT64_C(784111777) * 1000000);
  CU_ASSERT_FALSE(pg.items[0].is_dir);
  CU_ASSERT_STRING_EQUAL(pg.items[1].name, "p/dir");
  CU_ASSERT_TRUE(pg.items[1].is_dir);
  CU_ASSERT_STRING_EQUAL(pg.next_marker, "2!72!MDAwMDA=");
  lfh_azure_list_page_free(&pg);

  static const char last[] = "<EnumerationResults><Blobs/><NextMarker/></EnumerationResults>";
  CU_ASSERT_EQUAL(lfh_azure_parse_list(last, strlen(last), &pg, "u", err0()), 0);
  CU_ASSERT_EQUAL(pg.n, 0);
  CU_ASSERT_TRUE(!pg.next_marker || !pg.next_marker[0]);
  lfh_azure_list_page_free(&pg);

  static const char bad[] = "<EnumerationResults><Blobs><Blob><Name>x</Blobs>";
  CU_ASSERT_EQUAL(lfh_azure_parse_list(bad, strlen(bad), &pg, "abfss://c@a/x", err0()),
                  LF_ERR_IO);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "abfss://c@a/x"));
  CU_ASSERT_EQUAL(pg.n, 0);
}

static void test_parse_block_list(void) {
  static const char xml[] =
      "<BlockList><CommittedBlocks><Block><Name>QQ==</Name><Size>3</Size></Block>"
      "<Block><Name>Qg==</Name><Size>1</Size></Block></CommittedBlocks>"
      "<UncommittedBlocks><Block><Name>Qw==</Name></Block></UncommittedBlocks></BlockList>";
  char **names = NULL;
  size_t n = 0;
  CU_ASSERT_EQUAL_FATAL(lfh_azure_parse_block_list(xml, strlen(xml), &names, &n, "u", err0()), 0);
  CU_ASSERT_EQUAL_FATAL(n, 2);
  CU_ASSERT_STRING_EQUAL(names[0], "QQ==");
  CU_ASSERT_STRING_EQUAL(names[1], "Qg==");
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"string to sign", test_string_to_sign},
      {"shared key vector", test_shared_key_vector},
      {"percent-encoding and base64", test_encoding},
      {"HTTP dates", test_dates},
      {"List Blobs XML", test_parse_list},
      {"Get Block List XML", test_parse_block_list},
      {NULL, NULL}};
  return lfh_test_run("store_azure_sign", cases);
}
