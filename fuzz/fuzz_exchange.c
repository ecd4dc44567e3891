/* Client reply (basic and interleaved) and symmetric peer packet handling
 * on arbitrary bytes: never crash; a sample is only produced for a packet
 * echoing our nonce, with finite offset and delay. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/exchange.h"
#include "proto/ntp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const struct timespec tx = {1700000000, 0}, rx = {1700000000, 5000000};
  struct exch_sample s;
  struct ntp_packet p;
  ntp_ts nonce = 0x0123456789abcdefULL;
  ntp_packet_parse(data, size, &p);
  /* Half of the inputs use their own origin field as the nonce, so the
   * checks after the origin test are reached. */
  if (size >= NTP_HEADER_LEN && (data[0] & 1))
    nonce = p.hdr.origin;
  if (exch_check_reply(&p, nonce, &tx, &rx, &s) == EXCH_OK) {
    if (nonce == 0 || !isfinite(s.offset) || !(s.delay >= 0.0))
      abort();
  }
  if (exch_check_symmetric(&p, nonce, &tx, &rx, &s) == EXCH_OK) {
    if (nonce == 0 || !isfinite(s.offset) || !(s.delay >= 0.0))
      abort();
  }
  /* Interleaved: the previous exchange's server receive time is 1 ms after
   * tx on the NTP scale. */
  ntp_ts prev_remote_rx = ntp_ts_from_timespec(&tx) + (1ull << 32) / 1000;
  for (int symmetric = 0; symmetric < 2; symmetric++) {
    if (exch_check_interleaved(&p, symmetric, nonce, &tx, prev_remote_rx, &rx, &s) ==
            EXCH_OK &&
        (nonce == 0 || !isfinite(s.offset) || !(s.delay >= 0.0)))
      abort();
    if (exch_check_interleaved_crossed(&p, symmetric, nonce, &tx, &rx, &s) == EXCH_OK &&
        (nonce == 0 || !isfinite(s.offset) || !(s.delay >= 0.0)))
      abort();
  }
  return 0;
}
