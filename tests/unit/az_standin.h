/*
 * az_standin — start, drive and stop tests/azure/imds_standin.py from a CUnit program:
 * the local stand-in for Azure's identity endpoints (and an echo server for lfh_http).
 * Header-only (static inline) so that every test program can include it.
 */
#ifndef AZ_STANDIN_H
#define AZ_STANDIN_H

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_http.h"

typedef struct az_standin {
  pid_t pid;
  int port;
  char *dir; /* temp folder holding the port file, owned */
  char base[64]; /* "http://127.0.0.1:PORT" */
} az_standin;

/* Starts the stand-in; 0 when it answers, -1 otherwise (the test then fails). */
static inline int az_standin_start(az_standin *s) {
  memset(s, 0, sizeof *s);
  s->dir = lfh_test_tmpdir();
  if (!s->dir) return -1;
  char port_file[512];
  snprintf(port_file, sizeof port_file, "%s/port", s->dir);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execlp("python3", "python3", LFH_SOURCE_DIR "/tests/azure/imds_standin.py", "--port-file",
           port_file, (char *)NULL);
    _exit(127);
  }
  s->pid = pid;
  for (int i = 0; i < 200 && s->port == 0; i++) {
    FILE *f = fopen(port_file, "r");
    if (f) {
      if (fscanf(f, "%d", &s->port) != 1) s->port = 0;
      fclose(f);
    }
    if (s->port == 0) {
      struct timespec ts = {0, 25 * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
  if (s->port == 0) return -1;
  snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
  return 0;
}

static inline void az_standin_stop(az_standin *s) {
  if (s->pid > 0) {
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
  }
  if (s->dir) lfh_test_rmtree(s->dir);
  free(s->dir);
  memset(s, 0, sizeof *s);
}

/* `METHOD base+path` with an optional JSON body; the parsed JSON answer (caller owns it)
 * or NULL. */
static inline json_t *az_standin_call(const az_standin *s, const char *method, const char *path,
                                      const char *json_body) {
  char url[256], msg[256];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  snprintf(url, sizeof url, "%s%s", s->base, path);
  lfh_http_request req = {.method = method, .url = url, .body = json_body,
                          .body_len = json_body ? strlen(json_body) : 0};
  lfh_http_response resp = {0};
  json_t *out = NULL;
  if (lfh_http_send(&req, &resp, &err) == LF_OK && resp.status == 200)
    out = json_loadb((const char *)resp.body.data, resp.body.len, 0, NULL);
  lfh_http_response_free(&resp);
  return out;
}

/* POST /_control with `json`; 0 on success. */
static inline int az_standin_control(const az_standin *s, const char *json) {
  json_t *r = az_standin_call(s, "POST", "/_control", json);
  json_decref(r);
  return r ? 0 : -1;
}

static inline int az_standin_reset(const az_standin *s) {
  json_t *r = az_standin_call(s, "POST", "/_reset", "{}");
  json_decref(r);
  return r ? 0 : -1;
}

/* The recorded requests (a JSON array, caller owns it) or NULL. */
static inline json_t *az_standin_requests(const az_standin *s) {
  return az_standin_call(s, "GET", "/_requests", NULL);
}

/* How many requests were recorded, -1 on error. */
static inline int az_standin_count(const az_standin *s) {
  json_t *r = az_standin_requests(s);
  int n = r ? (int)json_array_size(r) : -1;
  json_decref(r);
  return n;
}

/* Makes a self-signed certificate for 127.0.0.1 in `dir` (cert.pem, the CA file for the
 * client, and key.pem) and starts Azurite there over HTTPS with `--oauth basic`, so that it
 * checks Bearer tokens as well as Shared Key and SAS. `cert` (cap 512) gets the certificate
 * path, `endpoint` (cap 256) "https://127.0.0.1:PORT/devstoreaccount1". 0 on success; stop
 * it with az_azurite_stop(dir) either way. */
static inline int az_azurite_https_start(const char *dir, char *cert, char *endpoint) {
  char cmd[2048];
  snprintf(cert, 512, "%s/cert.pem", dir);
  snprintf(cmd, sizeof cmd,
           "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
           "-addext subjectAltName=IP:127.0.0.1 -keyout '%s/key.pem' -out '%s' 2>/dev/null",
           dir, cert);
  if (system(cmd) != 0) return -1;
  snprintf(cmd, sizeof cmd,
           "'%s/tests/azure/azurite.sh' start '%s/azurite' --https '%s' '%s/key.pem' --oauth "
           ">/dev/null",
           LFH_SOURCE_DIR, dir, cert, dir);
  if (system(cmd) != 0) return -1;
  snprintf(cmd, sizeof cmd, "%s/azurite/endpoint", dir);
  char *ep = lfh_test_slurp(cmd, NULL);
  if (!ep) return -1;
  ep[strcspn(ep, "\r\n")] = '\0';
  snprintf(endpoint, 256, "%s", ep);
  free(ep);
  return strncmp(endpoint, "https://", 8) == 0 ? 0 : -1;
}

static inline void az_azurite_stop(const char *dir) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "'%s/tests/azure/azurite.sh' stop '%s/azurite' >/dev/null 2>&1",
           LFH_SOURCE_DIR, dir);
  if (system(cmd) != 0) fprintf(stderr, "azurite.sh stop failed\n");
}

static inline double az_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
