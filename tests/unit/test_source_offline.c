/* ntp_source: auto_offline on the recording platform. A request that
 * cannot be sent (the platform's send fails: no route) takes a source with
 * auto_offline offline, as chronyd does: it stops polling and says
 * "Source ADDRESS offline"; online (chronyc) starts it again. Without the
 * option it keeps polling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/client.h"
#include "core/discipline.h"
#include "core/ntp_source.h"
#include "core/tclass.h"
#include "fake_platform.h"

struct fixture {
  struct fake_platform fp;       /* first: the log callback's ctx */
  struct platform_ops ops;
  struct platform plat;
  struct discipline disc;
  struct tclass cls;
  struct nsrc src;
  char last_log[256];
};

static void record_log(void *ctx, int level, const char *msg)
{
  struct fixture *f = ctx;
  (void)level;
  snprintf(f->last_log, sizeof(f->last_log), "%s", msg);
}

static void on_update(void *arg, struct nsrc *src, bool new_sample)
{
  (void)arg, (void)src, (void)new_sample;
}

static struct fixture *start(bool auto_offline)
{
  struct fixture *f = calloc(1, sizeof(*f));
  struct client_source_params p;
  assert_non_null(f);
  fake_platform_init(&f->fp);
  f->ops = *f->fp.plat.ops;
  f->ops.log = record_log;
  f->plat = (struct platform){&f->ops, &f->fp};
  disc_init(&f->disc, &f->plat, false, true, 0.0, 83333.333, 500000.0);
  client_source_defaults(&p);
  assert_true(addr_parse("192.0.2.1", &p.addr));
  p.auto_offline = auto_offline;
  tclass_init(&f->cls, &f->plat, &f->disc);
  nsrc_init(&f->src, &p, &f->plat, NULL, &f->disc, &f->cls, on_update, f);
  nsrc_start(&f->src);
  return f;
}

static void stop(struct fixture *f)
{
  nsrc_fini(&f->src);
  disc_fini(&f->disc);
  free(f);
}

/* Run the armed timer (the next transmission). */
static void fire(struct fixture *f)
{
  plat_timer_fn fn = f->fp.timer_fn;
  assert_non_null(fn);
  f->fp.timer_fn = NULL;
  fn(f->fp.timer_arg);
}

static void test_failed_send_takes_it_offline(void **state)
{
  (void)state;
  struct fixture *f = start(true);
  fire(f);                                   /* sent */
  assert_int_equal(f->fp.n_sends, 1);
  assert_true(f->src.online);
  assert_non_null(f->fp.timer_fn);
  f->fp.send_result = -101;                  /* ENETUNREACH */
  fire(f);
  assert_false(f->src.online);
  assert_null(f->fp.timer_fn);               /* no more polling */
  assert_string_equal(f->last_log, "Source 192.0.2.1 offline");
  f->fp.send_result = 0;
  nsrc_set_online(&f->src, true);
  assert_string_equal(f->last_log, "Source 192.0.2.1 online");
  fire(f);
  assert_int_equal(f->fp.n_sends, 2);
  assert_true(f->src.online);
  stop(f);
}

static void test_without_the_option_it_keeps_polling(void **state)
{
  (void)state;
  struct fixture *f = start(false);
  f->fp.send_result = -101;
  fire(f);
  fire(f);
  assert_true(f->src.online);
  assert_non_null(f->fp.timer_fn);
  stop(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_failed_send_takes_it_offline),
    cmocka_unit_test(test_without_the_option_it_keeps_polling),
  };
  return cmocka_run_group_tests_name("source_offline", tests, NULL, NULL);
}
