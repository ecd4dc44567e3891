/* libFuzzer target for the NTS server's parsers (core/nts_server.h). The
 * first byte picks one:
 *  0: the ntskeys file: what is accepted formats and parses back the same;
 *  1: an NTS-KE request: an answer parses as a response, fits its buffer;
 *  2: an NTP request: a reply or NAK is never longer than the request.
 * Keys come from a counter, so a seed made with the same keys can reach
 * past the cookie. */
#include <stdlib.h>
#include <string.h>

#include "core/nts_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

static void counter_bytes(void *ctx, void *buf, size_t len)
{
  uint8_t *p = buf, *next = ctx;
  for (size_t i = 0; i < len; i++)
    p[i] = (*next)++;
}

static bool fake_export(void *arg, const uint8_t context[NTSKE_CONTEXT_LEN], uint8_t *out,
                        size_t len)
{
  (void)arg;
  for (size_t i = 0; i < len; i++)
    out[i] = context[i % NTSKE_CONTEXT_LEN];
  return true;
}

static void keys_file(struct ntss *n, const uint8_t *data, size_t size)
{
  static char text[NTSS_KEYS_FILE_MAX];
  double age;
  if (!ntss_keys_parse(n, (const char *)data, size, &age))
    return;
  size_t len = ntss_keys_format(n, age, text, sizeof(text));
  check(len > 0);
  struct ntss back = *n;
  double age2;
  check(ntss_keys_parse(&back, text, len, &age2));
  check(back.current == n->current);
  for (unsigned i = 0; i < NTSS_KEYS; i++)
    check(back.keys[i].id == n->keys[i].id &&
          memcmp(back.keys[i].key.data, n->keys[i].key.data, n->keys[i].key.len) == 0);
}

static void ke_request(struct ntss *n, const uint8_t *data, size_t size)
{
  static uint8_t out[NTSKE_MAX_MESSAGE_LEN];
  static struct ntske_message m;
  long len = ntss_ke_respond(n, data, size, fake_export, NULL, out, sizeof(out));
  check(len >= 0 && (size_t)len <= sizeof(out));
  if (len > 0)
    check(ntske_parse(out, (size_t)len, NTSKE_RESPONSE, &m) == NTSKE_OK);
}

static void ntp_request(struct ntss *n, const uint8_t *data, size_t size)
{
  static uint8_t reply[NTSNTP_MAX_PACKET_LEN];
  struct ntp_packet p;
  struct ntss_request r;
  if (size > sizeof(reply))
    return;
  ntp_packet_parse(data, size, &p);
  enum ntss_verdict v = ntss_check(n, &p, &r);
  if (v != NTSS_ANSWER && v != NTSS_NAK)
    return;
  memset(reply, 0, NTP_HEADER_LEN);
  size_t len = v == NTSS_ANSWER ? ntss_reply(n, &r, reply, size)
                                : ntss_nak(n, &r, reply, size, true);
  check(len <= size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const int aeads[] = {30, 15, 17};
  uint8_t counter = 0;
  struct platform_ops ops;
  memset(&ops, 0, sizeof(ops));
  ops.random_bytes = counter_bytes;
  struct platform plat = {&ops, &counter};
  struct ntss n;

  if (size < 1)
    return 0;
  ntss_init(&n, &plat, aeads, 3, "ntp.example.net", 0);
  switch (data[0] % 3) {
  case 0: keys_file(&n, data + 1, size - 1); break;
  case 1: ke_request(&n, data + 1, size - 1); break;
  default: ntp_request(&n, data + 1, size - 1); break;
  }
  return 0;
}
