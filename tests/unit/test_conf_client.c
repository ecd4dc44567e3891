/* conf/conf_client: the configuration as the client's parameters. Every
 * directive the client acts on reaches its field; defaults are the
 * client's own; a source line gives its name, its options, for peer the
 * symmetric mode, its family and for a pool maxsources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "conf/conf_client.h"
#include "conf/config.h"
#include "core/reference.h"
#include "core/query.h"
#include "core/refclock.h"

static void parse(struct config *c, const char *text)
{
  struct conf_diag d = {0};
  conf_init(c);
  conf_parse_text(c, text, strlen(text), "t.conf", &d);
  assert_int_equal(d.n_errors, 0);
  conf_diag_free(&d);
}

static void test_defaults_are_the_clients(void **state)
{
  (void)state;
  struct config c;
  struct client_params p, d;
  parse(&c, "");
  conf_client_params(&c, true, &p);
  client_params_defaults(&d);
  assert_memory_equal(&p, &d, sizeof(p));
  conf_client_params(&c, false, &p);
  assert_false(p.control);
  conf_free(&c);
}

static void test_every_directive_reaches_its_field(void **state)
{
  (void)state;
  struct config c;
  struct client_params p;
  parse(&c, "makestep 0.5 3\nlogchange 0.25\nmaxslewrate 1000\nmaxdrift 2000\n"
            "maxupdateskew 50\ncorrtimeratio 5\nmaxdistance 16\nmaxjitter 0.5\n"
            "minsources 2\ncombinelimit 2\nstratumweight 0.002\nreselectdist 0.0002\n"
            "maxchange 1000 1 2\nacquisitionport 1123\nmaxclockerror 5\nminstratum 2\n"
            "maxstratum 9\nauthselectmode prefer\nminsamples 8\nmaxsamples 20\n"
            "ntsrefresh 3600\n");
  conf_client_params(&c, true, &p);
  assert_true(p.makestep_threshold == 0.5 && p.makestep_limit == 3);
  assert_true(p.logchange == 0.25);
  assert_true(p.maxslewrate == 1000 && p.maxdrift == 2000 && p.maxupdateskew == 50);
  assert_true(p.corrtimeratio == 5);
  assert_true(p.ntsrefresh == 3600);
  assert_true(p.selection.max_distance == 16 && p.selection.max_jitter == 0.5);
  assert_int_equal(p.selection.min_sources, 2);
  assert_true(p.selection.combine_limit == 2 && p.selection.stratum_weight == 0.002);
  assert_true(p.selection.reselect_dist == 0.0002);
  assert_true(p.maxchange_offset == 1000);
  assert_int_equal(p.maxchange_start, 1);
  assert_int_equal(p.maxchange_ignore, 2);
  assert_int_equal(p.acquisitionport, 1123);
  assert_float_equal(p.selection.max_clock_error, 5e-6, 1e-15);
  assert_int_equal(p.selection.min_stratum, 2);
  assert_int_equal(p.selection.max_stratum, 9);
  assert_int_equal(p.auth_mode, SEL_AUTH_PREFER);
  assert_int_equal(p.min_samples, 8);
  assert_int_equal(p.max_samples, 20);
  assert_int_equal(p.bindacq[0].family, ADDR_UNSPEC);   /* not given */
  assert_int_equal(p.bindacq[1].family, ADDR_UNSPEC);
  conf_free(&c);
  parse(&c, "bindacqaddress 192.0.2.5\nbindacqaddress 2001:db8::5\n");
  conf_client_params(&c, true, &p);
  struct ip_addr a4, a6;
  assert_true(addr_parse("192.0.2.5", &a4) && addr_parse("2001:db8::5", &a6));
  assert_true(addr_equal(&p.bindacq[0], &a4) && addr_equal(&p.bindacq[1], &a6));
  static const char *const modes[] = {"require", "prefer", "mix", "ignore"};
  static const enum sel_auth_mode want[] = {SEL_AUTH_REQUIRE, SEL_AUTH_PREFER, SEL_AUTH_MIX,
                                            SEL_AUTH_IGNORE};
  for (unsigned i = 0; i < 4; i++) {
    char line[64];
    conf_free(&c);
    snprintf(line, sizeof(line), "authselectmode %s\n", modes[i]);
    parse(&c, line);
    conf_client_params(&c, true, &p);
    assert_int_equal(p.auth_mode, want[i]);
  }
  conf_free(&c);
}

static void test_source_lines(void **state)
{
  (void)state;
  struct config c;
  struct srclist_source s;
  struct client_source_params d;
  parse(&c, "server a.example maxsources 3\npeer 192.0.2.1 minpoll 4 key 7 xleave ipv6\n"
            "pool p.example iburst maxsources 2\n");
  client_source_defaults(&d);
  conf_srclist_source(&c.sources[0], &s);
  assert_string_equal(s.params.name, "a.example");
  assert_false(s.params.peer || s.pool);
  assert_int_equal(s.family, ADDR_UNSPEC);
  assert_int_equal(s.maxsources, 0);             /* a pool's option only */
  memset(s.params.name, 0, sizeof(s.params.name));
  assert_memory_equal(&s.params, &d, sizeof(d));

  conf_srclist_source(&c.sources[1], &s);
  assert_string_equal(s.params.name, "192.0.2.1");
  assert_true(s.params.peer && s.params.xleave);
  assert_int_equal(s.params.minpoll, 4);
  assert_int_equal(s.params.key, 7);
  assert_int_equal(s.params.addr.family, ADDR_UNSPEC);   /* resolving is the core's */
  assert_int_equal(s.family, ADDR_INET6);

  conf_srclist_source(&c.sources[2], &s);
  assert_string_equal(s.params.name, "p.example");
  assert_true(s.params.iburst && !s.params.peer && s.pool);
  assert_int_equal(s.maxsources, 2);
  conf_free(&c);
}

/* A server line as stratumd -q queries it, at an address given apart. */
static void test_query_server(void **state)
{
  (void)state;
  struct config c;
  struct query_server q;
  struct ip_addr a;
  parse(&c, "server a.example port 124 key 5 version 3 minpoll 4\n");
  assert_true(addr_parse("192.0.2.9", &a));
  conf_query_server(&c.sources[0], &a, &q);
  assert_string_equal(q.name, "a.example");
  assert_true(addr_equal(&q.addr, &a));
  assert_int_equal(q.port, 124);
  assert_int_equal(q.key, 5);
  assert_int_equal(q.version, 3);
  assert_int_equal(q.poll, 4);
  assert_int_equal(q.good_needed, 0);             /* QUERY_GOOD_SAMPLES */
  assert_int_equal(q.sock, -1);
  assert_null(q.nts);
  assert_int_equal(q.sent + q.valid, 0);
  conf_free(&c);
  parse(&c, "server a.example maxsamples 1\nserver b.example maxsamples 8\n");
  conf_query_server(&c.sources[0], &a, &q);
  assert_int_equal(q.good_needed, 1);
  conf_query_server(&c.sources[1], &a, &q);
  assert_int_equal(q.good_needed, 0);
  conf_free(&c);
}

/* The client log's parameters: on unless noclientlog, its limit and the
 * rate limits; the seed as given. */
static void test_clog_params(void **state)
{
  (void)state;
  struct config c;
  parse(&c, "clientloglimit 1048576\nratelimit interval 4 burst 16\n");
  struct clog_params p = conf_clog_params(&c, 99);
  assert_true(p.active);
  assert_int_equal(p.limit, 1048576);
  assert_int_equal(p.seed, 99);
  assert_true(p.rate[CLOG_NTP].enabled && !p.rate[CLOG_CMD].enabled);
  assert_int_equal(p.rate[CLOG_NTP].interval, 4);
  conf_free(&c);
  parse(&c, "noclientlog\n");
  assert_false(conf_clog_params(&c, 1).active);
  conf_free(&c);
}

/* refclock lines as the core's refclocks: chronyd's default refids by
 * position, every option, SHM's perm, and the driver options refused. */
static void test_refclock_lines(void **state)
{
  (void)state;
  struct config c;
  struct rcl_params p;
  char err[160];
  parse(&c, "refclock SHM 0 poll 3 dpoll -2 filter 8 offset 0.5 delay 0.2 prefer\n"
            "refclock SOCK /run/gps.sock refid GPS lock PPS0 stratum 2 noselect\n"
            "refclock RTC /dev/rtc0\n"
            "refclock SHM 1:perm=0644 rate 4 width 0.1 maxdispersion 0.3 pps trust require\n"
            "refclock SOCK /x:perm=0644\n"
            "refclock SHM 2:perm=9\n"
            "refclock PPS /dev/pps1:clear lock GPS\n"
            "refclock PHC /dev/ptp0:nocrossts:extpps:pin=1:channel=2:clear\n"
            "refclock PPS /dev/pps1:nocrossts\n"
            "refclock PHC eth0:pin\n"
            "refclock RTC /dev/rtc1:utc\n"
            "refclock RTC /dev/rtc1:clear\n"
            "refclock PHC /dev/ptp1:extpps:pin=x\n"
            "refclock PHC /dev/ptp1:extpps:channel=-1\n"
            "refclock PHC /dev/ptp1:extpps:pin=-1\n");
  assert_int_equal(c.n_refclocks, 15);
  assert_true(conf_refclock_params(&c.refclocks[0], 0, &p, err, sizeof(err)));
  assert_int_equal(p.driver, PLAT_REFCLOCK_SHM);
  assert_string_equal(p.param, "0");
  assert_int_equal(p.refid, 0x53484d30);   /* "SHM0" */
  assert_int_equal(p.poll, 3);
  assert_int_equal(p.dpoll, -2);
  assert_int_equal(p.filter, 8);
  assert_true(p.offset == 0.5 && p.delay == 0.2 && p.prefer && !p.noselect);
  assert_int_equal(p.option, 0600);
  assert_true(conf_refclock_params(&c.refclocks[1], 1, &p, err, sizeof(err)));
  assert_int_equal(p.driver, PLAT_REFCLOCK_SOCK);
  assert_string_equal(p.param, "/run/gps.sock");
  assert_int_equal(p.refid, 0x47505300);   /* "GPS" */
  assert_int_equal(p.lock_refid, 0x50505330);
  assert_true(p.stratum == 2 && p.noselect);
  assert_true(conf_refclock_params(&c.refclocks[2], 2, &p, err, sizeof(err)));
  assert_int_equal(p.driver, PLAT_REFCLOCK_RTC);
  assert_int_equal(p.option, 0);
  assert_int_equal(p.refid, 0x52544332);   /* "RTC2" */
  assert_true(conf_refclock_params(&c.refclocks[3], 3, &p, err, sizeof(err)));
  assert_int_equal(p.refid, 0x53484d33);   /* "SHM3": numbered among all lines */
  assert_int_equal(p.option, 0644);
  assert_true(p.rate == 4 && p.width == 0.1 && p.maxdispersion == 0.3);
  assert_true(p.pps && p.trust && p.require);
  assert_false(conf_refclock_params(&c.refclocks[4], 4, &p, err, sizeof(err)));
  assert_string_equal(err, "Invalid refclock driver option perm=0644");
  assert_false(conf_refclock_params(&c.refclocks[5], 5, &p, err, sizeof(err)));
  assert_string_equal(err, "Invalid refclock driver option perm=9");
  assert_true(conf_refclock_params(&c.refclocks[6], 6, &p, err, sizeof(err)));
  assert_int_equal(p.driver, PLAT_REFCLOCK_PPS);
  assert_string_equal(p.param, "/dev/pps1");
  assert_int_equal(p.option, PLAT_PPS_CLEAR);
  assert_int_equal(p.refid, 0x50505336);   /* "PPS6" */
  assert_true(conf_refclock_params(&c.refclocks[7], 7, &p, err, sizeof(err)));
  assert_int_equal(p.driver, PLAT_REFCLOCK_PHC);
  assert_string_equal(p.param, "/dev/ptp0");
  assert_int_equal(p.option, PLAT_PHC_NOCROSSTS | PLAT_PHC_EXTPPS);
  assert_true(p.pin == 1 && p.channel == 2 && p.extts_falling);
  assert_false(conf_refclock_params(&c.refclocks[8], 8, &p, err, sizeof(err)));
  assert_string_equal(err, "Invalid refclock driver option nocrossts");
  assert_false(conf_refclock_params(&c.refclocks[9], 9, &p, err, sizeof(err)));
  assert_string_equal(err, "Invalid refclock driver option pin");
  assert_true(conf_refclock_params(&c.refclocks[10], 10, &p, err, sizeof(err)));
  assert_int_equal(p.option, PLAT_RTC_UTC);
  assert_false(conf_refclock_params(&c.refclocks[11], 11, &p, err, sizeof(err)));
  assert_string_equal(err, "Invalid refclock driver option clear");
  assert_false(conf_refclock_params(&c.refclocks[12], 12, &p, err, sizeof(err)));
  assert_string_equal(err, "Invalid refclock driver option pin=x");
  assert_false(conf_refclock_params(&c.refclocks[13], 13, &p, err, sizeof(err)));
  assert_string_equal(err, "Invalid refclock driver option channel=-1");
  /* A negative pin: its function left alone, as chronyd. */
  assert_true(conf_refclock_params(&c.refclocks[14], 14, &p, err, sizeof(err)));
  assert_true(p.pin == -1 && p.channel == 0 && !p.extts_falling);
  assert_int_equal(rcl_default_refid(PLAT_REFCLOCK_SHM, 10), 0x53483130);   /* "SH10" */
  conf_free(&c);
}

/* The refclock line checked against the rest of the configuration. */
static void test_refclock_in_its_configuration(void **state)
{
  (void)state;
  static const struct {
    const char *text, *err;       /* err NULL: accepted */
  } cases[] = {
    {"refclock RTC /dev/rtc0\n", NULL},
    {"refclock RTC /dev/rtc0\nrtcsync\n",
     "RTC refclock cannot be used together with rtcsync or rtcfile"},
    {"refclock RTC /dev/rtc0\nrtcfile /var/lib/rtc\n",
     "RTC refclock cannot be used together with rtcsync or rtcfile"},
    {"refclock SHM 0\nrtcsync\n", NULL},
    {"refclock SOCK /run/x.sock tai\n", "refclock tai option requires leapseclist or leapsectz"},
    {"refclock SOCK /run/x.sock tai\nleapsectz right/UTC\n", NULL},
    {"refclock SOCK /run/x.sock tai\nleapseclist /usr/share/zoneinfo/leap-seconds.list\n",
     NULL},
    {"refclock SOCK /x:perm=0644\n", "Invalid refclock driver option perm=0644"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct config c;
    struct rcl_params p, q;
    char err[160] = "";
    parse(&c, cases[i].text);
    bool ok = conf_client_refclock(&c, 0, &p, err, sizeof(err));
    if (cases[i].err) {
      assert_false(ok);
      assert_string_equal(err, cases[i].err);
    } else {
      assert_true(ok);
      assert_true(conf_refclock_params(&c.refclocks[0], 0, &q, err, sizeof(err)));
      assert_memory_equal(&p, &q, sizeof(p));
    }
    conf_free(&c);
  }
}

/* precision: clockprecision, else what was measured; local (its options,
 * unsynchronised from the start given); smoothtime. */
static void test_reference(void **state)
{
  (void)state;
  struct config c;
  struct refstate r;
  const struct timespec t0 = {.tv_sec = 1700000000};
  parse(&c, "");
  conf_reference(&c, -23, &t0, &r);
  assert_int_equal(r.precision_log2, -23);
  assert_false(r.local.enabled);
  assert_false(r.smooth.enabled);
  conf_free(&c);
  parse(&c, "clockprecision 1e-6\nlocal stratum 7 orphan distance 0.5 activate 0.1 "
            "waitsynced 20\nsmoothtime 400 0.001 leaponly\n");
  conf_reference(&c, -23, &t0, &r);
  assert_int_equal(r.precision_log2, ref_precision_log2(1e-6));
  assert_true(r.local.enabled && r.local.orphan);
  assert_int_equal(r.local.stratum, 7);
  assert_true(r.local.distance == 0.5 && r.local.activate == 0.1);
  assert_true(r.local.wait_synced == 20.0 && r.local.wait_unsynced == 300.0);
  assert_true(r.unsync_since.tv_sec == t0.tv_sec && r.unsync_since.tv_nsec == 0);
  struct smooth expected;
  smooth_init(&expected, 400, 0.001, true);
  assert_true(r.smooth.enabled && r.smooth.leap_only);
  assert_true(r.smooth.max_freq == expected.max_freq &&
              r.smooth.max_wander == expected.max_wander);
  conf_free(&c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_refclock_in_its_configuration),
    cmocka_unit_test(test_reference),
    cmocka_unit_test(test_defaults_are_the_clients),
    cmocka_unit_test(test_every_directive_reaches_its_field),
    cmocka_unit_test(test_source_lines),
    cmocka_unit_test(test_query_server),
    cmocka_unit_test(test_clog_params),
    cmocka_unit_test(test_refclock_lines),
  };
  return cmocka_run_group_tests_name("conf_client", tests, NULL, NULL);
}
