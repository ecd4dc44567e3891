/* tsmap: chronyd's map of interleaved replies' timestamps (see tsmap.h). */
#include "core/tsmap.h"

#include <assert.h>
#include <stdlib.h>

#define FUTURE_LIMIT (1ll << 32)          /* 1 s: dropped after a step back */
#define INSERT_LIMIT 64u                  /* most entries moved to insert one */
#define TX_RANGE (2ll << 32)              /* 2 s: tx - rx kept within (-2, 2] s */
#define TX_INVALID INT64_MIN              /* saved, but tx out of range */
#define TX_DISABLED (INT64_MIN + 1)       /* no interleaved reply for it */

void tsmap_init(struct tsmap *m, uint32_t max)
{
  assert(max > 0 && (max & (max - 1)) == 0);
  *m = (struct tsmap){.max = max};
}

void tsmap_release(struct tsmap *m)
{
  free(m->e);
  m->e = NULL;
  m->size = 0;
}

static struct tsmap_entry *entry(const struct tsmap *m, uint32_t index)
{
  return &m->e[(m->first + index) & (m->max - 1)];
}

/* The entry of rx, or where it would go (0..size): as chronyd, timestamps
 * compare by their difference (adjacent NTP eras), and one before the
 * oldest is checked first so that "future" entries are trimmed later. */
static bool find(struct tsmap *m, uint64_t rx, uint32_t *index)
{
  if (m->cached_rx == rx && rx != 0) {
    *index = m->cached_index;
    return true;
  }
  *index = 0;
  if (m->size == 0)
    return false;
  uint32_t lo = 0, hi = m->size - 1;
  uint64_t rx_lo = entry(m, lo)->rx, rx_hi = entry(m, hi)->rx;
  if ((int64_t)(rx - rx_lo) < 0)
    return false;
  if ((int64_t)(rx - rx_hi) > 0) {
    *index = m->size;
    return false;
  }
  for (unsigned i = 0;; i++) {
    if (rx == rx_hi || rx == rx_lo) {
      *index = m->cached_index = rx == rx_hi ? hi : lo;
      m->cached_rx = rx;
      return true;
    }
    if (lo + 1 == hi) {
      *index = hi;
      return false;
    }
    uint64_t x;
    if (hi - lo > 3 && i % 2 == 0) {      /* interpolate, then bisect */
      uint64_t step = (rx_hi - rx_lo) / (hi - lo);
      x = lo + (rx - rx_lo) / (step ? step : 1);
    } else {
      x = lo + (hi - lo) / 2;
    }
    x = x <= lo ? lo + 1 : x >= hi ? hi - 1 : x;
    uint64_t rx_x = entry(m, (uint32_t)x)->rx;
    if ((int64_t)(rx_x - rx) <= 0) {
      lo = (uint32_t)x;
      rx_lo = rx_x;
    } else {
      hi = (uint32_t)x;
      rx_hi = rx_x;
    }
  }
}

/* One more entry at the end, or the oldest dropped when full: index
 * follows the entry it named. */
static uint32_t push(struct tsmap *m, uint32_t index)
{
  if (m->size < m->max) {
    m->size++;
  } else {
    m->first = (m->first + 1) & (m->max - 1);
    if (index > 0)
      index--;
  }
  return index;
}

static int64_t tx_delta(uint64_t rx, uint64_t tx)
{
  int64_t d = (int64_t)(tx - rx);
  return d > -TX_RANGE && d <= TX_RANGE ? d : TX_INVALID;
}

void tsmap_save(struct tsmap *m, uint64_t rx, uint64_t tx)
{
  if (rx == 0)
    return;
  if (!m->e && !(m->e = malloc((size_t)m->max * sizeof(*m->e))))
    return;
  uint32_t index;
  if (find(m, rx, &index)) {
    entry(m, index)->tx = TX_DISABLED;
    return;
  }
  assert(index <= m->size);
  if (index == m->size) {
    index = push(m, index);
  } else {
    while (index < m->size && entry(m, m->size - 1)->rx - rx > (uint64_t)FUTURE_LIMIT)
      m->size--;
    if (index + INSERT_LIMIT >= m->size) {
      index = push(m, index);
      for (uint32_t i = m->size - 1; i > index; i--)
        *entry(m, i) = *entry(m, i - 1);
    } else if (index > 0) {
      index--;                            /* replace the closest older one */
    }
  }
  m->cached_index = index;
  m->cached_rx = rx;
  *entry(m, index) = (struct tsmap_entry){rx, tx_delta(rx, tx)};
}

bool tsmap_take_tx(struct tsmap *m, uint64_t rx, uint64_t *tx)
{
  uint32_t index;
  if (!m->e || !find(m, rx, &index))
    return false;
  struct tsmap_entry *e = entry(m, index);
  int64_t d = e->tx;
  if (d == TX_DISABLED)
    return false;
  e->tx = TX_DISABLED;
  if (d == TX_INVALID)
    return false;
  *tx = rx + (uint64_t)d;
  return true;
}

void tsmap_update_tx(struct tsmap *m, uint64_t rx, uint64_t tx)
{
  uint32_t index;
  if (!m->e || !find(m, rx, &index))
    return;
  struct tsmap_entry *e = entry(m, index);
  if (e->tx != TX_DISABLED)
    e->tx = tx_delta(rx, tx);
}

void tsmap_stats(const struct tsmap *m, uint32_t *count, uint32_t *span)
{
  *count = m->size;
  *span = m->size > 1 ? (uint32_t)((entry(m, m->size - 1)->rx - entry(m, 0)->rx) >> 32) : 0;
}

size_t tsmap_memory(const struct tsmap *m)
{
  return m->e ? (size_t)m->max * sizeof(*m->e) : 0;
}
