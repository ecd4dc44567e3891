/* cmdsrv with a client log: chronyc's clients report (paging by index,
 * min_hits, reset, inactive without a log), serverstats from the log, and
 * cmdratelimit over UDP (never for 127.0.0.1 or the Unix socket). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/cmdsrv.h"
#include "fake_platform.h"
#include "proto/ntp_packet.h"

struct fx {
  struct fake_platform fp;
  struct refstate ref;
  struct ntp_server ntp;
  struct cmdsrv srv;
  struct clientlog *clog;
  uint32_t seq;
};

static struct fx *make(bool active, bool cmd_limit)
{
  struct fx *f = calloc(1, sizeof(*f));
  fake_platform_init(&f->fp);
  ref_state_init(&f->ref, -20);
  ref_set_local(&f->ref, &(struct ref_local){.enabled = true, .stratum = 3, .distance = 1.0},
                &f->fp.now);
  srv_init(&f->ntp, &f->fp.plat, &f->ref);
  struct ip_subnet any = {0};
  access_add(&f->ntp.access, &any, true, false);
  cmdsrv_init(&f->srv, &f->fp.plat, &f->ref, &f->ntp);
  struct ip_subnet net;
  subnet_parse("192.0.2.0/24", &net);
  access_add(&f->srv.access, &net, true, false);
  struct clog_params p = {.active = active, .limit = CLOG_DEFAULT_LIMIT, .seed = 3};
  if (cmd_limit)
    p.rate[CLOG_CMD] = (struct clog_ratelimit){true, 2, 2, 4, 0};
  f->clog = clog_new(&p);
  assert_non_null(f->clog);
  f->ntp.clog = f->srv.clog = f->clog;
  return f;
}

static int setup(void **state)
{
  *state = make(true, false);
  return 0;
}

static int teardown(void **state)
{
  struct fx *f = *state;
  cmdsrv_free(&f->srv);
  srv_free(&f->ntp);
  clog_free(f->clog);
  free(f);
  return 0;
}

static void ntp_request(struct fx *f, const char *from, double t)
{
  uint8_t req[NTP_HEADER_LEN], reply[SRV_REPLY_MAX];
  struct ntp_header h = {.version = 4, .mode = NTP_MODE_CLIENT, .transmit = 42};
  ntp_header_encode(&h, req);
  struct plat_datagram dg = {.data = req, .len = sizeof(req), .from_port = 40000};
  addr_parse(from, &dg.from);
  dg.rx_time = (struct timespec){1700000000 + (time_t)t, 0};
  struct ntp_packet p;
  ntp_packet_parse(req, sizeof(req), &p);
  srv_process(&f->ntp, &dg, &p, reply, sizeof(reply));
}

/* A command request over UDP from `from`; true if answered. */
static bool udp_request(struct fx *f, const char *from, double t)
{
  uint8_t req[CMD_MAX_PACKET];
  struct cmd_request q = {.command = CMD_N_SOURCES, .sequence = ++f->seq};
  size_t n = cmd_build_request(&q, req, sizeof(req));
  struct plat_datagram dg = {.data = req, .len = n, .from_port = 40000};
  addr_parse(from, &dg.from);
  dg.rx_time = (struct timespec){1700000000 + (time_t)t, 0};
  unsigned before = f->fp.n_sends;
  f->fp.n_sends = 0;
  cmdsrv_receive(&f->srv, 5, &dg);
  bool answered = f->fp.n_sends == 1;
  f->fp.n_sends = before;
  return answered;
}

/* CLIENT_ACCESSES_BY_INDEX3 over the Unix socket; returns its status. */
static int ask_clients(struct fx *f, uint32_t first, uint32_t n, uint32_t min_hits, bool reset,
                       struct cmd_reply *r)
{
  uint8_t req[CMD_MAX_PACKET], out[CMD_MAX_PACKET];
  struct cmd_request q = {.command = CMD_CLIENT_ACCESSES_BY_INDEX3, .sequence = ++f->seq};
  q.data.clients = (struct cmd_req_clients){first, n, min_hits, reset};
  size_t len = cmd_build_request(&q, req, sizeof(req));
  size_t m = cmdsrv_process(&f->srv, req, len, true, out, sizeof(out));
  assert_true(m > 0 && m <= len);
  assert_true(cmd_parse_reply(out, m, r));
  return r->status;
}

/* chronyc's loop: 8 at a time until next_index reaches n_indices or a
 * reply is short. */
static unsigned walk(struct fx *f, uint32_t min_hits, struct cmd_rpy_client *all, unsigned cap)
{
  struct cmd_reply r;
  uint32_t next = 0;
  unsigned n = 0;
  for (int guard = 0; guard < 10000; guard++) {
    assert_int_equal(ask_clients(f, next, CMD_MAX_CLIENTS, min_hits, false, &r), CMD_STT_SUCCESS);
    assert_int_equal(r.reply, CMD_RPY_CLIENT_ACCESSES_BY_INDEX3);
    assert_true(r.data.clients.n_clients <= CMD_MAX_CLIENTS);
    for (uint32_t i = 0; i < r.data.clients.n_clients && n < cap; i++)
      all[n++] = r.data.clients.clients[i];
    if (r.data.clients.next_index >= r.data.clients.n_indices ||
        r.data.clients.n_clients < CMD_MAX_CLIENTS)
      return n;
    assert_true(r.data.clients.next_index > next);
    next = r.data.clients.next_index;
  }
  fail();
  return n;
}

static const struct cmd_rpy_client *find(const struct cmd_rpy_client *all, unsigned n,
                                         const char *addr)
{
  struct ip_addr a;
  addr_parse(addr, &a);
  struct cmd_ip ip = cmdsrv_ip_from_addr(&a);
  for (unsigned i = 0; i < n; i++)
    if (all[i].ip.family == ip.family && memcmp(all[i].ip.bytes, ip.bytes, 16) == 0)
      return &all[i];
  return NULL;
}

static void test_clients_report(void **state)
{
  struct fx *f = *state;
  for (int k = 0; k < 10; k++)
    ntp_request(f, "192.0.2.1", 8.0 * k);
  ntp_request(f, "2001:db8::1", 70.0);
  for (int k = 0; k < 4; k++)
    assert_true(udp_request(f, "192.0.2.7", 60.0 + k));
  f->fp.now = (struct timespec){1700000000 + 75, 0};
  struct cmd_rpy_client all[64];
  unsigned n = walk(f, 0, all, 64);
  assert_int_equal(n, 3);
  const struct cmd_rpy_client *c = find(all, n, "192.0.2.1");
  assert_non_null(c);
  assert_int_equal(c->ntp_hits, 10);
  assert_int_equal(c->ntp_drops, 0);
  assert_int_equal(c->ntp_interval, 3);
  assert_int_equal(c->ntp_timeout_interval, CLOG_NO_INTERVAL);
  assert_int_equal(c->last_ntp_hit_ago, 75 - 72);
  assert_int_equal(c->cmd_hits, 0);
  assert_int_equal(c->cmd_interval, CLOG_NO_INTERVAL);
  assert_int_equal(c->last_cmd_hit_ago, CLOG_NEVER);
  assert_int_equal(c->nke_interval, CLOG_NO_INTERVAL);
  c = find(all, n, "192.0.2.7");
  assert_non_null(c);
  assert_int_equal(c->cmd_hits, 4);
  assert_int_equal(c->cmd_interval, 0);
  assert_int_equal(c->last_cmd_hit_ago, 12);
  assert_non_null(find(all, n, "2001:db8::1"));
  /* min_hits, then a reset */
  assert_int_equal(walk(f, 4, all, 64), 2);
  struct cmd_reply r;
  for (uint32_t i = 0; i < (uint32_t)clog_n_indices(f->clog); i += CMD_MAX_CLIENTS)
    ask_clients(f, i, CMD_MAX_CLIENTS, 0, true, &r);
  assert_int_equal(walk(f, 1, all, 64), 0);
  assert_int_equal(walk(f, 0, all, 64), 3);
  /* fewer than 8 asked, and an index past the end */
  assert_int_equal(ask_clients(f, 0, 1, 0, false, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.clients.n_clients, 1);
  assert_int_equal(ask_clients(f, 1u << 30, 8, 0, false, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.clients.n_clients, 0);
  assert_int_equal(r.data.clients.next_index, 1u << 30);
}

/* Other client logs (server workers') behind the ops, listed after the
 * main one, the way workers_client_reports does it. */
static struct clientlog *other_logs[2];

static uint32_t other_indices(void *arg)
{
  (void)arg;
  return (uint32_t)(clog_n_indices(other_logs[0]) + clog_n_indices(other_logs[1]));
}

static uint32_t other_reports(void *arg, uint32_t first, uint32_t want, bool reset,
                              uint32_t min_hits, const struct timespec *now,
                              struct clog_report *out, uint32_t *next)
{
  (void)arg;
  uint32_t base = 0, got = 0;
  int k = 0;
  if (first >= (uint32_t)clog_n_indices(other_logs[0])) {
    base = (uint32_t)clog_n_indices(other_logs[0]);
    k = 1;
  }
  uint32_t i, n = (uint32_t)clog_n_indices(other_logs[k]);
  for (i = first - base; i < n && got < want; i++)
    if (clog_report(other_logs[k], i, reset, min_hits, now, &out[got]))
      got++;
  *next = base + i;
  return got;
}

static void test_clients_of_other_logs_follow(void **state)
{
  struct fx *f = *state;
  struct clog_params p = {.active = true, .limit = CLOG_DEFAULT_LIMIT, .seed = 5};
  for (int k = 0; k < 2; k++)
    assert_non_null(other_logs[k] = clog_new(&p));
  f->srv.ops.extra_client_indices = other_indices;
  f->srv.ops.extra_client_reports = other_reports;
  struct timespec t = {1700000000, 0};
  char a[32];
  /* 5 in the main log, 11 and 3 in the others: replies straddle the logs. */
  for (int i = 0; i < 19; i++) {
    snprintf(a, sizeof(a), "192.0.2.%d", i + 1);
    struct ip_addr addr;
    addr_parse(a, &addr);
    if (i < 5)
      ntp_request(f, a, 0.0);
    else
      clog_access(other_logs[i < 16 ? 0 : 1], CLOG_NTP, &addr, &t);
  }
  f->fp.now = (struct timespec){1700000000 + 5, 0};
  struct cmd_rpy_client all[64];
  unsigned n = walk(f, 0, all, 64);
  assert_int_equal(n, 19);
  for (int i = 0; i < 19; i++) {
    snprintf(a, sizeof(a), "192.0.2.%d", i + 1);
    const struct cmd_rpy_client *c = find(all, n, a);
    assert_non_null(c);
    assert_int_equal(c->ntp_hits, 1);
  }
  struct cmd_reply r;
  assert_int_equal(ask_clients(f, 0, 8, 0, false, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.clients.n_indices,
                   (uint32_t)clog_n_indices(f->clog) + other_indices(NULL));
  /* An index past every log: nothing, and no call beyond the ranges. */
  assert_int_equal(ask_clients(f, r.data.clients.n_indices, 8, 0, false, &r), CMD_STT_SUCCESS);
  assert_int_equal(r.data.clients.n_clients, 0);
  for (int k = 0; k < 2; k++)
    clog_free(other_logs[k]);
}

static void test_serverstats_from_the_log(void **state)
{
  struct fx *f = *state;
  for (int k = 0; k < 5; k++)
    ntp_request(f, "192.0.2.1", k);
  udp_request(f, "192.0.2.7", 1.0);
  uint8_t req[CMD_MAX_PACKET], out[CMD_MAX_PACKET];
  struct cmd_request q = {.command = CMD_SERVER_STATS, .sequence = 1};
  size_t len = cmd_build_request(&q, req, sizeof(req));
  struct cmd_reply r;
  size_t m = cmdsrv_process(&f->srv, req, len, true, out, sizeof(out));
  assert_true(cmd_parse_reply(out, m, &r));
  assert_int_equal(r.data.server_stats.ntp_hits, 5);
  assert_int_equal(r.data.server_stats.ntp_drops, 0);
  assert_int_equal(r.data.server_stats.cmd_hits, 2);    /* the UDP one and this one */
  assert_int_equal(r.data.server_stats.cmd_drops, 0);
  assert_int_equal(r.data.server_stats.log_drops, 0);
}

static void test_inactive_without_a_log(void **state)
{
  struct fx *f = *state;
  struct cmd_reply r;
  f->srv.clog = NULL;
  assert_int_equal(ask_clients(f, 0, 8, 0, false, &r), CMD_STT_INACTIVE);
  teardown((void **)&f);
  f = make(false, false);                          /* noclientlog */
  assert_int_equal(ask_clients(f, 0, 8, 0, false, &r), CMD_STT_INACTIVE);
  assert_int_equal(r.reply, CMD_RPY_NULL);
  *state = f;
}

static void test_cmdratelimit_spares_localhost(void **state)
{
  struct fx *f = *state;
  teardown((void **)&f);
  f = make(true, true);                            /* interval 2 burst 2 leak 4 */
  *state = f;
  unsigned answered = 0;
  for (int k = 0; k < 40; k++)
    answered += udp_request(f, "192.0.2.7", 0.0);
  assert_true(answered >= 2 && answered < 12);
  for (int k = 0; k < 40; k++)
    assert_true(udp_request(f, "127.0.0.1", 0.0));
  struct clog_totals t;
  clog_get_totals(f->clog, &t);
  assert_int_equal(t.hits[CLOG_CMD], 80);
  assert_int_equal(t.drops[CLOG_CMD], 40 - answered);
  /* the bucket refills: 2 every 8 s */
  assert_true(udp_request(f, "192.0.2.7", 8.0));
  assert_true(udp_request(f, "192.0.2.7", 8.0));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_clients_report, setup, teardown),
    cmocka_unit_test_setup_teardown(test_clients_of_other_logs_follow, setup, teardown),
    cmocka_unit_test_setup_teardown(test_serverstats_from_the_log, setup, teardown),
    cmocka_unit_test_setup_teardown(test_inactive_without_a_log, setup, teardown),
    cmocka_unit_test_setup_teardown(test_cmdratelimit_spares_localhost, setup, teardown),
  };
  return cmocka_run_group_tests_name("cmdsrv_clients", tests, NULL, NULL);
}
