/* lfh_lock — the deployment lock object (see lfh_lock.h for the rules). */
#include "deploy/lfh_lock.h"

#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy/lfh_deploy_state.h"
#include "lf/lf_array.h"
#include "store/lfh_store.h"

struct lfh_lock {
  lfh_store *store; /* owned */
  char *text;       /* owned: the exact bytes we wrote */
  char *note;       /* owned: what was overridden, or NULL */
};

void lfh_lock_holder_clear(lfh_lock_holder *h) {
  free(h->hostname);
  free(h->user);
  free(h->acquired_at);
  free(h->command);
  memset(h, 0, sizeof(*h));
}

static void host_name(char *buf, size_t cap) {
  if (gethostname(buf, cap) != 0) snprintf(buf, cap, "unknown");
  buf[cap - 1] = '\0';
}

static const char *user_name(void) {
  const char *u = getenv("USER");
  if (u && *u) return u;
  struct passwd *pw = getpwuid(getuid());
  return pw && pw->pw_name ? pw->pw_name : "unknown";
}

int lfh_lock_is_stale(const lfh_lock_holder *h) {
  char host[256];
  host_name(host, sizeof(host));
  if (!h->hostname || strcmp(h->hostname, host) != 0 || h->pid <= 0) return 0;
  /* EPERM means the process exists under another user: alive. */
  return kill((pid_t)h->pid, 0) != 0 && errno == ESRCH;
}

/* The lock JSON for this process. malloc'd or NULL. */
static char *lock_text(const char *command) {
  char host[256], at[32];
  host_name(host, sizeof(host));
  lfh_deploy_now_rfc3339(at);
  json_t *o = json_object();
  char *text = NULL;
  if (o && !json_object_set_new(o, "pid", json_integer((json_int_t)getpid())) &&
      !json_object_set_new(o, "hostname", json_string(host)) &&
      !json_object_set_new(o, "user", json_string(user_name())) &&
      !json_object_set_new(o, "acquired_at", json_string(at)) &&
      !json_object_set_new(o, "command", json_string(command ? command : "")))
    text = json_dumps(o, JSON_PRESERVE_ORDER);
  json_decref(o);
  return text;
}

static int dup_member(json_t *o, const char *key, char **out) {
  json_t *v = json_object_get(o, key);
  *out = strdup(json_is_string(v) ? json_string_value(v) : "?");
  return *out ? 0 : -1;
}

/* Parses lock bytes; a lock that is not our JSON still counts as held (pid 0). */
static int parse_holder(const lfh_buf *b, lfh_lock_holder *h, lf_error *err) {
  memset(h, 0, sizeof(*h));
  json_t *o = json_loadb((const char *)b->data, b->len, 0, NULL);
  json_t *pid = json_object_get(o, "pid");
  h->pid = json_is_integer(pid) ? (long long)json_integer_value(pid) : 0;
  int bad = dup_member(o, "hostname", &h->hostname) || dup_member(o, "user", &h->user) ||
            dup_member(o, "acquired_at", &h->acquired_at) ||
            dup_member(o, "command", &h->command);
  json_decref(o);
  if (bad) {
    lfh_lock_holder_clear(h);
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory reading the deployment lock");
  }
  return 0;
}

static int read_holder(lfh_store *st, lfh_lock_holder *h, lfh_buf *raw, lf_error *err) {
  int rc = lfh_store_get(st, LFH_LOCK_KEY, raw, err);
  return rc ? rc : parse_holder(raw, h, err);
}

int lfh_lock_read(const char *root_path, lfh_lock_holder *out, lf_error *err) {
  lfh_buf b = {0};
  memset(out, 0, sizeof(*out));
  lfh_store *st = lfh_store_open(root_path, err);
  if (!st) return err ? err->code : LF_ERR_IO;
  int rc = read_holder(st, out, &b, err);
  lfh_buf_free(&b);
  lfh_store_close(st);
  return rc;
}

/* "pid 12 on host h (user u, `deploy`, since T)" into buf. */
static void describe(const lfh_lock_holder *h, char *buf, size_t cap) {
  snprintf(buf, cap, "pid %lld on host %s (user %s, '%s', since %s)", h->pid, h->hostname,
           h->user, h->command, h->acquired_at);
}

/* The lock is taken by someone: refuse, or (force) delete it and say what was removed. */
static int held(lfh_lock *l, const lfh_lock_holder *h, int force, const char *uri,
                lf_error *err) {
  char who[768];
  int stale = lfh_lock_is_stale(h);
  describe(h, who, sizeof(who));
  if (!force) {
    if (stale)
      return lf_error_set(err, LF_ERR_CONFLICT,
                          "stale lock of pid %lld (not running) on host %s since %s: %s; "
                          "a deploy may have been interrupted; pass --force-lock to take it "
                          "over", h->pid, h->hostname, h->acquired_at, uri);
    return lf_error_set(err, LF_ERR_CONFLICT,
                        "deployment lock held by %s: %s; wait for it to finish, or pass "
                        "--force-lock to override it", who, uri);
  }
  if (asprintf(&l->note, "overrode the %slock of %s", stale ? "stale " : "", who) < 0) {
    l->note = NULL;
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  }
  int rc = lfh_store_delete(l->store, LFH_LOCK_KEY, err);
  return rc == LF_ERR_NOT_FOUND ? 0 : rc; /* released meanwhile: fine */
}

/* One put_if_absent; on a conflict, inspects the holder (and with force removes it). */
static int try_take(lfh_lock *l, int force, const char *uri, int *retry, lf_error *err) {
  lfh_buf raw = {0};
  lfh_lock_holder h;
  memset(&h, 0, sizeof(h));
  *retry = 0;
  int rc = lfh_store_put_if_absent(l->store, LFH_LOCK_KEY, l->text, strlen(l->text), err);
  if (rc != LF_ERR_CONFLICT) return rc;
  rc = read_holder(l->store, &h, &raw, err);
  if (rc == LF_ERR_NOT_FOUND) { /* released between our put and our read */
    *retry = 1;
    rc = 0;
  } else if (rc == 0) {
    rc = held(l, &h, force, uri, err);
    *retry = rc == 0;
  }
  lfh_lock_holder_clear(&h);
  lfh_buf_free(&raw);
  return rc;
}

static void lock_free(lfh_lock *l) {
  if (!l) return;
  lfh_store_close(l->store);
  free(l->text);
  free(l->note);
  free(l);
}

int lfh_lock_acquire(const char *root_path, const char *command, int force, lfh_lock **out,
                     lf_error *err) {
  char *uri = NULL;
  int rc = LF_ERR_NOMEM, retry = 1;
  *out = NULL;
  lfh_lock *l = calloc(1, sizeof(*l));
  if (!l || !(l->text = lock_text(command))) goto fail;
  if (!(l->store = lfh_store_open(root_path, err))) {
    rc = err ? err->code : LF_ERR_IO;
    goto fail;
  }
  if (!(uri = lfh_store_uri(l->store, LFH_LOCK_KEY))) goto fail;
  /* A few rounds: each lost round means another process released or forced meanwhile. */
  for (int round = 0; retry && round < 8; round++)
    if ((rc = try_take(l, force, uri, &retry, err)) != 0) goto fail;
  if (retry) {
    rc = lf_error_set(err, LF_ERR_CONFLICT, "%s: the deployment lock keeps changing hands", uri);
    goto fail;
  }
  *out = l;
  l = NULL;
fail:
  if (rc == LF_ERR_NOMEM) lf_error_set(err, rc, "out of memory taking the deployment lock");
  free(uri);
  lock_free(l);
  return rc;
}

const char *lfh_lock_note(const lfh_lock *l) { return l ? l->note : NULL; }

int lfh_lock_release(lfh_lock *l, lf_error *err) {
  lfh_buf raw = {0};
  int rc = 0;
  if (!l) return 0;
  rc = lfh_store_get(l->store, LFH_LOCK_KEY, &raw, err);
  if (rc == 0) {
    size_t n = strlen(l->text);
    /* Someone forced our lock away: theirs now, leave it. */
    if (raw.len == n && memcmp(raw.data, l->text, n) == 0)
      rc = lfh_store_delete(l->store, LFH_LOCK_KEY, err);
  }
  if (rc == LF_ERR_NOT_FOUND) rc = 0;
  lfh_buf_free(&raw);
  lock_free(l);
  return rc;
}
