/* chrony's leap smear on the simulator: a server (the real client core and
 * NTP responder) synchronised to an upstream server that announces and
 * follows a leap second, configured as chrony.conf(5) recommends
 * (leapsecmode slew, maxslewrate 1000, smoothtime 400 0.001024 leaponly),
 * serves a time that never jumps and announces no leap; its own client
 * (default settings) never steps, never hears of the leap, and is brought
 * to UTC's new second over the smear's 62500 s, at most 32 ppm. */
#define _DEFAULT_SOURCE   /* timegm */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/cmdsrv.h"
#include "core/ntp_server.h"
#include "proto/ntp_packet.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

#define LEAP ((time_t)1230768000)          /* 2009-01-01T00:00:00Z */
#define START (LEAP - 6 * 3600)
#define SMEAR 62500.0                      /* s: sqrt(4 / 0.001024 ppm/s) */
#define PEAK_PPM 32.0
#define STEP 60.0                          /* s between looks */

struct fx {
  struct sim_world *w;
  struct sim_platform *up_host, *mid_host, *end_host;
  struct sim_server *up;
  struct refstate mid_ref, end_ref;
  struct ntp_server mid_srv;
  struct client *mid, *end;
  struct cmdsrv mid_cmd;
  int mid_sock;
};

static struct client *new_client(const struct platform *plat, struct client_params *p,
                                 struct refstate *ref, const char *server)
{
  struct client_source_params s;
  struct client *c = client_new(plat, p, ref);
  assert_non_null(c);
  client_source_defaults(&s);
  assert_true(addr_parse(server, &s.addr));
  s.minpoll = 6;
  s.maxpoll = 10;
  s.iburst = true;
  assert_true(client_add_source(c, &s) >= 0);
  client_start(c);
  return c;
}

static void setup_world(struct fx *f)
{
  struct timespec t0 = {.tv_sec = START};
  struct sim_link_params lan = {.delay = 100e-6, .jitter = 10e-6};
  struct sim_server_config up = {.leap = NTP_LEAP_INSERT};
  struct client_params p;
  memset(f, 0, sizeof(*f));
  f->w = sim_world_new(11, &t0);
  assert_int_equal(sim_net_set_default(sim_world_net(f->w), &lan), 0);
  struct sim_clock_params fast = {.offset = 0.01, .freq = 20.0, .wander = 1e-3};
  f->up_host = sim_world_add_host(f->w, "upstream", "192.0.2.1", NULL);
  f->mid_host = sim_world_add_host(f->w, "smearing", "192.0.2.2", &fast);
  f->end_host = sim_world_add_host(f->w, "client", "192.0.2.3", &fast);
  f->up = sim_server_new(sim_world_sched(f->w), f->up_host, &up);
  assert_non_null(f->up);

  const struct platform *mid = sim_platform_get(f->mid_host);
  ref_state_init(&f->mid_ref, -20);
  ref_set_smoothing(&f->mid_ref, 400.0, 0.001024, true);
  srv_init(&f->mid_srv, mid, &f->mid_ref);
  struct ip_subnet any = {0};
  assert_true(access_add(&f->mid_srv.access, &any, true, false));
  f->mid_sock = mid->ops->udp_open(mid->ctx, ADDR_INET4, NULL, NTP_PORT, srv_receive,
                                   &f->mid_srv);
  assert_true(f->mid_sock >= 0);
  client_params_defaults(&p);
  p.leapmode = REF_LEAP_SLEW;
  p.maxslewrate = 1000.0;
  f->mid = new_client(mid, &p, &f->mid_ref, "192.0.2.1");
  cmdsrv_init(&f->mid_cmd, mid, &f->mid_ref, &f->mid_srv);
  f->mid_cmd.client = f->mid;

  ref_state_init(&f->end_ref, -20);
  client_params_defaults(&p);
  f->end = new_client(sim_platform_get(f->end_host), &p, &f->end_ref, "192.0.2.2");
}

static void finish(struct fx *f)
{
  const struct platform *mid = sim_platform_get(f->mid_host);
  cmdsrv_free(&f->mid_cmd);
  client_free(f->end);
  client_free(f->mid);
  mid->ops->udp_close(mid->ctx, f->mid_sock);
  srv_free(&f->mid_srv);
  sim_server_free(f->up);
  sim_world_free(f->w);
}

/* UTC repeats a second: the upstream server's clock, which keeps UTC,
 * steps back. */
static void utc_leap(void *arg)
{
  sim_platform_external_step(arg, -1.0);
}

static double elapsed(struct fx *f)
{
  return sim_sched_elapsed(sim_world_sched(f->w));
}

/* chronyc smoothing on the smearing server. */
static struct cmd_rpy_smoothing smoothing(struct fx *f)
{
  uint8_t req[CMD_MAX_PACKET], out[CMD_MAX_PACKET];
  struct cmd_request q = {.command = CMD_SMOOTHING, .sequence = 1};
  struct cmd_reply r;
  size_t n = cmd_build_request(&q, req, sizeof(req));
  size_t m = cmdsrv_process(&f->mid_cmd, req, n, true, out, sizeof(out));
  assert_true(cmd_parse_reply(out, m, &r));
  assert_int_equal(r.status, CMD_STT_SUCCESS);
  return r.data.smoothing;
}

static void test_smeared_leap(void **state)
{
  (void)state;
  struct fx f;
  setup_world(&f);
  double leap_at = (double)(LEAP - START);
  assert_true(sim_world_at(f.w, leap_at, utc_leap, f.up_host));

  /* Synchronised before the leap day's last hours; the smearing server
   * knows of the leap but does not announce it. */
  assert_int_equal(sim_world_run(f.w, 3600.0), 0);
  assert_true(f.mid_ref.synchronised && f.end_ref.synchronised);
  assert_int_equal(f.mid_ref.leap, NTP_LEAP_INSERT);
  struct cmd_rpy_smoothing sm = smoothing(&f);
  assert_true(sm.flags & CMD_SMT_ACTIVE);
  assert_true(sm.flags & CMD_SMT_LEAPONLY);
  assert_true(fabs(sm.offset) < 1e-9);

  double prev = sim_platform_offset(f.end_host), max_rate = 0.0, half_way = NAN;
  while (elapsed(&f) < leap_at + SMEAR + 7200.0) {
    assert_int_equal(sim_world_run(f.w, STEP), 0);
    assert_int_not_equal(f.end_ref.leap, NTP_LEAP_INSERT);
    double now = sim_platform_offset(f.end_host);
    max_rate = fmax(max_rate, fabs(now - prev) / STEP);
    prev = now;
    if (isnan(half_way) && elapsed(&f) >= leap_at + SMEAR / 2.0) {
      half_way = now;
      sm = smoothing(&f);
      /* chronyc smoothing: half the second still hidden, the served time
       * running slow at the peak. */
      assert_true(fabs(sm.offset - 0.5) < 0.01);
      assert_true(fabs(sm.freq_ppm + PEAK_PPM) < 0.1);
    }
  }
  /* The smearing server applied the leap to its clock by slewing. */
  assert_int_equal(sim_platform_steps(f.mid_host), 0);
  assert_true(fabs(sim_platform_offset(f.mid_host) + 1.0) < 1e-3);
  /* Its client never stepped and drifted by the smear's rate at most:
   * half a second behind the old time scale half way, on UTC's second at
   * the end. */
  assert_int_equal(client_steps(f.end), 0);
  assert_int_equal(sim_platform_steps(f.end_host), 0);
  assert_int_equal(sim_platform_leaps(f.end_host), 0);
  assert_true(max_rate < (PEAK_PPM + 5.0) * 1e-6);
  assert_true(fabs(half_way + 0.5) < 0.01);
  assert_true(fabs(sim_platform_offset(f.end_host) + 1.0) < 1e-3);
  finish(&f);
}

/* The same server without smoothtime announces the leap, and its client
 * steps its clock with the kernel at midnight: what the smear avoids. */
static void test_without_smoothing_the_client_leaps(void **state)
{
  (void)state;
  struct fx f;
  setup_world(&f);
  ref_set_smoothing(&f.mid_ref, 0.0, 0.0, false);
  double leap_at = (double)(LEAP - START);
  assert_true(sim_world_at(f.w, leap_at, utc_leap, f.up_host));
  assert_int_equal(sim_world_run(f.w, leap_at - 60.0), 0);
  assert_int_equal(f.end_ref.leap, NTP_LEAP_INSERT);
  assert_int_equal(sim_world_run(f.w, 7200.0), 0);
  assert_int_equal(sim_platform_leaps(f.end_host), 1);
  assert_true(fabs(sim_platform_offset(f.end_host) + 1.0) < 1e-3);
  finish(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_smeared_leap),
    cmocka_unit_test(test_without_smoothing_the_client_leaps),
  };
  return cmocka_run_group_tests_name("leap_smear", tests, NULL, NULL);
}
