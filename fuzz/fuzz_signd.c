/* libFuzzer target for signd_parse_response().
 *
 * Any input must be judged without reading out of bounds; a complete
 * response must say how many bytes it took, within the input, and an
 * accepted one must point its signed packet inside them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "proto/signd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct signd_response r;
  uint16_t id = size > 15 ? (uint16_t)(data[14] << 8 | data[15]) : 0;

  switch (signd_parse_response(data, size, id, &r)) {
  case SIGND_OK:
    check(r.packet == data + SIGND_RESPONSE_HEAD && r.packet_len == r.len - SIGND_RESPONSE_HEAD);
    /* fall through */
  case SIGND_FAILED:
  case SIGND_BAD_ID:
    check(r.len >= SIGND_RESPONSE_HEAD && r.len <= size && r.len <= SIGND_RESPONSE_MAX);
    break;
  case SIGND_PARTIAL:
  case SIGND_BAD_LENGTH:
    break;
  }
  return 0;
}
