/*
 * fuzz_driver — replays files through LLVMFuzzerTestOneInput without libFuzzer, so the
 * seed corpus (and any crash file) runs in every ordinary test build.
 * Usage: fuzz_driver FILE|DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "fuzz_driver: cannot open %s\n", path);
    return -1;
  }
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  char chunk[4096];
  size_t got;
  while (mem && (got = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, got, mem);
  fclose(f);
  if (!mem || fclose(mem) != 0) {
    free(buf);
    return -1;
  }
  LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
  free(buf);
  return 0;
}

static int run_dir(const char *dir, size_t *count) {
  struct dirent **names = NULL;
  int n = scandir(dir, &names, NULL, alphasort);
  if (n < 0) return -1;
  int rc = 0;
  for (int i = 0; i < n; i++) {
    char *p = NULL;
    struct stat st;
    if (names[i]->d_name[0] != '.' && asprintf(&p, "%s/%s", dir, names[i]->d_name) >= 0 &&
        stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
      if (run_file(p) != 0) rc = -1;
      (*count)++;
    }
    free(p);
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  size_t count = 0;
  int rc = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) rc = -1;
    else if (S_ISDIR(st.st_mode)) rc |= run_dir(argv[i], &count);
    else {
      rc |= run_file(argv[i]);
      count++;
    }
  }
  printf("fuzz_driver: %zu inputs replayed\n", count);
  return rc != 0 || count == 0 ? 1 : 0;
}
