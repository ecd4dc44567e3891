/* The adjtime file reader (hwclockfile) on arbitrary text: never crash,
 * always one of the three answers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/adjtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static char text[4096 + 1];
  if (size > sizeof(text) - 1)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  enum adjtime_clock c = adjtime_parse(text);
  if (c != ADJTIME_UNKNOWN && c != ADJTIME_UTC && c != ADJTIME_LOCAL)
    abort();
  return 0;
}
