/* End to end: the real core query module on a simulated client against the
 * real core responder on simulated servers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/query.h"
#include "proto/ntp_packet.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

#define UNIX_2036_ROLLOVER 2085978496   /* 2036-02-07T06:28:16Z */

struct fixture {
  struct sim_world *w;
  struct sim_platform *client;
  struct sim_platform *hosts[2];
  struct sim_server *servers[2];
  unsigned n;
  struct query q;
  struct query_server qs[2];
  int done;
};

static const struct sim_link_params lan = {.delay = 100e-6};

static void make_world(struct fixture *f, time_t start, double client_offset, double client_freq)
{
  struct timespec ts = {.tv_sec = start};
  struct sim_clock_params c = {.offset = client_offset, .freq = client_freq};
  memset(f, 0, sizeof(*f));
  f->w = sim_world_new(1, &ts);
  assert_non_null(f->w);
  assert_int_equal(sim_net_set_default(sim_world_net(f->w), &lan), 0);
  f->client = sim_world_add_host(f->w, "client", "192.0.2.1", &c);
  assert_non_null(f->client);
}

static void add_server(struct fixture *f, double offset, const struct sim_server_config *cfg)
{
  char name[16], addr[16];
  struct sim_clock_params c = {.offset = offset};
  struct sim_server_config none = {0};
  unsigned i = f->n++;
  snprintf(name, sizeof(name), "server%u", i);
  snprintf(addr, sizeof(addr), "192.0.2.%u", 11 + i);
  f->hosts[i] = sim_world_add_host(f->w, name, addr, &c);
  assert_non_null(f->hosts[i]);
  f->servers[i] = sim_server_new(sim_world_sched(f->w), f->hosts[i], cfg ? cfg : &none);
  assert_non_null(f->servers[i]);
  snprintf(f->qs[i].name, sizeof(f->qs[i].name), "%s", addr);
  addr_parse(addr, &f->qs[i].addr);
  f->qs[i].port = 123;
}

static void on_done(void *arg)
{
  ((struct fixture *)arg)->done++;
}

/* Start a fresh query (the servers' results from a previous one cleared). */
static void run_query(struct fixture *f, double seconds)
{
  for (unsigned i = 0; i < f->n; i++) {
    struct query_server fresh = {.addr = f->qs[i].addr, .port = f->qs[i].port};
    memcpy(fresh.name, f->qs[i].name, sizeof(fresh.name));
    f->qs[i] = fresh;
  }
  assert_true(query_start(&f->q, sim_platform_get(f->client), NULL, NULL, f->qs, f->n, NULL, on_done, f));
  assert_int_equal(sim_world_run(f->w, seconds), 0);
}

static void free_world(struct fixture *f)
{
  query_stop(&f->q);
  for (unsigned i = 0; i < f->n; i++)
    sim_server_free(f->servers[i]);
  sim_world_free(f->w);
}

static void test_good_server_and_falseticker(void **state)
{
  (void)state;
  struct fixture f;
  make_world(&f, 1700000000, -0.1, 0.0);
  add_server(&f, 0.0, NULL);
  add_server(&f, 1.0, NULL);
  run_query(&f, 60.0);
  assert_int_equal(f.done, 1);
  for (unsigned i = 0; i < 2; i++) {
    const struct exch_sample *s = &f.qs[i].best;
    double expect = i == 0 ? 0.1 : 1.1;
    print_message("server %u: offset %.9f s, delay %.9f s\n", i, s->offset, s->delay);
    assert_true(f.qs[i].have_best);
    assert_int_equal(f.qs[i].valid, QUERY_GOOD_SAMPLES);
    assert_true(fabs(s->offset - expect) < 1e-6);
    assert_true(fabs(s->delay - 200e-6) < 1e-6);
    assert_int_equal(s->stratum, 1);
    assert_true(s->refid == SIM_SERVER_REFID_GPS);
    assert_true(sim_server_stats(f.servers[i])->replied == QUERY_GOOD_SAMPLES);
  }
  assert_ptr_equal(query_best(&f.q), &f.qs[0]);
  free_world(&f);
}

/* A client running 100 ppm fast gains 1e-4 s per second: the offset the
 * query measures is 0.1 s minus what it gained by its best sample. */
static void test_client_frequency_error(void **state)
{
  (void)state;
  struct fixture f;
  make_world(&f, 1700000000, -0.1, 100.0);
  add_server(&f, 0.0, NULL);
  run_query(&f, 60.0);
  print_message("100 ppm client: offset %.9f s\n", f.qs[0].best.offset);
  assert_true(f.qs[0].have_best);
  assert_true(f.qs[0].best.offset < 0.1 && f.qs[0].best.offset > 0.1 - 1e-4 * 8.0);
  free_world(&f);
}

/* The exchanges span the NTP era rollover of 2036. */
static void test_era_2036(void **state)
{
  (void)state;
  struct fixture f;
  make_world(&f, UNIX_2036_ROLLOVER - 500, -0.1, 0.0);
  add_server(&f, 0.0, NULL);
  assert_int_equal(sim_world_run(f.w, 495.0), 0);
  run_query(&f, 60.0);
  assert_int_equal(f.done, 1);
  assert_int_equal(f.qs[0].valid, QUERY_GOOD_SAMPLES);
  print_message("2036: offset %.9f s\n", f.qs[0].best.offset);
  assert_true(fabs(f.qs[0].best.offset - 0.1) < 1e-6);
  free_world(&f);
}

static void test_kod_rate(void **state)
{
  (void)state;
  struct fixture f;
  struct sim_server_config cfg = {.kod_interval = 10.0};
  make_world(&f, 1700000000, 0.0, 0.0);
  add_server(&f, 0.0, &cfg);
  run_query(&f, 60.0);
  /* Requests every 2 s: the first is answered, the others are kissed. */
  assert_int_equal(f.qs[0].valid, 1);
  assert_int_equal(f.qs[0].last_error, EXCH_KOD);
  assert_true(sim_server_kods(f.servers[0]) == QUERY_MAX_REQUESTS - 1);
  free_world(&f);
}

static void test_server_steps(void **state)
{
  (void)state;
  struct fixture f;
  struct sim_server_config cfg = {.step_at = 100.0, .step = 1.0};
  make_world(&f, 1700000000, 0.0, 0.0);
  add_server(&f, 0.0, &cfg);
  run_query(&f, 60.0);
  assert_true(fabs(f.qs[0].best.offset) < 1e-6);
  assert_int_equal(sim_world_run(f.w, 50.0), 0);
  run_query(&f, 60.0);
  assert_int_equal(f.done, 2);
  assert_true(fabs(f.qs[0].best.offset - 1.0) < 1e-6);
  free_world(&f);
}

static void test_intermittent(void **state)
{
  (void)state;
  struct fixture f;
  make_world(&f, 1700000000, 0.0, 0.0);
  add_server(&f, 0.0, NULL);
  assert_int_equal(sim_world_add_outage(f.w, f.client, f.hosts[0], 0.0, 100.0), 0);
  run_query(&f, 60.0);
  assert_int_equal(f.done, 1);
  assert_int_equal(f.qs[0].valid, 0);
  assert_false(f.qs[0].have_best);
  assert_true(sim_server_stats(f.servers[0])->received == 0);
  assert_int_equal(sim_world_run(f.w, 50.0), 0);
  run_query(&f, 60.0);
  assert_int_equal(f.qs[0].valid, QUERY_GOOD_SAMPLES);
  free_world(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_good_server_and_falseticker),
    cmocka_unit_test(test_client_frequency_error),
    cmocka_unit_test(test_era_2036),
    cmocka_unit_test(test_kod_rate),
    cmocka_unit_test(test_server_steps),
    cmocka_unit_test(test_intermittent),
  };
  return cmocka_run_group_tests_name("sim_server", tests, NULL, NULL);
}
