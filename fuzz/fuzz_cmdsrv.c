/* libFuzzer target for the command server (src/core/cmdsrv.c), with no
 * sources: any datagram, from the Unix socket or UDP, must be handled
 * without a crash, and a reply is never longer than the datagram. The
 * first input byte picks local or UDP, local on or off, manual on or off
 * (manual on|off|reset|list act on it; settime needs a client). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmdsrv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fixed_now(void *ctx, struct timespec *out)
{
  (void)ctx;
  out->tv_sec = 1700000000;
  out->tv_nsec = 0;
}

static void no_log(void *ctx, int level, const char *msg)
{
  (void)ctx;
  (void)level;
  (void)msg;
}

static const struct platform_ops ops = {.now = fixed_now, .log = no_log};
static const struct platform plat = {.ops = &ops};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct refstate ref;
  struct ntp_server ntp;
  struct cmdsrv srv;
  struct manual manual;
  uint8_t out[CMD_MAX_PACKET];
  if (size < 1)
    return 0;
  ref_state_init(&ref, -20);
  struct ref_local local = {.enabled = data[0] & 2, .stratum = 3, .distance = 1.0};
  struct timespec t0 = {.tv_sec = 1};
  ref_set_local(&ref, &local, &t0);
  srv_init(&ntp, &plat, &ref);
  cmdsrv_init(&srv, &plat, &ref, &ntp);
  manual_init(&manual, data[0] & 4);
  srv.manual = &manual;
  size_t n = cmdsrv_process(&srv, data + 1, size - 1, data[0] & 1, out, sizeof(out));
  if (n > size - 1)
    abort();
  cmdsrv_free(&srv);
  srv_free(&ntp);
  return 0;
}
