/* Unit tests for src/proto/wire.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/wire.h"

static const uint8_t sample[] = {
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
};

static void test_read_big_endian(void **state)
{
  struct wire_reader r;

  (void)state;
  wire_reader_init(&r, sample, sizeof(sample));
  assert_int_equal(wire_get_u8(&r), 0x01);
  assert_int_equal(wire_get_u16(&r), 0x0203);
  assert_int_equal(wire_get_u32(&r), 0x04050607);
  assert_true(wire_get_u64(&r) == 0x08090a0b0c0d0e0fULL);
  assert_int_equal(wire_remaining(&r), 1);
  assert_int_equal(wire_get_u8(&r), 0x10);
  assert_int_equal(wire_remaining(&r), 0);
  assert_false(r.err);
}

static void test_read_high_bits(void **state)
{
  static const uint8_t ff[8] = {0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8};
  struct wire_reader r;

  (void)state;
  wire_reader_init(&r, ff, sizeof(ff));
  assert_true(wire_get_u64(&r) == 0xfffefdfcfbfaf9f8ULL);
  wire_reader_init(&r, ff, sizeof(ff));
  assert_int_equal(wire_get_u32(&r), 0xfffefdfcU);
  assert_int_equal(wire_get_u16(&r), 0xfbfa);
}

static void test_read_past_end_is_sticky(void **state)
{
  struct wire_reader r;

  (void)state;
  wire_reader_init(&r, sample, 6);
  assert_int_equal(wire_get_u32(&r), 0x01020304);
  /* Two bytes left: a u32 fails, consumes nothing and returns 0... */
  assert_int_equal(wire_get_u32(&r), 0);
  assert_true(r.err);
  assert_int_equal(r.pos, 4);
  assert_int_equal(wire_remaining(&r), 0);
  /* ...and later reads that would fit fail too. */
  assert_int_equal(wire_get_u8(&r), 0);
  assert_int_equal(wire_get_u16(&r), 0);
  assert_true(r.err);
}

static void test_read_u64_short_consumes_nothing(void **state)
{
  struct wire_reader r;

  (void)state;
  wire_reader_init(&r, sample, 7);
  assert_true(wire_get_u64(&r) == 0);
  assert_true(r.err);
  assert_int_equal(r.pos, 0);
}

static void test_get_bytes(void **state)
{
  struct wire_reader r;
  uint8_t out[4];

  (void)state;
  wire_reader_init(&r, sample, 6);
  wire_get_bytes(&r, out, 4);
  assert_memory_equal(out, sample, 4);
  memset(out, 0xaa, sizeof(out));
  wire_get_bytes(&r, out, 4);
  assert_true(r.err);
  static const uint8_t zero[4] = {0};
  assert_memory_equal(out, zero, 4);
}

static void test_get_span(void **state)
{
  struct wire_reader r;
  const uint8_t *p;

  (void)state;
  wire_reader_init(&r, sample, sizeof(sample));
  wire_get_u8(&r);
  p = wire_get_span(&r, 15);
  assert_ptr_equal(p, sample + 1);
  assert_int_equal(wire_remaining(&r), 0);
  /* A zero-length span at the end is fine and not an error. */
  assert_ptr_equal(wire_get_span(&r, 0), sample + 16);
  assert_false(r.err);
  assert_null(wire_get_span(&r, 1));
  assert_true(r.err);
}

static void test_span_larger_than_buffer(void **state)
{
  struct wire_reader r;

  (void)state;
  wire_reader_init(&r, sample, sizeof(sample));
  assert_null(wire_get_span(&r, SIZE_MAX));
  assert_true(r.err);
  assert_int_equal(r.pos, 0);
}

static void test_empty_reader(void **state)
{
  struct wire_reader r;

  (void)state;
  wire_reader_init(&r, NULL, 0);
  assert_int_equal(wire_remaining(&r), 0);
  assert_non_null(wire_get_span(&r, 0));
  assert_false(r.err);
  assert_int_equal(wire_get_u8(&r), 0);
  assert_true(r.err);
}

static void test_write_big_endian(void **state)
{
  uint8_t buf[16];
  struct wire_writer w;

  (void)state;
  memset(buf, 0, sizeof(buf));
  wire_writer_init(&w, buf, sizeof(buf));
  wire_put_u8(&w, 0x01);
  wire_put_u16(&w, 0x0203);
  wire_put_u32(&w, 0x04050607);
  wire_put_u64(&w, 0x08090a0b0c0d0e0fULL);
  wire_put_bytes(&w, "\x10", 1);
  assert_false(w.err);
  assert_int_equal(w.pos, 16);
  assert_memory_equal(buf, sample, sizeof(sample));
}

static void test_write_overflow_is_sticky(void **state)
{
  uint8_t buf[8];
  struct wire_writer w;
  static const uint8_t expect[8] = {0xde, 0xad, 0xbe, 0xef, 0x55, 0x55, 0x55, 0x55};

  (void)state;
  memset(buf, 0x55, sizeof(buf));
  wire_writer_init(&w, buf, 7);
  wire_put_u32(&w, 0xdeadbeef);
  /* Three bytes of room: a u32 writes nothing... */
  wire_put_u32(&w, 0x11223344);
  assert_true(w.err);
  assert_int_equal(w.pos, 4);
  /* ...and so does a later u8 that would fit. */
  wire_put_u8(&w, 0x99);
  wire_put_bytes(&w, "ab", 2);
  assert_int_equal(w.pos, 4);
  assert_memory_equal(buf, expect, sizeof(expect));
}

static void test_write_u64_short(void **state)
{
  uint8_t buf[8];
  struct wire_writer w;
  static const uint8_t untouched[8] = {0};

  (void)state;
  memset(buf, 0, sizeof(buf));
  wire_writer_init(&w, buf, 7);
  wire_put_u64(&w, UINT64_MAX);
  assert_true(w.err);
  assert_int_equal(w.pos, 0);
  assert_memory_equal(buf, untouched, sizeof(buf));
}

static void test_write_empty(void **state)
{
  struct wire_writer w;

  (void)state;
  wire_writer_init(&w, NULL, 0);
  wire_put_bytes(&w, NULL, 0);
  assert_false(w.err);
  wire_put_u8(&w, 1);
  assert_true(w.err);
  assert_int_equal(w.pos, 0);
}

static void test_round_trip(void **state)
{
  uint8_t buf[15];
  struct wire_writer w;
  struct wire_reader r;

  (void)state;
  wire_writer_init(&w, buf, sizeof(buf));
  wire_put_u8(&w, 0xfe);
  wire_put_u16(&w, 0xfedc);
  wire_put_u32(&w, 0x80000001U);
  wire_put_u64(&w, 0x8000000000000001ULL);
  assert_false(w.err);
  wire_reader_init(&r, buf, w.pos);
  assert_int_equal(wire_get_u8(&r), 0xfe);
  assert_int_equal(wire_get_u16(&r), 0xfedc);
  assert_int_equal(wire_get_u32(&r), 0x80000001U);
  assert_true(wire_get_u64(&r) == 0x8000000000000001ULL);
  assert_false(r.err);
  assert_int_equal(wire_remaining(&r), 0);
}

static void test_hex(void **state)
{
  (void)state;
  const uint8_t bytes[] = {0x00, 0x9f, 0xa0, 0xff};
  uint8_t back[4];
  char text[9];
  assert_int_equal(wire_hex_format(bytes, 4, text, sizeof(text)), 8);
  assert_string_equal(text, "009FA0FF");
  assert_int_equal(wire_hex_format(bytes, 4, text, 8), 0);   /* no room for the NUL */
  assert_true(wire_hex_parse("009fA0FF", 8, back));
  assert_memory_equal(back, bytes, 4);
  assert_false(wire_hex_parse("009", 3, back));              /* odd */
  assert_false(wire_hex_parse("0g", 2, back));
  assert_false(wire_hex_parse("0 ", 2, back));
  assert_true(wire_hex_parse("", 0, back));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_read_big_endian),
    cmocka_unit_test(test_read_high_bits),
    cmocka_unit_test(test_read_past_end_is_sticky),
    cmocka_unit_test(test_read_u64_short_consumes_nothing),
    cmocka_unit_test(test_get_bytes),
    cmocka_unit_test(test_get_span),
    cmocka_unit_test(test_span_larger_than_buffer),
    cmocka_unit_test(test_empty_reader),
    cmocka_unit_test(test_write_big_endian),
    cmocka_unit_test(test_write_overflow_is_sticky),
    cmocka_unit_test(test_write_u64_short),
    cmocka_unit_test(test_write_empty),
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_hex),
  };

  return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
