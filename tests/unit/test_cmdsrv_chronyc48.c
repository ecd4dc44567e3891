/* cmdsrv and newer chronyc (4.4 to 4.8): requests laid out byte for byte as
 * chronyc 4.8 builds them (candm.h's structures, padded as pktlength.c
 * says), not through our encoder; the reply format each request's length
 * asks for (chronyc 4.3's still answered as before); selectopts and offset
 * acting on an NTP source and a reference clock; and their rejections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/cmdsrv.h"
#include "core/ntp_source.h"
#include "proto/wire.h"
#include "sim/sim_refclock.h"
#include "sim_fixture.h"

#define REFID_GPS 0x47505300u       /* "GPS" */

struct fx {
  struct simfx net;
  struct ntp_server ntp;
  struct client *client;
  struct cmdsrv srv;
};

/* A client synchronised to 192.0.2.11, with a reference clock GPS (a SOCK
 * device that sends nothing: only its settings matter here). */
static int setup(void **state)
{
  static struct fx f;
  memset(&f, 0, sizeof(f));
  simfx_init(&f.net, &(struct simfx_opts){.n_servers = 1});
  const struct platform *plat = simfx_platform(&f.net);
  struct client_params p = simfx_client_params();
  f.client = simfx_serving_client(&f.net, plat, &p, &f.ntp, &f.srv);
  struct sim_refclock_config dev = {.driver = PLAT_REFCLOCK_SOCK, .param = "/run/gps.sock"};
  assert_non_null(sim_refclock_new(sim_world_sched(f.net.w), f.net.client_host, &dev));
  struct rcl_params r;
  rcl_params_default(&r);
  r.driver = PLAT_REFCLOCK_SOCK;
  snprintf(r.param, sizeof(r.param), "%s", dev.param);
  r.refid = REFID_GPS;
  r.noselect = true;
  assert_true(client_add_refclock(f.client, &r) >= 0);
  *state = &f;
  return 0;
}

static int teardown(void **state)
{
  struct fx *f = *state;
  simfx_serving_client_free(f->client, &f->ntp, &f->srv);
  simfx_free(&f->net);
  return 0;
}

/* chronyc's request header (candm.h CMD_Request up to data: 20 bytes). */
static void header(struct wire_writer *w, uint8_t *buf, size_t len, uint16_t command)
{
  memset(buf, 0, len);               /* the data's padding, as chronyc's memset */
  wire_writer_init(w, buf, len);
  wire_put_u8(w, CMD_PROTO_VERSION);
  wire_put_u8(w, CMD_PKT_REQUEST);
  wire_put_u16(w, 0);                /* res1, res2 */
  wire_put_u16(w, command);
  wire_put_u16(w, 1);                /* attempt */
  wire_put_u32(w, 0x4808);           /* sequence */
  wire_put_u32(w, 0);                /* pad1, pad2 */
  wire_put_u32(w, 0);
}

/* candm.h's IPAddr: 16 address bytes, family, padding. */
static void ip4(struct wire_writer *w, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
  const uint8_t bytes[16] = {a, b, c, d};
  wire_put_bytes(w, bytes, sizeof(bytes));
  wire_put_u16(w, CMD_IP_INET4);
  wire_put_u16(w, 0);
}

static void no_ip(struct wire_writer *w)
{
  const uint8_t bytes[20] = {0};
  wire_put_bytes(w, bytes, sizeof(bytes));
}

/* The reply to len bytes of req (len may cut it short); its length in *m. */
static struct cmd_reply answer(struct fx *f, const uint8_t *req, size_t len, size_t *m)
{
  uint8_t out[CMD_MAX_PACKET];
  struct cmd_reply r;
  *m = cmdsrv_process(&f->srv, req, len, true, out, sizeof(out));
  assert_true(*m > 0 && *m <= len);
  assert_true(cmd_parse_reply(out, *m, &r));
  assert_int_equal(r.sequence, 0x4808);
  return r;
}

/* An NTP request to the daemon's server, received with a timestamp from
 * `source` (as simfx_served, which leaves it the daemon's). */
static void serve(struct fx *f, enum plat_ts_source source)
{
  uint8_t req[NTP_HEADER_LEN], reply[SRV_REPLY_MAX];
  struct ntp_header h = {.version = 4, .mode = NTP_MODE_CLIENT, .transmit = 42};
  struct ntp_packet p;
  ntp_header_encode(&h, req);
  struct plat_datagram dg = {.data = req, .len = sizeof(req), .from_port = 40000,
                             .rx_source = source};
  assert_true(addr_parse("192.0.2.99", &dg.from));
  simfx_platform(&f->net)->ops->now(simfx_platform(&f->net)->ctx, &dg.rx_time);
  ntp_packet_parse(req, sizeof(req), &p);
  assert_int_equal(srv_process(&f->ntp, &dg, &p, reply, sizeof(reply)), NTP_HEADER_LEN);
}

/* The sources' indices: reference clocks first, as chronyd lists them. */
enum { GPS, NTP };

static struct client_source_report source(struct fx *f, unsigned i)
{
  struct client_source_report r;
  assert_true(client_source_report(f->client, i, &r));
  return r;
}

/* serverstats: chronyc 4.3 pads its request to SERVER_STATS3 (28-byte reply
 * header + 11 uint32: 72 bytes), chronyc 4.4 to 4.8 to SERVER_STATS4
 * (28 + 17 Integer64 + 4 reserved: 196). Each gets the format it asks
 * for; anything shorter than 4.3's is refused. */
static void test_serverstats_by_length(void **state)
{
  struct fx *f = *state;
  uint8_t req[196];
  struct wire_writer w;
  size_t m;
  serve(f, PLAT_TS_DAEMON);                     /* three NTP requests */
  serve(f, PLAT_TS_KERNEL);
  serve(f, PLAT_TS_HARDWARE);
  header(&w, req, sizeof(req), 54);             /* REQ_SERVER_STATS, no data */
  struct cmd_reply r = answer(f, req, 196, &m);
  assert_int_equal(r.status, CMD_STT_SUCCESS);
  assert_int_equal(r.reply, CMD_RPY_SERVER_STATS4);
  assert_int_equal(m, 196);
  assert_true(r.data.server_stats.cmd_hits >= 1);
  /* one received with each kind of timestamp; every reply (basic, not
   * interleaved) carries the daemon's transmit time */
  assert_int_equal(r.data.server_stats.ntp_daemon_rx_timestamps, 1);
  assert_int_equal(r.data.server_stats.ntp_kernel_rx_timestamps, 1);
  assert_int_equal(r.data.server_stats.ntp_hw_rx_timestamps, 1);
  assert_int_equal(r.data.server_stats.ntp_daemon_tx_timestamps, 3);
  assert_int_equal(r.data.server_stats.ntp_kernel_tx_timestamps +
                   r.data.server_stats.ntp_hw_tx_timestamps, 0);
  uint64_t before = r.data.server_stats.cmd_hits;
  r = answer(f, req, 72, &m);
  assert_int_equal(r.reply, CMD_RPY_SERVER_STATS3);
  assert_int_equal(m, 72);
  assert_true(r.data.server_stats.cmd_hits == before + 1);
  assert_true(r.data.server_stats.ntp_daemon_tx_timestamps == 0);   /* not in that format */
  /* between the two: the older format, which fits */
  r = answer(f, req, 195, &m);
  assert_int_equal(r.reply, CMD_RPY_SERVER_STATS3);
  r = answer(f, req, 71, &m);
  assert_int_equal(r.status, CMD_STT_BADPKTLENGTH);
  assert_int_equal(m, CMD_REPLY_HEADER_LEN);
}

/* ntpdata: chronyc 4.3 to 4.5 pad to NTP_DATA (152 bytes), 4.6 to 4.8 to
 * NTP_DATA2 (four counts more, a reserved word more: 172). */
static void test_ntpdata_by_length(void **state)
{
  struct fx *f = *state;
  uint8_t req[172];
  struct wire_writer w;
  size_t m;
  header(&w, req, sizeof(req), 57);             /* REQ_NTP_DATA */
  ip4(&w, 192, 0, 2, 11);
  struct cmd_reply r = answer(f, req, 172, &m);
  assert_int_equal(r.status, CMD_STT_SUCCESS);
  assert_int_equal(r.reply, CMD_RPY_NTP_DATA2);
  assert_int_equal(m, 172);
  assert_true(r.data.ntp_data.total_good_count >= 1);
  /* the simulated platform stamps every packet in the kernel, both ways */
  assert_int_equal(r.data.ntp_data.total_kernel_rx_ts, r.data.ntp_data.total_rx_count);
  assert_int_equal(r.data.ntp_data.total_kernel_tx_ts, r.data.ntp_data.total_tx_count);
  assert_int_equal(r.data.ntp_data.total_hw_rx_ts + r.data.ntp_data.total_hw_tx_ts, 0);
  r = answer(f, req, 152, &m);
  assert_int_equal(r.reply, CMD_RPY_NTP_DATA);
  assert_int_equal(m, 152);
  r = answer(f, req, 151, &m);
  assert_int_equal(r.status, CMD_STT_BADPKTLENGTH);
}

/* chronyc 4.8's `selectopts 192.0.2.11 +prefer -noselect +trust`: REQ_MODIFY_SELECTOPTS
 * (72), IPAddr, ref_id, mask (SRC_SELECT_* bits), options (REQ_ADDSRC_*
 * flags); 20 + 32 = 52 bytes, no padding (the reply is 28). */
static void test_selectopts(void **state)
{
  struct fx *f = *state;
  uint8_t req[52];
  struct wire_writer w;
  size_t m;
  header(&w, req, sizeof(req), 72);
  ip4(&w, 192, 0, 2, 11);
  wire_put_u32(&w, 0);                          /* ref_id */
  wire_put_u32(&w, 0x2 | 0x1 | 0x4);            /* mask: prefer, noselect, trust */
  wire_put_u32(&w, 0x8 | 0x20);                 /* options: REQ_ADDSRC_PREFER, _TRUST */
  assert_int_equal(w.pos, sizeof(req));
  assert_int_equal(cmd_request_length(CMD_MODIFY_SELECTOPTS), sizeof(req));
  struct cmd_reply r = answer(f, req, sizeof(req), &m);
  assert_int_equal(r.status, CMD_STT_SUCCESS);
  assert_int_equal(r.reply, CMD_RPY_NULL);
  struct client_source_report s = source(f, NTP);
  assert_true(s.prefer && s.trust && !s.noselect && !s.require);
  assert_true(s.eff_prefer && s.eff_trust);     /* the effective options too */
  /* -prefer alone leaves trust */
  req[47] = 0x2;
  req[51] = 0;
  r = answer(f, req, sizeof(req), &m);
  s = source(f, NTP);
  assert_true(!s.prefer && s.trust);
  /* the reference clock by its refid: +noselect was set, -noselect +require */
  memset(req + 20, 0, 20);
  req[40] = 'G'; req[41] = 'P'; req[42] = 'S'; req[43] = 0;
  req[47] = 0x1 | 0x8;
  req[51] = 0x40;                               /* REQ_ADDSRC_REQUIRE */
  r = answer(f, req, sizeof(req), &m);
  assert_int_equal(r.status, CMD_STT_SUCCESS);
  s = source(f, GPS);
  assert_true(s.refclock && !s.noselect && s.require);
  assert_true(!s.eff_noselect && s.eff_require);   /* selectdata's EOpts */
  /* no such source (address or refid) */
  req[40] = 'P';
  r = answer(f, req, sizeof(req), &m);
  assert_int_equal(r.status, CMD_STT_NOSUCHSOURCE);
  /* one byte short */
  r = answer(f, req, sizeof(req) - 1, &m);
  assert_int_equal(r.status, CMD_STT_BADPKTLENGTH);
}

/* chronyc 4.8's `offset 192.0.2.11 -0.25` and `offset GPS 0.001`:
 * REQ_MODIFY_OFFSET (73), IPAddr, ref_id, Float: 48 bytes. */
static void test_offset(void **state)
{
  struct fx *f = *state;
  uint8_t req[48];
  struct wire_writer w;
  size_t m;
  header(&w, req, sizeof(req), 73);
  ip4(&w, 192, 0, 2, 11);
  wire_put_u32(&w, 0);
  wire_put_u32(&w, cmd_float_encode(-0.25));
  assert_int_equal(w.pos, sizeof(req));
  assert_int_equal(cmd_request_length(CMD_MODIFY_OFFSET), sizeof(req));
  struct cmd_reply r = answer(f, req, sizeof(req), &m);
  assert_int_equal(r.status, CMD_STT_SUCCESS);
  assert_int_equal(r.reply, CMD_RPY_NULL);
  /* The next measurement of the source carries it (ntpdata's offset, as
   * measured; the clock has moved by less than 1 ms meanwhile). */
  struct client_source_report s = source(f, NTP);
  double before = s.ntp->m.offset;
  uint64_t valid = s.valid_replies;
  for (double t = 121.0; t < 160.0 && source(f, NTP).valid_replies == valid; t += 1.0)
    simfx_run_until(&f->net, t);
  s = source(f, NTP);
  assert_true(s.valid_replies > valid);
  assert_true(fabs(s.ntp->m.offset - before + 0.25) < 1e-3);
  header(&w, req, sizeof(req), 73);
  no_ip(&w);
  wire_put_u32(&w, REFID_GPS);
  wire_put_u32(&w, cmd_float_encode(0.001));
  r = answer(f, req, sizeof(req), &m);
  assert_int_equal(r.status, CMD_STT_SUCCESS);
  assert_float_equal(client_refclock(f->client, 0)->p.offset, 0.001, 1e-9);
  /* an unknown refid, an address with no source */
  req[43] = 'X';
  r = answer(f, req, sizeof(req), &m);
  assert_int_equal(r.status, CMD_STT_NOSUCHSOURCE);
  header(&w, req, sizeof(req), 73);
  ip4(&w, 192, 0, 2, 99);
  r = answer(f, req, sizeof(req), &m);
  assert_int_equal(r.status, CMD_STT_NOSUCHSOURCE);
  r = answer(f, req, sizeof(req) - 1, &m);
  assert_int_equal(r.status, CMD_STT_BADPKTLENGTH);
}

/* Both change state: not over UDP, whatever opencommands says. */
static void test_not_over_udp(void **state)
{
  struct fx *f = *state;
  static const uint16_t commands[] = {CMD_MODIFY_SELECTOPTS, CMD_MODIFY_OFFSET};
  f->srv.open = ~0u;
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
    uint8_t req[CMD_MAX_PACKET], out[CMD_MAX_PACKET];
    struct cmd_request q = {.command = commands[i], .sequence = 1};
    struct cmd_reply r;
    size_t n = cmd_build_request(&q, req, sizeof(req));
    size_t m = cmdsrv_process(&f->srv, req, n, false, out, sizeof(out));
    assert_true(m > 0 && cmd_parse_reply(out, m, &r));
    assert_int_equal(r.status, CMD_STT_UNAUTH);
  }
}

/* Codes chrony has not given out, and those 4.7 retired (NULL 0, LOGON
 * 10): invalid, as chronyd 4.8 answers. */
static void test_unknown_codes(void **state)
{
  struct fx *f = *state;
  static const uint16_t codes[] = {0, 10, 75, 0x5300};
  for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
    uint8_t req[CMD_MAX_PACKET];
    struct wire_writer w;
    size_t m;
    header(&w, req, 64, codes[i]);
    struct cmd_reply r = answer(f, req, 64, &m);
    assert_int_equal(r.status, CMD_STT_INVALID);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_serverstats_by_length, setup, teardown),
    cmocka_unit_test_setup_teardown(test_ntpdata_by_length, setup, teardown),
    cmocka_unit_test_setup_teardown(test_selectopts, setup, teardown),
    cmocka_unit_test_setup_teardown(test_offset, setup, teardown),
    cmocka_unit_test_setup_teardown(test_not_over_udp, setup, teardown),
    cmocka_unit_test_setup_teardown(test_unknown_codes, setup, teardown),
  };
  return cmocka_run_group_tests_name("cmdsrv_chronyc48", tests, NULL, NULL);
}
