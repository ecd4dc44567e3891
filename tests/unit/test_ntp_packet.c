/* Unit tests for src/proto/ntp_packet.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/ntp_packet.h"
#include "proto/wire.h"

/* A datagram under construction; big enough for a 65532-byte field. */
static uint8_t pkt[NTP_HEADER_LEN + 65536 + 64];
static size_t pkt_len;
static struct ntp_packet parsed;

static void put_u16(size_t at, uint16_t v)
{
  pkt[at] = (uint8_t)(v >> 8);
  pkt[at + 1] = (uint8_t)v;
}

static void put_u32(size_t at, uint32_t v)
{
  put_u16(at, (uint16_t)(v >> 16));
  put_u16(at + 2, (uint16_t)v);
}

/* A client request header of the given version. */
static void start(unsigned version)
{
  memset(pkt, 0, sizeof(pkt));
  pkt[0] = (uint8_t)(version << 3 | NTP_MODE_CLIENT);
  put_u32(40, 0xe93c7f00U);
  put_u32(44, 0x80000000U);
  pkt_len = NTP_HEADER_LEN;
}

/* An extension field whose length field says `declared` and which occupies
 * `actual` bytes (header included), body filled with 0xa5. */
static void add_ef_raw(uint16_t type, uint16_t declared, size_t actual)
{
  put_u16(pkt_len, type);
  put_u16(pkt_len + 2, declared);
  memset(pkt + pkt_len + 4, 0xa5, actual - 4);
  pkt_len += actual;
}

static void add_ef(uint16_t type, uint16_t len)
{
  add_ef_raw(type, len, len);
}

static void add_mac(uint32_t keyid, size_t digest_len)
{
  put_u32(pkt_len, keyid);
  memset(pkt + pkt_len + 4, 0x5a, digest_len);
  pkt_len += 4 + digest_len;
}

static void add_junk(size_t n)
{
  memset(pkt + pkt_len, 0x77, n);
  pkt_len += n;
}

static enum ntp_parse_status parse(void)
{
  return ntp_packet_parse(pkt, pkt_len, &parsed);
}

/* ---- lengths and versions ---- */

static void test_empty_and_47_are_short(void **state)
{
  (void)state;
  start(4);
  assert_int_equal(ntp_packet_parse(NULL, 0, &parsed), NTP_PARSE_SHORT);
  assert_int_equal(ntp_packet_parse(pkt, 47, &parsed), NTP_PARSE_SHORT);
}

static void test_48_plain_request(void **state)
{
  (void)state;
  start(4);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.hdr.version, 4);
  assert_int_equal(parsed.hdr.mode, NTP_MODE_CLIENT);
  assert_true(parsed.hdr.transmit == 0xe93c7f0080000000ULL);
  assert_int_equal(parsed.n_ef, 0);
  assert_int_equal(parsed.mac_len, 0);
  assert_null(parsed.mac_digest);
}

static void test_49_to_51_bad_length(void **state)
{
  size_t len;

  (void)state;
  start(4);
  for (len = 49; len <= 51; len++)
    assert_int_equal(ntp_packet_parse(pkt, len, &parsed), NTP_PARSE_BAD_LENGTH);
  start(3);
  assert_int_equal(ntp_packet_parse(pkt, 70, &parsed), NTP_PARSE_BAD_LENGTH);
}

static void test_bad_versions(void **state)
{
  unsigned v;

  (void)state;
  start(0);
  assert_int_equal(parse(), NTP_PARSE_BAD_VERSION);
  for (v = 5; v <= 7; v++) {
    start(v);
    assert_int_equal(parse(), NTP_PARSE_BAD_VERSION);
  }
  /* The version is checked before the length. */
  start(0);
  assert_int_equal(ntp_packet_parse(pkt, 49, &parsed), NTP_PARSE_BAD_VERSION);
}

static void test_old_versions_parse(void **state)
{
  unsigned v;

  (void)state;
  for (v = 1; v <= 3; v++) {
    start(v);
    assert_int_equal(parse(), NTP_PARSE_OK);
    assert_int_equal(parsed.hdr.version, v);
  }
}

/* ---- 52 bytes and other short trailers ---- */

static void test_52_crypto_nak(void **state)
{
  (void)state;
  start(4);
  add_mac(0, 0);
  assert_int_equal(pkt_len, 52);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.mac_len, 4);
  assert_int_equal(parsed.mac_keyid, 0);
  assert_int_equal(parsed.mac_digest_len, 0);
  assert_int_equal(parsed.n_ef, 0);
}

static void test_52_nonzero_keyid_bad_mac(void **state)
{
  (void)state;
  start(4);
  add_mac(7, 0);
  assert_int_equal(parse(), NTP_PARSE_BAD_MAC);
}

static void test_8_and_12_byte_trailer_bad_mac(void **state)
{
  (void)state;
  start(4);
  add_junk(8);
  assert_int_equal(parse(), NTP_PARSE_BAD_MAC);
  start(4);
  add_junk(12);
  assert_int_equal(parse(), NTP_PARSE_BAD_MAC);
}

static void test_crypto_nak_only_right_after_header(void **state)
{
  (void)state;
  start(4);
  add_ef(0x1234, 28);
  add_mac(0, 0);
  assert_int_equal(parse(), NTP_PARSE_BAD_MAC);
}

/* ---- MACs ---- */

static void test_v4_mac_20(void **state)
{
  (void)state;
  start(4);
  add_mac(0x01020304, 16);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.mac_len, 20);
  assert_int_equal(parsed.mac_keyid, 0x01020304);
  assert_ptr_equal(parsed.mac_digest, pkt + 52);
  assert_int_equal(parsed.mac_digest_len, 16);
  assert_int_equal(parsed.n_ef, 0);
}

static void test_v4_mac_24(void **state)
{
  (void)state;
  start(4);
  add_mac(0xfffffffe, 20);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.mac_len, 24);
  assert_int_equal(parsed.mac_keyid, 0xfffffffe);
  assert_int_equal(parsed.mac_digest_len, 20);
}

static void test_v4_24_bytes_are_a_mac_not_a_field(void **state)
{
  (void)state;
  /* RFC 7822: 24 remaining bytes are a MAC even if they look like a field. */
  start(4);
  add_ef(0x0104, 24);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.n_ef, 0);
  assert_int_equal(parsed.mac_len, 24);
  assert_int_equal(parsed.mac_keyid, 0x01040018);
}

static void test_v4_long_mac_rejected(void **state)
{
  (void)state;
  /* SHA256 and SHA512 sized MACs: like chrony 4, not accepted in NTPv4;
   * the key id is read as a field header of length 1. */
  start(4);
  add_mac(1, 32);
  assert_int_equal(parse(), NTP_PARSE_BAD_EF_LENGTH);
  start(4);
  add_mac(1, 64);
  assert_int_equal(parse(), NTP_PARSE_BAD_EF_LENGTH);
}

static void test_v3_macs(void **state)
{
  static const size_t digest[] = {16, 20, 32, 48, 64};
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(digest) / sizeof(digest[0]); i++) {
    start(3);
    add_mac(42, digest[i]);
    assert_int_equal(parse(), NTP_PARSE_OK);
    assert_int_equal(parsed.mac_len, 4 + digest[i]);
    assert_int_equal(parsed.mac_keyid, 42);
    assert_ptr_equal(parsed.mac_digest, pkt + 52);
    assert_int_equal(parsed.mac_digest_len, digest[i]);
  }
  start(1);
  add_mac(9, 16);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.mac_keyid, 9);
}

static void test_v3_junk(void **state)
{
  (void)state;
  start(3);
  add_junk(4);
  assert_int_equal(parse(), NTP_PARSE_EF_NOT_V4);
  start(3);
  add_junk(16);
  assert_int_equal(parse(), NTP_PARSE_EF_NOT_V4);
  start(3);
  add_mac(0, 0);  /* no crypto-NAK before v4 */
  assert_int_equal(parse(), NTP_PARSE_EF_NOT_V4);
}

static void test_v3_too_long_trailer(void **state)
{
  (void)state;
  start(3);
  add_mac(42, 68);
  assert_int_equal(pkt_len, 48 + 72);
  assert_int_equal(parse(), NTP_PARSE_EF_NOT_V4);
  /* Fields and a MAC, 76 bytes: more than any MAC. */
  start(2);
  add_ef(0x0104, 28);
  add_ef(0x0104, 28);
  add_mac(1, 16);
  assert_int_equal(parse(), NTP_PARSE_EF_NOT_V4);
}

/* ---- extension fields ---- */

static void test_ef_28_no_mac(void **state)
{
  (void)state;
  start(4);
  add_ef(0x0104, 28);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.n_ef, 1);
  assert_int_equal(parsed.ef[0].type, 0x0104);
  assert_int_equal(parsed.ef[0].length, 28);
  assert_ptr_equal(parsed.ef[0].body, pkt + 52);
  assert_int_equal(parsed.ef[0].body_len, 24);
  assert_int_equal(parsed.mac_len, 0);
}

static void test_ef_length_12_and_15(void **state)
{
  (void)state;
  start(4);
  add_ef_raw(0x0104, 12, 28);
  assert_int_equal(parse(), NTP_PARSE_BAD_EF_LENGTH);
  start(4);
  add_ef_raw(0x0104, 15, 28);
  assert_int_equal(parse(), NTP_PARSE_BAD_EF_LENGTH);
  start(4);
  add_ef_raw(0x0104, 0, 28);
  assert_int_equal(parse(), NTP_PARSE_BAD_EF_LENGTH);
}

static void test_ef_length_16_with_mac(void **state)
{
  (void)state;
  start(4);
  add_ef(0x0204, 16);
  add_mac(5, 16);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.n_ef, 1);
  assert_int_equal(parsed.ef[0].length, 16);
  assert_int_equal(parsed.ef[0].body_len, 12);
  assert_int_equal(parsed.mac_len, 20);
  assert_int_equal(parsed.mac_keyid, 5);
  assert_ptr_equal(parsed.mac_digest, pkt + 48 + 16 + 4);
}

static void test_ef_length_17(void **state)
{
  (void)state;
  start(4);
  add_ef_raw(0x0104, 17, 28);
  assert_int_equal(parse(), NTP_PARSE_BAD_EF_LENGTH);
}

static void test_ef_overrun(void **state)
{
  (void)state;
  start(4);
  add_ef_raw(0x0104, 32, 28);
  assert_int_equal(parse(), NTP_PARSE_BAD_EF_LENGTH);
  start(4);
  add_ef_raw(0x0104, 65532, 28);
  assert_int_equal(parse(), NTP_PARSE_BAD_EF_LENGTH);
  /* The second field overruns. */
  start(4);
  add_ef(0x0104, 28);
  add_ef_raw(0x0104, 40, 36);
  assert_int_equal(parse(), NTP_PARSE_BAD_EF_LENGTH);
}

static void test_ef_largest(void **state)
{
  (void)state;
  start(4);
  add_ef(0xabcd, 65532);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.n_ef, 1);
  assert_int_equal(parsed.ef[0].length, 65532);
  assert_int_equal(parsed.ef[0].body_len, 65528);
}

static void test_last_ef_16_without_mac(void **state)
{
  (void)state;
  start(4);
  add_ef(0x0104, 16);
  assert_int_equal(parse(), NTP_PARSE_BAD_EF_LAST);
  start(4);
  add_ef(0x0104, 28);
  add_ef(0x0104, 16);
  assert_int_equal(parse(), NTP_PARSE_BAD_EF_LAST);
}

static void test_short_ef_then_28(void **state)
{
  (void)state;
  start(4);
  add_ef(0x0104, 16);
  add_ef(0x0204, 28);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.n_ef, 2);
  assert_int_equal(parsed.ef[1].type, 0x0204);
  assert_ptr_equal(parsed.ef[1].body, pkt + 48 + 16 + 4);
}

static void test_ef_then_junk(void **state)
{
  (void)state;
  start(4);
  add_ef(0x0104, 28);
  add_junk(4);
  assert_int_equal(parse(), NTP_PARSE_BAD_MAC);
}

static void test_ef_then_mac_24(void **state)
{
  (void)state;
  start(4);
  add_ef(0x0104, 28);
  add_ef(0x0404, 16);
  add_mac(3, 20);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.n_ef, 2);
  assert_int_equal(parsed.mac_len, 24);
  assert_int_equal(parsed.mac_keyid, 3);
}

static void test_unknown_type_recorded(void **state)
{
  (void)state;
  start(4);
  add_ef(0xffff, 32);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.n_ef, 1);
  assert_int_equal(parsed.ef[0].type, 0xffff);
}

static void test_16_efs_ok(void **state)
{
  int i;

  (void)state;
  start(4);
  for (i = 0; i < NTP_MAX_EXTENSIONS; i++)
    add_ef((uint16_t)(0x1000 + i), 28);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.n_ef, NTP_MAX_EXTENSIONS);
  assert_int_equal(parsed.ef[15].type, 0x100f);

  start(4);
  for (i = 0; i < NTP_MAX_EXTENSIONS; i++)
    add_ef((uint16_t)(0x1000 + i), 16);
  add_mac(1, 16);
  assert_int_equal(parse(), NTP_PARSE_OK);
  assert_int_equal(parsed.n_ef, NTP_MAX_EXTENSIONS);
  assert_int_equal(parsed.mac_len, 20);
}

static void test_17_efs_too_many(void **state)
{
  int i;

  (void)state;
  start(4);
  for (i = 0; i < NTP_MAX_EXTENSIONS + 1; i++)
    add_ef((uint16_t)(0x1000 + i), 28);
  assert_int_equal(parse(), NTP_PARSE_TOO_MANY_EF);

  start(4);
  for (i = 0; i < NTP_MAX_EXTENSIONS + 1; i++)
    add_ef((uint16_t)(0x1000 + i), 16);
  add_mac(1, 16);
  assert_int_equal(parse(), NTP_PARSE_TOO_MANY_EF);
}

/* ---- header codec ---- */

static const uint8_t sample_header[NTP_HEADER_LEN] = {
  0xe4, 0x02, 0xfa, 0xe9,                         /* LI 3, VN 4, mode 4; st 2; poll -6; prec -23 */
  0x00, 0x01, 0x80, 0x00,                         /* root delay 1.5 */
  0x00, 0x00, 0x40, 0x00,                         /* root dispersion 0.25 */
  0xc0, 0x00, 0x02, 0x01,                         /* refid 192.0.2.1 */
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* reference */
  0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, /* origin */
  0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, /* receive */
  0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, /* transmit */
};

static void assert_headers_equal(const struct ntp_header *a, const struct ntp_header *b)
{
  assert_int_equal(a->leap, b->leap);
  assert_int_equal(a->version, b->version);
  assert_int_equal(a->mode, b->mode);
  assert_int_equal(a->stratum, b->stratum);
  assert_int_equal(a->poll, b->poll);
  assert_int_equal(a->precision, b->precision);
  assert_int_equal(a->root_delay, b->root_delay);
  assert_int_equal(a->root_dispersion, b->root_dispersion);
  assert_int_equal(a->refid, b->refid);
  assert_true(a->reference == b->reference);
  assert_true(a->origin == b->origin);
  assert_true(a->receive == b->receive);
  assert_true(a->transmit == b->transmit);
}

static void test_header_decode(void **state)
{
  struct ntp_header h;

  (void)state;
  ntp_header_decode(sample_header, &h);
  assert_int_equal(h.leap, NTP_LEAP_UNSYNC);
  assert_int_equal(h.version, 4);
  assert_int_equal(h.mode, NTP_MODE_SERVER);
  assert_int_equal(h.stratum, 2);
  assert_int_equal(h.poll, -6);
  assert_int_equal(h.precision, -23);
  assert_int_equal(h.root_delay, 0x00018000U);
  assert_int_equal(h.root_dispersion, 0x00004000U);
  assert_int_equal(h.refid, 0xc0000201U);
  assert_true(h.reference == 0x0102030405060708ULL);
  assert_true(h.origin == 0x1112131415161718ULL);
  assert_true(h.receive == 0x2122232425262728ULL);
  assert_true(h.transmit == 0xf1f2f3f4f5f6f7f8ULL);
}

static void test_header_round_trip(void **state)
{
  struct ntp_header h;
  uint8_t out[NTP_HEADER_LEN];

  (void)state;
  ntp_header_decode(sample_header, &h);
  memset(out, 0, sizeof(out));
  ntp_header_encode(&h, out);
  assert_memory_equal(out, sample_header, NTP_HEADER_LEN);
}

static void test_header_encode_fields(void **state)
{
  struct ntp_header h, back;
  uint8_t out[NTP_HEADER_LEN];

  (void)state;
  memset(&h, 0, sizeof(h));
  h.leap = NTP_LEAP_INSERT;
  h.version = 3;
  h.mode = NTP_MODE_CLIENT;
  h.stratum = 16;
  h.poll = 17;
  h.precision = -128;
  h.root_delay = 0xffffffffU;
  h.transmit = 0x0000000100000002ULL;
  ntp_header_encode(&h, out);
  assert_int_equal(out[0], 0x5b);   /* 01 011 011 */
  assert_int_equal(out[1], 16);
  assert_int_equal(out[2], 17);
  assert_int_equal(out[3], 0x80);
  assert_int_equal(out[4], 0xff);
  assert_int_equal(out[43], 1);
  assert_int_equal(out[47], 2);
  ntp_header_decode(out, &back);
  assert_headers_equal(&back, &h);
}

static void test_header_encode_masks_bitfields(void **state)
{
  struct ntp_header h;
  uint8_t out[NTP_HEADER_LEN];

  (void)state;
  memset(&h, 0, sizeof(h));
  h.leap = 0xff;
  h.version = 0x0c;  /* 4 plus a stray bit */
  h.mode = 0x0b;     /* 3 plus a stray bit */
  ntp_header_encode(&h, out);
  assert_int_equal(out[0], 0xe3);
}

static void test_set_transmit(void **state)
{
  uint8_t buf[NTP_HEADER_LEN + 4];
  uint8_t expect[NTP_HEADER_LEN + 4];

  (void)state;
  memset(buf, 0xee, sizeof(buf));
  memset(expect, 0xee, sizeof(expect));
  memcpy(expect + 40, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
  ntp_set_transmit(buf, 0x0123456789abcdefULL);
  assert_memory_equal(buf, expect, sizeof(buf));
}

static void test_status_names(void **state)
{
  (void)state;
  assert_string_equal(ntp_parse_status_name(NTP_PARSE_OK), "ok");
  assert_string_equal(ntp_parse_status_name(NTP_PARSE_SHORT), "short");
  assert_string_equal(ntp_parse_status_name(NTP_PARSE_BAD_LENGTH), "bad-length");
  assert_string_equal(ntp_parse_status_name(NTP_PARSE_BAD_VERSION), "bad-version");
  assert_string_equal(ntp_parse_status_name(NTP_PARSE_BAD_EF_LENGTH), "bad-ef-length");
  assert_string_equal(ntp_parse_status_name(NTP_PARSE_BAD_EF_LAST), "bad-ef-last");
  assert_string_equal(ntp_parse_status_name(NTP_PARSE_TOO_MANY_EF), "too-many-ef");
  assert_string_equal(ntp_parse_status_name(NTP_PARSE_BAD_MAC), "bad-mac");
  assert_string_equal(ntp_parse_status_name(NTP_PARSE_EF_NOT_V4), "ef-not-v4");
  assert_string_equal(ntp_parse_status_name((enum ntp_parse_status)99), "unknown");
}

/* The field writer pads with zeros to a multiple of 4 and refuses what
 * does not fit; the reader takes a minimum length (NTS's encrypted fields
 * go down to the 4-byte header) and checks the rest as in packets. */
static void test_ef_write_and_read(void **state)
{
  static const uint8_t body[5] = {1, 2, 3, 4, 5};
  static const uint8_t want[12] = {0x01, 0x04, 0x00, 0x0c, 1, 2, 3, 4, 5, 0, 0, 0};
  uint8_t buf[16];
  struct wire_writer w;
  struct wire_reader r;
  struct ntp_ef ef;

  (void)state;
  wire_writer_init(&w, buf, sizeof(buf));
  ntp_ef_write(&w, 0x0104, body, sizeof(body));
  assert_false(w.err);
  assert_int_equal(w.pos, sizeof(want));
  assert_memory_equal(buf, want, sizeof(want));
  ntp_ef_write(&w, 0x0204, NULL, 0);
  assert_false(w.err);
  assert_int_equal(w.pos, 16);
  ntp_ef_write(&w, 0x0204, NULL, 0);
  assert_true(w.err);

  wire_reader_init(&r, buf, 16);
  assert_int_equal(ntp_ef_read(&r, 4, &ef), NTP_PARSE_OK);
  assert_int_equal(ef.type, 0x0104);
  assert_int_equal(ef.body_len, 8);
  assert_ptr_equal(ef.body, buf + 4);
  assert_int_equal(ntp_ef_read(&r, 4, &ef), NTP_PARSE_OK);
  assert_int_equal(ef.body_len, 0);
  assert_int_equal(ntp_ef_read(&r, 4, &ef), NTP_PARSE_BAD_EF_LENGTH);   /* nothing left */
  /* Shorter than the minimum; not a multiple of 4; past the end; shorter
   * than its own header. */
  wire_reader_init(&r, buf, 16);
  assert_int_equal(ntp_ef_read(&r, NTP_EF_MIN_LEN, &ef), NTP_PARSE_BAD_EF_LENGTH);
  buf[3] = 10;
  wire_reader_init(&r, buf, 16);
  assert_int_equal(ntp_ef_read(&r, 4, &ef), NTP_PARSE_BAD_EF_LENGTH);
  buf[3] = 20;
  wire_reader_init(&r, buf, 16);
  assert_int_equal(ntp_ef_read(&r, 4, &ef), NTP_PARSE_BAD_EF_LENGTH);
  buf[3] = 0;
  wire_reader_init(&r, buf, 16);
  assert_int_equal(ntp_ef_read(&r, 0, &ef), NTP_PARSE_BAD_EF_LENGTH);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_empty_and_47_are_short),
    cmocka_unit_test(test_48_plain_request),
    cmocka_unit_test(test_49_to_51_bad_length),
    cmocka_unit_test(test_bad_versions),
    cmocka_unit_test(test_old_versions_parse),
    cmocka_unit_test(test_52_crypto_nak),
    cmocka_unit_test(test_52_nonzero_keyid_bad_mac),
    cmocka_unit_test(test_8_and_12_byte_trailer_bad_mac),
    cmocka_unit_test(test_crypto_nak_only_right_after_header),
    cmocka_unit_test(test_v4_mac_20),
    cmocka_unit_test(test_v4_mac_24),
    cmocka_unit_test(test_v4_24_bytes_are_a_mac_not_a_field),
    cmocka_unit_test(test_v4_long_mac_rejected),
    cmocka_unit_test(test_v3_macs),
    cmocka_unit_test(test_v3_junk),
    cmocka_unit_test(test_v3_too_long_trailer),
    cmocka_unit_test(test_ef_28_no_mac),
    cmocka_unit_test(test_ef_length_12_and_15),
    cmocka_unit_test(test_ef_length_16_with_mac),
    cmocka_unit_test(test_ef_length_17),
    cmocka_unit_test(test_ef_overrun),
    cmocka_unit_test(test_ef_largest),
    cmocka_unit_test(test_last_ef_16_without_mac),
    cmocka_unit_test(test_short_ef_then_28),
    cmocka_unit_test(test_ef_then_junk),
    cmocka_unit_test(test_ef_then_mac_24),
    cmocka_unit_test(test_unknown_type_recorded),
    cmocka_unit_test(test_16_efs_ok),
    cmocka_unit_test(test_17_efs_too_many),
    cmocka_unit_test(test_header_decode),
    cmocka_unit_test(test_header_round_trip),
    cmocka_unit_test(test_header_encode_fields),
    cmocka_unit_test(test_header_encode_masks_bitfields),
    cmocka_unit_test(test_set_transmit),
    cmocka_unit_test(test_status_names),
    cmocka_unit_test(test_ef_write_and_read),
  };

  return cmocka_run_group_tests_name("ntp_packet", tests, NULL, NULL);
}
