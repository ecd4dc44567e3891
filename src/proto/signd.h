/* signd: the messages of Samba's signing daemon (ntp_signd), through which
 * an NTP server signs MS-SNTP replies to the members of an Active Directory
 * domain (as chronyd's ntp_signd.c).
 *
 * Over a Unix stream socket, in network byte order, each message starts
 * with its length, not counting those 4 bytes. Request: length, version 0,
 * op 0 (sign to client), a 16-bit packet id and 16 bits of padding, the
 * client's key id (its RID, as the request's MAC trailer had it), then the
 * 48-byte reply to sign. Response: length, version, op (3: signed, 4:
 * failed), the packet id as 32 bits, then the signed reply (header, key id,
 * digest).
 *
 * An MS-SNTP request (chrony's rule) is an NTPv3 one of 68 bytes whose MAC
 * has a non-zero key id and a digest of 16 zero bytes. */
#ifndef STRATUM_PROTO_SIGND_H
#define STRATUM_PROTO_SIGND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/ntp_packet.h"

#define SIGND_REQUEST_LEN (20 + NTP_HEADER_LEN)
#define SIGND_RESPONSE_HEAD 16
#define SIGND_RESPONSE_MAX (SIGND_RESPONSE_HEAD + NTP_HEADER_LEN + NTP_MAC_MAX_LEN)
#define SIGND_SOCKET_NAME "socket"            /* in ntpsigndsocket's directory */

enum signd_status {
  SIGND_OK = 0,
  SIGND_PARTIAL,            /* fewer bytes than the length says: read more */
  SIGND_BAD_LENGTH,         /* shorter than a response head, or longer than any */
  SIGND_FAILED,             /* op is not "signed" */
  SIGND_BAD_ID,             /* not the id asked for */
};

bool signd_is_mssntp(const struct ntp_packet *req);

/* The request to sign reply (NTP_HEADER_LEN bytes) for key_id. */
void signd_build_request(uint8_t out[SIGND_REQUEST_LEN], uint16_t id, uint32_t key_id,
                         const uint8_t reply[NTP_HEADER_LEN]);

struct signd_response {
  size_t len;                 /* of the whole response, the length field included */
  const uint8_t *packet;      /* the signed reply, into the buffer */
  size_t packet_len;
};

/* The response in buf (len bytes received so far) to the request with id.
 * SIGND_OK: out is complete; out->len is also set for SIGND_FAILED and
 * SIGND_BAD_ID (the bytes it took). */
enum signd_status signd_parse_response(const uint8_t *buf, size_t len, uint16_t id,
                                       struct signd_response *out);
const char *signd_status_name(enum signd_status s);

#endif
