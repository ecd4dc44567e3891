/* libFuzzer target for ptp_unwrap().
 *
 * Any input must be judged without reading out of bounds; an accepted one
 * must hold its NTP message right after the 56-byte prefix, to its end, and
 * wrapping that message again must give the same prefix, but for the
 * fields a sender sets freely (message type, version, minorSdoId,
 * correction, sequence, TLV type). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ptp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct ptp_ntp out;
  uint8_t prefix[PTP_NTP_PREFIX_LEN];
  uint8_t domain = size > 4 ? data[4] : PTP_DEFAULT_DOMAIN;

  if (ptp_unwrap(data, size, domain, &out) != PTP_OK)
    return 0;
  check(out.ntp == data + PTP_NTP_PREFIX_LEN && out.ntp_len == size - PTP_NTP_PREFIX_LEN);
  ptp_wrap(prefix, domain, (uint16_t)(data[30] << 8 | data[31]), out.ntp_len);
  check(memcmp(prefix + 2, data + 2, 3) == 0);          /* length, domain */
  check(memcmp(prefix + 6, data + 6, 2) == 0);          /* flags */
  check(memcmp(prefix + 46, data + 46, 8) == 0);        /* TLV length, OUI, subtype */
  return 0;
}
