/* Unit tests for src/proto/signd.c: Samba's ntp_signd messages as chronyd
 * lays them out, MS-SNTP requests told from others, and each rejection of a
 * response. */
#include "hex.h"

#include "proto/signd.h"

static uint8_t pkt[128];

/* An NTPv3 client request with a 20-byte MAC trailer. */
static size_t mssntp_request(uint32_t keyid, uint8_t digest_byte)
{
  memset(pkt, 0, sizeof(pkt));
  pkt[0] = 3 << 3 | NTP_MODE_CLIENT;
  pkt[48] = (uint8_t)(keyid >> 24), pkt[49] = (uint8_t)(keyid >> 16);
  pkt[50] = (uint8_t)(keyid >> 8), pkt[51] = (uint8_t)keyid;
  memset(pkt + 52, digest_byte, 16);
  return 68;
}

static void test_is_mssntp(void **state)
{
  (void)state;
  struct ntp_packet p;
  ntp_packet_parse(pkt, mssntp_request(0x451, 0), &p);
  assert_true(signd_is_mssntp(&p));
  ntp_packet_parse(pkt, mssntp_request(0, 0), &p);           /* key id 0 */
  assert_false(signd_is_mssntp(&p));
  ntp_packet_parse(pkt, mssntp_request(0x451, 1), &p);       /* a real digest */
  assert_false(signd_is_mssntp(&p));
  mssntp_request(0x451, 0);
  pkt[0] = 4 << 3 | NTP_MODE_CLIENT;                          /* NTPv4 */
  ntp_packet_parse(pkt, 68, &p);
  assert_false(signd_is_mssntp(&p));
  mssntp_request(0x451, 0);
  ntp_packet_parse(pkt, 72, &p);                              /* MS-SNTP's extended form */
  assert_false(signd_is_mssntp(&p));
  ntp_packet_parse(pkt, 48, &p);
  assert_false(signd_is_mssntp(&p));
}

static void test_request(void **state)
{
  (void)state;
  uint8_t reply[NTP_HEADER_LEN], req[SIGND_REQUEST_LEN], want[SIGND_REQUEST_LEN];
  for (size_t i = 0; i < sizeof(reply); i++)
    reply[i] = (uint8_t)i;
  signd_build_request(req, 7, 0x01020451, reply);
  size_t n = unhex("00000040" "00000000" "00000000" "0007" "0000" "01020451", want, sizeof(want));
  memcpy(want + n, reply, sizeof(reply));
  assert_memory_equal(req, want, sizeof(want));
}

static size_t response(uint8_t *out, uint32_t length, uint32_t op, uint32_t id, size_t packet)
{
  char hex[64];
  snprintf(hex, sizeof(hex), "%08x00000000%08x%08x", length, op, id);
  size_t n = unhex(hex, out, 16);
  memset(out + n, 0xab, packet);
  return n + packet;
}

static void test_response(void **state)
{
  (void)state;
  uint8_t b[SIGND_RESPONSE_MAX + 8];
  struct signd_response r;
  size_t len = response(b, 12 + 68, 3, 9, 68);
  assert_int_equal(signd_parse_response(b, len, 9, &r), SIGND_OK);
  assert_int_equal(r.len, len);
  assert_ptr_equal(r.packet, b + 16);
  assert_int_equal(r.packet_len, 68);
  /* more after it (the next response) is left alone */
  assert_int_equal(signd_parse_response(b, len + 8, 9, &r), SIGND_OK);
  assert_int_equal(r.len, len);
}

static void test_response_rejected(void **state)
{
  (void)state;
  uint8_t b[SIGND_RESPONSE_MAX + 8];
  struct signd_response r;
  size_t len = response(b, 12 + 68, 3, 9, 68);
  assert_int_equal(signd_parse_response(b, 3, 9, &r), SIGND_PARTIAL);
  assert_int_equal(signd_parse_response(b, len - 1, 9, &r), SIGND_PARTIAL);
  assert_int_equal(signd_parse_response(b, len, 8, &r), SIGND_BAD_ID);
  assert_int_equal(r.len, len);
  len = response(b, 12 + 68, 4, 9, 68);
  assert_int_equal(signd_parse_response(b, len, 9, &r), SIGND_FAILED);
  assert_int_equal(r.len, len);
  len = response(b, 11, 3, 9, 0);
  assert_int_equal(signd_parse_response(b, len, 9, &r), SIGND_BAD_LENGTH);
  len = response(b, SIGND_RESPONSE_MAX - 3, 3, 9, SIGND_RESPONSE_MAX - 15);
  assert_int_equal(signd_parse_response(b, len, 9, &r), SIGND_BAD_LENGTH);
  assert_string_equal(signd_status_name(SIGND_BAD_ID), "bad-id");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_is_mssntp),
      cmocka_unit_test(test_request),
      cmocka_unit_test(test_response),
      cmocka_unit_test(test_response_rejected),
  };
  return cmocka_run_group_tests_name("signd", tests, NULL, NULL);
}
