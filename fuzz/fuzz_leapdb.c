/* Both leap second table parsers on arbitrary bytes (the first byte picks
 * TZif or leap-seconds.list): never crash; an accepted table is in
 * increasing order and within its bounds, and every question about it is
 * answered with a leap code and an offset. */
#include <stdint.h>
#include <stdlib.h>

#include "core/leapdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct leapdb db;
  if (size == 0)
    return 0;
  bool ok = data[0] & 1 ? leapdb_parse_tzif(data + 1, size - 1, &db)
                        : leapdb_parse_list((const char *)data + 1, size - 1, &db);
  if (!ok)
    return 0;
  if (db.n > LEAPDB_MAX)
    abort();
  for (size_t i = 0; i < db.n; i++) {
    int tai;
    if (i > 0 && db.e[i].at <= db.e[i - 1].at)
      abort();
    enum ntp_leap leap = leapdb_get(&db, (time_t)(db.e[i].at - 1), &tai);
    if (leap != NTP_LEAP_NONE && leap != NTP_LEAP_INSERT && leap != NTP_LEAP_DELETE)
      abort();
  }
  (void)leapdb_check(&db);
  return 0;
}
