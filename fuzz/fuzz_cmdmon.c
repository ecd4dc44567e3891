/* libFuzzer target for the command protocol codec (src/proto/cmdmon.c).
 *
 * The input is taken both as a request and as a reply. An accepted request
 * must re-encode to a request that parses to the same values, and the
 * reply its length asks for must fit in it; an accepted reply must
 * re-encode to a reply no longer than the input that parses back equal. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/cmdmon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

static void fuzz_request(const uint8_t *data, size_t size)
{
  struct cmd_request q, back;
  uint8_t buf[CMD_MAX_PACKET];
  if (cmd_parse_request(data, size, &q) != CMD_PARSE_OK)
    return;
  size_t n = cmd_build_request(&q, buf, sizeof(buf));
  /* built as chronyc 4.8 pads it: the input may be shorter (4.3's
   * serverstats and ntpdata) */
  check(n > 0 && n == cmd_request_length(q.command));
  check(cmd_parse_request(buf, n, &back) == CMD_PARSE_OK);
  uint8_t again[CMD_MAX_PACKET];
  /* Floats and times are normalised by the first decode: stable after it */
  check(cmd_build_request(&back, again, sizeof(again)) == n);
  check(memcmp(again, buf, n) == 0);
  /* the reply its length asks for is never longer than the request */
  check(cmd_reply_length(cmd_reply_code_for(q.command, size)) <= size);
  check(cmd_reply_answers(q.command, cmd_reply_code_for(q.command, size)));
}

static void fuzz_reply(const uint8_t *data, size_t size)
{
  struct cmd_reply r, back;
  uint8_t buf[CMD_MAX_PACKET], again[CMD_MAX_PACKET];
  if (!cmd_parse_reply(data, size, &r))
    return;
  size_t n = cmd_build_reply(&r, buf, sizeof(buf));
  if (r.status != 0 && r.reply != 1)
    return;                      /* an error status carries no data to compare */
  check(n > 0 && n <= size);
  check(cmd_parse_reply(buf, n, &back));
  check(cmd_build_reply(&back, again, sizeof(again)) == n);
  check(memcmp(again, buf, n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_request(data, size);
  fuzz_reply(data, size);
  return 0;
}
