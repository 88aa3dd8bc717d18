/* lfh_cmd_run — `lfhost run`: one update of a deployed pipeline, or a job's pipeline
 * tasks with retries (docs/ENGINE.md). */
#ifndef LFH_CMD_RUN_H
#define LFH_CMD_RUN_H

#include <stdio.h>

/* argv[0] is "run". Returns the exit code: 0 completed, 1 failed, 2 usage error,
 * 130 interrupted (SIGINT/SIGTERM; the epoch in progress was finished first). */
int lfh_cmd_run(int argc, char **argv);
void lfh_cmd_run_usage(FILE *out);

#endif
