/* Fuzz target: an arbitrary datagram through ntp_packet_parse, then its MAC
 * trailer (if any) through ntp_mac_verify against a fixed key table: key ID
 * t + 1 has type t and the first 20 (hash) or 16/32 (AES) bytes of
 * 01 02 03 ... 20 hex (fuzz/corpus/make_ntp_mac_seeds.py signs seeds with
 * the same keys). Nothing may crash or read out of bounds; the MAC the
 * packet's key generates for the same data must parse back and verify. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ntp_mac.h"
#include "proto/ntp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PACKET 1500

static const uint8_t key_bytes[32] = {
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

static void check(int ok)
{
  if (!ok)
    abort();
}

/* The table's key for an ID: any ID maps to one, so every type is reached. */
static struct ntp_key key_for(uint32_t keyid)
{
  enum ntp_key_type type = (enum ntp_key_type)((keyid - 1) % NTP_KEY_TYPES);
  size_t len = ntp_key_type_key_len(type);
  return (struct ntp_key){.type = type, .data = key_bytes, .len = len ? len : 20};
}

/* Sign data (size - trailer) with the packet's key and check the result
 * parses as a MAC and verifies. */
static void check_round_trip(const uint8_t *data, size_t data_len, const struct ntp_packet *pkt,
                             const struct ntp_key *key)
{
  uint8_t buf[MAX_PACKET + NTP_MAC_MAX_LEN];
  struct ntp_packet again;

  if (data_len > MAX_PACKET)
    return;
  memcpy(buf, data, data_len);
  size_t n = ntp_mac_generate(key, pkt->mac_keyid, buf, data_len, pkt->hdr.version,
                              buf + data_len, sizeof(buf) - data_len);
  check(n == NTP_MAC_KEYID_LEN + ntp_mac_digest_len(key->type, pkt->hdr.version));
  check(ntp_packet_parse(buf, data_len + n, &again) == NTP_PARSE_OK);
  check(again.mac_len == n && again.mac_keyid == pkt->mac_keyid);
  check(ntp_mac_verify(key, buf, data_len, again.mac_digest, again.mac_digest_len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct ntp_packet pkt;

  if (ntp_packet_parse(data, size, &pkt) != NTP_PARSE_OK || pkt.mac_len == 0)
    return 0;
  size_t data_len = size - pkt.mac_len;
  struct ntp_key key = key_for(pkt.mac_keyid);
  ntp_mac_verify(&key, data, data_len, pkt.mac_digest, pkt.mac_digest_len);
  if (pkt.mac_len > NTP_MAC_KEYID_LEN)
    check_round_trip(data, data_len, &pkt, &key);
  return 0;
}
