/* libFuzzer target for ntp_packet_parse().
 *
 * Any input must parse without reading out of bounds; an accepted one must
 * account for every byte (header + fields + MAC), point only into the input,
 * and re-encode to the same 48 header bytes. chronyd's F323 and 10A fields
 * found in it must decode, and encode back to the same bytes. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ntp_ext.h"
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

/* A recognised F323 field encodes back to its own bytes; a 10A one too but
 * for its padding (not kept) and, beyond 2^20 s, the low bits of its
 * correction (a double's). */
static void check_ext(const struct ntp_ef *ef)
{
  uint8_t out[NTPEXT_FIELD_LEN];
  struct wire_writer w;
  struct ntpext_mono_root m;
  double c;

  wire_writer_init(&w, out, sizeof(out));
  if (ntpext_read_mono_root(ef, &m)) {
    ntpext_write_mono_root(&w, &m);
    check(!w.err && memcmp(out + 4, ef->body, NTPEXT_BODY_LEN) == 0);
  } else if (ntpext_read_net_correction(ef, &c)) {
    check(c >= -2147483648.0 && c <= 2147483648.0);   /* rounded: may reach 2^31 */
    ntpext_write_net_correction(&w, c);
    check(!w.err && (fabs(c) >= 1048576.0 || memcmp(out + 4, ef->body, 8) == 0));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct ntp_packet pkt;
  uint8_t header[NTP_HEADER_LEN];

  if (ntp_packet_parse(data, size, &pkt) != NTP_PARSE_OK)
    return 0;
  check(size >= NTP_HEADER_LEN);
  check_layout(&pkt, data, size);
  for (unsigned i = 0; i < pkt.n_ef; i++)
    check_ext(&pkt.ef[i]);
  (void)ntpext_flags(&pkt);
  ntp_header_encode(&pkt.hdr, header);
  check(memcmp(header, data, NTP_HEADER_LEN) == 0);
  return 0;
}
