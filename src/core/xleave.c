#include "core/xleave.h"

#include <math.h>
#include <string.h>

#include "core/discipline.h"

#define PEER_BASIC_BACKOFF_MIN 4    /* basic packets to a peer that answered basic */
#define PEER_BASIC_BACKOFF_MAX 256

void xleave_init(struct xleave_state *xl, bool symmetric)
{
  memset(xl, 0, sizeof(*xl));
  xl->symmetric = symmetric;
}

bool xleave_has_exchange(const struct xleave_state *xl)
{
  return xl->saved.remote_rx != 0;
}

bool xleave_awaits_answer(const struct xleave_state *xl)
{
  return xl->sent_rx != 0;
}

void xleave_forget_sent(struct xleave_state *xl)
{
  xl->sent_rx = 0;
}

static void note_receive_field(struct xleave_state *xl, ntp_ts rec)
{
  xl->rec_repeated = rec == xl->last_rec;
  xl->last_rec = rec;
}

void xleave_request_fields(struct xleave_state *xl, struct ntp_header *h)
{
  h->origin = xl->saved.remote_rx;
  h->receive = xl->sent_rx = ntp_ts_from_timespec(&xl->saved.local_rx);
  note_receive_field(xl, h->receive);
}

bool xleave_peer_interleaved(const struct xleave_state *xl, bool answered, bool echo_saved)
{
  return (xl->peer_interleaves || xl->basic_left == 0) && answered && echo_saved;
}

bool xleave_echoes_saved(const struct xleave_state *xl, bool echo_is_answer,
                         const struct timespec *echo_rx)
{
  return xl->saved.remote_rx != 0 && echo_is_answer &&
         echo_rx->tv_sec == xl->saved.local_rx.tv_sec &&
         echo_rx->tv_nsec == xl->saved.local_rx.tv_nsec;
}

void xleave_peer_fields(const struct xleave_state *xl, struct ntp_header *h)
{
  h->origin = xl->saved.remote_rx;
  h->transmit = xl->saved.ours.tx_sent;
}

void xleave_peer_sent(struct xleave_state *xl, bool interleaved, ntp_ts rec,
                      const struct timespec *echo_rx, bool echo_saved)
{
  xl->sent_rx = rec;
  note_receive_field(xl, rec);
  xl->sent_echo_rx = *echo_rx;
  xl->sent_echo_saved = echo_saved;
  xl->sent_interleaved = interleaved;
  if (xl->basic_left > 0)
    xl->basic_left--;
}

void xleave_peer_answered(struct xleave_state *xl, bool interleaved)
{
  if (interleaved) {
    xl->peer_interleaves = true;
  } else if (xl->sent_interleaved && !xl->peer_interleaves) {
    xl->basic_backoff = xl->basic_backoff == 0 ? PEER_BASIC_BACKOFF_MIN
                        : xl->basic_backoff * 2 < PEER_BASIC_BACKOFF_MAX
                            ? xl->basic_backoff * 2 : PEER_BASIC_BACKOFF_MAX;
    xl->basic_left = xl->basic_backoff;
  }
}

bool xleave_tx_timestamp(struct xleave_state *xl, uint64_t tag, const struct timespec *tx,
                         enum plat_ts_source source)
{
  struct xleave_packet *ours = &xl->saved.ours;
  if (tag != ours->transmit || xl->saved.remote_rx == 0)
    return false;
  ours->tx = *tx;
  ours->tx_sent = ntp_ts_from_timespec(tx);
  ours->tx_source = source;
  return true;
}

/* A server's interleaved reply measures the saved exchange unless that
 * made a sample already (chrony's rule: timestamps are never used twice);
 * then it pairs crossed. A peer's pairs crossed also when the packet we
 * echoed was no answer of ours; when both pairings are open, the one whose
 * turnaround (the time between its two packets on one side, ours or the
 * peer's, which in symmetric mode can be most of a poll) is shorter, so a
 * frequency difference between the two clocks matters least. None when our
 * last packet repeated the receive field of the one before (nothing came
 * between): the answer may be to either, and its receive timestamp is then
 * no use (nor the exchange it would save). */
bool xleave_pairing(const struct xleave_state *xl, const struct xleave_packet *ours,
                    ntp_ts answer_tx, struct xleave_pairing *out)
{
  const struct xleave_exchange *saved = &xl->saved;
  struct xleave_pairing exchange = {false, saved->local_rx};
  struct xleave_pairing crossed = {true, xl->symmetric ? xl->sent_echo_rx : saved->local_rx};
  bool exchange_open = !saved->sampled && (!xl->symmetric || xl->sent_echo_saved);
  if (xl->rec_repeated)
    return false;
  *out = exchange_open ? exchange : crossed;
  if (exchange_open && xl->symmetric) {
    double remote = fabs(ntp_ts_diff(answer_tx, saved->remote_rx));
    double local = fabs(timespec_diff(&ours->tx, &xl->sent_echo_rx));
    if (local < remote)
      *out = crossed;
  }
  return true;
}

/* A remote timestamp on the server's scale after its correction (unset
 * stays unset). */
static ntp_ts corrected(ntp_ts t, double remote_shift)
{
  return t != 0 ? t - ntp_ts_offset(remote_shift) : 0;
}

enum exch_result xleave_check(const struct xleave_state *xl, const struct ntp_packet *pkt,
                              const struct xleave_packet *ours, double remote_shift,
                              struct exch_sample *x, struct xleave_pairing *pairing)
{
  const struct xleave_exchange *saved = &xl->saved;
  if (!xleave_pairing(xl, ours, pkt->hdr.transmit, pairing))
    return EXCH_BAD_ORIGIN;
  /* The transmit time is the previous reply's, as is, uncrossed, the
   * receive time of the request it answered. */
  struct ntp_packet moved = *pkt;
  moved.hdr.transmit = corrected(pkt->hdr.transmit, remote_shift);
  if (pairing->crossed)
    return exch_check_interleaved_crossed(&moved, xl->symmetric, xl->sent_rx, &ours->tx,
                                          &pairing->prev_rx, x);
  return exch_check_interleaved(&moved, xl->symmetric, xl->sent_rx, &saved->ours.tx,
                                corrected(saved->remote_rx, remote_shift), &pairing->prev_rx, x);
}

struct xleave_times xleave_answer_times(const struct xleave_state *xl,
                                        const struct xleave_pairing *pairing,
                                        const struct xleave_packet *ours,
                                        const struct timespec *t4)
{
  const struct xleave_packet *saved = &xl->saved.ours;
  if (!pairing)
    return (struct xleave_times){ours->tx, *t4, ours->tx_source, false, false};
  if (pairing->crossed)
    return (struct xleave_times){ours->tx, pairing->prev_rx, ours->tx_source, true, true};
  return (struct xleave_times){saved->tx, pairing->prev_rx, saved->tx_source, true, false};
}

/* Saving starts afresh: the packet just answered awaits nothing more, and
 * the receive field our next one carries is new. */
void xleave_save(struct xleave_state *xl, const struct xleave_packet *ours, ntp_ts remote_rx,
                 const struct timespec *local_rx, bool sampled)
{
  xl->saved = (struct xleave_exchange){.ours = *ours, .remote_rx = remote_rx,
                                       .local_rx = *local_rx, .sampled = sampled};
  xl->sent_rx = 0;
  xl->last_rec = 0;
  xl->rec_repeated = false;
}

void xleave_slew(struct xleave_state *xl, const struct timespec *when, double dfreq,
                 double doffset)
{
  if (xl->saved.remote_rx != 0) {
    disc_slew_time(&xl->saved.ours.tx, when, dfreq, doffset);
    disc_slew_time(&xl->saved.local_rx, when, dfreq, doffset);
  }
  if (xl->symmetric && xl->sent_rx != 0)
    disc_slew_time(&xl->sent_echo_rx, when, dfreq, doffset);
}
