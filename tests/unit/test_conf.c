/* Tests of the configuration parser: every directive family is accepted
 * with its options and defaults, every error path is rejected with its
 * FILE:LINE: directive: message, files and includes, printing round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf_client.h"
#include "conf/conf_directives.h"
#include "conf/conf_source.h"
#include "conf/config.h"

#ifndef STRATUM_SOURCE_ROOT
#error "STRATUM_SOURCE_ROOT must name the source tree"
#endif

struct fixture {
  struct config c;
  struct conf_diag d;
};

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  conf_init(&f->c);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  conf_free(&f->c);
  conf_diag_free(&f->d);
  free(f);
  return 0;
}

static void dump_diag(const struct conf_diag *d)
{
  for (unsigned i = 0; i < d->n; i++)
    print_message("  %s: %s\n", d->items[i].severity == CONF_ERROR ? "error" : "warning",
                  d->items[i].text);
}

static bool has_message(const struct conf_diag *d, enum conf_severity sev, const char *text)
{
  for (unsigned i = 0; i < d->n; i++) {
    if (d->items[i].severity == sev && strcmp(d->items[i].text, text) == 0)
      return true;
  }
  return false;
}

static unsigned count_warnings(const struct conf_diag *d)
{
  return d->n - d->n_errors;
}

/* Parse text that must be accepted. */
static void parse_ok(struct fixture *f, const char *text)
{
  conf_parse_text(&f->c, text, strlen(text), "t.conf", &f->d);
  if (f->d.n_errors) {
    dump_diag(&f->d);
    fail_msg("unexpected errors for: %s", text);
  }
}

/* Text that must give exactly one error, with this message. */
static void check_error(const char *text, const char *message)
{
  struct config c;
  struct conf_diag d = {0};
  conf_init(&c);
  int n = conf_parse_text(&c, text, strlen(text), "t.conf", &d);
  if (n != 1 || d.n_errors != 1 || !has_message(&d, CONF_ERROR, message)) {
    dump_diag(&d);
    fail_msg("for \"%s\" expected the single error \"%s\"", text, message);
  }
  conf_free(&c);
  conf_diag_free(&d);
}

/* Text that must be rejected; the message must start with prefix. */
static void check_rejected(const char *text, const char *prefix)
{
  struct config c;
  struct conf_diag d = {0};
  conf_init(&c);
  conf_parse_text(&c, text, strlen(text), "t.conf", &d);
  bool found = false;
  for (unsigned i = 0; i < d.n; i++)
    found = found || (d.items[i].severity == CONF_ERROR &&
                      strncmp(d.items[i].text, prefix, strlen(prefix)) == 0);
  if (d.n_errors != 1 || !found) {
    dump_diag(&d);
    fail_msg("for \"%s\" expected one error starting \"%s\"", text, prefix);
  }
  conf_free(&c);
  conf_diag_free(&d);
}

static char *read_text(const char *path, size_t *len)
{
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  char *buf = malloc(1 << 20);
  *len = fread(buf, 1, 1 << 20, fp);
  fclose(fp);
  return buf;
}

static char *print_config(const struct config *c)
{
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  conf_print(c, out);
  fclose(out);
  return text;
}

/* ---- lines, comments, words ---- */

static void test_comments_and_blank_lines(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "# hash\n! bang\n; semicolon\n% percent\n   # indented\n\t; tab\n\n   \n"
              "#port 1\n");
  assert_int_equal(f->d.n, 0);
  assert_int_equal(f->c.port, 123);
}

static void test_case_and_spacing(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "  PORT\t\t1123  \r\nServer  a.example  IBURST\tMinPoll 3\r\n");
  assert_int_equal(f->c.port, 1123);
  assert_int_equal(f->c.n_sources, 1);
  assert_true(f->c.sources[0].client.iburst);
  assert_int_equal(f->c.sources[0].client.minpoll, 3);
  assert_string_equal(f->c.sources[0].name, "a.example");
}

static void test_no_trailing_comments(void **state)
{
  (void)state;
  /* chrony only knows comment lines: '#' after a directive is a word. */
  check_error("server a.example iburst # main\n", "t.conf:1: server: unknown option '#'");
  check_error("port 123 # ntp\n", "t.conf:1: port: too many arguments (usage: port PORT)");
}

static void test_line_length(void **state)
{
  struct fixture *f = *state;
  char line[CONF_LINE_MAX + 16];
  /* 2046 characters and the newline: the longest line chrony reads. */
  memset(line, ' ', sizeof(line));
  memcpy(line, "port 5", 6);
  line[CONF_LINE_MAX - 2] = '\n';
  parse_ok(f, (line[CONF_LINE_MAX - 1] = '\0', line));
  assert_int_equal(f->c.port, 5);
  line[CONF_LINE_MAX - 2] = ' ';
  line[CONF_LINE_MAX - 1] = '\n';
  line[CONF_LINE_MAX] = '\0';
  check_error(line, "t.conf:1: port: line too long (at most 2047 characters with the newline)");
  /* A long comment is an error too, as in chrony. */
  line[0] = '#';
  check_rejected(line, "t.conf:1: #ort: line too long");
}

static void test_nul_byte(void **state)
{
  struct fixture *f = *state;
  static const char text[] = "port 1\nport 2\0junk\nport 3\n";
  conf_parse_text(&f->c, text, sizeof(text) - 1, "t.conf", &f->d);
  assert_int_equal(f->d.n_errors, 1);
  assert_true(has_message(&f->d, CONF_ERROR, "t.conf:2: port: line contains a NUL byte"));
  assert_int_equal(f->c.port, 3);
}

static void test_last_line_without_newline(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "port 9");
  assert_int_equal(f->c.port, 9);
}

/* ---- errors: format, collection, limits ---- */

static void test_unknown_directive(void **state)
{
  (void)state;
  check_error("\n\nfoo bar\n", "t.conf:3: foo: unknown directive");
  check_error("server_ a\n", "t.conf:1: server_: unknown directive");
}

static void test_all_errors_collected(void **state)
{
  struct fixture *f = *state;
  const char *text = "port 70000\nallow 300.1.1.1\nserver\nlocal stratum 0\nport 1\nbogus\n";
  int n = conf_parse_text(&f->c, text, strlen(text), "/etc/chrony.conf", &f->d);
  assert_int_equal(n, 5);
  assert_int_equal(f->d.n_errors, 5);
  assert_true(has_message(&f->d, CONF_ERROR,
                          "/etc/chrony.conf:1: port: expected a port number 0-65535, got '70000'"));
  assert_true(has_message(&f->d, CONF_ERROR, "/etc/chrony.conf:2: allow: expected an IP "
                          "address, subnet (ADDRESS[/BITS]) or host name, got '300.1.1.1'"));
  assert_true(has_message(&f->d, CONF_ERROR, "/etc/chrony.conf:3: server: missing argument "
                          "(usage: server NAME [OPTION]...)"));
  assert_true(has_message(&f->d, CONF_ERROR, "/etc/chrony.conf:4: local: stratum: expected "
                          "an integer 1-15, got '0'"));
  assert_true(has_message(&f->d, CONF_ERROR, "/etc/chrony.conf:6: bogus: unknown directive"));
}

static void test_diag_is_bounded(void **state)
{
  struct fixture *f = *state;
  size_t n = 3000;
  char *text = malloc(n * 4 + 1);
  for (size_t i = 0; i < n; i++)
    memcpy(text + i * 4, "xyz\n", 4);
  conf_parse_text(&f->c, text, n * 4, "t.conf", &f->d);
  free(text);
  assert_int_equal(f->d.n_errors, n);
  assert_true(f->d.n <= 1001);
  assert_string_equal(f->d.items[f->d.n - 1].text, "too many messages, the rest are not shown");
}

static void test_long_word_in_message(void **state)
{
  (void)state;
  char text[600];
  char expect[200];
  memset(text, '9', sizeof(text));
  memcpy(text, "port ", 5);
  strcpy(text + 400, "\n");
  /* The message quotes at most 64 characters of the bad word. */
  snprintf(expect, sizeof(expect), "t.conf:1: port: expected a port number 0-65535, got '%.64s'",
           text + 5);
  check_error(text, expect);
}

/* ---- warnings ---- */

/* An option and a directive of the same name are told apart: the source
 * option ntsport (the client's NTS-KE port) and the directive (the
 * server's) each set their own. */
static void test_option_and_directive_warned_apart(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "server 192.0.2.1 ntsport 1\nntsport 4461\nserver 192.0.2.2 nts\n");
  assert_int_equal(count_warnings(&f->d), 0);
  assert_int_equal(f->c.sources[0].client.ntsport, 1);
  assert_int_equal(f->c.sources[1].client.ntsport, 4460);
  assert_int_equal(f->c.ntsport, 4461);
}

/* Names are lowercase and unique; the table ends. */
static void test_directive_names(void **state)
{
  (void)state;
  for (unsigned i = 0; i < conf_directive_count(); i++) {
    const struct conf_directive *d = conf_directive_at(i);
    for (const char *p = d->name; *p; p++)
      assert_false(*p >= 'A' && *p <= 'Z');
    assert_ptr_equal(conf_directive_find(d->name), d);
  }
  assert_null(conf_directive_at(conf_directive_count()));
}

static void test_obsolete_directives(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "dumponexit\ncommandkey 1\ngeneratecommandkey\nlinux_freq_scale 0.99\n"
              "LINUX_HZ 100\ndumponexit\n");
  /* chronyd 4.8: "linux_hz directive is no longer supported"; dumponexit
   * silently ignored. */
  assert_int_equal(count_warnings(&f->d), 4);
  assert_true(has_message(&f->d, CONF_WARNING,
                          "t.conf:2: commandkey: directive is no longer supported"));
  assert_true(has_message(&f->d, CONF_WARNING,
                          "t.conf:5: linux_hz: directive is no longer supported"));
}

/* ---- port and plain values ---- */

static void test_port(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(f->c.port, 123);
  parse_ok(f, "port 0\n");
  assert_int_equal(f->c.port, 0);
  parse_ok(f, "port 65535\n");
  assert_int_equal(f->c.port, 65535);
  check_error("port 70000\n", "t.conf:1: port: expected a port number 0-65535, got '70000'");
  check_error("port -1\n", "t.conf:1: port: expected a port number 0-65535, got '-1'");
  check_error("port abc\n", "t.conf:1: port: expected a port number 0-65535, got 'abc'");
  check_error("port 12x\n", "t.conf:1: port: expected a port number 0-65535, got '12x'");
  check_error("port 1.5\n", "t.conf:1: port: expected a port number 0-65535, got '1.5'");
  check_error("port\n", "t.conf:1: port: missing argument (usage: port PORT)");
  check_error("port 1 2\n", "t.conf:1: port: too many arguments (usage: port PORT)");
  check_error("cmdport 99999999999999999999\n",
              "t.conf:1: cmdport: expected a port number 0-65535, got '99999999999999999999'");
}

static void test_int_directives(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "dscp 63\nminsources 3\nsched_priority 100\nptpdomain 0\nmaxsamples 0\n"
              "acquisitionport 0\nmaxtxbuffers 1048576\nlogbanner 0\n");
  assert_int_equal(f->c.dscp, 63);
  assert_int_equal(f->c.minsources, 3);
  assert_int_equal(f->c.sched_priority, 100);
  assert_int_equal(f->c.ptpdomain, 0);
  assert_int_equal(f->c.acquisitionport, 0);
  assert_int_equal(f->c.maxtxbuffers, 1048576);
  check_error("dscp 64\n", "t.conf:1: dscp: expected an integer 0-63, got '64'");
  check_error("minsources 0\n", "t.conf:1: minsources: expected an integer >= 1, got '0'");
  check_error("sched_priority -1\n",
              "t.conf:1: sched_priority: expected an integer 0-100, got '-1'");
  check_error("ntsprocesses 1001\n",
              "t.conf:1: ntsprocesses: expected an integer 0-1000, got '1001'");
  check_error("maxsamples 1e3\n", "t.conf:1: maxsamples: expected an integer >= 0, got '1e3'");
  check_error("refresh 2147483648\n",
              "t.conf:1: refresh: expected an integer >= 0, got '2147483648'");
  check_error("acquisitionport 65536\n",
              "t.conf:1: acquisitionport: expected an integer 0-65535, got '65536'");
  check_error("serverworkers 65\n", "t.conf:1: serverworkers: expected an integer 0-64, got '65'");
  check_error("serverworkers -1\n", "t.conf:1: serverworkers: expected an integer 0-64, got '-1'");
}

static void test_double_directives(void **state)
{
  struct fixture *f = *state;
  assert_true(f->c.maxdistance == 3.0);
  parse_ok(f, "maxdistance 16\nmaxdrift 1e3\ncombinelimit 0\nreselectdist -1e-4\n"
              "clockprecision 0x1p-30\nmaxslewrate +500.25\n");
  assert_true(f->c.maxdistance == 16.0);
  assert_true(f->c.maxdrift == 1000.0);
  assert_true(f->c.combinelimit == 0.0);
  assert_true(f->c.reselectdist == -1e-4);
  assert_true(f->c.clockprecision == 0x1p-30);
  assert_true(f->c.maxslewrate == 500.25);
  check_error("maxdistance 1.5s\n", "t.conf:1: maxdistance: expected a number, got '1.5s'");
  check_error("maxdistance nan\n", "t.conf:1: maxdistance: expected a number, got 'nan'");
  check_error("maxjitter inf\n", "t.conf:1: maxjitter: expected a number, got 'inf'");
  check_error("logchange 1e999\n", "t.conf:1: logchange: expected a number, got '1e999'");
  check_error("maxupdateskew inf\n", "t.conf:1: maxupdateskew: expected a number, got 'inf'");
  check_error("makestep inf 3\n", "t.conf:1: makestep: expected a number, got 'inf'");
  check_error("server 192.0.2.1 maxdelay -nan\n",
              "t.conf:1: server: maxdelay: expected a number, got '-nan'");
  check_error("maxupdateskew\n",
              "t.conf:1: maxupdateskew: missing argument (usage: maxupdateskew SKEW-IN-PPM)");
}

static void test_flag_directives(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "rtcsync\nmanual\nlock_all\nnoclientlog\nrtconutc\nnosystemcert\n");
  assert_true(f->c.rtcsync && f->c.manual && f->c.lock_all && f->c.noclientlog &&
              f->c.rtconutc && f->c.nosystemcert);
  check_error("rtcsync yes\n", "t.conf:1: rtcsync: too many arguments (usage: rtcsync)");
}

static void test_string_directives(void **state)
{
  struct fixture *f = *state;
  assert_null(f->c.keyfile);
  assert_string_equal(f->c.user, CONF_DEFAULT_USER);
  assert_string_equal(f->c.rtcdevice, CONF_DEFAULT_RTCDEVICE);
  parse_ok(f, "keyfile /etc/chrony.keys\nlogdir /var/log/chrony\ndumpdir /run/chrony\n"
              "user _chrony\nleapsectz right/UTC\nntscachedir /var/cache/nts\n"
              "keyfile /etc/other.keys\n");
  assert_string_equal(f->c.keyfile, "/etc/other.keys");
  assert_string_equal(f->c.logdir, "/var/log/chrony");
  assert_string_equal(f->c.dumpdir, "/run/chrony");
  assert_string_equal(f->c.user, "_chrony");
  assert_string_equal(f->c.leapsectz, "right/UTC");
  assert_string_equal(f->c.ntsdumpdir, "/var/cache/nts");
  check_error("keyfile\n", "t.conf:1: keyfile: missing argument (usage: keyfile FILE)");
  check_error("logdir a b\n", "t.conf:1: logdir: too many arguments (usage: logdir DIRECTORY)");
}

static void test_keyword_directives(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(f->c.leapsecmode, CONF_LEAPSEC_SYSTEM);
  assert_int_equal(f->c.authselectmode, CONF_AUTHSELECT_MIX);
  parse_ok(f, "leapsecmode SLEW\nauthselectmode require\n");
  assert_int_equal(f->c.leapsecmode, CONF_LEAPSEC_SLEW);
  assert_int_equal(f->c.authselectmode, CONF_AUTHSELECT_REQUIRE);
  check_error("leapsecmode smear\n", "t.conf:1: leapsecmode: expected one of system slew "
              "step ignore, got 'smear'");
  check_error("authselectmode\n",
              "t.conf:1: authselectmode: missing argument (usage: authselectmode MODE)");
}

/* leapsectz, leapseclist and leapsecmode act: no "not implemented"
 * warning, bad values are file:line errors. */
static void test_leap_directives(void **state)
{
  struct fixture *f = *state;
  assert_null(f->c.leapsectz);
  assert_null(f->c.leapseclist);
  parse_ok(f, "leapsectz right/UTC\nleapseclist /usr/share/zoneinfo/leap-seconds.list\n"
              "leapsecmode ignore\n");
  assert_string_equal(f->c.leapsectz, "right/UTC");
  assert_string_equal(f->c.leapseclist, "/usr/share/zoneinfo/leap-seconds.list");
  assert_int_equal(f->c.leapsecmode, CONF_LEAPSEC_IGNORE);
  assert_int_equal(f->d.n, 0);             /* not even a warning */
  check_error("leapsectz\n", "t.conf:1: leapsectz: missing argument (usage: leapsectz TIMEZONE)");
  check_error("leapsectz right/UTC UTC\n",
              "t.conf:1: leapsectz: too many arguments (usage: leapsectz TIMEZONE)");
  check_error("leapseclist\n", "t.conf:1: leapseclist: missing argument (usage: leapseclist FILE)");
  check_error("leapseclist a b\n",
              "t.conf:1: leapseclist: too many arguments (usage: leapseclist FILE)");
  check_error("leapsecmode\n", "t.conf:1: leapsecmode: missing argument (usage: leapsecmode MODE)");
  check_error("leapsecmode step slew\n",
              "t.conf:1: leapsecmode: too many arguments (usage: leapsecmode MODE)");
  check_error("leapsecmode kernel\n", "t.conf:1: leapsecmode: expected one of system slew "
              "step ignore, got 'kernel'");
}

static void test_clientloglimit(void **state)
{
  struct fixture *f = *state;
  assert_true(f->c.clientloglimit == 524288);
  parse_ok(f, "clientloglimit 10000000000\n");
  assert_true(f->c.clientloglimit == 10000000000ULL);
  check_error("clientloglimit -5\n",
              "t.conf:1: clientloglimit: expected an integer >= 0, got '-5'");
  check_error("clientloglimit 99999999999999999999\n", "t.conf:1: clientloglimit: expected "
              "an integer >= 0, got '99999999999999999999'");
}

/* ---- directives with several arguments ---- */

static void test_makestep(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(f->c.makestep_limit, 0);
  parse_ok(f, "makestep 1.0 3\n");
  assert_true(f->c.makestep_threshold == 1.0);
  assert_int_equal(f->c.makestep_limit, 3);
  parse_ok(f, "makestep 0.1 -1\n");
  assert_int_equal(f->c.makestep_limit, -1);
  check_error("makestep 1.0\n",
              "t.conf:1: makestep: missing argument (usage: makestep THRESHOLD LIMIT)");
  check_error("makestep 1 2 3\n",
              "t.conf:1: makestep: too many arguments (usage: makestep THRESHOLD LIMIT)");
  check_error("makestep x 3\n", "t.conf:1: makestep: expected a number, got 'x'");
  check_error("makestep 1 3.5\n", "t.conf:1: makestep: expected an integer, got '3.5'");
}

static void test_maxchange_fallbackdrift_mailonchange(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(f->c.maxchange_start, -1);
  parse_ok(f, "maxchange 1000 1 2\nfallbackdrift 16 19\nmailonchange root@localhost 0.5\n");
  assert_true(f->c.maxchange_offset == 1000.0);
  assert_int_equal(f->c.maxchange_start, 1);
  assert_int_equal(f->c.maxchange_ignore, 2);
  assert_int_equal(f->c.fallbackdrift_min, 16);
  assert_int_equal(f->c.fallbackdrift_max, 19);
  assert_string_equal(f->c.mailonchange_address, "root@localhost");
  assert_true(f->c.mailonchange_threshold == 0.5);
  check_error("maxchange 1000 1\n", "t.conf:1: maxchange: missing argument "
              "(usage: maxchange OFFSET START IGNORE)");
  check_error("fallbackdrift 16 40\n",
              "t.conf:1: fallbackdrift: expected an integer from -32 to 32, got '40'");
  check_error("mailonchange root@localhost\n", "t.conf:1: mailonchange: missing argument "
              "(usage: mailonchange EMAIL THRESHOLD)");
}

static void test_smoothtime(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "smoothtime 400 0.001024 leaponly\n");
  assert_true(f->c.smoothtime_maxfreq == 400.0);
  assert_true(f->c.smoothtime_maxwander == 0.001024);
  assert_true(f->c.smoothtime_leaponly);
  parse_ok(f, "smoothtime 50000 0.01\n");   /* a later directive replaces all */
  assert_false(f->c.smoothtime_leaponly);
  check_error("smoothtime 400 0.001 always\n",
              "t.conf:1: smoothtime: expected 'leaponly', got 'always'");
  check_error("smoothtime 400\n", "t.conf:1: smoothtime: missing argument "
              "(usage: smoothtime MAX-FREQ MAX-WANDER [leaponly])");
}

static void test_driftfile(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "driftfile /var/lib/chrony/drift\n");
  assert_string_equal(f->c.driftfile, "/var/lib/chrony/drift");
  assert_int_equal(f->c.driftfile_interval, 3600);
  parse_ok(f, "driftfile /d interval 60\n");
  assert_int_equal(f->c.driftfile_interval, 60);
  check_error("driftfile /d every 60\n", "t.conf:1: driftfile: unknown option 'every'");
  check_error("driftfile /d interval\n", "t.conf:1: driftfile: missing argument "
              "(usage: driftfile FILE [interval SECONDS])");
  check_error("driftfile /d interval x\n",
              "t.conf:1: driftfile: interval: expected an integer >= 0, got 'x'");
  check_error("driftfile\n", "t.conf:1: driftfile: missing argument "
              "(usage: driftfile FILE [interval SECONDS])");
}

static void test_tempcomp(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "tempcomp /sys/temp 30 26000 0.0 0.000183 0.0\n");
  assert_string_equal(f->c.tempcomp_sensor, "/sys/temp");
  assert_null(f->c.tempcomp_points);
  assert_true(f->c.tempcomp_t0 == 26000.0 && f->c.tempcomp_k1 == 0.000183);
  parse_ok(f, "tempcomp /sys/temp 30 /etc/chrony.tempcomp\n");
  assert_string_equal(f->c.tempcomp_points, "/etc/chrony.tempcomp");
  assert_true(f->c.tempcomp_interval == 30.0);
  check_rejected("tempcomp /sys/temp 30 1 2\n", "t.conf:1: tempcomp: missing argument");
  check_error("tempcomp /sys/temp x /p\n", "t.conf:1: tempcomp: expected a number, got 'x'");
}

static void test_initstepslew(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "initstepslew 30 a.example b.example\n");
  assert_true(f->c.initstepslew);
  assert_true(f->c.initstepslew_threshold == 30.0);
  assert_int_equal(f->c.initstepslew_hosts.n, 2);
  assert_string_equal(f->c.initstepslew_hosts.v[1], "b.example");
  parse_ok(f, "initstepslew 1\n");
  assert_int_equal(f->c.initstepslew_hosts.n, 0);
  check_error("initstepslew a.example\n",
              "t.conf:1: initstepslew: expected a number, got 'a.example'");
}

/* ---- NTP server ---- */

static void test_allow_deny_forms(void **state)
{
  struct fixture *f = *state;
  char buf[ADDR_STR_LEN];
  parse_ok(f, "allow\nallow all\ndeny 1.2.3.4\nallow 192.168.1\nallow 10\n"
              "deny all 172.16.0.0/12\nallow 2001:db8::/32\nallow ::1/64\nallow 0/0\n"
              "allow 1.2.3.4/24\n");
  const struct conf_list_access *a = &f->c.access;
  assert_int_equal(a->n, 10);
  assert_true(a->items[0].allow && !a->items[0].all);
  assert_int_equal(a->items[0].net.addr.family, ADDR_UNSPEC);
  assert_int_equal(a->items[0].net.prefix, 0);
  assert_true(a->items[1].allow && a->items[1].all);
  assert_int_equal(a->items[1].net.addr.family, ADDR_UNSPEC);
  assert_false(a->items[2].allow);
  assert_string_equal(subnet_format(&a->items[2].net, buf), "1.2.3.4/32");
  assert_string_equal(subnet_format(&a->items[3].net, buf), "192.168.1.0/24");
  assert_string_equal(subnet_format(&a->items[4].net, buf), "10.0.0.0/8");
  assert_true(!a->items[5].allow && a->items[5].all);
  assert_string_equal(subnet_format(&a->items[5].net, buf), "172.16.0.0/12");
  assert_string_equal(subnet_format(&a->items[6].net, buf), "2001:db8::/32");
  assert_string_equal(subnet_format(&a->items[7].net, buf), "::/64");
  assert_string_equal(subnet_format(&a->items[8].net, buf), "0.0.0.0/0");
  assert_string_equal(subnet_format(&a->items[9].net, buf), "1.2.3.0/24");
  assert_int_equal(f->c.cmd_access.n, 0);
  parse_ok(f, "cmdallow 10.1\ncmddeny all\n");
  assert_int_equal(f->c.cmd_access.n, 2);
  assert_int_equal(f->c.access.n, 10);
}

static void test_allow_deny_errors(void **state)
{
  (void)state;
  const char *msg = "expected an IP address, subnet (ADDRESS[/BITS]) or host name";
  char expect[200];
  static const char *const bad[] = {"300.1.1.1", "10.0.0.0/33", "::/129", "1.2.3.4/-1",
                                    "1.2.3.4/abc", "ntp.example/24", "-host", ".host",
                                    "host!", "ho\\st"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char text[64];
    snprintf(text, sizeof(text), "allow %s\n", bad[i]);
    snprintf(expect, sizeof(expect), "t.conf:1: allow: %s, got '%s'", msg, bad[i]);
    check_error(text, expect);
  }
  check_error("deny 1.2.3.4 5.6.7.8\n",
              "t.conf:1: deny: too many arguments (usage: deny [all] [ADDRESS[/BITS]|NAME])");
  check_error("allow all 1.2.3.4 all\n", "t.conf:1: allow: too many arguments (usage: allow "
              "[all] [ADDRESS[/BITS]|NAME])");
  check_error("cmdallow 1.2.3.999\n", "t.conf:1: cmdallow: expected an IP address, subnet "
              "(ADDRESS[/BITS]) or host name, got '1.2.3.999'");
}

/* A fake resolver: "ntp.example" is 192.0.2.7, "v6.example" 2001:db8::7. */
static bool fake_resolve(void *arg, const char *name, struct ip_addr *out)
{
  (*(int *)arg)++;
  if (strcmp(name, "ntp.example") == 0)
    return addr_parse("192.0.2.7", out);
  if (strcmp(name, "v6.example") == 0)
    return addr_parse("2001:db8::7", out);
  return false;
}

/* Host names as chronyd takes them: the first address, /32 or /128; one
 * that does not resolve is an error at its line, never a wider rule. */
static void test_allow_host_names(void **state)
{
  struct fixture *f = *state;
  char buf[ADDR_STR_LEN];
  int calls = 0;
  parse_ok(f, "allow ntp.example\ndeny all v6.example\ncmdallow ntp.example\nallow 1.2\n");
  conf_access_resolve(&f->c, fake_resolve, &calls, &f->d);
  assert_int_equal(calls, 3);
  assert_int_equal(f->d.n_errors, 0);
  assert_string_equal(subnet_format(&f->c.access.items[0].net, buf), "192.0.2.7/32");
  assert_string_equal(subnet_format(&f->c.access.items[1].net, buf), "2001:db8::7/128");
  assert_true(f->c.access.items[1].all);
  assert_string_equal(subnet_format(&f->c.cmd_access.items[0].net, buf), "192.0.2.7/32");
  parse_ok(f, "allow\nallow localhost.invalid\n");
  conf_access_resolve(&f->c, fake_resolve, &calls, &f->d);
  assert_int_equal(f->d.n_errors, 1);
  assert_true(has_message(&f->d, CONF_ERROR,
                          "t.conf:2: allow: could not resolve address of localhost.invalid"));
}

static void test_bindaddress(void **state)
{
  struct fixture *f = *state;
  char buf[ADDR_STR_LEN];
  assert_false(f->c.have_bind4 || f->c.have_bind6);
  parse_ok(f, "bindaddress 192.0.2.1\nbindaddress ::1\nbindaddress 192.0.2.2\n");
  assert_true(f->c.have_bind4 && f->c.have_bind6);
  assert_string_equal(addr_format(&f->c.bind4, buf), "192.0.2.2");
  assert_string_equal(addr_format(&f->c.bind6, buf), "::1");
  parse_ok(f, "bindacqaddress 0.0.0.0\nbindcmdaddress 127.0.0.1\n");
  assert_true(f->c.have_bindacq4 && !f->c.have_bindacq6 && f->c.have_bindcmd4);
  check_error("bindaddress 192.0.2.0/24\n", "t.conf:1: bindaddress: expected an IPv4 or "
              "IPv6 address, got '192.0.2.0/24'");
  check_error("bindaddress localhost\n", "t.conf:1: bindaddress: expected an IPv4 or IPv6 "
              "address, got 'localhost'");
  check_error("bindaddress\n", "t.conf:1: bindaddress: missing argument "
              "(usage: bindaddress ADDRESS)");
}

static void test_bindcmdaddress_path_and_pidfile(void **state)
{
  struct fixture *f = *state;
  assert_string_equal(f->c.bindcmdpath, CONF_DEFAULT_CMDSOCKET);
  assert_string_equal(f->c.pidfile, CONF_DEFAULT_PIDFILE);
  parse_ok(f, "bindcmdaddress /run/x.sock\npidfile /run/x.pid\n");
  assert_string_equal(f->c.bindcmdpath, "/run/x.sock");
  assert_string_equal(f->c.pidfile, "/run/x.pid");
  parse_ok(f, "bindcmdaddress /\npidfile /\n");   /* "/" disables them */
  assert_null(f->c.bindcmdpath);
  assert_null(f->c.pidfile);
  check_error("bindcmdaddress sock\n", "t.conf:1: bindcmdaddress: expected an IPv4 or IPv6 "
              "address, got 'sock'");
}

/* metricsport PORT (default 0: off), bindmetricsaddress ADDRESS (one per
 * family, default loopback: none set here), and their rejections. */
static void test_metrics_directives(void **state)
{
  struct fixture *f = *state;
  char buf[ADDR_STR_LEN];
  assert_int_equal(f->c.metricsport, 0);
  assert_false(f->c.have_bindmetrics4 || f->c.have_bindmetrics6);
  parse_ok(f, "metricsport 9123\nbindmetricsaddress 0.0.0.0\nbindmetricsaddress ::\n"
              "bindmetricsaddress 192.0.2.7\n");
  assert_int_equal(f->c.metricsport, 9123);
  assert_true(f->c.have_bindmetrics4 && f->c.have_bindmetrics6);
  assert_string_equal(addr_format(&f->c.bindmetrics4, buf), "192.0.2.7");
  assert_string_equal(addr_format(&f->c.bindmetrics6, buf), "::");
  check_error("metricsport 65536\n", "t.conf:1: metricsport: expected a port number 0-65535, "
              "got '65536'");
  check_error("metricsport -1\n", "t.conf:1: metricsport: expected a port number 0-65535, "
              "got '-1'");
  check_error("metricsport\n", "t.conf:1: metricsport: missing argument (usage: metricsport "
              "PORT)");
  check_error("metricsport 9123 9124\n", "t.conf:1: metricsport: too many arguments "
              "(usage: metricsport PORT)");
  check_error("bindmetricsaddress localhost\n", "t.conf:1: bindmetricsaddress: expected an "
              "IPv4 or IPv6 address, got 'localhost'");
  check_error("bindmetricsaddress /run/metrics.sock\n", "t.conf:1: bindmetricsaddress: "
              "expected an IPv4 or IPv6 address, got '/run/metrics.sock'");
  check_error("bindmetricsaddress 127.0.0.0/8\n", "t.conf:1: bindmetricsaddress: expected an "
              "IPv4 or IPv6 address, got '127.0.0.0/8'");
  check_error("bindmetricsaddress\n", "t.conf:1: bindmetricsaddress: missing argument "
              "(usage: bindmetricsaddress ADDRESS)");
}

static void test_broadcast(void **state)
{
  struct fixture *f = *state;
  char buf[ADDR_STR_LEN];
  parse_ok(f, "broadcast 32 192.168.1.255\nbroadcast 64 ff02::101 12123\n");
  assert_int_equal(f->c.n_broadcasts, 2);
  assert_int_equal(f->c.broadcasts[0].interval, 32);
  assert_int_equal(f->c.broadcasts[0].port, 123);
  assert_string_equal(addr_format(&f->c.broadcasts[1].addr, buf), "ff02::101");
  assert_int_equal(f->c.broadcasts[1].port, 12123);
  check_error("broadcast 32\n", "t.conf:1: broadcast: missing argument "
              "(usage: broadcast INTERVAL ADDRESS [PORT])");
  check_error("broadcast 0 1.2.3.255\n",
              "t.conf:1: broadcast: expected an integer >= 1, got '0'");
  check_error("broadcast 32 1.2.3.255 70000\n",
              "t.conf:1: broadcast: expected a port number 0-65535, got '70000'");
}

static void test_local(void **state)
{
  struct fixture *f = *state;
  assert_false(f->c.local);
  assert_int_equal(f->c.local_stratum, 10);
  assert_true(f->c.local_distance == 1.0);
  parse_ok(f, "local\n");
  assert_true(f->c.local);
  assert_int_equal(f->c.local_stratum, 10);
  assert_false(f->c.local_orphan);
  assert_true(f->c.local_waitunsynced == 0.0);
  parse_ok(f, "local stratum 8 orphan distance 0.1 activate 0.5\n");
  assert_int_equal(f->c.local_stratum, 8);
  assert_true(f->c.local_orphan);
  assert_true(f->c.local_distance == 0.1);
  assert_true(f->c.local_activate == 0.5);
  assert_true(f->c.local_waitunsynced == 300.0);   /* the orphan default */
  parse_ok(f, "local waitsynced 7200 waitunsynced 10\n");  /* starts from the defaults */
  assert_int_equal(f->c.local_stratum, 10);
  assert_false(f->c.local_orphan);
  assert_true(f->c.local_waitsynced == 7200.0);
  assert_true(f->c.local_waitunsynced == 10.0);
  check_error("local stratum 16\n",
              "t.conf:1: local: stratum: expected an integer 1-15, got '16'");
  check_error("local stratum\n", "t.conf:1: local: stratum: missing value");
  check_error("local level 3\n", "t.conf:1: local: unknown option 'level'");
  check_error("local distance far\n",
              "t.conf:1: local: distance: expected a number, got 'far'");
}

static void test_ratelimits(void **state)
{
  struct fixture *f = *state;
  assert_false(f->c.ratelimit.enabled);
  assert_int_equal(f->c.ratelimit.interval, 3);
  assert_int_equal(f->c.ntsratelimit.interval, 6);
  assert_int_equal(f->c.cmdratelimit.interval, -4);
  parse_ok(f, "ratelimit\n");
  assert_true(f->c.ratelimit.enabled);
  assert_int_equal(f->c.ratelimit.burst, 8);
  parse_ok(f, "ratelimit interval 1 burst 16 leak 3 kod 1\nntsratelimit burst 2\n"
              "cmdratelimit interval -2\n");
  assert_int_equal(f->c.ratelimit.interval, 1);
  assert_int_equal(f->c.ratelimit.burst, 16);
  assert_int_equal(f->c.ratelimit.leak, 3);
  assert_int_equal(f->c.ratelimit.kod, 1);
  assert_true(f->c.ntsratelimit.enabled && f->c.ntsratelimit.burst == 2);
  assert_true(f->c.cmdratelimit.enabled && f->c.cmdratelimit.interval == -2);
  check_error("ratelimit interval 33\n",
              "t.conf:1: ratelimit: interval: expected an integer from -32 to 32, got '33'");
  check_error("ratelimit burst\n", "t.conf:1: ratelimit: burst: missing value");
  check_error("ntsratelimit kod 1\n", "t.conf:1: ntsratelimit: unknown option 'kod'");
  check_error("ratelimit 1\n", "t.conf:1: ratelimit: unknown option '1'");
}

/* ---- sources ---- */

static void test_source_defaults(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "server a.example\npool b.example\npeer 192.0.2.9\n");
  assert_int_equal(f->c.n_sources, 3);
  const struct conf_source *s = &f->c.sources[0];
  assert_int_equal(s->type, CONF_SERVER);
  assert_int_equal(f->c.sources[1].type, CONF_POOL);
  assert_int_equal(f->c.sources[2].type, CONF_PEER);
  assert_int_equal(s->client.port, 123);
  assert_int_equal(s->client.minpoll, 6);
  assert_int_equal(s->client.maxpoll, 10);
  assert_int_equal(s->maxsources, 4);
  assert_int_equal(s->client.key, 0);
  assert_int_equal(s->client.version, 0);
  assert_int_equal(s->client.polltarget, 8);
  assert_int_equal(s->client.presend, 100);
  assert_int_equal(s->client.minsamples, -1);
  assert_int_equal(s->client.maxsamples, -1);
  assert_int_equal(s->client.ntsport, 4460);
  assert_int_equal(s->client.certset, 0);
  assert_int_equal(s->client.maxunreach, 100000);
  assert_int_equal(s->family, ADDR_UNSPEC);
  const struct client_source_params *c = &s->client;
  assert_true(c->maxdelay == 3.0 && c->maxdelayratio == 0.0 && c->maxdelaydevratio == 10.0);
  assert_true(c->asymmetry == 1.0 && c->offset == 0.0 && c->mindelay == 0.0);
  assert_false(c->iburst || c->burst || c->prefer || c->noselect || c->trust || c->require ||
               c->xleave || c->copy || c->nts || c->offline || c->auto_offline);
  assert_true(c->maxdelayquant == 0.0);
  assert_string_equal(s->file, "t.conf");
  assert_int_equal(f->c.sources[2].line, 3);
}

static void test_source_options(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "server a.example iburst burst key 10 minpoll -7 maxpoll 24 port 1123 "
              "version 3 minstratum 2 maxdelay 0.3 maxdelayratio 2 maxdelaydevratio 5 "
              "maxdelayquant 0.2 mindelay 1e-4 asymmetry -0.5 offset 5e-5 minsamples 8 "
              "maxsamples 32 maxunreach 9 filter 4 offline auto_offline prefer noselect trust "
              "require xleave polltarget 16 presend 9 copy extfield F323 extfield 0x10a "
              "ntsport 4461 certset 2 ipv6 maxsources 2\n");
  const struct conf_source *s = &f->c.sources[0];
  const struct client_source_params *c = &s->client;
  assert_true(c->iburst && c->burst && c->prefer && c->noselect && c->trust && c->require &&
              c->xleave && c->copy && c->offline && c->auto_offline);
  assert_int_equal(s->client.key, 10);
  assert_int_equal(s->client.minpoll, -7);
  assert_int_equal(s->client.maxpoll, 24);
  assert_int_equal(s->client.port, 1123);
  assert_int_equal(s->client.version, 3);
  assert_int_equal(s->client.minstratum, 2);
  assert_true(c->maxdelay == 0.3 && c->maxdelayratio == 2 && c->maxdelaydevratio == 5);
  assert_true(c->maxdelayquant == 0.2 && s->client.mindelay == 1e-4);
  assert_true(s->client.asymmetry == -0.5 && s->client.offset == 5e-5);
  assert_int_equal(s->client.minsamples, 8);
  assert_int_equal(s->client.maxsamples, 32);
  assert_int_equal(s->client.maxunreach, 9);
  assert_int_equal(s->client.filter, 4);
  assert_int_equal(s->client.polltarget, 16);
  assert_int_equal(s->client.presend, 9);
  assert_int_equal(s->client.ext_fields, CONF_EF_MONO_ROOT | CONF_EF_NET_CORRECTION);
  assert_int_equal(s->client.ntsport, 4461);
  assert_int_equal(s->client.certset, 2);
  assert_int_equal(s->family, ADDR_INET6);
  assert_int_equal(s->maxsources, 2);
  parse_ok(f, "pool p.example extfield f324 ipv6 ipv4 key 4294967295\n");
  assert_int_equal(f->c.sources[1].client.ext_fields, CONF_EF_NET_CORRECTION);
  assert_int_equal(f->c.sources[1].family, ADDR_INET4);
  assert_int_equal(f->c.sources[1].client.key, UINT32_MAX);
}

/* chronyc's add request carries a source as the option table says: lines
 * with every option it can carry come back the same (ipv4, ipv6 and
 * extfield 10A in chronyc 4.8's flags); a 0 in a field chronyc 4.3
 * reserved is the default; a request no chronyc sends is refused. */
static void test_source_request_round_trip(void **state)
{
  struct fixture *f = *state;
  struct cmd_req_source q;
  struct conf_source back;
  parse_ok(f, "pool p.example iburst burst key 10 minpoll 2 maxpoll 5 port 1123 version 3 "
              "minstratum 2 maxdelay 0.3 maxdelayratio 2 maxdelaydevratio 5 maxdelayquant 0.2 "
              "mindelay 1e-4 asymmetry -0.5 offset 5e-5 minsamples 8 maxsamples 32 "
              "maxunreach 9 filter 4 offline auto_offline prefer noselect trust require xleave "
              "polltarget 16 presend 9 copy extfield F323 ntsport 4461 certset 2 maxsources 2\n"
              "peer 192.0.2.1\nserver a ipv4\nserver a extfield 10A ipv6\n");
  for (unsigned i = 0; i < 4; i++) {
    const struct conf_source *s = &f->c.sources[i];
    assert_true(conf_source_to_request(s, &q));
    assert_int_equal(q.type, i == 0 ? CMD_ADDSRC_POOL : i == 1 ? CMD_ADDSRC_PEER
                                                                : CMD_ADDSRC_SERVER);
    assert_int_equal(conf_source_from_request(&q, &back), CMD_STT_SUCCESS);
    back.file = s->file;
    back.line = s->line;
    assert_memory_equal(&back, s, sizeof(back));
  }
  /* chronyc 4.8's flags (candm.h): F324 0x1000, ipv4 0x2000, ipv6 0x4000 */
  assert_int_equal(q.flags, CMD_ADDSRC_ONLINE | 0x1000 | 0x4000);
  assert_true(conf_source_to_request(&f->c.sources[2], &q));
  assert_int_equal(q.flags, CMD_ADDSRC_ONLINE | 0x2000);

  assert_true(conf_source_to_request(&f->c.sources[1], &q));
  q.max_unreach = 0;
  assert_int_equal(conf_source_from_request(&q, &back), CMD_STT_SUCCESS);
  assert_int_equal(back.client.maxunreach, CLIENT_DEFAULT_MAXUNREACH);
  q.port = 65536;
  assert_int_equal(conf_source_from_request(&q, &back), CMD_STT_INVALID);
  q.port = 123;
  q.type = 0;
  assert_int_equal(conf_source_from_request(&q, &back), CMD_STT_INVALID);
  q.type = CMD_ADDSRC_SERVER;
  memset(q.name, 'a', sizeof(q.name));
  assert_int_equal(conf_source_from_request(&q, &back), CMD_STT_INVALIDNAME);
  /* an address of the other family (110-chronyc: 515 Invalid address family) */
  snprintf(q.name, sizeof(q.name), "192.0.2.1");
  q.flags = CMD_ADDSRC_IPV6;
  assert_int_equal(conf_source_from_request(&q, &back), CMD_STT_INVALIDAF);
  q.flags = CMD_ADDSRC_IPV4;
  assert_int_equal(conf_source_from_request(&q, &back), CMD_STT_SUCCESS);
  snprintf(q.name, sizeof(q.name), "::1");
  assert_int_equal(conf_source_from_request(&q, &back), CMD_STT_INVALIDAF);
}

/* Options accepted but not acted on say so, once per configuration. */
static void test_options_once_ignored_act(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "server a copy maxdelayquant 0.5 extfield F323 certset 1 ntsport 1 maxunreach 3 "
              "auto_offline\nserver b copy\n"
              "local stratum 3 orphan distance 0.5 activate 1 waitsynced 2 waitunsynced 3\n");
  /* Every option of these lines acts: no warning. */
  assert_int_equal(count_warnings(&f->d), 0);
  assert_true(f->c.sources[1].client.copy);
}

static void test_source_errors(void **state)
{
  (void)state;
  check_error("server\n", "t.conf:1: server: missing argument (usage: server NAME [OPTION]...)");
  check_error("pool\n", "t.conf:1: pool: missing argument (usage: pool NAME [OPTION]...)");
  check_error("server a minpoll abc\n",
              "t.conf:1: server: minpoll: expected an integer, got 'abc'");
  check_error("server a maxpoll 1e3\n",
              "t.conf:1: server: maxpoll: expected an integer, got '1e3'");
  check_error("server a iburst fast\n", "t.conf:1: server: unknown option 'fast'");
  check_error("server a minpoll\n", "t.conf:1: server: minpoll: missing value");
  check_error("server a key 0\n",
              "t.conf:1: server: key: expected an integer 1-4294967295, got '0'");
  check_error("server a key 4294967296\n",
              "t.conf:1: server: key: expected an integer 1-4294967295, got '4294967296'");
  check_error("server a version 5\n",
              "t.conf:1: server: version: expected an integer 1-4, got '5'");
  check_error("server a port 65536\n",
              "t.conf:1: server: port: expected a port number 0-65535, got '65536'");
  check_error("pool a maxsources 0\n",
              "t.conf:1: pool: maxsources: expected an integer >= 1, got '0'");
  check_error("peer 192.0.2.1 nts\n",
              "t.conf:1: peer: nts: NTS not supported with peers, the peer is refused (it would "
              "not be authenticated)");
  check_error("server a maxdelay 1s\n",
              "t.conf:1: server: maxdelay: expected a number, got '1s'");
  check_error("server a extfield F325\n", "t.conf:1: server: extfield: expected a supported "
              "extension field F323 or 10A, got 'F325'");
  check_error("server a extfield -10A\n", "t.conf:1: server: extfield: expected a supported "
              "extension field F323 or 10A, got '-10A'");
  char text[400];
  memset(text, 'a', sizeof(text));
  memcpy(text, "server ", 7);
  strcpy(text + 7 + CONF_NAME_LEN, "\n");
  check_error(text, "t.conf:1: server: expected a name shorter than 256 characters");
}

/* One source line accepted with exactly this warning; *out gets the source. */
static void check_bounded(const char *text, const char *warning, struct conf_source *out)
{
  struct config c;
  struct conf_diag d = {0};
  conf_init(&c);
  conf_parse_text(&c, text, strlen(text), "t.conf", &d);
  if (d.n_errors || d.n != 1 || !has_message(&d, CONF_WARNING, warning)) {
    dump_diag(&d);
    fail_msg("for \"%s\" expected the single warning \"%s\"", text, warning);
  }
  assert_int_equal(c.n_sources, 1);
  *out = c.sources[0];
  conf_free(&c);
  conf_diag_free(&d);
}

/* chronyd reads any integer for these and limits it when it creates the
 * source (ntp_core.c, sourcestats.c): accepted, limited the same way, with
 * a warning that names the file and line. */
static void test_source_bounds(void **state)
{
  (void)state;
  struct conf_source s;
  check_bounded("server a minpoll -32\n",
                "t.conf:1: server: minpoll -32 is outside chronyd's limits, using 6", &s);
  assert_int_equal(s.client.minpoll, 6);   /* below -7: the default, not -7 */
  assert_int_equal(s.client.maxpoll, 10);
  check_bounded("server a minpoll -8\n",
                "t.conf:1: server: minpoll -8 is outside chronyd's limits, using 6", &s);
  assert_int_equal(s.client.minpoll, 6);
  check_bounded("server a minpoll 25\n",
                "t.conf:1: server: minpoll 25 is outside chronyd's limits, using 24", &s);
  assert_int_equal(s.client.minpoll, 24);
  assert_int_equal(s.client.maxpoll, 24);   /* raised to minpoll, no second warning */
  check_bounded("pool a maxpoll 99\n",
                "t.conf:1: pool: maxpoll 99 is outside chronyd's limits, using 24", &s);
  assert_int_equal(s.client.maxpoll, 24);
  check_bounded("peer a maxpoll -32\n",
                "t.conf:1: peer: maxpoll -32 is outside chronyd's limits, using 10", &s);
  assert_int_equal(s.client.maxpoll, 10);
  check_bounded("server a polltarget 0\n",
                "t.conf:1: server: polltarget 0 is outside chronyd's limits, using 1", &s);
  assert_int_equal(s.client.polltarget, 1);
  check_bounded("peer a minstratum 17\n",
                "t.conf:1: peer: minstratum 17 is outside chronyd's limits, using 15", &s);
  assert_int_equal(s.client.minstratum, 15);
  check_bounded("server a minsamples -5\n",
                "t.conf:1: server: minsamples -5 is outside chronyd's limits, using 1", &s);
  assert_int_equal(s.client.minsamples, 1);
  check_bounded("server a maxsamples 1000\n",
                "t.conf:1: server: maxsamples 1000 is outside chronyd's limits, using 64", &s);
  assert_int_equal(s.client.maxsamples, 64);
}

/* The limits themselves pass unchanged, without a warning; a limit moved
 * only to meet the other one (as chronyd does) is not warned about. */
static void test_source_bounds_kept(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "server a minpoll -7 maxpoll 24 polltarget 1 minstratum 15 minsamples -1 "
              "maxsamples 0 presend 99\nserver b minpoll 24 maxpoll 24 minsamples 64 "
              "maxsamples 64 presend -32\nserver c minpoll 8 maxpoll 4 maxsamples 10 "
              "minsamples 20\nserver d minpoll 12\n");
  assert_int_equal(f->d.n, 0);
  assert_int_equal(f->c.sources[2].client.maxpoll, 8);
  assert_int_equal(f->c.sources[2].client.minsamples, 10);
  assert_int_equal(f->c.sources[3].client.maxpoll, 12);
  assert_int_equal(f->c.sources[0].client.minpoll, -7);
  assert_int_equal(f->c.sources[0].client.maxpoll, 24);
  assert_int_equal(f->c.sources[0].client.minsamples, -1);
  assert_int_equal(f->c.sources[0].client.maxsamples, 0);
  assert_int_equal(f->c.sources[0].client.presend, 99);
  assert_int_equal(f->c.sources[1].client.minpoll, 24);
  assert_int_equal(f->c.sources[1].client.minsamples, 64);
  assert_int_equal(f->c.sources[1].client.presend, -32);
}

/* ---- refclock, hwtimestamp ---- */

static void test_refclock(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "refclock PPS /dev/pps0 lock NMEA refid GPS1 poll 2 dpoll -2 filter 16 rate 5 "
              "minsamples 4 maxsamples 8 maxlockage 3 offset 0.5 delay 0.2 precision 1e-7 "
              "maxdispersion 0.01 width 0.1 stratum 1 maxunreach 20 pps local tai prefer "
              "noselect trust require\nrefclock SHM 1:perm=0644\n");
  assert_int_equal(f->c.n_refclocks, 2);
  const struct conf_refclock *r = &f->c.refclocks[0];
  assert_string_equal(r->driver, "PPS");
  assert_string_equal(r->param, "/dev/pps0");
  assert_int_equal(r->refid, 0x47505331);   /* "GPS1" */
  assert_int_equal(r->lock, 0x4e4d4541);    /* "NMEA" */
  assert_int_equal(r->poll, 2);
  assert_int_equal(r->dpoll, -2);
  assert_int_equal(r->filter, 16);
  assert_int_equal(r->rate, 5);
  assert_int_equal(r->minsamples, 4);
  assert_int_equal(r->maxsamples, 8);
  assert_int_equal(r->maxlockage, 3);
  assert_int_equal(r->stratum, 1);
  assert_int_equal(r->maxunreach, 20);
  assert_true(r->offset == 0.5 && r->delay == 0.2 && r->precision == 1e-7);
  assert_true(r->maxdispersion == 0.01 && r->width == 0.1);
  assert_true(r->pps && r->local && r->tai && r->prefer && r->noselect && r->trust &&
              r->require);
  r = &f->c.refclocks[1];
  assert_string_equal(r->driver, "SHM");
  assert_string_equal(r->param, "1:perm=0644");
  assert_int_equal(r->poll, 4);
  assert_int_equal(r->filter, 64);
  assert_int_equal(r->maxlockage, 2);
  assert_true(r->delay == 1e-9);
  assert_int_equal(r->refid, 0);
  assert_int_equal(r->minsamples, -1);
  assert_int_equal(r->line, 2);

  check_error("refclock GPS /dev/x\n", "t.conf:1: refclock: expected a driver PPS, SOCK, "
              "SHM, PHC or RTC, got 'GPS'");
  check_error("refclock pps /dev/x\n", "t.conf:1: refclock: expected a driver PPS, SOCK, "
              "SHM, PHC or RTC, got 'pps'");
  check_error("refclock PPS\n", "t.conf:1: refclock: missing argument "
              "(usage: refclock DRIVER PARAMETER [OPTION]...)");
  check_error("refclock PPS /dev/pps0 refid GPS12\n", "t.conf:1: refclock: refid: expected "
              "a reference ID of 1 to 4 characters, got 'GPS12'");
  check_error("refclock PPS /dev/pps0 stratum 16\n",
              "t.conf:1: refclock: stratum: expected an integer 0-15, got '16'");
  check_error("refclock PPS /dev/pps0 rate 0\n",
              "t.conf:1: refclock: rate: expected an integer >= 1, got '0'");
  check_error("refclock PPS /dev/pps0 iburst\n", "t.conf:1: refclock: unknown option 'iburst'");
}

static void test_hwtimestamp(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "hwtimestamp eth0\nhwtimestamp * minpoll -2 rxfilter PTP nocrossts "
              "txcomp 300e-9 rxcomp 645e-9 precision 1e-8 minsamples 3 maxsamples 20\n"
              "hwtimestamp eth2 maxpoll 5\n");
  assert_int_equal(f->c.n_hwtimestamps, 3);
  const struct conf_hwts *h = &f->c.hwtimestamps[0];
  assert_string_equal(h->iface, "eth0");
  assert_int_equal(h->minpoll, 0);
  assert_int_equal(h->maxpoll, 1);
  assert_int_equal(h->minsamples, 2);
  assert_int_equal(h->maxsamples, 16);
  assert_true(h->precision == 100e-9);
  assert_int_equal(h->rxfilter, CONF_RXFILTER_ANY);
  h = &f->c.hwtimestamps[1];
  assert_string_equal(h->iface, "*");
  assert_int_equal(h->minpoll, -2);
  assert_int_equal(h->maxpoll, -1);    /* minpoll + 1 */
  assert_int_equal(h->rxfilter, CONF_RXFILTER_PTP);
  assert_true(h->nocrossts && h->txcomp == 300e-9 && h->rxcomp == 645e-9);
  assert_int_equal(f->c.hwtimestamps[2].maxpoll, 5);
  check_error("hwtimestamp\n", "t.conf:1: hwtimestamp: missing argument "
              "(usage: hwtimestamp INTERFACE [OPTION]...)");
  check_error("hwtimestamp eth0 rxfilter any\n", "t.conf:1: hwtimestamp: rxfilter: expected "
              "one of none ntp ptp all, got 'any'");
  check_error("hwtimestamp eth0 txcomp\n", "t.conf:1: hwtimestamp: txcomp: missing value");
  check_error("hwtimestamp eth0 iburst\n", "t.conf:1: hwtimestamp: unknown option 'iburst'");
}

/* ---- logging, NTS, commands ---- */

static void test_log(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "log\n");
  assert_int_equal(f->c.log, 0);
  parse_ok(f, "log measurements statistics\nlog tracking\n");
  assert_int_equal(f->c.log, CONF_LOG_MEASUREMENTS | CONF_LOG_STATISTICS | CONF_LOG_TRACKING);
  assert_int_equal(f->d.n, 0);
  parse_ok(f, "log rawmeasurements rtc refclocks tempcomp selection\nlog rtc\n");
  assert_int_equal(f->c.log, 0xff);
  /* Every file is written: no warning. */
  assert_int_equal(count_warnings(&f->d), 0);
  check_rejected("log Tracking\n", "t.conf:1: log: expected measurements, rawmeasurements");
  check_rejected("log tracking all\n", "t.conf:1: log: expected measurements");
}

static void test_nts_directives(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(f->c.n_ntsaeads, 2);
  assert_int_equal(f->c.ntsaeads[0], 30);
  assert_int_equal(f->c.ntsaeads[1], 15);
  assert_int_equal(f->c.ntsport, 4460);
  assert_int_equal(f->c.ntsrotate, 604800);
  assert_int_equal(f->c.ntsrefresh, 2419200);
  parse_ok(f, "ntsaeads 15\nntsservercert /a.crt\nntsserverkey /a.key\nntsservercert /b.crt\n"
              "ntsserverkey /b.key\nntstrustedcerts /ca.crt\nntstrustedcerts 4294967295 /d\n"
              "ntsntpserver ntp.example\nntsport 4461\n");
  assert_int_equal(f->c.n_ntsaeads, 1);
  assert_int_equal(f->c.ntsaeads[0], 15);
  assert_int_equal(f->c.ntsservercert.n, 2);
  assert_string_equal(f->c.ntsserverkey.v[1], "/b.key");
  assert_int_equal(f->c.n_ntstrustedcerts, 2);
  assert_int_equal(f->c.ntstrustedcerts[0].set, 0);
  assert_string_equal(f->c.ntstrustedcerts[0].path, "/ca.crt");
  assert_int_equal(f->c.ntstrustedcerts[1].set, UINT32_MAX);
  assert_string_equal(f->c.ntsntpserver, "ntp.example");
  parse_ok(f, "ntsaeads\n");
  assert_int_equal(f->c.n_ntsaeads, 0);
  check_error("ntsaeads 15 x\n", "t.conf:1: ntsaeads: expected an integer >= 0, got 'x'");
  check_error("ntstrustedcerts x /d\n",
              "t.conf:1: ntstrustedcerts: expected an integer 0-4294967295, got 'x'");
  check_error("ntstrustedcerts 1 2 3\n", "t.conf:1: ntstrustedcerts: too many arguments "
              "(usage: ntstrustedcerts [SET-ID] FILE|DIRECTORY)");
  check_error("ntsservercert\n",
              "t.conf:1: ntsservercert: missing argument (usage: ntsservercert FILE)");
}

static void test_opencommands(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(f->c.opencommands, CONF_OPEN_DEFAULT);
  assert_int_equal(f->c.cmdport, 323);
  parse_ok(f, "opencommands clients serverstats\n");
  assert_int_equal(f->c.opencommands, CONF_OPEN_CLIENTS | CONF_OPEN_SERVERSTATS);
  parse_ok(f, "opencommands\n");
  assert_int_equal(f->c.opencommands, 0);
  check_rejected("opencommands settime\n", "t.conf:1: opencommands: expected a monitoring");
}

static void test_sourcedir_confdir_include_in_text(void **state)
{
  struct fixture *f = *state;
  parse_ok(f, "sourcedir /run/chrony-dhcp\nsourcedir /a /b\ninclude /x/*.conf\n"
              "confdir /etc/chrony/conf.d\n");
  assert_int_equal(f->c.n_sourcedirs, 2);
  assert_int_equal(f->c.sourcedirs[1].n, 2);
  assert_string_equal(f->c.sourcedirs[1].v[1], "/b");
  /* Parsing text reads no file, and says so. */
  assert_true(has_message(&f->d, CONF_WARNING,
                          "t.conf:3: include: files are not read when parsing text, ignored"));
  assert_true(has_message(&f->d, CONF_WARNING,
                          "t.conf:4: confdir: files are not read when parsing text, ignored"));
  check_error("sourcedir\n", "t.conf:1: sourcedir: missing argument "
              "(usage: sourcedir DIRECTORY...)");
  check_error("confdir 1 2 3 4 5 6 7 8 9 10 11\n", "t.conf:1: confdir: too many arguments "
              "(usage: confdir DIRECTORY...)");
  check_error("include a b\n", "t.conf:1: include: too many arguments (usage: include PATTERN)");
}

static void test_parse_line(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(conf_parse_line(&f->c, "port 4123", "command line", 1, &f->d), 0);
  assert_int_equal(f->c.port, 4123);
  assert_int_equal(conf_parse_line(&f->c, "# nothing", "command line", 2, &f->d), 0);
  assert_int_equal(conf_parse_line(&f->c, "server  a.example iburst\n", "-", 3, &f->d), 0);
  assert_int_equal(f->c.n_sources, 1);
  assert_int_equal(f->c.sources[0].line, 3);
  assert_int_equal(conf_parse_line(&f->c, "port x", "command line", 4, &f->d), 1);
  assert_true(has_message(&f->d, CONF_ERROR, "command line:4: port: expected a port number "
                          "0-65535, got 'x'"));
}

/* ---- files ---- */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
  char path[256];
  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static int files_setup(void **state)
{
  strcpy(tmpdir, "/tmp/test_conf.XXXXXX");
  assert_non_null(mkdtemp(tmpdir));
  return setup(state);
}

static int files_teardown(void **state)
{
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
  assert_int_equal(system(cmd), 0);
  return teardown(state);
}

static void load(struct fixture *f, const char *name)
{
  char path[256];
  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  conf_load_file(&f->c, path, &f->d);
}

static void test_load_missing_file(void **state)
{
  struct fixture *f = *state;
  char expect[256];
  assert_int_equal(conf_load_file(&f->c, "/nonexistent/chrony.conf", &f->d), 1);
  assert_true(has_message(&f->d, CONF_ERROR,
                          "/nonexistent/chrony.conf: No such file or directory"));
  load(f, ".");   /* a directory */
  snprintf(expect, sizeof(expect), "%s/.: Is a directory", tmpdir);
  assert_true(has_message(&f->d, CONF_ERROR, expect));
}

static void test_include_glob(void **state)
{
  struct fixture *f = *state;
  char text[512];
  mkdir(strcat(strcpy(text, tmpdir), "/d"), 0700);
  write_file("d/b.conf", "server b.example\n");
  write_file("d/a.conf", "server a.example\n");
  write_file("d/c.txt", "server c.example\n");
  snprintf(text, sizeof(text), "port 1\ninclude %s/d/*.conf\ninclude %s/none/*.x\n"
           "include %s/d/*.none\nport 2\n", tmpdir, tmpdir, tmpdir);
  write_file("main.conf", text);
  load(f, "main.conf");
  /* A wildcard in a missing directory is an error, as with chrony's GLOB_ERR. */
  assert_int_equal(f->d.n_errors, 1);
  snprintf(text, sizeof(text), "%s/main.conf:3: include: cannot search for files matching "
           "'%s/none/*.x': No such file or directory", tmpdir, tmpdir);
  assert_true(has_message(&f->d, CONF_ERROR, text));
  assert_int_equal(f->c.n_sources, 2);
  assert_string_equal(f->c.sources[0].name, "a.example");
  assert_string_equal(f->c.sources[1].name, "b.example");
  snprintf(text, sizeof(text), "%s/d/b.conf", tmpdir);
  assert_string_equal(f->c.sources[1].file, text);
  assert_int_equal(f->c.port, 2);
}

static void test_include_missing_and_error_location(void **state)
{
  struct fixture *f = *state;
  char text[512];
  write_file("bad.inc", "# comment\nlocal stratum 99\n");
  snprintf(text, sizeof(text), "include %s/bad.inc\ninclude %s/missing.conf\n", tmpdir, tmpdir);
  write_file("main.conf", text);
  load(f, "main.conf");
  assert_int_equal(f->d.n_errors, 2);
  snprintf(text, sizeof(text), "%s/bad.inc:2: local: stratum: expected an integer 1-15, "
           "got '99'", tmpdir);
  assert_true(has_message(&f->d, CONF_ERROR, text));
  snprintf(text, sizeof(text), "%s/main.conf:2: include: '%s/missing.conf': No such file or "
           "directory", tmpdir, tmpdir);
  assert_true(has_message(&f->d, CONF_ERROR, text));
}

static void test_include_loop_and_depth(void **state)
{
  struct fixture *f = *state;
  char text[512];
  snprintf(text, sizeof(text), "port 7\ninclude %s/self.conf\ninclude %s/self.conf\n",
           tmpdir, tmpdir);
  write_file("self.conf", text);
  load(f, "self.conf");
  assert_int_equal(f->d.n_errors, 2);
  snprintf(text, sizeof(text), "%s/self.conf:2: include: '%s/self.conf': include loop: the "
           "file is already being read", tmpdir, tmpdir);
  assert_true(has_message(&f->d, CONF_ERROR, text));
  assert_int_equal(f->c.port, 7);

  /* A chain of distinct files: ten levels are allowed, the eleventh is not. */
  for (int i = 0; i < 12; i++) {
    char name[32];
    snprintf(name, sizeof(name), "l%d.conf", i);
    snprintf(text, sizeof(text), "port %d\ninclude %s/l%d.conf\n", i, tmpdir, i + 1);
    write_file(name, text);
  }
  conf_diag_free(&f->d);
  load(f, "l0.conf");
  assert_int_equal(f->d.n_errors, 1);
  snprintf(text, sizeof(text), "%s/l9.conf:2: include: '%s/l10.conf': too many nested "
           "includes (at most 10 files deep)", tmpdir, tmpdir);
  assert_true(has_message(&f->d, CONF_ERROR, text));
  assert_int_equal(f->c.port, 9);
}

static void test_confdir(void **state)
{
  struct fixture *f = *state;
  char text[512];
  snprintf(text, sizeof(text), "%s/c1", tmpdir);
  mkdir(text, 0700);
  snprintf(text, sizeof(text), "%s/c2", tmpdir);
  mkdir(text, 0700);
  write_file("c1/20-b.conf", "server c1-b\n");
  write_file("c2/20-b.conf", "server c2-b\n");    /* hidden by c1's file of that name */
  write_file("c2/10-a.conf", "server c2-a\n");
  write_file("c2/30-c.conf", "server c2-c\n");
  write_file("c1/40-d.sources", "server c1-d\n");  /* wrong suffix */
  snprintf(text, sizeof(text), "confdir %s/c1 %s/c2 %s/c3\n", tmpdir, tmpdir, tmpdir);
  write_file("main.conf", text);
  load(f, "main.conf");
  assert_int_equal(f->d.n_errors, 0);
  assert_int_equal(count_warnings(&f->d), 0);
  assert_int_equal(f->c.n_sources, 3);
  assert_string_equal(f->c.sources[0].name, "c2-a");
  assert_string_equal(f->c.sources[1].name, "c1-b");
  assert_string_equal(f->c.sources[2].name, "c2-c");
}

static void test_sourcedir_loading(void **state)
{
  struct fixture *f = *state;
  struct config out;
  char text[512];
  snprintf(text, sizeof(text), "%s/s1", tmpdir);
  mkdir(text, 0700);
  write_file("s1/eth0.sources", "server 192.0.2.1 iburst\npool p.example\n"
                                "driftfile /x\nserver bad minpoll x\npeer 192.0.2.3");
  write_file("s1/eth1.sources", "# dhcp\nserver 192.0.2.2\npeer 192.0.2.8 nts\n");
  snprintf(text, sizeof(text), "sourcedir %s/s1\n", tmpdir);
  write_file("main.conf", text);
  load(f, "main.conf");
  assert_int_equal(f->d.n_errors, 0);
  conf_init(&out);
  conf_diag_free(&f->d);
  assert_int_equal(conf_load_sourcedirs(&f->c, &out, &f->d), 3);
  assert_int_equal(out.n_sources, 3);
  assert_string_equal(out.sources[0].name, "192.0.2.1");
  assert_true(out.sources[0].client.iburst);
  assert_int_equal(out.sources[1].type, CONF_POOL);
  assert_string_equal(out.sources[2].name, "192.0.2.2");
  assert_int_equal(out.sources[2].line, 2);
  /* Bad lines are warnings; the unterminated last line is not read; a
   * peer with nts is refused. */
  assert_int_equal(f->d.n_errors, 0);
  assert_int_equal(count_warnings(&f->d), 3);
  snprintf(text, sizeof(text), "%s/s1/eth0.sources:4: server: minpoll: expected an integer, "
           "got 'x'", tmpdir);
  assert_true(has_message(&f->d, CONF_WARNING, text));
  snprintf(text, sizeof(text), "%s/s1/eth1.sources:3: peer: nts: NTS not supported with peers, "
           "the peer is refused (it would not be authenticated)", tmpdir);
  assert_true(has_message(&f->d, CONF_WARNING, text));
  conf_free(&out);
}

/* ---- the seed, the example and the bad files in tests/data ---- */

static void test_seed_file(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(chdir(STRATUM_SOURCE_ROOT), 0);
  assert_int_equal(conf_load_file(&f->c, "tests/data/seed-chrony.conf", &f->d), 0);
  assert_int_equal(f->d.n_errors, 0);
  /* not even for dumponexit, which chronyd ignores silently */
  assert_int_equal(count_warnings(&f->d), 0);
  assert_int_equal(f->c.n_sources, 5);
  const struct conf_source *s = &f->c.sources[0];
  assert_string_equal(s->name, "169.254.169.123");
  assert_true(s->client.prefer && s->client.iburst);
  assert_int_equal(s->client.minpoll, 4);
  assert_int_equal(s->client.maxpoll, 4);
  assert_int_equal(f->c.sources[3].type, CONF_POOL);
  assert_int_equal(f->c.sources[3].maxsources, 2);
  assert_int_equal(f->c.sources[4].client.port, 11123);
  assert_string_equal(f->c.driftfile, "/var/lib/chrony/drift");
  assert_true(f->c.makestep_threshold == 1.0);
  assert_int_equal(f->c.makestep_limit, 3);
  assert_true(f->c.rtcsync);
  assert_string_equal(f->c.keyfile, "/etc/chrony.keys");
  assert_string_equal(f->c.logdir, "/var/log/chrony");
  assert_string_equal(f->c.dumpdir, "/var/run/chrony");
  assert_int_equal(f->c.n_sourcedirs, 1);
  assert_string_equal(f->c.sourcedirs[0].v[0], "/run/chrony-dhcp");
  assert_int_equal(f->c.access.n, 0);
  assert_int_equal(f->c.port, 123);
}

static void test_example_files(void **state)
{
  (void)state;
  static const char *const files[] = {"debian-chrony.conf", "fedora-chrony.conf",
                                      "public-server.conf"};
  assert_int_equal(chdir(STRATUM_SOURCE_ROOT "/tests/data"), 0);
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    struct config c;
    struct conf_diag d = {0};
    conf_init(&c);
    if (conf_load_file(&c, files[i], &d) != 0) {
      dump_diag(&d);
      fail_msg("%s has errors", files[i]);
    }
    conf_free(&c);
    conf_diag_free(&d);
  }
}

/* Each tests/data/bad/NAME.conf starts with "# expect: [FILE:]LINE: DIRECTIVE"
 * and must give exactly that one error. */
static void test_bad_files(void **state)
{
  (void)state;
  assert_int_equal(chdir(STRATUM_SOURCE_ROOT), 0);
  DIR *dir = opendir("tests/data/bad");
  assert_non_null(dir);
  struct dirent *e;
  unsigned checked = 0;
  while ((e = readdir(dir)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 5, ".conf") != 0)
      continue;
    char path[300], first[300], expect[600];
    snprintf(path, sizeof(path), "tests/data/bad/%s", e->d_name);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(first, sizeof(first), fp));
    fclose(fp);
    assert_int_equal(strncmp(first, "# expect: ", 10), 0);
    first[strcspn(first, "\n")] = '\0';
    const char *where = first + 10;
    if (*where >= '0' && *where <= '9')
      snprintf(expect, sizeof(expect), "%s:%s:", path, where);
    else
      snprintf(expect, sizeof(expect), "%s:", where);

    struct config c;
    struct conf_diag d = {0};
    conf_init(&c);
    conf_load_file(&c, path, &d);
    bool found = false;
    for (unsigned i = 0; i < d.n; i++)
      found = found || (d.items[i].severity == CONF_ERROR &&
                        strncmp(d.items[i].text, expect, strlen(expect)) == 0);
    if (d.n_errors != 1 || !found) {
      dump_diag(&d);
      fail_msg("%s: expected one error starting \"%s\"", path, expect);
    }
    conf_free(&c);
    conf_diag_free(&d);
    checked++;
  }
  closedir(dir);
  assert_true(checked >= 8);
}

/* ---- every directive, printing ---- */

static void test_every_directive_accepted(void **state)
{
  struct fixture *f = *state;
  size_t len;
  char *text = read_text(STRATUM_SOURCE_ROOT "/tests/data/all-directives.conf", &len);
  conf_parse_text(&f->c, text, len, "all-directives.conf", &f->d);
  if (f->d.n_errors) {
    dump_diag(&f->d);
    fail();
  }
  /* The file uses every directive of the table. */
  for (unsigned i = 0; i < conf_directive_count(); i++) {
    const char *name = conf_directive_at(i)->name;
    char needle[64];
    snprintf(needle, sizeof(needle), "\n%s", name);
    const char *p = text;
    bool found = false;
    while (!found && (p = strstr(p, needle)) != NULL) {
      p += strlen(needle);
      found = *p == ' ' || *p == '\n';
    }
    if (!found)
      fail_msg("all-directives.conf does not use %s", name);
  }
  free(text);
}

/* ---- every option and directive acts or says it does not ---- */

/* A fresh parse of one line: the configuration and its messages. */
struct parsed {
  struct config c;
  struct conf_diag d;
};

static void parse_alone(struct parsed *p, const char *line)
{
  memset(p, 0, sizeof(*p));
  conf_init(&p->c);
  conf_parse_text(&p->c, line, strlen(line), "walk.conf", &p->d);
}

static void parsed_free(struct parsed *p)
{
  conf_free(&p->c);
  conf_diag_free(&p->d);
}

static bool has_text(const struct conf_diag *d, enum conf_severity sev, const char *text)
{
  for (unsigned i = 0; i < d->n; i++)
    if (d->items[i].severity == sev && strstr(d->items[i].text, text))
      return true;
  return false;
}

/* The lines of all-directives.conf, NUL-terminated in place. */
static unsigned sample_lines(char *text, char **lines, unsigned max)
{
  unsigned n = 0;
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < max;
       l = strtok_r(NULL, "\n", &save))
    lines[n++] = l;
  return n;
}

/* The value after option `name` on a server/pool/peer line of the samples
 * ("" for an option without value); *type gets that line's directive. */
static bool option_sample(char **lines, unsigned n, const struct conf_field *f, char *type,
                          char *value, size_t size)
{
  for (unsigned i = 0; i < n; i++) {
    char copy[CONF_LINE_MAX], *save = NULL;
    snprintf(copy, sizeof(copy), "%s", lines[i]);
    char *word = strtok_r(copy, " \t", &save);
    if (!word || (strcmp(word, "server") && strcmp(word, "pool") && strcmp(word, "peer")))
      continue;
    snprintf(type, 8, "%s", word);
    while ((word = strtok_r(NULL, " \t", &save)) != NULL) {
      if (strcasecmp(word, f->name) != 0)
        continue;
      const char *v = conf_field_has_value(f) ? strtok_r(NULL, " \t", &save) : "";
      snprintf(value, size, "%s", v ? v : "");
      return v != NULL;
    }
  }
  return false;
}

/* What the daemon takes from a source line: the client's parameters, the
 * family of its addresses, and a pool's maxsources (conf_client.h). */
static bool source_acts(const struct conf_source *s, const struct conf_source *def)
{
  struct srclist_source a, b;
  conf_srclist_source(s, &a);
  conf_srclist_source(def, &b);
  return memcmp(&a, &b, sizeof(a)) != 0;
}

/* Each option of server/pool/peer, alone on a line with a value taken from
 * all-directives.conf, either changes what the daemon gives the client or
 * refuses the source (nts on a peer), never both, never neither. */
static void test_every_source_option_acts_or_refuses(void **state)
{
  (void)state;
  size_t len, n_opts;
  char *text = read_text(STRATUM_SOURCE_ROOT "/tests/data/all-directives.conf", &len);
  char *lines[512];
  text[len] = '\0';
  unsigned n = sample_lines(text, lines, 512);
  const struct conf_field *opts = conf_source_options(&n_opts);
  for (size_t i = 0; i < n_opts; i++) {
    const struct conf_field *f = &opts[i];
    char type[8] = "server", value[128] = "", line[256], plain[32];
    if (!option_sample(lines, n, f, type, value, sizeof(value)) && conf_field_has_value(f))
      fail_msg("all-directives.conf has no value for the source option %s", f->name);
    snprintf(line, sizeof(line), "%s 192.0.2.1 %s %s\n", type, f->name, value);
    snprintf(plain, sizeof(plain), "%s 192.0.2.1\n", type);
    struct parsed p, def;
    parse_alone(&p, line);
    parse_alone(&def, plain);
    assert_int_equal(def.d.n, 0);
    bool refused = p.d.n_errors == 1 && has_text(&p.d, CONF_ERROR, "the source is refused");
    bool acts = !refused && p.d.n_errors == 0 && source_acts(&p.c.sources[0], &def.c.sources[0]);
    if (refused + acts != 1) {
      dump_diag(&p.d);
      fail_msg("%s %s: acts %d, refused %d", f->name, value, acts, refused);
    }
    parsed_free(&p);
    parsed_free(&def);
  }
  free(text);
}

/* Each line of all-directives.conf alone: a directive changes the
 * configuration (what -p prints; include and confdir, not followed without
 * files, say so instead), with no warning; an obsolete one is warned about
 * as chronyd does (or not at all, as chronyd). */
static void test_every_directive_acts(void **state)
{
  (void)state;
  size_t len;
  char *text = read_text(STRATUM_SOURCE_ROOT "/tests/data/all-directives.conf", &len);
  char *lines[512];
  text[len] = '\0';
  unsigned n = sample_lines(text, lines, 512);
  struct parsed def;
  parse_alone(&def, "");
  char *printed_def = print_config(&def.c);
  unsigned walked = 0;
  for (unsigned i = 0; i < n; i++) {
    char name[64] = "";
    sscanf(lines[i], "%63s", name);
    const struct conf_directive *dir = conf_directive_find(name);
    if (!dir)
      continue;   /* comments */
    char line[CONF_LINE_MAX];
    snprintf(line, sizeof(line), "%s\n", lines[i]);
    struct parsed p;
    parse_alone(&p, line);
    char *printed = print_config(&p.c);
    bool changed = strcmp(printed, printed_def) != 0;
    bool warned = has_text(&p.d, CONF_WARNING, ": directive is no longer supported");
    bool ok = p.d.n_errors == 0 && (!dir->obsolete ? (changed || p.d.n > 0) && !warned
                                    : dir->silent  ? p.d.n == 0 && !changed : warned);
    if (!ok) {
      dump_diag(&p.d);
      fail_msg("%s: changed %d, warned %d, obsolete %d", lines[i], changed, warned,
               dir->obsolete);
    }
    walked++;
    free(printed);
    parsed_free(&p);
  }
  assert_true(walked > conf_directive_count());
  free(printed_def);
  parsed_free(&def);
  free(text);
}

static void test_print_round_trip(void **state)
{
  struct fixture *f = *state;
  size_t len;
  char *text = read_text(STRATUM_SOURCE_ROOT "/tests/data/all-directives.conf", &len);
  parse_ok(f, (text[len] = '\0', text));
  free(text);

  char *printed = print_config(&f->c);
  struct config again;
  struct conf_diag d = {0};
  conf_init(&again);
  conf_parse_text(&again, printed, strlen(printed), "printed", &d);
  if (d.n_errors) {
    dump_diag(&d);
    fail_msg("the printed configuration has errors:\n%s", printed);
  }
  char *reprinted = print_config(&again);
  assert_string_equal(printed, reprinted);

  /* Same values, not only the same text. */
  assert_int_equal(again.n_sources, f->c.n_sources);
  for (unsigned i = 0; i < again.n_sources; i++) {
    struct conf_source a = again.sources[i], b = f->c.sources[i];
    a.file = b.file = NULL;
    a.line = b.line = 0;
    assert_memory_equal(&a, &b, sizeof(a));
  }
  assert_int_equal(again.access.n, f->c.access.n);
  for (unsigned i = 0; i < again.access.n; i++) {
    struct conf_access a = again.access.items[i], b = f->c.access.items[i];
    assert_true((a.name == NULL) == (b.name == NULL));
    if (a.name)
      assert_string_equal(a.name, b.name);
    a.file = b.file = a.name = b.name = NULL;
    a.line = b.line = 0;
    assert_memory_equal(&a, &b, sizeof(a));
  }
  assert_int_equal(again.n_refclocks, f->c.n_refclocks);
  assert_int_equal(again.refclocks[0].refid, f->c.refclocks[0].refid);
  assert_true(again.local && again.local_orphan && again.local_stratum == 10);
  assert_true(again.local_waitunsynced == f->c.local_waitunsynced);
  assert_true(again.tempcomp_k1 == f->c.tempcomp_k1);
  assert_int_equal(again.log, f->c.log);
  assert_int_equal(again.opencommands, f->c.opencommands);
  assert_true(again.ratelimit.enabled && again.ratelimit.kod == 1);
  assert_string_equal(again.pidfile, f->c.pidfile);
  assert_true(again.smoothtime_leaponly);
  free(printed);
  free(reprinted);
  conf_free(&again);
  conf_diag_free(&d);
}

static void test_print_defaults(void **state)
{
  struct fixture *f = *state;
  char *printed = print_config(&f->c);
  assert_string_equal(printed, "maxdistance 3\nminsources 1\nport 123\ncmdport 323\n");
  free(printed);
  parse_ok(f, "bindcmdaddress /\npidfile /\nmakestep 0.1 3\nport 0\n"
              "pool p.example\nallow 10\n");
  printed = print_config(&f->c);
  assert_string_equal(printed, "pool p.example port 123 minpoll 6 maxpoll 10 maxsources 4\n"
                      "maxdistance 3\nminsources 1\nmakestep 0.1 3\nallow 10.0.0.0/8\nport 0\n"
                      "bindcmdaddress /\ncmdport 323\npidfile /\n");
  free(printed);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
#define TF(name) cmocka_unit_test_setup_teardown(name, files_setup, files_teardown)
    T(test_comments_and_blank_lines),
    T(test_case_and_spacing),
    T(test_no_trailing_comments),
    T(test_line_length),
    T(test_nul_byte),
    T(test_last_line_without_newline),
    T(test_unknown_directive),
    T(test_all_errors_collected),
    T(test_diag_is_bounded),
    T(test_long_word_in_message),
    T(test_option_and_directive_warned_apart),
    T(test_directive_names),
    T(test_obsolete_directives),
    T(test_port),
    T(test_int_directives),
    T(test_double_directives),
    T(test_flag_directives),
    T(test_string_directives),
    T(test_keyword_directives),
    T(test_leap_directives),
    T(test_clientloglimit),
    T(test_makestep),
    T(test_maxchange_fallbackdrift_mailonchange),
    T(test_smoothtime),
    T(test_driftfile),
    T(test_tempcomp),
    T(test_initstepslew),
    T(test_allow_deny_forms),
    T(test_allow_deny_errors),
    T(test_allow_host_names),
    T(test_bindaddress),
    T(test_bindcmdaddress_path_and_pidfile),
    T(test_metrics_directives),
    T(test_broadcast),
    T(test_local),
    T(test_ratelimits),
    T(test_source_defaults),
    T(test_source_options),
    T(test_source_errors),
    T(test_source_request_round_trip),
    T(test_options_once_ignored_act),
    T(test_source_bounds),
    T(test_source_bounds_kept),
    T(test_refclock),
    T(test_hwtimestamp),
    T(test_log),
    T(test_nts_directives),
    T(test_opencommands),
    T(test_sourcedir_confdir_include_in_text),
    T(test_parse_line),
    TF(test_load_missing_file),
    TF(test_include_glob),
    TF(test_include_missing_and_error_location),
    TF(test_include_loop_and_depth),
    TF(test_confdir),
    TF(test_sourcedir_loading),
    T(test_seed_file),
    T(test_example_files),
    T(test_bad_files),
    T(test_every_directive_accepted),
    T(test_every_source_option_acts_or_refuses),
    T(test_every_directive_acts),
    T(test_print_round_trip),
    T(test_print_defaults),
  };
  return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
