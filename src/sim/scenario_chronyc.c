#include "sim/scenario_chronyc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stratumc/options.h"
#include "stratumc/shell.h"
#include "stratumc/transport.h"

#define MAX_ARGS 8

struct link {
  struct cmdsrv *srv;
  uint32_t sequence;               /* chronyc's are random; counted here */
};

/* An sc_exchange_fn: the request through the command server at once. */
static bool exchange(void *arg, struct cmd_request *req, struct cmd_reply *rpy)
{
  struct link *l = arg;
  uint8_t q[CMD_MAX_PACKET], r[CMD_MAX_PACKET];
  req->version = CMD_PROTO_VERSION;
  req->sequence = ++l->sequence;
  req->attempt = 0;
  size_t n = cmd_build_request(req, q, sizeof(q));
  n = n ? cmdsrv_process(l->srv, q, n, false, r, sizeof(r)) : 0;
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

bool scenario_chronyc_run(struct cmdsrv *srv, const char *options, const char *lines,
                          char *out, size_t cap)
{
  struct sc_options o;
  char *text = NULL, *conf = strdup(lines);
  size_t len = 0;
  FILE *f = conf ? open_memstream(&text, &len) : NULL;
  if (!f || !parse_options(options, &o)) {
    if (f)
      fclose(f);
    free(text);
    free(conf);
    return false;
  }
  struct link l = {srv, 0};
  struct sc_out so;
  sc_out_init(&so, f, o.json ? SC_JSON : o.csv ? SC_CSV : SC_HUMAN);
  so.err = f;
  struct sc_session session = {exchange, &l, &so, {o.family}, o.no_dns};
  struct sc_shell sh = {&session, NULL, NULL, NULL, o.end_dot && !o.json, false};
  for (char *save, *line = strtok_r(conf, "\n", &save); line && !sh.quit;
       line = strtok_r(NULL, "\n", &save))
    sc_shell_line(&sh, line, NULL);
  bool ok = fclose(f) == 0;
  snprintf(out, cap, "%s", text ? text : "");
  free(text);
  free(conf);
  return ok;
}
