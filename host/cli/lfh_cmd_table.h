/* lfh_cmd_table — `lfhost table describe|history|show|optimize|vacuum`: look at an
 * Iceberg table that a pipeline wrote, by `catalog.schema.table` (resolved against a
 * bundle) or by its folder (--location). */
#ifndef LFH_CMD_TABLE_H
#define LFH_CMD_TABLE_H

#include <stdio.h>

/* argv[0] is "table", argv[1] the subcommand. Returns the process exit code: 0 success,
 * 1 the table could not be read (missing, corrupt, no such snapshot), 2 usage error. */
int lfh_cmd_table(int argc, char **argv);
void lfh_cmd_table_usage(FILE *out);

#endif
