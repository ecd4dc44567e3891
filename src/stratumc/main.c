/* stratumc: the control client of stratumd, a drop-in for chrony's chronyc
 * (same options, commands, output and exit status) over chrony's command
 * protocol, version 6. Commands come from the arguments or, without any,
 * one per line from standard input (with a prompt and line editing at a
 * terminal). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "stratumc/cmdparse.h"
#include "stratumc/help.h"
#include "stratumc/options.h"
#include "stratumc/report.h"
#include "stratumc/session.h"
#include "stratumc/shell.h"
#include "stratumc/terminal.h"
#include "stratumc/transport.h"

struct client {
  struct sc_transport transport;
  struct sc_session session;
  struct sc_resolver resolver;
  struct sc_shell shell;
};

static void on_signal(int sig)
{
  (void)sig;
  sc_transport_interrupt();
}

static void catch_signals(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;      /* no SA_RESTART: waits end at once */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

static bool process_line(struct client *c, char *line)
{
  enum sc_action action;
  bool ok = sc_shell_line(&c->shell, line, &action);
  fflush(stderr);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "Could not write to stdout\n");
    return action == SC_ACT_REQUEST ? ok : false;
  }
  return ok;
}

/* The arguments: one command, or one per argument with -m. As chronyc,
 * stop at the first command that fails. */
static bool process_args(struct client *c, int argc, char **argv, bool multi)
{
  char line[SC_MAX_LINE];
  size_t len = 0;
  bool ok = false;
  for (int i = 0; i < argc; i++) {
    int n = snprintf(line + len, sizeof(line) - len, "%s ", argv[i]);
    if (n < 0 || (size_t)n >= sizeof(line) - len) {
      fprintf(stderr, "Command too long\n");
      return false;
    }
    len += (size_t)n;
    if (!multi && i + 1 < argc)
      continue;
    ok = process_line(c, line);
    if (!ok || c->shell.quit)
      break;
    len = 0;
  }
  return ok;
}

/* Discard the rest of a line longer than the buffer. */
static void skip_line(FILE *in)
{
  int ch;
  while ((ch = getc(in)) != EOF && ch != '\n')
    ;
}

/* Commands from standard input, one per line; the status is the last one's. */
static bool process_stdin(struct client *c)
{
  char line[SC_MAX_LINE];
  bool ok = true;
  while (!c->shell.quit && fgets(line, sizeof(line), stdin)) {
    size_t len = strlen(line);
    if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
      skip_line(stdin);
      fprintf(stderr, "Command too long\n");
      ok = false;
      continue;
    }
    ok = process_line(c, line);
  }
  return ok;
}

static bool exchange(void *transport, struct cmd_request *req, struct cmd_reply *rpy)
{
  return sc_transport_request(transport, req, rpy);
}

static bool process_terminal_line(void *arg, char *line)
{
  return process_line(arg, line);
}

static int run_client(const struct sc_options *o, int argc, char **argv)
{
  struct sc_out out;
  struct client c;
  memset(&c, 0, sizeof(c));
  sc_out_init(&out, stdout, o->json ? SC_JSON : o->csv ? SC_CSV : SC_HUMAN);
  c.session = (struct sc_session){.exchange = exchange, .exchange_arg = &c.transport, .out = &out,
                                  .dns = {o->family}, .no_dns = o->no_dns,
                                  .source_names = o->source_names};
  c.resolver = (struct sc_resolver){sc_dns_resolve, &c.session.dns};
  c.shell = (struct sc_shell){.session = &c.session, .resolver = &c.resolver,
                              .timeout_ms = &c.transport.timeout_ms,
                              .retries = &c.transport.retries, .end_dot = o->end_dot && !o->json,
                              .random = sc_shell_random};
  if (!sc_transport_init(&c.transport, o->hosts, o->port, &c.session.dns, o->debug) ||
      !sc_transport_open(&c.transport)) {
    fprintf(stderr, "Could not open connection to daemon\n");
    return 1;
  }
  catch_signals();
  bool ok;
  if (o->first_command < argc)
    ok = process_args(&c, argc - o->first_command, argv + o->first_command, o->multi);
  else if (sc_terminal_wanted())
    ok = sc_terminal_run(process_terminal_line, &c, &c.shell.quit);
  else
    ok = process_stdin(&c);
  sc_transport_close(&c.transport);
  return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
  struct sc_options o;
  char err[128];
  switch (sc_options_parse(argc, argv, &o, err, sizeof(err))) {
  case SC_OPT_HELP:
    sc_help_usage(stdout, argv[0]);
    return 0;
  case SC_OPT_VERSION:
    printf("stratumc (Stratum) version %s\n", STRATUM_VERSION);
    return 0;
  case SC_OPT_ERROR:
    fprintf(stderr, "stratumc: %s\n", err);
    sc_help_usage(stderr, argv[0]);
    return 1;
  case SC_OPT_RUN:
    break;
  }
  /* report reads log files: no daemon to talk to */
  if (o.first_command < argc && !strcmp(argv[o.first_command], "report")) {
    if (argc - o.first_command != 3) {
      fprintf(stderr, "stratumc: usage: report LOGDIR OUT.html\n");
      return 1;
    }
    return sc_report_page(argv[o.first_command + 1], argv[o.first_command + 2]);
  }
  return run_client(&o, argc, argv);
}
