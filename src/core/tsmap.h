/* tsmap: chronyd's map of the timestamps of interleaved replies
 * (NtpTimestampMap in its clientlog.c, 4.2 to 4.8): the receive timestamp
 * of a reply (NTP format) -> the transmit time of that reply, for the
 * client's next, interleaved request naming that receive timestamp.
 *
 * A circular buffer of at most `max` entries (a power of two) kept in the
 * order of their receive timestamps, allocated at the first save. A new
 * receive timestamp is appended; when the map is full the oldest entry
 * goes. Entries are per reply, not per client: an interleaved client
 * polling n times holds n of them until newer ones push them out. A
 * receive timestamp saved twice is disabled (no reply could tell which
 * transmit time is its own), and so is one that was used once. One older
 * than the newest (the clock went back) is inserted in order when at most
 * 64 entries would have to move, after dropping those more than a second
 * ahead of it; otherwise it takes the place of the closest older one (or
 * of the oldest). Lookups are an interpolation and binary search, with the
 * last one found cached. Pure. */
#ifndef STRATUM_CORE_TSMAP_H
#define STRATUM_CORE_TSMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One entry: 16 bytes, as chronyd's NtpTimestamps. */
struct tsmap_entry {
  uint64_t rx;
  int64_t tx;                   /* transmit - receive, NTP units; or a flag */
};

struct tsmap {
  struct tsmap_entry *e;        /* max entries, NULL until the first save */
  uint32_t max, first, size;
  uint32_t cached_index;
  uint64_t cached_rx;
};

/* An empty map of at most max entries (a power of two, at least 1). */
void tsmap_init(struct tsmap *m, uint32_t max);
void tsmap_release(struct tsmap *m);

/* Save the transmit time tx of the reply whose receive timestamp is rx
 * (not 0). A transmit time more than 2 s from rx is not kept (the entry
 * holds the place, and gives no interleaved reply). */
void tsmap_save(struct tsmap *m, uint64_t rx, uint64_t tx);

/* A request naming rx as its origin: the transmit time saved for it, if
 * any and not used or disabled; the entry is disabled (one interleaved
 * reply per receive timestamp). */
bool tsmap_take_tx(struct tsmap *m, uint64_t rx, uint64_t *tx);

/* A later, better transmit time (the kernel's) of the reply of rx, unless
 * its entry is gone or disabled. */
void tsmap_update_tx(struct tsmap *m, uint64_t rx, uint64_t tx);

/* Entries held, and seconds from the oldest receive timestamp to the
 * newest (chronyc serverstats). */
void tsmap_stats(const struct tsmap *m, uint32_t *count, uint32_t *span);

/* Bytes allocated. */
size_t tsmap_memory(const struct tsmap *m);

#endif
