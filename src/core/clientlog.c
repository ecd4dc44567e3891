/* clientlog: chrony's client log and rate limiting (see clientlog.h). */
#include "core/clientlog.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/tsmap.h"

#define TS_FRAC 4                        /* times in 1/16 s */
#define NO_TS 0u                         /* never hit */
#define NSEC 1000000000u

/* Rates: 4 x log2 of requests per second, in an int8. */
#define RATE_SCALE 4
#define MIN_RATE (-14 * RATE_SCALE)
#define NO_RATE (-128)

#define MIN_BURST 1
#define MAX_BURST 255
#define MIN_LEAK 1
#define MAX_LEAK 4
#define MAX_KOD 4

#define MAX_SLOTS (CLOG_MAX_RECORDS / CLOG_SLOT_SIZE)

struct record {
  struct ip_addr addr;                   /* ADDR_UNSPEC: free */
  uint8_t dropped;                       /* bit per service: the last request was dropped */
  int8_t rate[CLOG_N_SERVICES];
  int8_t ntp_timeout_rate;               /* NTP rate while requests were dropped */
  uint16_t tokens[CLOG_N_SERVICES];
  uint32_t last_hit[CLOG_N_SERVICES];
  uint32_t hits[CLOG_N_SERVICES];
  uint16_t drops[CLOG_N_SERVICES];       /* as chronyd's: wrap at 65536 */
};

/* chronyd counts 64 bytes a record (ours: 60) and 16 an entry of the
 * timestamp map. */
_Static_assert(sizeof(struct record) + sizeof(struct tsmap_entry) <= CLOG_RECORD_COST,
               "a record and a timestamp must fit the bytes clientloglimit counts for them");

struct bucket {
  uint16_t per_hit;                      /* 0: no rate limiting */
  uint16_t max;
  int shift;                             /* < 0: coarse limiting */
  int leak, kod, interval;
};

struct clientlog {
  bool active;
  struct record *records;                /* slots * CLOG_SLOT_SIZE */
  uint32_t slots, max_slots;
  uint32_t hash_key;
  uint32_t ts_offset;                    /* ns added before rounding to 1/16 s */
  uint64_t rng;                          /* splitmix64 state */
  uint64_t rnd_bits;                     /* unused random bits */
  int rnd_left;
  struct bucket bucket[CLOG_N_SERVICES];
  struct clog_totals totals;
  struct tsmap ntp_ts;                   /* interleaved replies' timestamps */
};

static int clamp(int lo, int v, int hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* ---- randomness from the seed ---- */
static uint64_t next_random(struct clientlog *l)
{
  uint64_t z = (l->rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* True, except once in 2^bits on average. */
static bool mostly(struct clientlog *l, int bits)
{
  if (l->rnd_left < bits) {
    l->rnd_bits = next_random(l);
    l->rnd_left = 64;
  }
  bool r = (l->rnd_bits & ((1u << bits) - 1)) != 0;
  l->rnd_bits >>= bits;
  l->rnd_left -= bits;
  return r;
}

/* ---- time ---- */
static uint32_t stamp(const struct clientlog *l, const struct timespec *t)
{
  uint32_t sec = (uint32_t)t->tv_sec;
  uint64_t nsec = (uint64_t)(t->tv_nsec >= 0 && t->tv_nsec < 1000000000L ? t->tv_nsec : 0) +
                  l->ts_offset;
  if (nsec >= NSEC) {
    nsec -= NSEC;
    sec++;
  }
  return sec << TS_FRAC | (uint32_t)((nsec << TS_FRAC) / NSEC);
}

/* Is x later than y (y possibly never)? -1, 0, 1 as a comparison. */
static int compare_stamps(uint32_t x, uint32_t y)
{
  if (x == y)
    return 0;
  if (y == NO_TS)
    return 1;
  return (int32_t)(x - y) > 0 ? 1 : -1;
}

/* ---- the token buckets ---- */
static void set_bucket(struct bucket *b, const struct clog_ratelimit *r)
{
  memset(b, 0, sizeof(*b));
  b->interval = CLOG_MIN_INTERVAL;
  if (!r->enabled)
    return;
  int interval = clamp(CLOG_MIN_INTERVAL, r->interval, CLOG_MAX_INTERVAL);
  int burst = clamp(MIN_BURST, r->burst, MAX_BURST);
  int shift;
  if (interval >= -TS_FRAC) {
    /* tokens count 1/16 s, shifted right until burst hits fit 16 bits */
    for (shift = 0; shift < interval + TS_FRAC; shift++)
      if (((uint32_t)burst << (TS_FRAC + interval - shift)) < (1u << 16))
        break;
  } else {
    /* shorter than a tick: one token a hit, several hits a tick */
    shift = interval + TS_FRAC;
    if (burst < (1 << -shift))
      burst = 1 << -shift;
  }
  int per_hit = 1 << (TS_FRAC + interval - shift);   /* 1 when coarse */
  b->per_hit = (uint16_t)per_hit;
  b->max = (uint16_t)(per_hit * burst);
  b->shift = shift;
  b->leak = clamp(MIN_LEAK, r->leak, MAX_LEAK);
  b->kod = clamp(0, r->kod, MAX_KOD);
  b->interval = interval;
}

bool clog_set_ratelimit(struct clientlog *l, enum clog_service s, const struct clog_ratelimit *r)
{
  assert((unsigned)s < CLOG_N_SERVICES);
  if (!l->active && r->enabled)
    return false;
  set_bucket(&l->bucket[s], r);
  for (size_t i = 0; i < (size_t)l->slots * CLOG_SLOT_SIZE; i++)
    l->records[i].tokens[s] = l->bucket[s].max;
  return true;
}

/* ---- the table ---- */
static uint32_t slot_of(const struct clientlog *l, const struct ip_addr *a, uint32_t slots)
{
  uint32_t h = addr_hash(a, l->hash_key);
  h ^= h >> 16;                          /* spread the high bits down */
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  return h % slots;
}

static void clear_record(const struct clientlog *l, struct record *r, const struct ip_addr *a)
{
  memset(r, 0, sizeof(*r));
  r->addr = *a;
  for (int s = 0; s < CLOG_N_SERVICES; s++) {
    r->tokens[s] = l->bucket[s].max;
    r->rate[s] = NO_RATE;
  }
  r->ntp_timeout_rate = NO_RATE;
}

static uint32_t last_any_hit(const struct record *r)
{
  uint32_t last = r->last_hit[0];
  for (int s = 1; s < CLOG_N_SERVICES; s++)
    if (compare_stamps(last, r->last_hit[s]) < 0)
      last = r->last_hit[s];
  return last;
}

static uint64_t total_hits(const struct record *r)
{
  uint64_t n = 0;
  for (int s = 0; s < CLOG_N_SERVICES; s++)
    n += r->hits[s];
  return n;
}

/* Double the table in place. hash % (2n) is hash % n or that + n: the
 * records of slot i stay there or move to slot i + n, each group in its
 * order and packed at the front, the layout a rehash into a new table in
 * index order would give. */
static bool grow(struct clientlog *l)
{
  uint32_t old = l->slots, slots = old ? 2 * old : 1;
  if (slots > l->max_slots)
    return false;
  struct record *t = realloc(l->records, (size_t)slots * CLOG_SLOT_SIZE * sizeof(*t));
  if (!t)
    return false;
  memset(&t[(size_t)old * CLOG_SLOT_SIZE], 0, (size_t)(slots - old) * CLOG_SLOT_SIZE * sizeof(*t));
  l->records = t;
  l->slots = slots;
  for (uint32_t i = 0; i < old; i++) {
    struct record *slot = &t[(size_t)i * CLOG_SLOT_SIZE];
    struct record *high = &t[(size_t)(i + old) * CLOG_SLOT_SIZE];
    unsigned k, kept = 0, moved = 0;
    for (k = 0; k < CLOG_SLOT_SIZE && slot[k].addr.family != ADDR_UNSPEC; k++) {
      uint32_t to = slot_of(l, &slot[k].addr, slots);
      assert(to == i || to == i + old);
      if (to != i) {
        high[moved++] = slot[k];
      } else {
        if (kept != k)
          slot[kept] = slot[k];
        kept++;
      }
    }
    memset(&slot[kept], 0, (k - kept) * sizeof(*slot));
  }
  return true;
}

/* The record of address a: found, a free one, a new slot after growing,
 * or the stalest of its slot. */
static struct record *find_record(struct clientlog *l, const struct ip_addr *a)
{
  for (;;) {
    struct record *slot = &l->records[(size_t)slot_of(l, a, l->slots) * CLOG_SLOT_SIZE];
    struct record *oldest = NULL;
    uint32_t oldest_hit = NO_TS;
    for (unsigned k = 0; k < CLOG_SLOT_SIZE; k++) {
      struct record *r = &slot[k];
      if (r->addr.family == ADDR_UNSPEC) {
        clear_record(l, r, a);
        return r;
      }
      if (addr_equal(&r->addr, a))
        return r;
      uint32_t last = last_any_hit(r);
      if (!oldest || compare_stamps(oldest_hit, last) > 0 ||
          (oldest_hit == last && total_hits(oldest) > total_hits(r))) {
        oldest = r;
        oldest_hit = last;
      }
    }
    if (grow(l))
      continue;
    l->totals.record_drops++;
    clear_record(l, oldest, a);
    return oldest;
  }
}

struct clientlog *clog_new(const struct clog_params *p)
{
  struct clientlog *l = calloc(1, sizeof(*l));
  if (!l)
    return NULL;
  l->active = p->active;
  l->rng = p->seed;
  l->hash_key = (uint32_t)next_random(l);
  l->ts_offset = (uint32_t)(next_random(l) % (NSEC >> TS_FRAC));
  if (p->seed == 0)
    l->ts_offset = 0;                    /* tests: whole ticks */
  for (int s = 0; s < CLOG_N_SERVICES; s++) {
    set_bucket(&l->bucket[s], &p->rate[s]);
    if (!l->active && l->bucket[s].per_hit) {
      free(l);
      return NULL;                       /* chronyd refuses this too */
    }
  }
  if (!l->active)
    return l;
  uint64_t max_slots = p->limit / (CLOG_RECORD_COST * CLOG_SLOT_SIZE * 3 / 2);
  l->max_slots = (uint32_t)(max_slots < 1 ? 1 : max_slots > MAX_SLOTS ? MAX_SLOTS : max_slots);
  if (!grow(l)) {
    free(l);
    return NULL;
  }
  tsmap_init(&l->ntp_ts, clog_max_records(l));
  return l;
}

void clog_free(struct clientlog *l)
{
  if (!l)
    return;
  free(l->records);
  tsmap_release(&l->ntp_ts);
  free(l);
}

/* The log2 of the interval since the previous hit, scaled, rounded. */
static int scaled_log_interval(uint32_t interval)
{
  if (interval == 0)
    return -RATE_SCALE * (TS_FRAC + 1);
  interval += interval >> 1;             /* x 1.5: round to the nearest power */
  int x = -RATE_SCALE * TS_FRAC;
  while (x < -MIN_RATE && interval > 1) {
    interval >>= 1;
    x += RATE_SCALE;
  }
  return x;
}

/* chrony's rough moving average: a rate rises one step at a time and
 * falls at least half way at once. */
static void update_rate(int8_t *rate, int log_interval)
{
  int target = -log_interval;
  if (*rate == NO_RATE)
    *rate = (int8_t)target;
  else if (*rate < target)
    (*rate)++;
  else if (*rate > target)
    *rate = (int8_t)(*rate > target + RATE_SCALE * 5 / 2 ? target + RATE_SCALE * 5 / 2
                                                           : (*rate + target - 1) / 2);
}

static void update_record(struct clientlog *l, enum clog_service s, struct record *r,
                          const struct timespec *now)
{
  const struct bucket *b = &l->bucket[s];
  uint32_t now_ts = stamp(l, now), prev = r->last_hit[s];
  r->last_hit[s] = now_ts;
  r->hits[s]++;
  uint32_t interval = now_ts - prev;
  if (prev == NO_TS || (int32_t)interval < 0)
    return;

  uint32_t tokens;
  if (b->shift >= 0)
    tokens = (now_ts >> b->shift) - (prev >> b->shift);
  else if (interval > b->max)
    tokens = b->max;
  else
    tokens = interval << -b->shift;
  tokens += r->tokens[s];
  r->tokens[s] = (uint16_t)(tokens < b->max ? tokens : b->max);

  int8_t *rate = s == CLOG_NTP && (r->dropped & (1u << s)) ? &r->ntp_timeout_rate : &r->rate[s];
  update_rate(rate, scaled_log_interval(interval));
}

int clog_access(struct clientlog *l, enum clog_service s, const struct ip_addr *addr,
                const struct timespec *now)
{
  assert((unsigned)s < CLOG_N_SERVICES);
  l->totals.hits[s]++;
  struct ip_addr a = addr_unmap_v4(addr);
  if (!l->active || (a.family != ADDR_INET4 && a.family != ADDR_INET6))
    return -1;
  struct record *r = find_record(l, &a);
  update_record(l, s, r, now);
  return (int)(r - l->records);
}

static struct record *record_at(struct clientlog *l, int index)
{
  if (index < 0 || (uint32_t)index >= l->slots * CLOG_SLOT_SIZE)
    return NULL;
  return &l->records[index];
}

enum clog_verdict clog_limit(struct clientlog *l, enum clog_service s, int index)
{
  assert((unsigned)s < CLOG_N_SERVICES);
  const struct bucket *b = &l->bucket[s];
  struct record *r = record_at(l, index);
  if (b->per_hit == 0 || !r)
    return CLOG_PASS;
  r->dropped &= (uint8_t)~(1u << s);
  if (r->tokens[s] >= b->per_hit) {
    r->tokens[s] -= b->per_hit;
    return CLOG_PASS;
  }
  bool drop = mostly(l, b->leak);
  /* A client asking faster when it gets no answers: answer it mostly,
   * which is less traffic than its retries. */
  if (s == CLOG_NTP && r->ntp_timeout_rate != NO_RATE &&
      r->ntp_timeout_rate > r->rate[s] + RATE_SCALE)
    drop = !drop;
  if (!drop) {
    r->tokens[s] = 0;
    return CLOG_PASS;
  }
  if (b->kod > 0 && !mostly(l, b->kod))
    return CLOG_KOD;
  r->dropped |= (uint8_t)(1u << s);
  r->drops[s]++;
  l->totals.drops[s]++;
  return CLOG_DROP;
}

void clog_save_ntp_timestamps(struct clientlog *l, uint64_t rx, uint64_t tx)
{
  if (l->active)
    tsmap_save(&l->ntp_ts, rx, tx);
}

bool clog_take_ntp_tx(struct clientlog *l, uint64_t rx, uint64_t *tx)
{
  return tsmap_take_tx(&l->ntp_ts, rx, tx);
}

void clog_update_ntp_tx(struct clientlog *l, uint64_t rx, uint64_t tx)
{
  tsmap_update_tx(&l->ntp_ts, rx, tx);
}

void clog_ntp_timestamp_stats(const struct clientlog *l, uint32_t *count, uint32_t *span)
{
  tsmap_stats(&l->ntp_ts, count, span);
}

int clog_min_poll(const struct clientlog *l)
{
  return l->bucket[CLOG_NTP].interval;
}

int clog_n_indices(const struct clientlog *l)
{
  return l->active ? (int)(l->slots * CLOG_SLOT_SIZE) : -1;
}

static int8_t interval_of(int rate)
{
  if (rate == NO_RATE)
    return CLOG_NO_INTERVAL;
  rate += rate > 0 ? RATE_SCALE / 2 : -RATE_SCALE / 2;
  return (int8_t)(rate / -RATE_SCALE);
}

static uint32_t seconds_since(uint32_t now_ts, uint32_t then)
{
  if (then == NO_TS || (int32_t)(now_ts - then) < 0)
    return CLOG_NEVER;
  return (now_ts - then) >> TS_FRAC;
}

bool clog_report(struct clientlog *l, uint32_t index, bool reset, uint32_t min_hits,
                 const struct timespec *now, struct clog_report *out)
{
  if (!l->active || index >= l->slots * CLOG_SLOT_SIZE)
    return false;
  struct record *r = &l->records[index];
  if (r->addr.family == ADDR_UNSPEC)
    return false;
  bool wanted = min_hits == 0;
  for (int s = 0; s < CLOG_N_SERVICES; s++)
    wanted = wanted || r->hits[s] >= min_hits;
  if (wanted) {
    uint32_t now_ts = stamp(l, now);
    memset(out, 0, sizeof(*out));
    out->addr = r->addr;
    for (int s = 0; s < CLOG_N_SERVICES; s++) {
      out->hits[s] = r->hits[s];
      out->drops[s] = r->drops[s];
      out->interval[s] = interval_of(r->rate[s]);
      out->last_ago[s] = seconds_since(now_ts, r->last_hit[s]);
    }
    out->ntp_timeout_interval = interval_of(r->ntp_timeout_rate);
  }
  if (reset)
    for (int s = 0; s < CLOG_N_SERVICES; s++)
      r->hits[s] = r->drops[s] = 0;
  return wanted;
}

void clog_get_totals(const struct clientlog *l, struct clog_totals *t)
{
  *t = l->totals;
}

uint32_t clog_max_records(const struct clientlog *l)
{
  if (!l->active)
    return 0;
  uint32_t slots = 1;
  while (2 * slots <= l->max_slots)
    slots *= 2;
  return slots * CLOG_SLOT_SIZE;
}

size_t clog_memory(const struct clientlog *l)
{
  return (size_t)l->slots * CLOG_SLOT_SIZE * sizeof(struct record) + tsmap_memory(&l->ntp_ts);
}
