/* ptp: NTP over PTP (see ptp.h). */
#include "proto/ptp.h"

#include <string.h>

#include "proto/wire.h"

#define PTP_TYPE_SYNC 0
#define PTP_TYPE_DELAY_REQ 1
#define PTP_VERSION_2 2
#define PTP_VERSION_2_1 (2 | 1 << 4)
#define PTP_FLAG_UNICAST 0x0400u          /* flagField, octet 0 bit 2 */
#define PTP_TLV_ORGEXT2 0x0003u
#define PTP_TLV_ORGEXT21 0x8000u
#define PTP_TLV_HEAD_LEN 8                /* OUI, subtype, padding: in the TLV length */
#define PTP_HEADER_REST 26                /* correction to logMessageInterval */
#define PTP_ORIGIN_LEN 10
#define PTP_CORRECTION_UNIT 65536.0e9     /* 2^16 per nanosecond */

static const uint8_t ntp_org_subtype[6] = {0x00, 0x00, 0x5E, 0x00, 0x00, 0x01};

void ptp_wrap(uint8_t prefix[PTP_NTP_PREFIX_LEN], uint8_t domain, uint16_t sequence,
              size_t ntp_len)
{
  struct wire_writer w;
  static const uint8_t zeros[22];

  wire_writer_init(&w, prefix, PTP_NTP_PREFIX_LEN);
  wire_put_u8(&w, PTP_TYPE_DELAY_REQ);
  wire_put_u8(&w, PTP_VERSION_2);
  wire_put_u16(&w, (uint16_t)(PTP_NTP_PREFIX_LEN + ntp_len));
  wire_put_u8(&w, domain);
  wire_put_u8(&w, 0);                         /* minorSdoId */
  wire_put_u16(&w, PTP_FLAG_UNICAST);
  wire_put_bytes(&w, zeros, 8 + 4 + 10);      /* correction, specific, port id */
  wire_put_u16(&w, sequence);
  wire_put_u8(&w, 0);                         /* control */
  wire_put_u8(&w, 0);                         /* logMessageInterval */
  wire_put_bytes(&w, zeros, PTP_ORIGIN_LEN);
  wire_put_u16(&w, PTP_TLV_ORGEXT2);
  wire_put_u16(&w, (uint16_t)(PTP_TLV_HEAD_LEN + ntp_len));
  wire_put_bytes(&w, ntp_org_subtype, sizeof(ntp_org_subtype));
  wire_put_u16(&w, 0);
}

static enum ptp_status unwrap(struct wire_reader *r, size_t len, uint8_t domain,
                              struct ptp_ntp *out)
{
  uint8_t type = wire_get_u8(r);            /* as chrony: majorSdoId 0 */
  uint8_t version = wire_get_u8(r);
  uint16_t length = wire_get_u16(r);
  uint8_t msg_domain = wire_get_u8(r);
  uint8_t minor_sdo = wire_get_u8(r);
  uint16_t flags = wire_get_u16(r);
  int64_t correction = (int64_t)wire_get_u64(r);

  if ((type != PTP_TYPE_SYNC && type != PTP_TYPE_DELAY_REQ) ||
      (version != PTP_VERSION_2 && (version != PTP_VERSION_2_1 || minor_sdo != 0)) ||
      length != len || flags != PTP_FLAG_UNICAST)
    return PTP_BAD_HEADER;
  if (msg_domain != domain)
    return PTP_BAD_DOMAIN;
  wire_get_span(r, PTP_HEADER_REST - 8 + PTP_ORIGIN_LEN);
  uint16_t tlv_type = wire_get_u16(r);
  uint16_t tlv_len = wire_get_u16(r);
  const uint8_t *org = wire_get_span(r, sizeof(ntp_org_subtype));
  wire_get_u16(r);
  if ((tlv_type != PTP_TLV_ORGEXT2 && tlv_type != PTP_TLV_ORGEXT21) ||
      tlv_len != PTP_TLV_HEAD_LEN + len - PTP_NTP_PREFIX_LEN ||
      memcmp(org, ntp_org_subtype, sizeof(ntp_org_subtype)) != 0)
    return PTP_BAD_TLV;
  out->ntp_len = wire_remaining(r);
  out->ntp = wire_get_span(r, out->ntp_len);
  out->correction = (double)correction / PTP_CORRECTION_UNIT;
  return PTP_OK;
}

enum ptp_status ptp_unwrap(const uint8_t *buf, size_t len, uint8_t domain, struct ptp_ntp *out)
{
  struct wire_reader r;

  memset(out, 0, sizeof(*out));
  if (len <= PTP_NTP_PREFIX_LEN)
    return PTP_SHORT;
  wire_reader_init(&r, buf, len);
  return unwrap(&r, len, domain, out);
}

const char *ptp_status_name(enum ptp_status s)
{
  switch (s) {
  case PTP_OK:
    return "ok";
  case PTP_SHORT:
    return "short";
  case PTP_BAD_HEADER:
    return "bad-header";
  case PTP_BAD_DOMAIN:
    return "bad-domain";
  case PTP_BAD_TLV:
    return "bad-tlv";
  }
  return "unknown";
}
