/* Server request handling on arbitrary bytes: never crash, and never build
 * a reply longer than the request. The first byte picks the source address
 * so the access table is exercised too, and whether a client log with a
 * tight ratelimit (with kod) sees the request three times, and (bit 4)
 * whether the server answers NTS (keys from a counter, as fuzz_nts_server,
 * so a seed made with them reaches the NTS reply). */
#include <stdlib.h>
#include <string.h>

#include "core/ntp_server.h"
#include "proto/ntp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fixed_now(void *ctx, struct timespec *out)
{
  (void)ctx;
  *out = (struct timespec){1700000000, 0};
}

static void counter_bytes(void *ctx, void *buf, size_t len)
{
  uint8_t *p = buf, *next = ctx;
  for (size_t i = 0; i < len; i++)
    p[i] = (*next)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const int aeads[] = {30, 15};
  static struct platform_ops ops = {.now = fixed_now, .random_bytes = counter_bytes};
  uint8_t counter = 0;
  const struct platform plat = {&ops, &counter};
  struct refstate ref;
  struct ntp_server srv;
  struct plat_datagram dg;
  struct ip_subnet net;
  struct ntss nts;
  static uint8_t reply[SRV_REPLY_MAX];

  if (size < 1)
    return 0;
  ref_state_init(&ref, -20);
  struct ref_local local = {.enabled = data[0] & 1, .stratum = 10, .distance = 1.0};
  struct timespec t0 = {.tv_sec = 1};
  ref_set_local(&ref, &local, &t0);
  srv_init(&srv, &plat, &ref);
  subnet_parse("10.0.0.0/8", &net);
  access_add(&srv.access, &net, true, false);
  if (data[0] & 16) {
    ntss_init(&nts, &plat, aeads, 2, NULL, 0);
    srv.nts = &nts;
  }
  memset(&dg, 0, sizeof(dg));
  dg.from.family = ADDR_INET4;
  dg.from.bytes[0] = data[0] & 2 ? 10 : 11;
  dg.from.bytes[3] = data[0];
  /* A copy, so later rounds can name the previous reply (interleaved). */
  uint8_t *req = malloc(size);
  if (!req)
    return 0;
  memcpy(req, data + 1, size - 1);
  dg.data = req;
  dg.len = size - 1;
  dg.rx_time.tv_sec = 1700000000;
  struct clientlog *clog = NULL;
  if (data[0] & 4) {
    struct clog_params p = {.active = true, .limit = 0, .seed = data[0]};
    p.rate[CLOG_NTP] = (struct clog_ratelimit){true, 4, 1, 1, 1};
    srv.clog = clog = clog_new(&p);
  }
  for (int i = 0; i < (clog ? 3 : 1); i++) {
    struct ntp_packet p;
    ntp_packet_parse(dg.data, dg.len, &p);
    size_t n = srv_process(&srv, &dg, &p, reply, sizeof(reply));
    if (n > dg.len)
      abort();
    if (n > 0 && srv.last.save_ts) {
      /* What srv_receive saves after sending; with bit 3, the next request
       * is an interleaved one naming this reply. */
      clog_save_ntp_timestamps(clog, srv.last.rx, srv.last.rx + 1000);
      if ((data[0] & 8) && dg.len >= NTP_HEADER_LEN)
        memcpy(req + 24, reply + 32, 8);
    }
    dg.rx_time.tv_sec++;
  }
  free(req);
  clog_free(clog);
  srv_free(&srv);
  return 0;
}
