/* Every received NTP datagram is decoded once. The decoders
 * (ntp_packet_parse, ntp_header_decode) are wrapped at link time
 * (-Wl,--wrap, see meson.build) and counted while simulated worlds run:
 * servers answering requests, a source polling a server in basic and
 * interleaved mode, from its own sockets and from an acquisitionport socket,
 * and two peers in basic and interleaved symmetric mode, whose server
 * sockets are dispatched as the daemon dispatches them (one parse for the
 * client's peers and the server). The count of parses must equal the count
 * of datagrams the network delivered, and nothing decodes a header on its
 * own. The interleaved runs must measure interleaved, so that path is
 * counted too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/client.h"
#include "core/ntp_server.h"
#include "proto/ntp_packet.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

#define START_TIME 1700000000
#define POLL 4
#define RUN_SECONDS 1200.0

enum ntp_parse_status __real_ntp_packet_parse(const uint8_t *buf, size_t len,
                                              struct ntp_packet *out);
enum ntp_parse_status __wrap_ntp_packet_parse(const uint8_t *buf, size_t len,
                                              struct ntp_packet *out);
void __real_ntp_header_decode(const uint8_t buf[NTP_HEADER_LEN], struct ntp_header *h);
void __wrap_ntp_header_decode(const uint8_t buf[NTP_HEADER_LEN], struct ntp_header *h);

static unsigned long parses, header_decodes;

enum ntp_parse_status __wrap_ntp_packet_parse(const uint8_t *buf, size_t len,
                                              struct ntp_packet *out)
{
  parses++;
  return __real_ntp_packet_parse(buf, len, out);
}

/* Calls from inside ntp_packet.c (the parser's own) are not wrapped. */
void __wrap_ntp_header_decode(const uint8_t buf[NTP_HEADER_LEN], struct ntp_header *h)
{
  header_decodes++;
  __real_ntp_header_decode(buf, h);
}

static unsigned interleaved;

static void on_measurement(void *arg, const struct client_log_measurement *m)
{
  (void)arg;
  interleaved += m->interleaved;
}

static struct client *new_client(struct sim_platform *host, struct refstate *ref, int acq_port)
{
  struct client_params p;
  ref_state_init(ref, -20);
  client_params_defaults(&p);
  p.makestep_threshold = 0.1;
  p.makestep_limit = 3;
  p.acquisitionport = acq_port;
  p.log.measurement = on_measurement;
  struct client *c = client_new(sim_platform_get(host), &p, ref);
  assert_non_null(c);
  return c;
}

static void add_source(struct client *c, const char *addr, bool peer, bool xleave)
{
  struct client_source_params s;
  client_source_defaults(&s);
  assert_true(addr_parse(addr, &s.addr));
  snprintf(s.name, sizeof(s.name), "%s", addr);
  s.minpoll = s.maxpoll = POLL;
  s.iburst = true;
  s.peer = peer;
  s.xleave = xleave;
  assert_true(client_add_source(c, &s) >= 0);
}

static struct sim_world *new_world(void)
{
  struct timespec start = {.tv_sec = START_TIME};
  struct sim_link_params lan = {.delay = 100e-6, .jitter = 10e-6};
  struct sim_world *w = sim_world_new(16, &start);
  assert_non_null(w);
  assert_int_equal(sim_net_set_default(sim_world_net(w), &lan), 0);
  parses = header_decodes = 0;
  interleaved = 0;
  return w;
}

/* Run, then check the counts over the whole run. */
static void run_and_count(struct sim_world *w, bool want_interleaved)
{
  assert_int_equal(sim_world_run(w, RUN_SECONDS), 0);
  uint64_t delivered = sim_net_stats(sim_world_net(w))->delivered;
  print_message("%lu datagrams, %lu parses, %lu header decodes, %u interleaved\n",
                (unsigned long)delivered, parses, header_decodes, interleaved);
  assert_true(delivered > 100);
  assert_int_equal(parses, delivered);
  assert_int_equal(header_decodes, 0);
  if (want_interleaved)
    assert_true(interleaved > 10);
}

/* A client with one server source (acq_port -1: a socket per request). */
static void run_server_source(bool xleave, int acq_port)
{
  struct sim_world *w = new_world();
  struct sim_server_config cfg = {.xleave = xleave};
  struct sim_platform *server_host = sim_world_add_host(w, "server", "192.0.2.1", NULL);
  struct sim_platform *client_host = sim_world_add_host(w, "client", "192.0.2.100", NULL);
  struct sim_server *server = sim_server_new(sim_world_sched(w), server_host, &cfg);
  assert_non_null(server);
  struct refstate ref;
  struct client *c = new_client(client_host, &ref, acq_port);
  add_source(c, "192.0.2.1", false, xleave);
  client_start(c);
  run_and_count(w, xleave);
  client_free(c);
  sim_server_free(server);
  sim_world_free(w);
}

static void test_server_source(void **state)
{
  (void)state;
  run_server_source(false, -1);
}

static void test_server_source_interleaved(void **state)
{
  (void)state;
  run_server_source(true, -1);
}

static void test_acquisitionport(void **state)
{
  (void)state;
  run_server_source(false, 0);
}

static void test_acquisitionport_interleaved(void **state)
{
  (void)state;
  run_server_source(true, 0);
}

/* A host whose NTP server socket is dispatched as the daemon does. */
struct node {
  struct sim_platform *host;
  struct refstate ref;
  struct client *client;
  struct ntp_server server;
};

static void on_server_socket(void *arg, int sock, const struct plat_datagram *dg)
{
  struct node *n = arg;
  struct ntp_packet pkt;
  ntp_packet_parse(dg->data, dg->len, &pkt);
  if (!client_shared_receive(n->client, sock, dg, &pkt))
    srv_respond(&n->server, sock, dg, &pkt);
}

static void on_server_tx(void *arg, int sock, const struct ip_addr *to, uint16_t port,
                         uint64_t tag, const struct timespec *tx_time,
                         enum plat_ts_source source)
{
  struct node *n = arg;
  if (!client_tx_timestamp(n->client, sock, to, port, tag, tx_time, source))
    srv_tx_timestamp(&n->server, sock, to, port, tag, tx_time, source);
}

static void node_open(struct node *n, int acq_port)
{
  const struct platform *plat = sim_platform_get(n->host);
  n->client = new_client(n->host, &n->ref, acq_port);
  srv_init(&n->server, plat, &n->ref);
  int sock = plat->ops->udp_open(plat->ctx, ADDR_INET4, NULL, 123, on_server_socket, n);
  assert_true(sock >= 0);
  assert_int_equal(srv_enable_tx_timestamps(&n->server, sock, on_server_tx, n), 0);
  client_set_server_socket(n->client, ADDR_INET4, sock, NTP_PORT, true);
}

static void node_start(struct node *n, const char *peer, bool xleave)
{
  node_open(n, -1);
  add_source(n->client, peer, true, xleave);
}

static void node_free(struct node *n)
{
  client_free(n->client);
  srv_free(&n->server);
}

/* A and B peer with each other; A also has a server, so both synchronise. */
static void run_peers(bool xleave)
{
  struct sim_world *w = new_world();
  struct sim_clock_params clock_b = {.offset = -0.1, .freq = 20.0};
  struct sim_server_config cfg = {0};
  struct node a = {0}, b = {0};
  struct sim_platform *server_host = sim_world_add_host(w, "server", "192.0.2.10", NULL);
  a.host = sim_world_add_host(w, "a", "192.0.2.1", NULL);
  b.host = sim_world_add_host(w, "b", "192.0.2.2", &clock_b);
  struct sim_server *server = sim_server_new(sim_world_sched(w), server_host, &cfg);
  assert_non_null(server);
  node_start(&a, "192.0.2.2", xleave);
  node_start(&b, "192.0.2.1", xleave);
  add_source(a.client, "192.0.2.10", false, false);
  client_start(a.client);
  client_start(b.client);
  run_and_count(w, xleave);
  node_free(&a);
  node_free(&b);
  sim_server_free(server);
  sim_world_free(w);
}

static void test_peers(void **state)
{
  (void)state;
  run_peers(false);
}

static void test_peers_interleaved(void **state)
{
  (void)state;
  run_peers(true);
}

/* acquisitionport 123, the server's port: as chronyd, the requests leave
 * from the server socket (no second socket is bound to the port: that
 * failed, and each request then went from a socket of its own), and the
 * answers come back to it, handed to the client by the daemon's dispatch. */
static void test_acquisitionport_is_server_port(void **state)
{
  (void)state;
  struct sim_world *w = new_world();
  struct sim_server_config cfg = {0};
  struct node a = {0};
  struct sim_platform *server_host = sim_world_add_host(w, "server", "192.0.2.10", NULL);
  a.host = sim_world_add_host(w, "a", "192.0.2.1", NULL);
  struct sim_server *server = sim_server_new(sim_world_sched(w), server_host, &cfg);
  assert_non_null(server);
  node_open(&a, NTP_PORT);
  add_source(a.client, "192.0.2.10", false, false);
  client_start(a.client);
  run_and_count(w, false);
  const struct sim_net_stats *st = sim_net_stats(sim_world_net(w));
  assert_int_equal(st->min_to_port, NTP_PORT);
  assert_int_equal(st->max_to_port, NTP_PORT);
  assert_int_equal(sim_platform_log_count(a.host, PLAT_LOG_ERR), 0);
  struct client_source_report r;
  assert_true(client_source_report(a.client, 0, &r));
  assert_int_equal(r.reach, 0xFF);
  node_free(&a);
  sim_server_free(server);
  sim_world_free(w);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_server_source),
    cmocka_unit_test(test_server_source_interleaved),
    cmocka_unit_test(test_acquisitionport),
    cmocka_unit_test(test_acquisitionport_interleaved),
    cmocka_unit_test(test_peers),
    cmocka_unit_test(test_peers_interleaved),
    cmocka_unit_test(test_acquisitionport_is_server_port),
  };
  return cmocka_run_group_tests_name("parse_once", tests, NULL, NULL);
}
