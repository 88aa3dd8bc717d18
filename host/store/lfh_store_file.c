/*
 * lfh_store_file — the file:// backend: objects are files under a root folder.
 *
 * Every key is opened relative to a descriptor of the root (the *at() calls), so a
 * store keeps working if the process changes directory, and keys (validated by
 * lfh_store.c: relative, no "..") can only name files below the root.
 *
 * Crash safety, the reason for most of this file:
 *  - an object (a put, or an upload in pieces) is written to a temp file in its own
 *    folder, fsync'd, then published by
 *    rename() (replace) or renameat2(RENAME_NOREPLACE) / link() (create-if-absent), and
 *    the folder is fsync'd, so after a crash an object is either whole or absent;
 *  - a folder created for a key has its parent fsync'd, so the folder survives too;
 *  - temp files a crash leaves behind start with LFH_STORE_TMP_PREFIX and listings skip
 *    them.
 */
#include "store/lfh_store_backend.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lf/lf_array.h"
#include "util/lfh_mem.h"

/* Large reads and writes go in slices: Linux moves at most ~2 GiB per call anyway. */
#define LFH_FILE_IO_CHUNK ((size_t)1 << 30)
/* Growth step when an object turns out larger than its stat said (it is being
 * appended to by someone outside the store). */
#define LFH_FILE_GROW_STEP ((size_t)64 << 10)

typedef struct file_store {
  int root_fd;     /* O_DIRECTORY descriptor of the root; keys are opened relative to it */
  char *uri_slash; /* "file:///root/": a key's URI is uri_slash + key (for messages) */
} file_store;

/* Temp names must be unique across threads (counter) and processes (pid); the random
 * part covers a pid reused after a crash left a file of the same name behind. */
static atomic_uint_fast64_t g_tmp_counter;
static atomic_int g_force_link;

void lfh_store_file_force_link(int on) { atomic_store(&g_force_link, on); }

/* ------------------------------------------------------------------ errors */

/* "<prefix><path>: <what>: <strerror(e)>"; returns `code`. strerror_r (GNU flavour,
 * _GNU_SOURCE is on for the host) because stores are used from several threads. */
static int fail_os(lf_error *err, int code, const char *prefix, const char *path,
                   const char *what, int e) {
  char buf[256];
  const char *msg = strerror_r(e, buf, sizeof buf);
  return lf_error_set(err, code, "%s%s: %s: %s", prefix, path, what, msg);
}

/* Reading, stat and delete: a missing file or folder means a missing object. */
static int read_status(int e) {
  switch (e) {
  case ENOENT:
  case ENOTDIR:
  case EISDIR:
    return LF_ERR_NOT_FOUND;
  case ENOMEM:
    return LF_ERR_NOMEM;
  case ENAMETOOLONG:
  case ELOOP:
    return LF_ERR_INVALID;
  default:
    return LF_ERR_IO;
  }
}

/* Writing: an object where a folder of the key should be (or the reverse) cannot be
 * fixed by retrying, so it is the caller's error, not an I/O failure. */
static int write_status(int e) {
  switch (e) {
  case ENOTDIR:
  case EISDIR:
  case EEXIST:
  case ENAMETOOLONG:
  case ELOOP:
    return LF_ERR_INVALID;
  case ENOMEM:
    return LF_ERR_NOMEM;
  default:
    return LF_ERR_IO;
  }
}

/* ------------------------------------------------------------------ system calls */

/* Runs `call` again while it fails with EINTR (a signal arrived before it did anything):
 * a signal handler elsewhere in the process must not fail a commit. */
#define LFH_NO_EINTR(r, call) \
  do (r) = (call);            \
  while ((r) < 0 && errno == EINTR)

static int open_at(int dfd, const char *path, int flags, mode_t mode) {
  int fd;
  LFH_NO_EINTR(fd, openat(dfd, path, flags | O_CLOEXEC, mode));
  return fd;
}

static int sync_fd(int fd) {
  int r;
  LFH_NO_EINTR(r, fsync(fd));
  return r;
}

static int stat_at(int dfd, const char *path, struct stat *st, int flags) {
  int r;
  LFH_NO_EINTR(r, fstatat(dfd, path, st, flags));
  return r;
}

static int unlink_at(int dfd, const char *path) {
  int r;
  LFH_NO_EINTR(r, unlinkat(dfd, path, 0));
  return r;
}

/* Some file systems cannot fsync a folder and say EINVAL: they have nothing to flush. */
static int sync_dir_fd(int fd) {
  int r = sync_fd(fd);
  return (r != 0 && errno == EINVAL) ? 0 : r;
}

/* fsyncs folder `dir` relative to `base` ("" is `base` itself, which may be AT_FDCWD). */
static int sync_dir_at(int base, const char *dir, const char *uri, lf_error *err) {
  if (!dir[0] && base != AT_FDCWD) {
    if (sync_dir_fd(base) != 0)
      return fail_os(err, LF_ERR_IO, uri, dir, "cannot fsync folder", errno);
    return 0;
  }
  int fd = open_at(base, dir[0] ? dir : ".", O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) return fail_os(err, LF_ERR_IO, uri, dir, "cannot open folder to fsync", errno);
  int rc = 0;
  if (sync_dir_fd(fd) != 0) rc = fail_os(err, LF_ERR_IO, uri, dir, "cannot fsync folder", errno);
  close(fd);
  return rc;
}

/* fsyncs the folder holding `path` (relative to `base`, or absolute). `path` is modified
 * and restored. */
static int sync_parent(int base, char *path, const char *uri, lf_error *err) {
  char *slash = strrchr(path, '/');
  if (!slash) return sync_dir_at(base, "", uri, err);
  if (slash == path) return sync_dir_at(base, "/", "file://", err);
  *slash = '\0';
  int rc = sync_dir_at(base, path, uri, err);
  *slash = '/';
  return rc;
}

/* Creates every missing folder of `path` (relative to `base`, or absolute) and fsyncs the
 * parent of each new one, so that its entry survives a crash. With `sync_existing` a
 * folder found already there has its parent fsync'd too: inside the store a concurrent
 * writer may have created it a moment ago and not synced yet. (Not for the ancestors
 * of a root: the user may not be allowed to open those.) Callers come here only after
 * finding the folder missing, so this costs a few fsyncs once per new folder. `path` is
 * modified and restored; `uri` + path is the URI for messages. */
static int make_dirs(int base, char *path, int sync_existing, const char *uri, lf_error *err) {
  size_t n = strlen(path);
  for (size_t i = 1; i <= n; i++) {
    if (path[i] != '/' && path[i] != '\0') continue;
    char saved = path[i];
    path[i] = '\0';
    int r, rc = 0;
    LFH_NO_EINTR(r, mkdirat(base, path, 0777));
    if (r != 0 && errno != EEXIST)
      rc = fail_os(err, write_status(errno), uri, path, "cannot create folder", errno);
    else if (r == 0 || sync_existing)
      rc = sync_parent(base, path, uri, err);
    path[i] = saved;
    if (rc != 0) return rc;
  }
  return 0;
}

/* ------------------------------------------------------------------ open / close */

static void file_close(void *impl) {
  file_store *fs = impl;
  if (!fs) return;
  if (fs->root_fd >= 0) close(fs->root_fd);
  free(fs->uri_slash);
  free(fs);
}

/* Opens the root, creating it with its parents when missing. */
static int open_root(file_store *fs, const char *root, lf_error *err) {
  char *path = NULL;
  int rc = 0;
  fs->root_fd = open_at(AT_FDCWD, root, O_RDONLY | O_DIRECTORY, 0);
  if (fs->root_fd < 0 && errno == ENOENT) {
    if (!(path = strdup(root))) {
      rc = fail_os(err, LF_ERR_NOMEM, "file://", root, "opening the store root", ENOMEM);
      goto fail;
    }
    if ((rc = make_dirs(AT_FDCWD, path, 0, "file://", err)) != 0) goto fail;
    fs->root_fd = open_at(AT_FDCWD, root, O_RDONLY | O_DIRECTORY, 0);
  }
  if (fs->root_fd < 0)
    rc = fail_os(err, write_status(errno), "file://", root, "cannot open the store root", errno);
fail:
  free(path);
  return rc;
}

/* ------------------------------------------------------------------ reading */

static int nomem(lf_error *err, const file_store *fs, const char *key, uint64_t bytes) {
  char what[96];
  snprintf(what, sizeof what, "cannot hold %llu bytes in memory", (unsigned long long)bytes);
  return fail_os(err, LF_ERR_NOMEM, fs->uri_slash, key, what, ENOMEM);
}

/* Opens `key` for reading; a folder or device is not an object. On error *fd may be
 * open: the caller closes it. O_NONBLOCK so that a FIFO under the root cannot hang us
 * (it has no effect on regular files). */
static int open_object(file_store *fs, const char *key, int *fd, struct stat *st, lf_error *err) {
  *fd = open_at(fs->root_fd, key, O_RDONLY | O_NONBLOCK, 0);
  if (*fd < 0) return fail_os(err, read_status(errno), fs->uri_slash, key, "cannot open", errno);
  if (fstat(*fd, st) != 0) return fail_os(err, LF_ERR_IO, fs->uri_slash, key, "cannot stat", errno);
  if (!S_ISREG(st->st_mode))
    return fail_os(err, LF_ERR_NOT_FOUND, fs->uri_slash, key, "not an object",
                   S_ISDIR(st->st_mode) ? EISDIR : EINVAL);
  return 0;
}

static ssize_t pread_retry(int fd, void *p, size_t n, uint64_t pos) {
  ssize_t r;
  do r = pread(fd, p, n, (off_t)pos);
  while (r < 0 && errno == EINTR);
  return r;
}

/* Appends bytes [off, off + len) of `fd` (fewer at EOF) to `out`. `size` (from fstat)
 * sizes the buffer up front; reading goes on to EOF in case the file grew meanwhile. */
static int read_span(file_store *fs, const char *key, int fd, uint64_t off, uint64_t len,
                     uint64_t size, lfh_buf *out, lf_error *err) {
  if (off >= (uint64_t)INT64_MAX) return 0; /* past the end of any file */
  uint64_t hint = off < size ? size - off : 0;
  if (hint > len) hint = len;
  uint64_t first = hint < len ? hint + 1 : hint; /* +1: room to see EOF without growing */
  if (first > SIZE_MAX || lfh_buf_reserve(out, (size_t)first) != 0)
    return nomem(err, fs, key, first);
  uint64_t pos = off, left = len;
  while (left > 0) {
    size_t step = left < LFH_FILE_GROW_STEP ? (size_t)left : LFH_FILE_GROW_STEP;
    if (out->len == out->cap && lfh_buf_reserve(out, step) != 0)
      return nomem(err, fs, key, (uint64_t)out->len + step);
    size_t room = out->cap - out->len;
    if (room > left) room = (size_t)left;
    if (room > LFH_FILE_IO_CHUNK) room = LFH_FILE_IO_CHUNK;
    ssize_t n = pread_retry(fd, out->data + out->len, room, pos);
    if (n < 0) return fail_os(err, LF_ERR_IO, fs->uri_slash, key, "cannot read", errno);
    if (n == 0) break;
    out->len += (size_t)n;
    pos += (uint64_t)n;
    left -= (uint64_t)n;
  }
  return 0;
}

static int file_read(void *impl, const char *key, uint64_t offset, uint64_t len, lfh_buf *out,
                     lf_error *err) {
  file_store *fs = impl;
  struct stat st = {0};
  int fd = -1;
  size_t mark = out->len;
  int rc = open_object(fs, key, &fd, &st, err);
  if (rc == 0) rc = read_span(fs, key, fd, offset, len, (uint64_t)st.st_size, out, err);
  if (rc != 0) out->len = mark; /* never hand back part of an object */
  if (fd >= 0) close(fd);
  return rc;
}

static int file_stat(void *impl, const char *key, lfh_store_stat *out, lf_error *err) {
  file_store *fs = impl;
  struct stat st;
  if (stat_at(fs->root_fd, key, &st, 0) != 0)
    return fail_os(err, read_status(errno), fs->uri_slash, key, "cannot stat", errno);
  if (!S_ISREG(st.st_mode))
    return fail_os(err, LF_ERR_NOT_FOUND, fs->uri_slash, key, "not an object",
                   S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
  out->size = (uint64_t)st.st_size;
  out->mtime_us = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
  return 0;
}

/* ------------------------------------------------------------------ writing */

/* Opens the folder holding `key` (the root itself for a top-level key), creating it when
 * `create` is set. The descriptor is released with close_dir(). */
static int open_key_dir(file_store *fs, const char *key, int create, int *dfd, lf_error *err) {
  const char *slash = strrchr(key, '/');
  char *dir = NULL;
  int rc = 0;
  *dfd = fs->root_fd;
  if (!slash) return 0;
  if (!(dir = strndup(key, (size_t)(slash - key)))) {
    rc = fail_os(err, LF_ERR_NOMEM, fs->uri_slash, key, "opening its folder", ENOMEM);
    goto fail;
  }
  *dfd = open_at(fs->root_fd, dir, O_RDONLY | O_DIRECTORY, 0);
  if (*dfd < 0 && errno == ENOENT && create) {
    if ((rc = make_dirs(fs->root_fd, dir, 1, fs->uri_slash, err)) != 0) goto fail;
    *dfd = open_at(fs->root_fd, dir, O_RDONLY | O_DIRECTORY, 0);
  }
  if (*dfd < 0)
    rc = fail_os(err, create ? write_status(errno) : read_status(errno), fs->uri_slash, dir,
                 "cannot open folder", errno);
fail:
  free(dir);
  return rc;
}

static void close_dir(const file_store *fs, int dfd) {
  if (dfd >= 0 && dfd != fs->root_fd) close(dfd);
}

static void tmp_name(char *out, size_t cap) {
  uint64_t r = 0;
  if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
    r = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&r; /* no entropy yet: still unique-ish */
  unsigned long long n = (unsigned long long)atomic_fetch_add(&g_tmp_counter, 1);
  snprintf(out, cap, LFH_STORE_TMP_PREFIX "%ld-%llu-%016llx", (long)getpid(), n,
           (unsigned long long)r);
}

static int write_all(int fd, const uint8_t *p, size_t len) {
  while (len > 0) {
    size_t step = len < LFH_FILE_IO_CHUNK ? len : LFH_FILE_IO_CHUNK;
    ssize_t n = write(fd, p, step);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) { /* no progress and no error: do not spin */
      errno = EIO;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int conflict(lf_error *err, const file_store *fs, const char *key) {
  return fail_os(err, LF_ERR_CONFLICT, fs->uri_slash, key, "an object with this key exists",
                 EEXIST);
}

/* Makes the temp file `tmp` the object `base` in `dfd`. On success the temp name is gone;
 * on error it is still there for the caller to remove. */
static int publish(file_store *fs, int dfd, const char *tmp, const char *base, const char *key,
                   int exclusive, lf_error *err) {
  int r;
  if (!exclusive) {
    LFH_NO_EINTR(r, renameat(dfd, tmp, dfd, base));
    if (r != 0)
      return fail_os(err, write_status(errno), fs->uri_slash, key, "cannot replace", errno);
    return 0;
  }
  if (!atomic_load(&g_force_link)) {
    LFH_NO_EINTR(r, renameat2(dfd, tmp, dfd, base, RENAME_NOREPLACE));
    if (r == 0) return 0;
    if (errno == EEXIST) return conflict(err, fs, key);
    /* EINVAL/ENOSYS/ENOTSUP: this kernel or file system has no RENAME_NOREPLACE */
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
      return fail_os(err, write_status(errno), fs->uri_slash, key, "cannot create", errno);
  }
  /* link() fails with EEXIST atomically: the create-if-absent every POSIX file system
   * (NFS included) has. NFS may answer a retransmitted, successful link with EEXIST:
   * the temp file then has two names, which tells us the link was ours after all. */
  LFH_NO_EINTR(r, linkat(dfd, tmp, dfd, base, 0));
  if (r != 0) {
    int e = errno;
    struct stat st;
    if (e != EEXIST)
      return fail_os(err, write_status(e), fs->uri_slash, key, "cannot create (link)", e);
    if (stat_at(dfd, tmp, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_nlink != 2)
      return conflict(err, fs, key);
  }
  /* The object is published. Should the temp name survive (unlink failing), it is
   * only a skipped, hidden second name of the object, so reporting a failure would be
   * the worse lie. */
  (void)unlink_at(dfd, tmp);
  return 0;
}

/* ------------------------------------------------------------------ uploads */

/* An object being written: a temp file in the key's folder, published at commit. */
typedef struct file_upload {
  file_store *fs;      /* borrowed */
  char *key;           /* owned */
  int dfd, fd;         /* the key's folder (close_dir) and the temp file */
  int exclusive;
  uint64_t written;    /* bytes written so far */
  uint64_t flushed;    /* bytes handed to writeback with sync_file_range */
  char tmp[96];        /* the temp file's name in dfd */
} file_upload;

/* Writeback is started every this many bytes, so the fsync at commit waits for the last
 * few megabytes instead of the whole file, and dirty pages never pile up. */
#define LFH_FILE_WRITEBACK_STEP ((uint64_t)8 << 20)

static void upload_free(file_upload *u) {
  if (!u) return;
  if (u->fd >= 0) close(u->fd);
  if (u->tmp[0]) (void)unlink_at(u->dfd, u->tmp);
  close_dir(u->fs, u->dfd);
  free(u->key);
  free(u);
}

static int file_upload_begin(void *impl, const char *key, int exclusive, void **out,
                             lf_error *err) {
  file_store *fs = impl;
  file_upload *u = calloc(1, sizeof(*u));
  int rc = 0;
  if (!u || !(u->key = strdup(key))) {
    free(u);
    return fail_os(err, LF_ERR_NOMEM, fs->uri_slash, key, "starting a write", ENOMEM);
  }
  u->fs = fs;
  u->fd = -1;
  u->exclusive = exclusive;
  if ((rc = open_key_dir(fs, key, 1, &u->dfd, err)) != 0) {
    u->dfd = -1;
    goto fail;
  }
  for (int attempt = 0; u->fd < 0; attempt++) {
    tmp_name(u->tmp, sizeof u->tmp);
    u->fd = open_at(u->dfd, u->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (u->fd < 0 && (errno != EEXIST || attempt == 8)) {
      rc = fail_os(err, errno == ENOMEM ? LF_ERR_NOMEM : LF_ERR_IO, fs->uri_slash, key,
                   "cannot create a temporary file", errno);
      u->tmp[0] = '\0';
      goto fail;
    }
  }
  *out = u;
  return 0;
fail:
  upload_free(u);
  return rc;
}

static int file_upload_write(void *up, const void *data, size_t len, lf_error *err) {
  file_upload *u = up;
  if (write_all(u->fd, data, len) != 0)
    return fail_os(err, write_status(errno), u->fs->uri_slash, u->key, "cannot write", errno);
  u->written += len;
  if (u->written - u->flushed >= LFH_FILE_WRITEBACK_STEP) {
    /* Only a hint: a failure here changes nothing, the fsync at commit decides. */
    (void)sync_file_range(u->fd, (off_t)u->flushed, (off_t)(u->written - u->flushed),
                          SYNC_FILE_RANGE_WRITE);
    u->flushed = u->written;
  }
  return 0;
}

static int file_upload_commit(void *up, lf_error *err) {
  file_upload *u = up;
  const char *slash = strrchr(u->key, '/');
  const char *base = slash ? slash + 1 : u->key;
  int rc = 0;
  if (sync_fd(u->fd) != 0) {
    rc = fail_os(err, LF_ERR_IO, u->fs->uri_slash, u->key, "cannot fsync", errno);
    goto fail;
  }
  int closed = close(u->fd); /* not retried on EINTR: Linux has closed the descriptor */
  u->fd = -1;
  if (closed != 0 && errno != EINTR) {
    rc = fail_os(err, LF_ERR_IO, u->fs->uri_slash, u->key, "cannot close", errno);
    goto fail;
  }
  if ((rc = publish(u->fs, u->dfd, u->tmp, base, u->key, u->exclusive, err)) != 0) goto fail;
  u->tmp[0] = '\0'; /* published: nothing to remove any more */
  /* The new name is only durable once the folder is. If this fails the object may be
   * visible but not durable, which the caller must hear about. */
  if (sync_dir_fd(u->dfd) != 0)
    rc = fail_os(err, LF_ERR_IO, u->fs->uri_slash, u->key, "cannot fsync the folder", errno);
fail:
  upload_free(u);
  return rc;
}

static void file_upload_abort(void *up) { upload_free(up); }

static int file_write(void *impl, const char *key, const void *data, size_t len, int exclusive,
                      lf_error *err) {
  void *up = NULL;
  int rc = file_upload_begin(impl, key, exclusive, &up, err);
  if (rc != 0) return rc;
  if ((rc = file_upload_write(up, data, len, err)) != 0) {
    file_upload_abort(up);
    return rc;
  }
  return file_upload_commit(up, err);
}

/* Deletes are made durable too: vacuum and orphan removal must not see files come back. */
static int file_remove(void *impl, const char *key, lf_error *err) {
  file_store *fs = impl;
  int dfd = -1;
  if (unlink_at(fs->root_fd, key) != 0)
    return fail_os(err, read_status(errno), fs->uri_slash, key, "cannot delete", errno);
  int rc = open_key_dir(fs, key, 0, &dfd, err);
  if (rc == 0 && sync_dir_fd(dfd) != 0)
    rc = fail_os(err, LF_ERR_IO, fs->uri_slash, key, "cannot fsync the folder", errno);
  close_dir(fs, dfd);
  return rc;
}

/* ------------------------------------------------------------------ listing */

typedef struct listing {
  file_store *fs;
  const char *prefix;
  size_t prefix_len;
  lfh_store_entry *items; /* keys malloc'd, owned by the listing */
  size_t n, cap;
} listing;

static void listing_free(listing *l) {
  for (size_t i = 0; i < l->n; i++) free((char *)l->items[i].key);
  free(l->items);
}

static int add_entry(listing *l, const char *key, const struct stat *st, lf_error *err) {
  char *copy = NULL;
  if (lfh_grow(&l->items, &l->cap, l->n + 1, sizeof(*l->items), 64) != 0 || !(copy = strdup(key)))
    return fail_os(err, LF_ERR_NOMEM, l->fs->uri_slash, l->prefix, "listing", ENOMEM);
  lfh_store_entry *e = &l->items[l->n++];
  e->key = copy;
  e->stat.size = (uint64_t)st->st_size;
  e->stat.mtime_us = (int64_t)st->st_mtim.tv_sec * 1000000 + st->st_mtim.tv_nsec / 1000;
  return 0;
}

/* Appends `s` and keeps the path NUL-terminated (the NUL is not counted in len). */
static int path_push(lfh_buf *path, const char *s) {
  if (lfh_buf_append(path, s, strlen(s) + 1) != 0) return LF_ERR_NOMEM;
  path->len--;
  return 0;
}

static int walk(listing *l, int dfd, lfh_buf *path, lf_error *err);

/* A folder is walked only when keys below it can match the prefix. */
static int descend(listing *l, int dfd, const char *name, lfh_buf *path, lf_error *err) {
  if (path_push(path, "/") != 0)
    return fail_os(err, LF_ERR_NOMEM, l->fs->uri_slash, l->prefix, "listing", ENOMEM);
  size_t n = path->len < l->prefix_len ? path->len : l->prefix_len;
  if (memcmp(path->data, l->prefix, n) != 0) return 0;
  /* O_NOFOLLOW: symlinked folders are not walked, so a link loop cannot trap us */
  int sub = open_at(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
  if (sub < 0 && errno == ENOENT) return 0; /* deleted meanwhile */
  if (sub < 0) return fail_os(err, LF_ERR_IO, l->fs->uri_slash, (char *)path->data,
                              "cannot open folder", errno);
  return walk(l, sub, path, err);
}

static int visit(listing *l, int dfd, const char *name, lfh_buf *path, lf_error *err) {
  struct stat st;
  if (stat_at(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return 0; /* deleted meanwhile */
    return fail_os(err, LF_ERR_IO, l->fs->uri_slash, (char *)path->data, "cannot stat", errno);
  }
  if (S_ISDIR(st.st_mode)) return descend(l, dfd, name, path, err);
  /* a symlinked file is an object (landing zones may link files in); a dangling one is not */
  if (S_ISLNK(st.st_mode) && stat_at(dfd, name, &st, 0) != 0) return 0;
  if (!S_ISREG(st.st_mode) || strncmp((char *)path->data, l->prefix, l->prefix_len) != 0)
    return 0;
  return add_entry(l, (char *)path->data, &st, err);
}

static int skip_name(const char *name) {
  return strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
         strncmp(name, LFH_STORE_TMP_PREFIX, strlen(LFH_STORE_TMP_PREFIX)) == 0;
}

/* Collects the objects below folder `dfd` (taken over and closed), whose key prefix is
 * `path` ("" or ending in '/'). `path` is restored before returning. */
static int walk(listing *l, int dfd, lfh_buf *path, lf_error *err) {
  size_t base = path->len;
  int rc = 0;
  DIR *d = fdopendir(dfd);
  if (!d) {
    rc = fail_os(err, LF_ERR_IO, l->fs->uri_slash, (char *)path->data, "cannot list", errno);
    close(dfd);
    return rc;
  }
  for (;;) {
    errno = 0;
    struct dirent *de = readdir(d);
    if (!de) {
      if (errno != 0)
        rc = fail_os(err, LF_ERR_IO, l->fs->uri_slash, (char *)path->data, "cannot list", errno);
      break;
    }
    if (skip_name(de->d_name)) continue;
    if (path_push(path, de->d_name) != 0) {
      rc = fail_os(err, LF_ERR_NOMEM, l->fs->uri_slash, l->prefix, "listing", ENOMEM);
      break;
    }
    rc = visit(l, dirfd(d), de->d_name, path, err);
    path->len = base;
    path->data[base] = '\0';
    if (rc != 0) break;
  }
  closedir(d);
  return rc;
}

static int by_key(const void *a, const void *b) {
  return strcmp(((const lfh_store_entry *)a)->key, ((const lfh_store_entry *)b)->key);
}

/* Walks from the folder part of the prefix ("a/b" of "a/b/c"); the rest of the prefix
 * only filters names. A prefix whose folder is missing lists nothing. */
static int file_list(void *impl, const char *prefix, lfh_store_list_fn fn, void *ctx,
                     lf_error *err) {
  file_store *fs = impl;
  listing l = {fs, prefix, strlen(prefix), NULL, 0, 0};
  lfh_buf path = {0};
  const char *slash = strrchr(prefix, '/');
  size_t dir_len = slash ? (size_t)(slash - prefix) + 1 : 0;
  int rc = 0, dfd = -1;
  if (lfh_buf_append(&path, prefix, dir_len) != 0 || path_push(&path, "") != 0) {
    rc = fail_os(err, LF_ERR_NOMEM, fs->uri_slash, prefix, "listing", ENOMEM);
    goto fail;
  }
  dfd = open_at(fs->root_fd, dir_len ? (char *)path.data : ".", O_RDONLY | O_DIRECTORY, 0);
  if (dfd < 0) {
    if (errno != ENOENT && errno != ENOTDIR)
      rc = fail_os(err, LF_ERR_IO, fs->uri_slash, (char *)path.data, "cannot list", errno);
    goto fail;
  }
  if ((rc = walk(&l, dfd, &path, err)) != 0) goto fail;
  if (l.n > 1) qsort(l.items, l.n, sizeof(*l.items), by_key);
  for (size_t i = 0; i < l.n && rc == 0; i++) rc = fn(ctx, &l.items[i]);
fail:
  lfh_buf_free(&path);
  listing_free(&l);
  return rc;
}

static const lfh_store_ops file_ops = {
    .name = "file",
    .close = file_close,
    .read = file_read,
    .stat = file_stat,
    .write = file_write,
    .upload_begin = file_upload_begin,
    .upload_write = file_upload_write,
    .upload_commit = file_upload_commit,
    .upload_abort = file_upload_abort,
    .remove = file_remove,
    .list = file_list,
};

int lfh_store_file_open(const char *root, const char *root_uri, const lfh_store_ops **ops,
                        void **impl, lf_error *err) {
  file_store *fs = calloc(1, sizeof(*fs));
  int rc = 0;
  if (fs) fs->root_fd = -1; /* not 0: file_close must not close stdin */
  if (!fs || asprintf(&fs->uri_slash, "%s/", root_uri) < 0) {
    if (fs) fs->uri_slash = NULL;
    rc = fail_os(err, LF_ERR_NOMEM, root_uri, "", "opening the store", ENOMEM);
    goto fail;
  }
  if ((rc = open_root(fs, root, err)) != 0) goto fail;
  *ops = &file_ops;
  *impl = fs;
  return 0;
fail:
  file_close(fs);
  return rc;
}
