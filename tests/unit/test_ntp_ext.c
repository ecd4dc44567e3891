/* Unit tests for src/proto/ntp_ext.c: chronyd's F323 and 10A fields, laid
 * out as chrony's ntp.h has them, and the fields not recognised. */
#include "hex.h"

#include "proto/ntp_ext.h"

static uint8_t buf[256];

static struct ntp_ef field_of(size_t len)
{
  struct wire_reader r;
  struct ntp_ef ef;
  wire_reader_init(&r, buf, len);
  assert_int_equal(ntp_ef_read(&r, NTP_EF_MIN_LEN, &ef), NTP_PARSE_OK);
  return ef;
}

static void test_f28(void **state)
{
  (void)state;
  assert_int_equal(ntpext_f28_from_double(1.0), 1u << 28);
  assert_int_equal(ntpext_f28_from_double(0.0), 0);
  assert_int_equal(ntpext_f28_from_double(-1.0), 0);
  assert_int_equal(ntpext_f28_from_double(20.0), UINT32_MAX);
  assert_int_equal(ntpext_f28_from_double(1e-9), 1);         /* rounded up */
  assert_true(ntpext_f28_to_double(UINT32_MAX) == 16.0);
  assert_true(ntpext_f28_to_double(3u << 26) == 0.75);
}

static void test_mono_root(void **state)
{
  (void)state;
  struct wire_writer w;
  struct ntpext_mono_root m = {.root_delay = 0.5, .root_dispersion = 0.25,
                               .mono_receive = 0x0123456789abcdefull, .mono_epoch = 0xcafe};
  wire_writer_init(&w, buf, sizeof(buf));
  ntpext_write_mono_root(&w, &m);
  assert_false(w.err);
  assert_int_equal(w.pos, NTPEXT_FIELD_LEN);
  uint8_t want[NTPEXT_FIELD_LEN];
  unhex("f323001c" "f5bedd9a" "08000000" "04000000" "0123456789abcdef" "0000cafe", want,
        sizeof(want));
  assert_memory_equal(buf, want, sizeof(want));
  struct ntp_ef ef = field_of(w.pos);
  struct ntpext_mono_root got;
  assert_true(ntpext_read_mono_root(&ef, &got));
  assert_true(got.root_delay == 0.5 && got.root_dispersion == 0.25);
  assert_true(got.mono_receive == m.mono_receive && got.mono_epoch == 0xcafe);
  double c;
  assert_false(ntpext_read_net_correction(&ef, &c));
}

static void test_net_correction(void **state)
{
  (void)state;
  struct wire_writer w;
  wire_writer_init(&w, buf, sizeof(buf));
  ntpext_write_net_correction(&w, -1.5);
  assert_false(w.err);
  uint8_t want[NTPEXT_FIELD_LEN];
  unhex("010a001c" "fffffffe80000000" "00000000000000000000000000000000", want, sizeof(want));
  assert_memory_equal(buf, want, sizeof(want));
  struct ntp_ef ef = field_of(w.pos);
  double c = 0;
  assert_true(ntpext_read_net_correction(&ef, &c));
  assert_true(c == -1.5);
}

static void test_rejected(void **state)
{
  (void)state;
  struct ntpext_mono_root m = {0};
  struct wire_writer w;
  struct ntp_ef ef;
  double c;
  /* wrong magic */
  wire_writer_init(&w, buf, sizeof(buf));
  ntpext_write_mono_root(&w, &m);
  buf[4] ^= 1;
  ef = field_of(w.pos);
  assert_false(ntpext_read_mono_root(&ef, &m));
  /* the right type at another length (a 4.5-4.8 F324 is no 10A either) */
  wire_writer_init(&w, buf, sizeof(buf));
  uint8_t body[28] = {0x07, 0xac, 0x2c, 0xeb};
  ntp_ef_write(&w, NTPEXT_NET_CORRECTION, body, sizeof(body));
  ef = field_of(w.pos);
  assert_false(ntpext_read_net_correction(&ef, &c));
  ntp_ef_write(&w, NTPEXT_MONO_ROOT, body, 20);
  ef = field_of(w.pos);
  assert_false(ntpext_read_mono_root(&ef, &m));
  wire_writer_init(&w, buf, sizeof(buf));
  ntp_ef_write(&w, 0xF324, body, 24);
  ef = field_of(w.pos);
  assert_false(ntpext_read_net_correction(&ef, &c));
  /* no room */
  wire_writer_init(&w, buf, NTPEXT_FIELD_LEN - 4);
  ntpext_write_net_correction(&w, 0.0);
  assert_true(w.err);
}

static void test_flags(void **state)
{
  (void)state;
  struct wire_writer w;
  struct ntp_packet p;
  struct ntpext_mono_root m = {0};
  memset(buf, 0, sizeof(buf));
  buf[0] = 4 << 3 | NTP_MODE_CLIENT;
  wire_writer_init(&w, buf, sizeof(buf));
  w.pos = NTP_HEADER_LEN;
  ntpext_write_net_correction(&w, 0.0);
  assert_int_equal(ntp_packet_parse(buf, w.pos, &p), NTP_PARSE_OK);
  assert_int_equal(ntpext_flags(&p), NTPEXT_FLAG_NET_CORRECTION);
  ntpext_write_mono_root(&w, &m);
  assert_int_equal(ntp_packet_parse(buf, w.pos, &p), NTP_PARSE_OK);
  assert_int_equal(ntpext_flags(&p), NTPEXT_FLAG_NET_CORRECTION | NTPEXT_FLAG_MONO_ROOT);
  assert_int_equal(ntp_packet_parse(buf, NTP_HEADER_LEN, &p), NTP_PARSE_OK);
  assert_int_equal(ntpext_flags(&p), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_f28),      cmocka_unit_test(test_mono_root),
      cmocka_unit_test(test_net_correction), cmocka_unit_test(test_rejected),
      cmocka_unit_test(test_flags),
  };
  return cmocka_run_group_tests_name("ntp_ext", tests, NULL, NULL);
}
