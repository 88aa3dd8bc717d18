#include "lfh_cmd_deploy.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/lfh_deploy.h"

void lfh_cmd_deploy_usage(FILE *out) {
  fputs("Usage: lfhost deploy [BUNDLE] [options]\n"
        "\n"
        "Check the bundle exactly as 'lfhost validate' does, take the target's deployment\n"
        "lock, then create what the bundle declares: a stable id per pipeline and job, the\n"
        "streaming tables (and <dataset>_quarantine tables, and each pipeline's event log)\n"
        "as Iceberg tables, and additive schema changes of existing tables. The deployment\n"
        "state is recorded under <workspace.root_path>/state/. Deploying an unchanged bundle\n"
        "again prints '0 created, 0 changed' and writes nothing.\n"
        "\n"
        "A change that would recreate a table (a dropped column, a type change that is not\n"
        "a widening, new partitioning) or remove one from the deployment is listed and\n"
        "refused unless --auto-approve; even then no data is deleted (docs/DEPLOY.md).\n"
        "\n"
        "  BUNDLE                  root bundle file (default: ./databricks.yml or ./bundle.yml)\n"
        "  -t, --target TARGET     target to deploy (default: the default target)\n"
        "      --var NAME=VALUE    set a variable (repeatable; beats BUNDLE_VAR_NAME)\n"
        "      --auto-approve      apply destructive changes without asking\n"
        "      --force-lock        take the deployment lock even when another deploy (or a\n"
        "                          crashed one: a stale lock) holds it\n"
        "      --plugin-path DIRS  colon-separated plugin directories searched first\n"
        "  -h, --help              show this help\n"
        "\n"
        "Exit status: 0 deployed, 1 invalid bundle, lock held, refused or failed, 2 usage error.\n",
        out);
}

void lfh_cmd_destroy_usage(FILE *out) {
  fputs("Usage: lfhost destroy [BUNDLE] [options]\n"
        "\n"
        "Delete everything the target's deployment state lists: its tables (data and\n"
        "metadata), the pipelines' checkpoints, then the state itself. Without\n"
        "--auto-approve it only lists what it would delete.\n"
        "\n"
        "  BUNDLE                  root bundle file (default: ./databricks.yml or ./bundle.yml)\n"
        "  -t, --target TARGET     target to destroy (default: the default target)\n"
        "      --var NAME=VALUE    set a variable (repeatable; beats BUNDLE_VAR_NAME)\n"
        "      --auto-approve      delete without asking\n"
        "      --force-lock        take the deployment lock even when it is held\n"
        "      --plugin-path DIRS  colon-separated plugin directories searched first\n"
        "  -h, --help              show this help\n"
        "\n"
        "Exit status: 0 destroyed (or nothing deployed), 1 refused or failed, 2 usage error.\n",
        out);
}

void lfh_cmd_summary_usage(FILE *out) {
  fputs("Usage: lfhost summary [BUNDLE] [options]\n"
        "\n"
        "Show what is deployed for a target: bundle name, target, workspace root, pipelines\n"
        "and jobs with their ids, tables with their locations, plugin versions, and when\n"
        "it was deployed.\n"
        "\n"
        "  BUNDLE                  root bundle file (default: ./databricks.yml or ./bundle.yml)\n"
        "  -t, --target TARGET     target to show (default: the default target)\n"
        "      --var NAME=VALUE    set a variable (repeatable; beats BUNDLE_VAR_NAME)\n"
        "  -o, --output FORMAT     text (default) or json\n"
        "      --plugin-path DIRS  colon-separated plugin directories searched first\n"
        "  -h, --help              show this help\n"
        "\n"
        "Exit status: 0 shown, 1 invalid bundle or unreadable state, 2 usage error.\n",
        out);
}

typedef enum which { DEPLOY, DESTROY, SUMMARY } which;

static const char *const names[] = {"deploy", "destroy", "summary"};

static int bad_option(which w, const char *what, const char *arg) {
  fprintf(stderr, "Error: %s '%s' (see 'lfhost %s --help')\n", what, arg, names[w]);
  return 2;
}

/* Returns 0, 1 when --help was asked, or 2 on a usage error (already reported). */
static int parse_args(which w, int argc, char **argv, lfh_deploy_opts *o, const char **vars) {
  enum { OPT_VAR = 256, OPT_AUTO, OPT_FORCE, OPT_PLUGIN_PATH };
  static const struct option opts[] = {
      {"target", required_argument, NULL, 't'},   {"output", required_argument, NULL, 'o'},
      {"var", required_argument, NULL, OPT_VAR},  {"auto-approve", no_argument, NULL, OPT_AUTO},
      {"force-lock", no_argument, NULL, OPT_FORCE},
      {"plugin-path", required_argument, NULL, OPT_PLUGIN_PATH},
      {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":t:o:h", opts, NULL)) != -1) {
    switch (c) {
      case 't': o->bundle.target = optarg; break;
      case 'o':
        if (w != SUMMARY) return bad_option(w, "unknown option", "-o");
        if (strcmp(optarg, "json") == 0) o->json = 1;
        else if (strcmp(optarg, "text") == 0) o->json = 0;
        else return bad_option(w, "unknown output format (use text or json)", optarg);
        break;
      case OPT_VAR:
        if (!strchr(optarg, '=') || optarg[0] == '=')
          return bad_option(w, "--var expects NAME=VALUE, got", optarg);
        vars[o->bundle.n_vars++] = optarg;
        break;
      case OPT_AUTO:
        if (w == SUMMARY) return bad_option(w, "unknown option", "--auto-approve");
        o->auto_approve = 1;
        break;
      case OPT_FORCE:
        if (w == SUMMARY) return bad_option(w, "unknown option", "--force-lock");
        o->force_lock = 1;
        break;
      case OPT_PLUGIN_PATH: o->bundle.plugin_path = optarg; break;
      case 'h': return 1;
      case ':':
        fprintf(stderr, "Error: option '%s' needs a value\n", argv[optind - 1]);
        return 2;
      default: return bad_option(w, "unknown option", argv[optind - 1]);
    }
  }
  if (optind < argc) o->bundle.path = argv[optind++];
  if (optind < argc) {
    fprintf(stderr, "Error: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  o->bundle.vars = vars;
  return 0;
}

static int run(which w, int argc, char **argv) {
  lfh_deploy_opts o;
  memset(&o, 0, sizeof(o));
  const char **vars = calloc((size_t)argc + 1, sizeof(*vars));
  if (!vars) return 1;
  int rc = parse_args(w, argc, argv, &o, vars);
  if (rc == 1) {
    if (w == DEPLOY) lfh_cmd_deploy_usage(stdout);
    else if (w == DESTROY) lfh_cmd_destroy_usage(stdout);
    else lfh_cmd_summary_usage(stdout);
    rc = 0;
  } else if (rc == 0) {
    rc = w == DEPLOY ? lfh_deploy_run(&o) : w == DESTROY ? lfh_deploy_destroy(&o)
                                                         : lfh_deploy_summary(&o);
  }
  free(vars);
  return rc;
}

int lfh_cmd_deploy(int argc, char **argv) { return run(DEPLOY, argc, argv); }
int lfh_cmd_destroy(int argc, char **argv) { return run(DESTROY, argc, argv); }
int lfh_cmd_summary(int argc, char **argv) { return run(SUMMARY, argc, argv); }
