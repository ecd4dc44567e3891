/* Tests of ntp_mac: known answers for every key type in NTPv4 and NTPv3
 * (computed independently with Python's hashlib, H(key || packet), and the
 * cryptography package's AES-CMAC), the RFC 4493 and SP 800-38B AES-CMAC
 * vectors, chrony's digest lengths and truncation rules, and rejection of a
 * flipped bit, a wrong key, a wrong type and a wrong length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "proto/ntp_mac.h"
#include "proto/ntp_packet.h"

#define MAX_BYTES 128

struct kat {
  enum ntp_key_type type;
  const char *key;          /* hex */
  const char *v4, *v3;      /* whole digest of the v4 / v3 test packet */
};

/* Keys: chrony.conf(5)'s examples ("tulip", its SHA1 and AES keys) and ASCII
 * texts for the others. */
static const struct kat kats[] = {
  {NTP_KEY_MD5, "74756c6970", "66ee34f37af608fd43598c1149595281",
   "b2becf07ad2cb1b62076c185013f386a"},
  {NTP_KEY_SHA1, "933f62be1d604e68a81b557f18cfa200483f5b70",
   "405f51d1927d3daff4bbe351399fba129b8fa196", "5be7b88cebe24b825d8e448995885d004b77ab8e"},
  {NTP_KEY_SHA256, "7368613235362d7365637265742d6b6579",
   "c1350d5d9332bad12fa7f48d3de1c79872e4a43bfc7be1c334913d028a50064d",
   "5061c06603aaf721986d32db722c19fb7bab220921afa723160fb0fa324106d2"},
  {NTP_KEY_SHA384, "7368613338342d7365637265742d6b6579",
   "ebed4b1ff93ac5d03088e506482ac57f3518ae9966d76776"
   "533a7ecefe58a540054b0105df3f0523e86a4484823dc8fe",
   "b913cdc89ec1a783a0653ea59ea0d9810fc05eacaf510a59"
   "c2b7bb53748c6eac79610d3e24e5df85117862f4a2f0ad32"},
  {NTP_KEY_SHA512, "7368613531322d7365637265742d6b6579",
   "3abbcc1ed2e0234d45879fa5ae87195f0cb29a2f05c38b9c77d64b8931dc5ed9"
   "6ba890863eb0766a86dd4a273cd26baf848a090b3c0291dfe390bfcf88a37b29",
   "5943f7061054791610b47de6f847a7c94cb1683ae4752a6d7a2c1c5548bed3b8"
   "1acb805ba06d57bcc514dd839a363412cfff9c700c555f051b68fb3ae19db73b"},
  {NTP_KEY_SHA3_224, "736861332d3232342d736563726574",
   "4b72b03383ba38140e952feac36138152f08f53c97cff45fbb997604",
   "5bdfc667ab139afdb9fe580498cbb93bfbf9e1ac67a226539027c2ad"},
  {NTP_KEY_SHA3_256, "736861332d3235362d736563726574",
   "b3be2a4dbea4c3f91e381c18c2f39dd59584bad9df4fd7f83605324cf7df8fdd",
   "4f9db8534f01879f86bb6d2a94491dcc2265a5ef9027f6365b170a0fe8e78225"},
  {NTP_KEY_SHA3_384, "736861332d3338342d736563726574",
   "026bbad31225cfe85f749d08d377bcd5f8de42be8185253a"
   "3dd3845f665769ed60549cad629db706589db2c55a137def",
   "aadeb692dcb34a3db6914b0dac2e30205533f9bed766d895"
   "85678d27ab4156fcaa91864e950f1498d91a65adbb37776e"},
  {NTP_KEY_SHA3_512, "736861332d3531322d736563726574",
   "d496ecbb8918acdb44f16599b780972be849d4b3793203157a75cde6e0f05b32"
   "4b11e3957c96582faf6e525341d6f5269994b5a4e338af713f5c49d3ceba8527",
   "b049f59b89c97732c6dbbbde4ff5bfbeb17fb53b69b8deb1f29235461c1009e2"
   "f3b27676c898110b1a389b95857ac947297a1630165c98c3228c92024a6650e2"},
  {NTP_KEY_AES128, "7ea62ae64d190114d46d5a082f948ec1", "9adfeecfa8ea9f8e67cca7b98cf9349e",
   "5d4820af532f10273a526f49d03b3337"},
  {NTP_KEY_AES256, "37ddcbc67bb902bcb8e995977fab4d2b5642f5b32ebceee421921d97e5cbfe39",
   "2d3996fb78cd454c23cde6ccaf071fdd", "74fa8612837f4b36943c430890afe334"},
};

static size_t unhex(const char *hex, uint8_t *out)
{
  size_t n = strlen(hex) / 2;
  assert_true(n <= MAX_BYTES);
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
    out[i] = (uint8_t)v;
  }
  return n;
}

/* The 48-byte client request the known answers were computed over. */
static void request(int version, uint8_t pkt[NTP_HEADER_LEN])
{
  static const uint8_t transmit[8] = {0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00};
  memset(pkt, 0, NTP_HEADER_LEN);
  pkt[0] = (uint8_t)(version << 3 | NTP_MODE_CLIENT);
  pkt[2] = 6;
  pkt[3] = 0xec;
  memcpy(pkt + 40, transmit, sizeof(transmit));
}

struct keybuf {
  uint8_t bytes[MAX_BYTES];
  struct ntp_key key;
};

static const struct ntp_key *make_key(struct keybuf *b, enum ntp_key_type type, const char *hex)
{
  b->key = (struct ntp_key){.type = type, .data = b->bytes, .len = unhex(hex, b->bytes)};
  return &b->key;
}

/* Generate the trailer for the request of `version`, check it against the
 * known answer, parse the whole packet and verify the MAC it finds. */
static void check_kat(const struct kat *k, int version)
{
  uint8_t pkt[NTP_HEADER_LEN + NTP_MAC_MAX_LEN], want[MAX_BYTES];
  struct keybuf b;
  struct ntp_packet parsed;
  const struct ntp_key *key = make_key(&b, k->type, k->key);
  size_t whole = unhex(version == 4 ? k->v4 : k->v3, want);
  size_t n = ntp_mac_digest_len(k->type, version);

  request(version, pkt);
  assert_true(n == whole || (version == 4 && n == 20 && whole > 20));
  size_t len = ntp_mac_generate(key, 0x01020304, pkt, NTP_HEADER_LEN, version,
                                pkt + NTP_HEADER_LEN, sizeof(pkt) - NTP_HEADER_LEN);
  assert_int_equal(len, 4 + n);
  assert_memory_equal(pkt + NTP_HEADER_LEN, "\x01\x02\x03\x04", 4);
  assert_memory_equal(pkt + NTP_HEADER_LEN + 4, want, n);

  assert_int_equal(ntp_packet_parse(pkt, NTP_HEADER_LEN + len, &parsed), NTP_PARSE_OK);
  assert_int_equal(parsed.mac_keyid, 0x01020304);
  assert_int_equal(parsed.mac_digest_len, n);
  assert_true(ntp_mac_verify(key, pkt, NTP_HEADER_LEN, parsed.mac_digest,
                             parsed.mac_digest_len));
}

static void test_known_answers_v4(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++)
    check_kat(&kats[i], 4);
}

static void test_known_answers_v3(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++)
    check_kat(&kats[i], 3);
}

/* RFC 4493 section 4 (AES-128) and NIST SP 800-38B D.3 (AES-256): CMAC of
 * the first 0, 16, 40 and 64 bytes of the standard message. */
static void test_cmac_standard_vectors(void **state)
{
  static const char msg[] = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                            "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
  static const struct {
    enum ntp_key_type type;
    const char *key;
    size_t len;
    const char *mac;
  } v[] = {
    {NTP_KEY_AES128, "2b7e151628aed2a6abf7158809cf4f3c", 0, "bb1d6929e95937287fa37d129b756746"},
    {NTP_KEY_AES128, "2b7e151628aed2a6abf7158809cf4f3c", 16, "070a16b46b4d4144f79bdd9dd04a287c"},
    {NTP_KEY_AES128, "2b7e151628aed2a6abf7158809cf4f3c", 40, "dfa66747de9ae63030ca32611497c827"},
    {NTP_KEY_AES128, "2b7e151628aed2a6abf7158809cf4f3c", 64, "51f0bebf7e3b9d92fc49741779363cfe"},
    {NTP_KEY_AES256, "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", 64,
     "e1992190549f6ed5696a2c056c315410"},
  };
  uint8_t data[MAX_BYTES], want[16], out[20];
  struct keybuf b;

  (void)state;
  unhex(msg, data);
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    const struct ntp_key *key = make_key(&b, v[i].type, v[i].key);
    unhex(v[i].mac, want);
    assert_int_equal(ntp_mac_generate(key, 7, data, v[i].len, 4, out, sizeof(out)), 20);
    assert_memory_equal(out + 4, want, 16);
  }
}

static void test_digest_lengths(void **state)
{
  static const size_t whole[NTP_KEY_TYPES] = {
    [NTP_KEY_MD5] = 16, [NTP_KEY_SHA1] = 20, [NTP_KEY_SHA256] = 32, [NTP_KEY_SHA384] = 48,
    [NTP_KEY_SHA512] = 64, [NTP_KEY_SHA3_224] = 28, [NTP_KEY_SHA3_256] = 32,
    [NTP_KEY_SHA3_384] = 48, [NTP_KEY_SHA3_512] = 64, [NTP_KEY_AES128] = 16,
    [NTP_KEY_AES256] = 16,
  };

  (void)state;
  for (unsigned t = 0; t < NTP_KEY_TYPES; t++) {
    for (int version = 1; version <= 3; version++)
      assert_int_equal(ntp_mac_digest_len(t, version), whole[t]);
    assert_int_equal(ntp_mac_digest_len(t, 4), whole[t] < 20 ? whole[t] : 20);
  }
  assert_int_equal(ntp_mac_digest_len(NTP_KEY_TYPES, 4), 0);
}

static void test_type_names(void **state)
{
  enum ntp_key_type t;

  (void)state;
  for (unsigned i = 0; i < NTP_KEY_TYPES; i++) {
    assert_true(ntp_key_type_from_name(ntp_key_type_name(i), &t));
    assert_int_equal(t, i);
  }
  assert_string_equal(ntp_key_type_name(NTP_KEY_SHA3_256), "SHA3-256");
  assert_false(ntp_key_type_from_name("md5", &t));        /* case-sensitive, as chrony */
  assert_false(ntp_key_type_from_name("TIGER", &t));      /* not in OpenSSL 3 */
  assert_false(ntp_key_type_from_name("", &t));
  assert_int_equal(ntp_key_type_key_len(NTP_KEY_AES128), 16);
  assert_int_equal(ntp_key_type_key_len(NTP_KEY_AES256), 32);
  assert_int_equal(ntp_key_type_key_len(NTP_KEY_SHA1), 0);
}

/* A v4 request with the trailer of kats[i]; returns the digest length. */
static size_t signed_request(size_t i, struct keybuf *b, uint8_t pkt[NTP_HEADER_LEN + 68])
{
  const struct ntp_key *key = make_key(b, kats[i].type, kats[i].key);
  request(4, pkt);
  size_t len = ntp_mac_generate(key, 1, pkt, NTP_HEADER_LEN, 4, pkt + NTP_HEADER_LEN, 68);
  assert_true(len >= 20);
  return len - 4;
}

static void test_flipped_bit_fails(void **state)
{
  uint8_t pkt[NTP_HEADER_LEN + 68];
  struct keybuf b;

  (void)state;
  for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
    size_t n = signed_request(i, &b, pkt);
    assert_true(ntp_mac_verify(&b.key, pkt, NTP_HEADER_LEN, pkt + NTP_HEADER_LEN + 4, n));
    for (size_t bit = 0; bit < 8 * (NTP_HEADER_LEN + 4 + n); bit++) {
      if (bit / 8 >= NTP_HEADER_LEN && bit / 8 < NTP_HEADER_LEN + 4)
        continue;   /* the key ID is not covered by the MAC */
      pkt[bit / 8] ^= (uint8_t)(1u << bit % 8);
      assert_false(ntp_mac_verify(&b.key, pkt, NTP_HEADER_LEN, pkt + NTP_HEADER_LEN + 4, n));
      pkt[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
  }
}

static void test_wrong_key_fails(void **state)
{
  uint8_t pkt[NTP_HEADER_LEN + 68];
  struct keybuf b;

  (void)state;
  for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
    size_t n = signed_request(i, &b, pkt);
    b.bytes[0] ^= 1;   /* same type, other key */
    assert_false(ntp_mac_verify(&b.key, pkt, NTP_HEADER_LEN, pkt + NTP_HEADER_LEN + 4, n));
    b.bytes[0] ^= 1;
    for (unsigned t = 0; t < NTP_KEY_TYPES; t++) {   /* same key, other type */
      struct ntp_key other = b.key;
      other.type = t;
      assert_int_equal(ntp_mac_verify(&other, pkt, NTP_HEADER_LEN, pkt + NTP_HEADER_LEN + 4, n),
                       t == kats[i].type);
    }
  }
}

static void test_wrong_length_fails(void **state)
{
  uint8_t pkt[NTP_HEADER_LEN + 68];
  struct keybuf b;

  (void)state;
  for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
    size_t n = signed_request(i, &b, pkt);
    const uint8_t *d = pkt + NTP_HEADER_LEN + 4;
    assert_false(ntp_mac_verify(&b.key, pkt, NTP_HEADER_LEN, d, n - 1));
    assert_false(ntp_mac_verify(&b.key, pkt, NTP_HEADER_LEN, d, n + 1));
    assert_false(ntp_mac_verify(&b.key, pkt, NTP_HEADER_LEN, d, 0));
    assert_false(ntp_mac_verify(&b.key, pkt, NTP_HEADER_LEN - 1, d, n));
    assert_false(ntp_mac_verify(&b.key, pkt, NTP_HEADER_LEN + 4, d, n));
  }
}

/* chrony's rule: a v4 trailer of at most 24 bytes holds the digest cut to
 * 20 bytes, a longer one (or any pre-v4 one) the whole digest. */
static void test_truncation_rules(void **state)
{
  uint8_t pkt[NTP_HEADER_LEN], whole[MAX_BYTES];
  struct keybuf b;
  const struct kat *k = &kats[2];   /* SHA256 */
  const struct ntp_key *key = make_key(&b, k->type, k->key);

  (void)state;
  request(4, pkt);
  unhex(k->v4, whole);
  assert_true(ntp_mac_verify(key, pkt, sizeof(pkt), whole, 20));
  assert_true(ntp_mac_verify(key, pkt, sizeof(pkt), whole, 32));
  assert_false(ntp_mac_verify(key, pkt, sizeof(pkt), whole, 16));
  assert_false(ntp_mac_verify(key, pkt, sizeof(pkt), whole, 24));

  request(3, pkt);
  unhex(k->v3, whole);
  assert_true(ntp_mac_verify(key, pkt, sizeof(pkt), whole, 32));
  assert_false(ntp_mac_verify(key, pkt, sizeof(pkt), whole, 20));
}

static void test_generate_needs_room(void **state)
{
  uint8_t pkt[NTP_HEADER_LEN], out[68];
  struct keybuf b;
  const struct ntp_key *key = make_key(&b, kats[4].type, kats[4].key);   /* SHA512 */

  (void)state;
  request(3, pkt);
  assert_int_equal(ntp_mac_generate(key, 1, pkt, sizeof(pkt), 3, out, 67), 0);
  assert_int_equal(ntp_mac_generate(key, 1, pkt, sizeof(pkt), 3, out, 68), 68);
  assert_int_equal(ntp_mac_generate(key, 1, pkt, sizeof(pkt), 4, out, 23), 0);
  assert_int_equal(ntp_mac_generate(key, 1, pkt, sizeof(pkt), 4, out, 24), 24);
  assert_int_equal(ntp_mac_generate(key, 1, pkt, sizeof(pkt), 4, NULL, 0), 0);
}

static void test_bad_keys_rejected(void **state)
{
  uint8_t pkt[NTP_HEADER_LEN], out[68], digest[16] = {0};
  struct keybuf b;
  const struct ntp_key *key = make_key(&b, NTP_KEY_AES128, "7ea62ae64d190114d46d5a082f948e");

  (void)state;
  request(4, pkt);
  /* An AES key of the wrong length (the key file refuses it too). */
  assert_int_equal(ntp_mac_generate(key, 1, pkt, sizeof(pkt), 4, out, sizeof(out)), 0);
  assert_false(ntp_mac_verify(key, pkt, sizeof(pkt), digest, sizeof(digest)));
  b.key.type = NTP_KEY_AES256;
  assert_int_equal(ntp_mac_generate(key, 1, pkt, sizeof(pkt), 4, out, sizeof(out)), 0);
  /* No such type. */
  b.key.type = NTP_KEY_TYPES;
  assert_int_equal(ntp_mac_generate(key, 1, pkt, sizeof(pkt), 4, out, sizeof(out)), 0);
  assert_false(ntp_mac_verify(key, pkt, sizeof(pkt), digest, sizeof(digest)));
}

/* A crypto-NAK (key ID 0, no digest) is never a valid MAC. */
static void test_crypto_nak_fails(void **state)
{
  uint8_t pkt[NTP_HEADER_LEN + 4] = {0};
  struct ntp_packet parsed;
  struct keybuf b;
  const struct ntp_key *key = make_key(&b, kats[0].type, kats[0].key);

  (void)state;
  request(4, pkt);
  assert_int_equal(ntp_packet_parse(pkt, sizeof(pkt), &parsed), NTP_PARSE_OK);
  assert_int_equal(parsed.mac_len, 4);
  assert_false(ntp_mac_verify(key, pkt, NTP_HEADER_LEN, parsed.mac_digest,
                              parsed.mac_digest_len));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_known_answers_v4),
    cmocka_unit_test(test_known_answers_v3),
    cmocka_unit_test(test_cmac_standard_vectors),
    cmocka_unit_test(test_digest_lengths),
    cmocka_unit_test(test_type_names),
    cmocka_unit_test(test_flipped_bit_fails),
    cmocka_unit_test(test_wrong_key_fails),
    cmocka_unit_test(test_wrong_length_fails),
    cmocka_unit_test(test_truncation_rules),
    cmocka_unit_test(test_generate_needs_room),
    cmocka_unit_test(test_bad_keys_rejected),
    cmocka_unit_test(test_crypto_nak_fails),
  };
  return cmocka_run_group_tests_name("ntp_mac", tests, NULL, NULL);
}
