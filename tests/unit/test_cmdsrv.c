/* cmdsrv: chrony's command requests answered from a client that polls three
 * simulated servers (one a falseticker); who may ask what; replies never longer than requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/cmdsrv.h"
#include "sim/sim_refclock.h"
#include "sim_fixture.h"

#define N_SERVERS 3

struct fx {
  struct simfx net;
  struct ntp_server ntp;
  struct client *client;
  struct cmdsrv srv;
  uint32_t seq;
  int shutdowns;
  int reloads;                  /* 1 a reload, 10 a dry run */
};

/* Server 0 (192.0.2.11) is 10 ms ahead of true time, servers 1 and 2 exact. */
static int setup(void **state)
{
  static struct fx f;
  memset(&f, 0, sizeof(f));
  simfx_init(&f.net, &(struct simfx_opts){.n_servers = N_SERVERS,
                                          .server_clock = {{.offset = 0.01}}});
  const struct platform *plat = simfx_platform(&f.net);
  srv_init(&f.ntp, plat, &f.net.ref);
  struct client_params p = simfx_client_params();
  f.client = client_new(plat, &p, &f.net.ref);
  for (unsigned i = 0; i < N_SERVERS; i++) {
    struct client_source_params s = simfx_source(&f.net, i, 4);
    s.iburst = true;
    snprintf(s.name, sizeof(s.name), "ntp%u.example", i);
    assert_true(client_add_source(f.client, &s) >= 0);
  }
  cmdsrv_init(&f.srv, plat, &f.net.ref, &f.ntp);
  f.srv.client = f.client;
  *state = &f;
  return 0;
}

static int teardown(void **state)
{
  struct fx *f = *state;
  cmdsrv_free(&f->srv);
  client_free(f->client);
  srv_free(&f->ntp);
  simfx_free(&f->net);
  return 0;
}

/* Send q (local or over UDP) and decode the reply; returns its status. */
static int ask(struct fx *f, struct cmd_request *q, bool local, struct cmd_reply *r)
{
  uint8_t req[CMD_MAX_PACKET], out[CMD_MAX_PACKET];
  q->sequence = ++f->seq;
  size_t n = cmd_build_request(q, req, sizeof(req));
  assert_true(n > 0);
  size_t m = cmdsrv_process(&f->srv, req, n, local, out, sizeof(out));
  assert_true(m > 0 && m <= n);
  assert_true(cmd_parse_reply(out, m, r));
  assert_int_equal(r->sequence, f->seq);
  assert_int_equal(r->command, q->command);
  return r->status;
}

static struct cmd_request request(uint16_t command)
{
  struct cmd_request q;
  memset(&q, 0, sizeof(q));
  q.command = command;
  return q;
}

static void test_reports_of_a_synchronised_client(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  client_start(f->client);
  simfx_run_until(&f->net, 300.0);

  struct cmd_request q = request(CMD_TRACKING);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.reply, CMD_RPY_TRACKING);
  assert_int_equal(r.data.tracking.leap_status, 0);
  assert_true(r.data.tracking.stratum >= 2);
  assert_int_equal(r.data.tracking.ip.family, CMD_IP_INET4);
  assert_true(r.data.tracking.ref_time.tv_sec > 1700000000);
  assert_true(r.data.tracking.skew_ppm > 0.0);

  q = request(CMD_N_SOURCES);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.n_sources, N_SERVERS);

  int selected = 0, falsetickers = 0;
  for (uint32_t i = 0; i < N_SERVERS; i++) {
    q = request(CMD_SOURCE_DATA);
    q.data.index = i;
    assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
    assert_int_equal(r.data.source_data.ip.family, CMD_IP_INET4);
    assert_int_equal(r.data.source_data.ip.bytes[3], 11 + i);
    assert_int_equal(r.data.source_data.poll, 4);
    assert_int_equal(r.data.source_data.reachability, 0xff);
    assert_true(r.data.source_data.since_sample <= 17);
    assert_true(r.data.source_data.latest_meas_err > 0.0);
    selected += r.data.source_data.state == CMD_SD_SELECTED;
    falsetickers += r.data.source_data.state == CMD_SD_FALSETICKER;
    if (i == 0)
      assert_int_equal(r.data.source_data.state, CMD_SD_FALSETICKER);

    q = request(CMD_SOURCESTATS);
    q.data.index = i;
    assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
    assert_true(r.data.sourcestats.n_samples >= 3);
    assert_true(r.data.sourcestats.span_seconds > 100);

    q = request(CMD_SELECT_DATA);
    q.data.index = i;
    assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
    assert_true(r.data.select_data.lo_limit < r.data.select_data.hi_limit);
    assert_true(r.data.select_data.score >= 1.0);
  }
  assert_int_equal(selected, 1);
  assert_int_equal(falsetickers, 1);

  q = request(CMD_SOURCE_DATA);
  q.data.index = N_SERVERS;
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_NOSUCHSOURCE);
  assert_int_equal(r.reply, CMD_RPY_NULL);

  q = request(CMD_NTP_SOURCE_NAME);
  q.data.ip = cmdsrv_ip_from_addr(&f->net.addrs[1]);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
  assert_string_equal(r.data.name, "ntp1.example");

  q = request(CMD_NTP_DATA);
  q.data.ip = cmdsrv_ip_from_addr(&f->net.addrs[1]);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.ntp_data.mode, 4);
  assert_int_equal(r.data.ntp_data.version, 4);
  assert_int_equal(r.data.ntp_data.flags & CMD_NTP_FLAGS_TESTS, CMD_NTP_FLAGS_TESTS);
  assert_true(r.data.ntp_data.total_tx_count >= r.data.ntp_data.total_valid_count);
  assert_true(r.data.ntp_data.total_valid_count >= r.data.ntp_data.total_good_count);
  assert_true(r.data.ntp_data.total_good_count > 10);
  assert_true(fabs(r.data.ntp_data.peer_delay - 200e-6) < 100e-6);

  q = request(CMD_AUTH_DATA);
  q.data.ip = cmdsrv_ip_from_addr(&f->net.addrs[0]);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.auth_data.mode, 0);

  q = request(CMD_ACTIVITY);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.activity.online, N_SERVERS);
  assert_int_equal(r.data.activity.offline, 0);
}

/* chrony's signs: a server 10 ms ahead means the local clock is behind it,
 * a negative offset in chronyc sources. */
/* chronyd reports no skew, residual frequency or reference address without
 * a reference, and root dispersion 1 s unsynchronised, 0 with `local`. */
static void test_tracking_without_a_reference(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  struct cmd_request q = request(CMD_TRACKING);
  for (int local = 0; local < 2; local++) {
    struct timespec now = {0};
    ref_set_local(&f->net.ref,
                  &(struct ref_local){.enabled = local, .stratum = 5, .distance = 1.0}, &now);
    assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
    assert_true(r.data.tracking.skew_ppm == 0.0);
    assert_true(r.data.tracking.resid_freq_ppm == 0.0);
    assert_int_equal(r.data.tracking.ip.family, CMD_IP_UNSPEC);
    assert_int_equal(r.data.tracking.stratum, local ? 5 : 0);
    assert_true(r.data.tracking.root_dispersion == (local ? 0.0 : 1.0));
  }
}

static void test_offset_sign_is_chronys(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  client_start(f->client);
  simfx_run_until(&f->net, 1.0);               /* the first iburst samples, before any update */
  struct cmd_request q = request(CMD_SOURCE_DATA);
  q.data.index = 0;
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
  assert_true(fabs(r.data.source_data.orig_latest_meas + 0.01) < 1e-3);
  q.data.index = 1;
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
  assert_true(fabs(r.data.source_data.orig_latest_meas) < 1e-3);
}

static void test_udp_gets_only_monitoring(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  static const uint16_t local_only[] = {
    CMD_SERVER_STATS, CMD_NTP_DATA, CMD_SELECT_DATA, CMD_AUTH_DATA, CMD_BURST, CMD_MAKESTEP,
    CMD_ONLINE, CMD_OFFLINE, CMD_ADD_SOURCE, CMD_DEL_SOURCE, CMD_SHUTDOWN, CMD_RELOAD_SOURCES,
    CMD_DUMP, CMD_ALLOW, CMD_CMDALLOW, CMD_LOCAL2, CMD_RESET_SOURCES,
    CMD_CLIENT_ACCESSES_BY_INDEX3, CMD_ST_RELOAD_CONFIG, CMD_ST_RELOAD_REPORT};
  for (size_t i = 0; i < sizeof(local_only) / sizeof(local_only[0]); i++) {
    struct cmd_request q = request(local_only[i]);
    assert_int_equal(ask(f, &q, false, &r), CMD_STT_UNAUTH);
  }
  /* the same over the Unix socket */
  struct cmd_request q = request(CMD_SERVER_STATS);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.reply, CMD_RPY_SERVER_STATS4);   /* chronyc 4.8's length */
  assert_true(r.data.server_stats.cmd_hits >= 1);
  /* opencommands can open a report */
  f->srv.open |= CMDSRV_OPEN_SERVERSTATS;
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
  f->srv.open = 0;
  q = request(CMD_TRACKING);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_UNAUTH);
  /* as chronyd 4.8: the reports that walk the sources (ntpdata without an
   * address too) open the count of sources */
  static const uint32_t walking[] = {CMDSRV_OPEN_SOURCES, CMDSRV_OPEN_SOURCESTATS,
                                     CMDSRV_OPEN_SELECTDATA, CMDSRV_OPEN_AUTHDATA,
                                     CMDSRV_OPEN_NTPDATA};
  q = request(CMD_N_SOURCES);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_UNAUTH);
  for (size_t i = 0; i < sizeof(walking) / sizeof(walking[0]); i++) {
    f->srv.open = walking[i];
    assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
  }
  f->srv.open = CMDSRV_OPEN_TRACKING;
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_UNAUTH);
}

static void test_commands(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  client_start(f->client);
  struct cmd_request q = request(CMD_OFFLINE);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);          /* all sources */
  q = request(CMD_ACTIVITY);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.activity.offline + r.data.activity.burst_offline, N_SERVERS);
  q = request(CMD_ONLINE);
  q.data.subnet.address = cmdsrv_ip_from_addr(&f->net.addrs[0]);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  q = request(CMD_ACTIVITY);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.activity.online + r.data.activity.burst_online, 1);
  /* a burst on an address that is no source */
  struct ip_addr other;
  addr_parse("198.51.100.1", &other);
  q = request(CMD_BURST);
  q.data.subnet.address = cmdsrv_ip_from_addr(&other);
  q.data.subnet.n_good = 2;
  q.data.subnet.n_total = 4;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_NOSUCHSOURCE);
  q.data.subnet.address = cmdsrv_ip_from_addr(&f->net.addrs[0]);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  q = request(CMD_ACTIVITY);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.activity.burst_online, 1);
  assert_int_equal(r.data.activity.offline + r.data.activity.burst_offline, N_SERVERS - 1);
  /* makestep needs control of the clock, which this client has not */
  q = request(CMD_MAKESTEP);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_FAILED);
  /* modify a source */
  q = request(CMD_MODIFY_MAXPOLL);
  q.data.modify.address = cmdsrv_ip_from_addr(&other);
  q.data.modify.ivalue = 6;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_NOSUCHSOURCE);
  /* daemon actions without a handler, then with one */
  q = request(CMD_SHUTDOWN);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_NOTENABLED);
  f->srv.ops.shutdown = NULL;
  q = request(CMD_RTCREPORT);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_NORTC);
}

/* doffset and dfreq act as chronyd's (LCL_AccumulateOffset,
 * LCL_AccumulateDeltaFrequency), in its sign convention: doffset -0.01 (the
 * clock 10 ms behind) slews it ahead, dfreq 2 (2 ppm fast) slows it; both
 * from the Unix socket only. */
static void test_doffset_dfreq(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  struct reference *ref = client_reference(f->client);
  struct cmd_request q = request(CMD_DOFFSET2);
  q.data.value = -0.01;
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_UNAUTH);   /* not over UDP */
  double remaining = disc_remaining(ref->disc);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_true(fabs(disc_remaining(ref->disc) - remaining - 0.01) < 1e-9);
  double freq = disc_base_freq(ref->disc);
  q = request(CMD_DFREQ);
  q.data.value = 2.0;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_true(fabs(disc_base_freq(ref->disc) - (freq - 2.0 * (1.0 + freq * 1e-6))) < 1e-9);
}

/* settime, manual on|off|reset, list and delete (chronyd's manual.c
 * through cmdmon.c): refused while off, the entry slewed into the clock,
 * the list's offsets moved with it, only from the Unix socket. */
static void test_manual(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  static struct manual m;   /* the clock's listener until the teardown */
  struct reference *ref = client_reference(f->client);
  struct cmd_request q = request(CMD_SETTIME);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_NOTENABLED);       /* no manual mode here */
  manual_init(&m, false);
  assert_true(disc_add_listener(ref->disc, manual_clock_changed, &m));
  f->srv.manual = &m;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_NOTENABLED);       /* manual off */
  q = request(CMD_MANUAL);
  q.data.option = 3;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_INVALID);
  q.data.option = 1;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_true(m.enabled);

  /* the clock 5 s behind the time given */
  struct timespec now;
  disc_cooked_time(ref->disc, &now);
  q = request(CMD_SETTIME);
  q.data.time = (struct timespec){.tv_sec = now.tv_sec + 5, .tv_nsec = now.tv_nsec};
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_UNAUTH);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.reply, CMD_RPY_MANUAL_TIMESTAMP2);
  assert_true(fabs(r.data.manual_timestamp.offset + 5.0) < 1e-6);
  assert_true(r.data.manual_timestamp.dfreq_ppm == 0.0);
  assert_true(fabs(disc_remaining(ref->disc) - 5.0) < 1e-6);       /* to be slewed */
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_FAILED);            /* too soon after */
  assert_false(f->net.ref.synchronised);

  simfx_run_until(&f->net, 100.0);
  disc_cooked_time(ref->disc, &now);
  q.data.time = now;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  q = request(CMD_MANUAL_LIST);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);          /* a monitoring request */
  assert_int_equal(r.data.manual_list.n_samples, 2);
  const struct cmd_rpy_manual_sample *x = r.data.manual_list.samples;
  assert_true(fabs(x[0].orig_offset + 5.0) < 1e-6);
  assert_true(fabs(x[0].slewed_offset) < 1e-6);       /* the correction moved it */
  assert_true(fabs(x[1].orig_offset) < 1e-6);

  q = request(CMD_MANUAL_DELETE);
  q.data.option = 2;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_BADSAMPLE);
  q.data.option = 0;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  q = request(CMD_MANUAL);
  q.data.option = 2;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  q = request(CMD_MANUAL_LIST);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.manual_list.n_samples, 0);
  q = request(CMD_MANUAL);
  q.data.option = 0;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  q = request(CMD_SETTIME);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_NOTENABLED);
}

static int saves;

static bool count_save(void *arg, const struct rtct_coefs *c)
{
  (void)arg;
  saves += c->valid;
  return saves < 2;          /* the second save fails: writertc says so */
}

/* rtcdata, trimrtc and writertc with rtcfile's tracking (a simulated RTC
 * 5 s fast, gaining 50 ppm): chronyd's report, its statuses. */
static void test_rtc(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  static struct rtctrack rtc;
  struct reference *ref = client_reference(f->client);
  struct sim_refclock_config dev = {.driver = PLAT_REFCLOCK_RTC, .param = "/dev/rtc",
                                    .freq = 50.0, .rtc_error = 5.0, .jitter = 1e-5, .seed = 3};
  assert_non_null(sim_refclock_new(sim_world_sched(f->net.w), f->net.client_host, &dev));
  struct rtct_params p = {.device = "/dev/rtc", .utc = true, .save = count_save};
  assert_true(rtct_start(&rtc, simfx_platform(&f->net), ref->disc, &f->net.ref, &p));
  assert_true(disc_add_listener(ref->disc, rtct_clock_changed, &rtc));
  f->srv.rtc = &rtc;
  saves = 0;
  struct cmd_request q = request(CMD_WRITERTC);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);   /* nothing valid: kept */
  assert_int_equal(saves, 0);
  simfx_run_until(&f->net, 1000.0);
  q = request(CMD_RTCREPORT);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);  /* a monitoring request */
  assert_int_equal(r.reply, CMD_RPY_RTC);
  assert_true(r.data.rtc.n_samples >= 6 && r.data.rtc.span_seconds > 500);
  assert_true(fabs(r.data.rtc.rtc_gain_rate_ppm - 50.0) < 0.5);
  assert_true(fabs(r.data.rtc.rtc_seconds_fast - (5.0 + 50e-6 * 1000)) < 0.01);
  assert_true(r.data.rtc.ref_time.tv_sec > SIMFX_START + 500);
  q = request(CMD_WRITERTC);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_UNAUTH);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_BADRTCFILE);
  q = request(CMD_TRIMRTC);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  simfx_run_until(&f->net, 1020.0);
  q = request(CMD_RTCREPORT);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_true(fabs(r.data.rtc.rtc_seconds_fast) < 1.0);     /* trimmed */
  rtct_stop(&rtc);
  f->srv.rtc = NULL;
}

/* What chronyc sends for "inf" and "-inf", the largest Floats: taken as
 * chronyd takes them, and the client goes on synchronising. */
static void test_largest_values(void **state)
{
  static const uint16_t per_source[] = {CMD_MODIFY_MAXDELAY, CMD_MODIFY_MAXDELAYRATIO,
                                        CMD_MODIFY_MAXDELAYDEVRATIO};
  static const uint16_t global[] = {CMD_MODIFY_MAXUPDATESKEW, CMD_RESELECTDISTANCE};
  struct fx *f = *state;
  struct cmd_reply r;
  client_start(f->client);
  simfx_run_until(&f->net, 100.0);
  for (int sign = -1; sign <= 1; sign += 2) {
    double v = cmd_float_decode(cmd_float_encode(sign * INFINITY));
    for (size_t i = 0; i < sizeof(per_source) / sizeof(per_source[0]); i++) {
      struct cmd_request q = request(per_source[i]);
      q.data.modify.address = cmdsrv_ip_from_addr(&f->net.addrs[1]);
      q.data.modify.fvalue = v;
      assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
    }
    for (size_t i = 0; i < sizeof(global) / sizeof(global[0]); i++) {
      struct cmd_request q = request(global[i]);
      q.data.value = v;
      assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
    }
    struct cmd_request q = request(CMD_MODIFY_MAKESTEP);
    q.data.makestep.threshold = v;
    q.data.makestep.limit = 3;
    assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
    q = request(CMD_LOCAL2);
    q.data.local = (struct cmd_req_local){.on_off = 1, .stratum = 10, .distance = v};
    assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
    simfx_run_until(&f->net, sign < 0 ? 400.0 : 700.0);
  }
  for (uint32_t i = 0; i < N_SERVERS; i++) {
    struct cmd_request q = request(CMD_SOURCESTATS);
    q.data.index = i;
    assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  }
  struct cmd_request q = request(CMD_TRACKING);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
}

static int count_shutdown(void *arg)
{
  ((struct fx *)arg)->shutdowns++;
  return CMD_STT_SUCCESS;
}

static void test_ops_are_called(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  f->srv.ops.shutdown = count_shutdown;
  f->srv.ops.arg = f;
  struct cmd_request q = request(CMD_SHUTDOWN);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_int_equal(f->shutdowns, 1);
}

static int fake_reload(void *arg, bool dry_run)
{
  struct fx *f = arg;
  f->reloads += dry_run ? 10 : 1;
  return dry_run ? CMD_STT_SUCCESS : CMD_STT_FAILED;
}

static bool fake_report(void *arg, uint32_t index, uint32_t *total, char *text, size_t size)
{
  (void)arg;
  *total = 2;
  snprintf(text, size, "line %u", index);
  return index < 2;
}

/* Stratum's reload: the option says dry run, the status is the op's; the
 * report's lines come with their count, and past the end is invalid. */
static void test_reload_ops(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  struct cmd_request q = request(CMD_ST_RELOAD_CONFIG);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_NOTENABLED);
  f->srv.ops.reload_config = fake_reload;
  f->srv.ops.reload_report = fake_report;
  f->srv.ops.arg = f;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_FAILED);
  q.data.option = 1;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_int_equal(f->reloads, 11);
  q = request(CMD_ST_RELOAD_REPORT);
  q.data.index = 1;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.reply, CMD_RPY_ST_TEXT);
  assert_int_equal(r.data.text.total, 2);
  assert_string_equal(r.data.text.text, "line 1");
  q.data.index = 2;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_INVALID);
}

static void test_access_commands(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  struct ip_addr net, in, out;
  addr_parse("10.0.0.0", &net);
  addr_parse("10.1.2.3", &in);
  addr_parse("11.1.2.3", &out);
  struct cmd_request q = request(CMD_ACCHECK);
  q.data.ip = cmdsrv_ip_from_addr(&in);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_ACCESSDENIED);
  q = request(CMD_ALLOW);
  q.data.allow.ip = cmdsrv_ip_from_addr(&net);
  q.data.allow.subnet_bits = 8;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  q = request(CMD_ACCHECK);
  q.data.ip = cmdsrv_ip_from_addr(&in);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_ACCESSALLOWED);
  q.data.ip = cmdsrv_ip_from_addr(&out);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_ACCESSDENIED);
  q = request(CMD_ALLOW);
  q.data.allow.ip = cmdsrv_ip_from_addr(&net);
  q.data.allow.subnet_bits = 33;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_BADSUBNET);
  /* cmdallow: localhost only by default */
  q = request(CMD_CMDACCHECK);
  q.data.ip = cmdsrv_ip_from_addr(&in);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_ACCESSDENIED);
  addr_parse("127.0.0.1", &in);
  q.data.ip = cmdsrv_ip_from_addr(&in);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_ACCESSALLOWED);
}

/* Requests from outside cmdallow get nothing, from localhost a reply. */
static void test_udp_access(void **state)
{
  struct fx *f = *state;
  uint8_t req[CMD_MAX_PACKET];
  struct cmd_request q = request(CMD_TRACKING);
  size_t n = cmd_build_request(&q, req, sizeof(req));
  struct plat_datagram dg = {.data = req, .len = n, .from_port = 40000};
  addr_parse("192.0.2.99", &dg.from);
  uint64_t drops = f->srv.drops;
  cmdsrv_receive(&f->srv, 5, &dg);
  assert_int_equal(f->srv.drops, drops + 1);
  assert_int_equal(f->srv.hits, 0);
  addr_parse("127.0.0.1", &dg.from);
  cmdsrv_receive(&f->srv, 5, &dg);
  assert_int_equal(f->srv.hits, 1);
}

/* chronyc 4.8's `local stratum 8 orphan distance 0.5 activate 1e-3
 * waitsynced 100 waitunsynced 300`, laid out as its candm.h has it
 * (REQ_LOCAL3: a 20-byte header, then seven 32-bit fields), not through
 * our encoder: all of it reaches the reference. */
static void test_local3_from_chronyc_48(void **state)
{
  struct fx *f = *state;
  uint8_t req[48], out[CMD_MAX_PACKET];
  struct wire_writer w;
  wire_writer_init(&w, req, sizeof(req));
  wire_put_u8(&w, CMD_PROTO_VERSION);
  wire_put_u8(&w, CMD_PKT_REQUEST);
  wire_put_u16(&w, 0);                       /* res1, res2 */
  wire_put_u16(&w, 74);                      /* REQ_LOCAL3 */
  wire_put_u16(&w, 0);                       /* attempt */
  wire_put_u32(&w, 77);                      /* sequence */
  wire_put_u32(&w, 0);
  wire_put_u32(&w, 0);
  wire_put_u32(&w, 1);                       /* on_off */
  wire_put_u32(&w, 8);                       /* stratum */
  wire_put_u32(&w, cmd_float_encode(0.5));   /* distance */
  wire_put_u32(&w, 1);                       /* orphan */
  wire_put_u32(&w, cmd_float_encode(1e-3));  /* activate */
  wire_put_u32(&w, cmd_float_encode(100.0)); /* wait_synced */
  wire_put_u32(&w, cmd_float_encode(300.0)); /* wait_unsynced */
  assert_int_equal(w.pos, sizeof(req));
  size_t m = cmdsrv_process(&f->srv, req, sizeof(req), true, out, sizeof(out));
  struct cmd_reply r;
  assert_true(m > 0 && cmd_parse_reply(out, m, &r));
  assert_int_equal(r.status, CMD_STT_SUCCESS);
  assert_int_equal(r.command, 74);
  assert_int_equal(r.reply, CMD_RPY_NULL);
  const struct ref_local *l = &f->net.ref.local;
  assert_true(l->enabled && l->orphan);
  assert_int_equal(l->stratum, 8);
  assert_float_equal(l->distance, 0.5, 1e-6);
  assert_float_equal(l->activate, 1e-3, 1e-9);
  assert_float_equal(l->wait_synced, 100.0, 1e-4);
  assert_float_equal(l->wait_unsynced, 300.0, 1e-4);
  /* one byte short of chronyc's request: refused */
  m = cmdsrv_process(&f->srv, req, sizeof(req) - 1, true, out, sizeof(out));
  assert_true(m > 0 && cmd_parse_reply(out, m, &r));
  assert_int_equal(r.status, CMD_STT_BADPKTLENGTH);
  /* `local off` the same way */
  req[23] = 0;
  m = cmdsrv_process(&f->srv, req, sizeof(req), true, out, sizeof(out));
  assert_true(m > 0 && cmd_parse_reply(out, m, &r));
  assert_int_equal(r.status, CMD_STT_SUCCESS);
  assert_false(f->net.ref.local.enabled);
}

/* Whatever arrives, a reply is never longer than the request. */
static void test_no_amplification(void **state)
{
  struct fx *f = *state;
  uint8_t req[700], out[CMD_MAX_PACKET];
  static const size_t lens[] = {0, 1, 19, 20, 27, 28, 29, 31, 60, 103, 104, 371, 372, 519, 520, 700};
  client_start(f->client);
  simfx_run_until(&f->net, 60.0);
  unsigned replies = 0;
  for (unsigned cmd = 0; cmd < 80; cmd++)
    for (int version = 4; version <= 7; version++)
      for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++)
        for (int local = 0; local < 2; local++) {
          memset(req, 0, sizeof(req));
          req[0] = (uint8_t)version;
          req[1] = CMD_PKT_REQUEST;
          req[4] = (uint8_t)(cmd >> 8);
          req[5] = (uint8_t)cmd;
          size_t m = cmdsrv_process(&f->srv, req, lens[k], local, out, sizeof(out));
          assert_true(m <= lens[k]);
          replies += m > 0;
        }
  assert_true(replies > 100);
}

/* A placeholder's chronyd address, ID# and its number. */
static struct cmd_ip id_ip(uint32_t id)
{
  struct cmd_ip ip = {.family = CMD_IP_ID};
  for (int k = 0; k < 4; k++)
    ip.bytes[k] = (uint8_t)(id >> (24 - 8 * k));
  return ip;
}

static struct cmd_reply by_index(struct fx *f, uint16_t command, uint32_t index)
{
  struct cmd_reply r;
  struct cmd_request q = request(command);
  q.data.index = index;
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  return r;
}

static int by_ip(struct fx *f, uint16_t command, struct cmd_ip ip, struct cmd_reply *r)
{
  struct cmd_request q = request(command);
  q.data.ip = ip;
  return ask(f, &q, true, r);
}

/* Names not resolved yet, as chronyd 4.8 shows them: sources in their
 * places with an ID# address (a pool's two, a peer's with a key, an NTS
 * server's), as new sources that never polled, found by their ID#, counted
 * by activity as of unknown address; one replaced in place by a source. */
static void test_placeholders(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  struct client_source_params p;
  client_source_defaults(&p);
  p.port = 1123;
  p.minpoll = 3;
  p.prefer = true;
  snprintf(p.name, sizeof(p.name), "pool.test");
  client_slot pool = client_add_placeholders(f->client, &p, 2);         /* ID#1, ID#2 */
  client_source_defaults(&p);
  p.peer = true;
  p.key = 7;
  snprintf(p.name, sizeof(p.name), "peer.test");
  client_add_placeholders(f->client, &p, 1);                            /* ID#3 */
  client_source_defaults(&p);
  p.nts = true;
  snprintf(p.name, sizeof(p.name), "nts.test");
  client_add_placeholders(f->client, &p, 1);                            /* ID#4 */
  struct client_source_params real = simfx_source(&f->net, 0, 4);
  assert_true(addr_parse("192.0.2.99", &real.addr));
  assert_int_equal(client_add_source_in(f->client, &real, pool), N_SERVERS);   /* ID#1's place */

  struct cmd_request q = request(CMD_N_SOURCES);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.n_sources, N_SERVERS + 4);
  r = by_index(f, CMD_SOURCE_DATA, N_SERVERS);
  assert_int_equal(r.data.source_data.ip.family, CMD_IP_INET4);
  assert_int_equal(r.data.source_data.ip.bytes[3], 99);
  static const uint32_t ids[] = {2, 3, 4};
  static const int modes[] = {CMD_SD_MODE_CLIENT, CMD_SD_MODE_PEER, CMD_SD_MODE_CLIENT};
  static const int polls[] = {3, 6, 6};
  for (uint32_t k = 0; k < 3; k++) {
    r = by_index(f, CMD_SOURCE_DATA, N_SERVERS + 1 + k);
    struct cmd_ip want = id_ip(ids[k]);
    assert_int_equal(r.data.source_data.ip.family, CMD_IP_ID);
    assert_memory_equal(r.data.source_data.ip.bytes, want.bytes, sizeof(want.bytes));
    assert_int_equal(r.data.source_data.mode, modes[k]);
    assert_int_equal(r.data.source_data.poll, polls[k]);
    assert_int_equal(r.data.source_data.state, CMD_SD_NONSELECTABLE);
    assert_int_equal(r.data.source_data.reachability, 0);
    assert_int_equal(r.data.source_data.since_sample, 0xffffffffu);
    r = by_index(f, CMD_SOURCESTATS, N_SERVERS + 1 + k);
    assert_int_equal(r.data.sourcestats.ip.family, CMD_IP_ID);
    assert_int_equal(r.data.sourcestats.n_samples, 0);
    r = by_index(f, CMD_SELECT_DATA, N_SERVERS + 1 + k);
    assert_int_equal(r.data.select_data.ip.family, CMD_IP_ID);
    assert_int_equal(r.data.select_data.state_char, 'M');
    assert_int_equal(r.data.select_data.authentication, k > 0);
    assert_int_equal(r.data.select_data.leap, NTP_LEAP_UNSYNC);
    assert_true(r.data.select_data.score == 1.0);
  }
  /* authselectmode mix, unauthenticated sources besides: trust, require */
  r = by_index(f, CMD_SELECT_DATA, N_SERVERS + 1);
  assert_int_equal(r.data.select_data.conf_options, CMD_SD_OPT_PREFER);
  assert_int_equal(r.data.select_data.eff_options, CMD_SD_OPT_PREFER);
  r = by_index(f, CMD_SELECT_DATA, N_SERVERS + 2);
  assert_int_equal(r.data.select_data.conf_options, 0);
  assert_int_equal(r.data.select_data.eff_options, CMD_SD_OPT_TRUST | CMD_SD_OPT_REQUIRE);

  assert_int_equal(by_ip(f, CMD_NTP_SOURCE_NAME, id_ip(2), &r), CMD_STT_SUCCESS);
  assert_string_equal(r.data.name, "pool.test");
  assert_int_equal(by_ip(f, CMD_NTP_SOURCE_NAME, id_ip(1), &r), CMD_STT_NOSUCHSOURCE);
  assert_int_equal(by_ip(f, CMD_NTP_DATA, id_ip(2), &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.ntp_data.remote_addr.family, CMD_IP_ID);
  assert_int_equal(r.data.ntp_data.remote_port, 1123);
  assert_int_equal(r.data.ntp_data.total_tx_count, 0);
  /* chronyd's report of a source that has not answered is zeroed: leap 0 */
  assert_int_equal(r.data.ntp_data.leap, NTP_LEAP_NONE);
  assert_int_equal(by_ip(f, CMD_AUTH_DATA, id_ip(3), &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.auth_data.mode, 1);
  assert_int_equal(r.data.auth_data.key_id, 7);
  assert_int_equal(by_ip(f, CMD_AUTH_DATA, id_ip(4), &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.auth_data.mode, 2);
  assert_int_equal(r.data.auth_data.last_ke_ago, 0xffffffffu);

  q = request(CMD_ACTIVITY);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.activity.online, N_SERVERS + 1);
  assert_int_equal(r.data.activity.unresolved, 3);
  client_drop_placeholders(f->client, pool, 2);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.activity.unresolved, 2);
  assert_int_equal(client_n_sources(f->client), N_SERVERS + 3);
}

/* A request on one source given by its address. */
static int on_source(struct fx *f, uint16_t command, struct cmd_ip ip, int32_t value)
{
  struct cmd_reply r;
  struct cmd_request q = request(command);
  q.data.modify.address = ip;
  q.data.modify.ivalue = value;
  q.data.modify.fvalue = value;
  return ask(f, &q, true, &r);
}

static int on_subnet(struct fx *f, uint16_t command, struct cmd_ip ip)
{
  struct cmd_reply r;
  struct cmd_request q = request(command);
  q.data.subnet.address = ip;
  q.data.subnet.n_good = 2;
  q.data.subnet.n_total = 4;
  return ask(f, &q, true, &r);
}

/* chronyd 4.8 finds a placeholder by its ID# for every command on a
 * source (its NCR instance and selection options are those of the source
 * that replaces it): what is changed in it, the source coming in its slot
 * keeps. An ID# no placeholder has is no source. */
static void test_placeholder_commands(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  struct client_source_params p;
  client_source_defaults(&p);
  snprintf(p.name, sizeof(p.name), "late.test");
  client_slot slot = client_add_placeholders(f->client, &p, 2);           /* ID#1, ID#2 */
  r = by_index(f, CMD_SOURCE_DATA, N_SERVERS);
  int16_t poll = r.data.source_data.poll;
  assert_true(poll != 8);
  static const uint16_t modify[] = {CMD_MODIFY_MINPOLL, CMD_MODIFY_MAXPOLL,
                                    CMD_MODIFY_MAXDELAY, CMD_MODIFY_MAXDELAYRATIO,
                                    CMD_MODIFY_MAXDELAYDEVRATIO, CMD_MODIFY_MINSTRATUM,
                                    CMD_MODIFY_POLLTARGET};
  for (size_t k = 0; k < sizeof(modify) / sizeof(modify[0]); k++) {
    assert_int_equal(on_source(f, modify[k], id_ip(3), 8), CMD_STT_NOSUCHSOURCE);
    assert_int_equal(on_source(f, modify[k], id_ip(1), 8), CMD_STT_SUCCESS);
  }
  assert_int_equal(on_subnet(f, CMD_OFFLINE, id_ip(3)), CMD_STT_NOSUCHSOURCE);
  assert_int_equal(on_subnet(f, CMD_OFFLINE, id_ip(1)), CMD_STT_SUCCESS);
  assert_int_equal(on_subnet(f, CMD_BURST, id_ip(3)), CMD_STT_NOSUCHSOURCE);
  assert_int_equal(on_subnet(f, CMD_BURST, id_ip(2)), CMD_STT_SUCCESS);
  struct cmd_request q = request(CMD_MODIFY_SELECTOPTS);
  q.data.select_opts = (struct cmd_req_select_opts){.address = id_ip(1),
                                                     .mask = CMD_SD_OPT_NOSELECT,
                                                     .options = CMD_ADDSRC_NOSELECT};
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  q = request(CMD_MODIFY_OFFSET);
  q.data.offset = (struct cmd_req_offset){.address = id_ip(1), .offset = 0.5};
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  q.data.offset.address = id_ip(3);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_NOSUCHSOURCE);
  r = by_index(f, CMD_SELECT_DATA, N_SERVERS);
  assert_int_equal(r.data.select_data.conf_options, CMD_SD_OPT_NOSELECT);
  r = by_index(f, CMD_SOURCE_DATA, N_SERVERS);    /* as chronyd's: minpoll does not move it */
  assert_int_equal(r.data.source_data.poll, poll);

  /* every source: the placeholders too, but not with onoffline */
  assert_int_equal(on_subnet(f, CMD_ONLINE, (struct cmd_ip){.family = CMD_IP_UNSPEC}),
                   CMD_STT_SUCCESS);
  assert_int_equal(on_subnet(f, CMD_OFFLINE, (struct cmd_ip){.family = CMD_IP_UNSPEC}),
                   CMD_STT_SUCCESS);
  q = request(CMD_ONOFFLINE);
  assert_int_equal(ask(f, &q, true, &r), CMD_STT_SUCCESS);
  struct client_source_report rep;
  assert_true(client_source_report(f->client, N_SERVERS + 1, &rep));
  assert_int_equal(rep.placeholder_id, 2);
  assert_false(rep.online);
  assert_true(client_source_report(f->client, 0, &rep));
  assert_true(rep.online);

  /* the name resolves: its source takes ID#1's place and what it had */
  client_start(f->client);
  struct client_source_params real = simfx_source(&f->net, 0, 4);
  assert_true(addr_parse("192.0.2.99", &real.addr));
  snprintf(real.name, sizeof(real.name), "late.test");
  assert_int_equal(client_add_source_in(f->client, &real, slot), N_SERVERS);
  assert_true(client_source_report(f->client, N_SERVERS, &rep));
  assert_int_equal(rep.placeholder_id, 0);
  assert_int_equal(rep.poll, 8);
  assert_true(rep.noselect && rep.eff_noselect);
  assert_false(rep.online);
  q = request(CMD_ACTIVITY);
  assert_int_equal(ask(f, &q, false, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.activity.offline, 1);              /* the new source */
  assert_int_equal(r.data.activity.unresolved, 1);
  assert_int_equal(on_source(f, CMD_MODIFY_MINPOLL, id_ip(1), 8), CMD_STT_NOSUCHSOURCE);
}

/* authselectmode prefer, as chronyd 4.8's update_sel_options: a keyed or
 * NTS name not resolved yet (its placeholder) makes the unauthenticated
 * sources noselect; dropped, they are selectable again. */
static void test_authselectmode_counts_placeholders(void **state)
{
  struct fx *f = *state;
  struct client_params cp = simfx_client_params();
  cp.auth_mode = SEL_AUTH_PREFER;
  client_free(f->client);
  f->client = f->srv.client = client_new(simfx_platform(&f->net), &cp, &f->net.ref);
  struct client_source_params p = simfx_source(&f->net, 0, 4);
  assert_int_equal(client_add_source(f->client, &p), 0);
  client_source_defaults(&p);
  p.nts = true;
  snprintf(p.name, sizeof(p.name), "nts.test");
  client_slot slot = client_add_placeholders(f->client, &p, 1);
  struct cmd_reply r = by_index(f, CMD_SELECT_DATA, 0);
  assert_int_equal(r.data.select_data.conf_options, 0);
  assert_int_equal(r.data.select_data.eff_options, CMD_SD_OPT_NOSELECT);
  r = by_index(f, CMD_SELECT_DATA, 1);
  assert_int_equal(r.data.select_data.eff_options, 0);
  client_drop_placeholders(f->client, slot, 1);
  r = by_index(f, CMD_SELECT_DATA, 0);
  assert_int_equal(r.data.select_data.eff_options, 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_reports_of_a_synchronised_client, setup, teardown),
    cmocka_unit_test_setup_teardown(test_tracking_without_a_reference, setup, teardown),
    cmocka_unit_test_setup_teardown(test_offset_sign_is_chronys, setup, teardown),
    cmocka_unit_test_setup_teardown(test_udp_gets_only_monitoring, setup, teardown),
    cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
    cmocka_unit_test_setup_teardown(test_largest_values, setup, teardown),
    cmocka_unit_test_setup_teardown(test_ops_are_called, setup, teardown),
    cmocka_unit_test_setup_teardown(test_reload_ops, setup, teardown),
    cmocka_unit_test_setup_teardown(test_access_commands, setup, teardown),
    cmocka_unit_test_setup_teardown(test_udp_access, setup, teardown),
    cmocka_unit_test_setup_teardown(test_no_amplification, setup, teardown),
    cmocka_unit_test_setup_teardown(test_local3_from_chronyc_48, setup, teardown),
    cmocka_unit_test_setup_teardown(test_doffset_dfreq, setup, teardown),
    cmocka_unit_test_setup_teardown(test_manual, setup, teardown),
    cmocka_unit_test_setup_teardown(test_rtc, setup, teardown),
    cmocka_unit_test_setup_teardown(test_placeholders, setup, teardown),
    cmocka_unit_test_setup_teardown(test_placeholder_commands, setup, teardown),
    cmocka_unit_test_setup_teardown(test_authselectmode_counts_placeholders, setup, teardown),
  };
  return cmocka_run_group_tests_name("cmdsrv", tests, NULL, NULL);
}
