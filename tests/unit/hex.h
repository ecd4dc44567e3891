/* hex: test data written as hex strings, for the tests of proto's NTS
 * modules (aead, nts_ke, nts_ntp). */
#ifndef STRATUM_TESTS_HEX_H
#define STRATUM_TESTS_HEX_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

/* The bytes of hex (lower or upper case, no separators) into out, which
 * holds cap bytes; returns how many. A malformed string fails the test. */
static inline size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
  size_t n = strlen(hex) / 2;

  assert_int_equal(strlen(hex) % 2, 0);
  assert_true(n <= cap);
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
    out[i] = (uint8_t)v;
  }
  return n;
}

#endif
