#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/lfh_bundle.h"
#include "engine/lfh_session.h"
#include "lfh_cmd_validate.h"
#include "loader/lfh_loader.h"

typedef struct validate_args {
  lfh_bundle_opts bundle;
  const char **vars; /* owned array; strings borrowed from argv */
  int strict;
  lfh_output output;
} validate_args;

void lfh_cmd_validate_usage(FILE *out) {
  fputs("Usage: lfhost validate [BUNDLE] [options]\n"
        "\n"
        "Load a bundle, resolve its target, variables and references, and check every\n"
        "key, dataset, flow, job and plugin option before anything runs.\n"
        "\n"
        "  BUNDLE                  root bundle file (default: ./databricks.yml or ./bundle.yml)\n"
        "  -t, --target TARGET     target to validate (default: the default target)\n"
        "      --var NAME=VALUE    set a variable (repeatable; beats BUNDLE_VAR_NAME)\n"
        "      --strict            fail on warnings too\n"
        "  -o, --output FORMAT     text (default), json (the resolved bundle, secrets\n"
        "                          redacted), or github (GitHub Actions annotations)\n"
        "      --plugin-path DIRS  colon-separated plugin directories searched first\n"
        "  -h, --help              show this help\n"
        "\n"
        "Exit status: 0 valid, 1 invalid (or warnings with --strict), 2 usage error.\n",
        out);
}

static int parse_output(const char *s, lfh_output *out) {
  if (strcmp(s, "text") == 0) *out = LFH_OUT_TEXT;
  else if (strcmp(s, "json") == 0) *out = LFH_OUT_JSON;
  else if (strcmp(s, "github") == 0) *out = LFH_OUT_GITHUB;
  else return -1;
  return 0;
}

/* Returns 0, 1 when --help was asked, or 2 on a usage error (already reported). */
static int parse_args(int argc, char **argv, validate_args *a) {
  enum { OPT_VAR = 256, OPT_STRICT, OPT_PLUGIN_PATH };
  static const struct option opts[] = {
      {"target", required_argument, NULL, 't'},   {"output", required_argument, NULL, 'o'},
      {"var", required_argument, NULL, OPT_VAR},  {"strict", no_argument, NULL, OPT_STRICT},
      {"plugin-path", required_argument, NULL, OPT_PLUGIN_PATH},
      {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
  a->vars = calloc((size_t)argc, sizeof *a->vars);
  if (!a->vars) return 2;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":t:o:h", opts, NULL)) != -1) {
    switch (c) {
    case 't': a->bundle.target = optarg; break;
    case 'o':
      if (parse_output(optarg, &a->output) != 0) {
        fprintf(stderr, "Error: unknown output format '%s' (use text, json or github)\n", optarg);
        return 2;
      }
      break;
    case OPT_VAR:
      if (lfh_session_add_var(&a->bundle, a->vars, optarg) != 0) return 2;
      break;
    case OPT_STRICT: a->strict = 1; break;
    case OPT_PLUGIN_PATH: a->bundle.plugin_path = optarg; break;
    case 'h': return 1;
    case ':':
      fprintf(stderr, "Error: option '%s' needs a value\n", argv[optind - 1]);
      return 2;
    default:
      fprintf(stderr, "Error: unknown option '%s' (see 'lfhost validate --help')\n",
              argv[optind - 1]);
      return 2;
    }
  }
  if (optind < argc) a->bundle.path = argv[optind++];
  if (optind < argc) {
    fprintf(stderr, "Error: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  a->bundle.vars = a->vars;
  return 0;
}

static int report(const validate_args *a, const lfh_bundle *b, const lfh_diags *d) {
  size_t errors = lfh_diags_count(d, LFH_SEV_ERROR);
  size_t warnings = lfh_diags_count(d, LFH_SEV_WARNING);
  if (a->output == LFH_OUT_JSON) {
    /* stdout carries only the resolved bundle, so it can be piped into jq */
    if (b && b->root) {
      lfh_bundle_write_json(b, stdout);
      fputc('\n', stdout);
    }
    lfh_diags_print(d, LFH_OUT_TEXT, stderr);
    lfh_diags_print_summary(d, stderr);
  } else {
    lfh_diags_print(d, a->output, stdout);
    lfh_diags_print_summary(d, stdout);
  }
  return errors > 0 || (a->strict && warnings > 0) ? 1 : 0;
}

int lfh_cmd_validate(int argc, char **argv) {
  validate_args a = {.output = LFH_OUT_TEXT};
  lfh_session s;
  memset(&s, 0, sizeof s);
  int rc = parse_args(argc, argv, &a);
  if (rc == 1) {
    lfh_cmd_validate_usage(stdout);
    rc = 0;
    goto done;
  }
  if (rc != 0) goto done;
  if (lfh_session_open(&a.bundle, &s) < 0) {
    fprintf(stderr, "Error: out of memory\n");
    rc = 1;
    goto done;
  }
  rc = report(&a, s.bundle, &s.diags);
done:
  lfh_session_close(&s);
  free(a.vars);
  return rc;
}
