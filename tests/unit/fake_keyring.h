/* fake_keyring: the keys unit tests sign and verify with, as a keyring the
 * core takes (core/ntp_source.h, core/ntp_server.h): one of each MAC type
 * chrony's keyfile offers (IDs 1 to 4), and key 5 an MD5 key of 8 bytes. */
#ifndef STRATUM_TESTS_FAKE_KEYRING_H
#define STRATUM_TESTS_FAKE_KEYRING_H

#include "proto/ntp_mac.h"

static const uint8_t FAKE_SECRET16[16] = "0123456789abcdef";
static const uint8_t FAKE_SECRET20[20] = "0123456789abcdefghij";
static const struct {
  uint32_t id;
  struct ntp_key key;
} FAKE_KEYS[] = {
  {1, {NTP_KEY_MD5, FAKE_SECRET16, sizeof(FAKE_SECRET16)}},
  {2, {NTP_KEY_SHA1, FAKE_SECRET20, sizeof(FAKE_SECRET20)}},
  {3, {NTP_KEY_AES128, FAKE_SECRET16, sizeof(FAKE_SECRET16)}},
  {4, {NTP_KEY_SHA256, FAKE_SECRET20, sizeof(FAKE_SECRET20)}},
  {5, {NTP_KEY_MD5, FAKE_SECRET16, 8}},
};

static inline const struct ntp_key *fake_key(const void *table, uint32_t id)
{
  (void)table;
  for (unsigned i = 0; i < sizeof(FAKE_KEYS) / sizeof(FAKE_KEYS[0]); i++)
    if (FAKE_KEYS[i].id == id)
      return &FAKE_KEYS[i].key;
  return NULL;
}

static const struct ntp_keyring FAKE_KEYRING = {fake_key, NULL};

#endif
