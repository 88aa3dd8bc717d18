/* lfh_objstore_api — lfh_store as plugins see it (lf_host.objstore, sdk/include/lf/
 * lf_objstore.h). The table is an object so the static lf_host table can point to it. */
#ifndef LFH_OBJSTORE_API_H
#define LFH_OBJSTORE_API_H

#include "lf/lf_objstore.h"

extern const struct lf_objstore_api lfh_objstore_api_table;

#endif
