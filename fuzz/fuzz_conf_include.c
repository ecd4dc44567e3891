/* libFuzzer target for the configuration read from files
 * (src/conf/conf_include.c): include, confdir and sourcedir on real files.
 *
 * The input is a set of files separated by NUL bytes: main.conf, then the
 * names of files[] below in order (an empty one is not created). They are
 * written into a private temporary directory, the working directory during
 * a run, so their directives name each other by relative paths (include
 * inc/[*].conf, confdir d1 d2, sourcedir s1 s2). main.conf is loaded, then
 * its sourcedirs. Each source the sourcedirs give is counted once. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const dirs[] = {"inc", "d1", "d2", "s1", "s2"};
static const char *const files[] = {
  "main.conf", "inc/a.conf", "inc/b.conf", "d1/x.conf", "d1/y.conf", "d2/x.conf", "d2/z.conf",
  "s1/a.sources", "s1/b.sources", "s2/a.sources", "s2/c.sources"};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static char root[] = "/tmp/fuzz_conf_include.XXXXXX";
static int home = -1;              /* the working directory outside runs */

static void cleanup(void)
{
  if (chdir(root) != 0)
    return;
  for (size_t i = 0; i < N(files); i++)
    unlink(files[i]);
  for (size_t i = 0; i < N(dirs); i++)
    rmdir(dirs[i]);
  if (fchdir(home) == 0)
    rmdir(root);
}

/* The directory and its subdirectories, made once and removed at exit. */
static void make_root(void)
{
  home = open(".", O_RDONLY | O_DIRECTORY);
  if (home < 0 || !mkdtemp(root))
    abort();
  atexit(cleanup);
  for (size_t i = 0; i < N(dirs); i++) {
    char path[sizeof(root) + 8];
    snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
    if (mkdir(path, 0700) != 0)
      abort();
  }
}

/* files[i] gets the i-th part of the input; the files of the last run go. */
static void write_files(const uint8_t *data, size_t size)
{
  const uint8_t *end = data + size;
  for (size_t i = 0; i < N(files); i++) {
    const uint8_t *sep = data < end ? memchr(data, '\0', (size_t)(end - data)) : NULL;
    size_t len = (size_t)((sep ? sep : end) - data);
    unlink(files[i]);
    FILE *f = len > 0 ? fopen(files[i], "w") : NULL;
    if (len > 0 && (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0))
      abort();
    data = sep ? sep + 1 : end;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct config c, out;
  struct conf_diag d = {0};
  if (home < 0)
    make_root();
  if (chdir(root) != 0)
    abort();
  write_files(data, size);
  conf_init(&c);
  conf_init(&out);
  conf_load_file(&c, "main.conf", &d);
  unsigned added = conf_load_sourcedirs(&c, &out, &d);
  if (added != out.n_sources)
    abort();
  conf_free(&out);
  conf_free(&c);
  conf_diag_free(&d);
  if (fchdir(home) != 0)
    abort();
  return 0;
}
