/* wire: bounds-checked big-endian reader and writer (see wire.h). */
#include "proto/wire.h"

#include <assert.h>
#include <string.h>

/* Stands in for a NULL buffer of length 0, so that every pointer the reader
 * hands out is a valid one (arithmetic on NULL is undefined in C). */
static const uint8_t empty_buf[1];

void wire_reader_init(struct wire_reader *r, const void *buf, size_t len)
{
  assert(buf != NULL || len == 0);
  r->buf = buf != NULL ? buf : empty_buf;
  r->len = len;
  r->pos = 0;
  r->err = false;
}

/* The next n bytes, advancing past them; NULL and a sticky error if fewer
 * remain or an earlier read failed. */
static const uint8_t *take(struct wire_reader *r, size_t n)
{
  const uint8_t *p;

  if (r->err || r->len - r->pos < n) {
    r->err = true;
    return NULL;
  }
  p = r->buf + r->pos;
  r->pos += n;
  return p;
}

/* Big-endian value of n bytes at p, or 0 if p is NULL (a failed read). */
static uint64_t load_be(const uint8_t *p, size_t n)
{
  uint64_t v = 0;
  size_t i;

  if (p == NULL)
    return 0;
  for (i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

uint8_t wire_get_u8(struct wire_reader *r)
{
  return (uint8_t)load_be(take(r, 1), 1);
}

uint16_t wire_get_u16(struct wire_reader *r)
{
  return (uint16_t)load_be(take(r, 2), 2);
}

uint32_t wire_get_u32(struct wire_reader *r)
{
  return (uint32_t)load_be(take(r, 4), 4);
}

uint64_t wire_get_u64(struct wire_reader *r)
{
  return load_be(take(r, 8), 8);
}

void wire_get_bytes(struct wire_reader *r, void *out, size_t n)
{
  const uint8_t *p = take(r, n);

  if (n == 0)
    return;
  if (p != NULL)
    memcpy(out, p, n);
  else
    memset(out, 0, n);
}

const uint8_t *wire_get_span(struct wire_reader *r, size_t n)
{
  return take(r, n);
}

size_t wire_remaining(const struct wire_reader *r)
{
  return r->err ? 0 : r->len - r->pos;
}

void wire_writer_init(struct wire_writer *w, void *buf, size_t cap)
{
  assert(buf != NULL || cap == 0);
  w->buf = buf;
  w->cap = cap;
  w->pos = 0;
  w->err = false;
}

/* Room for n more bytes at w->pos, or NULL and a sticky error. */
static uint8_t *reserve(struct wire_writer *w, size_t n)
{
  uint8_t *p;

  if (w->err || w->cap - w->pos < n) {
    w->err = true;
    return NULL;
  }
  p = w->buf + w->pos;
  w->pos += n;
  return p;
}

/* Store the low n bytes of v big-endian, if they fit. */
static void store_be(struct wire_writer *w, uint64_t v, size_t n)
{
  uint8_t *p = reserve(w, n);
  size_t i;

  if (p == NULL)
    return;
  for (i = 0; i < n; i++)
    p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

void wire_put_u8(struct wire_writer *w, uint8_t v)
{
  store_be(w, v, 1);
}

void wire_put_u16(struct wire_writer *w, uint16_t v)
{
  store_be(w, v, 2);
}

void wire_put_u32(struct wire_writer *w, uint32_t v)
{
  store_be(w, v, 4);
}

void wire_put_u64(struct wire_writer *w, uint64_t v)
{
  store_be(w, v, 8);
}

void wire_put_bytes(struct wire_writer *w, const void *src, size_t n)
{
  uint8_t *p;

  /* Nothing to store; also keeps NULL + 0 out of reserve() for an empty
   * writer. */
  if (n == 0)
    return;
  p = reserve(w, n);
  if (p != NULL)
    memcpy(p, src, n);
}

size_t wire_hex_format(const uint8_t *bytes, size_t n, char *out, size_t cap)
{
  static const char digits[] = "0123456789ABCDEF";
  if (cap == 0 || n > (cap - 1) / 2)
    return 0;
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xf];
  }
  out[2 * n] = '\0';
  return 2 * n;
}

int wire_hex_digit(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool wire_hex_parse(const char *hex, size_t len, uint8_t *out)
{
  if (len % 2 != 0)
    return false;
  for (size_t i = 0; i < len / 2; i++) {
    int hi = wire_hex_digit(hex[2 * i]), lo = wire_hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return true;
}

bool wire_equal_ct(const void *a, const void *b, size_t n)
{
  const volatile uint8_t *x = a, *y = b;
  uint8_t diff = 0;
  for (size_t i = 0; i < n; i++)
    diff |= x[i] ^ y[i];
  return diff == 0;
}
