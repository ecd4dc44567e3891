/* xleave: the interleaved modes' state and pairing rules, on their own
 * (tests/unit/test_client_xleave.c and test_client_peer.c run them in a
 * source against simulated servers and peers).
 *
 * - A saved exchange is named by the next request (origin, receive), whose
 *   receive field an interleaved answer must echo; a packet that repeats
 *   the receive field of the one before takes no interleaved answer.
 * - A server's interleaved reply measures the saved exchange, or crossed
 *   when that made a basic sample; the sample's timestamps follow.
 * - A peer's pairs crossed when the echoed packet was no answer of ours,
 *   and otherwise by the shorter turnaround.
 * - A peer that answers interleaved packets in basic mode gets 4, 8, ...
 *   256 basic packets; one that sent an interleaved packet never does.
 * - Kernel transmit times, repeats and slews of the saved exchange. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/xleave.h"

#define T0 1700000000
#define NONCE 0x1111222233334444ULL
#define NEXT_NONCE 0x5555666677778888ULL

/* T0 plus ms milliseconds. */
static struct timespec at(long ms)
{
  return timespec_normalise(T0, (int64_t)ms * 1000000);
}

static ntp_ts ntp_at(long ms)
{
  struct timespec t = at(ms);
  return ntp_ts_from_timespec(&t);
}

static bool same_time(struct timespec a, struct timespec b)
{
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static struct xleave_packet packet(ntp_ts transmit, long tx_ms)
{
  struct timespec tx = at(tx_ms);
  return (struct xleave_packet){transmit, tx, ntp_ts_from_timespec(&tx), PLAT_TS_DAEMON};
}

/* Our packet at 0 ms, received there at 504 ms of its clock, the answer
 * back at 10 ms: an interleaved answer that pairs with this exchange. */
static void save_first(struct xleave_state *xl, bool interleaved)
{
  struct xleave_packet ours = packet(NONCE, 0);
  struct timespec rx = at(10);
  xleave_save(xl, &ours, ntp_at(504), &rx, !interleaved);
}

static void test_request_names_saved_exchange(void **state)
{
  (void)state;
  struct xleave_state xl;
  struct ntp_header h;
  xleave_init(&xl, false);
  assert_false(xleave_has_exchange(&xl));
  assert_false(xleave_awaits_answer(&xl));
  save_first(&xl, false);
  assert_true(xleave_has_exchange(&xl));
  memset(&h, 0, sizeof(h));
  xleave_request_fields(&xl, &h);
  assert_true(h.origin == ntp_at(504));
  assert_true(h.receive == ntp_at(10));
  assert_true(xleave_awaits_answer(&xl));
  assert_true(xl.sent_rx == h.receive);
  xleave_forget_sent(&xl);
  assert_false(xleave_awaits_answer(&xl));
}

static void test_repeated_receive_field_takes_no_answer(void **state)
{
  (void)state;
  struct xleave_state xl;
  struct xleave_pairing p;
  struct ntp_header h = {0};
  struct xleave_packet ours = packet(NEXT_NONCE, 1000);
  xleave_init(&xl, false);
  save_first(&xl, true);
  xleave_request_fields(&xl, &h);
  assert_true(xleave_pairing(&xl, &ours, ntp_at(506), &p));
  /* No answer came: the next request names the same exchange. */
  xleave_request_fields(&xl, &h);
  assert_false(xleave_pairing(&xl, &ours, ntp_at(506), &p));
  /* A new exchange starts afresh. */
  save_first(&xl, true);
  xleave_request_fields(&xl, &h);
  assert_true(xleave_pairing(&xl, &ours, ntp_at(506), &p));
}

static void test_server_pairing_and_times(void **state)
{
  (void)state;
  struct xleave_state xl;
  struct xleave_pairing p;
  struct ntp_header h = {0};
  struct xleave_packet ours = packet(NEXT_NONCE, 1000);
  struct timespec t4 = at(1010);
  struct xleave_times t;
  xleave_init(&xl, false);

  /* The saved exchange made no sample: the answer measures it. */
  save_first(&xl, true);
  xleave_request_fields(&xl, &h);
  assert_true(xleave_pairing(&xl, &ours, ntp_at(506), &p));
  assert_false(p.crossed);
  assert_true(same_time(p.prev_rx, at(10)));
  t = xleave_answer_times(&xl, &p, &ours, &t4);
  assert_true(same_time(t.t1, at(0)) && same_time(t.t4, at(10)) && t.interleaved);

  /* It made a basic sample: the previous answer pairs with our request. */
  save_first(&xl, false);
  xleave_request_fields(&xl, &h);
  assert_true(xleave_pairing(&xl, &ours, ntp_at(506), &p));
  assert_true(p.crossed);
  assert_true(same_time(p.prev_rx, at(10)));
  t = xleave_answer_times(&xl, &p, &ours, &t4);
  assert_true(same_time(t.t1, at(1000)) && same_time(t.t4, at(10)) && t.interleaved);

  /* A basic answer: our last packet and its arrival. */
  t = xleave_answer_times(&xl, NULL, &ours, &t4);
  assert_true(same_time(t.t1, at(1000)) && same_time(t.t4, at(1010)) && !t.interleaved);
}

/* A peer: the saved exchange made no sample; we echoed a packet received
 * at echo_ms (the saved answer's if echo_saved) and sent at 1000 ms. */
static bool peer_pairing(long echo_ms, bool echo_saved, ntp_ts answer_tx,
                         struct xleave_pairing *p)
{
  struct xleave_state xl;
  struct xleave_packet ours = packet(NEXT_NONCE, 1000);
  struct timespec echo_rx = at(echo_ms);
  xleave_init(&xl, true);
  save_first(&xl, true);
  xleave_peer_sent(&xl, true, ntp_ts_from_timespec(&echo_rx), &echo_rx, echo_saved);
  return xleave_pairing(&xl, &ours, answer_tx, p);
}

static void test_peer_pairing(void **state)
{
  (void)state;
  struct xleave_pairing p;
  /* The peer turned round in 2 ms, we in 990 ms: the exchange. */
  assert_true(peer_pairing(10, true, ntp_at(506), &p));
  assert_false(p.crossed);
  assert_true(same_time(p.prev_rx, at(10)));
  /* The peer took 2 s: crossed, with the packet we echoed. */
  assert_true(peer_pairing(10, true, ntp_at(2504), &p));
  assert_true(p.crossed);
  assert_true(same_time(p.prev_rx, at(10)));
  /* The packet we echoed answered nothing of ours: crossed. */
  assert_true(peer_pairing(700, false, ntp_at(506), &p));
  assert_true(p.crossed);
  assert_true(same_time(p.prev_rx, at(700)));
}

static void test_peer_basic_backoff(void **state)
{
  (void)state;
  struct xleave_state xl;
  struct timespec echo_rx = at(10);
  ntp_ts rec = ntp_at(10);
  xleave_init(&xl, true);
  assert_true(xleave_peer_interleaved(&xl, true, true));
  assert_false(xleave_peer_interleaved(&xl, false, true));
  assert_false(xleave_peer_interleaved(&xl, true, false));
  int expected[] = {4, 8, 16, 32, 64, 128, 256, 256};
  for (unsigned i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
    /* An interleaved packet answered in basic mode. */
    xleave_peer_sent(&xl, true, rec, &echo_rx, true);
    xleave_peer_answered(&xl, false);
    for (int n = 0; n < expected[i]; n++) {
      assert_false(xleave_peer_interleaved(&xl, true, true));
      xleave_peer_sent(&xl, false, rec, &echo_rx, true);
      xleave_peer_answered(&xl, false);
    }
    assert_true(xleave_peer_interleaved(&xl, true, true));
  }
  /* Once it answered interleaved, basic answers are taken as they come. */
  xleave_peer_sent(&xl, true, rec, &echo_rx, true);
  xleave_peer_answered(&xl, true);
  xleave_peer_sent(&xl, true, rec, &echo_rx, true);
  xleave_peer_answered(&xl, false);
  assert_true(xleave_peer_interleaved(&xl, true, true));
}

static void test_peer_fields_and_echo(void **state)
{
  (void)state;
  struct xleave_state xl;
  struct ntp_header h = {0};
  struct timespec rx = at(10), other = at(11);
  xleave_init(&xl, true);
  assert_false(xleave_echoes_saved(&xl, true, &rx));
  save_first(&xl, true);
  assert_true(xleave_echoes_saved(&xl, true, &rx));
  assert_false(xleave_echoes_saved(&xl, false, &rx));
  assert_false(xleave_echoes_saved(&xl, true, &other));
  xleave_peer_fields(&xl, &h);
  assert_true(h.origin == ntp_at(504));
  assert_true(h.transmit == ntp_at(0));
}

static void test_kernel_tx_time_of_saved_packet(void **state)
{
  (void)state;
  struct xleave_state xl;
  struct timespec kernel = at(1);
  xleave_init(&xl, false);
  assert_false(xleave_tx_timestamp(&xl, NONCE, &kernel, PLAT_TS_KERNEL));
  save_first(&xl, true);
  assert_false(xleave_tx_timestamp(&xl, NEXT_NONCE, &kernel, PLAT_TS_KERNEL));
  assert_true(xleave_tx_timestamp(&xl, NONCE, &kernel, PLAT_TS_KERNEL));
  assert_true(same_time(xl.saved.ours.tx, kernel));
  assert_true(xl.saved.ours.tx_sent == ntp_at(1));
  assert_int_equal(xl.saved.ours.tx_source, PLAT_TS_KERNEL);
}

static void test_slew_moves_saved_times(void **state)
{
  (void)state;
  struct xleave_state xl;
  struct timespec when = at(0), echo_rx = at(20);
  xleave_init(&xl, true);
  save_first(&xl, true);
  xleave_peer_sent(&xl, true, ntp_at(20), &echo_rx, false);
  xleave_slew(&xl, &when, 0.0, 0.5);
  assert_true(same_time(xl.saved.ours.tx, at(500)));
  assert_true(same_time(xl.saved.local_rx, at(510)));
  assert_true(same_time(xl.sent_echo_rx, at(520)));
  /* The receive field told the peer is not moved. */
  assert_true(xl.saved.ours.tx_sent == ntp_at(0));
}

/* The figures of test_exchange.c: T1 0 ms, T2 504 ms, T3 506 ms (server
 * clock), T4 10 ms: offset 0.5 s, delay 8 ms. */
static void test_check_measures_saved_exchange(void **state)
{
  (void)state;
  struct xleave_state xl;
  struct xleave_pairing p;
  struct exch_sample x;
  struct ntp_packet pkt;
  struct ntp_header req = {0};
  struct xleave_packet ours = packet(NEXT_NONCE, 1000);
  uint8_t buf[NTP_HEADER_LEN];
  xleave_init(&xl, false);
  save_first(&xl, true);
  xleave_request_fields(&xl, &req);
  struct ntp_header h = {.version = 4, .mode = NTP_MODE_SERVER, .stratum = 1, .precision = -20,
                         .origin = req.receive, .receive = ntp_at(1504),
                         .transmit = ntp_at(506)};
  ntp_header_encode(&h, buf);
  ntp_packet_parse(buf, sizeof(buf), &pkt);
  assert_int_equal(xleave_check(&xl, &pkt, &ours, 0.0, &x, &p), EXCH_OK);
  assert_false(p.crossed);
  assert_true(fabs(x.offset - 0.5) < 1e-8);
  assert_true(fabs(x.delay - 0.008) < 1e-8);
  /* The server corrected its clock by -0.1 s since (F323: remote_shift
   * 0.1): the saved exchange's remote times, both before it, put on its
   * scale now, as chronyd's. */
  assert_int_equal(xleave_check(&xl, &pkt, &ours, 0.1, &x, &p), EXCH_OK);
  assert_true(fabs(x.offset - 0.4) < 1e-8);
  assert_true(fabs(x.delay - 0.008) < 1e-8);
  /* The origin of our request (known off the path) is no interleaved
   * answer. */
  h.origin = req.origin;
  ntp_header_encode(&h, buf);
  ntp_packet_parse(buf, sizeof(buf), &pkt);
  assert_int_equal(xleave_check(&xl, &pkt, &ours, 0.0, &x, &p), EXCH_BAD_ORIGIN);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_request_names_saved_exchange),
    cmocka_unit_test(test_repeated_receive_field_takes_no_answer),
    cmocka_unit_test(test_server_pairing_and_times),
    cmocka_unit_test(test_peer_pairing),
    cmocka_unit_test(test_peer_basic_backoff),
    cmocka_unit_test(test_peer_fields_and_echo),
    cmocka_unit_test(test_kernel_tx_time_of_saved_packet),
    cmocka_unit_test(test_slew_moves_saved_times),
    cmocka_unit_test(test_check_measures_saved_exchange),
  };
  return cmocka_run_group_tests_name("xleave", tests, NULL, NULL);
}
