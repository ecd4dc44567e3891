/* ntp_packet: the NTPv4 header (RFC 5905), RFC 7822 extension fields and the
 * MAC trailer.
 *
 * ntp_packet_parse() validates the layout of a whole datagram: the 48-byte
 * header, then extension fields (NTPv4 only) walked with strict length checks,
 * then an optional MAC trailer recognised by its length. It never reads
 * outside the buffer and never allocates. Semantic checks (mode, stratum,
 * origin...) and MAC verification belong to the caller. The exact layout
 * rules are listed at the top of ntp_packet.c. */
#ifndef STRATUM_PROTO_NTP_PACKET_H
#define STRATUM_PROTO_NTP_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "proto/ntp_time.h"
#include "proto/wire.h"

#define NTP_PORT 123
#define NTP_HEADER_LEN 48
#define NTP_EF_HEADER_LEN 4         /* type and length */
#define NTP_EF_MIN_LEN 16           /* RFC 7822 minimum extension field */
#define NTP_EF_LAST_MIN_LEN 28      /* last field when no MAC follows */
#define NTP_MAC_MIN_LEN 20          /* key id + 128-bit digest (MD5, AES-CMAC) */
#define NTP_MAC_MAX_V4_LEN 24       /* key id + 160-bit digest (SHA1): RFC 7822 */
#define NTP_MAC_MAX_LEN 68          /* key id + 512-bit digest (SHA512): pre-v4 only */
#define NTP_MAX_EXTENSIONS 16       /* fields recorded; more make the packet invalid */
#define NTP_MAX_STRATUM 16          /* "unsynchronised" */
#define NTP_MAX_DISPERSION 16.0     /* s, RFC 5905's MAXDISP */
#define NTP_REFID_RATE 0x52415445u  /* "RATE": the kiss code of rate limiting */
#define NTP_REFID_LOCAL 0x7F7F0101u /* 127.127.1.1: chrony's local reference */
#define NTP_REFID_SMOOTH 0x7F7F01FFu /* 127.127.1.255: chrony's smoothed time */

enum ntp_mode {
  NTP_MODE_RESERVED = 0,
  NTP_MODE_ACTIVE = 1,
  NTP_MODE_PASSIVE = 2,
  NTP_MODE_CLIENT = 3,
  NTP_MODE_SERVER = 4,
  NTP_MODE_BROADCAST = 5,
  NTP_MODE_CONTROL = 6,
  NTP_MODE_PRIVATE = 7,
};

enum ntp_leap {
  NTP_LEAP_NONE = 0,
  NTP_LEAP_INSERT = 1,
  NTP_LEAP_DELETE = 2,
  NTP_LEAP_UNSYNC = 3,
};

struct ntp_header {
  uint8_t leap;        /* 2 bits */
  uint8_t version;     /* 3 bits */
  uint8_t mode;        /* 3 bits */
  uint8_t stratum;
  int8_t poll;
  int8_t precision;
  uint32_t root_delay;       /* short format */
  uint32_t root_dispersion;  /* short format */
  uint32_t refid;
  ntp_ts reference;
  ntp_ts origin;
  ntp_ts receive;
  ntp_ts transmit;
};

struct ntp_ef {
  uint16_t type;
  uint16_t length;            /* whole field, header included */
  const uint8_t *body;        /* points into the parsed buffer */
  size_t body_len;
};

enum ntp_parse_status {
  NTP_PARSE_OK = 0,
  NTP_PARSE_SHORT,            /* fewer than 48 bytes */
  NTP_PARSE_BAD_LENGTH,       /* trailing data not a multiple of 4 */
  NTP_PARSE_BAD_VERSION,      /* version 0 or > 4 (checked before length) */
  NTP_PARSE_BAD_EF_LENGTH,    /* field length < 16, not multiple of 4, or overruns */
  NTP_PARSE_BAD_EF_LAST,      /* last field shorter than 28 bytes without a MAC */
  NTP_PARSE_TOO_MANY_EF,
  NTP_PARSE_BAD_MAC,          /* v4: trailer too short for a field, not a MAC */
  NTP_PARSE_EF_NOT_V4,        /* pre-v4: trailer that is not a 20..68 byte MAC */
};

/* A datagram as ntp_packet_parse found it: parsed once where it is
 * received, then handed to everything that looks at it. */
struct ntp_packet {
  const uint8_t *data;        /* the datagram (not copied) */
  size_t len;
  enum ntp_parse_status status;   /* NTP_PARSE_OK: the fields below are valid */
  struct ntp_header hdr;
  unsigned n_ef;
  struct ntp_ef ef[NTP_MAX_EXTENSIONS];
  /* MAC trailer, if any: key id then digest (points into the buffer); it
   * covers the len - mac_len bytes before it. */
  size_t mac_len;             /* 0 if none; else 4 + digest length
                                 (4 alone: an NTPv4 crypto-NAK, key id 0) */
  uint32_t mac_keyid;
  const uint8_t *mac_digest;
  size_t mac_digest_len;
};

/* Returns out->status. On failure *out holds only what was parsed before
 * the error: the header, unless the datagram is shorter than one. */
enum ntp_parse_status ntp_packet_parse(const uint8_t *buf, size_t len, struct ntp_packet *out);
const char *ntp_parse_status_name(enum ntp_parse_status s);

void ntp_header_decode(const uint8_t buf[NTP_HEADER_LEN], struct ntp_header *h);
void ntp_header_encode(const struct ntp_header *h, uint8_t buf[NTP_HEADER_LEN]);

/* One extension field from r: its length at least min_len (NTP_EF_MIN_LEN
 * in a packet; NTS's encrypted fields may be as short as the 4-byte
 * header), a multiple of 4 and within r. NTP_PARSE_OK or
 * NTP_PARSE_BAD_EF_LENGTH; body points into r's buffer. */
enum ntp_parse_status ntp_ef_read(struct wire_reader *r, size_t min_len, struct ntp_ef *ef);
/* Append an extension field: type, length, body, zeros to a multiple of 4
 * bytes (w->err if it does not fit, or is longer than a length can say). */
void ntp_ef_write(struct wire_writer *w, uint16_t type, const void *body, size_t body_len);

/* Overwrite the transmit timestamp of an encoded packet (last thing before
 * sending, so it is taken as late as possible). */
void ntp_set_transmit(uint8_t *buf, ntp_ts transmit);
ntp_ts ntp_get_transmit(const uint8_t *buf);

#endif
