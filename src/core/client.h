/* client: stratumd as an NTP client — its sources, their statistics and
 * the selection, whose result updates the reference (core/reference.h).
 *
 * The client runs entirely on a struct platform (Linux or the simulator).
 * Sources are given by address (names: core/srclist.h resolves them).
 * Every valid sample triggers selection; a selected source (or combination)
 * updates the reference, which corrects the clock through the discipline
 * (the client's) and sets the served reference state.
 * Sources can be added, removed and pointed at another address while the
 * client runs; the client tells its owner which sources answered and which
 * are worth replacing (chrony's rules, see client_source_event).
 * Messages operators grep are logged with chrony's wording. */
#ifndef STRATUM_CORE_CLIENT_H
#define STRATUM_CORE_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/client_log.h"
#include "core/client_source.h"
#include "core/nts_client.h"
#include "core/platform.h"
#include "core/reference.h"
#include "core/refclock.h"
#include "core/select.h"
#include "core/srcstats.h"
#include "proto/ntp_mac.h"


/* What the client reports about a source (client_set_source_event). */
enum client_source_event {
  CLIENT_SOURCE_ANSWERED,        /* its first sample since added or replaced */
  CLIENT_SOURCE_BAD,             /* worth replacing, as chrony judges: no reply to
                                    the last 8 requests (reported at every further
                                    missed reply), or a falseticker, beyond
                                    maxdistance, minstratum..maxstratum or
                                    maxjitter in the last 4
                                    selections its own samples triggered */
};


struct client_params {
  bool control;                  /* adjust the clock (false: -x) */
  const struct ntp_keyring *keys;  /* for sources' keys; NULL: none; outlives the client */
  double makestep_threshold;     /* step if |offset| above this... */
  int makestep_limit;            /* ...in the first N updates (-1: always; 0: never) */
  double logchange;              /* warn of an update correcting more than this (1 s) */
  /* mailonchange: mail_change(mail_change_arg, correction) before an update
   * corrects more than this, in seconds (NULL: never). */
  double mailonchange;
  int fallbackdrift_min, fallbackdrift_max;   /* fallbackdrift (core/fbdrift.h); 0: none */
  void (*mail_change)(void *arg, double correction);
  void *mail_change_arg;
  double maxslewrate;            /* ppm, 83333.333 */
  double maxdrift;               /* ppm, 500000 */
  double maxupdateskew;          /* ppm, 1000 */
  double corrtimeratio;          /* 3.0 */
  /* maxdistance, maxjitter, minsources, combinelimit, stratumweight,
   * reselectdist, maxclockerror, minstratum, maxstratum (defaults:
   * sel_params_default). maxdistance
   * is also each source's limit of root distance, maxjitter what a source
   * with too few samples for a regression reports (sst.max_jitter) and
   * maxclockerror how fast a sample's error grows with its age. */
  struct sel_params selection;
  enum sel_auth_mode auth_mode;  /* authselectmode: SEL_AUTH_MIX */
  /* minsamples, maxsamples: what a source without its own option keeps
   * (SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES; sst_init limits). */
  int min_samples, max_samples;
  bool have_initial_freq;        /* from the drift file; else the clock's current one */
  double initial_freq;           /* ppm, > 0: clock made faster */
  double initial_skew;           /* ppm */
  /* maxchange OFFSET START IGNORE: after START updates, an offset above
   * OFFSET is ignored IGNORE times (negative: always), then give_up is
   * called (the daemon exits, as chronyd). START < 0: no limit. */
  double maxchange_offset;
  int maxchange_start;
  int maxchange_ignore;
  void (*give_up)(void *arg);
  void *give_up_arg;
  /* After an unknown step of the clock by `jump` s (NULL: nobody else is
   * told): what keeps samples of the clock (settime's, the RTC's) drops them. */
  void (*jumped)(void *arg, double jump);
  void *jumped_arg;
  /* leapsecmode, and leapsectz/leapseclist's database (NULL: none). */
  enum ref_leapmode leapmode;
  ref_leap_lookup_fn leap_lookup;
  void *leap_arg;
  /* acquisitionport: -1, each request from a new socket (a random port);
   * else all requests from one socket per address family bound to this
   * port (0: a port the system chooses). Replies on it go to the source
   * with the sender's address and port. */
  int acquisitionport;
  /* bindacqaddress: the local address of those sockets, IPv4 and IPv6
   * (family ADDR_UNSPEC, as zeroed: the system's choice). */
  struct ip_addr bindacq[2];
  /* Log files (all NULL by default). */
  struct client_log_hooks log;
  /* NTS sources' key establishment (NULL: they never send) and ntsrefresh
   * (CLIENT_DEFAULT_NTSREFRESH). */
  const struct ntsc_ke_ops *nts_ke;
  double ntsrefresh;
  /* hwtstimeout while hardware timestamping is on (0: off; nsrc.hwts_timeout). */
  double hwtstimeout;
};

struct client;


#define CLIENT_DEFAULT_NTSREFRESH 2419200.0     /* s, chronyd's four weeks */
void client_params_defaults(struct client_params *p);

/* The platform must outlive the client. `ref` is updated when synchronised
 * (the NTP server reads it). Returns NULL on allocation failure. */
struct client *client_new(const struct platform *plat, const struct client_params *params,
                          struct refstate *ref);
void client_free(struct client *c);
/* Who is told of the sources' events (one listener: core/srclist.c when
 * sources are given by name). fn is called from inside the client's
 * handlers: it must not add, remove or replace sources before it returns
 * (do that later). fn NULL: nobody. */
typedef void (*client_source_event_fn)(void *arg, const struct ip_addr *addr,
                                       enum client_source_event ev);
void client_set_source_event(struct client *c, client_source_event_fn fn, void *arg);
/* Sources are numbered (in reports, and for every function here taking
 * or returning an index) in the order of chronyd's source table:
 * reference clocks first (chronyd adds them at start, before any NTP
 * source, and never removes them), then the NTP sources by slot. A source
 * takes a new slot, after every other, when it is added, unless its name
 * reserved one when it was configured (a name holds its place while it
 * resolves, as chronyd's placeholder source does); a replaced source keeps
 * its slot; a removed one's is gone (the sources after it move up). The
 * selection's own order is not this one.
 *
 * A reserved slot may hold a placeholder until a source comes in it:
 * chronyd's source of a name not yet resolved, numbered and reported
 * (placeholder_id, shown as ID# and a number) as one, counted by chronyc's
 * activity, counted by authselectmode, but neither selected nor polled.
 * As chronyd's, it is found by its address (ADDR_ID: chronyc's ID#) by
 * client_find_source, client_set_online, client_burst and the modify
 * functions, and what they change in it the source coming in its slot
 * keeps; it is no source to client_remove_source or
 * client_replace_source. */
typedef uint32_t client_slot;
/* `count` consecutive slots after every slot given so far: the first. */
client_slot client_reserve_slots(struct client *c, unsigned count);
/* The same, each slot holding a placeholder for a source with options p,
 * numbered as chronyd numbers them (from 1, in the order they are made;
 * with too many placeholders a slot is left empty). */
client_slot client_add_placeholders(struct client *c, const struct client_source_params *p,
                                    unsigned count);
/* Drop the placeholders left in slots first .. first + count - 1. */
void client_drop_placeholders(struct client *c, client_slot first, unsigned count);
/* The slot of the placeholder with this address (ADDR_ID, its number);
 * false if there is none. */
bool client_placeholder_slot(const struct client *c, const struct ip_addr *addr,
                             client_slot *slot);
/* Returns the source index, or -1 (too many sources, or out of memory).
 * Once the client is started, the source starts at once. It takes a new
 * slot, or (client_add_source_in) one reserved for it, replacing the
 * placeholder there. */
int client_add_source(struct client *c, const struct client_source_params *s);
int client_add_source_in(struct client *c, const struct client_source_params *s,
                         client_slot slot);
/* The owner's NTP server socket of a family (-1: none) and its port,
 * opened on the client's platform. Peers send from it, as chronyd sends
 * from its server socket, and so do servers' requests when the
 * acquisitionport is that port; the owner offers each datagram it
 * receives there to client_shared_receive before answering it as a
 * server. Without one, peers of that family send from a socket of their
 * own. Set it before adding sources, or they open that socket. With
 * tx_timestamps, the owner asked for the socket's kernel transmit
 * timestamps and offers each to client_tx_timestamp before taking it as
 * the server's. */
void client_set_server_socket(struct client *c, enum addr_family family, int sock, uint16_t port,
                              bool tx_timestamps);
/* A kernel transmit timestamp from a socket sources share (a plat_tx_fn's
 * arguments): true if it was one of a source's packets, now taken. */
bool client_tx_timestamp(struct client *c, int sock, const struct ip_addr *to, uint16_t port,
                         uint64_t tag, const struct timespec *tx_time,
                         enum plat_ts_source source);
/* A datagram on a socket that sources share with the server (the server
 * socket, the PTP socket), as ntp_packet_parse found it (pkt; the owner
 * parses it once for the client and the server): true if it was a peer's
 * symmetric packet (mode 1 or 2) or a server's answer to a source sending
 * from that socket, from the source's address and port, now handled (it
 * is not the server's to answer). Requests are always the server's. */
struct ntp_packet;
bool client_shared_receive(struct client *c, int sock, const struct plat_datagram *dg,
                           const struct ntp_packet *pkt);
/* The owner's NTP-over-PTP socket of a family (ptpport; -1: none), opened
 * on the client's platform: servers and peers whose port is `port` send
 * from it, as chronyd's do, and the owner offers each datagram it receives
 * there to client_shared_receive before answering it as a server. Set it
 * before adding sources. tx_timestamps: as client_set_server_socket's.
 * Without a PTP port (port 0, as by default) sources leave extfield 10A
 * out of their requests, as chronyd does. */
void client_set_ptp_socket(struct client *c, enum addr_family family, int sock, uint16_t port,
                           bool tx_timestamps);
/* A reference clock (core/refclock.h): its device is opened now (as
 * root). Returns its index among the refclocks, or -1 (too many, or the
 * device cannot be opened: logged). Locks pair when the client starts. */
int client_add_refclock(struct client *c, const struct rcl_params *p);
/* Reference clock k (its index among the refclocks), NULL if none: its
 * counters, for reports and tests. */
struct rcl;
const struct rcl *client_refclock(const struct client *c, unsigned k);
/* initstepslew THRESHOLD (chronyd's REF_ModeInitStepSlew), set before
 * client_start with the temporary sources added (iburst): the selection's
 * first update corrects the clock once instead (ref_init_correction); or,
 * once no source can still give one (its initial burst used up with too
 * few samples), "No suitable source for initstepslew" is logged. Either way
 * done(arg, corrected) is called, from inside the client's handlers, and
 * the reference ignores the selection's updates (chronyd's REF_ModeIgnore)
 * until the owner, having replaced the temporary sources with its own
 * (chronyd waits 2 s), calls client_end_initstepslew: the normal mode. */
void client_set_initstepslew(struct client *c, double threshold,
                             void (*done)(void *arg, bool corrected), void *arg);
void client_end_initstepslew(struct client *c);
/* Start polling (iburst where configured) and reading reference clocks. */
void client_start(struct client *c);
/* The index of the source with this address (any port), or -1. */
int client_find_source(const struct client *c, const struct ip_addr *addr);
/* Remove source i; the sources after it move down one index. None of these
 * three may be called from inside source_event. */
void client_remove_source(struct client *c, unsigned i);
/* Point source i at another address (same port and options), as chrony
 * replaces a source: its samples and state are dropped, it polls at minpoll
 * without an initial burst, and "Source OLD replaced with NEW (NAME)" is
 * logged. Returns false if there is no source i. */
bool client_replace_source(struct client *c, unsigned i, const struct ip_addr *addr);

/* Observations for reports (chronyc's sources, sourcestats, selectdata,
 * ntpdata, authdata) and tests. Values in this core's signs: offsets are
 * server minus local, frequencies > 0 when the local clock runs slow. */
struct nsrc_ntp_data;
struct client_source_report {
  bool refclock;                 /* a reference clock: no address, name = refid */
  uint32_t placeholder_id;       /* a placeholder (no address, never polled):
                                    its number; 0: a source */
  struct ip_addr addr;
  uint16_t port;
  char name[256];                /* as configured */
  int stratum;
  int poll;
  uint8_t reach;                 /* reachability register, newest bit 0 */
  int reach_size;                /* polls shifted into it so far, 0..8 */
  char state;                    /* chronyc sources: '*', '+', '-', 'x', '~', '?' */
  char sel_state;                /* chronyc selectdata's state letter */
  bool noselect, prefer, trust, require, online;   /* as configured */
  bool eff_noselect, eff_prefer, eff_trust, eff_require;   /* with authselectmode's */
  bool peer;                     /* symmetric mode */
  bool in_burst;
  uint32_t key;                  /* 0: none */
  uint32_t refid;                /* of the last valid reply */
  double last_offset, last_delay;
  unsigned n_samples;
  uint64_t valid_replies, bad_replies, requests;
  struct sst_report stats;       /* the regression and the last sample, at now */
  bool have_selection;           /* the selection's data below are valid */
  double sel_lo, sel_hi;         /* offset interval (root distance) */
  double sel_last_sample_ago;
  uint8_t sel_leap;
  double sel_score;              /* chrony's reselection score (>= 1) */
  uint64_t good_replies;         /* valid replies that became samples */
  uint64_t kod_replies;          /* kiss-o'-death answers */
  uint64_t kernel_rx_ts, kernel_tx_ts;   /* its packets the kernel timestamped */
  uint64_t hw_rx_ts, hw_tx_ts;           /* ... and the NIC */
  const struct nsrc_ntp_data *ntp;   /* the last measurement (ntp->valid); NULL
                                        for a refclock */
  const struct ntsc *nts;        /* an NTS source's state, else NULL... */
  struct ntsc_report nts_report; /* ...and what authdata shows of it */
  bool uses_nts;                 /* authenticated with NTS (a placeholder too) */
};

/* Sources are numbered reference clocks first, then NTP sources (see
 * client_reserve_slots); both counts include the placeholders. */
unsigned client_n_sources(const struct client *c);
unsigned client_n_ntp_sources(const struct client *c);
/* Source i's address alone (cheap, unlike the full report); false if none
 * (or a reference clock). */
bool client_source_address(const struct client *c, unsigned i, struct ip_addr *out);
bool client_source_report(const struct client *c, unsigned i, struct client_source_report *r);
int client_selected(const struct client *c);   /* index or -1 */
/* The selected source's address; false (*out ADDR_UNSPEC) if none. */
bool client_selected_address(const struct client *c, struct ip_addr *out);
unsigned client_steps(const struct client *c);
/* The reference the selection updates: tracking, the drift file's
 * frequency, makestep and maxupdateskew are its (core/reference.h). */
struct reference *client_reference(struct client *c);

/* Commands (chronyc's). The source functions apply to every source whose
 * address is in `net` (a /0 subnet of family ADDR_UNSPEC: all) and return
 * how many they changed. */
struct ip_subnet;
/* placeholders: given every source, theirs too (chronyd's onoffline
 * leaves them as they are). */
int client_set_online(struct client *c, const struct ip_subnet *net, bool online,
                      bool placeholders);
int client_burst(struct client *c, const struct ip_subnet *net, int good, int total);
/* Forget every source's samples (chronyc reset sources). */
void client_reset_sources(struct client *c);
/* Per-source settings (chronyc minpoll, maxpoll, maxdelay...). False only
 * if no source has the address: as chronyd, a minpoll or maxpoll outside
 * CLIENT_MIN_POLL..CLIENT_MAX_POLL changes nothing (see nsrc_set_minpoll)
 * and a polltarget below 1 is 1. */
enum client_modify { CLIENT_MINPOLL, CLIENT_MAXPOLL, CLIENT_MAXDELAY, CLIENT_MAXDELAYRATIO,
                     CLIENT_MAXDELAYDEVRATIO, CLIENT_MINSTRATUM, CLIENT_POLLTARGET };
bool client_modify_source(struct client *c, const struct ip_addr *addr, enum client_modify what,
                          double value);
/* chronyc selectopts and offset (chronyd 4.4, 4.6): the NTP source with
 * this address, or (addr ADDR_UNSPEC) the reference clock with this refid;
 * false if there is none. Select options: the CLIENT_SEL_* bits of `mask`
 * take their values in `options`, from the next selection on; the offset
 * option is added to the samples from the next one on. */
enum { CLIENT_SEL_NOSELECT = 1, CLIENT_SEL_PREFER = 2, CLIENT_SEL_TRUST = 4,
       CLIENT_SEL_REQUIRE = 8 };
bool client_modify_select_options(struct client *c, const struct ip_addr *addr, uint32_t refid,
                                  unsigned options, unsigned mask);
bool client_modify_offset(struct client *c, const struct ip_addr *addr, uint32_t refid,
                          double offset);
/* Select again now (chronyc reselect), optionally with a new reselectdist. */
void client_reselect(struct client *c);
/* A reload: the selection settings (maxdistance, maxjitter, minsources,
 * combinelimit, stratumweight, reselectdist) and the log hooks of p replace
 * the client's, for its sources too, and the reference takes what
 * ref_retune() changes; the rest of p (set at start: clock control, keys,
 * slew and drift limits, acquisitionport, give_up, mail_change) is not
 * looked at.
 * Sources keep their samples; the next selection uses the new settings. */
void client_retune(struct client *c, const struct client_params *p);
void client_set_reselectdist(struct client *c, double dist);

/* Dumps (chrony's dumpdir): source i's sample history, and loading one back
 * (e.g. at start, from the previous run). Both return false if there is no
 * source i; the import also if the dump is invalid (sst_import). */
struct sst_dump;
bool client_source_export(const struct client *c, unsigned i, struct sst_dump *out);
bool client_source_import(struct client *c, unsigned i, const struct sst_dump *in);

#endif
