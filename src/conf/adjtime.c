#include "conf/adjtime.h"

#include <string.h>

enum adjtime_clock adjtime_parse(const char *text)
{
  for (int line = 1; line < 3; line++) {
    text = strchr(text, '\n');
    if (!text)
      return ADJTIME_UNKNOWN;
    text++;
  }
  /* chronyd's fgets: a third line, even without its newline, but not an
   * empty end of file. */
  if (strncmp(text, "LOCAL", 5) == 0)
    return ADJTIME_LOCAL;
  if (strncmp(text, "UTC", 3) == 0)
    return ADJTIME_UTC;
  return ADJTIME_UNKNOWN;
}
