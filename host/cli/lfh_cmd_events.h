/* lfh_cmd_events — `lfhost events` (a pipeline's event log, filtered) and `lfhost runs`
 * (its run history, one line per update), both read from the `<pipeline>_event_log` table
 * found through the bundle (docs/EVENTLOG.md). */
#ifndef LFH_CMD_EVENTS_H
#define LFH_CMD_EVENTS_H

#include <stdio.h>

/* argv[0] is the command name. Return the process exit code: 0 success, 1 the bundle is
 * invalid or the log cannot be read (no event log yet, unknown pipeline or update),
 * 2 usage error. */
int lfh_cmd_events(int argc, char **argv);
int lfh_cmd_runs(int argc, char **argv);
void lfh_cmd_events_usage(FILE *out);
void lfh_cmd_runs_usage(FILE *out);

#endif
