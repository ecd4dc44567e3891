/* sim_fixture: the simulated network most unit tests of the client core
 * start from: a client host at 192.0.2.1 and n servers (sim_server) at
 * 192.0.2.11, .12, ... on a LAN, and the client's reference state at
 * precision -20. The test makes its own client (or wraps the client
 * host's platform first); simfx_client_params() and simfx_source() give
 * the parameters most tests start from. Header-only, like fake_platform.h;
 * include it after cmocka.h. */
#ifndef STRATUM_TESTS_SIM_FIXTURE_H
#define STRATUM_TESTS_SIM_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "core/client.h"
#include "core/cmdsrv.h"
#include "core/ntp_server.h"
#include "core/reference.h"
#include "proto/ntp_packet.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

#define SIMFX_MAX_SERVERS 8
#define SIMFX_START 1700000000

struct simfx_opts {
  uint64_t seed;                   /* 0: 1 */
  time_t start;                    /* 0: SIMFX_START */
  struct sim_link_params lan;      /* delay 0: 100 us, jitter 10 us */
  unsigned n_servers;              /* 0: 1 */
  struct sim_clock_params client_clock;
  struct sim_clock_params server_clock[SIMFX_MAX_SERVERS];
  struct sim_server_config server[SIMFX_MAX_SERVERS];
  /* delay != 0: the path between the client and server i instead of the LAN. */
  struct sim_link_params path[SIMFX_MAX_SERVERS];
};

struct simfx {
  struct sim_world *w;
  struct sim_platform *client_host;
  unsigned n_servers;
  struct sim_platform *hosts[SIMFX_MAX_SERVERS];
  struct sim_server *servers[SIMFX_MAX_SERVERS];
  struct ip_addr addrs[SIMFX_MAX_SERVERS];
  struct refstate ref;
};

static inline void simfx_init(struct simfx *f, const struct simfx_opts *o)
{
  struct timespec start = {.tv_sec = o->start ? o->start : SIMFX_START};
  struct sim_link_params lan = o->lan.delay != 0.0 ? o->lan
                               : (struct sim_link_params){.delay = 100e-6, .jitter = 10e-6};
  memset(f, 0, sizeof(*f));
  f->n_servers = o->n_servers ? o->n_servers : 1;
  assert_true(f->n_servers <= SIMFX_MAX_SERVERS);
  f->w = sim_world_new(o->seed ? o->seed : 1, &start);
  assert_non_null(f->w);
  assert_int_equal(sim_net_set_default(sim_world_net(f->w), &lan), 0);
  f->client_host = sim_world_add_host(f->w, "client", "192.0.2.1", &o->client_clock);
  assert_non_null(f->client_host);
  for (unsigned i = 0; i < f->n_servers; i++) {
    char name[32], addr[32];   /* room for any unsigned, as the compiler checks */
    snprintf(name, sizeof(name), "server%u", i);
    snprintf(addr, sizeof(addr), "192.0.2.%u", 11 + i);
    f->hosts[i] = sim_world_add_host(f->w, name, addr, &o->server_clock[i]);
    assert_non_null(f->hosts[i]);
    if (o->path[i].delay != 0.0)
      assert_int_equal(sim_world_set_path(f->w, f->client_host, f->hosts[i], &o->path[i]), 0);
    f->servers[i] = sim_server_new(sim_world_sched(f->w), f->hosts[i], &o->server[i]);
    assert_non_null(f->servers[i]);
    assert_true(addr_parse(addr, &f->addrs[i]));
  }
  ref_state_init(&f->ref, -20);
}

static inline void simfx_free(struct simfx *f)
{
  for (unsigned i = 0; i < f->n_servers; i++)
    sim_server_free(f->servers[i]);
  sim_world_free(f->w);
}

static inline const struct platform *simfx_platform(const struct simfx *f)
{
  return sim_platform_get(f->client_host);
}

/* chrony's defaults, the clock left alone (-x). */
static inline struct client_params simfx_client_params(void)
{
  struct client_params p;
  client_params_defaults(&p);
  p.control = false;
  return p;
}

/* Server i with minpoll = maxpoll = poll, other options chrony's defaults. */
static inline struct client_source_params simfx_source(const struct simfx *f, unsigned i,
                                                       int poll)
{
  struct client_source_params s;
  client_source_defaults(&s);
  s.addr = f->addrs[i];
  s.minpoll = s.maxpoll = poll;
  return s;
}

/* Runs the world until `t` seconds from its start. */
static inline void simfx_run_until(struct simfx *f, double t)
{
  assert_int_equal(sim_world_run(f->w, t - sim_world_elapsed(f->w)), 0);
}

/* A client on plat with parameters p, synchronised for 120 s to server 0
 * (poll 4, iburst), serving everyone (ntp) and answering commands (cmd). */
static inline struct client *simfx_serving_client(struct simfx *f, const struct platform *plat,
                                                  const struct client_params *p,
                                                  struct ntp_server *ntp, struct cmdsrv *cmd)
{
  struct ip_subnet any = {0};
  srv_init(ntp, plat, &f->ref);
  assert_true(access_add(&ntp->access, &any, true, false));
  struct client *c = client_new(plat, p, &f->ref);
  assert_non_null(c);
  struct client_source_params s = simfx_source(f, 0, 4);
  s.iburst = true;
  assert_true(client_add_source(c, &s) >= 0);
  cmdsrv_init(cmd, plat, &f->ref, ntp);
  cmd->client = c;
  client_start(c);
  simfx_run_until(f, 120.0);
  assert_true(f->ref.synchronised);
  return c;
}

static inline void simfx_serving_client_free(struct client *c, struct ntp_server *ntp,
                                             struct cmdsrv *cmd)
{
  cmdsrv_free(cmd);
  client_free(c);
  srv_free(ntp);
}

/* chronyc tracking, asked of cmd. */
static inline struct cmd_rpy_tracking simfx_tracking(struct cmdsrv *cmd)
{
  uint8_t req[CMD_MAX_PACKET], out[CMD_MAX_PACKET];
  struct cmd_request q = {.command = CMD_TRACKING, .sequence = 1};
  struct cmd_reply r;
  size_t n = cmd_build_request(&q, req, sizeof(req));
  size_t m = cmdsrv_process(cmd, req, n, true, out, sizeof(out));
  assert_true(cmd_parse_reply(out, m, &r));
  assert_int_equal(r.status, CMD_STT_SUCCESS);
  return r.data.tracking;
}

/* The header srv answers a client's request with, received now by plat's clock. */
static inline struct ntp_header simfx_served(struct ntp_server *srv, const struct platform *plat)
{
  uint8_t req[NTP_HEADER_LEN], reply[SRV_REPLY_MAX];
  struct ntp_header h = {.version = 4, .mode = NTP_MODE_CLIENT, .transmit = 42};
  struct ntp_packet p;
  ntp_header_encode(&h, req);
  struct plat_datagram dg = {.data = req, .len = sizeof(req), .from_port = 40000};
  assert_true(addr_parse("192.0.2.99", &dg.from));
  plat->ops->now(plat->ctx, &dg.rx_time);
  ntp_packet_parse(req, sizeof(req), &p);
  size_t n = srv_process(srv, &dg, &p, reply, sizeof(reply));
  assert_int_equal(n, NTP_HEADER_LEN);
  assert_int_equal(ntp_packet_parse(reply, n, &p), NTP_PARSE_OK);
  return p.hdr;
}

#endif
