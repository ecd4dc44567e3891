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

#include "sim_fixture.h"

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
  struct simfx net;
  struct ntp_server ntp;
  struct client *client;
  struct cmdsrv cmd;
};

/* A client synchronised for 120 s from `start` to a server announcing
 * `leap`, with its own NTP server and command server. */
static void start(struct fx *f, time_t start, uint8_t leap)
{
  struct client_params p;
  memset(f, 0, sizeof(*f));
  simfx_init(&f->net, &(struct simfx_opts){.seed = 3, .start = start,
                                           .server = {{.leap = leap}}});
  const struct platform *plat = simfx_platform(&f->net);
  client_params_defaults(&p);
  p.control = false;
  f->client = simfx_serving_client(&f->net, plat, &p, &f->ntp, &f->cmd);
}

static void finish(struct fx *f)
{
  simfx_serving_client_free(f->client, &f->ntp, &f->cmd);
  simfx_free(&f->net);
}

static void check_day(time_t day, uint8_t announced, int want)
{
  struct fx f;
  start(&f, day, announced);
  assert_int_equal(simfx_tracking(&f.cmd).leap_status, want);
  assert_int_equal(simfx_served(&f.ntp, simfx_platform(&f.net)).leap, want);
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
  assert_int_equal(simfx_tracking(&f.cmd).leap_status, NTP_LEAP_INSERT);
  assert_int_equal(sim_world_run(f.net.w, 240.0), 0);   /* 00:00, then an update */
  assert_int_equal(simfx_tracking(&f.cmd).leap_status, NTP_LEAP_NONE);
  assert_int_equal(simfx_served(&f.ntp, simfx_platform(&f.net)).leap, NTP_LEAP_NONE);
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
