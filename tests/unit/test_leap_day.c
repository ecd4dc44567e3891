/* A leap second is accepted only on the last day of June or December, as
 * chronyd's reference.c (is_leap_second_day): a simulated client
 * synchronised to a server announcing one reports it in chronyc tracking
 * and passes it on to its own clients on June 30 and December 31 (UTC, by
 * the host's clock), and reports no leap on other days. */
#define _DEFAULT_SOURCE   /* timegm */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "core/cmdsrv.h"
#include "proto/ntp_packet.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

static time_t utc(int year, int month, int day, int hour, int min)
{
  struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
                  .tm_hour = hour, .tm_min = min};
  return timegm(&tm);
}

static void test_leap_second_days(void **state)
{
  (void)state;
  assert_true(ref_leap_day(utc(2026, 6, 30, 0, 0)));
  assert_true(ref_leap_day(utc(2026, 6, 30, 23, 59) + 59));
  assert_true(ref_leap_day(utc(2026, 12, 31, 12, 0)));
  assert_true(ref_leap_day(utc(2016, 12, 31, 23, 59)));
  assert_false(ref_leap_day(utc(2026, 12, 6, 12, 0)));
  assert_false(ref_leap_day(utc(2027, 3, 31, 12, 0)));
  assert_false(ref_leap_day(utc(2026, 6, 29, 23, 59) + 59));
  assert_false(ref_leap_day(utc(2026, 7, 1, 0, 0)));
  assert_false(ref_leap_day(utc(2026, 12, 30, 12, 0)));
  assert_false(ref_leap_day(utc(2027, 1, 1, 0, 0)));
  assert_false(ref_leap_day(utc(2026, 9, 30, 12, 0)));
}

struct fx {
  struct sim_world *w;
  struct sim_platform *client_host, *server_host;
  struct sim_server *server;
  struct refstate ref;
  struct ntp_server ntp;
  struct client *client;
  struct cmdsrv cmd;
};

/* A client synchronised for 120 s from `start` to a server announcing
 * `leap`, with its own NTP server and command server. */
static void start(struct fx *f, time_t start, uint8_t leap)
{
  struct timespec t0 = {.tv_sec = start};
  struct sim_link_params lan = {.delay = 100e-6, .jitter = 10e-6};
  struct sim_server_config cfg = {.leap = leap};
  struct client_params p;
  struct client_source_params s;
  memset(f, 0, sizeof(*f));
  f->w = sim_world_new(3, &t0);
  assert_int_equal(sim_net_set_default(sim_world_net(f->w), &lan), 0);
  f->client_host = sim_world_add_host(f->w, "client", "192.0.2.1", NULL);
  f->server_host = sim_world_add_host(f->w, "server", "192.0.2.11", NULL);
  f->server = sim_server_new(sim_world_sched(f->w), f->server_host, &cfg);
  assert_non_null(f->server);
  const struct platform *plat = sim_platform_get(f->client_host);
  ref_state_init(&f->ref, -20);
  srv_init(&f->ntp, plat, &f->ref);
  struct ip_subnet any = {0};
  assert_true(access_add(&f->ntp.access, &any, true, false));
  client_params_defaults(&p);
  p.control = false;
  f->client = client_new(plat, &p, &f->ref);
  assert_non_null(f->client);
  client_source_defaults(&s);
  assert_true(addr_parse("192.0.2.11", &s.addr));
  s.minpoll = s.maxpoll = 4;
  s.iburst = true;
  assert_true(client_add_source(f->client, &s) >= 0);
  cmdsrv_init(&f->cmd, plat, &f->ref, &f->ntp);
  f->cmd.client = f->client;
  client_start(f->client);
  assert_int_equal(sim_world_run(f->w, 120.0), 0);
  assert_true(f->ref.synchronised);
}

static void finish(struct fx *f)
{
  cmdsrv_free(&f->cmd);
  client_free(f->client);
  srv_free(&f->ntp);
  sim_server_free(f->server);
  sim_world_free(f->w);
}

/* chronyc tracking's leap status. */
static int tracking_leap(struct fx *f)
{
  uint8_t req[CMD_MAX_PACKET], out[CMD_MAX_PACKET];
  struct cmd_request q = {.command = CMD_TRACKING, .sequence = 1};
  struct cmd_reply r;
  size_t n = cmd_build_request(&q, req, sizeof(req));
  size_t m = cmdsrv_process(&f->cmd, req, n, true, out, sizeof(out));
  assert_true(cmd_parse_reply(out, m, &r));
  assert_int_equal(r.status, CMD_STT_SUCCESS);
  return r.data.tracking.leap_status;
}

/* The LI of our NTP server's reply to a client. */
static int served_leap(struct fx *f)
{
  uint8_t req[NTP_HEADER_LEN], reply[SRV_REPLY_MAX];
  struct ntp_header h = {.version = 4, .mode = NTP_MODE_CLIENT, .transmit = 42};
  struct ntp_packet p;
  ntp_header_encode(&h, req);
  struct plat_datagram dg = {.data = req, .len = sizeof(req), .from_port = 40000};
  assert_true(addr_parse("192.0.2.99", &dg.from));
  const struct platform *plat = sim_platform_get(f->client_host);
  plat->ops->now(plat->ctx, &dg.rx_time);
  ntp_packet_parse(req, sizeof(req), &p);
  size_t n = srv_process(&f->ntp, &dg, &p, reply, sizeof(reply));
  assert_int_equal(n, NTP_HEADER_LEN);
  assert_int_equal(ntp_packet_parse(reply, n, &p), NTP_PARSE_OK);
  return p.hdr.leap;
}

static void check_day(time_t day, uint8_t announced, int want)
{
  struct fx f;
  start(&f, day, announced);
  assert_int_equal(tracking_leap(&f), want);
  assert_int_equal(served_leap(&f), want);
  finish(&f);
}

static void test_insert_on_june_30(void **state)
{
  (void)state;
  check_day(utc(2027, 6, 30, 12, 0), NTP_LEAP_INSERT, NTP_LEAP_INSERT);
}

static void test_insert_on_december_31(void **state)
{
  (void)state;
  check_day(utc(2026, 12, 31, 12, 0), NTP_LEAP_INSERT, NTP_LEAP_INSERT);
  check_day(utc(2026, 12, 31, 12, 0), NTP_LEAP_DELETE, NTP_LEAP_DELETE);
}

/* The day: a server announcing a leap on December 6. */
static void test_ignored_on_december_6(void **state)
{
  (void)state;
  check_day(utc(2026, 12, 6, 12, 0), NTP_LEAP_INSERT, NTP_LEAP_NONE);
  check_day(utc(2026, 12, 6, 12, 0), NTP_LEAP_DELETE, NTP_LEAP_NONE);
}

/* The end of a quarter that is not June or December. */
static void test_ignored_on_march_31(void **state)
{
  (void)state;
  check_day(utc(2027, 3, 31, 12, 0), NTP_LEAP_INSERT, NTP_LEAP_NONE);
}

/* An announcement still heard after midnight is no longer taken. */
static void test_ends_at_midnight(void **state)
{
  (void)state;
  struct fx f;
  start(&f, utc(2026, 12, 31, 23, 56), NTP_LEAP_INSERT);
  assert_int_equal(tracking_leap(&f), NTP_LEAP_INSERT);
  assert_int_equal(sim_world_run(f.w, 240.0), 0);   /* 00:00, then an update */
  assert_int_equal(tracking_leap(&f), NTP_LEAP_NONE);
  assert_int_equal(served_leap(&f), NTP_LEAP_NONE);
  finish(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_leap_second_days),
    cmocka_unit_test(test_insert_on_june_30),
    cmocka_unit_test(test_insert_on_december_31),
    cmocka_unit_test(test_ignored_on_december_6),
    cmocka_unit_test(test_ignored_on_march_31),
    cmocka_unit_test(test_ends_at_midnight),
  };
  return cmocka_run_group_tests_name("leap_day", tests, NULL, NULL);
}
