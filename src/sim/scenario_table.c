#include "sim/scenario_table.h"

#include <string.h>

/* chrony's test/simulation/test.common defaults, in the simulator's units:
 * time_offset 0.1 s, freq_offset 1e-4 (100 ppm, the clock runs fast),
 * wander 1e-9 per one-second step (1e-3 ppm/sqrt(s)), base_delay 1e-4 s
 * plus jitter 1e-4 s * exponential, on each direction; minpoll 6, maxpoll
 * 10, no makestep, limit 10000 s. */
#define LAN {.delay = 100e-6, .jitter = 100e-6, .jitter_kind = SIM_JITTER_EXP}
/* 101-poll and 109-makestep: 1 us or 10 us of jitter, no wander. */
#define STILL_CLOCK(off) {.offset = (off), .freq = 100.0, .wander = 0.0}
#define JITTER(j) {.delay = 100e-6, .jitter = (j), .jitter_kind = SIM_JITTER_EXP}
#define QUIET {.delay = 100e-6, .jitter = 0.0, .jitter_kind = SIM_JITTER_EXP}
/* 117-fallbackdrift: no delay but the jitter. */
#define JITTER0(j) {.delay = 0.0, .jitter = (j), .jitter_kind = SIM_JITTER_EXP}
/* 118-maxdelay: base_delay 1e-5, jitter 1e-5. */
#define TINY_LAN {.delay = 10e-6, .jitter = 10e-6, .jitter_kind = SIM_JITTER_EXP}
/* 201-freqaccumulation: base_delay 1e-6, jitter 1e-6. */
#define MICRO_LAN {.delay = 1e-6, .jitter = 1e-6, .jitter_kind = SIM_JITTER_EXP}
/* test.common's network with jitter_asymmetry: the jitter of one direction
 * scaled by 1 - 2a (requests) or 1 + 2a (replies). */
#define ASYM_LAN(scale) {.delay = 100e-6, .jitter = 100e-6 * (scale), .jitter_kind = SIM_JITTER_EXP}
/* The client's configuration: server N of the world, and test.common's
 * client_server_options. */
#define HWTS_CLOCK {.offset = 0.1, .freq = 10.0, .wander = 1e-3}
#define HWTS_PATH {.delay = 100e-6, .jitter = 1e-8, .jitter_kind = SIM_JITTER_EXP}
#define HWTS_NIC {.dev_offset = 37.0, .dev_freq = -30.0, .delay_jitter = 1e-7}
#define SERVER(n, options) "server " SCENARIO_SERVER_NET #n " " options "\n"
#define SERVER1 SERVER(1, "minpoll 6 maxpoll 10")

#define ERA_2036 ((time_t)2085978496)      /* 2036-02-07T06:28:16Z */
#define DEC_30_2008 ((time_t)1230595200)   /* 2008-12-30T00:00:00Z */
#define JAN_1_2010 ((time_t)1262304000)    /* 2010-01-01T00:00:00Z */

/* chrony's 113-leapsecond: from 2008-12-30 00:00 for four days, the
 * servers announcing the leap second at the end of 2008-12-31; default
 * network and client, minpoll 6, maxpoll 10. */
#define LEAP_SCENARIO(name_, about_, leap_, mode_) \
  { \
    .name = name_, .about = about_, .conf = SERVER1 "leapsecmode " mode_ "\n", \
    .duration = 4.0 * SCENARIO_DAY, .start = DEC_30_2008, \
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, .leap = leap_, \
  }
/* chrony's 201-freqaccumulation: the clock freq_ ppm off, a drift file
 * that says drift_ (skew 1e5 ppm), 100 s ahead, makestep 1 1, minpoll 6
 * maxpoll 6, 1 us delay and 1 us jitter each way, no wander, 180 s. The
 * steady state is chrony's statistics window, from its max_sync_time. */
#define FREQACC(freq_, drift_) \
  { \
    .name = "freqacc/" #freq_ "/" #drift_, \
    .about = "clock " #freq_ " ppm off, drift file " #drift_ " 100000, makestep 1 1, " \
             "poll 6 (201-freqaccumulation)", \
    .conf = SERVER(1, "minpoll 6 maxpoll 6") "makestep 1 1\n", \
    .driftfile = #drift_ " 100000", \
    .duration = 180.0, .settle = 140.0, .late_from = 140.0, .sync_threshold = 1e-5, \
    .client_clock = {.offset = 100.0, .freq = (freq_)}, .n_servers = 1, \
    .up = MICRO_LAN, .down = MICRO_LAN, \
  }
#define FREQACC_DRIFTS(freq_) \
  FREQACC(freq_, -1e+4), FREQACC(freq_, -1e+2), FREQACC(freq_, 1e+2), FREQACC(freq_, 1e+4)

/* chrony's 003-largefreqoffset: the clock freq_ ppm off, and behind or
 * ahead by what that makes in 130 s, so that the first update finds
 * little offset and much frequency; defaults otherwise. Its statistics
 * start at its max_sync_time, 1000 s. */
#define LARGEFREQ(freq_) \
  { \
    .name = "largefreq/" #freq_, \
    .about = "clock " #freq_ " ppm off, offset -130 s times that (003-largefreqoffset)", \
    .conf = SERVER1, \
    .duration = 10000.0, .settle = 1000.0, \
    .client_clock = {.offset = -(freq_) * 1e-6 * 130.0, .freq = (freq_), .wander = 1e-3}, \
    .n_servers = 1, .up = LAN, .down = LAN, \
  }

/* 123-mindelay: the jitter almost all on the replies (jitter_asymmetry
 * 0.499), wander 1e-12. */
#define MINDELAY(name_, about_, options_) \
  { \
    .name = name_, .about = about_, .conf = SERVER(1, "minpoll 6 maxpoll 10 " options_), \
    .duration = 10000.0, \
    .client_clock = {.offset = 0.1, .freq = 100.0, .wander = 1e-6}, .n_servers = 1, \
    .up = ASYM_LAN(1.0 - 2 * 0.499), .down = ASYM_LAN(1.0 + 2 * 0.499), \
  }

/* The default network with another base delay (chrony's base_delay). */
#define DELAY(d) {.delay = (d), .jitter = 100e-6, .jitter_kind = SIM_JITTER_EXP}
/* chrony's 120-selectoptions: 3 servers at chrony's default polls, the
 * first `n_false` of them falsetickers (1 s, 2 s), servers 1 and 3 with
 * these options, `delay` s away each way. */
#define SELECT_OPTIONS(name_, about_, opt1, opt3, delay_, n_false) \
  { \
    .name = name_, .about = about_, \
    .conf = SERVER(1, opt1) SERVER(2, "") SERVER(3, opt3), .duration = 10000.0, \
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 3, \
    .server_offset = {1.0, (n_false) > 1 ? 2.0 : 0.0}, .up = DELAY(delay_), \
    .down = DELAY(delay_), \
  }
/* chrony's 118-maxdelay: 10 us delay and 10 us jitter (TINY_LAN), no
 * wander, the frequency error "(sum 1e-10)": 1e-4 ppm more each second. */
#define DRIFTING_CLOCK {.offset = 0.1, .drift = 1e-4}
/* chrony's 150-maxunreach: 2 servers polled every 64 s keeping 64 samples,
 * server 2 0.5 s farther each way, server 1 unreachable from 2000 s (its
 * requests lost) of 5000 s. */
#define MAXUNREACH(name_, opt, about_) \
  { \
    .name = name_, .about = about_, \
    .conf = SERVER(1, "minpoll 6 maxpoll 6 minsamples 64" opt) \
            SERVER(2, "minpoll 6 maxpoll 6 minsamples 64" opt), \
    .duration = 5000.0, \
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 2, .up = LAN, .down = LAN, \
    .server_delay = {0.0, 0.5}, .server_lost_at = {2000.0}, \
  }
/* chrony's 103-initstepslew: no frequency error nor wander, the client
 * `off` s off, `initstepslew 5` from server 1 alone (no server line), 100 s. */
#define INITSTEPSLEW(name_, off) \
  { \
    .name = name_, .about = "initstepslew 5 from server 1, client " #off " s off, no "\
                            "frequency error nor wander (103-initstepslew)", \
    .conf = "initstepslew 5 " SCENARIO_SERVER_NET "1\n", .duration = 100.0, \
    .client_clock = {.offset = (off)}, .n_servers = 1, .up = LAN, .down = LAN, \
  }
#define INITSTEPSLEW_2 "initstepslew 5 " SCENARIO_SERVER_NET "1 " SCENARIO_SERVER_NET "2\n"
/* The smearing server of 113-leapsecond's smoothtime runs. */
#define SMEAR_CONF(leaponly) \
  SERVER1 "leapsecmode slew\nsmoothtime 400 0.001" leaponly "\n"

/* chronysim3: more of chrony 4.8's test/simulation. */
/* 104-driftfile: no server, no offset nor wander, the clock freq_ (a
 * fraction) fast and a drift file of 1e6 - 1e6 / (1 + freq_) ppm, skew 1
 * (its awk's "%.9e 1"), 10 s. */
#define DRIFTFILE(freq_, text_) \
  { \
    .name = "driftfile/" #freq_, \
    .about = "no server, the clock " #freq_ " fast, a drift file that corrects it " \
             "(104-driftfile)", \
    .conf = "driftfile /var/lib/chrony/drift\n", .driftfile = text_, .duration = 10.0, \
    .client_clock = {.freq = (freq_) * 1e6}, .n_servers = 0, \
  }

/* 120-selectoptions' authselectmode runs: chrony's key file on the client
 * and the servers, server 1 (the falseticker, 1 s wrong) polled with its
 * key, 1 ms away each way. */
#define SELECT_KEYS "1 MD5 HEX:1B81CBF88D4A73F2E8CE59647F6E5C1719B6CAF5\n"
#define SELECT_AUTH(mode_, about_) \
  { \
    .name = "select-auth-" mode_, .about = about_, \
    .conf = "keyfile /etc/chrony/chrony.keys\nauthselectmode " mode_ "\n" \
            SERVER(1, "key 1") SERVER(2, "") SERVER(3, ""), \
    .duration = 10000.0, .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 3, \
    .server_offset = {1.0}, .up = DELAY(1e-3), .down = DELAY(1e-3), .keys = SELECT_KEYS, \
  }

/* 002-largenetwork: 4 servers in each of 3 strata and 5 clients starting
 * at 2000 s. Stratum 1 is the simulated servers 1-4; strata 2 and 3 are
 * relays 5-8 and 9-12 (on time, 100 ppm fast with test.common's wander),
 * each polling the 4 of the stratum below; the client and relays 14-17
 * (chrony's nodes 13-17) poll relays 9-12. */
#define SERVERS_OF(a, b, c, d) SERVER(a, "") SERVER(b, "") SERVER(c, "") SERVER(d, "")
#define STRATUM2 SERVERS_OF(1, 2, 3, 4)
#define STRATUM3 SERVERS_OF(5, 6, 7, 8)
#define LARGENET_CLIENT "deny\n" SERVERS_OF(9, 10, 11, 12)
#define SERVER_CLOCK {.offset = 0.0, .freq = 100.0, .wander = 1e-3}
#define RELAY(n, conf_, clock_, start_) \
  {.conf = (conf_), .host = (n), .clock = clock_, .start = (start_)}

/* 108-peer: 2 clients of server 1 peering with each other, the client
 * (chrony's node 2, here 192.168.123.100) and relay 3 (node 3), both with
 * "deny" and test.common's clock. Peer lines: the client's peer has the
 * higher index (its rpeer options), relay 3's the lower (lpeer). */
#define PEER_CLIENT(sopt, popt) \
  "deny\n" SERVER(1, sopt) "peer " SCENARIO_SERVER_NET "3 " popt "\n"
#define PEER_RELAY(sopt, popt) \
  "deny\n" SERVER(1, sopt) "peer " SCENARIO_SERVER_NET "100 " popt "\n"
/* The runs with server 1 never reachable from relay 3: lpeer and rpeer
 * polls, max_sync_time (chrony's limit is ten times it). Synchronised as
 * chrony's find_sync: within 1 ms and freq_max_limit. */
#define PEER_POLLS(name_, lmin, lmax, rmin, rmax, max_sync) \
  { \
    .name = name_, \
    .about = "relay 3 never reaches server 1, its peer (the client) does; peer polls " \
             #lmin "-" #lmax " (relay), " #rmin "-" #rmax " (client): sync by " #max_sync \
             " s (108-peer)", \
    .conf = PEER_CLIENT("", "minpoll " #rmin " maxpoll " #rmax), \
    .duration = 10.0 * (max_sync), \
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, \
    .relays = {RELAY(3, PEER_RELAY("", "minpoll " #lmin " maxpoll " #lmax), \
                     SCENARIO_CLIENT_CLOCK, 0.0)}, \
    .n_relays = 1, .client_serves = true, .cuts = {{.from = 3, .to = 1}}, .sync_freq_threshold = 500.0, \
  }

/* 125-packetloss: 108-peer's two clients, 33 % of every path's datagrams
 * lost (its (equal 0.33 (uniform) 1.0)), relay 3 never reaching server 1,
 * 10 us of jitter, 20000 s; the server's and peer's options both `opt`. */
#define LOSSY {.delay = 100e-6, .jitter = 10e-6, .jitter_kind = SIM_JITTER_EXP, .loss = 0.33}
#define PACKETLOSS(name_, opt) \
  { \
    .name = name_, \
    .about = "2 clients peering with each other, " opt ", 33 % of datagrams lost, the " \
             "second never reaching the server (125-packetloss)", \
    .conf = PEER_CLIENT(opt, opt), .duration = 20000.0, \
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LOSSY, .down = LOSSY, \
    .server_xleave = true, \
    .relays = {RELAY(3, PEER_RELAY(opt, opt), SCENARIO_CLIENT_CLOCK, 0.0)}, \
    .n_relays = 1, .client_serves = true, .cuts = {{.from = 3, .to = 1}}, .sync_freq_threshold = 500.0, \
  }

/* 144-monoroot's first runs: a chain of 4 server strata, the primary
 * (server 1) 0.1 s ahead until chronyc's doffset 0.1 at 2000 s (converted:
 * its clock stepped back 0.1 s then, chronyd slews it in about 1.2 s; its
 * F323 monotonic scale goes on, as chronyd's after a doffset),
 * relays 2-4 each polling the one before at poll 6 with `opt`, the client
 * relay 4. */
#define MONOROOT(name_, opt) \
  { \
    .name = name_, \
    .about = "4 strata in a chain, " opt " at poll 6, the primary 0.1 s ahead until doffset " \
             "0.1 at 2000 s (144-monoroot)", \
    .conf = SERVER(4, "minpoll 6 maxpoll 6 " opt), .duration = 10000.0, \
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, \
    .server_offset = {0.1}, .server_step_at = 2000.0, .server_step = {-0.1}, \
    .server_xleave = true, \
    .relays = {RELAY(2, SERVER(1, "minpoll 6 maxpoll 6 " opt), SERVER_CLOCK, 0.0), \
               RELAY(3, SERVER(2, "minpoll 6 maxpoll 6 " opt), SERVER_CLOCK, 0.0), \
               RELAY(4, SERVER(3, "minpoll 6 maxpoll 6 " opt), SERVER_CLOCK, 0.0)}, \
    .n_relays = 3, .log_watch = {"no majority", "no selectable sources"}, \
  }

/* chronysim4: 107-allowdeny's runs (below): the server's lines (in the
 * about line: `shown`) and what the client gets. */
#define ALLOWDENY(name_, lines_, shown_, outcome_) \
  { \
    .name = "allowdeny/" name_, \
    .about = "a stratum 1 server with " shown_ ": " outcome_ " (107-allowdeny)", \
    .conf = SERVER1, .duration = 500.0, \
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 0, .up = LAN, .down = LAN, \
    .relays = {RELAY(1, "local stratum 1\n" lines_ "\n", {0}, 0.0)}, .n_relays = 1, \
  }
#define DENIED "never answered"
#define ANSWERED "synchronised"

/* chronysim4: 105-ntpauth's keys. The server's file gives the key of
 * ids 1-4 in hex, the client's in its four spellings (a bare text, ASCII:,
 * MD5 ASCII:, MD5 HEX:); ids 5-10 are one of each other type in both. The
 * test makes those at random (1-32 bytes, AES's 16 and 32); fixed here
 * (20, 32, 1, 17, 16, 32 bytes) so that the runs stay the same. */
#define AUTH_TEXT "k]<j.Jtw^Oo;z5E>n\\_0-x=)yP\\f<)Z^"
#define AUTH_HEX "HEX:6B5D3C6A2E4A74775E4F6F3B7A35453E6E5C5F302D783D2979505C663C295A5E"
#define AUTH_TYPES \
  "5 SHA1 HEX:452A56ECE3848482FF6F7241D6601C87AA6A2705\n" \
  "6 SHA256 HEX:47A8D4511072E07CB319B3FC08049EBAE900EBF3E2D70C9D6D636CF0D63D7115\n" \
  "7 SHA384 HEX:F3\n" \
  "8 SHA512 HEX:08AF9A09EA069576FF02D11EFE6822F9B0\n" \
  "9 AES128 HEX:C483E51DCB83FBB6990DCB607736C4D0\n" \
  "10 AES256 HEX:FF69256D593E7E6533C520C9B218BD8ACB8FABEEE262E130C1413B92684CA959\n"
#define AUTH_SERVER_KEYS \
  "1 MD5 " AUTH_HEX "\n2 MD5 " AUTH_HEX "\n3 MD5 " AUTH_HEX "\n4 MD5 " AUTH_HEX "\n" AUTH_TYPES
#define AUTH_CLIENT_KEYS \
  "1 " AUTH_TEXT "\n2 ASCII:" AUTH_TEXT "\n3 MD5 ASCII:" AUTH_TEXT "\n4 MD5 " AUTH_HEX "\n" \
  AUTH_TYPES
#define AUTH_KEYFILE "keyfile /etc/chrony/chrony.keys\n"
/* Its first runs: the client's server line with "version V key K", both
 * keyfiles; test.common's defaults otherwise. */
#define NTPAUTH(v, k) \
  { \
    .name = "ntpauth/v" #v "-key" #k, \
    .about = "server 1 with version " #v " key " #k ", both keyfiles (105-ntpauth)", \
    .conf = AUTH_KEYFILE SERVER(1, "version " #v " key " #k), .duration = 10000.0, \
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, \
    .keys = AUTH_CLIENT_KEYS, .server_keys = AUTH_SERVER_KEYS, \
  }
#define NTPAUTH_KEYS(v) \
  NTPAUTH(v, 1), NTPAUTH(v, 2), NTPAUTH(v, 3), NTPAUTH(v, 4), NTPAUTH(v, 5), NTPAUTH(v, 6), \
  NTPAUTH(v, 7), NTPAUTH(v, 8), NTPAUTH(v, 9), NTPAUTH(v, 10)

/* Its peer runs: 108-peer's two clients (PEER_CLIENT, PEER_RELAY, relay 3
 * never reaching server 1), both with the client's keyfile, their server
 * line with the last run's "version 4 key 10"; the relay's peer line has
 * the lpeer options, the client's the rpeer ones. */
#define AUTH_SERVER_OPTIONS "version 4 key 10"
#define NTPAUTH_PEER(name_, lopt, ropt) \
  { \
    .name = "ntpauth-peer/" name_, \
    .about = "108-peer's clients peering with '" lopt "' (relay 3) and '" ropt "' (the " \
             "client), both keyfiles (105-ntpauth)", \
    .conf = AUTH_KEYFILE PEER_CLIENT(AUTH_SERVER_OPTIONS, ropt), .duration = 10000.0, \
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, \
    .keys = AUTH_CLIENT_KEYS, .server_keys = AUTH_SERVER_KEYS, \
    .relays = {RELAY(3, AUTH_KEYFILE PEER_RELAY(AUTH_SERVER_OPTIONS, lopt), \
                     SCENARIO_CLIENT_CLOCK, 0.0)}, \
    .n_relays = 1, .client_serves = true, .cuts = {{.from = 3, .to = 1}}, \
  }
#define NTPAUTH_PEER_VERSIONS(lv, rv, k) \
  NTPAUTH_PEER("v" #lv "-v" #rv "-key" #k, "version " #lv " key " #k, "version " #rv " key " #k)

/* 144-monoroot's second part: server 1 (the primary, as in MONOROOT) and
 * 4 clients in a chain of peers, each client peering with the 3 others and
 * polling the server, but only neighbours' datagrams getting through
 * (clknetsim's from = to +- 1; its node 6, chronyc's, is the doffset here):
 * server 1, the client (chrony's node 2), relays 3, 4 and 5. Peer lines to
 * a lower node have the lpeer options (poll lpoll), the others and the
 * server lines the rpeer ones (poll 6); `opt` on all of them. */
#define CUT(from_, to_) {.from = (from_), .to = (to_)}
#define CHAIN_R(opt) "minpoll 6 maxpoll 6 minsamples 16 " opt
#define CHAIN_L(lpoll, opt) "minpoll " #lpoll " maxpoll " #lpoll " minsamples 16 " opt
#define CHAIN_PEER(n, options) "peer " SCENARIO_SERVER_NET #n " " options "\n"
#define MONOROOT_CHAIN(lpoll, suffix, opt) \
  { \
    .name = "monoroot-chain-" #lpoll suffix, \
    .about = "the primary and 4 clients in a chain of peers (poll " #lpoll " to the one " \
             "before, 6 to the next), " opt ", doffset 0.1 at 2000 s (144-monoroot)", \
    .conf = "deny\n" SERVER(1, CHAIN_R(opt)) CHAIN_PEER(3, CHAIN_R(opt)) \
            CHAIN_PEER(4, CHAIN_R(opt)) CHAIN_PEER(5, CHAIN_R(opt)), \
    .duration = 10000.0, \
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, \
    .server_offset = {0.1}, .server_step_at = 2000.0, .server_step = {-0.1}, \
    .server_xleave = true, \
    .relays = {RELAY(3, "deny\n" SERVER(1, CHAIN_R(opt)) CHAIN_PEER(100, CHAIN_L(lpoll, opt)) \
                        CHAIN_PEER(4, CHAIN_R(opt)) CHAIN_PEER(5, CHAIN_R(opt)), \
                     SCENARIO_CLIENT_CLOCK, 0.0), \
               RELAY(4, "deny\n" SERVER(1, CHAIN_R(opt)) CHAIN_PEER(100, CHAIN_L(lpoll, opt)) \
                        CHAIN_PEER(3, CHAIN_L(lpoll, opt)) CHAIN_PEER(5, CHAIN_R(opt)), \
                     SCENARIO_CLIENT_CLOCK, 0.0), \
               RELAY(5, "deny\n" SERVER(1, CHAIN_R(opt)) CHAIN_PEER(100, CHAIN_L(lpoll, opt)) \
                        CHAIN_PEER(3, CHAIN_L(lpoll, opt)) CHAIN_PEER(4, CHAIN_L(lpoll, opt)), \
                     SCENARIO_CLIENT_CLOCK, 0.0)}, \
    .n_relays = 3, .client_serves = true, \
    .cuts = {CUT(3, 1), CUT(4, 1), CUT(5, 1), CUT(SCENARIO_CLIENT_HOST, 4), \
             CUT(4, SCENARIO_CLIENT_HOST), CUT(SCENARIO_CLIENT_HOST, 5), \
             CUT(5, SCENARIO_CLIENT_HOST), CUT(3, 5), CUT(5, 3)}, \
    .log_watch = {"no majority", "no selectable sources"}, .watch_relays = true, \
  }
#define MONOROOT_CHAINS(lpoll) \
  MONOROOT_CHAIN(lpoll, "", "extfield F323"), \
  MONOROOT_CHAIN(lpoll, "-xleave", "xleave extfield F323")

/* chronysim5: 115-cmdmontime. The client at "local stratum 1" with server 1
 * noselect, started on January 1st of `year_` at 00:00:05 UTC (`start_`,
 * Unix seconds: before 1970 and after 2106 too), 2 s; chronyc tracking at
 * 1.5 s, whose reference time (the local reference's, now) the answer
 * gives as stratumc prints it. */
#define CMDMONTIME(year_, start_) \
  { \
    .name = "cmdmontime/" #year_, \
    .about = "local stratum 1, server 1 noselect, from Jan 01 00:00:05 " #year_ ": tracking's " \
             "Ref time at 1.5 s (115-cmdmontime)", \
    .conf = "deny\n" SERVER(1, "noselect") "local stratum 1\n", .duration = 2.0, \
    .start = (time_t)(start_), .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, \
    .up = LAN, .down = LAN, .commands = {{1.5, SCENARIO_TRACKING, 0}}, .n_commands = 1, \
  }

/* 111-knownclient and 112-port: the server is chronyd at stratum 1 ("local
 * stratum 1" and the run's server_conf, after clknetsim's "allow"), relay
 * 1 here, on time; the client polls it with the run's server options and
 * client_conf, test.common's defaults otherwise. Their check_packet_port
 * (every datagram to port 123) reads the world's destination ports. */
#define PORTS(name_, about_, server_, options_, client_) \
  { \
    .name = name_, .about = about_, \
    .conf = "deny\n" SERVER(1, options_) client_, .duration = 10000.0, \
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 0, .up = LAN, .down = LAN, \
    .relays = {RELAY(1, "local stratum 1\n" server_, {0}, 0.0)}, .n_relays = 1, .ports = true, \
  }

/* 124-tai: the client's SHM refclock keeps TAI (its reading true time + 33
 * s, + 34 s after the leap second at the end of 2008; clknetsim's
 * refclock_offset, local - reading, is -33 and -34), read every second on
 * the second with 1 us of jitter; no server; its leap-seconds.list as the
 * test writes it (NTP seconds); maxchange 1e-3 10 0. The world's time has
 * no leap second: clknetsim's offset moves at its 601st sample (its (sum
 * 1.0) counts them), after the one at midnight, which reads the leap
 * second's TAI (33 s ahead) and is converted to midnight; here at 600.5 s. */
#define TAI_LIST \
  "#$\t3676924800\n#@\t3928521600\n3345062400\t33\t# 1 Jan 2006\n" \
  "3439756800\t34\t# 1 Jan 2009\n3550089600\t35\t# 1 Jul 2012\n"
#define TAI_CONF \
  "deny\nrefclock SHM 0 dpoll 0 poll 0 tai\nleapseclist /var/lib/chrony/leap.list\n" \
  "maxchange 1e-3 10 0\n"
#define DEC_31_2008_2350 ((time_t)1230767400)   /* 2008-12-31T23:50:00Z */
#define JAN_1_2009_0010 ((time_t)1230768600)    /* 2009-01-01T00:10:00Z */

/* 130-quit: stratumd -q or -Q against server 1 (its options `options_`),
 * the client's clock 0.1 s off with no frequency error nor wander,
 * test.common's network, 10000 s. */
#define QUIT(name_, about_, options_, mode_) \
  { \
    .name = name_, .about = about_, .conf = "deny\n" SERVER(1, options_), .duration = 10000.0, \
    .client_clock = {.offset = 0.1}, .n_servers = 1, .up = LAN, .down = LAN, .query = (mode_), \
  }

/* 119-smoothtime's later runs: the server, chronyd at stratum 1 (relay 1,
 * no frequency error nor wander), has an SHM refclock (dpoll 4 poll 6, 0.1
 * ms of jitter) 10 s behind true time until its 1000th sample (a second
 * apart; clknetsim's refclock_offset, true - reading, is 10 then 0) and
 * its clock stepped 10 s back at its first second, before the client's
 * first request (its sync times need it so: a reply from before would be
 * 10 s off the later ones; here 10 s behind from the start), smoothtime
 * 2000 1, maxjitter 10; the client, 10 s behind,
 * polls it at poll 6 with `options_`, corrtimeratio 100, 10000 s;
 * synchronised as find_sync has it: within time_max_limit (sync_ s) and
 * freq_max_limit (freq_ ppm, slewing counted). */
#define SMOOTH_REFCLOCK(name_, about_, options_, sync_, freq_) \
  { \
    .name = name_, .about = about_, \
    .conf = "deny\n" SERVER(1, "minpoll 6 maxpoll 6 " options_) "corrtimeratio 100\n", \
    .duration = 10000.0, .client_clock = {.offset = -10.0, .freq = 100.0, .wander = 1e-3}, \
    .n_servers = 0, .up = LAN, .down = LAN, \
    .relays = {{.conf = "local stratum 1\nrefclock SHM 0 dpoll 4 poll 6\nsmoothtime 2000 1\n" \
                        "maxjitter 10.0\n", \
                .host = 1, .clock = {.offset = -10.0}, \
                .refclocks = {{.dev_offset = -10.0, .jitter = 1e-4, .step_at = 1000.5, \
                               .step = 10.0}}}}, \
    .n_relays = 1, .relay_clientlog = true, .sync_threshold = (sync_), \
    .sync_freq_threshold = (freq_), \
  }

/* What clknetsim puts before the text of chronyd's configuration (and
 * bindcmdaddress 0.0.0.0: its chronyc's requests come over UDP). */
#define CLKNETSIM_CHRONYD "allow\ncmdallow\n"

/* 110-chronyc's first runs: the client (chrony's node 2) with two servers,
 * node1.net1.clk (server 1) and 192.168.123.2, chrony's client itself,
 * which denies NTP (here no host: neither answers), an SHM refclock
 * noselect (test.common's jitter 1e-4) and smoothtime leaponly; chronyc
 * (stratumc `options_`, chrony's node 3, over UDP) runs `lines_` at 1000
 * s of clknetsim's 2010. */
#define CHRONYC110(name_, about_, lines_, options_) \
  { \
    .name = name_, \
    .about = "two servers (one unreachable), SHM noselect, smoothtime leaponly: " about_, \
    .conf = CLKNETSIM_CHRONYD "deny\nserver node1.net1.clk\nserver 192.168.123.2\nrefclock SHM 0 noselect\n" \
            "smoothtime 400 0.001 leaponly\n", \
    .duration = 1001.0, .start = JAN_1_2010, .client_clock = SCENARIO_CLIENT_CLOCK, \
    .n_servers = 1, .up = LAN, .down = LAN, .names = {{"node1.net1.clk", {1}}}, \
    .refclocks = {{.jitter = 1e-4}}, .chronyc = (lines_), .chronyc_options = (options_), \
    .chronyc_at = 1000.0, .chronyc_host = 3, \
  }

/* 110-chronyc's later runs: chrony's client (node 1) at "local stratum 1"
 * with the run's server_conf `conf_` (its server 192.168.123.1 is itself
 * there, server 1 here; node1.net1.clk too); its chronyc (node 2, 192.168.123.2, over UDP,
 * names resolved: dns=1 from the second run on; over the Unix socket,
 * host_ 0, with cmdmon_unix) runs `lines_` at 0.5 s of the 1 s run (limit
 * 1), with `options_`; with -e (not chrony's) each line is a run of its
 * own there (chronyc_each) and its "." cuts the text per command (so the
 * eleventh run's lines go on after the simulator's missing actions). */
#define CHRONYC_NODE1(name_, about_, conf_, lines_, host_, options_, each_) \
  { \
    .name = name_, .about = about_, \
    .conf = CLKNETSIM_CHRONYD "local stratum 1\n" conf_, \
    .duration = 1.0, .start = JAN_1_2010, .client_clock = SCENARIO_CLIENT_CLOCK, \
    .n_servers = 1, .up = LAN, .down = LAN, .names = {{"node1.net1.clk", {1}}}, \
    .chronyc = (lines_), .chronyc_options = (options_), .chronyc_at = 0.5, \
    .chronyc_host = (host_), .chronyc_each = (each_), \
  }
#define CHRONYC_LOCAL(name_, about_, conf_, lines_) \
  CHRONYC_NODE1(name_, about_, conf_, lines_, 2, "-e", true)
#define CHRONYC_UNIX(name_, about_, conf_, lines_) \
  CHRONYC_NODE1(name_, about_, conf_, lines_, 0, "-e", true)
/* Its fifth run's commands, each refused to a remote chronyc. */
#define CHRONYC_REMOTE_REFUSED \
  "accheck 1.2.3.4\n" \
  "add peer 10.0.0.0 minpoll 2 maxpoll 6\n" \
  "add server 10.0.0.0 minpoll 6 maxpoll 10 iburst burst key 1 certset 2 maxdelay 1e-3 " \
  "maxdelayratio 10.0 maxdelaydevratio 10.0 maxdelayquant 0.5 mindelay 1e-4 asymmetry 0.5 " \
  "offset 1e-5 minsamples 6 maxsamples 6 maxunreach 8 filter 3 offline auto_offline prefer " \
  "noselect trust require xleave polltarget 20 port 123 presend 7 minstratum 3 version 4 nts " \
  "ntsport 4460 copy extfield F323 extfield F324 ipv6 ipv4\n" \
  "add server node1.net1.clk\n" \
  "allow 1.2.3.4\n" \
  "allow 1.2\n" \
  "allow 3.4.5\n" \
  "allow 6.7.8/22\n" \
  "allow 6.7.8.9/22\n" \
  "allow 0/0\n" \
  "allow\n" \
  "allow all 10/24\n" \
  "authdata\n" \
  "burst 5/10\n" \
  "burst 3/5 255.255.255.0/1.2.3.0\n" \
  "burst 1/2 1.2.3.0/24\n" \
  "clients\n" \
  "clients -k\n" \
  "clients -p 100\n" \
  "clients -r\n" \
  "cmdaccheck 1.2.3.4\n" \
  "cmdallow 1.2.3.4\n" \
  "cmdallow all 1.2.3.0/24\n" \
  "cmddeny 1.2.3.4\n" \
  "cmddeny all 1.2.3.0/24\n" \
  "cyclelogs\n" \
  "delete 10.0.0.0\n" \
  "delete ID#0000000001\n" \
  "deny 1.2.3.4\n" \
  "deny all 1.2.3.0/24\n" \
  "dfreq 1.0e-3\n" \
  "doffset -1.0\n" \
  "dump\n" \
  "local stratum 5 distance 1.0 activate 0.5 orphan waitsynced 100 waitunsynced 20\n" \
  "local off\n" \
  "makestep 10.0 3\n" \
  "makestep\n" \
  "manual delete 0\n" \
  "manual off\n" \
  "manual on\n" \
  "manual reset\n" \
  "maxdelay 1.2.3.4 1e-2\n" \
  "maxdelaydevratio 1.2.3.4 5.0\n" \
  "maxdelayratio 1.2.3.4 3.0\n" \
  "maxpoll 1.2.3.4 5\n" \
  "maxupdateskew 1.2.3.4 10.0\n" \
  "minpoll 1.2.3.4 3\n" \
  "minstratum 1.2.3.4 1\n" \
  "minstratum ID#0000000001 1\n" \
  "ntpdata 1.2.3.4\n" \
  "offline\n" \
  "offline 255.255.255.0/1.2.3.0\n" \
  "offline 1.2.3.0/24\n" \
  "offset 1.2.3.4 1.0\n" \
  "online\n" \
  "online 1.2.3.0/24\n" \
  "onoffline\n" \
  "polltarget 1.2.3.4 10\n" \
  "refresh\n" \
  "rekey\n" \
  "reload sources\n" \
  "reselect\n" \
  "reselectdist 1e-3\n" \
  "reset sources\n" \
  "selectdata\n" \
  "selectopts 1.2.3.4 -noselect +trust +require +prefer\n" \
  "selectopts ID#0000000001 +prefer\n" \
  "selectopts PPS0 +prefer\n" \
  "settime 16:30\n" \
  "settime 16:30:05\n" \
  "settime Nov 21, 2015 16:30:05\n" \
  "serverstats\n" \
  "shutdown\n" \
  "smoothtime reset\n" \
  "smoothtime activate\n" \
  "trimrtc\n" \
  "writertc\n"
/* Its sixth run's: monitoring, refused unless opencommands names them. */
#define CHRONYC_MONITORING \
  "activity\n" \
  "authdata\n" \
  "clients\n" \
  "manual list\n" \
  "ntpdata\n" \
  "rtcdata\n" \
  "selectdata\n" \
  "serverstats\n" \
  "smoothing\n" \
  "sourcename 192.168.123.1\n" \
  "sources\n" \
  "sourcestats\n" \
  "tracking\n"
/* Its eighth and ninth runs: access rules set and checked (IPv4, IPv6). */
#define CHRONYC_ACCESS(a1, net28, net27, a2, net27b, c1, net28c, a3, a4) \
  "deny all\ncmdallow all\nallow " a1 "\nallow " net28 "\ndeny " net27 "\nallow " a2 "\n" \
  "deny all " net27b "\ncmddeny " c1 "\ncmdallow all " net28c "\naccheck " a1 "\n" \
  "accheck " a3 "\naccheck " a4 "\ncmdaccheck " c1 "\n"
/* Its twelfth run's commands (noclientlog), each failing as chronyc says. */
#define CHRONYC_FAILING \
  "add server ::1 ipv4\nadd server 192.168.123.1 ipv6\nadd server nosuchnode.net1.clk\n" \
  "allow nosuchnode.net1.clk\nallow 192.168.123.0/2 4\nallow 192.168.123.0/2e\n" \
  "allow 192.168.12e\nallow 192.168123\nallow 192.168.123.2/33\nclients\n" \
  "delete 192.168.123.2\nminpoll 192.168.123.2 5\nntpdata 192.168.123.2\nsettime now\n" \
  "smoothing\nsmoothtime activate\nsmoothtime reset\nsourcename 192.168.123.2\ntrimrtc\n" \
  "writertc\n"
/* Its tenth run's: a source deleted, added by name and steered. */
#define CHRONYC_STEERING \
  "delete 192.168.123.1\nadd server node1.net1.clk minpoll 6 maxpoll 10 iburst\n" \
  "offline 192.168.123.1\nburst 1/1 192.168.123.1\nonline 192.168.123.1\n" \
  "maxdelay 192.168.123.1 1e-2\nmaxdelaydevratio 192.168.123.1 5.0\n" \
  "maxdelayratio 192.168.123.1 3.0\nmaxpoll 192.168.123.1 5\n" \
  "maxupdateskew 192.168.123.1 10.0\nminpoll 192.168.123.1 3\nminstratum 192.168.123.1 1\n" \
  "offset 192.168.123.1 -1.0\npolltarget 192.168.123.1 10\n" \
  "selectopts 192.168.123.1 +trust +prefer -require\nselectdata\n" \
  "selectopts 192.168.123.1 +noselect -prefer -trust +require\nselectdata\n" \
  "delete 192.168.123.1\n"
/* Its eleventh run's: the daemon's other commands. */
#define CHRONYC_OTHERS \
  "cyclelogs\ndump\ndfreq 1.0e-3\ndoffset -0.01\n" \
  "local stratum 5 distance 1.0 orphan waitsynced 100 waitunsynced 10\nlocal off\n" \
  "makestep 10.0 3\nmakestep\nmanual on\nsettime now\nmanual delete 0\nmanual reset\n" \
  "manual off\nonoffline\nrefresh\nrekey\nreload sources\nreselect\nreselectdist 1e-3\n" \
  "reset sources\nshutdown\n"
#define CHRONYC_OPEN(word_, command_) \
  CHRONYC_LOCAL("chronyc/open-" word_, "opencommands " word_ ": chronyc " command_ \
                " answered remotely (110-chronyc's sixth run)", "opencommands " word_ "\n", \
                command_ "\n")

static const struct scenario scenarios[] = {
  {
    .name = "defaults",
    .about = "chrony's default test settings (001-defaults), longer run",
    .conf = SERVER1,
    .duration = 20000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "iburst",
    .about = "defaults with iburst (102-iburst, without its makestep and drift file)",
    .conf = SERVER(1, "minpoll 6 maxpoll 10 iburst"),
    .duration = 20000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "large-offset",
    .about = "client 100 s ahead at start, slewed at maxslewrate (004-largetimeoffset)",
    .conf = SERVER1,
    .duration = 10000.0,
    .client_clock = {.offset = 100.0, .freq = 100.0, .wander = 1e-3},
    .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "large-offset-behind",
    .about = "client 100 s behind at start, slewed at maxslewrate (004-largetimeoffset)",
    .conf = SERVER1,
    .duration = 10000.0,
    .client_clock = {.offset = -100.0, .freq = 100.0, .wander = 1e-3},
    .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "large-jitter",
    .about = "10 ms exponential jitter each way (006-largejitter, scaled)",
    .conf = SERVER1,
    .duration = 20000.0, .settle = 2000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 10e-3}, .down = {.delay = 100e-6, .jitter = 10e-3},
  },
  {
    .name = "large-wander",
    .about = "frequency random walk of 0.1 ppm/sqrt(s) (007-largewander: wander 1e-7)",
    .conf = SERVER1,
    .duration = 20000.0, .settle = 1000.0,
    .client_clock = {.offset = 0.1, .freq = 100.0, .wander = 0.1},
    .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "falsetickers",
    .about = "5 servers, 1 ms away, 2 of them 1 s and 2 s wrong (009-sourceselection)",
    .conf = SERVER1 SERVER(2, "minpoll 6 maxpoll 10") SERVER(3, "minpoll 6 maxpoll 10")
            SERVER(4, "minpoll 6 maxpoll 10") SERVER(5, "minpoll 6 maxpoll 10"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 5,
    .server_offset = {1.0, 2.0, 0.0, 0.0, 0.0},
    .up = {.delay = 1e-3, .jitter = 100e-6}, .down = {.delay = 1e-3, .jitter = 100e-6},
  },
  {
    .name = "asym-jitter",
    .about = "1 ms exponential jitter on requests only, none on replies",
    .conf = SERVER1,
    .duration = 20000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 1e-3}, .down = QUIET,
  },
  {
    .name = "packet-loss",
    .about = "33 % of datagrams lost in each direction (55 % of exchanges)",
    .conf = SERVER1,
    .duration = 20000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 100e-6, .loss = 0.33},
    .down = {.delay = 100e-6, .jitter = 100e-6, .loss = 0.33},
  },
  {
    .name = "intermittent",
    .about = "server reachable 1200 s of every 10000 s (014-intermittent)",
    .conf = SERVER1,
    .duration = 100000.0, .settle = 1200.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .outage_period = 10000.0, .outage_open = 1200.0,
  },
  {
    .name = "external-step",
    .about = "client clock stepped +0.5 s by an outside force at 20000 s (005-externalstep)",
    .conf = SERVER1,
    .duration = 40000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .ext_step_at = 20000.0, .ext_step = 0.5,
  },
  {
    .name = "external-step-forward",
    .about = "client clock stepped +100 s by an outside force at 150 s (005-externalstep)",
    .conf = SERVER1,
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .ext_step_at = 150.0, .ext_step = 100.0,
  },
  {
    .name = "external-step-backward",
    .about = "client clock stepped -100 s by an outside force at 150 s (005-externalstep)",
    .conf = SERVER1,
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .ext_step_at = 150.0, .ext_step = -100.0,
  },
  {
    .name = "era-2036",
    .about = "start 500 s before the NTP era rollover, 2036-02-07T06:28:16Z (008-ntpera)",
    .conf = SERVER1,
    .duration = 10000.0, .start = ERA_2036 - 500,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "fast-poll",
    .about = "minpoll 4 maxpoll 4 (101-poll)",
    .conf = SERVER(1, "minpoll 4 maxpoll 4"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "refclock-sock",
    .about = "a SOCK time-of-day refclock (NMEA-like, 100 ms normal jitter) alone, refid GPS "
             "(106-refclock's first test with 006-largejitter's 0.1 s: 0.5 s max, 0.1 s rms)",
    .conf = "refclock SOCK /var/run/stratum.ref0.sock refid GPS\n",
    .duration = 10000.0, .settle = 2000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK,
    .refclocks = {{.jitter = 0.1}},
  },
  {
    .name = "refclock-pps-lock",
    .about = "SOCK pulses (PPS-like, 1 us jitter) locked to a noselect SOCK NMEA refclock "
             "(100 ms jitter) (106-refclock's PPS lock NMEA: sync 45-70 s, stratum 1)",
    .conf = "refclock SOCK /var/run/stratum.ref0.sock refid NMEA noselect\n"
            "refclock SOCK /var/run/stratum.ref1.sock lock NMEA refid PPS\n",
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK,
    .refclocks = {{.jitter = 0.1}, {.jitter = 1e-6, .pulse = true}},
  },
  {
    .name = "refclock-shm-fast",
    .about = "an SHM refclock with 1 us jitter written 4 times a second, dpoll -2 poll 2 "
             "(106-refclock's PHC poll 0: sync in 3 polls + 4 s, 100 / 10 jitters max / rms)",
    .conf = "refclock SHM 0 dpoll -2 poll 2\n",
    .duration = 2000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK,
    .refclocks = {{.rate = 4, .jitter = 1e-6}},
  },
  {
    .name = "refclock-phc",
    .about = "a PTP clock read 25 times per poll, 1 us per reading, 0.1 us jitter; stratum 3 "
             "delay 1e-3 (106-refclock's PHC: sync 45-70 s, stratum 4, root delay 1e-3)",
    .conf = "refclock PHC /dev/ptp0 stratum 3 delay 1e-3 refid GPS\n",
    .duration = 2000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK,
    .refclocks = {{.jitter = 1e-7}},
  },
  {
    .name = "refclock-pps",
    .about = "a PPS device (1 us jitter) locked to a noselect SHM NMEA clock 0.35 s late with "
             "50 ms jitter (106-refclock's PPS: sync, stratum 1, 610-740 of 1000 pulses taken)",
    .conf = "refclock SHM 0 refid NMEA noselect\nrefclock PPS /dev/pps1 lock NMEA\n",
    .duration = 2000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK,
    .refclocks = {{.dev_offset = -0.35, .jitter = 0.05}, {.jitter = 1e-6}},
  },
  {
    .name = "refclock-phc-bursts",
    .about = "a PTP clock read without cross timestamps at poll 0 (1e-9 jitter), its readings' "
             "delays jittered by 1 us for 8 of every 500 reads (106-refclock's PHC jitter "
             "bursts: sync 5-7 s, 1e-7 s max, 1e-8 s rms)",
    .conf = "refclock PHC /dev/ptp0:nocrossts poll 0\n",
    .duration = 1000.0, .sync_threshold = 1e-7,
    .client_clock = SCENARIO_CLIENT_CLOCK,
    .refclocks = {{.jitter = 1e-9, .delay_jitter = 1e-6, .jitter_on = 2 * 25 * 8,
                   .jitter_off = 2 * 25 * 492}},
  },
  {
    .name = "refclock-phc-extpps",
    .about = "a PTP clock 0.3 s off and 30 ppm fast stamping pulses (extpps, 0.1 us jitter), "
             "locked to a noselect SHM NMEA clock 0.35 s late with 50 ms jitter",
    .conf = "refclock SHM 0 refid NMEA noselect\n"
            "refclock PHC /dev/ptp1:extpps lock NMEA refid PPS\n",
    .duration = 2000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK,
    .refclocks = {{.dev_offset = -0.35, .jitter = 0.05},
                  {.dev_offset = 0.3, .dev_freq = 30.0, .jitter = 1e-7}},
  },
  {
    .name = "refclock-local",
    .about = "106-refclock's PHC local: frequency a 100 ppm sine of 1000 s, one server at poll "
             "4 until 5000 s, a PTP clock 0.399 s off and 1000 ppm fast but stable (1 us "
             "jitter) as the local standard at poll 2, never selected",
    .conf = SERVER(1, "minpoll 4 maxpoll 4 filter 5 minsamples 64")
            "refclock PHC /dev/ptp0 local poll 2\n",
    .duration = 10000.0,
    .client_clock = {.sine_amp = 100.0, .sine_period = 1000.0},
    .n_servers = 1, .up = LAN, .down = LAN,
    .outage_period = 20000.0, .outage_open = 5000.0,
    .refclocks = {{.dev_offset = 0.399, .dev_freq = 1000.0, .jitter = 1e-6}},
  },
  {
    .name = "refclock-local-off",
    .about = "refclock-local without its PTP clock",
    .conf = SERVER(1, "minpoll 4 maxpoll 4 filter 5 minsamples 64"),
    .duration = 10000.0,
    .client_clock = {.sine_amp = 100.0, .sine_period = 1000.0},
    .n_servers = 1, .up = LAN, .down = LAN,
    .outage_period = 20000.0, .outage_open = 5000.0,
  },
  {
    .name = "refclock-rtc",
    .about = "an RTC's update interrupts (1 us jitter), stratum 3 delay 1e-3, client 0.1 s "
             "off, no frequency error nor wander (106-refclock's RTC: stratum 4)",
    .conf = "refclock RTC /dev/rtc0 stratum 3 delay 1e-3 refid GPS\n",
    .duration = 2000.0,
    .client_clock = {.offset = 0.1},
    .refclocks = {{.jitter = 1e-6}},
  },
  {
    .name = "refclock-servers",
    .about = "a SOCK refclock (106-refclock's 100 us jitter: sync 45-70 s, 1 ms max, 0.3 ms "
             "rms) with 2 NTP servers at minpoll 4 maxpoll 4: stratum 0 beats stratum 1",
    .conf = SERVER(1, "minpoll 4 maxpoll 4") SERVER(2, "minpoll 4 maxpoll 4")
            "refclock SOCK /var/run/stratum.ref0.sock refid GPS\n",
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 2, .up = LAN, .down = LAN,
    .refclocks = {{.jitter = 100e-6}},
  },
  {
    .name = "refclock-stall",
    .about = "refclock-servers with 1 server, the refclock's device stalls at 5000 s: its "
             "reach falls, the server takes over once the refclock is stale (chrony's rule)",
    .conf = SERVER(1, "minpoll 4 maxpoll 4")
            "refclock SOCK /var/run/stratum.ref0.sock refid GPS\n",
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .refclocks = {{.jitter = 100e-6, .stall_at = 5000.0}},
  },
  LEAP_SCENARIO("leap-insert-system", "leap second inserted, leapsecmode system (113-leapsecond)",
                1, "system"),
  LEAP_SCENARIO("leap-insert-step", "leap second inserted, leapsecmode step (113-leapsecond)",
                1, "step"),
  LEAP_SCENARIO("leap-insert-slew", "leap second inserted, leapsecmode slew (113-leapsecond)",
                1, "slew"),
  LEAP_SCENARIO("leap-insert-ignore", "leap second inserted, leapsecmode ignore",
                1, "ignore"),
  LEAP_SCENARIO("leap-delete-system", "leap second deleted, leapsecmode system (113-leapsecond)",
                -1, "system"),
  LEAP_SCENARIO("leap-delete-step", "leap second deleted, leapsecmode step (113-leapsecond)",
                -1, "step"),
  LEAP_SCENARIO("leap-delete-slew", "leap second deleted, leapsecmode slew (113-leapsecond)",
                -1, "slew"),
  LEAP_SCENARIO("leap-delete-ignore", "leap second deleted, leapsecmode ignore",
                -1, "ignore"),
  {
    .name = "leap-smear", .about = "a client of a server smoothing all its corrections "
                                   "across an inserted leap second (113-leapsecond, smoothtime)",
    .conf = "server " SCENARIO_SMEAR_ADDR " minpoll 6 maxpoll 10\n", .smear_conf = SMEAR_CONF(""),
    .duration = 4.0 * SCENARIO_DAY, .start = DEC_30_2008, .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1,
    .up = LAN, .down = LAN, .leap = 1,
  },
  {
    .name = "leap-smear-leaponly", .about = "a client of a server smearing an inserted leap "
                                            "second (113-leapsecond, smoothtime leaponly)",
    .conf = "server " SCENARIO_SMEAR_ADDR " minpoll 6 maxpoll 10\n", .smear_conf = SMEAR_CONF(" leaponly"),
    .duration = 4.0 * SCENARIO_DAY, .start = DEC_30_2008, .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1,
    .up = LAN, .down = LAN, .leap = 1,
  },
  {
    .name = "fuzzed-server",
    .about = "defaults, the server's stamps fuzzed below its precision as chronyd's (001)",
    .conf = SERVER1,
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, .server_fuzz = true,
  },
  {
    .name = "poll-1",
    .about = "minpoll 1 maxpoll 1, makestep 1e-2 1, 1 us jitter, no wander (101-poll)",
    .conf = SERVER(1, "minpoll 1 maxpoll 1") "makestep 1e-2 1\n",
    .duration = 20.0, .sync_threshold = 1e-5, .late_from = 10.0,
    .client_clock = STILL_CLOCK(0.1), .n_servers = 1, .up = JITTER(1e-6), .down = JITTER(1e-6),
  },
  {
    .name = "makestep-1e8",
    .about = "client 1e8 s ahead, makestep 2 1, 10 us jitter, no wander (109-makestep)",
    .conf = SERVER1 "makestep 2 1\n",
    .duration = 200.0, .late_from = 150.0,
    .client_clock = STILL_CLOCK(1e8), .n_servers = 1, .up = JITTER(1e-5), .down = JITTER(1e-5),
  },
  {
    .name = "makestep-minus-1e8",
    .about = "client 1e8 s behind, makestep 2 1, 10 us jitter, no wander (109-makestep)",
    .conf = SERVER1 "makestep 2 1\n",
    .duration = 200.0, .late_from = 150.0,
    .client_clock = STILL_CLOCK(-1e8), .n_servers = 1, .up = JITTER(1e-5),
    .down = JITTER(1e-5),
  },
  {
    .name = "makestep-1",
    .about = "client 1 s ahead, makestep 2 1, 10 us jitter, no wander (109-makestep)",
    .conf = SERVER1 "makestep 2 1\n",
    .duration = 200.0, .late_from = 150.0,
    .client_clock = STILL_CLOCK(1.0), .n_servers = 1, .up = JITTER(1e-5), .down = JITTER(1e-5),
  },
  {
    .name = "ratelimit",
    .about = "minpoll 3 maxpoll 3, server ratelimit interval 6 burst 2 leak 4 (135-ratelimit)",
    .conf = SERVER(1, "minpoll 3 maxpoll 3"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .server_ratelimit = {.enabled = true, .interval = 6, .burst = 2, .leak = 4},
  },
  {
    .name = "ratelimit-kod",
    .about = "as ratelimit, with kod 2: KoD RATE slows the client (135-ratelimit)",
    .conf = SERVER(1, "minpoll 3 maxpoll 3"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .server_ratelimit = {.enabled = true, .interval = 6, .burst = 2, .leak = 4, .kod = 2},
  },
  {
    .name = "fallbackdrift",
    .about = "frequency a 100 ppm sine of 1000 s, the server lost at 4250 s for the rest of "
             "1e5 s: fallbackdrift 6 10 (117-fallbackdrift)",
    .conf = SERVER(1, "minpoll 4 maxpoll 4") "fallbackdrift 6 10\n",
    .duration = 100000.0, .settle = 300.0, .sync_threshold = 1.0,
    .client_clock = {.offset = 10.0, .sine_amp = 100.0, .sine_period = 1000.0},
    .n_servers = 1, .up = JITTER0(1e-6), .down = JITTER0(1e-6),
    .outage_period = 100000.0, .outage_open = 4250.0,
  },
  {
    .name = "manual",
    .about = "no server, manual: settime each hour from 1:00 (the clock 0.1 s and 100 ppm "
             "fast), delete, list, reset (143-manual)",
    .conf = "manual\n",
    .duration = 12.0 * 3600, .start = JAN_1_2010, .sync_threshold = 4e-3,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 0,
    .commands = {{3600, SCENARIO_SETTIME, 3600}, {7200, SCENARIO_SETTIME, 7200},
                 {10800, SCENARIO_SETTIME, 10800}, {14400, SCENARIO_SETTIME, 14400},
                 {18000, SCENARIO_MANUAL_DELETE, 2}, {21600, SCENARIO_SETTIME, 21600},
                 {25200, SCENARIO_MANUAL_LIST, 0}, {28800, SCENARIO_SETTIME, 28800},
                 {32400, SCENARIO_MANUAL_RESET, 0}, {36000, SCENARIO_SETTIME, 36000},
                 {39600, SCENARIO_MANUAL_LIST, 0}},
    .n_commands = 11,
  },
  {
    .name = "rtcfile",
    .about = "the RTC 10 s slow at the start, gaining 100 ppm, tracked with rtcfile for 9900 s "
             "(145-rtc's first run; chronyc rtcdata's figures)",
    .conf = SERVER1 "rtcfile /var/lib/chrony/rtc\nrtconutc\n",
    .duration = 9900.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .rtc_freq = 100.0, .rtc_error = -10.0,
  },
  {
    .name = "rtcfile-s",
    .about = "stratumd -s four days after rtcfile's run: the clock 10 s ahead (100 ppm, the "
             "drift file's), the RTC 24.56 s fast (100 ppm for four days) and as fast as the "
             "corrected clock since, that run's rtcfile, rtcautotrim 1 (145-rtc's second run)",
    .conf = SERVER1 "rtcfile /var/lib/chrony/rtc\nrtconutc\nrtcautotrim 1\n",
    .driftfile = "100.0 0.05",
    .duration = 10000.0, .start = JAN_1_2010 + 4 * SCENARIO_DAY, .sync_threshold = 1e-2,
    .client_clock = {.offset = 10.0, .freq = 100.0}, .n_servers = 1, .up = LAN, .down = LAN,
    .rtc_freq = 0.0, .rtc_error = 4 * SCENARIO_DAY * 100e-6 - 10.0,
    .init_from_rtc = true, .rtcfile_text = "1 1262313820 -9.017000 99.990000\n",
    .driftfile_changed = JAN_1_2010,
  },
  {
    .name = "rtcfile-s-driftfile",
    .about = "stratumd -s with the clock 10000 s behind and the RTC (10 s slow) before the "
             "drift file's last change, at the start: the drift file's time is taken "
             "(145-rtc's third run)",
    .conf = SERVER1 "rtcfile /var/lib/chrony/rtc\nrtconutc\nrtcautotrim 1\n",
    .driftfile = "100.0 0.05",
    .duration = 10000.0, .start = JAN_1_2010 + 9 * SCENARIO_DAY, .sync_threshold = 1e-2,
    .client_clock = {.offset = -10000.0, .freq = 100.0}, .n_servers = 1, .up = LAN,
    .down = LAN, .rtc_freq = 0.0, .rtc_error = -10.0,
    .init_from_rtc = true, .rtcfile_text = "1 1262659400 0.100000 0.000000\n",
    .driftfile_changed = JAN_1_2010 + 9 * SCENARIO_DAY,
  },
  {
    .name = "maxdelayquant",
    .about = "minpoll 2 maxpoll 2 maxdelayquant 0.1 on 10 us + 10 us jitter, the frequency "
             "drifting 1e-4 ppm/s, no wander (118-maxdelay's quantile run)",
    .conf = SERVER(1, "minpoll 2 maxpoll 2 maxdelayquant 0.1"),
    .duration = 10000.0,
    .client_clock = DRIFTING_CLOCK, .n_servers = 1, .up = TINY_LAN, .down = TINY_LAN,
  },
  {
    .name = "copy",
    .about = "defaults with copy: the server's stratum and refid are ours (141-copy)",
    .conf = SERVER(1, "minpoll 6 maxpoll 10 copy"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  MINDELAY("mindelay", "mindelay 2e-4 asymmetry 0.499 with the jitter almost all on replies "
           "(123-mindelay)", "mindelay 2e-4 asymmetry 0.499"),
  MINDELAY("mindelay-too-low", "as mindelay with mindelay 1e-4: the correction misses "
           "(123-mindelay: no sync)", "mindelay 1e-4 asymmetry 0.499"),
  MINDELAY("mindelay-no-asymmetry", "as mindelay with asymmetry 0.0: no correction "
           "(123-mindelay: no sync)", "mindelay 2e-4 asymmetry 0.0"),
  FREQACC_DRIFTS(-5e4), FREQACC_DRIFTS(-500), FREQACC_DRIFTS(500), FREQACC_DRIFTS(5e4),
  LARGEFREQ(-5e4), LARGEFREQ(-5e3), LARGEFREQ(5e3), LARGEFREQ(5e4),
  {
    .name = "filter",
    .about = "minpoll 4 maxpoll 4 filter 15 maxdelay 3.5e-4: over half the replies too "
             "slow (127-filter)",
    .conf = SERVER(1, "minpoll 4 maxpoll 4 filter 15 maxdelay 3.5e-4"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "filter-loss",
    .about = "minpoll 4 maxpoll 4 filter 3, 30 % of datagrams lost each way (127-filter)",
    .conf = SERVER(1, "minpoll 4 maxpoll 4 filter 3"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 100e-6, .loss = 0.3},
    .down = {.delay = 100e-6, .jitter = 100e-6, .loss = 0.3},
  },
  {
    .name = "burst",
    .about = "burst polltarget 1, only every fourth request gets through (126-burst)",
    .conf = SERVER(1, "minpoll 6 maxpoll 10 burst polltarget 1"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 100e-6, .jitter_kind = SIM_JITTER_EXP, .pass_every = 4},
    .down = LAN,
  },
  /* chronysim: chrony 4.8's test/simulation tests with no scenario before,
   * with their network, clock and configuration. */
  {
    .name = "prefer",
    .about = "3 servers, the third with prefer (202-prefer)",
    .conf = SERVER1 SERVER(2, "minpoll 6 maxpoll 10") SERVER(3, "minpoll 6 maxpoll 10 prefer"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 3, .up = LAN, .down = LAN,
  },
  {
    .name = "minsources-1",
    .about = "minsources 3 with 1 server: never selected, never synchronised (116-minsources)",
    .conf = SERVER1 "minsources 3\n",
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "minsources-3",
    .about = "minsources 3 with 3 servers (116-minsources)",
    .conf = SERVER1 SERVER(2, "minpoll 6 maxpoll 10") SERVER(3, "minpoll 6 maxpoll 10")
            "minsources 3\n",
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 3, .up = LAN, .down = LAN,
  },
  SELECT_OPTIONS("select-trust", "the third of 3 servers trusted, the others 1 s and 2 s "
                 "wrong, 0.6 s away: it wins (120-selectoptions)", "", "trust", 0.6, 2),
  SELECT_OPTIONS("select-prefer", "the third of 3 servers preferred, the others 1 s and 2 s "
                 "wrong, 0.6 s away: the first selected, never synchronised "
                 "(120-selectoptions)", "", "prefer", 0.6, 2),
  SELECT_OPTIONS("select-prefer-far", "as select-prefer 1.1 s away: the intervals all meet, "
                 "the preferred one is synchronised to (120-selectoptions)", "", "prefer",
                 1.1, 2),
  SELECT_OPTIONS("select-require", "the third of 3 servers required, the first 1 s wrong "
                 "(120-selectoptions)", "", "require", 1e-3, 1),
  SELECT_OPTIONS("select-require-false", "the first of 3 servers, 1 s wrong, required: "
                 "nothing selected (120-selectoptions)", "require", "", 1e-3, 1),
  {
    .name = "presend",
    .about = "presend 6 maxdelay 16, maxdistance 10 (114-presend), 9900 s",
    .conf = SERVER(1, "minpoll 6 maxpoll 10 presend 6 maxdelay 16") "maxdistance 10\n",
    .duration = 9900.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "presend-far",
    .about = "presend with a server 5 s away each way (114-presend, base_delay 5)",
    .conf = SERVER(1, "minpoll 6 maxpoll 10 presend 6 maxdelay 16") "maxdistance 10\n",
    .duration = 9900.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = DELAY(5.0), .down = DELAY(5.0),
  },
  {
    .name = "maxdelay",
    .about = "maxpoll 6 maxdelay 3e-5 maxdelayratio 2 maxdelaydevratio 2, 10 us delay and "
             "jitter, no wander, frequency drifting 1e-4 ppm/s (118-maxdelay)",
    .conf = SERVER(1, "maxpoll 6 maxdelay 3e-5 maxdelayratio 2.0 maxdelaydevratio 2.0"),
    .duration = 10000.0,
    .client_clock = DRIFTING_CLOCK, .n_servers = 1, .up = TINY_LAN, .down = TINY_LAN,
  },
  {
    .name = "maxdelay-short",
    .about = "as maxdelay with maxdelay 2e-5, below every round trip: never synchronised "
             "(118-maxdelay)",
    .conf = SERVER(1, "maxpoll 6 maxdelay 2e-5"),
    .duration = 10000.0,
    .client_clock = DRIFTING_CLOCK, .n_servers = 1, .up = TINY_LAN, .down = TINY_LAN,
  },
  {
    .name = "logchange",
    .about = "client 2 s off, stepped 1 s behind its back at 300 s, maxsamples 6, logchange "
             "0.1: 3-8 warnings (132-logchange)",
    .conf = SERVER(1, "minpoll 6 maxpoll 10 maxsamples 6") "logchange 0.1\n",
    .duration = 10000.0,
    .client_clock = {.offset = 2.0, .freq = 100.0, .wander = 1e-3},
    .n_servers = 1, .up = LAN, .down = LAN, .ext_step_at = 300.0, .ext_step = 1.0,
  },
  {
    .name = "maxchange",
    .about = "client 2 s off, stepped 1 s behind its back at 300 s, maxchange 0.1 1 3: 3 "
             "offsets ignored, then chronyd exits (131-maxchange)",
    .conf = SERVER1 "maxchange 0.1 1 3\n",
    .duration = 10000.0,
    .client_clock = {.offset = 2.0, .freq = 100.0, .wander = 1e-3},
    .n_servers = 1, .up = LAN, .down = LAN, .ext_step_at = 300.0, .ext_step = 1.0,
  },
  MAXUNREACH("maxunreach-none", "", "server 1 lost at 2000 s, server 2 0.5 s farther each way, "
             "minsamples 64: server 1 stays selected (150-maxunreach)"),
  MAXUNREACH("maxunreach-10", " maxunreach 10", "as maxunreach-none with maxunreach 10: "
             "server 2 selected from 00:52 (150-maxunreach)"),
  {
    .name = "xleave-noclientlog",
    .about = "xleave with a server keeping no client log: basic replies only (122-xleave)",
    .conf = SERVER(1, "xleave"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, .measurements = true,
  },
  {
    .name = "xleave",
    .about = "xleave with a server keeping a client log: 2 basic samples, then interleaved "
             "(122-xleave)",
    .conf = SERVER(1, "xleave"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .server_xleave = true, .measurements = true,
  },
  {
    .name = "presend-10s",
    .about = "presend 5, 10 s: the presend's reply fails test A, the next is a sample "
             "(114-presend)",
    .conf = SERVER(1, "presend 5"),
    .duration = 10.0, .late_from = 5.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .server_xleave = true, .measurements = true,
  },
  {
    .name = "presend-xleave-10s",
    .about = "presend 5 xleave, 10 s: two replies fail test A, one is a sample (114-presend)",
    .conf = SERVER(1, "presend 5 xleave"),
    .duration = 10.0, .late_from = 5.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .server_xleave = true, .measurements = true,
  },
  {
    .name = "smoothtime",
    .about = "a client of a stratum-2 server (its clock 100 ppm fast, on time) polling at "
             "minpoll 8 with smoothtime 400 0.001 (119-smoothtime's first run)",
    .conf = "server " SCENARIO_SMEAR_ADDR "\n",
    .smear_conf = SERVER(1, "minpoll 8") "smoothtime 400 0.001\n",
    .smear_clock = &(const struct sim_clock_params){.freq = 100.0, .wander = 1e-3},
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "ipv6",
    .about = "defaults over IPv6, the server fc00::123:1 (015-ipv6)",
    .conf = "server " SCENARIO_SERVER6_NET "1\n",
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, .ipv6 = true,
  },
  {
    .name = "nocontrol",
    .about = "stratumd -x (chronyd -x), the clock on time, no frequency error nor wander: "
             "never touched (128-nocontrol)",
    .conf = "server " SCENARIO_SERVER_NET "1\n",
    .duration = 10000.0,
    .client_clock = {0}, .n_servers = 1, .up = LAN, .down = LAN, .no_control = true,
  },
  {
    .name = "nocontrol-step",
    .about = "as nocontrol with makestep 0.01 -1 and the server's offset option 5.0005: "
             "every step fails, 'Could not step' 20-60 times (128-nocontrol)",
    .conf = "server " SCENARIO_SERVER_NET "1 offset 5.0005\nmakestep 0.01 -1\n",
    .duration = 10000.0,
    .client_clock = {0}, .n_servers = 1, .up = LAN, .down = LAN, .no_control = true,
  },
  {
    .name = "pool",
    .about = "a pool of 3 servers, 500 s: each measured 5-10 times (137-pool)",
    .conf = "pool nodes-1-2-3.net1.clk\n",
    .duration = 500.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 3, .up = LAN, .down = LAN,
    .names = {{"nodes-1-2-3.net1.clk", {1, 2, 3}}},
  },
  {
    .name = "pool-6",
    .about = "a pool of 6 servers at minpoll 6 maxpoll 6, 500 s: 4 of them used, 30-35 "
             "measurements (137-pool)",
    .conf = "pool nodes-1-2-3-4-5-6.net1.clk minpoll 6 maxpoll 6\n",
    .duration = 500.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 6, .up = LAN, .down = LAN,
    .names = {{"nodes-1-2-3-4-5-6.net1.clk", {1, 2, 3, 4, 5, 6}}},
  },
  {
    .name = "pool-6-maxsources-2",
    .about = "as pool-6 with maxsources 2: 15-17 measurements (137-pool)",
    .conf = "pool nodes-1-2-3-4-5-6.net1.clk maxsources 2 minpoll 6 maxpoll 6\n",
    .duration = 500.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 6, .up = LAN, .down = LAN,
    .names = {{"nodes-1-2-3-4-5-6.net1.clk", {1, 2, 3, 4, 5, 6}}},
  },
  INITSTEPSLEW("initstepslew-minus-2", -2.0),
  INITSTEPSLEW("initstepslew-minus-0.2", -0.2),
  INITSTEPSLEW("initstepslew-0.2", 0.2),
  INITSTEPSLEW("initstepslew-2", 2.0),
  INITSTEPSLEW("initstepslew-minus-1e8", -1e8),
  INITSTEPSLEW("initstepslew-minus-1e2", -1e2),
  INITSTEPSLEW("initstepslew-1e2", 1e2),
  INITSTEPSLEW("initstepslew-1e8", 1e8),
  {
    .name = "initstepslew-falseticker",
    .about = "initstepslew 5 from 2 servers, the first 1 s wrong, then server 2; client 3 s "
             "off: no suitable source, slewed by server 2 (103-initstepslew)",
    .conf = INITSTEPSLEW_2 SERVER(2, ""),
    .duration = 500.0,
    .client_clock = {.offset = 3.0}, .n_servers = 2, .server_offset = {1.0},
    .up = LAN, .down = LAN,
  },
  {
    .name = "initstepslew-deny",
    .about = "as initstepslew-falseticker with servers that answer nothing (deny): no "
             "suitable source at once, never synchronised (103-initstepslew)",
    .conf = INITSTEPSLEW_2 SERVER(2, ""),
    .duration = 500.0,
    .client_clock = {.offset = 3.0}, .n_servers = 2, .server_offset = {1.0},
    .up = LAN, .down = {.delay = 100e-6, .jitter = 100e-6, .loss = 1.0},
  },
  /* 133-hwtimestamp: the client's NIC clock 37 s ahead and 30 ppm slow,
   * read through PHC readings 1 us long whose halves vary by up to 0.1 us;
   * 10 ppm client, 1e-8 s jitter paths, interleaved server, 200 s. */
  {
    .name = "hwtimestamp",
    .about = "hwtimestamp eth0 nocrossts, clockprecision 1e-9, server minpoll 0 maxpoll 0 "
             "xleave (133-hwtimestamp)",
    .conf = SERVER(1, "minpoll 0 maxpoll 0 xleave") "hwtimestamp eth0 nocrossts\n"
            "clockprecision 1e-9\n",
    .duration = 200.0,
    .client_clock = HWTS_CLOCK, .n_servers = 1, .up = HWTS_PATH, .down = HWTS_PATH,
    .server_xleave = true, .measurements = true, .nic = HWTS_NIC,
  },
  {
    .name = "hwtimestamp-acqport",
    .about = "hwtimestamp eth0, clockprecision 1e-9, acquisitionport 123 (133-hwtimestamp)",
    .conf = SERVER(1, "minpoll 0 maxpoll 0 xleave") "hwtimestamp eth0\nclockprecision 1e-9\n"
            "acquisitionport 123\n",
    .duration = 200.0,
    .client_clock = HWTS_CLOCK, .n_servers = 1, .up = HWTS_PATH, .down = HWTS_PATH,
    .server_xleave = true, .measurements = true, .nic = HWTS_NIC,
  },
  {
    .name = "hwtimestamp-ipv6",
    .about = "hwtimestamp over IPv6 (133-hwtimestamp's -6 run)",
    .conf = "server fc00::123:1 minpoll 0 maxpoll 0 xleave\nhwtimestamp eth0 nocrossts\n"
            "clockprecision 1e-9\n",
    .duration = 200.0,
    .client_clock = HWTS_CLOCK, .n_servers = 1, .up = HWTS_PATH, .down = HWTS_PATH,
    .server_xleave = true, .measurements = true, .nic = HWTS_NIC, .ipv6 = true,
  },
  /* chronysim3: more of chrony 4.8's test/simulation. */
  DRIFTFILE(-5e-2, "-5.263157895e+04 1"),
  DRIFTFILE(-5e-4, "-5.002501251e+02 1"),
  DRIFTFILE(-5e-6, "-5.000025000e+00 1"),
  DRIFTFILE(5e-6, "4.999975000e+00 1"),
  DRIFTFILE(5e-4, "4.997501249e+02 1"),
  DRIFTFILE(5e-2, "4.761904762e+04 1"),
  {
    /* clknetsim hands every node each datagram 1-4 times (its recvmmsg):
     * the server answers each copy, the client reads each reply so. */
    .name = "multrecv",
    .about = "every datagram received 1-4 times, minpoll 6 maxpoll 6, 50000 s (010-multrecv)",
    .conf = SERVER(1, "minpoll 6 maxpoll 6"),
    .duration = 50000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 100e-6, .jitter_kind = SIM_JITTER_EXP, .copies = 4},
    .down = {.delay = 100e-6, .jitter = 100e-6, .jitter_kind = SIM_JITTER_EXP, .copies = 4},
  },
  {
    .name = "daemonts",
    .about = "defaults without kernel timestamping: the daemon's stamps (012-daemonts)",
    .conf = SERVER1,
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .daemon_stamps = true,
  },
  {
    /* clknetsim's (* 0.15 ... (equal 0.1 (min (sum 1) 7) 7) (equal 0.7
     * (uniform) 0.0)) on the client's path to the server (2 -> 1). */
    .name = "burst-delayed",
    .about = "burst polltarget 1, 70 % of the requests 0.15 s late from the seventh on "
             "(126-burst's second run)",
    .conf = SERVER(1, "minpoll 6 maxpoll 10 burst polltarget 1"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 100e-6, .jitter_kind = SIM_JITTER_EXP,
           .spike_delay = 0.15, .spike_prob = 0.7, .spike_from = 7},
    .down = LAN,
  },
  {
    /* chronyc (started at 1 s) reaches the client 1800 s after each
     * command is sent (base_delay's (* 1800 (equal 0.1 from 4))), and sends
     * the next at the reply: one command every 1800 s from 1801 s. */
    .name = "offline",
    .about = "server 1 offline iburst, server 2 polltarget 64; chronyc activity, offline, "
             "activity, onoffline, online 2, activity, offline, activity 1800 s apart "
             "(146-offline)",
    .conf = "server " SCENARIO_SERVER_NET "1 offline iburst\n"
            "server " SCENARIO_SERVER_NET "2 polltarget 64\n",
    .duration = 10 * 1800.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 2, .up = JITTER(1e-6),
    .down = JITTER(1e-6),
    .commands = {{1801, SCENARIO_ACTIVITY, 0}, {3601, SCENARIO_OFFLINE, 0},
                 {5401, SCENARIO_ACTIVITY, 0}, {7201, SCENARIO_ONOFFLINE, 0},
                 {9001, SCENARIO_ONLINE, 2}, {10801, SCENARIO_ACTIVITY, 0},
                 {12601, SCENARIO_OFFLINE, 0}, {14401, SCENARIO_ACTIVITY, 0}},
    .n_commands = 8,
  },
  /* 147-refresh: clknetsim answers "nodes-A-B...netN.clk" with those
   * nodes' addresses, the last first (its list is built by prepending):
   * server 2 for the server line, 5, 4 and 3 for the pool. */
  {
    .name = "refresh-command",
    .about = "a server and a pool (maxsources 2) by name, maxpoll 6, chronyc refresh at 500 s: "
             "every address still fresh (147-refresh)",
    .conf = "server nodes-1-2.net1.clk maxpoll 6\n"
            "pool nodes-3-4-5.net1.clk maxpoll 6 maxsources 2\n",
    .duration = 1000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 5, .up = LAN, .down = LAN,
    .names = {{"nodes-1-2.net1.clk", {2, 1}}, {"nodes-3-4-5.net1.clk", {5, 4, 3}}},
    .commands = {{500, SCENARIO_REFRESH, 0}}, .n_commands = 1, .lookups = true,
  },
  {
    .name = "refresh-128",
    .about = "as refresh-command with maxsources 3, refresh 128 and no command, 1100 s "
             "(147-refresh)",
    .conf = "server nodes-1-2.net1.clk maxpoll 6\n"
            "pool nodes-3-4-5.net1.clk maxpoll 6 maxsources 3\n"
            "refresh 128\n",
    .duration = 1100.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 5, .up = LAN, .down = LAN,
    .names = {{"nodes-1-2.net1.clk", {2, 1}}, {"nodes-3-4-5.net1.clk", {5, 4, 3}}},
    .lookups = true,
  },
  SELECT_AUTH("require", "3 servers, the first 1 s wrong and the only one with a key, "
                         "authselectmode require: it is selected (120-selectoptions)"),
  SELECT_AUTH("prefer", "as select-auth-require with authselectmode prefer (120-selectoptions)"),
  SELECT_AUTH("mix", "as select-auth-require with authselectmode mix (120-selectoptions)"),
  SELECT_AUTH("ignore", "as select-auth-require with authselectmode ignore: the key does not "
                        "count, the other two win (120-selectoptions)"),
  {
    .name = "largenetwork",
    .about = "4 servers in each of 3 strata, 5 clients starting at 2000 s (002-largenetwork)",
    .conf = LARGENET_CLIENT,
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 4, .up = LAN, .down = LAN,
    .client_start = 2000.0,
    .relays = {RELAY(5, STRATUM2, SERVER_CLOCK, 0.0), RELAY(6, STRATUM2, SERVER_CLOCK, 0.0),
               RELAY(7, STRATUM2, SERVER_CLOCK, 0.0), RELAY(8, STRATUM2, SERVER_CLOCK, 0.0),
               RELAY(9, STRATUM3, SERVER_CLOCK, 0.0), RELAY(10, STRATUM3, SERVER_CLOCK, 0.0),
               RELAY(11, STRATUM3, SERVER_CLOCK, 0.0), RELAY(12, STRATUM3, SERVER_CLOCK, 0.0),
               RELAY(14, LARGENET_CLIENT, SCENARIO_CLIENT_CLOCK, 2000.0),
               RELAY(15, LARGENET_CLIENT, SCENARIO_CLIENT_CLOCK, 2000.0),
               RELAY(16, LARGENET_CLIENT, SCENARIO_CLIENT_CLOCK, 2000.0),
               RELAY(17, LARGENET_CLIENT, SCENARIO_CLIENT_CLOCK, 2000.0)},
    .n_relays = 12,
  },
  {
    /* The server is chronyd at stratum 1 (test.common's "local stratum 1"
     * and server_conf), a relay on time here; the client's only source is
     * offline, so it sends nothing. */
    .name = "broadcast",
    .about = "a stratum 1 server broadcasting every 64 s to 192.168.123.255, its client's "
             "server offline (136-broadcast)",
    .conf = "deny\n" SERVER(1, "offline"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 0, .up = LAN, .down = LAN,
    .relays = {RELAY(1, "local stratum 1\nbroadcast 64 " SCENARIO_SERVER_NET "255\n",
                     {0}, 0.0)},
    .n_relays = 1,
  },
  {
    /* clknetsim drops the requests of node 2 in the second 1000 s of every
     * 2000 s and those of node 3 in the first. */
    .name = "peer",
    .about = "2 clients of server 1 peering with each other at poll 6, each reaching the server "
             "only every other 1000 s (108-peer)",
    .conf = PEER_CLIENT("minpoll 6 maxpoll 6", "minpoll 6 maxpoll 6"),
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .relays = {RELAY(3, PEER_RELAY("minpoll 6 maxpoll 6", "minpoll 6 maxpoll 6"),
                     SCENARIO_CLIENT_CLOCK, 0.0)},
    .n_relays = 1, .client_serves = true,
    .cuts = {{SCENARIO_CLIENT_HOST, 1, 2000.0, 1000.0, 2000.0}, {3, 1, 2000.0, 0.0, 1000.0}},
    .sync_freq_threshold = 1000.0,
  },
  PEER_POLLS("peer-3-6-3-6", 3, 6, 3, 6, 400),
  PEER_POLLS("peer-3-3-6-6", 3, 3, 6, 6, 450),
  PEER_POLLS("peer-6-6-3-3", 6, 6, 3, 3, 450),
  PEER_POLLS("peer-3-6-6-6", 3, 6, 6, 6, 450),
  PEER_POLLS("peer-6-6-3-6", 6, 6, 3, 6, 450),
  PEER_POLLS("peer-minus-2-2", -2, -2, 2, 2, 220),
  PEER_POLLS("peer-2-minus-2", 2, 2, -2, -2, 220),
  PACKETLOSS("packetloss-peer", "maxpoll 8"),
  PACKETLOSS("packetloss-peer-xleave", "maxpoll 8 xleave"),
  {
    /* clknetsim's name lists its nodes last first. */
    .name = "replacement",
    .about = "a pool of 6 with 2 falsetickers, maxsources 5 polltarget 1 iburst, 1 us jitter: "
             "falsetickers replaced 1-3 times (148-replacement's first run)",
    .conf = "pool nodes-1-2-3-4-5-6.net1.clk maxsources 5 polltarget 1 iburst\n",
    .duration = 5000.0,
    .client_clock = {.offset = 0.1, .freq = 100.0, .wander = 1e-6}, .n_servers = 6,
    .server_offset = {1.0, 2.0}, .up = JITTER(1e-6), .down = JITTER(1e-6),
    .names = {{"nodes-1-2-3-4-5-6.net1.clk", {6, 5, 4, 3, 2, 1}}},
    .log_watch = {"Detected falseticker", " replaced with "},
    .measured_poll = 6, .poll_from = 600.0, .poll_to = 3600.0,
  },
  MONOROOT("monoroot", "extfield F323"),
  MONOROOT("monoroot-xleave", "xleave extfield F323"),
  {
    /* chrony's node 1 (a chronyd at stratum 1 with server_conf's lines) is
     * relay 1, its node 2 the client: their 192.168.123.2 is the client's
     * 192.168.123.100 here. */
    .name = "syncloop",
    .about = "a stratum 1 server and its client each polling both: the loop test (D) fails "
             "but for the client's measurements of the server (138-syncloop)",
    .conf = SERVER(1, "") SERVER(100, "") "allow\n",
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 0, .up = LAN, .down = LAN,
    .relays = {RELAY(1, "local stratum 1\n" SERVER(1, "") SERVER(100, ""), {0}, 0.0)},
    .n_relays = 1, .client_serves = true, .loop_measurements = true,
  },
  {
    /* clknetsim's (* -1 (equal 0.6 to 4.5)): nothing reaches servers 4 and
     * 5; its names list their nodes last first (server 4, then 2; 5, 3). */
    .name = "replacement-unreachable",
    .about = "server 1 (1 s wrong) and 2 names each of an unreachable server and a good one, "
             "minsources 2, 200000 s (148-replacement's second run)",
    .conf = "minsources 2\n" SERVER(1, "") "server nodes-2-4.net1.clk\nserver nodes-3-5.net1.clk\n",
    .duration = 200000.0,
    .client_clock = {.offset = 0.1, .freq = 100.0, .wander = 1e-6}, .n_servers = 5,
    .server_offset = {1.0}, .up = JITTER(1e-6), .down = JITTER(1e-6),
    .names = {{"nodes-2-4.net1.clk", {4, 2}}, {"nodes-3-5.net1.clk", {5, 3}}},
    .cuts = {{.from = SCENARIO_CLIENT_HOST, .to = 4}, {.from = SCENARIO_CLIENT_HOST, .to = 5}},
    .log_watch = {"Detected falseticker", " replaced with ", "no majority", " replaced with",
                  " replaced with"},
    /* chronysim4: "2010-01-01T0[0-4]:" and "T0[5-9]:", the first five
     * hours of its log and the next five. */
    .log_window = {[3] = {0.0, 5 * 3600.0}, [4] = {5 * 3600.0, 10 * 3600.0}},
    .measured_poll = 6, .poll_to = 200000.0,
  },
  {
    /* (* -1 (equal 0.1 to 3)): nothing reaches server 3. */
    .name = "replacement-falsetickers",
    .about = "3 names each of a bad server (1 s or 2 s wrong, or unreachable) and a good one, "
             "minsources 2, 200000 s (148-replacement's third run)",
    .conf = "minsources 2\nserver nodes-4-1.net1.clk\nserver nodes-5-2.net1.clk\n"
            "server nodes-6-3.net1.clk\n",
    .duration = 200000.0,
    .client_clock = {.offset = 0.1, .freq = 100.0, .wander = 1e-6}, .n_servers = 6,
    .server_offset = {1.0, 2.0}, .up = JITTER(1e-6), .down = JITTER(1e-6),
    .names = {{"nodes-4-1.net1.clk", {1, 4}}, {"nodes-5-2.net1.clk", {2, 5}},
              {"nodes-6-3.net1.clk", {3, 6}}},
    .cuts = {{.from = SCENARIO_CLIENT_HOST, .to = 3}},
    .log_watch = {"Detected falseticker", " replaced with ",
                  "no majority (no agreement among 2 sources)",
                  "Source 192.168.123.1 replaced with", "Source 192.168.123.2 replaced with",
                  "Source 192.168.123.3 replaced with"},
    .measured_poll = 6, .poll_to = 200000.0,
  },
  /* chronysim4: more of chrony 4.8's test/simulation. */
  /* 107-allowdeny: the server is chronyd at stratum 1 ("local stratum 1"
   * and the run's server_conf, after the "allow" clknetsim's start_client
   * adds), relay 1 here, on time; the client (chrony's node 2, here
   * 192.168.123.100, so "deny 192.168.123.2" is "deny 192.168.123.100")
   * polls it with test.common's options for 500 s. */
  ALLOWDENY("deny", "deny", "'deny'", DENIED),
  ALLOWDENY("deny-all", "deny all", "'deny all'", DENIED),
  ALLOWDENY("deny-192.168.0.0/16", "deny 192.168.0.0/16", "'deny 192.168.0.0/16'", DENIED),
  ALLOWDENY("deny-192.168.123", "deny 192.168.123", "'deny 192.168.123'", DENIED),
  ALLOWDENY("deny-client", "deny " SCENARIO_SERVER_NET "100",
            "'deny " SCENARIO_SERVER_NET "100'", DENIED),
  ALLOWDENY("deny-all-allow-other", "deny all\nallow 192.168.124.0/24",
            "'deny all, allow 192.168.124.0/24'", DENIED),
  ALLOWDENY("deny-all-allow", "deny all\nallow", "'deny all, allow'", ANSWERED),
  ALLOWDENY("deny-all-allow-all", "deny all\nallow all", "'deny all, allow all'", ANSWERED),
  ALLOWDENY("deny-all-allow-192.168.123", "deny all\nallow 192.168.123",
            "'deny all, allow 192.168.123'", ANSWERED),
  ALLOWDENY("deny-all-allow-192.168.123/24", "deny all\nallow 192.168.123/24",
            "'deny all, allow 192.168.123/24'", ANSWERED),
  ALLOWDENY("deny-other", "deny 192.168.124.0/24", "'deny 192.168.124.0/24'", ANSWERED),
  {
    /* 013-nameserv: dns=1, the client's server named as test.common's
     * get_node_name names node 1, its address from the name service. */
    .name = "nameserv",
    .about = "defaults with the server by name, node1.net1.clk (013-nameserv)",
    .conf = "server node1.net1.clk minpoll 6 maxpoll 10\n",
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .names = {{"node1.net1.clk", {1}}},
  },
  NTPAUTH_KEYS(3),
  NTPAUTH_KEYS(4),
  {
    /* 105-ntpauth's server without its keyfile: the last run's options. */
    .name = "ntpauth/server-keyless",
    .about = "server 1 with version 4 key 10, the server knowing no key: never synchronised "
             "(105-ntpauth)",
    .conf = AUTH_KEYFILE SERVER(1, "version 4 key 10"), .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .keys = AUTH_CLIENT_KEYS, .server_keys = "",
  },
  {
    /* ...and the client without its keyfile. */
    .name = "ntpauth/client-keyless",
    .about = "server 1 with version 4 key 10, the client knowing no key: never synchronised "
             "(105-ntpauth)",
    .conf = SERVER(1, "version 4 key 10"), .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .keys = AUTH_CLIENT_KEYS, .server_keys = AUTH_SERVER_KEYS,
  },
  NTPAUTH_PEER_VERSIONS(3, 3, 1), NTPAUTH_PEER_VERSIONS(3, 3, 10),
  NTPAUTH_PEER_VERSIONS(3, 4, 1), NTPAUTH_PEER_VERSIONS(3, 4, 10),
  NTPAUTH_PEER_VERSIONS(4, 3, 1), NTPAUTH_PEER_VERSIONS(4, 3, 10),
  NTPAUTH_PEER_VERSIONS(4, 4, 1), NTPAUTH_PEER_VERSIONS(4, 4, 10),
  NTPAUTH_PEER("key1-key2", "key 1", "key 2"),
  {
    /* 108-peer's first run over IPv6 (ip_family 6): its hosts on
     * fc00::123:N, the client fc00::123:64. */
    .name = "peer-ipv6",
    .about = "as peer over IPv6, the server fc00::123:1 and relay 3 fc00::123:3 (108-peer's "
             "ip_family 6 run)",
    .conf = "deny\nserver " SCENARIO_SERVER6_NET "1 minpoll 6 maxpoll 6\n"
            "peer " SCENARIO_SERVER6_NET "3 minpoll 6 maxpoll 6\n",
    .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, .ipv6 = true,
    .relays = {RELAY(3, "deny\nserver " SCENARIO_SERVER6_NET "1 minpoll 6 maxpoll 6\n"
                        "peer " SCENARIO_SERVER6_NET "64 minpoll 6 maxpoll 6\n",
                     SCENARIO_CLIENT_CLOCK, 0.0)},
    .n_relays = 1, .client_serves = true,
    .cuts = {{SCENARIO_CLIENT_HOST, 1, 2000.0, 1000.0, 2000.0}, {3, 1, 2000.0, 0.0, 1000.0}},
    .sync_freq_threshold = 1000.0,
  },
  MONOROOT_CHAINS(5),
  MONOROOT_CHAINS(6),
  MONOROOT_CHAINS(7),
  {
    /* 011-asymjitter: jitter 5e-4 with jitter_asymmetry 0.47, which
     * test.common's get_delay_expr makes 1 - 2 * 0.47 times it on the
     * requests and 1 + 2 * 0.47 times it on the replies; 100000 s. */
    .name = "asymjitter",
    .about = "0.5 ms exponential jitter with asymmetry 0.47: 0.03 ms on requests, 0.97 ms on "
             "replies, 100000 s (011-asymjitter)",
    .conf = SERVER1, .duration = 100000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 500e-6 * (1.0 - 2 * 0.47), .jitter_kind = SIM_JITTER_EXP},
    .down = {.delay = 100e-6, .jitter = 500e-6 * (1.0 + 2 * 0.47), .jitter_kind = SIM_JITTER_EXP},
  },
  /* chronysim5: more of chrony 4.8's test/simulation. */
  CMDMONTIME(1850, -3786825595LL),
  CMDMONTIME(1950, -631151995LL),
  CMDMONTIME(2050, 2524608005LL),
  CMDMONTIME(2150, 5680281605LL),
  CMDMONTIME(2250, 8835955205LL),
  {
    /* The server's watch: with acquisitionport and port both 123 chronyd
     * sends its requests from its server socket (ntp_io.c shares it). */
    .name = "knownclient",
    .about = "the server polls its client (server 192.168.123.100 noselect), both with "
             "acquisitionport 123: answered, every datagram to port 123 (111-knownclient)",
    .conf = "deny\n" SERVER(1, "") "acquisitionport 123\n", .duration = 10000.0,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 0, .up = LAN, .down = LAN,
    .relays = {RELAY(1, "local stratum 1\n" SERVER(100, "noselect") "acquisitionport 123\n", {0},
                     0.0)},
    .n_relays = 1, .ports = true, .log_watch = {"Could not open NTP socket"}, .watch_relays = true,
  },
  PORTS("port/default", "a stratum 1 server: replies to the client's random ports (112-port)",
        "", "", ""),
  PORTS("port/acquisitionport-123", "the client with acquisitionport 123: every datagram to "
        "port 123 (112-port)", "", "", "acquisitionport 123\n"),
  PORTS("port/server-port-0", "the server with port 0: never answers (112-port)", "port 0\n", "",
        ""),
  PORTS("port/server-acquisitionport-123-port-0", "the server with acquisitionport 123 and "
        "port 0: never answers (112-port)", "acquisitionport 123\nport 0\n", "", ""),
  PORTS("port/124-acquisitionport-0", "the server on port 124 (acquisitionport 123), the "
        "client's server line port 124, acquisitionport 0 (112-port)",
        "port 124\nacquisitionport 123\n", "port 124", "acquisitionport 0\n"),
  PORTS("port/124-acquisitionport-123", "as port/124-acquisitionport-0 with the client's "
        "acquisitionport 123 (112-port)", "port 124\nacquisitionport 123\n", "port 124",
        "acquisitionport 123\n"),
  PORTS("port/124-acquisitionport-124", "as port/124-acquisitionport-0 with the client's "
        "acquisitionport 124 (112-port)", "port 124\nacquisitionport 123\n", "port 124",
        "acquisitionport 124\n"),
  {
    .name = "tai",
    .about = "a TAI SHM refclock (tai, leapseclist) across the leap second of 2008 at 600 s, "
             "leapsecmode ignore, maxchange 1e-3 10 0, 1200 s (124-tai)",
    .conf = TAI_CONF "leapsecmode ignore\n", .duration = 1200.0, .start = DEC_31_2008_2350,
    .client_clock = SCENARIO_CLIENT_CLOCK, .n_servers = 0,
    .refclocks = {{.dev_offset = 33.0, .jitter = 1e-6, .step_at = 600.5, .step = 1.0}},
    .leapseclist = TAI_LIST,
  },
  {
    .name = "tai-makestep",
    .about = "a TAI SHM refclock after the leap second, the client 1000 s behind, makestep 1 1, "
             "maxchange 1e-3 10 0, 1200 s (124-tai's second run)",
    .conf = TAI_CONF "makestep 1 1\n", .duration = 1200.0, .start = JAN_1_2009_0010,
    .client_clock = {.offset = -1000.0, .freq = 100.0, .wander = 1e-3}, .n_servers = 0,
    .refclocks = {{.dev_offset = 34.0, .jitter = 1e-6}}, .leapseclist = TAI_LIST,
  },
  QUIT("quit-q", "stratumd -q, server iburst: the clock stepped once (130-quit)", "iburst", 'q'),
  QUIT("quit-q-maxsamples-1", "stratumd -q, server iburst maxsamples 1 (130-quit)",
       "iburst maxsamples 1", 'q'),
  QUIT("quit-Q", "stratumd -Q, server iburst maxsamples 1: the clock untouched (130-quit)",
       "iburst maxsamples 1", 'Q'),
  SMOOTH_REFCLOCK("smoothtime-refclock", "a stratum 1 server whose refclock moves 10 s at 1000 s, "
                  "smoothtime 2000 1; the client 10 s behind, corrtimeratio 100 "
                  "(119-smoothtime's second run)", "", 1e-3, 500.0),
  SMOOTH_REFCLOCK("smoothtime-refclock-xleave", "as smoothtime-refclock, the client's server "
                  "xleave maxdelay 1e-1 (119-smoothtime's third run)", "xleave maxdelay 1e-1",
                  1e-3, 500.0),
  SMOOTH_REFCLOCK("smoothtime-refclock-11s", "as smoothtime-refclock, synchronised within 11 s "
                  "and 10000 ppm (119-smoothtime's fourth run)", "", 11.0, 1e4),
  {
    /* clknetsim's (* 1e-1 (triangle 1000) (+ -1.0 (pulse 1000 10000))) at
     * its samples n = 1, 2... (one a second): 0 for the first 1000, then
     * -0.2 times the triangle of n - 1 (-1 at n = 1, period 1000), true -
     * reading: the reading 0.2 s times it ahead. */
    .name = "smoothtime-refclock-triangle",
    .about = "a stratum 1 server whose refclock swings +-0.2 s (a 1000 s triangle) from 1000 s, "
             "smoothtime 1e4 1e-6; its client on time at poll 4 (119-smoothtime's fifth run)",
    .conf = "deny\n" SERVER(1, "minpoll 4 maxpoll 4"), .duration = 10000.0,
    .client_clock = {.offset = 0.1, .freq = 100.0}, .n_servers = 0, .up = JITTER(1e-6),
    .down = JITTER(1e-6),
    .relays = {{.conf = "local stratum 1\nrefclock SHM 0 dpoll 4 poll 6 minsamples 4 "
                        "maxsamples 4\nsmoothtime 1e4 1e-6\n",
                .host = 1, .refclocks = {{.jitter = 1e-9, .wave_from = 1000.5, .wave_origin = 1.0,
                                          .wave_period = 1000.0, .wave_amplitude = 0.2}}}},
    .n_relays = 1, .relay_clientlog = true, .sync_threshold = 1e-5, .sync_freq_threshold = 1.0,
  },
  CHRONYC110("chronyc/reports", "chronyc's reports at 1000 s (110-chronyc)",
             "activity\ntracking\nsourcename 192.168.123.1\nsourcename 192.168.123.2\n"
             "sources\nsourcestats\nmanual list\nsmoothing\nwaitsync\nrtcdata\n", "-n"),
  CHRONYC110("chronyc/dns", "chronyc tracking at 1000 s, names (110-chronyc's second run)",
             "tracking\n", ""),
  CHRONYC110("chronyc/csv", "chronyc -c tracking at 1000 s (110-chronyc's third run)",
             "tracking\n", "-c"),
  CHRONYC110("chronyc/csv-e", "chronyc -c -e sources at 1000 s (110-chronyc's fourth run)",
             "sources\n", "-c -e"),
  CHRONYC_LOCAL("chronyc/remote-refused", "local stratum 1: chronyc's commands refused to a "
                "remote chronyc, 501 (110-chronyc's fifth run)", "server 192.168.123.1\n",
                CHRONYC_REMOTE_REFUSED),
  CHRONYC_OPEN("activity", "activity"),
  CHRONYC_OPEN("authdata", "authdata"),
  CHRONYC_OPEN("clients", "clients"),
  CHRONYC_OPEN("manual", "manual list"),
  CHRONYC_OPEN("ntpdata", "ntpdata"),
  CHRONYC_OPEN("rtcdata", "rtcdata"),
  CHRONYC_OPEN("selectdata", "selectdata"),
  CHRONYC_OPEN("serverstats", "serverstats"),
  CHRONYC_OPEN("smoothing", "smoothing"),
  CHRONYC_OPEN("sourcename", "sourcename 192.168.123.1"),
  CHRONYC_OPEN("sources", "sources"),
  CHRONYC_OPEN("sourcestats", "sourcestats"),
  CHRONYC_OPEN("tracking", "tracking"),
  CHRONYC_LOCAL("chronyc/opencommands-none", "opencommands with none: chronyc's monitoring "
                "refused remotely, 501 (110-chronyc's sixth run)", "opencommands\n",
                CHRONYC_MONITORING),
  CHRONYC_LOCAL("chronyc/cmddeny", "cmddeny 192.168.123.2: chronyc's requests unanswered, 506 "
                "(110-chronyc's sixth run)", "cmddeny 192.168.123.2\n", CHRONYC_MONITORING),
  CHRONYC_UNIX("chronyc/access", "allow, deny, cmdallow, cmddeny set over the Unix socket, then "
               "accheck and cmdaccheck (110-chronyc's eighth run)", "server 192.168.123.1\n",
               CHRONYC_ACCESS("1.2.3.4", "1.2.3.0/28", "1.2.3.0/27", "1.2.4.5", "1.2.4.0/27",
                              "5.6.7.8", "5.6.7.0/28", "1.2.3.5", "1.2.4.5")),
  CHRONYC_UNIX("chronyc/access6", "as chronyc/access, IPv6 (110-chronyc's ninth run)",
               "server 192.168.123.1\n",
               CHRONYC_ACCESS("2001:db8::1", "2001:db8::/64", "2001:db8::/63", "2001:db8:1::1",
                              "2001:db8:1::/63", "2001:db9::1", "2001:db9::/64", "2001:db8::2",
                              "2001:db8:1::1")),
  CHRONYC_UNIX("chronyc/failing", "noclientlog: chronyc's commands failing, each with its "
               "message (110-chronyc's twelfth run)", "server 192.168.123.1\nnoclientlog\n",
               CHRONYC_FAILING),
  CHRONYC_UNIX("chronyc/steering", "a source deleted, added by name, steered and its selection "
               "options set over the Unix socket (110-chronyc's tenth run)",
               "server 192.168.123.1\n", CHRONYC_STEERING),
  CHRONYC_UNIX("chronyc/others", "the daemon's other commands over the Unix socket, settime now "
               "(110-chronyc's eleventh run)", "server 192.168.123.1\n", CHRONYC_OTHERS),
  CHRONYC_NODE1("chronyc/client-commands", "chronyc's own commands: dns, timeout, retries, "
                "keygen, help, quit (110-chronyc's thirteenth run)", "server 192.168.123.1\n",
                "dns -n\ndns +n\ndns -4\ndns -6\ndns -46\ntimeout 200\nretries 1\nkeygen\n"
                "keygen 10 MD5 128\nkeygen 11 MD5 40\nhelp\nquit\nnosuchcommand\n", 2, "",
                false),
  CHRONYC_NODE1("chronyc/keygen-unknown", "keygen of an unknown hash (110-chronyc's fourteenth "
                "run)", "server 192.168.123.1\n", "keygen 10 NOSUCHTYPE 128\nhelp\n", 2, "",
                false),
  {
    /* 110-chronyc's last runs: the requests of its chronyc (node 2) lost
     * but every fourth; its server, itself there, never a sample (here no
     * host: none either). */
    .name = "chronyc/lossy",
    .about = "chronyc's requests lost but every fourth: sources with 2 retries (110-chronyc's "
             "fifteenth run)",
    .conf = CLKNETSIM_CHRONYD "local stratum 1\nserver 192.168.123.1\n", .duration = 15.0,
    .start = JAN_1_2010, .client_clock = SCENARIO_CLIENT_CLOCK, .up = LAN, .down = LAN,
    .chronyc = "sources\n", .chronyc_options = "", .chronyc_at = 0.5, .chronyc_host = 2,
    .chronyc_pass_every = 4,
  },
  {
    .name = "chronyc/lossy-retries-3",
    .about = "as chronyc/lossy, retries 3 (110-chronyc's sixteenth run)",
    .conf = CLKNETSIM_CHRONYD "local stratum 1\nserver 192.168.123.1\n", .duration = 15.0,
    .start = JAN_1_2010, .client_clock = SCENARIO_CLIENT_CLOCK, .up = LAN, .down = LAN,
    .chronyc = "retries 3\nsources\n", .chronyc_options = "", .chronyc_at = 0.5,
    .chronyc_host = 2, .chronyc_pass_every = 4,
  },
  CHRONYC_NODE1("chronyc/local-reports", "the reports only a local chronyc gets, over the Unix "
                "socket: authdata, clients, ntpdata, selectdata, serverstats (110-chronyc's "
                "seventh run)", "server 192.168.123.1\n",
                "authdata\nclients -k -p 2\nclients -r\nclients\nntpdata\nselectdata\n"
                "serverstats\n", 0, "", false),
};

#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

size_t scenario_count(void)
{
  return N_SCENARIOS;
}

const struct scenario *scenario_get(size_t i)
{
  return i < N_SCENARIOS ? &scenarios[i] : NULL;
}

const struct scenario *scenario_find(const char *name)
{
  for (size_t i = 0; i < N_SCENARIOS; i++)
    if (strcmp(scenarios[i].name, name) == 0)
      return &scenarios[i];
  return NULL;
}
