#include "sim/sim_sched.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#define NOT_QUEUED UINT32_MAX

struct slot {
  sim_time at;
  uint64_t seq;               /* order of adding: ties run oldest first */
  sim_event_fn fn;
  void *arg;
  const void *owner;
  uint32_t gen;               /* bumped on release: stale ids do not match */
  uint32_t pos;               /* index in the heap, or NOT_QUEUED */
  uint32_t next_free;
};

struct sim_sched {
  sim_time start, now;
  struct slot *slots;
  uint32_t n_slots, cap_slots, free_head;
  uint32_t *heap;             /* slot indices, earliest first */
  uint32_t n_heap;
  uint64_t next_seq, processed;
  sim_time instant;           /* the instant `same_instant` counts for */
  unsigned same_instant;
  int error;
};

struct sim_sched *sim_sched_new(sim_time start)
{
  struct sim_sched *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  s->start = s->now = s->instant = start;
  s->free_head = NOT_QUEUED;
  return s;
}

void sim_sched_free(struct sim_sched *s)
{
  if (!s)
    return;
  free(s->slots);
  free(s->heap);
  free(s);
}

sim_time sim_sched_now(const struct sim_sched *s)
{
  return s->now;
}

sim_time sim_sched_start(const struct sim_sched *s)
{
  return s->start;
}

double sim_sched_elapsed(const struct sim_sched *s)
{
  return sim_seconds(s->now - s->start);
}

unsigned sim_sched_pending(const struct sim_sched *s)
{
  return s->n_heap;
}

uint64_t sim_sched_processed(const struct sim_sched *s)
{
  return s->processed;
}

/* --- heap of slot indices --- */

static bool earlier(const struct sim_sched *s, uint32_t a, uint32_t b)
{
  const struct slot *x = &s->slots[a], *y = &s->slots[b];
  return x->at < y->at || (x->at == y->at && x->seq < y->seq);
}

static void heap_set(struct sim_sched *s, uint32_t i, uint32_t slot)
{
  s->heap[i] = slot;
  s->slots[slot].pos = i;
}

static void sift_up(struct sim_sched *s, uint32_t i)
{
  uint32_t slot = s->heap[i];
  while (i > 0 && earlier(s, slot, s->heap[(i - 1) / 2])) {
    heap_set(s, i, s->heap[(i - 1) / 2]);
    i = (i - 1) / 2;
  }
  heap_set(s, i, slot);
}

static void sift_down(struct sim_sched *s, uint32_t i)
{
  uint32_t slot = s->heap[i];
  for (;;) {
    uint32_t child = 2 * i + 1;
    if (child >= s->n_heap)
      break;
    if (child + 1 < s->n_heap && earlier(s, s->heap[child + 1], s->heap[child]))
      child++;
    if (!earlier(s, s->heap[child], slot))
      break;
    heap_set(s, i, s->heap[child]);
    i = child;
  }
  heap_set(s, i, slot);
}

/* Take a queued slot out of the heap and put it on the free list. */
static void release(struct sim_sched *s, uint32_t slot)
{
  uint32_t i = s->slots[slot].pos;
  uint32_t last = s->heap[--s->n_heap];
  if (i < s->n_heap) {
    heap_set(s, i, last);
    sift_up(s, i);
    sift_down(s, s->slots[last].pos);
  }
  s->slots[slot].pos = NOT_QUEUED;
  s->slots[slot].gen++;
  s->slots[slot].next_free = s->free_head;
  s->free_head = slot;
}

static bool grow(struct sim_sched *s)
{
  if (s->cap_slots >= SIM_SCHED_MAX_PENDING)
    return false;
  uint32_t cap = s->cap_slots ? s->cap_slots * 2 : 64;
  struct slot *slots = realloc(s->slots, cap * sizeof(*slots));
  if (!slots)
    return false;
  s->slots = slots;
  uint32_t *heap = realloc(s->heap, cap * sizeof(*heap));
  if (!heap)
    return false;
  s->heap = heap;
  s->cap_slots = cap;
  return true;
}

static uint32_t alloc_slot(struct sim_sched *s)
{
  if (s->free_head != NOT_QUEUED) {
    uint32_t slot = s->free_head;
    s->free_head = s->slots[slot].next_free;
    return slot;
  }
  if (s->n_slots == s->cap_slots && !grow(s))
    return NOT_QUEUED;
  s->slots[s->n_slots].gen = 1;
  return s->n_slots++;
}

sim_event sim_sched_add(struct sim_sched *s, sim_time at, sim_event_fn fn, void *arg,
                        const void *owner)
{
  uint32_t slot = alloc_slot(s);
  if (slot == NOT_QUEUED)
    return 0;
  struct slot *e = &s->slots[slot];
  e->at = at > s->now ? at : s->now;
  e->seq = s->next_seq++;
  e->fn = fn;
  e->arg = arg;
  e->owner = owner;
  s->heap[s->n_heap] = slot;
  e->pos = s->n_heap++;
  sift_up(s, e->pos);
  return (uint64_t)e->gen << 32 | (slot + 1u);
}

void sim_sched_cancel(struct sim_sched *s, sim_event ev)
{
  uint64_t low = ev & UINT32_MAX;
  if (low == 0 || low > s->n_slots)
    return;
  uint32_t slot = (uint32_t)(low - 1);
  if (s->slots[slot].gen != (uint32_t)(ev >> 32) || s->slots[slot].pos == NOT_QUEUED)
    return;
  release(s, slot);
}

void sim_sched_cancel_owner(struct sim_sched *s, const void *owner)
{
  /* By slot, not by heap position: releasing reorders the heap. */
  for (uint32_t slot = 0; slot < s->n_slots; slot++)
    if (s->slots[slot].pos != NOT_QUEUED && s->slots[slot].owner == owner)
      release(s, slot);
}

int sim_sched_run_until(struct sim_sched *s, sim_time until)
{
  while (s->error == 0 && s->n_heap > 0) {
    struct slot *e = &s->slots[s->heap[0]];
    if (e->at > until)
      break;
    if (e->at != s->instant) {
      s->instant = e->at;
      s->same_instant = 0;
    }
    if (++s->same_instant > SIM_SCHED_MAX_PER_INSTANT) {
      s->error = -ELOOP;
      break;
    }
    s->now = e->at;
    sim_event_fn fn = e->fn;
    void *arg = e->arg;
    release(s, s->heap[0]);
    s->processed++;
    fn(arg);
  }
  if (s->error == 0 && until > s->now)
    s->now = until;
  return s->error;
}
