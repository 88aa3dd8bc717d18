/*
 * lfh_secrets — the providers behind ${secrets...}: the environment, a file relative to
 * the bundle, and $LFHOST_SECRETS_DIR/SCOPE/KEY. Values are remembered in the bundle so
 * every output can redact them; nothing here ever prints a value.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lfh_load_internal.h"

/* A secret is a password or a key, not a data set: refuse anything bigger. */
#define LFH_SECRET_MAX_BYTES (64 * 1024)

static int why_fmt(char **why, const char *what, const char *detail) {
  if (asprintf(why, "%s%s", what, detail ? detail : "") < 0) {
    *why = NULL;
    return -1;
  }
  return 0;
}

static void strip_newline(char *s, size_t *len) {
  if (*len && s[*len - 1] == '\n') s[--*len] = '\0';
  if (*len && s[*len - 1] == '\r') s[--*len] = '\0';
}

/* Reads a small regular file. O_NONBLOCK and the S_ISREG check keep a reference such as
 * ${secrets.file./dev/stdin} from hanging validation. Returns 0, 1 (not readable, *why
 * set) or -1 (ENOMEM). */
static int read_small_file(const char *path, char **value, char **why) {
  char *buf = NULL;
  struct stat st;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    char what[128];
    snprintf(what, sizeof what, "%s: ", strerror(errno));
    return why_fmt(why, what, path) ? -1 : 1;
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > LFH_SECRET_MAX_BYTES) {
    close(fd);
    return why_fmt(why, "not a small regular file: ", path) ? -1 : 1;
  }
  buf = malloc((size_t)st.st_size + 1);
  if (!buf) goto fail;
  size_t len = 0;
  for (;;) {
    ssize_t got = read(fd, buf + len, (size_t)st.st_size - len);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    len += (size_t)got;
    if (len == (size_t)st.st_size) break;
  }
  close(fd);
  buf[len] = '\0';
  strip_newline(buf, &len);
  *value = buf;
  return 0;
fail:
  close(fd);
  return -1;
}

static int env_secret(const char *name, char **value, char **why) {
  const char *v = getenv(name);
  if (!v) return why_fmt(why, "environment variable is not set: ", name) ? -1 : 1;
  *value = strdup(v);
  return *value ? 0 : -1;
}

static int file_secret(const lfh_bundle *b, const char *path, char **value, char **why) {
  char *full = NULL;
  if (path[0] == '/') full = strdup(path);
  else if (asprintf(&full, "%s/%s", b->root_dir ? b->root_dir : ".", path) < 0) full = NULL;
  if (!full) return -1;
  int rc = read_small_file(full, value, why);
  free(full);
  return rc;
}

/* A scope or key is one path component: no '/', not "." or "..", not empty. */
static int is_component(const char *s, size_t len) {
  if (len == 0 || memchr(s, '/', len)) return 0;
  return !((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'));
}

static int scope_secret(const char *ref, char **value, char **why) {
  const char *dot = strchr(ref, '.');
  if (!dot || !is_component(ref, (size_t)(dot - ref)) || !is_component(dot + 1, strlen(dot + 1)))
    return why_fmt(why, "a secret reference is ${secrets.SCOPE.KEY}, ${secrets.env.NAME} or "
                        "${secrets.file.PATH}", NULL) ? -1 : 2;
  const char *dir = getenv("LFHOST_SECRETS_DIR");
  if (!dir || !*dir) return why_fmt(why, "LFHOST_SECRETS_DIR is not set", NULL) ? -1 : 1;
  char *path = NULL;
  if (asprintf(&path, "%s/%.*s/%s", dir, (int)(dot - ref), ref, dot + 1) < 0) return -1;
  int rc = read_small_file(path, value, why);
  free(path);
  return rc;
}

int lfh_secret_read(const lfh_bundle *b, const char *ref, int no_files, char **value,
                    char **why) {
  *value = NULL;
  *why = NULL;
  if (strncmp(ref, "env.", 4) == 0 && ref[4]) return env_secret(ref + 4, value, why);
  if (no_files) return why_fmt(why, "file secrets are not read here", NULL) ? -1 : 1;
  if (strncmp(ref, "file.", 5) == 0 && ref[5]) return file_secret(b, ref + 5, value, why);
  return scope_secret(ref, value, why);
}

int lfh_bundle_remember_secret(lfh_bundle *b, const char *value) {
  if (!value || !*value) return 0;
  for (size_t i = 0; i < b->n_secret_values; i++)
    if (strcmp(b->secret_values[i], value) == 0) return 0;
  char **v = realloc(b->secret_values, (b->n_secret_values + 1) * sizeof *v);
  if (!v) return -1;
  b->secret_values = v;
  v[b->n_secret_values] = strdup(value);
  if (!v[b->n_secret_values]) return -1;
  b->n_secret_values++;
  return 0;
}
