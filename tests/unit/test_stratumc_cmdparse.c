/* Unit tests for src/stratumc/cmdparse.c: command lines -> requests as
 * chronyc 4.3 builds them (values captured from chronyc's packets), and
 * chronyc's rejections with its messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "stratumc/cmdparse.h"

/* A resolver that knows one name, so no test depends on DNS. */
static bool fake_resolve(void *arg, const char *name, struct cmd_ip *ip)
{
  (void)arg;
  if (strcmp(name, "localhost") != 0)
    return false;
  memset(ip, 0, sizeof(*ip));
  ip->family = CMD_IP_INET4;
  ip->bytes[0] = 127;
  ip->bytes[3] = 1;
  return true;
}

static const struct sc_resolver resolver = {fake_resolve, NULL};

static struct sc_command parse(const char *text)
{
  char line[SC_MAX_LINE];
  struct sc_command c;
  snprintf(line, sizeof(line), "%s", text);
  sc_parse_command(line, &resolver, &c);
  return c;
}

static void expect_error(const char *text, const char *message)
{
  struct sc_command c = parse(text);
  if (c.action != SC_ACT_ERROR || strcmp(c.message, message) != 0)
    fail_msg("\"%s\": action %d, message \"%s\"", text, c.action, c.message);
}

static void test_normalize(void **state)
{
  char line[64] = "  sources \t -v  ";
  (void)state;
  sc_normalize_line(line);
  assert_string_equal(line, "sources -v");
  snprintf(line, sizeof(line), " # tracking");
  sc_normalize_line(line);
  assert_string_equal(line, "");
  assert_int_equal(parse("! x").action, SC_ACT_NONE);
  assert_int_equal(parse("   ").action, SC_ACT_NONE);
}

static void test_reports(void **state)
{
  (void)state;
  struct sc_command c = parse("sources -a -v");
  assert_int_equal(c.action, SC_ACT_REPORT);
  assert_int_equal(c.report, SC_REP_SOURCES);
  assert_true(c.all && c.verbose);
  assert_string_equal(c.name, "sources");
  c = parse("clients -p 5 -k -r");
  assert_int_equal(c.report, SC_REP_CLIENTS);
  assert_true(c.nke && c.reset);
  assert_int_equal(c.min_hits, 5);
  c = parse("ntpdata ::1");
  assert_true(c.have_address);
  assert_int_equal(c.address.family, CMD_IP_INET6);
  assert_int_equal(parse("ntpdata").have_address, false);
  assert_int_equal(parse("manual list").report, SC_REP_MANUAL_LIST);
  char settime[] = "settime Nov 21, 2015 16:30:05";   /* the date points into the line */
  sc_parse_command(settime, &resolver, &c);
  assert_true(c.action == SC_ACT_REPORT && c.report == SC_REP_SETTIME);
  assert_string_equal(c.date, "Nov 21, 2015 16:30:05");
  c = parse("waitsync 3 0.5 x 7");          /* stops at the first bad value */
  assert_int_equal(c.max_tries, 3);
  assert_true(c.max_correction == 0.5 && c.max_skew == 0.0 && c.interval == 10.0);
  c = parse("waitsync 1 0 0 0.01");
  assert_true(c.interval == 0.1);
  c = parse("metrics");
  assert_true(c.action == SC_ACT_REPORT && c.report == SC_REP_METRICS);
  assert_string_equal(c.name, "metrics");
}

static void test_add_source_defaults(void **state)
{
  (void)state;
  struct sc_command c = parse("add server 127.0.0.1");
  const struct cmd_req_source *s = &c.req.data.source;
  assert_int_equal(c.action, SC_ACT_REQUEST);
  assert_int_equal(c.req.command, CMD_ADD_SOURCE);
  assert_int_equal(s->type, CMD_ADDSRC_SERVER);
  assert_string_equal(s->name, "127.0.0.1");
  assert_int_equal(s->port, 123);
  assert_int_equal(s->minpoll, 6);
  assert_int_equal(s->maxpoll, 10);
  assert_int_equal(s->presend_minpoll, 100);
  assert_int_equal(s->poll_target, 8);
  assert_int_equal(s->max_sources, 4);
  assert_int_equal(s->min_samples, -1);
  assert_int_equal(s->max_samples, -1);
  assert_int_equal(s->nts_port, 4460);
  assert_true(s->max_delay == 3.0 && s->max_delay_dev_ratio == 10.0 && s->asymmetry == 1.0);
  assert_int_equal(s->max_unreach, 100000);   /* the default, as chronyc 4.5 sends it */
  assert_int_equal(s->flags, CMD_ADDSRC_ONLINE);
}

static void test_add_source_options(void **state)
{
  (void)state;
  struct sc_command c = parse(
    "add pool localhost port 1234 minpoll 2 maxpoll 5 presend 3 minstratum 2 polltarget 7 "
    "version 3 maxsources 2 minsamples 4 maxsamples 9 key 5 ntsport 99 maxdelay 0.5 "
    "maxdelayratio 3 maxdelaydevratio 7 mindelay 0.001 asymmetry 0.25 offset 0.125 iburst "
    "burst prefer noselect trust require xleave nts copy auto_offline offline filter 3 "
    "certset 2 maxdelayquant 0.5 extfield F323 maxunreach 3");
  const struct cmd_req_source *s = &c.req.data.source;
  assert_int_equal(c.action, SC_ACT_REQUEST);
  assert_int_equal(s->type, CMD_ADDSRC_POOL);
  assert_int_equal(s->port, 1234);
  assert_int_equal(s->minpoll, 2);
  assert_int_equal(s->maxpoll, 5);
  assert_int_equal(s->presend_minpoll, 3);
  assert_int_equal(s->min_stratum, 2);
  assert_int_equal(s->poll_target, 7);
  assert_int_equal(s->version, 3);
  assert_int_equal(s->max_sources, 2);
  assert_int_equal(s->min_samples, 4);
  assert_int_equal(s->max_samples, 9);
  assert_int_equal(s->authkey, 5);
  assert_int_equal(s->nts_port, 99);
  assert_int_equal(s->filter_length, 3);
  assert_int_equal(s->cert_set, 2);
  assert_true(s->max_delay == 0.5 && s->max_delay_ratio == 3 && s->max_delay_dev_ratio == 7);
  assert_true(s->min_delay == 0.001 && s->asymmetry == 0.25 && s->offset == 0.125);
  assert_true(s->max_delay_quant == 0.5);
  assert_int_equal(s->max_unreach, 3);
  assert_int_equal(s->flags, 0xffe);        /* what chronyc 4.3 sent for these options */
  assert_int_equal(parse("add PEER localhost PREFER").req.data.source.type, CMD_ADDSRC_PEER);
}

static struct cmd_request sent(const char *text);

/* The options are parsed by the configuration's parser (conf_source.h), so
 * stratumc refuses what a server line would refuse; ipv4, ipv6 and
 * extfield 10A (F324) go in chronyc 4.8's flags. */
static void test_add_source_rejections(void **state)
{
  (void)state;
  expect_error("add", "Invalid syntax for add command");
  expect_error("add server", "Invalid syntax for add command");
  expect_error("add foo 127.0.0.1", "Invalid syntax for add command");
  expect_error("add server 127.0.0.1 version 5", "Invalid syntax for add command");
  expect_error("add server 127.0.0.1 port 65536", "Invalid syntax for add command");
  expect_error("add pool 127.0.0.1 maxsources 0", "Invalid syntax for add command");
  expect_error("add server 127.0.0.1 maxdelay inf", "Invalid syntax for add command");
  expect_error("add server 127.0.0.1 minpoll x", "Invalid syntax for add command");
  expect_error("add server 127.0.0.1 port 12x", "Invalid syntax for add command");
  expect_error("add server 127.0.0.1 key", "Invalid syntax for add command");
  expect_error("add server 127.0.0.1 key 0", "Invalid syntax for add command");
  assert_int_equal(sent("add server 127.0.0.1 ipv4").data.source.flags & 0x6000, 0x2000);
  assert_int_equal(sent("add server 127.0.0.1 ipv6").data.source.flags & 0x6000, 0x4000);
  assert_int_equal(sent("add server 127.0.0.1 extfield F324").data.source.flags & 0x1800, 0x1000);
  assert_int_equal(sent("add server 127.0.0.1 extfield 10A extfield F323").data.source.flags &
                   0x1800, 0x1800);
  expect_error("add server nonexistent.invalid", "Invalid host/IP address");
  char line[400];
  memset(line, 0, sizeof(line));
  memcpy(line, "add server ", 11);
  memset(line + 11, 'a', 300);
  expect_error(line, "Invalid host/IP address");
}

static void test_mask_and_burst(void **state)
{
  (void)state;
  struct sc_command c = parse("burst 2/4 10.0.0.0/8");
  assert_int_equal(c.req.command, CMD_BURST);
  assert_int_equal(c.req.data.subnet.n_good, 2);
  assert_int_equal(c.req.data.subnet.n_total, 4);
  assert_int_equal(c.req.data.subnet.mask.bytes[0], 0xff);
  assert_int_equal(c.req.data.subnet.mask.bytes[1], 0);
  assert_int_equal(c.req.data.subnet.address.bytes[0], 10);
  /* MASK/ADDRESS: the mask comes first, as in chronyc */
  c = parse("online 192.168.1.0/255.255.0.0");
  assert_int_equal(c.req.command, CMD_ONLINE);
  assert_int_equal(c.req.data.subnet.mask.bytes[2], 1);
  assert_int_equal(c.req.data.subnet.address.bytes[0], 255);
  c = parse("offline localhost");
  assert_int_equal(c.req.data.subnet.mask.bytes[3], 0xff);
  assert_int_equal(parse("offline").req.data.subnet.address.family, CMD_IP_UNSPEC);
  expect_error("burst", "Invalid syntax for burst command");
  expect_error("burst 2", "Invalid syntax for burst command");
  expect_error("online 1.2.3.4/xx", "Invalid syntax for mask/address");
  expect_error("online 1.2.3.4/::1", "Invalid syntax for mask/address");
  expect_error("online nowhere", "Could not get address for hostname");
}

static void test_allow_deny(void **state)
{
  (void)state;
  struct sc_command c = parse("allow 10");
  assert_int_equal(c.req.command, CMD_ALLOW);
  assert_int_equal(c.req.data.allow.subnet_bits, 8);
  assert_int_equal(c.req.data.allow.ip.bytes[0], 10);
  c = parse("deny all 10.1/16");
  assert_int_equal(c.req.command, CMD_DENYALL);
  assert_int_equal(c.req.data.allow.ip.bytes[1], 1);
  assert_int_equal(c.req.data.allow.subnet_bits, 16);
  c = parse("cmdallow 2001:db8::/32");
  assert_int_equal(c.req.command, CMD_CMDALLOW);
  assert_int_equal(c.req.data.allow.subnet_bits, 32);
  c = parse("cmddeny");
  assert_int_equal(c.req.command, CMD_CMDDENY);
  assert_int_equal(c.req.data.allow.ip.family, CMD_IP_UNSPEC);
  assert_int_equal(parse("allow localhost").req.data.allow.subnet_bits, 32);
  expect_error("allow foo/8", "Could not read address");
  expect_error("allow 256", "Could not read address");
  expect_error("allow 10 20", "Could not read address");
  expect_error("allow 10/-1", "Could not read address");
}

static void test_modify_and_values(void **state)
{
  (void)state;
  struct sc_command c = parse("maxdelay 127.0.0.1 0.25");
  assert_int_equal(c.req.command, CMD_MODIFY_MAXDELAY);
  assert_true(c.req.data.modify.fvalue == 0.25);
  c = parse("minpoll ID#0000000001 3");
  assert_int_equal(c.req.data.modify.address.family, CMD_IP_ID);
  assert_int_equal(c.req.data.modify.ivalue, 3);
  c = parse("makestep 0.1 3");
  assert_int_equal(c.req.command, CMD_MODIFY_MAKESTEP);
  assert_int_equal(c.req.data.makestep.limit, 3);
  assert_int_equal(parse("makestep").req.command, CMD_MAKESTEP);
  c = parse("local stratum 5 orphan distance 2");
  assert_int_equal(c.req.command, CMD_LOCAL2);
  assert_true(c.req.data.local.on_off == 1 && c.req.data.local.stratum == 5 &&
              c.req.data.local.orphan == 1 && c.req.data.local.distance == 2.0);
  c = parse("local");
  assert_true(c.req.data.local.stratum == 10 && c.req.data.local.distance == 1.0);
  c = parse("local off");
  assert_true(c.req.data.local.on_off == 0 && c.req.data.local.stratum == 0);
  /* chronyc 4.8's options: its LOCAL3, waitunsynced 300 s by default with orphan */
  c = parse("local stratum 8 orphan activate 0.5 waitsynced 100");
  assert_int_equal(c.req.command, CMD_LOCAL3);
  assert_true(c.req.data.local.activate == 0.5 && c.req.data.local.wait_synced == 100.0 &&
              c.req.data.local.wait_unsynced == 300.0 && c.req.data.local.orphan == 1);
  c = parse("local waitunsynced 20");
  assert_int_equal(c.req.command, CMD_LOCAL3);
  assert_true(c.req.data.local.wait_unsynced == 20.0 && c.req.data.local.activate == 0.0);
  c = parse("local orphan");
  assert_true(c.req.command == CMD_LOCAL2 && c.req.data.local.wait_unsynced == 0.0);
  assert_int_equal(parse("manual reset").req.data.option, 2);
  assert_int_equal(parse("manual delete 4").req.data.option, 4);
  assert_int_equal(parse("smoothtime activate").req.data.option, 1);
  assert_int_equal(parse("reload sources").req.command, CMD_RELOAD_SOURCES);
  c = parse("reload config");
  assert_true(c.action == SC_ACT_REPORT && c.report == SC_REP_RELOAD && !c.dry_run);
  c = parse("reload config --dry-run");
  assert_true(c.action == SC_ACT_REPORT && c.report == SC_REP_RELOAD && c.dry_run);
  assert_int_equal(parse("doffset -0.5").req.command, CMD_DOFFSET2);
  assert_int_equal(parse("delete ::1").req.data.ip.family, CMD_IP_INET6);
  assert_int_equal(parse("accheck localhost").req.command, CMD_ACCHECK);
}

/* The request as the daemon decodes it. */
static struct cmd_request sent(const char *text)
{
  struct sc_command c = parse(text);
  uint8_t buf[CMD_MAX_PACKET];
  struct cmd_request back;
  assert_int_equal(c.action, SC_ACT_REQUEST);
  c.req.version = CMD_PROTO_VERSION;
  size_t n = cmd_build_request(&c.req, buf, sizeof(buf));
  assert_int_equal(cmd_parse_request(buf, n, &back), CMD_PARSE_OK);
  return back;
}

/* "inf" is read as chronyc reads it, and sent as the largest value (not in
 * add's options: those are read as the configuration reads them). */
static void test_infinite_values(void **state)
{
  (void)state;
  const double max = cmd_float_decode(cmd_float_encode(1e300));
  const double min = cmd_float_decode(cmd_float_encode(-1e300));
  assert_true(sent("maxupdateskew inf").data.value == max);
  assert_true(sent("reselectdist -inf").data.value == min);
  assert_true(sent("makestep inf 3").data.makestep.threshold == max);
  assert_true(sent("maxdelay 127.0.0.1 inf").data.modify.fvalue == max);
  assert_true(sent("local distance inf").data.local.distance == max);
}

/* chronyc 4.8's selectopts and offset: an address or a refid (never a
 * host name), the mask in select data's bits, the options as add's flags
 * (as chronyc 4.8 sent them, tests/unit/test_cmdmon.c). */
static void test_selectopts_and_offset(void **state)
{
  (void)state;
  struct cmd_request q = sent("selectopts 192.0.2.1 +prefer -noselect");
  assert_int_equal(q.command, CMD_MODIFY_SELECTOPTS);
  assert_int_equal(q.data.select_opts.address.family, CMD_IP_INET4);
  assert_int_equal(q.data.select_opts.address.bytes[3], 1);
  assert_int_equal(q.data.select_opts.mask, CMD_SD_OPT_PREFER | CMD_SD_OPT_NOSELECT);
  assert_int_equal(q.data.select_opts.options, CMD_ADDSRC_PREFER);
  q = sent("selectopts GPS +TRUST +require -prefer");
  assert_int_equal(q.data.select_opts.address.family, CMD_IP_UNSPEC);
  assert_int_equal(q.data.select_opts.ref_id, 0x47505300);
  assert_int_equal(q.data.select_opts.mask,
                   CMD_SD_OPT_TRUST | CMD_SD_OPT_REQUIRE | CMD_SD_OPT_PREFER);
  assert_int_equal(q.data.select_opts.options, CMD_ADDSRC_TRUST | CMD_ADDSRC_REQUIRE);
  q = sent("selectopts ::1");                    /* nothing to change */
  assert_int_equal(q.data.select_opts.address.family, CMD_IP_INET6);
  assert_int_equal(q.data.select_opts.mask, 0);
  q = sent("offset 192.0.2.11 -0.25");
  assert_int_equal(q.command, CMD_MODIFY_OFFSET);
  assert_int_equal(q.data.offset.address.bytes[3], 11);
  assert_true(q.data.offset.offset == -0.25);
  q = sent("offset PPS 1e-3");
  assert_int_equal(q.data.offset.ref_id, 0x50505300);
  assert_true(fabs(q.data.offset.offset - 1e-3) < 1e-9);
  /* a name is a refid, not looked up; five letters are neither */
  assert_int_equal(sent("offset host 1").data.offset.address.family, CMD_IP_UNSPEC);
  expect_error("offset localhost 1", "Invalid syntax for offset command");
  expect_error("offset", "Invalid syntax for offset command");
  expect_error("offset GPS", "Invalid syntax for offset command");
  expect_error("offset GPS x", "Invalid syntax for offset command");
  expect_error("selectopts", "Invalid syntax for selectopts command");
  expect_error("selectopts GPS prefer", "Invalid syntax for selectopts command");
  expect_error("selectopts GPS +bogus", "Invalid syntax for selectopts command");
  expect_error("selectopts GPS +", "Invalid syntax for selectopts command");
}

static void test_rejections_with_chronyc_messages(void **state)
{
  (void)state;
  expect_error("bogus", "Unrecognized command");
  expect_error("minpoll 127.0.0.1", "Invalid syntax for address value");
  expect_error("minpoll nowhere 4", "Could not get address for hostname");
  expect_error("delete", "Invalid syntax for address");
  expect_error("delete nowhere", "Could not get address for hostname");
  expect_error("dfreq x", "Invalid value");
  expect_error("maxupdateskew", "");         /* chronyc fails it silently */
  expect_error("makestep 1", "Bad syntax for makestep command");
  expect_error("local foo", "Invalid syntax for local command");
  expect_error("local stratum x", "Invalid syntax for local command");
  expect_error("local activate", "Invalid syntax for local command");
  expect_error("local waitsynced x", "Invalid syntax for local command");
  expect_error("manual foo", "Invalid syntax for manual command");
  expect_error("manual delete x", "Bad syntax for manual delete command");
  expect_error("reload foo", "Invalid syntax for reload command");
  expect_error("reload sources now", "Invalid syntax for reload command");
  expect_error("reload config -n", "Invalid syntax for reload command");
  expect_error("reload config --dry-run x", "Invalid syntax for reload command");
  expect_error("reset", "Invalid syntax for reset command");
  expect_error("smoothtime", "Invalid syntax for smoothtime command");
  expect_error("clients -p x", "Invalid syntax for clients command");
  expect_error("sourcename", "Could not read address");
  expect_error("ntpdata 1.2.3.x", "Could not get address for hostname");
  expect_error("accheck", "Could not read address");
  expect_error("dns -x", "Unrecognized dns command");
  expect_error("timeout 50", "Timeout 50 is too short");
  expect_error("retries 31", "Invalid maximum number of retries");
}

static void test_client_commands(void **state)
{
  (void)state;
  struct sc_command c = parse("dns -n");
  assert_true(c.action == SC_ACT_SETTING && c.setting == SC_SET_DNS && c.value == 0);
  c = parse("dns -46");
  assert_true(c.setting == SC_SET_FAMILY && c.value == 0);
  c = parse("timeout 250");
  assert_true(c.setting == SC_SET_TIMEOUT && c.value == 250);
  assert_int_equal(parse("quit").action, SC_ACT_QUIT);
  assert_int_equal(parse("exit").action, SC_ACT_QUIT);
  assert_int_equal(parse("help").action, SC_ACT_HELP);
  assert_int_equal(parse("password x").action, SC_ACT_WARN);
}

/* keygen as chronyc's: ID 1, SHA1 and 160 bits by default; a hash's key
 * as long as BITS rounded up, 10 to 512 bytes; a cipher's its own length;
 * numbers read as sscanf's %u reads them; chronyc's messages. */
static void test_keygen(void **state)
{
  (void)state;
  struct sc_command c = parse("keygen");
  assert_int_equal(c.action, SC_ACT_KEYGEN);
  assert_int_equal(c.key_id, 1);
  assert_string_equal(c.key_type, "SHA1");
  assert_int_equal(c.key_len, 20);
  c = parse("keygen 73 SHA256 257");
  assert_int_equal(c.key_id, 73);
  assert_string_equal(c.key_type, "SHA256");
  assert_int_equal(c.key_len, 33);
  assert_int_equal(parse("keygen 151 AES128 8").key_len, 16);
  assert_int_equal(parse("keygen 2 AES256").key_len, 32);
  assert_int_equal(parse("keygen 5 MD5 1").key_len, 10);
  assert_int_equal(parse("keygen 5 SHA512 100000").key_len, 512);
  assert_int_equal(parse("keygen -1").key_id, 4294967295u);
  assert_int_equal(parse("keygen 12abc").key_id, 12);
  expect_error("keygen 1 NOSUCHTYPE", "Unknown hash function or cipher NOSUCHTYPE");
  expect_error("keygen 1 sha1", "Unknown hash function or cipher sha1");
  expect_error("keygen x", "Invalid syntax for keygen command");
  expect_error("keygen 1 SHA1 x", "Invalid syntax for keygen command");
  expect_error("keygen 1 SHA1 160 9", "Invalid syntax for keygen command");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_normalize),
    cmocka_unit_test(test_reports),
    cmocka_unit_test(test_add_source_defaults),
    cmocka_unit_test(test_add_source_options),
    cmocka_unit_test(test_add_source_rejections),
    cmocka_unit_test(test_mask_and_burst),
    cmocka_unit_test(test_allow_deny),
    cmocka_unit_test(test_modify_and_values),
    cmocka_unit_test(test_infinite_values),
    cmocka_unit_test(test_rejections_with_chronyc_messages),
    cmocka_unit_test(test_selectopts_and_offset),
    cmocka_unit_test(test_client_commands),
    cmocka_unit_test(test_keygen),
  };
  return cmocka_run_group_tests_name("stratumc_cmdparse", tests, NULL, NULL);
}
