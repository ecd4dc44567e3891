/* Unit tests for src/proto/cmdmon.c: lengths as chronyc/chronyd 4.3 send
 * them, Float coding, round trips, bytes captured from chronyd 4.3, and the
 * rejection of malformed requests and replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "proto/cmdmon.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
  size_t n = 0;
  while (s[0] && s[1] && n < cap) {
    unsigned v;
    sscanf(s, "%2x", &v);
    out[n++] = (uint8_t)v;
    s += 2;
  }
  return n;
}

/* Request lengths chronyc 4.3 sent and reply lengths chronyd 4.3 answered
 * with (captured on loopback, one per command); serverstats and ntpdata
 * below, as newer chronyc pads them longer. */
static void test_lengths_match_chrony_4_3(void **state)
{
  static const struct { uint16_t cmd; size_t req; } reqs[] = {
    {CMD_TRACKING, 104}, {CMD_N_SOURCES, 32}, {CMD_SOURCE_DATA, 76}, {CMD_SOURCESTATS, 84},
    {CMD_ACTIVITY, 48}, {CMD_SELECT_DATA, 76},
    {CMD_AUTH_DATA, 52}, {CMD_CLIENT_ACCESSES_BY_INDEX3, 520}, {CMD_NTP_SOURCE_NAME, 284},
    {CMD_BURST, 68}, {CMD_MAKESTEP, 28}, {CMD_ONLINE, 60}, {CMD_OFFLINE, 60},
    {CMD_ONOFFLINE, 28}, {CMD_ADD_SOURCE, 372}, {CMD_DEL_SOURCE, 40}, {CMD_LOCAL2, 36},
    {CMD_LOCAL3, 48},
    {CMD_MODIFY_MAXPOLL, 44}, {CMD_ALLOW, 44}, {CMD_ACCHECK, 40}, {CMD_DFREQ, 28},
    {CMD_DOFFSET2, 28}, {CMD_MANUAL, 28}, {CMD_MANUAL_LIST, 416}, {CMD_RTCREPORT, 56},
    {CMD_SMOOTHING, 52}, {CMD_SMOOTHTIME, 28}, {CMD_SHUTDOWN, 28}, {CMD_RELOAD_SOURCES, 28},
    {CMD_DUMP, 28}, {CMD_REKEY, 28}, {CMD_REFRESH, 28}, {CMD_RESET_SOURCES, 28},
    {CMD_CYCLELOGS, 28}, {CMD_RESELECT, 28},
  };
  static const struct { uint16_t code; size_t len; } rpys[] = {
    {CMD_RPY_NULL, 28}, {CMD_RPY_TRACKING, 104}, {CMD_RPY_N_SOURCES, 32},
    {CMD_RPY_SOURCE_DATA, 76}, {CMD_RPY_SOURCESTATS, 84}, {CMD_RPY_ACTIVITY, 48},
    {CMD_RPY_SERVER_STATS3, 72}, {CMD_RPY_NTP_DATA, 152}, {CMD_RPY_SELECT_DATA, 76},
    {CMD_RPY_AUTH_DATA, 52}, {CMD_RPY_CLIENT_ACCESSES_BY_INDEX3, 520},
    {CMD_RPY_NTP_SOURCE_NAME, 284}, {CMD_RPY_MANUAL_LIST2, 416},
  };
  (void)state;
  for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
    if (cmd_request_length(reqs[i].cmd) != reqs[i].req)
      fail_msg("command %u: %zu, chronyc sends %zu", reqs[i].cmd,
               cmd_request_length(reqs[i].cmd), reqs[i].req);
  }
  for (size_t i = 0; i < sizeof(rpys) / sizeof(rpys[0]); i++)
    assert_int_equal(cmd_reply_length(rpys[i].code), rpys[i].len);
  /* Stratum's own: a reload (padded to the null reply) and its report
   * lines (a count and 256 bytes of text). */
  assert_int_equal(cmd_request_length(CMD_ST_RELOAD_CONFIG), 28);
  assert_int_equal(cmd_reply_code(CMD_ST_RELOAD_REPORT), CMD_RPY_ST_TEXT);
  assert_int_equal(cmd_request_length(CMD_ST_RELOAD_REPORT), 28 + 4 + CMD_NAME_LEN);
  assert_int_equal(cmd_reply_length(CMD_RPY_ST_TEXT), 28 + 4 + CMD_NAME_LEN);
  assert_int_equal(cmd_request_length(10), 0);   /* LOGON: obsolete */
  assert_int_equal(cmd_reply_length(99), 0);
  /* chronyc 4.3's serverstats and ntpdata requests get 4.3's replies */
  assert_int_equal(cmd_reply_code_for(CMD_SERVER_STATS, 72), CMD_RPY_SERVER_STATS3);
  assert_int_equal(cmd_reply_code_for(CMD_NTP_DATA, 152), CMD_RPY_NTP_DATA);
}

/* chronyc 4.8's lengths, from candm.h and pktlength.c at tag 4.8 (a
 * request is padded to the length of its reply, if longer):
 * - SERVER_STATS: RPY_ServerStats is 17 Integer64 counters and 4 reserved
 *   (168 bytes): 28 + 168 = 196, the request padded to it (from 4.4);
 * - NTP_DATA: RPY_NTPData gained 4 uint32 counts and a fifth reserved word
 *   (reserved[3] became 4 counts and reserved[4]): 152 + 20 = 172 (4.6);
 * - MODIFY_SELECTOPTS: IPAddr (20), ref_id, mask, options: 20 + 32 = 52;
 * - MODIFY_OFFSET: IPAddr, ref_id, a Float: 20 + 28 = 48. */
static void test_lengths_match_chrony_4_8(void **state)
{
  (void)state;
  assert_int_equal(cmd_request_length(CMD_SERVER_STATS), 196);
  assert_int_equal(cmd_reply_code(CMD_SERVER_STATS), CMD_RPY_SERVER_STATS4);
  assert_int_equal(cmd_reply_length(CMD_RPY_SERVER_STATS4), 196);
  assert_int_equal(cmd_reply_code_for(CMD_SERVER_STATS, 196), CMD_RPY_SERVER_STATS4);
  assert_int_equal(cmd_request_length(CMD_NTP_DATA), 172);
  assert_int_equal(cmd_reply_code(CMD_NTP_DATA), CMD_RPY_NTP_DATA2);
  assert_int_equal(cmd_reply_length(CMD_RPY_NTP_DATA2), 172);
  assert_int_equal(cmd_reply_code_for(CMD_NTP_DATA, 172), CMD_RPY_NTP_DATA2);
  assert_int_equal(cmd_request_length(CMD_MODIFY_SELECTOPTS), 52);
  assert_int_equal(cmd_reply_code(CMD_MODIFY_SELECTOPTS), CMD_RPY_NULL);
  assert_int_equal(cmd_request_length(CMD_MODIFY_OFFSET), 48);
  assert_int_equal(cmd_reply_code(CMD_MODIFY_OFFSET), CMD_RPY_NULL);
  /* a reply in either format answers the request; another does not */
  assert_true(cmd_reply_answers(CMD_SERVER_STATS, CMD_RPY_SERVER_STATS3));
  assert_true(cmd_reply_answers(CMD_SERVER_STATS, CMD_RPY_SERVER_STATS4));
  assert_true(cmd_reply_answers(CMD_NTP_DATA, CMD_RPY_NTP_DATA));
  assert_false(cmd_reply_answers(CMD_NTP_DATA, CMD_RPY_SERVER_STATS3));
  assert_false(cmd_reply_answers(CMD_TRACKING, CMD_RPY_NULL));
  assert_false(cmd_reply_answers(10, CMD_RPY_NULL));
  assert_int_equal(cmd_reply_code_for(10, 100), CMD_RPY_NULL);
}

/* A SERVER_STATS4 reply as chronyd 4.8 lays it out (Integer64: high word
 * first), and the same counters in SERVER_STATS3: 32 bits, saturated. */
static void test_server_stats_formats(void **state)
{
  struct cmd_reply r, back;
  uint8_t buf[256];
  (void)state;
  memset(&r, 0, sizeof(r));
  r.command = CMD_SERVER_STATS;
  r.reply = CMD_RPY_SERVER_STATS4;
  r.data.server_stats.ntp_hits = 0x123456789aULL;
  r.data.server_stats.ntp_hw_tx_timestamps = 7;
  size_t n = cmd_build_reply(&r, buf, sizeof(buf));
  assert_int_equal(n, 196);
  static const uint8_t hits[8] = {0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x9a};
  assert_memory_equal(buf + 28, hits, 8);
  assert_int_equal(buf[28 + 16 * 8 + 7], 7);        /* the 17th counter */
  assert_true(cmd_parse_reply(buf, n, &back));
  assert_true(back.data.server_stats.ntp_hits == 0x123456789aULL);
  assert_true(back.data.server_stats.ntp_hw_tx_timestamps == 7);
  assert_false(cmd_parse_reply(buf, n - 1, &back));
  r.reply = CMD_RPY_SERVER_STATS3;
  n = cmd_build_reply(&r, buf, sizeof(buf));
  assert_int_equal(n, 72);
  static const uint8_t saturated[4] = {0xff, 0xff, 0xff, 0xff};
  assert_memory_equal(buf + 28, saturated, 4);
  assert_true(cmd_parse_reply(buf, n, &back));
  assert_true(back.data.server_stats.ntp_hits == UINT32_MAX);
  assert_true(back.data.server_stats.ntp_hw_tx_timestamps == 0);
}

/* Requests chronyc 4.8 sent (captured on loopback; its attempt 0, its
 * random sequence): each parses, re-encodes to the same bytes (but for
 * the Float, which chrony writes -0.25 as 2^-26 * -2^24 and we as the
 * same value 2^-25 * -2^23), and is refused one byte short. Its selectopts carries the mask in SRC_SELECT_*
 * bits and the options as REQ_ADDSRC_* flags (client.c
 * process_cmd_selectopts); offset names a refclock by refid, no address. */
static void test_chronyc_4_8_requests(void **state)
{
  static const struct { const char *line, *hex; uint16_t reply; bool floats; } captured[] = {
    {"selectopts 192.0.2.1 +prefer -noselect",
     "0601000000480000aad824ee0000000000000000c00002010000000000000000000000000001000000000000"
     "0000000300000008", CMD_RPY_NULL, false},
    {"offset GPS 0.5",
     "060100000049000083821b0b0000000000000000000000000000000000000000000000000000000047505300"
     "02800000", CMD_RPY_NULL, true},
    {"offset 192.0.2.11 -0.25",
     "0601000000490000288de0d80000000000000000c000020b0000000000000000000000000001000000000000"
     "ff000000", CMD_RPY_NULL, true},
    {"serverstats", "0601000000360000fb9f9773", CMD_RPY_SERVER_STATS4, false},
    {"ntpdata 192.0.2.1",
     "06010000003900007ca9b6c10000000000000000c0000201000000000000000000000000000100",
     CMD_RPY_NTP_DATA2, false},
  };
  (void)state;
  for (size_t i = 0; i < sizeof(captured) / sizeof(captured[0]); i++) {
    uint8_t buf[CMD_MAX_PACKET] = {0}, out[CMD_MAX_PACKET];
    struct cmd_request q;
    size_t n = unhex(captured[i].hex, buf, sizeof(buf));
    uint16_t command = (uint16_t)(buf[4] << 8 | buf[5]);
    n = n > cmd_request_length(command) ? n : cmd_request_length(command);  /* zero padding */
    if (cmd_parse_request(buf, n, &q) != CMD_PARSE_OK)
      fail_msg("%s: not parsed", captured[i].line);
    assert_int_equal(cmd_build_request(&q, out, sizeof(out)), n);
    assert_memory_equal(out, buf, captured[i].floats ? n - 4 : n);
    assert_int_equal(cmd_reply_code_for(command, n), captured[i].reply);
    if (captured[i].reply == CMD_RPY_NULL) {
      assert_int_equal(cmd_parse_request(buf, n - 1, &q), CMD_PARSE_BAD_LENGTH);
    } else {                     /* still long enough for the older format */
      assert_int_equal(cmd_parse_request(buf, n - 1, &q), CMD_PARSE_OK);
      assert_int_not_equal(cmd_reply_code_for(command, n - 1), captured[i].reply);
    }
  }
  /* the lengths chronyc 4.8 sent (zero padding left off above) */
  assert_int_equal(cmd_request_length(CMD_SERVER_STATS), 196);
  assert_int_equal(cmd_request_length(CMD_NTP_DATA), 172);
  struct cmd_request q;
  uint8_t buf[64] = {0};
  size_t n = unhex(captured[0].hex, buf, sizeof(buf));
  assert_int_equal(cmd_parse_request(buf, n, &q), CMD_PARSE_OK);
  assert_int_equal(q.data.select_opts.address.family, CMD_IP_INET4);
  assert_int_equal(q.data.select_opts.address.bytes[0], 192);
  assert_int_equal(q.data.select_opts.mask, CMD_SD_OPT_PREFER | CMD_SD_OPT_NOSELECT);
  assert_int_equal(q.data.select_opts.options, CMD_ADDSRC_PREFER);
  n = unhex(captured[1].hex, buf, sizeof(buf));
  assert_int_equal(cmd_parse_request(buf, n, &q), CMD_PARSE_OK);
  assert_int_equal(q.data.offset.address.family, CMD_IP_UNSPEC);
  assert_int_equal(q.data.offset.ref_id, 0x47505300);
  assert_true(q.data.offset.offset == 0.5);
  n = unhex(captured[2].hex, buf, sizeof(buf));
  assert_int_equal(cmd_parse_request(buf, n, &q), CMD_PARSE_OK);
  assert_true(q.data.offset.offset == -0.25);
}

static void test_float(void **state)
{
  static const double values[] = {0.0, 1.0, -1.0, 0.5, 1e-9, -3.25e-6, 123456.789, 1e-15,
                                  -0.000123, 500.0, 1e6, 4294967295.0};
  (void)state;
  for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    double v = values[i], d = cmd_float_decode(cmd_float_encode(v));
    /* 24 bits of precision */
    assert_true(fabs(d - v) <= fabs(v) * 6e-8);
  }
  assert_int_equal(cmd_float_encode(0.0), 0);
  assert_true(cmd_float_decode(cmd_float_encode(1.0)) == 1.0);
  /* saturation, not wrap-around */
  assert_true(cmd_float_decode(cmd_float_encode(1e300)) > 1e18);
  assert_true(cmd_float_decode(cmd_float_encode(-1e300)) < -1e18);
  assert_true(cmd_float_decode(cmd_float_encode(1e-300)) == 0.0);
  assert_true(cmd_float_decode(cmd_float_encode(NAN)) == 0.0);
  /* infinities (chronyc's "maxupdateskew inf") as the largest values */
  assert_int_equal(cmd_float_encode(INFINITY), cmd_float_encode(1e300));
  assert_int_equal(cmd_float_encode(-INFINITY), cmd_float_encode(-1e300));
  /* exponent 0, coefficient 2^24-1: just below 1 */
  assert_true(fabs(cmd_float_decode(0x00ffffffu) - (1.0 - ldexp(1, -24)) * 0.5) < 1e-6);
}

/* A tracking reply captured from chronyd 4.3 (local stratum 3). */
static void test_parse_captured_tracking(void **state)
{
  uint8_t buf[256];
  struct cmd_reply r;
  size_t n = unhex("060200000021000500000000000000000000123400000000000000007f7f0101000000000000"
                   "000000000000000000000000000000030000000000006b065fb2079822cb0000000000000000"
                   "00000000000000000000000000000000000000000000000000000000", buf, sizeof(buf));
  (void)state;
  assert_int_equal(n, 104);
  assert_true(cmd_parse_reply(buf, n, &r));
  assert_int_equal(r.command, CMD_TRACKING);
  assert_int_equal(r.reply, CMD_RPY_TRACKING);
  assert_int_equal(r.status, CMD_STT_SUCCESS);
  assert_int_equal(r.sequence, 0x1234);
  assert_int_equal(r.data.tracking.ref_id, 0x7f7f0101);
  assert_int_equal(r.data.tracking.stratum, 3);
  assert_int_equal(r.data.tracking.ref_time.tv_sec, 1795579826);
  assert_int_equal(r.data.tracking.ref_time.tv_nsec, 127410891);
  /* the same bytes come back out */
  uint8_t out[256];
  assert_int_equal(cmd_build_reply(&r, out, sizeof(out)), n);
  assert_memory_equal(out, buf, n);
  /* one byte short: rejected */
  assert_false(cmd_parse_reply(buf, n - 1, &r));
}

/* A source data reply captured from chronyd 4.3: 127.0.0.1, poll 4, reach
 * 377, never sampled. */
static void test_parse_captured_source(void **state)
{
  uint8_t buf[256];
  struct cmd_reply r;
  size_t n = unhex("06020000000f000300000000000000000000123400000000000000007f000001000000000000"
                   "000000000000000100000004000000010000000000ffffffffff000000000000000000000000",
                   buf, sizeof(buf));
  (void)state;
  assert_int_equal(n, 76);
  assert_true(cmd_parse_reply(buf, n, &r));
  assert_int_equal(r.data.source_data.ip.family, CMD_IP_INET4);
  assert_int_equal(r.data.source_data.ip.bytes[0], 127);
  assert_int_equal(r.data.source_data.ip.bytes[3], 1);
  assert_int_equal(r.data.source_data.poll, 4);
  assert_int_equal(r.data.source_data.state, CMD_SD_NONSELECTABLE);
  assert_int_equal(r.data.source_data.reachability, 0xff);
  assert_int_equal(r.data.source_data.since_sample, 0xffffffffu);
}

/* The burst request chronyc 4.3 sent for `burst 1/2`. */
static void test_parse_captured_burst(void **state)
{
  uint8_t buf[128];
  struct cmd_request q;
  size_t n = unhex("0601000000030000000000010000000000000000", buf, sizeof(buf));
  (void)state;
  memset(buf + n, 0, sizeof(buf) - n);
  buf[20 + 40 + 3] = 1;     /* n_good */
  buf[20 + 44 + 3] = 2;     /* n_total */
  assert_int_equal(cmd_parse_request(buf, 68, &q), CMD_PARSE_OK);
  assert_int_equal(q.command, CMD_BURST);
  assert_int_equal(q.sequence, 1);
  assert_int_equal(q.data.subnet.n_good, 1);
  assert_int_equal(q.data.subnet.n_total, 2);
  assert_int_equal(cmd_parse_request(buf, 67, &q), CMD_PARSE_BAD_LENGTH);
  assert_int_equal(cmd_parse_request(buf, 128, &q), CMD_PARSE_OK);
}

static void test_request_round_trip(void **state)
{
  struct cmd_request q = {0}, back;
  uint8_t buf[CMD_MAX_PACKET];
  (void)state;
  q.command = CMD_ADD_SOURCE;
  q.sequence = 77;
  q.attempt = 2;
  q.data.source.type = CMD_ADDSRC_POOL;
  strcpy(q.data.source.name, "pool.example.org");
  q.data.source.port = 123;
  q.data.source.minpoll = -2;
  q.data.source.maxpoll = 10;
  q.data.source.max_delay = 3.0;
  q.data.source.asymmetry = 1.0;
  q.data.source.flags = CMD_ADDSRC_IBURST | CMD_ADDSRC_PREFER;
  q.data.source.max_sources = 4;
  size_t n = cmd_build_request(&q, buf, sizeof(buf));
  assert_int_equal(n, 372);
  assert_int_equal(cmd_parse_request(buf, n, &back), CMD_PARSE_OK);
  assert_int_equal(back.sequence, 77);
  assert_int_equal(back.attempt, 2);
  assert_string_equal(back.data.source.name, "pool.example.org");
  assert_int_equal(back.data.source.minpoll, -2);
  assert_true(back.data.source.max_delay == 3.0);
  assert_int_equal(back.data.source.flags, CMD_ADDSRC_IBURST | CMD_ADDSRC_PREFER);
  /* too small a buffer, unknown command */
  assert_int_equal(cmd_build_request(&q, buf, 371), 0);
  q.command = 10;
  assert_int_equal(cmd_build_request(&q, buf, sizeof(buf)), 0);
}

static void test_reply_round_trip_arrays(void **state)
{
  struct cmd_reply r = {0}, back;
  uint8_t buf[CMD_MAX_PACKET];
  (void)state;
  r.command = CMD_CLIENT_ACCESSES_BY_INDEX3;
  r.reply = CMD_RPY_CLIENT_ACCESSES_BY_INDEX3;
  r.data.clients.n_indices = 9;
  r.data.clients.n_clients = 8;
  for (int i = 0; i < 8; i++) {
    r.data.clients.clients[i].ip.family = CMD_IP_INET6;
    r.data.clients.clients[i].ip.bytes[15] = (uint8_t)i;
    r.data.clients.clients[i].ntp_hits = 1000u + (uint32_t)i;
    r.data.clients.clients[i].ntp_interval = (int8_t)-i;
    r.data.clients.clients[i].last_cmd_hit_ago = 0xffffffffu;
  }
  size_t n = cmd_build_reply(&r, buf, sizeof(buf));
  assert_int_equal(n, 520);
  assert_true(cmd_parse_reply(buf, n, &back));
  assert_memory_equal(&back.data.clients, &r.data.clients, sizeof(r.data.clients));
  /* a failure status sends the bare header */
  r.status = CMD_STT_UNAUTH;
  assert_int_equal(cmd_build_reply(&r, buf, sizeof(buf)), 28);
  assert_true(cmd_parse_reply(buf, 28, &back));
  assert_int_equal(back.reply, CMD_RPY_NULL);
  assert_int_equal(back.status, CMD_STT_UNAUTH);
}

static void header(uint8_t *buf, uint8_t version, uint8_t type, uint16_t cmd)
{
  memset(buf, 0, 20);
  buf[0] = version;
  buf[1] = type;
  buf[4] = (uint8_t)(cmd >> 8);
  buf[5] = (uint8_t)cmd;
}

static void test_reject_requests(void **state)
{
  uint8_t buf[600];
  struct cmd_request q;
  (void)state;
  memset(buf, 0, sizeof(buf));
  header(buf, 6, 1, CMD_TRACKING);
  assert_int_equal(cmd_parse_request(buf, 104, &q), CMD_PARSE_OK);
  assert_int_equal(cmd_parse_request(buf, 19, &q), CMD_PARSE_DROP);       /* short header */
  assert_int_equal(cmd_parse_request(buf, 0, &q), CMD_PARSE_DROP);
  assert_int_equal(cmd_parse_request(buf, 103, &q), CMD_PARSE_BAD_LENGTH); /* unpadded */
  assert_int_equal(cmd_parse_request(buf, 20, &q), CMD_PARSE_BAD_LENGTH);
  header(buf, 6, 2, CMD_TRACKING);                                         /* a reply */
  assert_int_equal(cmd_parse_request(buf, 104, &q), CMD_PARSE_DROP);
  header(buf, 6, 1, CMD_TRACKING);
  buf[2] = 1;                                                              /* res1 */
  assert_int_equal(cmd_parse_request(buf, 104, &q), CMD_PARSE_DROP);
  header(buf, 6, 1, CMD_TRACKING);
  buf[3] = 1;                                                              /* res2 */
  assert_int_equal(cmd_parse_request(buf, 104, &q), CMD_PARSE_DROP);
  header(buf, 5, 1, CMD_TRACKING);
  assert_int_equal(cmd_parse_request(buf, 104, &q), CMD_PARSE_BAD_VERSION);
  header(buf, 7, 1, CMD_TRACKING);
  assert_int_equal(cmd_parse_request(buf, 104, &q), CMD_PARSE_DROP);
  header(buf, 3, 1, CMD_TRACKING);
  assert_int_equal(cmd_parse_request(buf, 104, &q), CMD_PARSE_DROP);
  header(buf, 6, 1, 0);
  assert_int_equal(cmd_parse_request(buf, 104, &q), CMD_PARSE_UNKNOWN);
  header(buf, 6, 1, 10);                                                   /* LOGON */
  assert_int_equal(cmd_parse_request(buf, 104, &q), CMD_PARSE_UNKNOWN);
  header(buf, 6, 1, 0xffff);
  assert_int_equal(cmd_parse_request(buf, 600, &q), CMD_PARSE_UNKNOWN);
  assert_int_equal(q.command, 0xffff);
}

static void test_reject_replies(void **state)
{
  struct cmd_reply r = {.command = CMD_N_SOURCES, .reply = CMD_RPY_N_SOURCES}, back;
  uint8_t buf[64];
  (void)state;
  r.data.n_sources = 5;
  size_t n = cmd_build_reply(&r, buf, sizeof(buf));
  assert_int_equal(n, 32);
  assert_true(cmd_parse_reply(buf, n, &back));
  assert_int_equal(back.data.n_sources, 5);
  assert_false(cmd_parse_reply(buf, 31, &back));
  buf[0] = 5;
  assert_false(cmd_parse_reply(buf, n, &back));
  buf[0] = 6;
  buf[1] = 1;
  assert_false(cmd_parse_reply(buf, n, &back));
  buf[1] = 2;
  buf[7] = 99;                                                             /* reply code */
  assert_false(cmd_parse_reply(buf, n, &back));
  r.reply = 99;
  assert_int_equal(cmd_build_reply(&r, buf, sizeof(buf)), 0);
  r.reply = CMD_RPY_TRACKING;
  assert_int_equal(cmd_build_reply(&r, buf, sizeof(buf)), 0);              /* cap too small */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_lengths_match_chrony_4_3),
    cmocka_unit_test(test_lengths_match_chrony_4_8),
    cmocka_unit_test(test_server_stats_formats),
    cmocka_unit_test(test_chronyc_4_8_requests),
    cmocka_unit_test(test_float),
    cmocka_unit_test(test_parse_captured_tracking),
    cmocka_unit_test(test_parse_captured_source),
    cmocka_unit_test(test_parse_captured_burst),
    cmocka_unit_test(test_request_round_trip),
    cmocka_unit_test(test_reply_round_trip_arrays),
    cmocka_unit_test(test_reject_requests),
    cmocka_unit_test(test_reject_replies),
  };
  return cmocka_run_group_tests_name("cmdmon", tests, NULL, NULL);
}
