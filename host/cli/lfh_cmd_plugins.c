/*
 * lfh_cmd_plugins — inspect plugins: what is on the search path, what a stage accepts,
 * and whether one file would load. Output goes to stdout; refusals and errors of the
 * command itself go to stderr, except in `list`, where refused files are part of the
 * listing.
 */
#include "lfh_cmd_plugins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "loader/lfh_config.h"
#include "loader/lfh_loader.h"
#include "util/lfh_suggest.h"

typedef struct plugins_args {
  const char *sub;         /* list | describe | check */
  const char *operand;     /* STAGE or FILE */
  char *plugin_path;       /* owned: --plugin-path values joined with ':' */
  int help;
} plugins_args;

static void usage_top(FILE *out) {
  fputs("Usage: lfhost plugins COMMAND [--plugin-path DIR[:DIR...]]\n"
        "\n"
        "Commands:\n"
        "  list             every plugin on the search path, with its stages\n"
        "  describe STAGE   a stage's documentation and options\n"
        "  check FILE.so    load one plugin file and report whether it is accepted\n"
        "\n"
        "Plugins are looked for in --plugin-path, LFHOST_PLUGIN_PATH, then the install\n"
        "directory next to lfhost.\n",
        out);
}

static void usage_sub(const char *sub, FILE *out) {
  if (strcmp(sub, "list") == 0)
    fputs("Usage: lfhost plugins list [--plugin-path DIR[:DIR...]]\n\n"
          "Loads every *.so on the plugin search path and prints each plugin's name,\n"
          "version, file and stages. Files that are refused are listed with the reason.\n",
          out);
  else if (strcmp(sub, "describe") == 0)
    fputs("Usage: lfhost plugins describe STAGE [--plugin-path DIR[:DIR...]]\n\n"
          "Prints a stage's documentation and its options: type, whether required,\n"
          "default, bounds, accepted values, whether secret. Exit 1 if no plugin on the\n"
          "search path provides STAGE.\n",
          out);
  else
    fputs("Usage: lfhost plugins check FILE.so\n\n"
          "Loads FILE.so the way lfhost does and checks its descriptor. Prints\n"
          "'OK: ...' and exits 0 when accepted; prints the refusal and exits 1 otherwise.\n"
          "A FILE without '/' that does not exist is looked up on the search path.\n",
          out);
}

static int append_path(plugins_args *a, const char *dir) {
  char *joined = NULL;
  if (asprintf(&joined, "%s%s%s", a->plugin_path ? a->plugin_path : "",
               a->plugin_path ? ":" : "", dir) < 0)
    return -1;
  free(a->plugin_path);
  a->plugin_path = joined;
  return 0;
}

/* Options may come anywhere after `plugins`. Returns 0, or 2 for a usage error. */
static int parse_args(int argc, char **argv, plugins_args *a) {
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
      a->help = 1;
    } else if (strcmp(s, "--plugin-path") == 0 || strncmp(s, "--plugin-path=", 14) == 0) {
      const char *v = s[13] == '=' ? s + 14 : (i + 1 < argc ? argv[++i] : NULL);
      if (!v || !*v) return fprintf(stderr, "Error: --plugin-path needs a directory\n"), 2;
      if (append_path(a, v) != 0) return fprintf(stderr, "Error: out of memory\n"), 2;
    } else if (s[0] == '-' && s[1]) {
      return fprintf(stderr, "Error: unknown option '%s'\n", s), 2;
    } else if (!a->sub) {
      a->sub = s;
    } else if (!a->operand) {
      a->operand = s;
    } else {
      return fprintf(stderr, "Error: unexpected argument '%s'\n", s), 2;
    }
  }
  return 0;
}

/* ------------------------------------------------------------ list */

static void print_refusal(void *ud, const char *path, const char *why) {
  (void)path;
  fprintf((FILE *)ud, "%s\n", why);
}

static void print_plugin(const lfh_registry *r, const lfh_plugin_info *p) {
  printf("%s %s (ABI %u.%u)\n  file: %s\n", p->name, p->version, p->abi_major, p->abi_minor,
         p->path);
  if (p->description && *p->description) printf("  %s\n", p->description);
  fputs("  stages:", stdout);
  const char *sep = " ";
  for (size_t i = 0; i < lfh_registry_stage_count(r); i++) {
    const lfh_stage_info *s = lfh_registry_stage_at(r, i);
    if (s->plugin != p) continue;
    printf("%s%s (%s)", sep, s->name, lfh_stage_kind_name(s->kind));
    sep = ", ";
  }
  fputc('\n', stdout);
}

static int cmd_list(const lfh_searchpath *sp, lfh_registry *r) {
  puts("Plugin search path:");
  for (size_t i = 0; i < sp->n; i++) {
    struct stat st;
    int there = stat(sp->dirs[i], &st) == 0 && S_ISDIR(st.st_mode);
    printf("  %s%s\n", sp->dirs[i], there ? "" : " (not found)");
  }
  if (sp->n == 0) puts("  (empty)");
  fputc('\n', stdout);
  fflush(stdout);
  int refused = lfh_registry_load_searchpath(r, sp, print_refusal, stdout);
  if (refused < 0) return fprintf(stderr, "Error: out of memory\n"), 1;
  for (size_t i = 0; i < lfh_registry_plugin_count(r); i++) {
    if (i || refused) fputc('\n', stdout);
    print_plugin(r, lfh_registry_plugin_at(r, i));
  }
  if (lfh_registry_plugin_count(r) == 0 && refused == 0) puts("No plugins found.");
  return 0;
}

/* ------------------------------------------------------------ describe */

static void print_wrapped(const char *text, const char *indent) {
  size_t col = 0, width = 76;
  const char *p = text;
  while (*p) {
    while (*p == ' ' || *p == '\n') p++;
    size_t n = strcspn(p, " \n");
    if (!n) break;
    if (col && col + 1 + n > width) {
      fputc('\n', stdout);
      col = 0;
    }
    if (col == 0) {
      fputs(indent, stdout);
      col = strlen(indent);
    } else {
      fputc(' ', stdout);
      col++;
    }
    fwrite(p, 1, n, stdout);
    col += n;
    p += n;
  }
  if (col) fputc('\n', stdout);
}

static void print_bound(const lfh_option_info *o, double v) {
  char buf[64];
  if (o->type == LF_CONFIG_DURATION)
    lfh_format_duration((long long)v, buf, sizeof buf);
  else if (o->type == LF_CONFIG_SIZE)
    lfh_format_size((long long)v, buf, sizeof buf);
  else
    snprintf(buf, sizeof buf, "%g", v);
  fputs(buf, stdout);
}

static void print_option(const lfh_option_info *o) {
  printf("    %s (%s%s%s)\n", o->name, lfh_config_type_name(o->type),
         (o->flags & LF_CONFIG_REQUIRED) ? ", required" : "",
         (o->flags & LF_CONFIG_SECRET) ? ", secret" : "");
  if (o->default_value) printf("        default: %s\n", o->default_value);
  if (o->flags & LF_CONFIG_HAS_MIN) fputs("        min: ", stdout), print_bound(o, o->min), fputc('\n', stdout);
  if (o->flags & LF_CONFIG_HAS_MAX) fputs("        max: ", stdout), print_bound(o, o->max), fputc('\n', stdout);
  if (o->enum_values) {
    fputs("        values:", stdout);
    for (size_t i = 0; o->enum_values[i]; i++) printf("%s%s", i ? " | " : " ", o->enum_values[i]);
    fputc('\n', stdout);
  }
  if (o->flags & LF_CONFIG_SECRET)
    puts("        set it with ${secrets.SCOPE.KEY}; the value is redacted in logs");
  if (o->doc) print_wrapped(o->doc, "        ");
}

static void print_stage(const lfh_stage_info *s) {
  const lfh_plugin_info *p = s->plugin;
  printf("NAME\n    %s - %s stage of plugin %s %s\n\n", s->name, lfh_stage_kind_name(s->kind),
         p->name, p->version);
  printf("PLUGIN\n    %s\n\n", p->path);
  puts("DESCRIPTION");
  print_wrapped(s->doc && *s->doc ? s->doc : "(no documentation)", "    ");
  puts("\nOPTIONS");
  if (s->n_options == 0) puts("    (none)");
  for (size_t i = 0; i < s->n_options; i++) {
    if (i) fputc('\n', stdout);
    print_option(&s->options[i]);
  }
}

static void suggest_stage(const lfh_registry *r, const char *name) {
  size_t n = lfh_registry_stage_count(r);
  const char **names = calloc(n + 1, sizeof *names);
  if (!names) return;
  for (size_t i = 0; i < n; i++) names[i] = lfh_registry_stage_at(r, i)->name;
  const char *near = lfh_suggest(name, names, n);
  if (near) fprintf(stderr, "  hint: did you mean '%s'?\n", near);
  free(names);
}

static int cmd_describe(const lfh_searchpath *sp, lfh_registry *r, const char *stage) {
  if (lfh_registry_load_searchpath(r, sp, NULL, NULL) < 0)
    return fprintf(stderr, "Error: out of memory\n"), 1;
  const lfh_stage_info *s = lfh_registry_find_stage(r, stage);
  if (!s) {
    fprintf(stderr, "Error: no plugin on the search path provides stage '%s'\n", stage);
    suggest_stage(r, stage);
    return 1;
  }
  print_stage(s);
  return 0;
}

/* ------------------------------------------------------------ check */

static int cmd_check(const lfh_searchpath *sp, lfh_registry *r, const char *file) {
  char why[1024];
  char *found = strchr(file, '/') ? NULL : lfh_searchpath_find(sp, file);
  FILE *probe = found ? NULL : fopen(file, "rb");
  const char *path = found && !probe ? found : file;
  if (probe) fclose(probe);
  int rc = lfh_registry_load(r, path, why, sizeof why);
  if (rc != 0) {
    fprintf(stderr, "%s\n", why);
    free(found);
    return 1;
  }
  const lfh_plugin_info *p = lfh_registry_plugin_at(r, 0);
  printf("OK: %s: plugin %s %s (ABI %u.%u), stages:", path, p->name, p->version, p->abi_major,
         p->abi_minor);
  for (size_t i = 0; i < lfh_registry_stage_count(r); i++) {
    const lfh_stage_info *s = lfh_registry_stage_at(r, i);
    printf("%s %s (%s)", i ? "," : "", s->name, lfh_stage_kind_name(s->kind));
  }
  fputc('\n', stdout);
  free(found);
  return 0;
}

/* ------------------------------------------------------------ dispatch */

static int run(const plugins_args *a) {
  lfh_searchpath sp;
  lfh_registry *r = NULL;
  int rc = 1;
  if (lfh_searchpath_init(&sp, a->plugin_path, NULL, 0) != 0)
    return fprintf(stderr, "Error: out of memory\n"), 1;
  if (!(r = lfh_registry_new())) {
    fprintf(stderr, "Error: out of memory\n");
    goto done;
  }
  if (strcmp(a->sub, "list") == 0)
    rc = cmd_list(&sp, r);
  else if (strcmp(a->sub, "describe") == 0)
    rc = cmd_describe(&sp, r, a->operand);
  else
    rc = cmd_check(&sp, r, a->operand);
done:
  lfh_registry_free(r);
  lfh_searchpath_free(&sp);
  return rc;
}

static int known_sub(const char *s) {
  return strcmp(s, "list") == 0 || strcmp(s, "describe") == 0 || strcmp(s, "check") == 0;
}

int lfh_cmd_plugins(int argc, char **argv) {
  plugins_args a = {0};
  int rc = parse_args(argc, argv, &a);
  if (rc != 0) goto done;
  if (!a.sub) {
    usage_top(a.help ? stdout : stderr);
    rc = a.help ? 0 : 2;
  } else if (!known_sub(a.sub)) {
    fprintf(stderr, "Error: unknown plugins command '%s' (list, describe, check)\n", a.sub);
    rc = 2;
  } else if (a.help) {
    usage_sub(a.sub, stdout);
    rc = 0;
  } else if ((strcmp(a.sub, "list") == 0) != (a.operand == NULL)) {
    fprintf(stderr, "Error: wrong number of arguments\n");
    usage_sub(a.sub, stderr);
    rc = 2;
  } else {
    rc = run(&a);
  }
done:
  free(a.plugin_path);
  return rc;
}
