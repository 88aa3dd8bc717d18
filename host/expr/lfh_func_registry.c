/* lfh_func_registry.c — the function library's lookup table. Each lfh_func_*.c file
 * contributes one table (terminated by a row with name NULL) listed here. */
#include <strings.h>

#include "expr/lfh_func_internal.h"

static const lfh_func *const k_tables[] = {lfh_func_string_table, lfh_func_regex_table,
                                           lfh_func_hash_table, lfh_func_math_table,
                                           lfh_func_time_table};

const lfh_func *lfh_func_at(size_t i) {
  for (size_t t = 0; t < sizeof(k_tables) / sizeof(k_tables[0]); t++)
    for (const lfh_func *f = k_tables[t]; f->name; f++)
      if (i-- == 0) return f;
  return NULL;
}

const lfh_func *lfh_func_lookup(const char *name, size_t len) {
  const lfh_func *f;
  for (size_t i = 0; (f = lfh_func_at(i)) != NULL; i++)
    if (strncasecmp(f->name, name, len) == 0 && f->name[len] == '\0') return f;
  return NULL;
}
