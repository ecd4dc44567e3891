#include "sim/scenario_chronyc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_rng.h"
#include "stratumc/ipaddr.h"
#include "stratumc/options.h"
#include "stratumc/shell.h"
#include "stratumc/transport.h"

#define MAX_ARGS 8

struct link {
  struct cmdsrv *srv;
  uint32_t sequence;               /* chronyc's are random; counted here */
  unsigned sent;                   /* request datagrams */
  int retries;                     /* the shell's setting */
  const struct scenario *s;
  const struct ip_addr *servers;
  struct ip_addr from;
};

/* An sc_resolve_fn: the first address of one of the scenario's names. */
static bool resolve(void *arg, const char *name, struct cmd_ip *ip)
{
  const struct link *l = arg;
  for (unsigned i = 0; i < SCENARIO_MAX_NAMES && l->s->names[i].name; i++)
    if (!strcmp(l->s->names[i].name, name) && l->s->names[i].servers[0]) {
      *ip = cmdsrv_ip_from_addr(&l->servers[l->s->names[i].servers[0] - 1]);
      return true;
    }
  return false;
}

/* The session's reverse: the first of the scenario's names that has the
 * address, else the address (as getnameinfo without a name). */
static void reverse(void *arg, const struct cmd_ip *ip, char *buf, size_t len)
{
  const struct link *l = arg;
  struct ip_addr a = cmdsrv_ip_to_addr(ip);
  for (unsigned i = 0; i < SCENARIO_MAX_NAMES && l->s->names[i].name; i++)
    for (unsigned k = 0; k < SCENARIO_MAX_SERVERS && l->s->names[i].servers[k]; k++)
      if (addr_equal(&a, &l->servers[l->s->names[i].servers[k] - 1])) {
        snprintf(buf, len, "%s", l->s->names[i].name);
        return;
      }
  sc_ip_to_string(ip, buf, len);
}

/* One attempt: the request through the command server at once, from the
 * chronyc's address or the Unix socket; false: no reply. */
static bool attempt(struct link *l, struct cmd_request *req, struct cmd_reply *rpy)
{
  uint8_t q[CMD_MAX_PACKET], r[CMD_MAX_PACKET];
  req->sequence = ++l->sequence;
  size_t n = cmd_build_request(req, q, sizeof(q));
  unsigned every = l->s->chronyc_pass_every;
  if (!n || (every && ++l->sent % every != 0))   /* lost on the way */
    return false;
  n = l->from.family == ADDR_UNSPEC ? cmdsrv_process(l->srv, q, n, true, r, sizeof(r))
                                    : cmdsrv_process_udp(l->srv, &l->from, NULL, q, n, r,
                                                         sizeof(r));
  return n && sc_transport_matches(r, n, req) && sc_transport_decode(r, n, rpy);
}

/* An sc_exchange_fn: up to 1 + retries attempts, as stratumc's transport
 * (none answered: chronyc's 506). */
static bool exchange(void *arg, struct cmd_request *req, struct cmd_reply *rpy)
{
  struct link *l = arg;
  req->version = CMD_PROTO_VERSION;
  for (int i = 0; i <= l->retries; i++) {
    req->attempt = (uint16_t)i;
    if (attempt(l, req, rpy))
      return true;
  }
  return false;
}

static bool parse_options(const char *text, struct sc_options *o)
{
  char buf[128], err[128];
  char *argv[MAX_ARGS + 1] = {"stratumc"};
  int argc = 1;
  snprintf(buf, sizeof(buf), "%s", text ? text : "");
  for (char *save, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
    if (argc == MAX_ARGS)
      return false;
    argv[argc++] = w;
  }
  return sc_options_parse(argc, argv, o, err, sizeof(err)) == SC_OPT_RUN &&
         o->first_command == argc;
}

struct scenario_chronyc {
  struct link link;
  struct sc_resolver resolver;
  struct sc_out out;
  struct sc_session session;
  struct sc_shell shell;
  struct sim_rng rng;              /* keygen's keys: the same for the same seed */
  FILE *f;
  char *text, *lines, *save, *next;
  size_t len;
};

static bool seeded_random(void *arg, void *buf, size_t len)
{
  sim_rng_bytes(arg, buf, len);
  return true;
}

struct scenario_chronyc *scenario_chronyc_start(struct cmdsrv *srv, const struct scenario *s,
                                                const struct ip_addr *servers,
                                                time_t (*now)(void *arg), void *now_arg,
                                                uint64_t seed)
{
  struct sc_options o;
  struct scenario_chronyc *c = calloc(1, sizeof(*c));
  if (!c || !parse_options(s->chronyc_options, &o) || !(c->lines = strdup(s->chronyc)) ||
      !(c->f = open_memstream(&c->text, &c->len))) {
    if (c)
      free(c->lines);
    free(c);
    return NULL;
  }
  c->link = (struct link){.srv = srv, .retries = SC_DEFAULT_RETRIES, .s = s,
                          .servers = servers, .from = {.family = ADDR_UNSPEC}};
  char from[32];
  snprintf(from, sizeof(from), "%s%u", SCENARIO_SERVER_NET, s->chronyc_host);
  if (s->chronyc_host)
    addr_parse(from, &c->link.from);
  c->resolver = (struct sc_resolver){resolve, &c->link};
  sc_out_init(&c->out, c->f, o.json ? SC_JSON : o.csv ? SC_CSV : SC_HUMAN);
  c->out.err = c->f;
  c->session = (struct sc_session){exchange,      &c->link,         &c->out,
                                   {o.family},    o.no_dns,         o.source_names,
                                   reverse,       &c->link,         now,
                                   now_arg};
  /* timeout: the attempts take no simulated time */
  sim_rng_seed(&c->rng, seed);
  c->shell = (struct sc_shell){.session = &c->session, .resolver = &c->resolver,
                               .retries = &c->link.retries, .end_dot = o.end_dot && !o.json,
                               .random = seeded_random, .random_arg = &c->rng};
  c->next = strtok_r(c->lines, "\n", &c->save);
  return c;
}

bool scenario_chronyc_next(struct scenario_chronyc *c)
{
  if (!c->next || c->shell.quit)
    return false;
  bool ok = sc_shell_line(&c->shell, c->next, NULL);
  c->next = strtok_r(NULL, "\n", &c->save);
  return c->next && !c->shell.quit && (ok || c->link.s->chronyc_each);
}

void scenario_chronyc_end(struct scenario_chronyc *c, char *out, size_t cap)
{
  fclose(c->f);
  snprintf(out, cap, "%s", c->text ? c->text : "");
  free(c->text);
  free(c->lines);
  free(c);
}
