/* Fuzz target: one configuration line through conf_parse_line, then print
 * the configuration. No file is read. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *line = malloc(size + 1);
  memcpy(line, data, size);
  line[size] = '\0';

  struct config c;
  struct conf_diag d = {0};
  conf_init(&c);
  conf_parse_line(&c, line, "fuzz", 1, &d);

  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  conf_print(&c, out);
  fclose(out);

  free(text);
  free(line);
  conf_free(&c);
  conf_diag_free(&d);
  return 0;
}
