#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ntp_server.h"
#include "fake_keyring.h"
#include "fake_platform.h"
#include "proto/ntp_ext.h"
#include "proto/ntp_mac.h"
#include "proto/ntp_packet.h"

/* A small keyring: IDs 1-4 (MD5, SHA1, AES128, SHA256). */
struct fixture {
  struct fake_platform fp;
  struct refstate ref;
  struct ntp_server srv;
  uint8_t req[128];
  size_t req_len;
  struct plat_datagram dg;
  uint8_t reply[SRV_REPLY_MAX];
};

#define CLIENT_TX 0xe1a2b3c4d5e6f708ULL

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  fake_platform_init(&f->fp);
  ref_state_init(&f->ref, -24);
  ref_set_local(&f->ref, &(struct ref_local){.enabled = true, .stratum = 3, .distance = 1.0},
                &f->fp.now);
  srv_init(&f->srv, &f->fp.plat, &f->ref);
  struct ip_subnet any = {0};
  access_add(&f->srv.access, &any, true, false);

  struct ntp_header h = {.version = 4, .mode = NTP_MODE_CLIENT, .poll = 6,
                         .transmit = CLIENT_TX};
  ntp_header_encode(&h, f->req);
  f->req_len = NTP_HEADER_LEN;
  f->dg.data = f->req;
  addr_parse("127.0.0.1", &f->dg.from);
  f->dg.from_port = 40000;
  f->dg.rx_time = (struct timespec){1700000000, 250000000};
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  srv_free(&f->srv);
  free(f);
  return 0;
}

static size_t process_into(struct fixture *f, size_t cap)
{
  struct ntp_packet req;
  f->dg.len = f->req_len;
  ntp_packet_parse(f->dg.data, f->dg.len, &req);
  return srv_process(&f->srv, &f->dg, &req, f->reply, cap);
}

static size_t process(struct fixture *f)
{
  return process_into(f, sizeof(f->reply));
}

static void set_byte0(struct fixture *f, int leap, int version, int mode)
{
  f->req[0] = (uint8_t)(leap << 6 | version << 3 | mode);
}

static void test_reply_fields_local_stratum(void **state)
{
  struct fixture *f = *state;
  struct ntp_header r;
  assert_int_equal(process(f), NTP_HEADER_LEN);
  ntp_header_decode(f->reply, &r);
  assert_int_equal(r.mode, NTP_MODE_SERVER);
  assert_int_equal(r.version, 4);
  assert_int_equal(r.leap, NTP_LEAP_NONE);
  assert_int_equal(r.stratum, 3);
  assert_int_equal(r.poll, 6);
  assert_int_equal(r.precision, -24);
  assert_int_equal(r.refid, NTP_REFID_LOCAL);
  assert_true(r.origin == CLIENT_TX);
  assert_true(r.receive == (ntp_ts_from_timespec(&f->dg.rx_time) | 1));   /* chronyd's flag */
  /* chronyd's local reference time: 1-2 s before the time it was set,
   * at most REF_LOCAL_UPDATE_INTERVAL s ago, and held meanwhile */
  struct timespec ref = ntp_ts_to_timespec(r.reference, f->dg.rx_time.tv_sec);
  double age = timespec_diff(&f->dg.rx_time, &ref);
  assert_true(age >= 1.0 && age <= 2.0 + REF_LOCAL_UPDATE_INTERVAL);
  ntp_ts first = r.reference;
  f->dg.rx_time = timespec_add_double(&f->dg.rx_time, 0.5);
  assert_int_equal(process(f), NTP_HEADER_LEN);
  ntp_header_decode(f->reply, &r);
  assert_true(r.reference == first || age + 0.5 > REF_LOCAL_UPDATE_INTERVAL);
  assert_true(r.transmit == 0);  /* stamped by the platform when sent */
  assert_int_equal(r.root_delay, 0);
  assert_int_equal(r.root_dispersion, 0);  /* chronyd 4.3 serves 0 with `local` */
  assert_int_equal(f->srv.stats.received, 2);
}

static void test_unsynchronised_reply(void **state)
{
  struct fixture *f = *state;
  struct ntp_header r;
  ref_set_local(&f->ref, &(struct ref_local){.enabled = false}, &f->fp.now);
  assert_int_equal(process(f), NTP_HEADER_LEN);
  ntp_header_decode(f->reply, &r);
  assert_int_equal(r.leap, NTP_LEAP_UNSYNC);
  assert_int_equal(r.stratum, 0);
  assert_int_equal(r.refid, 0);
  assert_true(r.reference == 0);
  assert_int_equal(r.root_delay, ntp_short_from_double(1.0));
}

static void test_old_versions_copied(void **state)
{
  struct fixture *f = *state;
  struct ntp_header r;
  for (int v = 1; v <= 3; v++) {
    set_byte0(f, 0, v, NTP_MODE_CLIENT);
    assert_int_equal(process(f), NTP_HEADER_LEN);
    ntp_header_decode(f->reply, &r);
    assert_int_equal(r.version, v);
    assert_int_equal(r.mode, NTP_MODE_SERVER);
  }
}

static void test_non_request_modes_dropped(void **state)
{
  struct fixture *f = *state;
  int modes[] = {0, 2, 4, 5, 6, 7};
  for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    set_byte0(f, 0, 4, modes[i]);
    assert_int_equal(process(f), 0);
  }
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_MODE], 6);
}

static void test_symmetric_active_gets_passive_reply(void **state)
{
  struct fixture *f = *state;
  struct ntp_header r;
  set_byte0(f, 0, 4, NTP_MODE_ACTIVE);
  assert_int_equal(process(f), NTP_HEADER_LEN);
  ntp_header_decode(f->reply, &r);
  assert_int_equal(r.mode, NTP_MODE_PASSIVE);
  assert_true(r.origin == CLIENT_TX);
}

static void test_ntpv1_mode0_is_a_client_request_unless_from_port_123(void **state)
{
  struct fixture *f = *state;
  struct ntp_header r;
  set_byte0(f, 0, 1, 0);
  assert_int_equal(process(f), NTP_HEADER_LEN);
  ntp_header_decode(f->reply, &r);
  assert_int_equal(r.mode, NTP_MODE_SERVER);
  assert_int_equal(r.version, 1);
  f->dg.from_port = NTP_PORT;
  assert_int_equal(process(f), 0);
  set_byte0(f, 0, 2, 0);
  f->dg.from_port = 40000;
  assert_int_equal(process(f), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_MODE], 2);
}

static void test_bad_versions_dropped(void **state)
{
  struct fixture *f = *state;
  int versions[] = {0, 5, 6, 7};
  for (unsigned i = 0; i < 4; i++) {
    set_byte0(f, 0, versions[i], NTP_MODE_CLIENT);
    assert_int_equal(process(f), 0);
  }
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_FORMAT], 4);
}

static void test_short_and_odd_lengths_dropped(void **state)
{
  struct fixture *f = *state;
  size_t lens[] = {0, 1, 47, 49, 50, 51};
  for (unsigned i = 0; i < 6; i++) {
    f->req_len = lens[i];
    assert_int_equal(process(f), 0);
  }
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_FORMAT], 6);
  assert_int_equal(f->srv.stats.replied, 0);
}

static void test_bad_extension_field_dropped(void **state)
{
  struct fixture *f = *state;
  /* one field claiming 12 bytes: below the RFC 7822 minimum */
  uint8_t ef[] = {0x12, 0x34, 0x00, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  memcpy(f->req + NTP_HEADER_LEN, ef, sizeof(ef));
  f->req_len = NTP_HEADER_LEN + sizeof(ef);
  assert_int_equal(process(f), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_FORMAT], 1);
}

static void test_unknown_extension_field_answered_shorter(void **state)
{
  struct fixture *f = *state;
  uint8_t ef[28] = {0x7f, 0x01, 0x00, 28};
  memcpy(f->req + NTP_HEADER_LEN, ef, sizeof(ef));
  f->req_len = NTP_HEADER_LEN + sizeof(ef);
  size_t n = process(f);
  assert_int_equal(n, NTP_HEADER_LEN);
  assert_true(n <= f->req_len);
}

static void test_mac_without_keys_dropped(void **state)
{
  struct fixture *f = *state;
  memset(f->req + NTP_HEADER_LEN, 0xab, 20);  /* key id + 16-byte digest */
  f->req_len = NTP_HEADER_LEN + 20;
  assert_int_equal(process(f), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_AUTH], 1);
}

/* Append to the request header a MAC made with key `id` but labelled
 * `sent_id`, for the header's version; give the server the keyring. */
static void sign_request(struct fixture *f, uint32_t id, uint32_t sent_id)
{
  int version = f->req[0] >> 3 & 7;
  f->srv.keys = &FAKE_KEYRING;
  size_t n = ntp_mac_generate(fake_key(NULL, id), sent_id, f->req, NTP_HEADER_LEN, version,
                              f->req + NTP_HEADER_LEN, sizeof(f->req) - NTP_HEADER_LEN);
  assert_true(n > 0);
  f->req_len = NTP_HEADER_LEN + n;
}

/* The reply is authenticated with key `id` and as long as the request. */
static void assert_signed_reply(struct fixture *f, size_t len, uint32_t id)
{
  struct ntp_packet r;
  assert_int_equal(len, f->req_len);
  assert_int_equal(ntp_packet_parse(f->reply, len, &r), NTP_PARSE_OK);
  assert_int_equal(r.mac_keyid, id);
  assert_true(ntp_mac_verify(fake_key(NULL, id), f->reply, NTP_HEADER_LEN, r.mac_digest,
                             r.mac_digest_len));
  /* The MAC covers the transmit timestamp, so it is set before signing. */
  assert_true(r.hdr.transmit == ntp_ts_from_timespec(&f->fp.now));
  assert_true(r.hdr.origin == CLIENT_TX);
}

static void test_authenticated_requests_get_authenticated_replies(void **state)
{
  struct fixture *f = *state;
  struct ntp_header r;
  /* key, version, expected length (SHA256: whole digest in NTPv3 only) */
  const struct { uint32_t id; int version; size_t len; } cases[] = {
    {1, 4, 68}, {2, 4, 72}, {3, 4, 68}, {4, 4, 72},
    {1, 3, 68}, {2, 3, 72}, {3, 3, 68}, {4, 3, 84}, {1, 2, 68}, {4, 1, 84},
  };
  for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    set_byte0(f, 0, cases[i].version, NTP_MODE_CLIENT);
    sign_request(f, cases[i].id, cases[i].id);
    assert_int_equal(f->req_len, cases[i].len);
    assert_signed_reply(f, process(f), cases[i].id);
    ntp_header_decode(f->reply, &r);
    assert_int_equal(r.version, cases[i].version);
    assert_int_equal(r.mode, NTP_MODE_SERVER);
  }
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_AUTH], 0);
}

static void test_authenticated_symmetric_active_gets_passive_reply(void **state)
{
  struct fixture *f = *state;
  struct ntp_header r;
  set_byte0(f, 0, 4, NTP_MODE_ACTIVE);
  sign_request(f, 2, 2);
  assert_signed_reply(f, process(f), 2);
  ntp_header_decode(f->reply, &r);
  assert_int_equal(r.mode, NTP_MODE_PASSIVE);
}

static void test_unknown_key_dropped(void **state)
{
  struct fixture *f = *state;
  sign_request(f, 1, 99);
  assert_int_equal(process(f), 0);
  f->srv.keys = NULL;              /* no keyring at all */
  assert_int_equal(process(f), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_AUTH], 2);
  assert_int_equal(f->srv.stats.replied, 0);
}

static void test_wrong_key_id_dropped(void **state)
{
  struct fixture *f = *state;
  sign_request(f, 1, 3);  /* MD5 key 1's MAC, labelled AES128 key 3 */
  assert_int_equal(process(f), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_AUTH], 1);
}

static void test_flipped_mac_bit_dropped(void **state)
{
  struct fixture *f = *state;
  for (size_t bit = 0; bit < 20 * 8; bit += 13) {
    sign_request(f, 2, 2);
    f->req[NTP_HEADER_LEN + 4 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
    assert_int_equal(process(f), 0);
  }
  sign_request(f, 2, 2);
  f->req[1] ^= 1;                  /* the data, not the MAC */
  assert_int_equal(process(f), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_AUTH], 14);
}

static void test_truncated_mac_dropped(void **state)
{
  struct fixture *f = *state;
  sign_request(f, 2, 2);  /* SHA1: 20-byte digest cut to 16 */
  f->req_len -= 4;
  assert_int_equal(process(f), 0);
  set_byte0(f, 0, 3, NTP_MODE_CLIENT);
  sign_request(f, 4, 4);  /* SHA256 in NTPv3: 32-byte digest cut to 20 */
  f->req_len = NTP_HEADER_LEN + 24;
  assert_int_equal(process(f), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_AUTH], 2);
}

static void test_crypto_nak_request_dropped(void **state)
{
  struct fixture *f = *state;
  f->srv.keys = &FAKE_KEYRING;
  memset(f->req + NTP_HEADER_LEN, 0, 4);
  f->req_len = NTP_HEADER_LEN + 4;
  assert_int_equal(process(f), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_AUTH], 1);
}

static void test_plain_request_answered_plain_with_keys(void **state)
{
  struct fixture *f = *state;
  f->srv.keys = &FAKE_KEYRING;
  assert_int_equal(process(f), NTP_HEADER_LEN);
}

static void test_authenticated_reply_sent_without_restamping(void **state)
{
  struct fixture *f = *state;
  sign_request(f, 3, 3);
  f->dg.len = f->req_len;
  srv_receive(&f->srv, 7, &f->dg);
  assert_int_equal(f->fp.n_sends, 1);
  assert_int_equal(f->fp.sends[0].len, f->req_len);
  assert_int_equal(f->fp.sends[0].flags & PLAT_SEND_STAMP_TRANSMIT, 0);
}

static void test_small_reply_buffer_drops_authenticated_reply(void **state)
{
  struct fixture *f = *state;
  sign_request(f, 1, 1);
  assert_int_equal(process_into(f, NTP_HEADER_LEN + 8), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_AUTH], 1);
}

static void test_denied_address_dropped(void **state)
{
  struct fixture *f = *state;
  struct ip_subnet net;
  assert_true(subnet_parse("127.0.0.1", &net));
  access_add(&f->srv.access, &net, false, false);
  assert_int_equal(process(f), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_ACCESS], 1);
  addr_parse("127.0.0.2", &f->dg.from);
  assert_int_equal(process(f), NTP_HEADER_LEN);
}

static void test_receive_sends_with_transmit_stamp(void **state)
{
  struct fixture *f = *state;
  f->dg.len = f->req_len;
  srv_receive(&f->srv, 7, &f->dg);
  assert_int_equal(f->fp.n_sends, 1);
  assert_int_equal(f->fp.sends[0].sock, 7);
  assert_int_equal(f->fp.sends[0].port, 40000);
  assert_true(addr_equal(&f->fp.sends[0].to, &f->dg.from));
  assert_int_equal(f->fp.sends[0].len, NTP_HEADER_LEN);
  assert_true(f->fp.sends[0].flags & PLAT_SEND_STAMP_TRANSMIT);
  assert_int_equal(f->srv.stats.replied, 1);
  f->fp.send_result = -1;
  srv_receive(&f->srv, 7, &f->dg);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_SEND], 1);
  assert_int_equal(f->srv.stats.replied, 1);
}

static plat_send_fail_fn failure_fn;
static void *failure_arg;

static int record_send_failures(void *ctx, int sock, plat_send_fail_fn fn, void *arg)
{
  (void)ctx;
  (void)sock;
  failure_fn = fn;
  failure_arg = arg;
  return 0;
}

/* Batched replies: sent with PLAT_SEND_BATCHED once the platform takes
 * their failures; one that fails later is a failed send, not a reply. A
 * platform without udp_send_failures sends each at once. */
static void test_batched_send_failure_counted(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(srv_enable_batched_sends(&f->srv, 7), -1);
  f->dg.len = f->req_len;
  srv_receive(&f->srv, 7, &f->dg);
  assert_int_equal(f->fp.sends[0].flags & PLAT_SEND_BATCHED, 0);
  struct platform_ops ops = fake_ops;
  ops.udp_send_failures = record_send_failures;
  f->fp.plat.ops = &ops;
  assert_int_equal(srv_enable_batched_sends(&f->srv, 7), 0);
  srv_receive(&f->srv, 7, &f->dg);
  assert_int_equal(f->fp.n_sends, 2);
  assert_true(f->fp.sends[1].flags & PLAT_SEND_BATCHED);
  assert_int_equal(f->srv.stats.replied, 2);
  failure_fn(failure_arg, 7, ENOBUFS);
  assert_int_equal(f->srv.stats.replied, 1);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_SEND], 1);
  f->fp.plat.ops = &fake_ops;
}

/* chronyd's F323 and 10A fields come back filled in, as long as the
 * request, stamped by the sender; before the MAC of a signed request. */
static size_t add_ext_request(struct fixture *f)
{
  struct wire_writer w;
  struct ntpext_mono_root zero = {0};
  wire_writer_init(&w, f->req, sizeof(f->req));
  w.pos = NTP_HEADER_LEN;
  ntpext_write_mono_root(&w, &zero);
  ntpext_write_net_correction(&w, 0.0);
  assert_false(w.err);
  f->req_len = w.pos;
  return w.pos;
}

static void assert_ext_reply(struct fixture *f, size_t len, uint32_t epoch)
{
  struct ntp_packet r;
  struct ntpext_mono_root m;
  double c = 1.0;
  assert_int_equal(ntp_packet_parse(f->reply, len, &r), NTP_PARSE_OK);
  assert_int_equal(r.n_ef, 2);
  assert_int_equal(r.ef[0].type, NTPEXT_NET_CORRECTION);    /* chronyd's order */
  assert_true(ntpext_read_net_correction(&r.ef[0], &c));
  assert_true(c == 0.0);
  assert_true(ntpext_read_mono_root(&r.ef[1], &m));
  struct ref_params rp;
  ref_get_params(&f->ref, &f->dg.rx_time, &rp);
  assert_true(m.root_delay >= rp.root_delay && m.root_delay - rp.root_delay < 1e-8);
  assert_true(m.root_dispersion >= rp.root_dispersion &&
              m.root_dispersion - rp.root_dispersion < 1e-8);
  /* no correction made yet; the flag is the header's only */
  assert_true((m.mono_receive | 1) == r.hdr.receive);
  assert_int_equal(m.mono_epoch, epoch);
}

static void test_ext_fields_answered(void **state)
{
  struct fixture *f = *state;
  size_t req_len = add_ext_request(f);
  /* without ptpport, 10A is left out, as chronyd does */
  assert_int_equal(process(f), NTP_HEADER_LEN + NTPEXT_FIELD_LEN);
  struct ntp_packet r;
  ntp_packet_parse(f->reply, NTP_HEADER_LEN + NTPEXT_FIELD_LEN, &r);
  assert_int_equal(ntpext_flags(&r), NTPEXT_FLAG_MONO_ROOT);
  f->srv.ptp = true;
  f->ref.mono_epoch_base = 77;
  f->ref.cooking.mono_epoch = 2;
  assert_int_equal(process(f), req_len);
  assert_ext_reply(f, req_len, 79);
  f->dg.len = f->req_len;
  srv_receive(&f->srv, 7, &f->dg);
  assert_int_equal(f->fp.n_sends, 1);
  assert_int_equal(f->fp.sends[0].len, req_len);
  assert_true(f->fp.sends[0].flags & PLAT_SEND_STAMP_TRANSMIT);
  /* the monotonic scale leaves the offset corrections out */
  f->ref.cooking.mono_offset = -0.5;
  assert_int_equal(process(f), req_len);
  struct ntpext_mono_root m;
  ntp_packet_parse(f->reply, req_len, &r);
  assert_true(ntpext_read_mono_root(&r.ef[1], &m));
  assert_true(fabs(ntp_ts_diff(m.mono_receive, r.hdr.receive) + 0.5) < 1e-9);
  /* an F323 field without its magic is not one: answered without it */
  f->req[NTP_HEADER_LEN + 4] ^= 1;
  assert_int_equal(process(f), NTP_HEADER_LEN + NTPEXT_FIELD_LEN);
  ntp_packet_parse(f->reply, NTP_HEADER_LEN + NTPEXT_FIELD_LEN, &r);
  assert_int_equal(ntpext_flags(&r), NTPEXT_FLAG_NET_CORRECTION);
}

static void test_ext_fields_before_the_mac(void **state)
{
  struct fixture *f = *state;
  size_t ef_len = add_ext_request(f);
  f->srv.keys = &FAKE_KEYRING;
  f->srv.ptp = true;
  size_t n = ntp_mac_generate(fake_key(NULL, 1), 1, f->req, ef_len, 4, f->req + ef_len,
                              sizeof(f->req) - ef_len);
  assert_true(n > 0);
  f->req_len = ef_len + n;
  size_t len = process(f);
  assert_int_equal(len, f->req_len);
  assert_ext_reply(f, len, 0);
  struct ntp_packet r;
  ntp_packet_parse(f->reply, len, &r);
  assert_int_equal(r.mac_keyid, 1);
  assert_true(ntp_mac_verify(fake_key(NULL, 1), f->reply, ef_len, r.mac_digest,
                             r.mac_digest_len));
}

/* MS-SNTP: an NTPv3 request with the client's RID and a zeroed digest. */
struct signd_call {
  int calls, sock;
  uint32_t keyid;
  uint8_t reply[NTP_HEADER_LEN];
};

static void fake_signd(void *arg, int sock, const struct plat_datagram *dg, uint32_t keyid,
                       const uint8_t *reply)
{
  struct signd_call *c = arg;
  (void)dg;
  c->calls++;
  c->sock = sock;
  c->keyid = keyid;
  memcpy(c->reply, reply, NTP_HEADER_LEN);
}

static void test_mssntp_handed_to_signd(void **state)
{
  struct fixture *f = *state;
  struct signd_call call = {0};
  set_byte0(f, 0, 3, NTP_MODE_CLIENT);
  memset(f->req + NTP_HEADER_LEN, 0, 20);
  f->req[NTP_HEADER_LEN + 2] = 0x04, f->req[NTP_HEADER_LEN + 3] = 0x51;
  f->req_len = NTP_HEADER_LEN + 20;
  f->dg.len = f->req_len;
  /* without ntpsigndsocket: an unknown key */
  srv_receive(&f->srv, 7, &f->dg);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_AUTH], 1);
  f->srv.signd = fake_signd;
  f->srv.signd_arg = &call;
  srv_receive(&f->srv, 7, &f->dg);
  assert_int_equal(f->fp.n_sends, 0);
  assert_int_equal(call.calls, 1);
  assert_int_equal(call.sock, 7);
  assert_int_equal(call.keyid, 0x451);
  struct ntp_header h;
  ntp_header_decode(call.reply, &h);
  assert_int_equal(h.version, 3);
  assert_int_equal(h.mode, NTP_MODE_SERVER);
  assert_true(h.origin == CLIENT_TX);
  assert_true(h.transmit == ntp_ts_from_timespec(&f->fp.now));   /* what Samba signs */
  /* a real digest is no MS-SNTP request: the keys decide */
  f->req[NTP_HEADER_LEN + 4] = 1;
  srv_receive(&f->srv, 7, &f->dg);
  assert_int_equal(call.calls, 1);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_AUTH], 2);
}

/* A client log with `ratelimit interval 1 burst 4 leak L [kod K]`. */
static struct clientlog *limit(struct fixture *f, int leak, int kod)
{
  struct clog_params p = {.active = true, .limit = CLOG_DEFAULT_LIMIT, .seed = 7};
  p.rate[CLOG_NTP] = (struct clog_ratelimit){true, 1, 4, leak, kod};
  f->srv.clog = clog_new(&p);
  assert_non_null(f->srv.clog);
  return f->srv.clog;
}

static void test_ratelimit_drops_and_logs(void **state)
{
  struct fixture *f = *state;
  struct clientlog *l = limit(f, 4, 0);
  unsigned replies = 0;
  for (int i = 0; i < 100; i++)
    replies += process(f) == NTP_HEADER_LEN;
  assert_true(replies >= 4 && replies < 20);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_RATELIMIT], 100 - replies);
  struct clog_totals t;
  clog_get_totals(l, &t);
  assert_int_equal(t.hits[CLOG_NTP], 100);
  assert_int_equal(t.drops[CLOG_NTP], 100 - replies);
  /* another client is answered; requests dropped before the log are not logged */
  addr_parse("127.0.0.2", &f->dg.from);
  assert_int_equal(process(f), NTP_HEADER_LEN);
  set_byte0(f, 0, 4, NTP_MODE_SERVER);
  assert_int_equal(process(f), 0);
  clog_get_totals(l, &t);
  assert_int_equal(t.hits[CLOG_NTP], 101);
  assert_string_equal(srv_drop_name(SRV_DROP_RATELIMIT), "ratelimit");
  clog_free(l);
}

/* The reply's poll is at least the rate limiting interval. */
static void test_ratelimit_raises_reply_poll(void **state)
{
  struct fixture *f = *state;
  struct clientlog *l = limit(f, 2, 0);
  struct ntp_header r;
  f->req[2] = 0;
  assert_int_equal(process(f), NTP_HEADER_LEN);
  ntp_header_decode(f->reply, &r);
  assert_int_equal(r.poll, 1);
  f->req[2] = 6;
  assert_int_equal(process(f), NTP_HEADER_LEN);
  ntp_header_decode(f->reply, &r);
  assert_int_equal(r.poll, 6);
  clog_free(l);
}

/* kod: some requests over the limit get a KoD RATE instead of nothing. */
static void test_ratelimit_kod(void **state)
{
  struct fixture *f = *state;
  struct clientlog *l = limit(f, 1, 1);
  unsigned kods = 0;
  for (int i = 0; i < 200; i++) {
    struct ntp_header r;
    if (process(f) != NTP_HEADER_LEN)
      continue;
    ntp_header_decode(f->reply, &r);
    if (r.refid == 0x52415445u) {
      assert_int_equal(r.stratum, 0);
      assert_int_equal(r.leap, NTP_LEAP_UNSYNC);
      assert_true(r.origin == CLIENT_TX);
      kods++;
    }
  }
  assert_true(kods > 20);
  assert_int_equal(f->srv.stats.kod_replied, kods);
  clog_free(l);
}

static unsigned n_tagged;

/* A platform's send: stamped as asked, from the fake clock. */
static int stamped_send(void *ctx, int sock, const struct ip_addr *local,
                        const struct ip_addr *to, uint16_t port, uint8_t *buf, size_t len,
                        unsigned flags)
{
  struct fake_platform *fp = ctx;
  if (flags & PLAT_SEND_STAMP_TRANSMIT) {
    ntp_ts ts = ntp_ts_from_timespec(&fp->now) + ntp_get_transmit(buf);
    ntp_set_transmit(buf, flags & PLAT_SEND_STAMP_EVEN ? ts & ~(ntp_ts)1 : ts | 1);
  }
  return fake_udp_send(ctx, sock, local, to, port, buf, len, flags);
}

static int count_tagged(void *ctx, int sock, const struct ip_addr *local,
                        const struct ip_addr *to, uint16_t port, uint8_t *buf, size_t len,
                        unsigned flags, uint64_t tag)
{
  (void)tag;
  n_tagged++;
  return stamped_send(ctx, sock, local, to, port, buf, len, flags);
}

static int take_tx_timestamps(void *ctx, int sock, plat_tx_fn fn, void *arg)
{
  (void)ctx; (void)sock; (void)fn; (void)arg;
  return 0;
}

/* Send the fixture's request as h, a second after the last; the reply. */
static struct ntp_header exchange_as(struct fixture *f, const struct ntp_header *h)
{
  struct ntp_header r;
  unsigned n = f->fp.n_sends;
  ntp_header_encode(h, f->req);
  f->dg.len = f->req_len;
  f->dg.rx_time = timespec_add_double(&f->dg.rx_time, 1.0);
  srv_receive(&f->srv, 7, &f->dg);
  assert_int_equal(f->fp.n_sends, n + 1);
  ntp_header_decode(f->fp.sends[n].buf, &r);
  /* chronyd's flags: receive odd, transmit even */
  assert_true(r.receive & 1);
  assert_true(r.transmit != 0 && !(r.transmit & 1));
  f->fp.now = timespec_add_double(&f->fp.now, 1.0);
  return r;
}

/* As chronyd, the kernel's transmit time is asked for (and the reply
 * saved) only for a request that may be interleaved: one naming our
 * receive timestamp, odd. A basic client naming our transmit timestamp
 * (ntpd) or none (chronyd) costs none. */
static void test_transmit_timestamps_only_for_interleaved_requests(void **state)
{
  struct fixture *f = *state;
  struct platform_ops ops = fake_ops;
  ops.udp_send = stamped_send;
  ops.udp_send_tagged = count_tagged;
  ops.udp_tx_timestamps = take_tx_timestamps;
  f->fp.plat.ops = &ops;
  struct clog_params p = {.active = true, .limit = CLOG_DEFAULT_LIMIT, .seed = 7};
  f->srv.clog = clog_new(&p);
  assert_int_equal(srv_enable_tx_timestamps(&f->srv, 7, NULL, NULL), 0);
  n_tagged = 0;
  struct ntp_header h = {.version = 4, .mode = NTP_MODE_CLIENT, .poll = 6,
                         .transmit = CLIENT_TX};
  struct ntp_header r = exchange_as(f, &h);
  for (unsigned i = 1; i <= 4; i++) {
    h.origin = r.transmit;
    h.receive = r.receive + 0x2000;
    h.transmit = CLIENT_TX + i;
    r = exchange_as(f, &h);
    assert_true(r.origin == h.transmit);
  }
  h.origin = 0;
  exchange_as(f, &h);
  uint32_t saved, span;
  clog_ntp_timestamp_stats(f->srv.clog, &saved, &span);
  assert_int_equal(n_tagged, 0);
  assert_int_equal(saved, 0);
  /* An interleaved client: the first request naming our receive timestamp
   * finds nothing saved, the next ones their previous exchange. */
  for (unsigned i = 1; i <= 3; i++) {
    h.origin = r.receive;
    h.receive = r.receive + 0x2000;
    h.transmit = CLIENT_TX + 10 + i;
    r = exchange_as(f, &h);
  }
  assert_int_equal(n_tagged, 3);
  assert_int_equal(f->srv.stats.interleaved_replied, 2);
  clog_ntp_timestamp_stats(f->srv.clog, &saved, &span);
  assert_int_equal(saved, 3);                       /* as chronyd: one per reply */
  /* ...but not with equal receive and transmit fields, nor in NTPv3 */
  h.origin = r.receive;
  h.receive = h.transmit;
  exchange_as(f, &h);
  h.version = 3;
  h.receive = r.receive + 0x2000;
  exchange_as(f, &h);
  assert_int_equal(n_tagged, 3);
  assert_int_equal(f->srv.stats.interleaved_replied, 2);
  clog_free(f->srv.clog);
  f->fp.plat.ops = &fake_ops;
}

/* exchange_as, any number of times: the sends so far forgotten. */
static struct ntp_header exchange_from(struct fixture *f, const struct ntp_header *h)
{
  f->fp.n_sends = 0;
  return exchange_as(f, h);
}

/* As chronyd 4.8, the saved timestamps are a map of our receive
 * timestamps, one entry per reply (as many as the client log may hold
 * records): a client polling often pushes out another's when it is full,
 * and a receive timestamp gives one interleaved reply, whoever names it. */
static void test_interleaved_map_of_receive_timestamps(void **state)
{
  struct fixture *f = *state;
  struct platform_ops ops = fake_ops;
  ops.udp_send = stamped_send;
  f->fp.plat.ops = &ops;
  struct clog_params p = {.active = true, .limit = 0, .seed = 7};
  f->srv.clog = clog_new(&p);
  const uint32_t max = clog_max_records(f->srv.clog);
  struct ntp_header h = {.version = 4, .mode = NTP_MODE_CLIENT, .poll = 6,
                         .transmit = CLIENT_TX};
  addr_parse("127.0.0.3", &f->dg.from);             /* B: saved once */
  struct ntp_header rb = exchange_from(f, &h);
  h.origin = rb.receive;
  h.receive = rb.receive + 0x2000;
  h.transmit = CLIENT_TX + 1;
  rb = exchange_from(f, &h);
  addr_parse("127.0.0.2", &f->dg.from);             /* A: the map's size of replies */
  h.origin = h.receive = 0;
  h.transmit = CLIENT_TX + 5;
  struct ntp_header ra = exchange_from(f, &h);
  for (uint32_t i = 0; i < max; i++) {
    h.origin = ra.receive;
    h.receive = ra.receive + 0x2000;
    h.transmit = CLIENT_TX + 10 + i;
    ra = exchange_from(f, &h);
    assert_true(ra.origin == (i ? h.receive : h.transmit));
  }
  uint32_t saved, span;
  clog_ntp_timestamp_stats(f->srv.clog, &saved, &span);
  assert_int_equal(saved, max);
  addr_parse("127.0.0.3", &f->dg.from);             /* B's is gone */
  h.origin = rb.receive;
  h.receive = rb.receive + 0x2000;
  h.transmit = CLIENT_TX + 2;
  struct ntp_header r = exchange_from(f, &h);
  assert_true(r.origin == h.transmit);
  h.origin = ra.receive;                            /* B naming A's: interleaved */
  h.transmit = CLIENT_TX + 3;
  r = exchange_from(f, &h);
  assert_true(r.origin == h.receive);
  addr_parse("127.0.0.2", &f->dg.from);             /* then A: used */
  h.transmit = CLIENT_TX + 4;
  r = exchange_from(f, &h);
  assert_true(r.origin == h.transmit);
  assert_int_equal(f->srv.stats.interleaved_replied, max);
  clog_free(f->srv.clog);
  f->fp.plat.ops = &fake_ops;
  addr_parse("127.0.0.1", &f->dg.from);
}

/* ---- NTS ---- */

/* The "TLS session" of a key exchange: keys from the exporter context. */
static bool unit_export(void *arg, const uint8_t context[NTSKE_CONTEXT_LEN], uint8_t *out,
                        size_t len)
{
  (void)arg;
  for (size_t i = 0; i < len; i++)
    out[i] = (uint8_t)(context[i % NTSKE_CONTEXT_LEN] + i);
  return true;
}

static void exported(bool s2c, struct aead_key *k)
{
  uint8_t ctx[NTSKE_CONTEXT_LEN];
  ntske_exporter_context(NTSKE_PROTOCOL_NTPV4, AEAD_AES_SIV_CMAC_256, s2c, ctx);
  k->algorithm = AEAD_AES_SIV_CMAC_256;
  k->len = 32;
  unit_export(NULL, ctx, k->data, k->len);
}

/* A client's NTS request (one placeholder) after a key exchange with n, in
 * buf as the fixture's request; forged: its last byte changed. */
static size_t nts_request(struct fixture *f, struct ntss *n, uint8_t *buf, size_t cap,
                          const uint8_t uid[NTSNTP_UID_LEN], bool forged)
{
  static const uint8_t ke[] = {0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15, 0x80, 0, 0, 0};
  static uint8_t out[NTSKE_MAX_MESSAGE_LEN];
  static struct ntske_message m;
  uint8_t nonce[NTSNTP_NONCE_LEN] = {3};
  struct aead_key c2s;
  long len = ntss_ke_respond(n, ke, sizeof(ke), unit_export, NULL, out, sizeof(out));
  assert_int_equal(ntske_parse(out, (size_t)len, NTSKE_RESPONSE, &m), NTSKE_OK);
  exported(false, &c2s);
  struct ntp_header h = {.version = 4, .mode = NTP_MODE_CLIENT, .poll = 6,
                         .transmit = CLIENT_TX};
  ntp_header_encode(&h, buf);
  size_t n_len = ntsntp_build_request(buf, cap, uid, &m.cookies[0], 1, &c2s, nonce);
  assert_true(n_len > NTP_HEADER_LEN);
  if (forged)
    buf[n_len - 1] ^= 1;
  f->dg.data = buf;
  f->req_len = n_len;
  return n_len;
}

static void test_nts_answered_as_long_as_the_request_or_naked(void **state)
{
  static const int aeads[] = {AEAD_AES_SIV_CMAC_256};
  struct fixture *f = *state;
  struct ntss n;
  uint8_t buf[512], uid[NTSNTP_UID_LEN];
  struct ntp_packet p;
  struct ntsntp_reply r;
  struct aead_key s2c;
  memset(uid, 0x5a, sizeof(uid));
  exported(true, &s2c);
  f->fp.now = (struct timespec){1700000001, 0};
  ntss_init(&n, &f->fp.plat, aeads, 1, NULL, 0);
  f->srv.nts = &n;

  size_t len = nts_request(f, &n, buf, sizeof(buf), uid, false);
  assert_int_equal(process(f), len);
  ntp_packet_parse(f->reply, len, &p);
  assert_int_equal(ntsntp_parse_reply(&p, uid, &s2c, &r), NTSNTP_OK);
  assert_int_equal(r.n_cookies, 2);         /* the one used and one placeholder */
  assert_int_equal(p.hdr.stratum, 3);
  assert_true(p.hdr.origin == CLIENT_TX);
  assert_true(p.hdr.transmit == ntp_ts_from_timespec(&f->fp.now));   /* stamped, then sealed */
  assert_int_equal(f->srv.stats.auth_replied, 1);

  /* a forged authenticator: a NAK, shorter, no authenticator */
  len = nts_request(f, &n, buf, sizeof(buf), uid, true);
  size_t nak = process(f);
  assert_true(nak > NTP_HEADER_LEN && nak < len);
  ntp_packet_parse(f->reply, nak, &p);
  assert_int_equal(ntsntp_parse_reply(&p, uid, &s2c, &r), NTSNTP_NAK);
  assert_int_equal(p.hdr.leap, NTP_LEAP_UNSYNC);
  assert_int_equal(p.hdr.stratum, 0);
  assert_int_equal(p.hdr.refid, NTSNTP_KOD_NAK);
  assert_true(p.hdr.transmit != 0);
  assert_int_equal(f->srv.stats.auth_replied, 1);
  assert_int_equal(n.stats.ntp_naks, 1);

  /* a reply buffer shorter than the request: dropped, never cut */
  len = nts_request(f, &n, buf, sizeof(buf), uid, false);
  assert_int_equal(process_into(f, len - 4), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_AUTH], 1);

  /* a server without NTS ignores the fields, as unknown ones */
  f->srv.nts = NULL;
  assert_int_equal(process(f), NTP_HEADER_LEN);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
    T(test_reply_fields_local_stratum),
    T(test_unsynchronised_reply),
    T(test_old_versions_copied),
    T(test_non_request_modes_dropped),
    T(test_symmetric_active_gets_passive_reply),
    T(test_ntpv1_mode0_is_a_client_request_unless_from_port_123),
    T(test_bad_versions_dropped),
    T(test_short_and_odd_lengths_dropped),
    T(test_bad_extension_field_dropped),
    T(test_unknown_extension_field_answered_shorter),
    T(test_mac_without_keys_dropped),
    T(test_authenticated_requests_get_authenticated_replies),
    T(test_authenticated_symmetric_active_gets_passive_reply),
    T(test_unknown_key_dropped),
    T(test_wrong_key_id_dropped),
    T(test_flipped_mac_bit_dropped),
    T(test_truncated_mac_dropped),
    T(test_crypto_nak_request_dropped),
    T(test_plain_request_answered_plain_with_keys),
    T(test_authenticated_reply_sent_without_restamping),
    T(test_small_reply_buffer_drops_authenticated_reply),
    T(test_denied_address_dropped),
    T(test_receive_sends_with_transmit_stamp),
    T(test_batched_send_failure_counted),
    T(test_ext_fields_answered),
    T(test_ext_fields_before_the_mac),
    T(test_mssntp_handed_to_signd),
    T(test_ratelimit_drops_and_logs),
    T(test_ratelimit_raises_reply_poll),
    T(test_ratelimit_kod),
    T(test_transmit_timestamps_only_for_interleaved_requests),
    T(test_interleaved_map_of_receive_timestamps),
    T(test_nts_answered_as_long_as_the_request_or_naked),
  };
  return cmocka_run_group_tests_name("ntp_server", tests, NULL, NULL);
}
