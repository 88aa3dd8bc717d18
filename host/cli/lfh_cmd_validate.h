/* lfh_cmd_validate — `lfhost validate`: load, resolve and check a bundle. */
#ifndef LFH_CMD_VALIDATE_H
#define LFH_CMD_VALIDATE_H

#include <stdio.h>

/* argv[0] is "validate". Returns the process exit code: 0 valid, 1 invalid (or warnings
 * under --strict), 2 usage error. */
int lfh_cmd_validate(int argc, char **argv);
void lfh_cmd_validate_usage(FILE *out);

#endif
