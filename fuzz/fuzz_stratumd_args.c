/* libFuzzer target for stratumd's command line (src/daemon/options.c).
 *
 * The input, split at spaces, is the argument vector after "stratumd".
 * What the parser prints (usage, errors) goes to /dev/null. An accepted
 * command line has its numbers in range and its directives inside argv. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/options.h"
#include "sys/seccomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

/* options_parse, its output to /dev/null (glibc's stdout and stderr can be
 * assigned; sanitizer and libFuzzer reports do not go through them). */
static enum options_result parse_quietly(int argc, char **argv, struct options *o)
{
  static FILE *null;
  if (!null && !(null = fopen("/dev/null", "w")))
    abort();
  FILE *out = stdout, *err = stderr;
  stdout = stderr = null;
  enum options_result r = options_parse(argc, argv, o);
  stdout = out;
  stderr = err;
  return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = malloc(size + 1);
  char *argv[64];
  int argc = 0;
  struct options o;
  if (!text)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  argv[argc++] = "stratumd";
  for (char *save = NULL, *w = strtok_r(text, " ", &save); w && argc < 63;
       w = strtok_r(NULL, " ", &save))
    argv[argc++] = w;
  argv[argc] = NULL;
  if (parse_quietly(argc, argv, &o) == OPTIONS_RUN) {
    check(o.seccomp_level >= SECCOMP_LEVEL_MIN && o.seccomp_level <= SECCOMP_LEVEL_MAX);
    check(o.log_level >= -1 && o.log_level <= 3);
    check(o.timeout == 0.0 || (o.timeout >= 0.001 && o.timeout <= 1e9));
    check(o.n_directives >= 0 && o.directives + o.n_directives <= argv + argc);
  }
  free(text);
  return 0;
}
