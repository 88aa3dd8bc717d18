/* lfh_uuid — random RFC 4122 version 4 UUIDs: data file names, table and pipeline ids,
 * event ids, update ids. */
#ifndef LFH_UUID_H
#define LFH_UUID_H

#include "lf/lf_plugin.h"

/* "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" and a NUL into `out`, from getrandom.
 * LF_ERR_IO when the kernel has no randomness to give. */
int lfh_uuid_v4(char out[37], lf_error *err);

#endif
