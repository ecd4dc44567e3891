#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ntp_packet.h"
#include "sim/sim_platform.h"
#include "sim/sim_refclock.h"

#define START ((sim_time)1700000000 * SIM_NS_PER_S)

struct fixture {
  struct sim_sched *sched;
  struct sim_net *net;
  struct sim_platform *a, *b;
  const struct platform *pa, *pb;
  struct ip_addr addr_a, addr_b;
  /* what the handlers saw */
  unsigned fired;
  sim_time fired_at;
  unsigned received;
  int rx_sock;
  struct plat_datagram rx;
  uint8_t rx_data[64];
};

static struct sim_platform *host(struct fixture *f, const char *name, struct ip_addr *addr,
                                 const char *text, double offset, double freq, uint64_t seed)
{
  addr_parse(text, addr);
  struct sim_platform_config cfg = {
    .name = name, .addrs = addr, .n_addrs = 1,
    .clock = {.offset = offset, .freq = freq}, .seed = seed};
  return sim_platform_new(f->sched, f->net, &cfg);
}

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  f->sched = sim_sched_new(START);
  f->net = sim_net_new(f->sched, 1);
  struct sim_link_params p = {.delay = 1e-3};
  sim_net_set_default(f->net, &p);
  f->a = host(f, "a", &f->addr_a, "192.0.2.1", -0.1, 100.0, 1);
  f->b = host(f, "b", &f->addr_b, "192.0.2.2", 0.0, 0.0, 2);
  assert_non_null(f->a);
  assert_non_null(f->b);
  f->pa = sim_platform_get(f->a);
  f->pb = sim_platform_get(f->b);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  sim_platform_free(f->a);
  sim_platform_free(f->b);
  sim_net_free(f->net);
  sim_sched_free(f->sched);
  free(f);
  return 0;
}

static sim_time local_now(const struct platform *p)
{
  struct timespec ts;
  p->ops->now(p->ctx, &ts);
  return sim_time_from_timespec(&ts);
}

static void test_now_is_local_clock(void **state)
{
  struct fixture *f = *state;
  assert_true(local_now(f->pa) == START - 100000000);
  assert_true(local_now(f->pb) == START);
  assert_string_equal(sim_platform_name(f->a), "a");
  assert_true(sim_platform_offset(f->a) == -0.1);
  assert_true(sim_platform_freq_error(f->a) == 100.0);
}

static void on_timer(void *arg)
{
  struct fixture *f = arg;
  f->fired++;
  f->fired_at = sim_sched_now(f->sched);
}

/* 16 s of a clock running 100 ppm fast are 16 / 1.0001 s of true time;
 * a step of the clock does not move the timer. */
static void test_timer_in_local_time(void **state)
{
  struct fixture *f = *state;
  sim_time local0 = local_now(f->pa);
  plat_timer t = f->pa->ops->timer_add(f->pa->ctx, 16.0, on_timer, f);
  assert_true(t != 0);
  assert_int_equal(f->pa->ops->clock_step(f->pa->ctx, 5.0), 0);
  assert_int_equal(sim_sched_run_until(f->sched, START + 20 * SIM_NS_PER_S), 0);
  assert_int_equal(f->fired, 1);
  assert_true(f->fired_at == START + (sim_time)ceil(16e9 / 1.0001));
  sim_time advanced = sim_clock_read(sim_platform_clock(f->a), f->fired_at) - local0;
  assert_true(llabs(advanced - 21 * SIM_NS_PER_S) <= 1);

  t = f->pa->ops->timer_add(f->pa->ctx, 1.0, on_timer, f);
  f->pa->ops->timer_cancel(f->pa->ctx, t);
  f->pa->ops->timer_add(f->pa->ctx, -3.0, on_timer, f);   /* now */
  assert_int_equal(sim_sched_run_until(f->sched, START + 30 * SIM_NS_PER_S), 0);
  assert_int_equal(f->fired, 2);
  assert_true(f->fired_at == START + 20 * SIM_NS_PER_S);
}

static void on_recv(void *arg, int sock, const struct plat_datagram *dg)
{
  struct fixture *f = arg;
  f->received++;
  f->rx_sock = sock;
  f->rx = *dg;
  memcpy(f->rx_data, dg->data, dg->len < sizeof(f->rx_data) ? dg->len : sizeof(f->rx_data));
  f->rx.data = f->rx_data;
}

/* A's clock is 0.1 s behind and 100 ppm fast; B's is perfect. */
static void test_datagram_timestamps(void **state)
{
  struct fixture *f = *state;
  uint8_t buf[NTP_HEADER_LEN] = {0x23};
  int sa = f->pa->ops->udp_open(f->pa->ctx, ADDR_INET4, NULL, 0, on_recv, f);
  int sb = f->pb->ops->udp_open(f->pb->ctx, ADDR_INET4, &f->addr_b, 123, on_recv, f);
  assert_true(sa >= 0 && sb >= 0);
  assert_int_equal(sim_sched_run_until(f->sched, START + 10 * SIM_NS_PER_S), 0);
  sim_time sent_local = local_now(f->pa);
  assert_int_equal(f->pa->ops->udp_send(f->pa->ctx, sa, NULL, &f->addr_b, 123, buf, sizeof(buf),
                                        PLAT_SEND_STAMP_TRANSMIT), 0);
  /* Stamped at the send with A's local clock. */
  struct ntp_header h;
  ntp_header_decode(buf, &h);
  struct timespec stamped = ntp_ts_to_timespec(h.transmit, (time_t)(START / SIM_NS_PER_S));
  assert_true(llabs(sim_time_from_timespec(&stamped) - sent_local) <= 1);

  assert_int_equal(sim_sched_run_until(f->sched, START + 11 * SIM_NS_PER_S), 0);
  assert_int_equal(f->received, 1);
  assert_int_equal(f->rx_sock, sb);
  assert_true(addr_equal(&f->rx.from, &f->addr_a));
  assert_true(addr_equal(&f->rx.local, &f->addr_b));
  assert_int_equal(f->rx.from_port, SIM_NET_EPHEMERAL_FIRST);
  assert_int_equal(f->rx.rx_source, PLAT_TS_KERNEL);
  assert_true(sim_time_from_timespec(&f->rx.rx_time) == START + 10 * SIM_NS_PER_S + 1000000);
  assert_memory_equal(f->rx_data, buf, sizeof(buf));

  /* Without the flag the buffer is sent as it is. */
  memset(buf, 0, sizeof(buf));
  assert_int_equal(f->pb->ops->udp_send(f->pb->ctx, sb, NULL, &f->addr_a, f->rx.from_port, buf,
                                        sizeof(buf), 0), 0);
  assert_int_equal(sim_sched_run_until(f->sched, START + 12 * SIM_NS_PER_S), 0);
  assert_int_equal(f->received, 2);
  assert_int_equal(f->rx_sock, sa);
  ntp_header_decode(f->rx_data, &h);
  assert_true(h.transmit == 0);

  /* A's socket is not B's to use or close. */
  assert_int_equal(f->pb->ops->udp_send(f->pb->ctx, sa, NULL, &f->addr_a, 1, buf, 1, 0), -EBADF);
  f->pb->ops->udp_close(f->pb->ctx, sa);
  assert_int_equal(f->pa->ops->udp_send(f->pa->ctx, sa, NULL, &f->addr_b, 123, buf, 1, 0), 0);
  f->pa->ops->udp_close(f->pa->ctx, sa);
  assert_int_equal(f->pa->ops->udp_send(f->pa->ctx, sa, NULL, &f->addr_b, 123, buf, 1, 0),
                   -EBADF);
}

/* The converter: the NIC clock runs NIC_OFFSET ahead of true time (B's). */
#define NIC_OFFSET 5.0
static struct plat_hw_stamp seen_stamp;
static unsigned seen_stamps;

static bool convert(void *arg, const struct plat_hw_stamp *s, struct timespec *out)
{
  (void)arg;
  seen_stamp = *s;
  seen_stamps++;
  *out = timespec_add_double(&s->hw, -NIC_OFFSET);
  return true;
}

static struct timespec tx_stamp;
static enum plat_ts_source tx_source;

static void on_tx(void *arg, int sock, const struct ip_addr *to, uint16_t port, uint64_t tag,
                  const struct timespec *tx_time, enum plat_ts_source source)
{
  (void)arg, (void)sock, (void)to, (void)port, (void)tag;
  tx_stamp = *tx_time;
  tx_source = source;
}

/* B's NIC: off until switched on; then its clock's stamps, of a received
 * frame's start and of a send, made system time by the converter. */
static void test_nic_stamps(void **state)
{
  struct fixture *f = *state;
  struct sim_refclock_config dc = {.driver = PLAT_REFCLOCK_PHC, .param = "eth0",
                                   .offset = NIC_OFFSET};
  struct sim_refclock *phc = sim_refclock_new(f->sched, f->b, &dc);
  struct plat_nic nic;
  char names[4][PLAT_IFNAME_LEN];
  uint8_t buf[NTP_HEADER_LEN] = {0x23};
  uint64_t rx, tx;
  assert_non_null(phc);
  sim_platform_set_nic(f->b, "eth0", phc);
  assert_int_equal(f->pb->ops->net_interfaces(f->pb->ctx, names, 4), 2);
  assert_string_equal(names[1], "eth0");
  assert_int_equal(f->pb->ops->hwts_enable(f->pb->ctx, "lo", PLAT_RXFILTER_ANY, &nic),
                   -EOPNOTSUPP);
  assert_int_equal(f->pa->ops->hwts_enable(f->pa->ctx, "eth0", PLAT_RXFILTER_ANY, &nic),
                   -EOPNOTSUPP);
  f->pb->ops->hwts_set_converter(f->pb->ctx, convert, NULL);
  int sa = f->pa->ops->udp_open(f->pa->ctx, ADDR_INET4, NULL, 0, on_recv, f);
  int sb = f->pb->ops->udp_open(f->pb->ctx, ADDR_INET4, &f->addr_b, 123, on_recv, f);
  assert_int_equal(f->pb->ops->udp_tx_timestamps(f->pb->ctx, sb, on_tx, f), 0);
  /* Off: the kernel's. */
  assert_int_equal(f->pa->ops->udp_send(f->pa->ctx, sa, NULL, &f->addr_b, 123, buf,
                                        sizeof(buf), 0), 0);
  assert_int_equal(sim_sched_run_until(f->sched, START + 1 * SIM_NS_PER_S), 0);
  assert_int_equal(f->rx.rx_source, PLAT_TS_KERNEL);
  assert_int_equal(seen_stamps, 0);

  assert_int_equal(f->pb->ops->hwts_enable(f->pb->ctx, "eth0", PLAT_RXFILTER_ANY, &nic), 0);
  assert_int_equal(nic.if_index, SIM_PLATFORM_NIC_INDEX);
  assert_true(nic.rx);
  assert_int_equal(sim_sched_run_until(f->sched, START + 10 * SIM_NS_PER_S), 0);
  assert_int_equal(f->pa->ops->udp_send(f->pa->ctx, sa, NULL, &f->addr_b, 123, buf,
                                        sizeof(buf), 0), 0);
  assert_int_equal(sim_sched_run_until(f->sched, START + 11 * SIM_NS_PER_S), 0);
  /* The frame (42 + 48 + 4 bytes at 1 Gb/s) began 752 ns before it was in. */
  sim_time in = START + 10 * SIM_NS_PER_S + 1000000;
  assert_int_equal(f->rx.rx_source, PLAT_TS_HARDWARE);
  assert_true(sim_time_from_timespec(&f->rx.rx_time) == in - 752);
  assert_int_equal(seen_stamp.rx_len, sizeof(buf));
  assert_int_equal(seen_stamp.if_index, SIM_PLATFORM_NIC_INDEX);
  assert_int_equal(seen_stamp.family, ADDR_INET4);
  assert_true(sim_time_from_timespec(&seen_stamp.sys) == in);

  /* Sent: the NIC's time at the send. */
  assert_int_equal(f->pb->ops->udp_send_tagged(f->pb->ctx, sb, NULL, &f->addr_a, f->rx.from_port,
                                               buf, sizeof(buf), 0, 7), 0);
  assert_int_equal(sim_sched_run_until(f->sched, START + 12 * SIM_NS_PER_S), 0);
  assert_int_equal(tx_source, PLAT_TS_HARDWARE);
  assert_true(sim_time_from_timespec(&tx_stamp) == START + 11 * SIM_NS_PER_S);
  assert_int_equal(seen_stamp.rx_len, 0);
  sim_platform_hw_stamps(f->b, &rx, &tx);
  assert_true(rx == 1 && tx == 1);

  /* Transmit stamps only with the none filter. */
  assert_int_equal(f->pb->ops->hwts_enable(f->pb->ctx, "eth0", PLAT_RXFILTER_NONE, &nic), 0);
  assert_false(nic.rx);
  assert_int_equal(f->pa->ops->udp_send(f->pa->ctx, sa, NULL, &f->addr_b, 123, buf,
                                        sizeof(buf), 0), 0);
  assert_int_equal(sim_sched_run_until(f->sched, START + 13 * SIM_NS_PER_S), 0);
  assert_int_equal(f->rx.rx_source, PLAT_TS_KERNEL);
}

/* Without kernel timestamping: daemon receive stamps, the same time, and
 * no transmit timestamps; the other host keeps its kernel's. */
static void test_daemon_stamps(void **state)
{
  struct fixture *f = *state;
  uint8_t buf[NTP_HEADER_LEN] = {0x23};
  sim_platform_set_daemon_stamps(f->b);
  int sa = f->pa->ops->udp_open(f->pa->ctx, ADDR_INET4, NULL, 0, on_recv, f);
  int sb = f->pb->ops->udp_open(f->pb->ctx, ADDR_INET4, &f->addr_b, 123, on_recv, f);
  assert_true(sa >= 0 && sb >= 0);
  assert_int_equal(f->pb->ops->udp_tx_timestamps(f->pb->ctx, sb, on_tx, f), -EOPNOTSUPP);
  assert_int_equal(f->pa->ops->udp_tx_timestamps(f->pa->ctx, sa, on_tx, f), 0);
  assert_int_equal(f->pa->ops->udp_send(f->pa->ctx, sa, NULL, &f->addr_b, 123, buf, sizeof(buf),
                                        0), 0);
  assert_int_equal(sim_sched_run_until(f->sched, START + SIM_NS_PER_S), 0);
  assert_int_equal(f->received, 1);
  assert_int_equal(f->rx.rx_source, PLAT_TS_DAEMON);
  assert_true(sim_time_from_timespec(&f->rx.rx_time) == START + 1000000);
  assert_int_equal(f->pb->ops->udp_send(f->pb->ctx, sb, NULL, &f->addr_a, f->rx.from_port, buf,
                                        sizeof(buf), 0), 0);
  assert_int_equal(sim_sched_run_until(f->sched, START + 2 * SIM_NS_PER_S), 0);
  assert_int_equal(f->received, 2);
  assert_int_equal(f->rx.rx_source, PLAT_TS_KERNEL);
}

static void on_recv_close(void *arg, int sock, const struct plat_datagram *dg)
{
  struct fixture *f = arg;
  (void)dg;
  f->received++;
  f->pb->ops->udp_close(f->pb->ctx, sock);
}

static void test_handler_may_close_its_socket(void **state)
{
  struct fixture *f = *state;
  uint8_t buf[4] = {0};
  int sa = f->pa->ops->udp_open(f->pa->ctx, ADDR_INET4, NULL, 0, on_recv, f);
  assert_true(f->pb->ops->udp_open(f->pb->ctx, ADDR_INET4, NULL, 123, on_recv_close, f) >= 0);
  f->pa->ops->udp_send(f->pa->ctx, sa, NULL, &f->addr_b, 123, buf, sizeof(buf), 0);
  f->pa->ops->udp_send(f->pa->ctx, sa, NULL, &f->addr_b, 123, buf, sizeof(buf), 0);
  assert_int_equal(sim_sched_run_until(f->sched, START + SIM_NS_PER_S), 0);
  assert_int_equal(f->received, 1);
  assert_true(sim_net_stats(f->net)->unreachable == 1);
}

static void test_random_bytes_per_seed(void **state)
{
  struct fixture *f = *state;
  uint8_t x[16], y[16];
  f->pa->ops->random_bytes(f->pa->ctx, x, sizeof(x));
  f->pb->ops->random_bytes(f->pb->ctx, y, sizeof(y));
  assert_memory_not_equal(x, y, sizeof(x));
  /* A twin of A (same seed) draws the same bytes. */
  struct ip_addr addr;
  struct sim_platform *twin = host(f, "twin", &addr, "192.0.2.3", 0.0, 0.0, 1);
  const struct platform *pt = sim_platform_get(twin);
  pt->ops->random_bytes(pt->ctx, y, sizeof(y));
  assert_memory_equal(x, y, sizeof(x));
  sim_platform_free(twin);
}

static void test_clock_control(void **state)
{
  struct fixture *f = *state;
  const struct platform *p = f->pa;
  /* The correction scales the oscillator's 100 ppm (sim_clock.h). */
  const double cancel = 1e6 * (1.0 / (1.0 + 100e-6) - 1.0);
  assert_int_equal(p->ops->clock_set_freq(p->ctx, cancel), 0);
  assert_true(p->ops->clock_get_freq(p->ctx) == cancel);
  assert_int_equal(p->ops->clock_set_freq(p->ctx, NAN), -EINVAL);
  assert_int_equal(p->ops->clock_step(p->ctx, 0.1), 0);
  assert_int_equal(p->ops->clock_step(p->ctx, INFINITY), -EINVAL);
  assert_int_equal(sim_sched_run_until(f->sched, START + 1000 * SIM_NS_PER_S), 0);
  assert_true(llabs(local_now(p) - (START + 1000 * SIM_NS_PER_S)) <= 1);
  assert_true(fabs(sim_platform_freq_error(f->a)) < 1e-9);
  sim_platform_external_step(f->a, 2.0);
  assert_true(llabs(local_now(p) - (START + 1002 * SIM_NS_PER_S)) <= 1);
  assert_int_equal(sim_platform_steps(f->a), 1);   /* the external one is not counted */
}

static void test_log_counts(void **state)
{
  struct fixture *f = *state;
  int w = sim_platform_watch_log(f->a, "ing 2");
  assert_int_equal(w, 0);
  for (int i = 1; i < SIM_PLATFORM_MAX_WATCHES; i++)
    assert_int_equal(sim_platform_watch_log(f->a, "never"), i);
  assert_int_equal(sim_platform_watch_log(f->a, "full"), -1);
  plat_logf(f->pa, PLAT_LOG_WARN, "warning %d", 1);
  plat_logf(f->pa, PLAT_LOG_WARN, "warning %d", 2);
  assert_int_equal(sim_platform_watch_count(f->a, w), 1);
  assert_int_equal(sim_platform_watch_count(f->a, 1), 0);
  plat_logf(f->pa, PLAT_LOG_DEBUG, "debug");
  plat_logf(f->pa, 99, "beyond fatal");
  assert_int_equal(sim_platform_log_count(f->a, PLAT_LOG_WARN), 2);
  assert_int_equal(sim_platform_log_count(f->a, PLAT_LOG_DEBUG), 1);
  assert_int_equal(sim_platform_log_count(f->a, PLAT_LOG_FATAL), 1);
  assert_int_equal(sim_platform_log_count(f->a, PLAT_LOG_ERR), 0);
  sim_platform_set_verbose(f->a, true);
  plat_logf(f->pa, PLAT_LOG_INFO, "printed with the virtual time");
  assert_int_equal(sim_platform_log_count(f->a, PLAT_LOG_INFO), 1);
}

/* A watch with a window counts the messages of [from, to) only. */
static void test_log_watch_window(void **state)
{
  struct fixture *f = *state;
  int w = sim_platform_watch_log_between(f->a, "tick", 10.0, 20.0);
  plat_logf(f->pa, PLAT_LOG_INFO, "tick before");
  assert_int_equal(sim_sched_run_until(f->sched, START + 10 * SIM_NS_PER_S), 0);
  plat_logf(f->pa, PLAT_LOG_INFO, "tick at the start");
  assert_int_equal(sim_sched_run_until(f->sched, START + 19 * SIM_NS_PER_S), 0);
  plat_logf(f->pa, PLAT_LOG_INFO, "tick within");
  assert_int_equal(sim_sched_run_until(f->sched, START + 20 * SIM_NS_PER_S), 0);
  plat_logf(f->pa, PLAT_LOG_INFO, "tick at the end");
  assert_int_equal(sim_platform_watch_count(f->a, w), 2);
}

static void test_free_cancels_timers(void **state)
{
  struct fixture *f = *state;
  f->pb->ops->timer_add(f->pb->ctx, 1.0, on_timer, f);
  f->pb->ops->udp_open(f->pb->ctx, ADDR_INET4, NULL, 123, on_recv, f);
  sim_platform_free(f->b);
  f->b = NULL;
  assert_int_equal(sim_sched_pending(f->sched), 0);
  assert_int_equal(sim_sched_run_until(f->sched, START + 2 * SIM_NS_PER_S), 0);
  assert_int_equal(f->fired, 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_now_is_local_clock, setup, teardown),
    cmocka_unit_test_setup_teardown(test_timer_in_local_time, setup, teardown),
    cmocka_unit_test_setup_teardown(test_datagram_timestamps, setup, teardown),
    cmocka_unit_test_setup_teardown(test_daemon_stamps, setup, teardown),
    cmocka_unit_test_setup_teardown(test_handler_may_close_its_socket, setup, teardown),
    cmocka_unit_test_setup_teardown(test_random_bytes_per_seed, setup, teardown),
    cmocka_unit_test_setup_teardown(test_clock_control, setup, teardown),
    cmocka_unit_test_setup_teardown(test_log_counts, setup, teardown),
    cmocka_unit_test_setup_teardown(test_log_watch_window, setup, teardown),
    cmocka_unit_test_setup_teardown(test_free_cancels_timers, setup, teardown),
    cmocka_unit_test_setup_teardown(test_nic_stamps, setup, teardown),
  };
  return cmocka_run_group_tests_name("sim_platform", tests, NULL, NULL);
}
