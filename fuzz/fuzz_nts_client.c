/* libFuzzer target for the NTS client's parsers (core/nts_client.h). The
 * first byte picks one:
 *  0: the cookie file: what is accepted formats and parses back the same;
 *  1: an NTS-KE response: if the client takes it, it can then build a
 *     request that fits chrony's largest packet, using one cookie;
 *  2: an NTP reply to a request built with fixed keys and a fixed cookie:
 *     the cookies kept never exceed NTSKE_MAX_COOKIES. */
#include <stdlib.h>
#include <string.h>

#include "core/nts_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

static void make_keys(struct aead_key *c2s, struct aead_key *s2c, uint16_t alg)
{
  memset(c2s, 0, sizeof(*c2s));
  c2s->algorithm = alg;
  c2s->len = aead_key_len(alg);
  for (size_t i = 0; i < c2s->len; i++)
    c2s->data[i] = (uint8_t)i;
  *s2c = *c2s;
  s2c->data[0] ^= 0xff;
}

static void fresh(struct ntsc *c)
{
  struct ip_addr a;
  addr_parse("127.0.0.1", &a);
  ntsc_init(c, "127.0.0.1", &a, 123, NTSKE_PORT, 0, 1e6);
}

static void cookie_file(struct ntsc *c, const uint8_t *data, size_t size)
{
  static char text[NTSC_DUMP_MAX], again[NTSC_DUMP_MAX];
  if (!ntsc_dump_parse(c, (const char *)data, size, 100.0, 1e9))
    return;
  size_t len = ntsc_dump_format(c, 100.0, 1e9, text, sizeof(text));
  check(len > 0);
  struct ntsc back;
  fresh(&back);
  check(ntsc_dump_parse(&back, text, len, 100.0, 1e9));
  check(ntsc_dump_format(&back, 100.0, 1e9, again, sizeof(again)) == len);
  check(memcmp(text, again, len) == 0);
}

static void request(struct ntsc *c)
{
  static uint8_t buf[NTSNTP_MAX_PACKET_LEN];
  uint8_t uid[NTSNTP_UID_LEN] = {1}, nonce[NTSNTP_NONCE_LEN] = {2};
  size_t before = c->n_cookies;
  check(ntsc_prepare(c, 1.0) == NTSC_READY);
  memset(buf, 0, NTP_HEADER_LEN);
  buf[0] = 0x23;
  size_t len = ntsc_build_request(c, buf, sizeof(buf), uid, nonce);
  check(len > NTP_HEADER_LEN && len <= sizeof(buf) && c->n_cookies == before - 1);
}

static void ke_response(struct ntsc *c, const uint8_t *data, size_t size)
{
  struct ntske_message m;
  struct aead_key c2s, s2c;
  if (ntske_parse(data, size, NTSKE_RESPONSE, &m) != NTSKE_OK || m.n_algorithms != 1)
    return;
  make_keys(&c2s, &s2c, m.algorithms[0]);
  check(ntsc_prepare(c, 0.0) == NTSC_START_KE);
  if (ntsc_ke_done(c, 0.0, &m, &c2s, &s2c))
    request(c);
  else
    check(c->n_cookies == 0 && !c->ke_running);
}

static void reply(struct ntsc *c, const uint8_t *data, size_t size)
{
  struct ntske_message m;
  struct aead_key c2s, s2c;
  struct ntp_packet p;
  memset(&m, 0, sizeof(m));
  m.n_protocols = m.n_algorithms = m.n_cookies = 1;
  m.protocols[0] = NTSKE_PROTOCOL_NTPV4;
  m.algorithms[0] = AEAD_AES_SIV_CMAC_256;
  m.cookies[0].len = 100;
  make_keys(&c2s, &s2c, AEAD_AES_SIV_CMAC_256);
  check(ntsc_prepare(c, 0.0) == NTSC_START_KE);
  check(ntsc_ke_done(c, 0.0, &m, &c2s, &s2c));
  request(c);
  ntp_packet_parse(data, size, &p);
  enum ntsntp_status st = ntsc_check_reply(c, &p);
  check(c->n_cookies <= NTSKE_MAX_COOKIES);
  /* one reply per request */
  if (st == NTSNTP_OK)
    check(ntsc_check_reply(c, &p) != NTSNTP_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct ntsc c;
  if (size < 1)
    return 0;
  fresh(&c);
  switch (data[0] % 3) {
  case 0: cookie_file(&c, data + 1, size - 1); break;
  case 1: ke_response(&c, data + 1, size - 1); break;
  default: reply(&c, data + 1, size - 1); break;
  }
  return 0;
}
