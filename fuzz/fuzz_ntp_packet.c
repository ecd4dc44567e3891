/* libFuzzer target for ntp_packet_parse().
 *
 * Any input must parse without reading out of bounds; an accepted one must
 * account for every byte (header + fields + MAC), point only into the input,
 * and re-encode to the same 48 header bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ntp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

static int inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
  return p >= data && n <= size && (size_t)(p - data) <= size - n;
}

static void check_layout(const struct ntp_packet *pkt, const uint8_t *data, size_t size)
{
  const uint8_t *next = data + NTP_HEADER_LEN;
  unsigned i;

  check(pkt->n_ef <= NTP_MAX_EXTENSIONS);
  for (i = 0; i < pkt->n_ef; i++) {
    const struct ntp_ef *ef = &pkt->ef[i];

    check(ef->length >= NTP_EF_MIN_LEN && ef->length % 4 == 0);
    check(ef->body == next + 4 && ef->body_len == ef->length - 4u);
    check(inside(ef->body, ef->body_len, data, size));
    next += ef->length;
  }
  if (pkt->mac_len > 0) {
    check(pkt->mac_digest == next + 4 && pkt->mac_digest_len == pkt->mac_len - 4);
    check(inside(pkt->mac_digest, pkt->mac_digest_len, data, size));
    next += pkt->mac_len;
  }
  check(next == data + size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct ntp_packet pkt;
  uint8_t header[NTP_HEADER_LEN];

  if (ntp_packet_parse(data, size, &pkt) != NTP_PARSE_OK)
    return 0;
  check(size >= NTP_HEADER_LEN);
  check_layout(&pkt, data, size);
  ntp_header_encode(&pkt.hdr, header);
  check(memcmp(header, data, NTP_HEADER_LEN) == 0);
  return 0;
}
