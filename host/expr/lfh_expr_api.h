/* lfh_expr_api — the engine's lf_expr_api table as an object, for static initialisers
 * (the host's lf_host table); lfh_expr_api() returns the same table. */
#ifndef LFH_EXPR_API_H
#define LFH_EXPR_API_H

#include "lf/lf_expr.h"

extern const struct lf_expr_api lfh_expr_api_table;

#endif
