/* libFuzzer target for ntske_parse(), as a server (requests) and as a
 * client (responses).
 *
 * Any input must parse without reading out of bounds; an accepted message
 * must respect the limits, build again, and parse back to the same
 * contents; a server's response to it must build and parse as a response. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/aead.h"
#include "proto/nts_ke.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

static void round_trip(const struct ntske_message *msg, enum ntske_role role)
{
  static uint8_t out[NTSKE_MAX_MESSAGE_LEN];
  static struct ntske_message back;
  size_t len;

  check(msg->n_cookies <= NTSKE_MAX_COOKIES && msg->n_algorithms <= NTSKE_MAX_LIST &&
        msg->n_protocols <= NTSKE_MAX_LIST);
  for (size_t i = 0; i < msg->n_cookies; i++)
    check(msg->cookies[i].len > 0 && msg->cookies[i].len <= NTSKE_MAX_COOKIE_LEN &&
          msg->cookies[i].len % 4 == 0);
  check(!msg->has_server || (strlen(msg->server) > 0 && strlen(msg->server) <= 255));
  len = ntske_build(msg, out, sizeof(out));
  check(len > 0);
  check(ntske_parse(out, len, role, &back) == NTSKE_OK);
  check(memcmp(msg, &back, sizeof(back)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const uint16_t supported[] = {AEAD_AES_128_GCM_SIV, AEAD_AES_SIV_CMAC_256};
  static struct ntske_message msg, resp;
  static uint8_t out[NTSKE_MAX_MESSAGE_LEN];
  enum ntske_status st;
  size_t len;

  st = ntske_parse(data, size, NTSKE_REQUEST, &msg);
  if (st == NTSKE_OK)
    round_trip(&msg, NTSKE_REQUEST);
  if (st != NTSKE_INCOMPLETE && st != NTSKE_TOO_LONG) {
    ntske_make_response(&msg, st, supported, 2, &resp);
    len = ntske_build(&resp, out, sizeof(out));
    check(len > 0);
    check(ntske_parse(out, len, NTSKE_RESPONSE, &msg) == NTSKE_OK);
  }
  if (ntske_parse(data, size, NTSKE_RESPONSE, &msg) == NTSKE_OK)
    round_trip(&msg, NTSKE_RESPONSE);
  return 0;
}
