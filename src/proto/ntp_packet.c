/* ntp_packet: NTP header codec and the layout check of a whole datagram (see
 * ntp_packet.h).
 *
 * Layout rules, after the 48-byte header (all lengths are multiples of 4):
 *  - Versions 1 to 3 have no extension fields: the trailer is empty or a MAC
 *    of NTP_MAC_MIN_LEN..NTP_MAC_MAX_LEN bytes; anything else is
 *    NTP_PARSE_EF_NOT_V4.
 *  - Version 4 (RFC 7822): a 4-byte trailer with key id 0 directly after the
 *    header is a crypto-NAK (MAC of length 4, no digest). Otherwise fields
 *    are walked while the remainder can hold one and is not 20 or 24 bytes,
 *    which RFC 7822 reserves for a MAC. What is left must be nothing, or a
 *    MAC of 20 or 24 bytes. Like chrony 4, longer MACs are not recognised in
 *    NTPv4 (they cannot be told apart from fields); such peers use NTPv3.
 *  - Without a MAC, the last field must be at least NTP_EF_LAST_MIN_LEN
 *    bytes (RFC 7822 section 7.5.1.4; chrony does not check this).
 */
#include "proto/ntp_packet.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "proto/wire.h"

#define NTP_TRANSMIT_OFFSET 40
#define NTP_KEYID_LEN 4

/* Two's complement byte to int8_t without implementation-defined casts. */
static int8_t to_s8(uint8_t v)
{
  return (int8_t)(v < 128 ? v : v - 256);
}

void ntp_header_decode(const uint8_t buf[NTP_HEADER_LEN], struct ntp_header *h)
{
  struct wire_reader r;
  uint8_t lvm;

  wire_reader_init(&r, buf, NTP_HEADER_LEN);
  lvm = wire_get_u8(&r);
  h->leap = lvm >> 6;
  h->version = (lvm >> 3) & 7;
  h->mode = lvm & 7;
  h->stratum = wire_get_u8(&r);
  h->poll = to_s8(wire_get_u8(&r));
  h->precision = to_s8(wire_get_u8(&r));
  h->root_delay = wire_get_u32(&r);
  h->root_dispersion = wire_get_u32(&r);
  h->refid = wire_get_u32(&r);
  h->reference = wire_get_u64(&r);
  h->origin = wire_get_u64(&r);
  h->receive = wire_get_u64(&r);
  h->transmit = wire_get_u64(&r);
  assert(!r.err && wire_remaining(&r) == 0);
}

void ntp_header_encode(const struct ntp_header *h, uint8_t buf[NTP_HEADER_LEN])
{
  struct wire_writer w;

  wire_writer_init(&w, buf, NTP_HEADER_LEN);
  wire_put_u8(&w, (uint8_t)((h->leap & 3) << 6 | (h->version & 7) << 3 | (h->mode & 7)));
  wire_put_u8(&w, h->stratum);
  wire_put_u8(&w, (uint8_t)h->poll);
  wire_put_u8(&w, (uint8_t)h->precision);
  wire_put_u32(&w, h->root_delay);
  wire_put_u32(&w, h->root_dispersion);
  wire_put_u32(&w, h->refid);
  wire_put_u64(&w, h->reference);
  wire_put_u64(&w, h->origin);
  wire_put_u64(&w, h->receive);
  wire_put_u64(&w, h->transmit);
  assert(!w.err && w.pos == NTP_HEADER_LEN);
}

ntp_ts ntp_get_transmit(const uint8_t *buf)
{
  struct wire_reader r;

  wire_reader_init(&r, buf + NTP_TRANSMIT_OFFSET, sizeof(ntp_ts));
  return wire_get_u64(&r);
}

void ntp_set_transmit(uint8_t *buf, ntp_ts transmit)
{
  struct wire_writer w;

  wire_writer_init(&w, buf + NTP_TRANSMIT_OFFSET, sizeof(ntp_ts));
  wire_put_u64(&w, transmit);
  assert(!w.err);
}

static bool is_mac_len(size_t n, size_t max_len)
{
  return n >= NTP_MAC_MIN_LEN && n <= max_len;
}

/* Whether an NTPv4 remainder of n bytes is to be read as an extension field:
 * it must hold the smallest one, and 20 or 24 bytes are always a MAC. */
static bool may_be_ef(size_t n)
{
  return n >= NTP_EF_MIN_LEN && !is_mac_len(n, NTP_MAC_MAX_V4_LEN);
}

/* The rest of r as a MAC: key id, then the digest. */
static void read_mac(struct wire_reader *r, struct ntp_packet *p)
{
  p->mac_len = wire_remaining(r);
  p->mac_keyid = wire_get_u32(r);
  p->mac_digest_len = p->mac_len - NTP_KEYID_LEN;
  p->mac_digest = wire_get_span(r, p->mac_digest_len);
}

static bool is_crypto_nak(const struct wire_reader *r)
{
  struct wire_reader peek = *r;

  return wire_remaining(&peek) == NTP_KEYID_LEN && wire_get_u32(&peek) == 0;
}

enum ntp_parse_status ntp_ef_read(struct wire_reader *r, size_t min_len, struct ntp_ef *ef)
{
  size_t avail = wire_remaining(r);

  if (avail < NTP_EF_HEADER_LEN)
    return NTP_PARSE_BAD_EF_LENGTH;
  ef->type = wire_get_u16(r);
  ef->length = wire_get_u16(r);
  if (ef->length < min_len || ef->length < NTP_EF_HEADER_LEN || ef->length % 4 != 0 ||
      ef->length > avail)
    return NTP_PARSE_BAD_EF_LENGTH;
  ef->body_len = ef->length - NTP_EF_HEADER_LEN;
  ef->body = wire_get_span(r, ef->body_len);
  return NTP_PARSE_OK;
}

void ntp_ef_write(struct wire_writer *w, uint16_t type, const void *body, size_t body_len)
{
  static const uint8_t zeros[3];
  size_t padded = (body_len + 3) / 4 * 4;

  if (padded + NTP_EF_HEADER_LEN > UINT16_MAX) {
    w->err = true;
    return;
  }
  wire_put_u16(w, type);
  wire_put_u16(w, (uint16_t)(padded + NTP_EF_HEADER_LEN));
  wire_put_bytes(w, body, body_len);
  wire_put_bytes(w, zeros, padded - body_len);
}

static enum ntp_parse_status parse_pre_v4_trailer(struct wire_reader *r, struct ntp_packet *p)
{
  size_t rem = wire_remaining(r);

  if (rem == 0)
    return NTP_PARSE_OK;
  if (!is_mac_len(rem, NTP_MAC_MAX_LEN))
    return NTP_PARSE_EF_NOT_V4;
  read_mac(r, p);
  return NTP_PARSE_OK;
}

/* Classify what is left after the extension fields of an NTPv4 packet. */
static enum ntp_parse_status finish_v4(struct wire_reader *r, struct ntp_packet *p)
{
  size_t rem = wire_remaining(r);

  if (rem == 0) {
    if (p->n_ef > 0 && p->ef[p->n_ef - 1].length < NTP_EF_LAST_MIN_LEN)
      return NTP_PARSE_BAD_EF_LAST;
    return NTP_PARSE_OK;
  }
  if (is_mac_len(rem, NTP_MAC_MAX_V4_LEN)) {
    read_mac(r, p);
    return NTP_PARSE_OK;
  }
  /* The walk stopped early only because the field table is full. */
  if (may_be_ef(rem))
    return NTP_PARSE_TOO_MANY_EF;
  return NTP_PARSE_BAD_MAC;
}

static enum ntp_parse_status parse_v4_trailer(struct wire_reader *r, struct ntp_packet *p)
{
  enum ntp_parse_status st;

  if (is_crypto_nak(r)) {
    read_mac(r, p);
    return NTP_PARSE_OK;
  }
  while (p->n_ef < NTP_MAX_EXTENSIONS && may_be_ef(wire_remaining(r))) {
    st = ntp_ef_read(r, NTP_EF_MIN_LEN, &p->ef[p->n_ef]);
    if (st != NTP_PARSE_OK)
      return st;
    p->n_ef++;
  }
  return finish_v4(r, p);
}

static enum ntp_parse_status parse(const uint8_t *buf, size_t len, struct ntp_packet *out)
{
  struct wire_reader r;
  enum ntp_parse_status st;

  if (len < NTP_HEADER_LEN)
    return NTP_PARSE_SHORT;
  ntp_header_decode(buf, &out->hdr);
  if (out->hdr.version == 0 || out->hdr.version > 4)
    return NTP_PARSE_BAD_VERSION;
  if ((len - NTP_HEADER_LEN) % 4 != 0)
    return NTP_PARSE_BAD_LENGTH;

  wire_reader_init(&r, buf + NTP_HEADER_LEN, len - NTP_HEADER_LEN);
  if (out->hdr.version < 4)
    st = parse_pre_v4_trailer(&r, out);
  else
    st = parse_v4_trailer(&r, out);
  /* Every read above was length-checked first; an error here is our bug. */
  assert(!r.err);
  assert(st != NTP_PARSE_OK || wire_remaining(&r) == 0);
  return st;
}

enum ntp_parse_status ntp_packet_parse(const uint8_t *buf, size_t len, struct ntp_packet *out)
{
  memset(out, 0, sizeof(*out));
  out->data = buf;
  out->len = len;
  out->status = parse(buf, len, out);
  return out->status;
}

const char *ntp_parse_status_name(enum ntp_parse_status s)
{
  switch (s) {
  case NTP_PARSE_OK:
    return "ok";
  case NTP_PARSE_SHORT:
    return "short";
  case NTP_PARSE_BAD_LENGTH:
    return "bad-length";
  case NTP_PARSE_BAD_VERSION:
    return "bad-version";
  case NTP_PARSE_BAD_EF_LENGTH:
    return "bad-ef-length";
  case NTP_PARSE_BAD_EF_LAST:
    return "bad-ef-last";
  case NTP_PARSE_TOO_MANY_EF:
    return "too-many-ef";
  case NTP_PARSE_BAD_MAC:
    return "bad-mac";
  case NTP_PARSE_EF_NOT_V4:
    return "ef-not-v4";
  }
  return "unknown";
}
