/* ntp_source: the client side of one NTP server — polling, the packet tests
 * of RFC 5905, and turning valid replies into samples.
 *
 * A source sends a data-minimised request from a fresh socket (so a fresh
 * random port) at each poll, keeps its reachability register, runs an
 * initial burst with iburst, adapts its poll interval within
 * [minpoll, maxpoll] to keep about `polltarget` samples in its statistics
 * (chrony's rule), and obeys KoD RATE only from replies that pass the
 * origin and authentication tests (KoD DENY and RSTR are ignored, as
 * chrony 4.3 ignores them). A reply that fails any test changes nothing but
 * counters. Timestamps are taken on the discipline's cooked time scale.
 *
 * With a key (the `key` option), every request carries a MAC made with it
 * and only replies whose MAC verifies with the same key are accepted; a
 * source without a key accepts only replies without a MAC. A key missing
 * from the keyring is logged as chronyd does ("Key N is missing") and the
 * source sends nothing.
 *
 * With presend P, when the poll is at least P (and no burst runs), each
 * request is preceded by one sent 2 s earlier (chrony's warm-up, to fill ARP
 * caches); its reply counts for reachability, as in chrony, but never
 * becomes a sample, and a late one cannot pass for the next reply (the
 * nonce differs). With filter N, chrony's median filter (samplefilt) turns
 * every N samples into one. With a shared socket (acquisitionport), requests
 * leave from it and the owner hands its datagrams to nsrc_receive, parsed.
 *
 * A peer (p.peer) speaks symmetric active mode, as chronyd does: from the
 * shared socket (the NTP server's socket, so its port is the server port)
 * it sends mode 1 packets carrying our reference state and RFC 5905's
 * timestamps: origin = the peer's last transmit timestamp, receive = when
 * that packet arrived, transmit = our time now. A packet from the peer
 * (mode 1, or mode 2 from a peer that did not configure us) whose origin is
 * our last transmit timestamp answers our packet: the first such answer is
 * tested as a server's reply and may become a sample. The timestamps we
 * echo come from answers; while no answer arrived since our last packet,
 * from any other authentic, non-duplicate packet of the peer (how the
 * exchange starts, and restarts after a loss, as in chrony). Poll as for a
 * server, but at the shorter of the two polls while the peer is reachable,
 * and time our packets after the peer's as chronyd does. No presend. With
 * extfield, our packets carry chronyd's fields as a server's reply does,
 * and the peer's F323 is used as a server's (as chronyd).
 *
 * With xleave (RFC 9769's interleaved modes, as chronyd; core/xleave.h has
 * the rules): after a valid answer, our next packet names its exchange,
 * and an answer echoing that packet's receive field is interleaved and
 * measures an earlier exchange. A server that did not keep its transmit
 * time answers in basic mode, which is used as such; a peer that answers
 * in basic mode only gets basic packets for a while. Only an answer
 * echoing the fields of our outstanding packet is taken, once, so a
 * spoofed packet cannot switch the source between modes. Requests from a
 * source's own socket ask for the kernel's transmit timestamp (in any
 * mode), which then replaces the daemon's reading before sendmsg; so do
 * packets from a shared socket whose owner passes its transmit timestamps
 * on (nsrc_tx_timestamp).
 *
 * With NTS (nsrc_use_nts, core/nts_client.h), each request carries NTS
 * fields instead of a MAC and only the reply whose NTS fields verify is
 * taken (a NAK or anything unauthenticated counts as bad); with no cookie
 * the source asks for an NTS-KE session and sends nothing until it has
 * one, and it follows the NTP server and port the session named. */
#ifndef STRATUM_CORE_NTP_SOURCE_H
#define STRATUM_CORE_NTP_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/client_log.h"
#include "core/client_source.h"
#include "core/discipline.h"
#include "core/exchange.h"
#include "core/quantile.h"
#include "core/nts_client.h"
#include "core/reference.h"
#include "core/samplefilt.h"
#include "core/srcstats.h"
#include "core/tclass.h"
#include "core/xleave.h"

enum nsrc_counter {
  NSRC_TX,
  NSRC_RX_VALID,
  NSRC_RX_BAD,        /* failed a packet test (origin, mode, timestamps...) */
  NSRC_RX_DUPLICATE,
  NSRC_RX_KOD,
  NSRC_RX_UNSYNC,     /* leap 3 / stratum 16 or beyond minstratum rules */
  NSRC_RX_DISTANCE,   /* root distance too large */
  NSRC_RX_LOOP,       /* the server is synchronised to us */
  NSRC_RX_DELAY,      /* maxdelay, maxdelayratio or maxdelaydevratio */
  NSRC_RX_GOOD,       /* passed every test: a sample */
  NSRC_RX_KERNEL_TS,  /* packets from it with a kernel receive timestamp */
  NSRC_RX_HW_TS,      /* ... a hardware one */
  NSRC_TX_KERNEL_TS,  /* kernel transmit timestamps of packets to it */
  NSRC_TX_HW_TS,      /* hardware ones (a packet may have both) */
  NSRC_COUNTERS
};

/* chronyc ntpdata: the last reply that passed tests 1-7. */
struct nsrc_ntp_data {
  bool valid;
  struct client_log_measurement m;
  struct ip_addr local;         /* the address it was sent to */
  int version, precision;
  struct timespec ref_time;     /* the server's reference time */
  double response_time;         /* the server's transmit minus receive, s */
};

struct nsrc;
/* A new sample (new_sample), or reachability: a missed reply that left the
 * register empty, or a source made to start again. */
typedef void (*nsrc_update_fn)(void *arg, struct nsrc *src, bool new_sample);

/* The symmetric-mode state of a peer. */
struct nsrc_peer {
  const struct refstate *ref;   /* what our packets carry (set by the owner) */
  ntp_ts remote_rx, remote_tx;  /* receive and transmit of the last answer */
  ntp_ts echo_tx;               /* the peer's transmit timestamp we echo (0: none) */
  struct timespec echo_rx;      /* when that packet arrived (cooked) */
  bool answered;                /* an answer since our last packet */
  bool echo_unanswered;         /* echo_tx is from a packet that was no answer,
                                   received since our last packet */
  int remote_poll, remote_stratum;
};

struct nsrc {
  struct client_source_params p;
  const struct platform *plat;
  const struct ntp_keyring *keys;  /* where p.key is looked up (may be NULL) */
  struct discipline *disc;
  nsrc_update_fn on_update;
  void *arg;

  int shared_sock;              /* acquisitionport socket; -1: a new one per request */
  const struct ip_addr *local;  /* ...bound to this address (bindacqaddress); NULL: any */
  bool shared_tagged;           /* its owner passes on its transmit timestamps */
  int sock;                     /* -1 when no request is outstanding */
  int presend_done;             /* > 0: the outstanding request is a presend (of
                                   chronyd's 2 with xleave, 1 without) */
  ntp_ts nonce;                 /* expected origin of the reply */
  struct timespec tx_cooked;    /* when the request left */
  ntp_ts tx_sent;               /* ...as read then, which later slews of the
                                   time scale leave alone: the transmit time
                                   an interleaved packet tells a peer, in the
                                   scale of the receive time it told before */
  enum plat_ts_source tx_source;  /* ...read by the daemon, the kernel's, a NIC's */
  /* receive and transmit of the last answer that passed tests 1, 2, 3 and
   * 5, basic or interleaved (chronyd's remote_ntp_rx and _tx): test 1 */
  ntp_ts last_server_rx, last_server_tx;
  /* extfield F323: the server's monotonic scale at its last reply */
  uint32_t mono_epoch;
  ntp_ts mono_rx, mono_real_rx;  /* its receive time on both scales (0: none) */
  double mono_doffset;          /* its offset corrections since, not yet
                                   taken out of the statistics, s */
  struct tclass *tx_class;      /* the timeout class of our packets... */
  struct tclass_timer tx_timer; /* ...and the timer of the next one */

  int poll;                     /* log2 seconds */
  double poll_score;
  uint8_t reach;
  uint64_t reach_from_tx;       /* counters[NSRC_TX] when the register was
                                   last emptied (nsrc_reach_size) */
  unsigned tx_since_rx;         /* requests since the last valid reply */
  int burst_good, burst_total;  /* samples still wanted / requests left */
  bool short_interval;          /* the request due next follows a burst's or
                                   presend's short interval */
  bool sync_peer;               /* selected (set by the owner) */
  double tx_interval;           /* s from the last request to the next */
  bool online;
  int unreachable_run;          /* polls in a row with reach 0 (maxunreach) */

  /* From the last valid reply. */
  int stratum;
  uint8_t leap;
  uint32_t refid;
  double root_delay, root_dispersion;
  double last_offset, last_delay;
  double min_delay;             /* for maxdelayratio */
  /* Samples close to its leap second are dropped (NULL: none). */
  const struct reference *reference;
  double max_clock_error;       /* maxclockerror, s/s (the delay test) */
  const struct client_log_hooks *log;  /* NULL: no log files */

  struct nsrc_peer peer;        /* used when p.peer */
  struct xleave_state xl;       /* used when p.xleave (see xleave.h) */
  struct ntsc *nts;             /* NTS state (nsrc_use_nts), else NULL */
  const struct ntsc_ke_ops *nts_ke;
  struct nsrc_ntp_data last;    /* for reports */
  struct sst stats;
  struct spf filter;            /* used when p.filter > 0 */
  int filter_count;             /* exchanges since its last result */
  struct qnt delay_quant;       /* used when p.maxdelayquant > 0... */
  int delay_quant_k;            /* ...for the k/100 quantile */
  uint64_t counters[NSRC_COUNTERS];
  /* hwtstimeout (set while hardware timestamping is on; 0: off): how long
   * a server's reply waits for the hardware transmit stamp of its request
   * (chronyd's saved response). */
  double hwts_timeout;
  struct nsrc_saved *saved;     /* that reply (NULL: none yet) */
};

/* The poll a source with these options (client_source_bound) starts at. */
int nsrc_first_poll(const struct client_source_params *p);
/* keys and tx_class must outlive the source. A version of 0 in p is chosen
 * from the key (see client_source_params). Our packets are timed in
 * tx_class, chronyd's sampling separation from the other sources in it. */
void nsrc_init(struct nsrc *s, const struct client_source_params *p, const struct platform *plat,
               const struct ntp_keyring *keys, struct discipline *disc,
               struct tclass *tx_class, nsrc_update_fn on_update, void *arg);
void nsrc_fini(struct nsrc *s);
/* Authenticate with NTS (instead of the key, which is dropped): ke runs
 * its NTS-KE sessions (NULL: none, so the source never sends), refresh is
 * ntsrefresh. false if out of memory (the source then never sends). */
bool nsrc_use_nts(struct nsrc *s, const struct ntsc_ke_ops *ke, double refresh);
/* Back to minpoll, the next request rescheduled for it (chronyd's
 * NCR_ResetPoll, after an unknown step of the clock). */
void nsrc_reset_poll(struct nsrc *s);
void nsrc_start(struct nsrc *s);
/* The cooked time scale changed (see disc_change_fn). */
void nsrc_slew(struct nsrc *s, const struct timespec *when, double dfreq, double doffset);
/* A datagram received on sock (the source's own or the shared one) from
 * the source's address and port (else it counts as bad): the reply to the
 * outstanding request, or something that changes only counters; for a peer
 * (whose owner set peer.ref after nsrc_init), a symmetric packet. pkt is dg
 * as ntp_packet_parse found it (a malformed one counts as bad). */
void nsrc_receive(struct nsrc *s, int sock, const struct plat_datagram *dg,
                  const struct ntp_packet *pkt);
/* The kernel's transmit time of a packet sent from sock with this tag (a
 * plat_tx_fn's arguments); false if it is none of this source's. */
bool nsrc_tx_timestamp(struct nsrc *s, int sock, uint64_t tag, const struct timespec *tx_time,
                       enum plat_ts_source source);
/* The reference ID we take from this source when it is selected: its
 * address's, or with copy the server's own (chrony's SRC_SetRefid). */
uint32_t nsrc_reference_id(const struct nsrc *s);
/* Reachable: a valid reply among the last 8 requests. */
bool nsrc_reachable(const struct nsrc *s);
/* Requests shifted into the reachability register so far (0..8): since
 * the start, or since a `copy` source's server went unsynchronised (as
 * chronyd's SRC_ResetInstance). */
int nsrc_reach_size(const struct nsrc *s);
/* chronyc online/offline: stop polling, or start again at once. */
void nsrc_set_online(struct nsrc *s, bool online);
/* chronyc burst: up to `total` requests at short intervals until `good`
 * samples arrive. */
void nsrc_burst(struct nsrc *s, int good, int total);
/* chronyc minpoll/maxpoll, as chronyd: a value outside CLIENT_MIN_POLL..
 * CLIENT_MAX_POLL is ignored (false); else it is set, the other limit
 * follows if it would cross it, and the poll moves into the new range. */
bool nsrc_set_minpoll(struct nsrc *s, int minpoll);
bool nsrc_set_maxpoll(struct nsrc *s, int maxpoll);
/* The same on parameters alone (a source not made yet). */
bool nsrc_limit_minpoll(struct client_source_params *p, int minpoll);
bool nsrc_limit_maxpoll(struct client_source_params *p, int maxpoll);

#endif
