#include "sim/scenario_chronyc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stratumc/ipaddr.h"
#include "stratumc/options.h"
#include "stratumc/shell.h"
#include "stratumc/transport.h"

#define MAX_ARGS 8

struct link {
  struct cmdsrv *srv;
  uint32_t sequence;               /* chronyc's are random; counted here */
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

/* An sc_exchange_fn: the request through the command server at once, from
 * the chronyc's address or the Unix socket (no reply: chronyc's 506 after
 * its retries). */
static bool exchange(void *arg, struct cmd_request *req, struct cmd_reply *rpy)
{
  struct link *l = arg;
  uint8_t q[CMD_MAX_PACKET], r[CMD_MAX_PACKET];
  req->version = CMD_PROTO_VERSION;
  req->sequence = ++l->sequence;
  req->attempt = 0;
  size_t n = cmd_build_request(req, q, sizeof(q));
  if (n)
    n = l->from.family == ADDR_UNSPEC ? cmdsrv_process(l->srv, q, n, true, r, sizeof(r))
                                      : cmdsrv_process_udp(l->srv, &l->from, NULL, q, n, r,
                                                           sizeof(r));
  return n && sc_transport_matches(r, n, req) && sc_transport_decode(r, n, rpy);
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

bool scenario_chronyc_run(struct cmdsrv *srv, const struct scenario *s,
                          const struct ip_addr servers[SCENARIO_MAX_SERVERS], char *out,
                          size_t cap)
{
  struct sc_options o;
  char *text = NULL, *conf = strdup(s->chronyc);
  size_t len = 0;
  FILE *f = conf ? open_memstream(&text, &len) : NULL;
  if (!f || !parse_options(s->chronyc_options, &o)) {
    if (f)
      fclose(f);
    free(text);
    free(conf);
    return false;
  }
  struct link l = {srv, 0, s, servers, {.family = ADDR_UNSPEC}};
  char from[32];
  snprintf(from, sizeof(from), "%s%u", SCENARIO_SERVER_NET, s->chronyc_host);
  if (s->chronyc_host)
    addr_parse(from, &l.from);
  struct sc_resolver res = {resolve, &l};
  struct sc_out so;
  sc_out_init(&so, f, o.json ? SC_JSON : o.csv ? SC_CSV : SC_HUMAN);
  so.err = f;
  struct sc_session session = {exchange, &l, &so, {o.family}, o.no_dns, reverse, &l};
  struct sc_shell sh = {&session, &res, NULL, NULL, o.end_dot && !o.json, false};
  for (char *save, *line = strtok_r(conf, "\n", &save); line && !sh.quit;
       line = strtok_r(NULL, "\n", &save))
    sc_shell_line(&sh, line, NULL);
  bool ok = fclose(f) == 0;
  snprintf(out, cap, "%s", text ? text : "");
  free(text);
  free(conf);
  return ok;
}
