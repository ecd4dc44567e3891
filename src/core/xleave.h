/* xleave: the client side of RFC 9769's interleaved modes, as chronyd
 * applies them, for a source's exchanges with a server (interleaved
 * client/server mode) and with a peer (interleaved symmetric mode).
 *
 * After a valid answer, the exchange it ended is saved (xleave_save): our
 * packet out, the answer back. Our next packet names it: a request's origin
 * is the server's receive time of it and its receive field ours
 * (xleave_request_fields); a peer's packet carries the same origin and, as
 * transmit time, when our packet of that exchange left
 * (xleave_peer_fields). An answer whose origin is the receive field of our
 * last packet is interleaved: its transmit timestamp is the other side's
 * transmit time of its previous packet. xleave_check pairs it with our
 * timestamps (xleave_pairing): it measures the saved exchange, unless that
 * made a basic sample already (chrony's rule: timestamps are never used
 * twice); then the previous answer pairs "crossed" with our last packet
 * (from a server, chronyd logs that measurement with test A failed and
 * takes no sample: the source's business, see xleave_times.crossed). A
 * peer's pairs crossed also when the packet we echoed was no answer of ours
 * and, when both pairings are open, by the shorter turnaround. No
 * interleaved answer is taken when our last packet repeated the receive
 * field of the one before (nothing came between): it could answer either.
 *
 * A peer that never sent an interleaved packet and answers one of ours in
 * basic mode gets basic packets for 4, then twice as many each time (at
 * most 256), before we try again (xleave_peer_answered).
 *
 * Times are on the discipline's cooked time scale and move with it
 * (xleave_slew). Nothing here reads a clock or sends: the source owns the
 * sockets and tells this module what it sent and received. */
#ifndef STRATUM_CORE_XLEAVE_H
#define STRATUM_CORE_XLEAVE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/exchange.h"
#include "core/platform.h"
#include "proto/ntp_packet.h"

/* One of our packets, as it left. */
struct xleave_packet {
  ntp_ts transmit;              /* its transmit field (a request's nonce) */
  struct timespec tx;           /* when it left (cooked) */
  ntp_ts tx_sent;               /* tx as read then, which later slews of the
                                   time scale leave alone: the transmit time
                                   an interleaved packet tells a peer, in the
                                   scale of the receive time it told before */
  enum plat_ts_source tx_source;
};

/* The last valid exchange, which the next interleaved answer measures. */
struct xleave_exchange {
  struct xleave_packet ours;
  ntp_ts remote_rx;             /* its arrival there: the origin of our next
                                   packet (0: none yet) */
  struct timespec local_rx;     /* the answer's arrival here (cooked) */
  bool sampled;                 /* a basic answer made its sample already */
};

struct xleave_state {
  bool symmetric;               /* a peer's (set by xleave_init) */
  struct xleave_exchange saved;
  ntp_ts sent_rx;               /* the receive field of our outstanding packet:
                                   an interleaved answer's origin (0: none
                                   is taken) */
  ntp_ts last_rec;              /* the receive field of our last packet */
  bool rec_repeated;            /* ...was that of the one before */
  /* Symmetric mode. */
  bool sent_interleaved;        /* our last packet was interleaved */
  struct timespec sent_echo_rx; /* the receive time it carried (cooked) */
  bool sent_echo_saved;         /* ...that of the saved exchange's answer */
  bool peer_interleaves;        /* the peer sent an interleaved packet once */
  int basic_left;               /* packets to send in basic mode... */
  int basic_backoff;            /* ...after the next basic answer to an
                                   interleaved packet (doubles to a limit) */
};

/* The timestamps of ours an interleaved answer pairs with: the saved
 * exchange's, or crossed: our last packet out, and back the packet we
 * echoed (a server's: the saved answer), received at prev_rx. */
struct xleave_pairing {
  bool crossed;
  struct timespec prev_rx;
};

/* Our side of the exchange an answer measures (cooked). */
struct xleave_times {
  struct timespec t1, t4;
  enum plat_ts_source tx_source;
  bool interleaved;
  bool crossed;                  /* paired crossed (see xleave_pairing) */
};

void xleave_init(struct xleave_state *xl, bool symmetric);
/* A valid exchange is saved: our next packet can name it. */
bool xleave_has_exchange(const struct xleave_state *xl);
/* Our outstanding packet may get an interleaved answer. */
bool xleave_awaits_answer(const struct xleave_state *xl);
/* Our outstanding packet is answered or gone: no interleaved answer. */
void xleave_forget_sent(struct xleave_state *xl);

/* The origin and receive fields of a client request naming the saved
 * exchange (one is saved), now our outstanding packet's. */
void xleave_request_fields(struct xleave_state *xl, struct ntp_header *h);
/* Our next packet to the peer goes interleaved: after an answer to our
 * last one (answered) that is the packet we echo and the saved exchange's
 * (echo_saved), unless the peer showed it answers in basic mode only. */
bool xleave_peer_interleaved(const struct xleave_state *xl, bool answered, bool echo_saved);
/* Is the peer's packet we echo (the peer's last answer: echo_is_answer;
 * received at echo_rx) the answer of the saved exchange? */
bool xleave_echoes_saved(const struct xleave_state *xl, bool echo_is_answer,
                         const struct timespec *echo_rx);
/* The origin and transmit fields of an interleaved packet to a peer. */
void xleave_peer_fields(const struct xleave_state *xl, struct ntp_header *h);
/* We sent the peer a packet (interleaved or not) whose receive field is
 * rec: the time echo_rx that we echoed, of the saved exchange's answer
 * (echo_saved) or not. An interleaved answer (from a peer with xleave,
 * whatever we sent) echoes rec. */
void xleave_peer_sent(struct xleave_state *xl, bool interleaved, ntp_ts rec,
                      const struct timespec *echo_rx, bool echo_saved);
/* The peer answered our last packet (interleaved or basic). */
void xleave_peer_answered(struct xleave_state *xl, bool interleaved);

/* The kernel's (or NIC's: source) transmit time (cooked) of the saved
 * exchange's packet, sent with this tag (its transmit field); false if it
 * is not that packet's. */
bool xleave_tx_timestamp(struct xleave_state *xl, uint64_t tag, const struct timespec *tx,
                         enum plat_ts_source source);

/* How an interleaved answer (transmit timestamp answer_tx) pairs, ours
 * being our last packet; false: none (our last packet repeated the receive
 * field of the one before). */
bool xleave_pairing(const struct xleave_state *xl, const struct xleave_packet *ours,
                    ntp_ts answer_tx, struct xleave_pairing *out);
/* pkt (well formed, not the basic answer to ours) as the interleaved
 * answer to our last packet: EXCH_BAD_ORIGIN if it is not one (or none is
 * taken); else the tests and sample of exch_check_interleaved(_crossed),
 * and *pairing. remote_shift: the correction the server made to its clock
 * since its previous reply (F323's monotonic times, else 0), taken out of
 * the remote timestamps that predate it, as chronyd does. */
enum exch_result xleave_check(const struct xleave_state *xl, const struct ntp_packet *pkt,
                              const struct xleave_packet *ours, double remote_shift,
                              struct exch_sample *x, struct xleave_pairing *pairing);
/* Of a basic answer (pairing NULL, arrived at t4) or an interleaved one. */
struct xleave_times xleave_answer_times(const struct xleave_state *xl,
                                        const struct xleave_pairing *pairing,
                                        const struct xleave_packet *ours,
                                        const struct timespec *t4);
/* The exchange the next interleaved answer will measure: our packet, its
 * arrival there (remote_rx) and the answer's here (local_rx). Save it
 * before the sample moves the time scale (xleave_slew then moves it too).
 * `sampled`: a basic answer makes its sample of the exchange now (not a
 * presend's), so the next one pairs differently. */
void xleave_save(struct xleave_state *xl, const struct xleave_packet *ours, ntp_ts remote_rx,
                 const struct timespec *local_rx, bool sampled);
/* The cooked time scale changed (see disc_change_fn). */
void xleave_slew(struct xleave_state *xl, const struct timespec *when, double dfreq,
                 double doffset);

#endif
