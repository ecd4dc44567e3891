/* libFuzzer target for settime's time forms (src/stratumc/date.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stratumc/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = malloc(size + 1);
  if (!text)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  time_t t;
  sc_date_parse(text, (time_t)1796611893, &t);
  free(text);
  return 0;
}
