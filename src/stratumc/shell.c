#include "stratumc/shell.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>

#include "stratumc/help.h"
#include "stratumc/reports.h"

static void apply_setting(struct sc_shell *sh, const struct sc_command *cmd)
{
  switch (cmd->setting) {
  case SC_SET_DNS: sh->session->no_dns = !cmd->value; break;
  case SC_SET_FAMILY: sh->session->dns.family = cmd->value; break;
  case SC_SET_TIMEOUT:
    if (sh->timeout_ms)
      *sh->timeout_ms = cmd->value;
    break;
  case SC_SET_RETRIES:
    if (sh->retries)
      *sh->retries = cmd->value;
    break;
  }
}

bool sc_shell_random(void *arg, void *buf, size_t len)
{
  uint8_t *p = buf;
  size_t got = 0;
  (void)arg;
  /* Over 256 bytes a read may come back short (a signal): read the rest,
   * a bounded number of times. */
  for (int tries = 0; got < len && tries < 8; tries++) {
    ssize_t n = getrandom(p + got, len - got, 0);
    if (n > 0)
      got += (size_t)n;
  }
  return got == len;
}

/* keygen's line: the key from the shell's random source, in chronyc's
 * format ("ID TYPE HEX:..."). */
static bool keygen(const struct sc_shell *sh, const struct sc_command *cmd)
{
  struct sc_out *out = sh->session->out;
  FILE *f = out->f;
  uint8_t key[512];
  if (cmd->key_len > sizeof(key) || !sh->random(sh->random_arg, key, cmd->key_len)) {
    sc_out_error(out, "Could not read random data");
    return false;
  }
  fprintf(f, "%u %s HEX:", cmd->key_id, cmd->key_type);
  for (unsigned i = 0; i < cmd->key_len; i++)
    fprintf(f, "%02X", key[i]);
  fprintf(f, "\n");
  return true;
}

static bool run(struct sc_shell *sh, struct sc_command *cmd)
{
  struct cmd_reply rpy;
  switch (cmd->action) {
  case SC_ACT_NONE: return true;
  case SC_ACT_REQUEST:
    return sc_session_request(sh->session, &cmd->req, &rpy, CMD_RPY_NULL, true);
  case SC_ACT_REPORT: return sc_report_run(sh->session, cmd);
  case SC_ACT_SETTING: apply_setting(sh, cmd); return true;
  case SC_ACT_HELP: sc_help_commands(sh->session->out->f); return true;
  case SC_ACT_KEYGEN: return keygen(sh, cmd);
  case SC_ACT_QUIT: sh->quit = true; return true;
  case SC_ACT_WARN: fprintf(sh->session->out->err, "%s\n", cmd->message); return true;
  case SC_ACT_ERROR: sc_out_error(sh->session->out, cmd->message); return false;
  }
  return false;
}

bool sc_shell_line(struct sc_shell *sh, char *line, enum sc_action *action)
{
  struct sc_command cmd;
  struct sc_out *out = sh->session->out;
  sc_parse_command(line, sh->resolver, &cmd);
  /* metrics prints Prometheus' text even with -j: no JSON object around it */
  bool object = cmd.action == SC_ACT_REQUEST ||
                (cmd.action == SC_ACT_REPORT && cmd.report != SC_REP_METRICS) ||
                cmd.action == SC_ACT_ERROR;
  if (object)
    sc_out_begin(out, cmd.name);
  bool ok = run(sh, &cmd);
  if (object)
    sc_out_end(out);
  if (sh->end_dot && cmd.action != SC_ACT_NONE)   /* chronyc 4.4+: not after a blank line */
    fprintf(out->f, ".\n");
  if (action)
    *action = cmd.action;
  return ok;
}
