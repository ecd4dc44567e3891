/* Unit tests for src/proto/ptp.c: the prefix chrony 4.9 sends, and each
 * rejection (chrony 4.3's experimental TLV among them). */
#include "hex.h"

#include "proto/ptp.h"

#define NTP_LEN_FOR_TEST 48

/* chrony 4.9's NTP-over-PTP prefix of a 48-byte NTP message, domain 123,
 * sequence 0x0102, written out from its ptp.h. */
static const char chrony49_prefix[] =
    "0102" "0068" "7b" "00" "0400" "0000000000000000" "00000000" "00000000000000000000"
    "0102" "00" "00" "00000000000000000000"
    "0003" "0038" "00005e000001" "0000";

static uint8_t msg[PTP_NTP_PREFIX_LEN + NTP_LEN_FOR_TEST];

static size_t chrony_message(void)
{
  size_t n = unhex(chrony49_prefix, msg, sizeof(msg));
  assert_int_equal(n, PTP_NTP_PREFIX_LEN);
  for (size_t i = 0; i < NTP_LEN_FOR_TEST; i++)
    msg[n + i] = (uint8_t)(0x23 + i);
  return n + NTP_LEN_FOR_TEST;
}

static void test_wrap_as_chrony(void **state)
{
  (void)state;
  uint8_t prefix[PTP_NTP_PREFIX_LEN];
  chrony_message();
  ptp_wrap(prefix, 123, 0x0102, NTP_LEN_FOR_TEST);
  assert_memory_equal(prefix, msg, PTP_NTP_PREFIX_LEN);
}

static void test_unwrap(void **state)
{
  (void)state;
  struct ptp_ntp out;
  size_t len = chrony_message();
  assert_int_equal(ptp_unwrap(msg, len, 123, &out), PTP_OK);
  assert_ptr_equal(out.ntp, msg + PTP_NTP_PREFIX_LEN);
  assert_int_equal(out.ntp_len, NTP_LEN_FOR_TEST);
  assert_true(out.correction == 0.0);
  /* A transparent clock's 1.5 us, in 2^-16 ns; Sync; PTPv2.1; TLV 0x8000 */
  msg[8 + 4] = 0x05, msg[8 + 5] = 0xdc;
  msg[0] = 0;
  msg[1] = 0x12;
  msg[44] = 0x80, msg[45] = 0x00;
  assert_int_equal(ptp_unwrap(msg, len, 123, &out), PTP_OK);
  assert_true(out.correction > 1.4999e-6 && out.correction < 1.5001e-6);
  /* a negative correction */
  memset(msg + 8, 0xff, 8);
  assert_int_equal(ptp_unwrap(msg, len, 123, &out), PTP_OK);
  assert_true(out.correction < 0.0 && out.correction > -1e-12);
}

static void test_rejected(void **state)
{
  (void)state;
  struct ptp_ntp out;
  size_t len = chrony_message();
  assert_int_equal(ptp_unwrap(msg, PTP_NTP_PREFIX_LEN, 123, &out), PTP_SHORT);
  assert_int_equal(ptp_unwrap(msg, 3, 123, &out), PTP_SHORT);
  assert_int_equal(ptp_unwrap(msg, len - 4, 123, &out), PTP_BAD_HEADER);   /* length */
  assert_int_equal(ptp_unwrap(msg, len, 124, &out), PTP_BAD_DOMAIN);
  static const struct {
    size_t at;
    uint8_t value;
    enum ptp_status want;
  } bad[] = {
      {0, 2, PTP_BAD_HEADER},     /* Pdelay_Req */
      {0, 0x11, PTP_BAD_HEADER},  /* majorSdoId 1 */
      {1, 1, PTP_BAD_HEADER},     /* PTPv1 */
      {5, 1, PTP_BAD_HEADER},     /* minorSdoId 1 (with version 2.1, set below) */
      {6, 0x06, PTP_BAD_HEADER},  /* unicast and two-step */
      {44, 0x20, PTP_BAD_TLV},    /* chrony 4.3's TLV type 0x2023 */
      {47, 0x30, PTP_BAD_TLV},    /* TLV length */
      {50, 0x5f, PTP_BAD_TLV},    /* OUI */
      {53, 0x02, PTP_BAD_TLV},    /* subtype */
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    chrony_message();
    msg[bad[i].at] = bad[i].value;
    if (bad[i].at == 5)
      msg[1] = 0x12;
    assert_int_equal(ptp_unwrap(msg, len, 123, &out), bad[i].want);
  }
  assert_string_equal(ptp_status_name(PTP_BAD_TLV), "bad-tlv");
}

/* chrony 4.3's experimental message: 48 bytes of prefix, TLV 0x2023. */
static void test_chrony43_rejected(void **state)
{
  (void)state;
  struct ptp_ntp out;
  uint8_t old[48 + NTP_LEN_FOR_TEST] = {0};
  old[0] = 1, old[1] = 2, old[2] = 0, old[3] = sizeof(old), old[4] = 123, old[6] = 4;
  old[44] = 0x20, old[45] = 0x23, old[47] = NTP_LEN_FOR_TEST;
  assert_int_equal(ptp_unwrap(old, sizeof(old), 123, &out), PTP_BAD_TLV);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wrap_as_chrony),
      cmocka_unit_test(test_unwrap),
      cmocka_unit_test(test_rejected),
      cmocka_unit_test(test_chrony43_rejected),
  };
  return cmocka_run_group_tests_name("ptp", tests, NULL, NULL);
}
