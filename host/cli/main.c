/*
 * lfhost — the command line. Each command lives in its own lfh_cmd_*.c; this file only
 * dispatches and prints the top-level help.
 */
#include <stdio.h>
#include <string.h>

#include "lf/lf_plugin.h"
#include "lfh_cmd_deploy.h"
#include "lfh_cmd_events.h"
#include "lfh_cmd_plugins.h"
#include "lfh_cmd_run.h"
#include "lfh_cmd_table.h"
#include "lfh_cmd_validate.h"

typedef struct command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"validate", "check a bundle: keys, references, pipelines, jobs, plugin options",
     lfh_cmd_validate},
    {"deploy", "create a bundle's tables, pipeline ids and deployment state", lfh_cmd_deploy},
    {"destroy", "delete everything a deployment created", lfh_cmd_destroy},
    {"summary", "show what is deployed: ids, tables, plugin versions", lfh_cmd_summary},
    {"run", "run an update of a pipeline (or a job's pipeline tasks), exactly once", lfh_cmd_run},
    {"plugins", "list plugins, describe a stage, check a plugin file", lfh_cmd_plugins},
    {"table", "describe, history, show, optimize, vacuum an Iceberg table", lfh_cmd_table},
    {"events", "show a pipeline's event log (progress, data quality, lineage)", lfh_cmd_events},
    {"runs", "show a pipeline's run history (state, duration, rows)", lfh_cmd_runs},
};

static void usage(FILE *out) {
  fputs("lfhost " LFH_VERSION " — Lakeflow-style declarative pipelines on one machine\n"
        "\n"
        "Usage: lfhost COMMAND [options]\n"
        "\n"
        "Commands:\n",
        out);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fputs("  help       show this help, or 'lfhost help COMMAND' for one command\n"
        "\n"
        "Options:\n"
        "  --version  print the version and the plugin ABI version\n"
        "  -h, --help show this help\n",
        out);
}

static const command *find_command(const char *name) {
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(commands[i].name, name) == 0) return &commands[i];
  return NULL;
}

static int help(int argc, char **argv) {
  if (argc < 3) {
    usage(stdout);
    return 0;
  }
  const command *c = find_command(argv[2]);
  if (!c) {
    fprintf(stderr, "Error: unknown command '%s'\n", argv[2]);
    return 2;
  }
  char *sub[] = {argv[2], "--help", NULL};
  return c->run(2, sub);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    printf("lfhost %s (plugin ABI %d.%d)\n", LFH_VERSION, LF_ABI_MAJOR, LF_ABI_MINOR);
    return 0;
  }
  if (strcmp(cmd, "help") == 0) return help(argc, argv);
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
    usage(stdout);
    return 0;
  }
  const command *c = find_command(cmd);
  if (!c) {
    fprintf(stderr, "Error: unknown command '%s' (see 'lfhost help')\n", cmd);
    return 2;
  }
  return c->run(argc - 1, argv + 1);
}
