/*
 * lf.h — everything a plugin author includes: the plugin ABI (lf_plugin.h), the Arrow C
 * Data Interface structs (lf_arrow.h), the SDK helper library (lf_array.h) and the host
 * services' tables (lf_expr.h, lf_objstore.h).
 */
#ifndef LF_H
#define LF_H

#include "lf_arrow.h"
#include "lf_plugin.h"
#include "lf_array.h"
#include "lf_expr.h"
#include "lf_objstore.h"

#endif /* LF_H */
