/* lfh_mem — growing arrays, the one allocation pattern every host module repeats. */
#ifndef LFH_MEM_H
#define LFH_MEM_H

#include <stddef.h>

/* Makes the array whose pointer is at `itemsp` (a T **, passed as void *) hold at least
 * `need` elements of `elem` bytes, doubling *cap (from `first` when 0). On failure the
 * array and *cap are unchanged and -1 is returned, so the caller's cleanup stays valid. */
int lfh_grow(void *itemsp, size_t *cap, size_t need, size_t elem, size_t first);

/* A NUL-terminated copy of exactly `n` bytes at `p` (which need not be NUL-terminated,
 * unlike strndup's argument); malloc'd, NULL on ENOMEM. `p` may be NULL when n is 0. */
char *lfh_memdup_str(const void *p, size_t n);

/* *out = a malloc'd copy of `s`, or NULL when `s` is NULL. 0, or -1 (ENOMEM) when `s` was
 * not NULL and could not be copied: an optional string's copy in one test. */
int lfh_dup_or_null(const char *s, char **out);

#endif
