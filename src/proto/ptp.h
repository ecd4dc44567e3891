/* ptp: NTP messages carried in PTP event messages ("NTP over PTP", as
 * chrony 4.9 sends them, the final specification), so NICs that timestamp
 * only PTP can timestamp NTP, and PTP transparent clocks add their
 * residence times to the correction field.
 *
 * A message is a 34-byte PTPv2 header (type Delay_Req, version 2, length of
 * the whole message, the configured domain, flags: unicast, a sequence
 * number, the rest zero), a 10-byte origin timestamp (zero), then an
 * ORGANIZATION_EXTENSION TLV: type 3, length 8 + the NTP message, the IANA
 * OUI 00-00-5E with subtype 00-00-01 (NTP message), two bytes of padding,
 * and the NTP message: 56 bytes before it.
 *
 * Accepted, as chrony 4.9: Sync or Delay_Req, PTP version 2 (or 2.1 with
 * minorSdoId 0), the length exact, our domain, only the unicast flag set,
 * TLV type 3 or 0x8000 (PTPv2.1's do-not-propagate variant) of the exact
 * length with that OUI and subtype. Chrony 4.2 to 4.8 sent an experimental
 * TLV (type 0x2023, 48 bytes before the NTP message), which 4.9 and this
 * decoder reject. */
#ifndef STRATUM_PROTO_PTP_H
#define STRATUM_PROTO_PTP_H

#include <stddef.h>
#include <stdint.h>

#define PTP_EVENT_PORT 319
#define PTP_DEFAULT_DOMAIN 123
#define PTP_NTP_PREFIX_LEN 56

enum ptp_status {
  PTP_OK = 0,
  PTP_SHORT,                /* no NTP message after the prefix */
  PTP_BAD_HEADER,           /* type, version, length, flags */
  PTP_BAD_DOMAIN,
  PTP_BAD_TLV,              /* type, length, OUI or subtype */
};

/* The PTP prefix of an NTP message of ntp_len bytes. */
void ptp_wrap(uint8_t prefix[PTP_NTP_PREFIX_LEN], uint8_t domain, uint16_t sequence,
              size_t ntp_len);

/* An NTP message found in a PTP one. */
struct ptp_ntp {
  const uint8_t *ntp;       /* into the buffer */
  size_t ntp_len;
  double correction;        /* the header's correction field, s */
};

enum ptp_status ptp_unwrap(const uint8_t *buf, size_t len, uint8_t domain, struct ptp_ntp *out);
const char *ptp_status_name(enum ptp_status s);

#endif
