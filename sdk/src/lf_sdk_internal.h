/*
 * lf_sdk_internal.h — shared between the SDK helper library's sources; not installed.
 */
#ifndef LF_SDK_INTERNAL_H
#define LF_SDK_INTERNAL_H

#include <stddef.h>

#include "lf/lf_array.h"

/* strdup is POSIX, not C11: our own, NULL in -> NULL out. */
char *lf__strdup(const char *s);

/* True if `schema` was made by this library, so we may grow it in place. */
int lf__schema_is_ours(const struct ArrowSchema *schema);

#endif
