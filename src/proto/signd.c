/* signd: Samba's ntp_signd messages (see signd.h). */
#include "proto/signd.h"

#include <string.h>

#include "proto/wire.h"

#define SIGND_VERSION 0
#define SIGND_SIGN_TO_CLIENT 0
#define SIGND_SIGNING_SUCCESS 3
#define MSSNTP_LEN (NTP_HEADER_LEN + 4 + 16)

bool signd_is_mssntp(const struct ntp_packet *req)
{
  static const uint8_t zero_digest[16];

  return req->status == NTP_PARSE_OK && req->hdr.version == 3 && req->len == MSSNTP_LEN &&
         req->mac_keyid != 0 && req->mac_digest_len == sizeof(zero_digest) &&
         memcmp(req->mac_digest, zero_digest, sizeof(zero_digest)) == 0;
}

void signd_build_request(uint8_t out[SIGND_REQUEST_LEN], uint16_t id, uint32_t key_id,
                         const uint8_t reply[NTP_HEADER_LEN])
{
  struct wire_writer w;

  wire_writer_init(&w, out, SIGND_REQUEST_LEN);
  wire_put_u32(&w, SIGND_REQUEST_LEN - 4);
  wire_put_u32(&w, SIGND_VERSION);
  wire_put_u32(&w, SIGND_SIGN_TO_CLIENT);
  wire_put_u16(&w, id);
  wire_put_u16(&w, 0);
  wire_put_u32(&w, key_id);
  wire_put_bytes(&w, reply, NTP_HEADER_LEN);
}

enum signd_status signd_parse_response(const uint8_t *buf, size_t len, uint16_t id,
                                       struct signd_response *out)
{
  struct wire_reader r;

  memset(out, 0, sizeof(*out));
  wire_reader_init(&r, buf, len);
  if (len < 4)
    return SIGND_PARTIAL;
  uint32_t length = wire_get_u32(&r);
  if (length < SIGND_RESPONSE_HEAD - 4 || length > SIGND_RESPONSE_MAX - 4)
    return SIGND_BAD_LENGTH;
  if (len < length + 4u)
    return SIGND_PARTIAL;
  out->len = length + 4u;
  wire_get_u32(&r);                             /* version: not checked, as chrony */
  uint32_t op = wire_get_u32(&r);
  uint32_t packet_id = wire_get_u32(&r);
  if (packet_id != id)
    return SIGND_BAD_ID;
  if (op != SIGND_SIGNING_SUCCESS)
    return SIGND_FAILED;
  out->packet_len = out->len - SIGND_RESPONSE_HEAD;
  out->packet = wire_get_span(&r, out->packet_len);
  return SIGND_OK;
}

const char *signd_status_name(enum signd_status s)
{
  switch (s) {
  case SIGND_OK:
    return "ok";
  case SIGND_PARTIAL:
    return "partial";
  case SIGND_BAD_LENGTH:
    return "bad-length";
  case SIGND_FAILED:
    return "failed";
  case SIGND_BAD_ID:
    return "bad-id";
  }
  return "unknown";
}
