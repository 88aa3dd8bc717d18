/* lfh_cmd_plugins — `lfhost plugins list | describe STAGE | check FILE.so`. */
#ifndef LFH_CMD_PLUGINS_H
#define LFH_CMD_PLUGINS_H

/* argv[0] is "plugins". Returns the process exit code: 0 success, 1 a plugin was refused
 * (check) or a stage was not found (describe), 2 usage error. */
int lfh_cmd_plugins(int argc, char **argv);

#endif
