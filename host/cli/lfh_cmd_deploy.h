/* lfh_cmd_deploy — `lfhost deploy`, `lfhost destroy`, `lfhost summary` (docs/DEPLOY.md). */
#ifndef LFH_CMD_DEPLOY_H
#define LFH_CMD_DEPLOY_H

#include <stdio.h>

/* argv[0] is the command name. Each returns the process exit code: 0 done, 1 refused or
 * failed, 2 usage error. */
int lfh_cmd_deploy(int argc, char **argv);
int lfh_cmd_destroy(int argc, char **argv);
int lfh_cmd_summary(int argc, char **argv);
void lfh_cmd_deploy_usage(FILE *out);
void lfh_cmd_destroy_usage(FILE *out);
void lfh_cmd_summary_usage(FILE *out);

#endif
