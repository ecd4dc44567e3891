/* libFuzzer target for stratumc's reports (src/stratumc/reports.c, out.c,
 * format.c): a command runs against replies taken from the input instead
 * of a daemon's, and prints to /dev/null.
 *
 * Input: a byte choosing the command (commands[] below, in the order
 * fuzz/corpus/make_stratumc_reports_seeds.py knows), a byte choosing the
 * output form (human, CSV, JSON), then the replies, each a 2-byte
 * big-endian length and the datagram. A datagram's command and sequence
 * are set to the request's, so that its other bytes decide whether the
 * transport takes it; when the replies run out, the daemon is silent. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stratumc/cmdparse.h"
#include "stratumc/reports.h"
#include "stratumc/session.h"
#include "stratumc/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* waitsync with one try: no sleeping between tries. */
static const char *const commands[] = {
  "tracking", "sources -v", "sourcestats -v", "selectdata -v", "activity", "serverstats",
  "clients", "clients -k -r -p 3", "ntpdata", "ntpdata 192.0.2.1", "authdata -v -a",
  "sourcename 192.0.2.1", "waitsync 1 0.01 1", "smoothing", "rtcdata", "manual list",
  "sources -a", "burst 2/4 192.0.2.1", "reload config", "reload config --dry-run"};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

struct replies {
  const uint8_t *p;
  size_t left;
};

static void put_be(uint8_t *p, uint32_t v, int n)
{
  for (int i = n - 1; i >= 0; i--, v >>= 8)
    p[i] = (uint8_t)v;
}

/* An sc_exchange_fn: the next reply of the input. */
static bool next_reply(void *arg, struct cmd_request *req, struct cmd_reply *rpy)
{
  struct replies *r = arg;
  uint8_t buf[CMD_MAX_PACKET];
  if (r->left < 2)
    return false;
  size_t len = (size_t)r->p[0] << 8 | r->p[1];
  r->p += 2;
  r->left -= 2;
  len = len < r->left ? len : r->left;
  memcpy(buf, r->p, len < sizeof(buf) ? len : sizeof(buf));
  r->p += len;
  r->left -= len;
  len = len < sizeof(buf) ? len : sizeof(buf);
  if (len >= CMD_REPLY_HEADER_LEN) {
    put_be(buf + 4, req->command, 2);
    put_be(buf + 16, req->sequence, 4);
  }
  return sc_transport_matches(buf, len, req) && sc_transport_decode(buf, len, rpy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static FILE *null;
  char line[64];
  struct sc_command cmd;
  struct sc_out out;
  if (size < 2 || (!null && !(null = fopen("/dev/null", "w"))))
    return 0;
  snprintf(line, sizeof(line), "%s", commands[data[0] % N_COMMANDS]);
  sc_parse_command(line, NULL, &cmd);
  if (cmd.action != SC_ACT_REPORT && cmd.action != SC_ACT_REQUEST)
    abort();
  sc_out_init(&out, null, (enum sc_mode)(data[1] % 3));
  struct replies r = {data + 2, size - 2};
  struct sc_session s = {.exchange = next_reply, .exchange_arg = &r, .out = &out, .no_dns = true,
                         .source_names = data[1] / 3 % 2};   /* -N: a name asked per source */
  sc_out_begin(&out, cmd.name);
  if (cmd.action == SC_ACT_REPORT) {
    sc_report_run(&s, &cmd);
  } else {
    struct cmd_reply rpy;
    sc_session_request(&s, &cmd.req, &rpy, CMD_RPY_NULL, true);
  }
  sc_out_end(&out);
  return 0;
}
