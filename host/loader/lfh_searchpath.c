/* lfh_searchpath — where plugin files are looked for (order documented in lfh_loader.h). */
#include "lfh_loader.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LFH_PLUGIN_RELDIR
#define LFH_PLUGIN_RELDIR "../lib/lfhost/plugins"
#endif

int lfh_searchpath_add(lfh_searchpath *sp, const char *dir) {
  char **dirs = realloc(sp->dirs, (sp->n + 1) * sizeof *dirs);
  if (!dirs) return -1;
  sp->dirs = dirs;
  sp->dirs[sp->n] = strdup(dir);
  if (!sp->dirs[sp->n]) return -1;
  sp->n++;
  return 0;
}

/* Adds every non-empty component of a colon-separated list. */
static int add_list(lfh_searchpath *sp, const char *list) {
  if (!list) return 0;
  char *copy = strdup(list);
  if (!copy) return -1;
  int rc = 0;
  char *save = NULL;
  for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
    if ((rc = lfh_searchpath_add(sp, tok)) != 0) break;
  free(copy);
  return rc;
}

/* <dir of /proc/self/exe>/LFH_PLUGIN_RELDIR, canonicalised when it exists so listings
 * print a clean path. Missing /proc is not an error: the entry is simply left out. */
static int add_exe_dir(lfh_searchpath *sp) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return 0;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (!slash) return 0;
  *slash = '\0';
  char *dir = NULL;
  if (asprintf(&dir, "%s/%s", exe, LFH_PLUGIN_RELDIR) < 0) return -1;
  char *canon = realpath(dir, NULL);
  int rc = lfh_searchpath_add(sp, canon ? canon : dir);
  free(canon);
  free(dir);
  return rc;
}

int lfh_searchpath_init(lfh_searchpath *sp, const char *cli, const char *const *bundle_dirs,
                        size_t n_bundle_dirs) {
  memset(sp, 0, sizeof *sp);
  if (add_list(sp, cli) != 0) goto fail;
  for (size_t i = 0; i < n_bundle_dirs; i++)
    if (bundle_dirs[i] && *bundle_dirs[i] && lfh_searchpath_add(sp, bundle_dirs[i]) != 0)
      goto fail;
  if (add_list(sp, getenv("LFHOST_PLUGIN_PATH")) != 0) goto fail;
  sp->configured = sp->n > 0;
  if (add_exe_dir(sp) != 0) goto fail;
  return 0;
fail:
  lfh_searchpath_free(sp);
  return -1;
}

void lfh_searchpath_free(lfh_searchpath *sp) {
  if (!sp) return;
  for (size_t i = 0; i < sp->n; i++) free(sp->dirs[i]);
  free(sp->dirs);
  memset(sp, 0, sizeof *sp);
}

static int is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Tries DIR/NAME.so, DIR/libNAME.so and, for a NAME already ending in .so, DIR/NAME. */
static char *find_in_dir(const char *dir, const char *name) {
  static const char *const patterns[] = {"%s/%s.so", "%s/lib%s.so", "%s/%s"};
  size_t n = ends_with(name, ".so") ? 3 : 2;
  for (size_t i = 0; i < n; i++) {
    char *path = NULL;
    /* The patterns are literals from the table above, never user input. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    int rc = asprintf(&path, patterns[i], dir, name);
#pragma GCC diagnostic pop
    if (rc < 0) return NULL;
    if (is_file(path)) return path;
    free(path);
  }
  return NULL;
}

char *lfh_searchpath_find(const lfh_searchpath *sp, const char *name) {
  if (!name || !*name) return NULL;
  if (strchr(name, '/')) return is_file(name) ? strdup(name) : NULL;
  for (size_t i = 0; i < sp->n; i++) {
    char *path = find_in_dir(sp->dirs[i], name);
    if (path) return path;
  }
  return NULL;
}
