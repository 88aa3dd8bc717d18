/*
 * lfh_lock — the deployment lock of a target: `<root_path>/state/deploy.lock`, an object
 * created with lfh_store_put_if_absent (so exactly one of several concurrent deploys,
 * on this machine or another one sharing an abfss:// root, gets it) holding
 * {"pid", "hostname", "user", "acquired_at", "command"} as JSON.
 *
 * Refusals (LF_ERR_CONFLICT, message naming the holder):
 *  - a lock held by a live process, or by a process on another host (whose liveness
 *    cannot be checked from here);
 *  - a stale lock: its holder ran on this host and is gone (kill(pid, 0) says ESRCH).
 *    It is named as such ("stale lock of pid N (not running) ...") but NOT taken over
 *    automatically: a crashed deploy may have left tables half-created, and the user
 *    should know that before the next deploy runs. --force-lock takes it.
 * With `force` (--force-lock, Databricks' semantics) any lock is overridden: the old
 * object is deleted and ours created with put_if_absent; lfh_lock_note tells what was
 * overridden.
 *
 * Release deletes the object only while it still holds our own bytes, so a deploy whose
 * lock was forced away by another never removes the newcomer's lock.
 *
 * Ownership: an lfh_lock owns its store handle and strings; lfh_lock_release frees it.
 */
#ifndef LFH_LOCK_H
#define LFH_LOCK_H

#include "lf/lf_plugin.h"

#define LFH_LOCK_KEY "state/deploy.lock" /* under root_path */

typedef struct lfh_lock lfh_lock;

/* A parsed lock object (strings owned; free with lfh_lock_holder_clear). */
typedef struct lfh_lock_holder {
  long long pid;
  char *hostname, *user, *acquired_at, *command;
} lfh_lock_holder;

/* Takes the lock of `root_path` for `command` ("deploy", "destroy"). 0 with *out set;
 * LF_ERR_CONFLICT with the holder named in `err` when it is held (see above). */
int lfh_lock_acquire(const char *root_path, const char *command, int force, lfh_lock **out,
                     lf_error *err);
/* What acquiring overrode ("overrode the stale lock of pid 12 ..."), or NULL. */
const char *lfh_lock_note(const lfh_lock *l);
/* Deletes the lock object when it is still ours, then frees `l` (NULL-safe). An error
 * (the store failed) is reported in `err`; `l` is freed whatever happens. */
int lfh_lock_release(lfh_lock *l, lf_error *err);

/* Reads the current lock of `root_path` (LF_ERR_NOT_FOUND when unlocked). */
int lfh_lock_read(const char *root_path, lfh_lock_holder *out, lf_error *err);
void lfh_lock_holder_clear(lfh_lock_holder *h);
/* 1 when the holder ran on this host and is no longer running. */
int lfh_lock_is_stale(const lfh_lock_holder *h);

#endif
