/* `local orphan` on the simulator: three servers polling each other, each
 * a client and an NTP server with `local stratum 10 orphan` and no other
 * source, settle as chronyd's do: after waitunsynced (300 s, the orphan
 * default) the one with the smallest address serves its own clock
 * (stratum 10, refid 127.127.1.1) and the others synchronise to it
 * (stratum 11). With a large maxclockerror and a small `local distance`,
 * a follower's root distance outgrows the distance between its updates:
 * it alternates between following the reference and serving local time,
 * while the reference stays the same; with the reference cut off, the next
 * smallest address takes over once its distance is reached, and gives
 * back when the first returns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/client.h"
#include "core/ntp_server.h"
#include "sim/sim_world.h"

#define N_NODES 3
#define POLL 4                   /* log2 s: every node polls the others at this */
#define WAIT_UNSYNCED 300.0      /* chrony's default with orphan */

static const char *const addrs[N_NODES] = {"192.0.2.1", "192.0.2.2", "192.0.2.3"};

struct node {
  struct sim_platform *host;
  struct refstate ref;
  struct ntp_server ntp;
  struct client *client;
  int sock;
};

struct fx {
  struct sim_world *w;
  struct node nodes[N_NODES];
};

/* distance: `local distance`; max_clock_error: maxclockerror, s/s. */
static void start(struct fx *f, double distance, double max_clock_error)
{
  struct timespec t0 = {.tv_sec = 1700000000};
  struct sim_link_params lan = {.delay = 100e-6, .jitter = 10e-6};
  memset(f, 0, sizeof(*f));
  f->w = sim_world_new(7, &t0);
  assert_int_equal(sim_net_set_default(sim_world_net(f->w), &lan), 0);
  for (int i = 0; i < N_NODES; i++) {
    struct node *n = &f->nodes[i];
    n->host = sim_world_add_host(f->w, addrs[i], addrs[i], NULL);
    assert_non_null(n->host);
  }
  for (int i = 0; i < N_NODES; i++) {
    struct node *n = &f->nodes[i];
    const struct platform *p = sim_platform_get(n->host);
    struct timespec now;
    p->ops->now(p->ctx, &now);
    ref_state_init(&n->ref, -20);
    n->ref.local_key = (uint64_t)i + 1;   /* each its own, as the daemon's random ones */
    ref_set_local(&n->ref,
                  &(struct ref_local){.enabled = true, .stratum = 10, .orphan = true,
                                      .distance = distance, .wait_unsynced = WAIT_UNSYNCED},
                  &now);
    srv_init(&n->ntp, p, &n->ref);
    struct ip_subnet any = {0};
    assert_true(access_add(&n->ntp.access, &any, true, false));
    n->sock = p->ops->udp_open(p->ctx, ADDR_INET4, NULL, NTP_PORT, srv_receive, &n->ntp);
    assert_true(n->sock >= 0);
    struct client_params cp;
    client_params_defaults(&cp);
    cp.selection.max_clock_error = max_clock_error;
    n->client = client_new(p, &cp, &n->ref);
    assert_non_null(n->client);
    for (int j = 0; j < N_NODES; j++) {
      if (j == i)
        continue;
      struct client_source_params s;
      client_source_defaults(&s);
      assert_true(addr_parse(addrs[j], &s.addr));
      s.minpoll = s.maxpoll = POLL;
      assert_true(client_add_source(n->client, &s) >= 0);
    }
    client_start(n->client);
  }
}

static void finish(struct fx *f)
{
  for (int i = 0; i < N_NODES; i++) {
    struct node *n = &f->nodes[i];
    const struct platform *p = sim_platform_get(n->host);
    client_free(n->client);
    p->ops->udp_close(p->ctx, n->sock);
    srv_free(&n->ntp);
  }
  sim_world_free(f->w);
}

/* What node i serves now. */
static struct ref_params served(const struct fx *f, int i)
{
  const struct platform *p = sim_platform_get(f->nodes[i].host);
  struct timespec now;
  struct ref_params rp;
  p->ops->now(p->ctx, &now);
  ref_get_params(&f->nodes[i].ref, &now, &rp);
  return rp;
}

static bool serves_local(const struct ref_params *rp)
{
  return !rp->synchronised && rp->refid == NTP_REFID_LOCAL && rp->leap == NTP_LEAP_NONE;
}

static uint32_t refid_of(int i)
{
  struct ip_addr a;
  assert_true(addr_parse(addrs[i], &a));
  return addr_refid(&a);
}

static void test_smallest_address_serves(void **state)
{
  (void)state;
  struct fx f;
  start(&f, 1.0, 1e-6);
  /* Before waitunsynced, nobody serves anything. */
  assert_int_equal(sim_world_run(f.w, WAIT_UNSYNCED * 0.9), 0);
  for (int i = 0; i < N_NODES; i++) {
    struct ref_params rp = served(&f, i);
    assert_int_equal(rp.leap, NTP_LEAP_UNSYNC);
    assert_int_equal(client_selected(f.nodes[i].client), -1);
  }
  assert_int_equal(sim_world_run(f.w, WAIT_UNSYNCED * 2.0), 0);
  struct ref_params rp = served(&f, 0);
  assert_true(serves_local(&rp));
  assert_int_equal(rp.stratum, 10);
  assert_int_equal(client_selected(f.nodes[0].client), -1);
  /* chronyc selectdata of the followers: the reference selected ('*'),
   * the other follower (stratum 11) an orphan ('O'). The reference's
   * sources, synchronised to it, fail the loop test (no samples). */
  for (int i = 1; i < N_NODES; i++) {
    for (unsigned k = 0; k < client_n_sources(f.nodes[i].client); k++) {
      struct client_source_report r;
      assert_true(client_source_report(f.nodes[i].client, k, &r));
      bool reference = addr_refid(&r.addr) == refid_of(0);
      assert_int_equal(r.sel_state, sel_status_char(reference ? SEL_SELECTED : SEL_ORPHAN));
    }
  }
  for (int i = 1; i < N_NODES; i++) {
    rp = served(&f, i);
    assert_true(rp.synchronised);
    assert_int_equal(rp.stratum, 11);
    assert_int_equal(rp.refid, refid_of(0));
    struct ip_addr sel;
    client_selected_address(f.nodes[i].client, &sel);
    assert_int_equal(addr_refid(&sel), refid_of(0));
  }
  finish(&f);
}

static void test_follower_alternates_with_maxclockerror(void **state)
{
  (void)state;
  struct fx f;
  const double max_clock_error = 1e-3, poll = 1 << POLL;
  /* A root distance that maxclockerror alone outgrows in a tenth of a poll. */
  const double distance = max_clock_error * poll / 10.0;
  start(&f, distance, max_clock_error);
  assert_int_equal(sim_world_run(f.w, WAIT_UNSYNCED * 2.0), 0);
  int follower_local = 0, follower_synced = 0;
  for (int k = 0; k < 4 * (int)poll; k++) {
    assert_int_equal(sim_world_run(f.w, 1.0), 0);
    struct ref_params rp = served(&f, 0);
    assert_true(serves_local(&rp));
    for (int i = 1; i < N_NODES; i++) {
      rp = served(&f, i);
      if (serves_local(&rp)) {
        assert_int_equal(rp.stratum, 10);
        follower_local++;
      } else {
        assert_true(rp.synchronised);
        assert_int_equal(rp.stratum, 11);
        assert_int_equal(rp.refid, refid_of(0));
        follower_synced++;
      }
    }
  }
  assert_true(follower_local > 0);
  assert_true(follower_synced > 0);
  finish(&f);
}

/* chrony.conf(5): "If that server stops responding, the server with the
 * second smallest reference ID will take over when its local reference
 * mode activates" (its root distance, growing at maxclockerror, reaches
 * `distance`); when the first comes back, the group follows it again. */
static void test_next_takes_over_and_gives_back(void **state)
{
  (void)state;
  struct fx f;
  const double max_clock_error = 1e-3, distance = 0.2;
  const double takeover = distance / max_clock_error;   /* s, at most */
  const double cut = WAIT_UNSYNCED * 2.0, back = cut + 3.0 * takeover;
  start(&f, distance, max_clock_error);
  for (int i = 1; i < N_NODES; i++)
    assert_int_equal(sim_world_add_outage(f.w, f.nodes[0].host, f.nodes[i].host, cut, back), 0);
  assert_int_equal(sim_world_run(f.w, cut), 0);
  assert_int_equal(served(&f, 1).refid, refid_of(0));
  assert_int_equal(served(&f, 2).refid, refid_of(0));

  /* The first cut off: the second serves its local time, the third follows it. */
  assert_int_equal(sim_world_run(f.w, back - cut - 1.0), 0);
  struct ref_params rp = served(&f, 0);
  assert_true(serves_local(&rp));
  rp = served(&f, 1);
  assert_true(serves_local(&rp));
  rp = served(&f, 2);
  assert_true(rp.synchronised);
  assert_int_equal(rp.stratum, 11);
  assert_int_equal(rp.refid, refid_of(1));

  /* Back: both follow the first again. */
  assert_int_equal(sim_world_run(f.w, takeover), 0);
  rp = served(&f, 0);
  assert_true(serves_local(&rp));
  for (int i = 1; i < N_NODES; i++) {
    rp = served(&f, i);
    assert_true(rp.synchronised);
    assert_int_equal(rp.refid, refid_of(0));
  }
  finish(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_smallest_address_serves),
    cmocka_unit_test(test_follower_alternates_with_maxclockerror),
    cmocka_unit_test(test_next_takes_over_and_gives_back),
  };
  return cmocka_run_group_tests_name("orphan", tests, NULL, NULL);
}
