/* The client log driven by arbitrary sequences of requests (addresses from
 * a small space so slots fill and records are replaced, times that jump
 * back and forth), rate limit verdicts and report walks with reset and
 * min_hits; and the map of interleaved timestamps: saves of receive
 * timestamps that go back and forth and repeat, uses and kernel updates.
 * Invariants: the table never exceeds its bound, a request just logged is
 * at the index it was given, totals count every request and every drop,
 * reports hold sane values; the map holds at most as many timestamps as
 * the table records, a new receive timestamp saved gives its transmit
 * time (within 2 s) once. */
#include <stdlib.h>
#include <string.h>

#include "core/clientlog.h"

#define TX_RANGE (2ll << 32)       /* tsmap keeps tx - rx within (-2, 2] s */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
  const uint8_t *p;
  size_t n;
};

static uint8_t byte(struct input *in)
{
  if (in->n == 0)
    return 0;
  in->n--;
  return *in->p++;
}

static void check(int ok)
{
  if (!ok)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct input in = {data, size};
  struct clog_params p;
  memset(&p, 0, sizeof(p));
  uint8_t cfg = byte(&in);
  p.active = (cfg & 1) == 0;
  p.limit = (uint64_t)byte(&in) * 1920;      /* 0..255 slots' worth */
  p.seed = byte(&in);
  for (int s = 0; s < CLOG_N_SERVICES; s++) {
    uint8_t r = byte(&in);
    p.rate[s].enabled = p.active && (r & 1);
    p.rate[s].interval = (int8_t)byte(&in) % 40;
    p.rate[s].burst = byte(&in) - 8;
    p.rate[s].leak = (r >> 1) % 8 - 1;
    p.rate[s].kod = (r >> 4) % 8 - 1;
  }
  struct clientlog *l = clog_new(&p);
  if (!l)
    return 0;
  struct timespec now = {.tv_sec = 1700000000};
  uint64_t requests[CLOG_N_SERVICES] = {0}, drops[CLOG_N_SERVICES] = {0};
  uint32_t max = clog_max_records(l);
  static uint8_t saved[65536 / 8];           /* receive timestamps saved, by key */
  memset(saved, 0, sizeof(saved));
  while (in.n > 0) {
    uint8_t op = byte(&in);
    enum clog_service s = (op >> 7) ? CLOG_CMD : CLOG_NTP;
    if ((op & 3) == 0 && (op & 0x60)) {      /* interleaved timestamps */
      uint16_t key = byte(&in);
      key = (uint16_t)(key << 8 | byte(&in));
      uint64_t rx = (3900000000ull + (key >> 8)) << 32 | (uint64_t)(key & 0xff) << 24 | 1;
      uint64_t tx = rx + (uint64_t)((int8_t)byte(&in) * (1ll << 26)), got = 0;
      bool fresh = !(saved[key / 8] & (1u << key % 8));
      switch (op & 0x60) {
      case 0x20:                             /* a reply sent, then its client back */
        clog_save_ntp_timestamps(l, rx, tx);
        saved[key / 8] |= (uint8_t)(1u << key % 8);
        /* (one saved before may have been pushed out or dropped) */
        bool ok = clog_take_ntp_tx(l, rx, &got);
        check(ok || !(p.active && fresh && (int64_t)(tx - rx) > -TX_RANGE &&
                      (int64_t)(tx - rx) <= TX_RANGE));
        check((!ok || got == tx) && !clog_take_ntp_tx(l, rx, &got));
        break;
      case 0x40:                             /* saved, not used yet */
        clog_save_ntp_timestamps(l, rx, tx);
        saved[key / 8] |= (uint8_t)(1u << key % 8);
        break;
      default:                               /* the kernel's transmit time, then used */
        clog_update_ntp_tx(l, rx, tx);
        if (clog_take_ntp_tx(l, rx, &got))
          check(!fresh && got == tx && !clog_take_ntp_tx(l, rx, &got));
        break;
      }
      uint32_t count, span;
      clog_ntp_timestamp_stats(l, &count, &span);
      check(count <= max && (p.active || count == 0));
      check(clog_memory(l) <= (size_t)max * CLOG_RECORD_COST);
      continue;
    }
    switch (op & 3) {
    case 0:                                  /* time passes (or goes back) */
      now.tv_nsec += (long)byte(&in) * 3906250;
      now.tv_sec += (int8_t)byte(&in) / 16 + now.tv_nsec / 1000000000;
      now.tv_nsec %= 1000000000;
      break;
    case 1:
    case 2: {                                /* a request */
      struct ip_addr a;
      memset(&a, 0, sizeof(a));
      uint8_t x = byte(&in);
      a.family = x & 1 ? ADDR_INET6 : ADDR_INET4;
      if ((x & 6) == 6)
        a.family = ADDR_UNSPEC;
      a.bytes[3] = byte(&in);
      a.bytes[15] = (uint8_t)(x >> 3);
      int index = clog_access(l, s, &a, &now);
      requests[s]++;
      if (index >= 0) {
        struct clog_report r;
        check(p.active && index < clog_n_indices(l));
        check(clog_report(l, (uint32_t)index, false, 0, &now, &r));
        check(addr_equal(&r.addr, &a) && r.hits[s] >= 1 && r.last_ago[s] == 0);
      } else {
        check(!p.active || a.family == ADDR_UNSPEC);
      }
      enum clog_verdict v = clog_limit(l, s, index);
      check(v == CLOG_PASS || v == CLOG_DROP || v == CLOG_KOD);
      check(v == CLOG_PASS || p.rate[s].enabled);
      drops[s] += v == CLOG_DROP;
      break;
    }
    case 3: {                                /* chronyc clients */
      uint32_t min_hits = byte(&in) % 4;
      bool reset = op & 4;
      int n = clog_n_indices(l);
      check(p.active ? n > 0 && (uint32_t)n <= max : n == -1);
      for (int i = 0; i <= n; i++) {
        struct clog_report r;
        if (!clog_report(l, (uint32_t)i, reset, min_hits, &now, &r))
          continue;
        check(i < n && r.addr.family != ADDR_UNSPEC);
        for (int k = 0; k < CLOG_N_SERVICES; k++) {
          check(r.drops[k] <= r.hits[k] || reset);
          check(r.interval[k] == CLOG_NO_INTERVAL ||
                (r.interval[k] >= -5 && r.interval[k] <= 14));
        }
      }
      break;
    }
    }
    check(clog_memory(l) <= (size_t)max * CLOG_RECORD_COST);
  }
  struct clog_totals t;
  clog_get_totals(l, &t);
  for (int s = 0; s < CLOG_N_SERVICES; s++)
    check(t.hits[s] == requests[s] && t.drops[s] == drops[s]);
  clog_free(l);
  return 0;
}
