/* libFuzzer target for stratumc's command parser (src/stratumc/cmdparse.c)
 * and option parser (src/stratumc/options.c).
 *
 * The input is one command line. It must parse without a resolver (no
 * DNS), and a request it yields must encode (as the protocol requires,
 * padded) and decode back to the same command. The same bytes, split at
 * spaces, are also taken as stratumc's argument vector. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stratumc/cmdparse.h"
#include "stratumc/options.h"
#include "proto/cmdmon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

static void fuzz_command(const char *text)
{
  char line[SC_MAX_LINE];
  struct sc_command cmd;
  uint8_t buf[CMD_MAX_PACKET];
  struct cmd_request back;
  strncpy(line, text, sizeof(line) - 1);
  line[sizeof(line) - 1] = '\0';
  sc_parse_command(line, NULL, &cmd);
  check(memchr(cmd.message, '\0', sizeof(cmd.message)) != NULL);
  if (cmd.action != SC_ACT_REQUEST)
    return;
  cmd.req.version = CMD_PROTO_VERSION;
  size_t n = cmd_build_request(&cmd.req, buf, sizeof(buf));
  check(n > 0 && n == cmd_request_length(cmd.req.command));
  check(cmd_parse_request(buf, n, &back) == CMD_PARSE_OK);
  check(back.command == cmd.req.command);
}

static void fuzz_options(char *text)
{
  char *argv[64];
  int argc = 0;
  argv[argc++] = "stratumc";
  for (char *save = NULL, *w = strtok_r(text, " ", &save); w && argc < 63;
       w = strtok_r(NULL, " ", &save))
    argv[argc++] = w;
  argv[argc] = NULL;
  struct sc_options o;
  char err[128];
  if (sc_options_parse(argc, argv, &o, err, sizeof(err)) == SC_OPT_RUN)
    check(o.first_command >= 1 && o.first_command <= argc && o.port >= 0 && o.port <= 65535);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = malloc(size + 1);
  if (!text)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  fuzz_command(text);
  fuzz_options(text);
  free(text);
  return 0;
}
