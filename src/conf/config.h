/* config: the typed configuration that chrony.conf syntax is parsed into.
 *
 * conf_parse_text() parses one buffer (no file access: used by tests and the
 * fuzz target); conf_load_file() reads a file and follows include/confdir.
 * Every error is collected into a conf_diag list as "FILE:LINE: directive:
 * what was expected"; a caller applies a configuration only when the list
 * holds no error (on error the struct holds a partial result: free it).
 *
 * Values are checked against the ranges chrony's parser enforces. Where
 * chrony takes any number and limits it when it is used (e.g. ratelimit
 * interval to -19..12, maxsources to 16), the value is stored as written
 * and the consumer clamps it as chrony does; a source's minpoll, maxpoll,
 * polltarget, minstratum, minsamples and maxsamples are stored as the
 * client will limit them (client_source_bound), with a warning.
 * Stricter than chrony: a number followed by junk ("1.5s") is an error,
 * fallbackdrift is -32..32, a broadcast interval is >= 1, and allow/deny
 * take addresses only (chrony resolves host names).
 * Strings are heap copies owned by the config; NULL means "not set". */
#ifndef STRATUM_CONF_CONFIG_H
#define STRATUM_CONF_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/addr.h"
#include "core/client_source.h"
#include "proto/ntp_ext.h"

#define CONF_NAME_LEN 256
#define CONF_PATH_LEN 4096

/* Compiled-in defaults (chrony's, with Stratum's own paths). */
#define CONF_DEFAULT_PIDFILE STRATUM_PID_FILE     /* meson -Dpaths */
#define CONF_DEFAULT_CMDSOCKET STRATUM_CMD_SOCKET
#define CONF_DEFAULT_RTCDEVICE "/dev/rtc"
#define CONF_DEFAULT_USER "root"
#define CONF_DEFAULT_DRIFTFILE_INTERVAL 3600   /* s */
#define CONF_DEFAULT_NTSPORT 4460              /* ntsport, and the option of sources */
#define CONF_DEFAULT_MAXUNREACH 100000         /* the option of refclocks */

enum conf_source_type { CONF_SERVER, CONF_POOL, CONF_PEER };

/* extfield option bits */
#define CONF_EF_MONO_ROOT NTPEXT_FLAG_MONO_ROOT        /* F323 */
#define CONF_EF_NET_CORRECTION NTPEXT_FLAG_NET_CORRECTION  /* 10A (alias F324) */

/* server / pool / peer with chrony's options and defaults. */
struct conf_source {
  enum conf_source_type type;
  char name[CONF_NAME_LEN];     /* hostname or address as written */
  /* The options the client acts on, in the client's own struct with its
   * defaults (core/client.h); its addr and name are not used here. */
  struct client_source_params client;
  int family;                   /* ipv4/ipv6 option: ADDR_INET4/6, else ADDR_UNSPEC */
  int maxsources;               /* pool only, default 4 */
  const char *file; int line;   /* where it was defined */
};

/* allow / deny (and cmdallow / cmddeny), kept in file order. */
struct conf_access {
  bool allow;
  bool all;                     /* "allow all" / "deny all" */
  struct ip_subnet net;         /* prefix 0 with family UNSPEC: any address */
  /* A host name, as chronyd takes it: its first address, /32 or /128, is
   * `net` once the daemon resolved it (conf_access_resolve); where it was
   * written, for the error if it does not resolve. */
  char *name;
  const char *file;
  int line;
};

struct conf_list_access {
  struct conf_access *items;
  unsigned n;
};

struct conf_strings {
  char **v;
  unsigned n;
};

enum conf_rxfilter { CONF_RXFILTER_ANY, CONF_RXFILTER_NONE, CONF_RXFILTER_NTP,
                     CONF_RXFILTER_PTP, CONF_RXFILTER_ALL };

/* refclock DRIVER PARAMETER [options] */
struct conf_refclock {
  char driver[8];               /* PPS, SOCK, SHM, PHC or RTC */
  char *param;                  /* driver parameter with its :options, as written */
  int poll;                     /* default 4 */
  int dpoll;                    /* default 0 */
  int filter;                   /* default 64 */
  int rate;                     /* default 0 (driver's default, 1 Hz) */
  int minsamples, maxsamples;   /* default -1 (global setting) */
  int maxlockage;               /* default 2 */
  int stratum;                  /* default 0 */
  int maxunreach;               /* default 100000 */
  double offset;                /* default 0 */
  double delay;                 /* default 1e-9 */
  double precision;             /* default 0 (system clock's) */
  double maxdispersion;         /* default 0 (no limit) */
  double width;                 /* default 0 */
  uint32_t refid, lock;         /* up to 4 ASCII characters packed big-endian; 0 = none */
  bool local, pps, tai, prefer, noselect, trust, require;
  const char *file; int line;
};

/* hwtimestamp INTERFACE [options] */
struct conf_hwts {
  char *iface;                  /* interface name or "*" */
  int minpoll;                  /* default 0 */
  int maxpoll;                  /* default minpoll + 1 */
  int minsamples, maxsamples;   /* defaults 2, 16 */
  double precision;             /* default 100e-9 */
  double txcomp, rxcomp;
  bool nocrossts;
  enum conf_rxfilter rxfilter;  /* default ANY: the most specific the NIC supports */
};

/* broadcast INTERVAL ADDRESS [PORT] */
struct conf_broadcast {
  int interval;
  struct ip_addr addr;
  uint16_t port;                /* default 123 */
};

/* ratelimit / ntsratelimit / cmdratelimit */
struct conf_ratelimit {
  bool enabled;
  int interval, burst, leak;
  int kod;                      /* ratelimit only */
};

/* ntstrustedcerts [SET] PATH */
struct conf_trusted_certs {
  uint32_t set;
  char *path;
};

enum conf_authselectmode { CONF_AUTHSELECT_REQUIRE, CONF_AUTHSELECT_PREFER,
                           CONF_AUTHSELECT_MIX, CONF_AUTHSELECT_IGNORE };
enum conf_leapsecmode { CONF_LEAPSEC_SYSTEM, CONF_LEAPSEC_SLEW, CONF_LEAPSEC_STEP,
                        CONF_LEAPSEC_IGNORE };

/* log options */
#define CONF_LOG_MEASUREMENTS 0x01
#define CONF_LOG_RAWMEASUREMENTS 0x02   /* also sets MEASUREMENTS */
#define CONF_LOG_STATISTICS 0x04
#define CONF_LOG_TRACKING 0x08
#define CONF_LOG_RTC 0x10
#define CONF_LOG_REFCLOCKS 0x20
#define CONF_LOG_TEMPCOMP 0x40
#define CONF_LOG_SELECTION 0x80

/* opencommands: monitoring commands open to cmdallow'ed hosts */
#define CONF_OPEN_ACTIVITY 0x0001
#define CONF_OPEN_AUTHDATA 0x0002
#define CONF_OPEN_CLIENTS 0x0004
#define CONF_OPEN_MANUAL 0x0008
#define CONF_OPEN_NTPDATA 0x0010
#define CONF_OPEN_RTCDATA 0x0020
#define CONF_OPEN_SELECTDATA 0x0040
#define CONF_OPEN_SERVERSTATS 0x0080
#define CONF_OPEN_SMOOTHING 0x0100
#define CONF_OPEN_SOURCENAME 0x0200
#define CONF_OPEN_SOURCES 0x0400
#define CONF_OPEN_SOURCESTATS 0x0800
#define CONF_OPEN_TRACKING 0x1000
#define CONF_OPEN_DEFAULT (CONF_OPEN_ACTIVITY | CONF_OPEN_MANUAL | CONF_OPEN_RTCDATA | \
                           CONF_OPEN_SMOOTHING | CONF_OPEN_SOURCENAME | CONF_OPEN_SOURCES | \
                           CONF_OPEN_SOURCESTATS | CONF_OPEN_TRACKING)

struct config {
  /* NTP server */
  uint16_t port;                /* default 123; 0 disables the server */
  bool have_bind4, have_bind6;
  struct ip_addr bind4, bind6;  /* bindaddress */
  struct conf_list_access access;

  /* local stratum N [orphan] [distance D] [activate D] [waitsynced S] [waitunsynced S] */
  bool local;
  int local_stratum;            /* default 10 */
  bool local_orphan;
  double local_distance;        /* default 1.0 */
  double local_activate;        /* default 0 (no activating distance) */
  double local_waitsynced;      /* default 0 */
  double local_waitunsynced;    /* default 300 with orphan, else 0 */

  /* sources */
  struct conf_source *sources;
  unsigned n_sources;

  /* Time sources */
  struct conf_refclock *refclocks;
  unsigned n_refclocks;
  bool initstepslew;            /* initstepslew THRESHOLD [HOST]... */
  double initstepslew_threshold;
  struct conf_strings initstepslew_hosts;
  bool manual;
  int acquisitionport;          /* default -1: a new socket per request */
  bool have_bindacq4, have_bindacq6;
  struct ip_addr bindacq4, bindacq6;  /* bindacqaddress */
  char *bindacqdevice;
  int dscp;                     /* default 0 */
  char *dumpdir;
  int maxsamples;               /* default 0 (no limit) */
  int minsamples;               /* default 6 */
  int *ntsaeads;                /* default {30, 15} */
  unsigned n_ntsaeads;
  char *ntsdumpdir;             /* also "ntscachedir" */
  int ntsrefresh;               /* default 2419200 */
  struct conf_trusted_certs *ntstrustedcerts;
  unsigned n_ntstrustedcerts;
  bool nosystemcert;
  int nocerttimecheck;          /* default 0 */
  int refresh;                  /* default 1209600 */
  struct conf_strings *sourcedirs;  /* one directory list per sourcedir directive */
  unsigned n_sourcedirs;

  /* Source selection */
  enum conf_authselectmode authselectmode;  /* default MIX */
  double combinelimit;          /* default 3 */
  double maxdistance;           /* default 3 */
  double maxjitter;             /* default 1 */
  int maxstratum;               /* default 15 */
  int minstratum;               /* default 0 */
  int minsources;               /* default 1 */
  double reselectdist;          /* default 1e-4 */
  double stratumweight;         /* default 1e-3 */

  /* System clock */
  double clockprecision;        /* default 0: measure it */
  double corrtimeratio;         /* default 3 */
  char *driftfile;
  int driftfile_interval;       /* default 3600 */
  int fallbackdrift_min, fallbackdrift_max;  /* default 0 0: disabled */
  enum conf_leapsecmode leapsecmode;         /* default SYSTEM */
  char *leapsectz;
  char *leapseclist;
  double makestep_threshold;    /* makestep THRESHOLD LIMIT; limit 0 = disabled */
  int makestep_limit;           /* negative: no limit */
  double maxchange_offset;      /* maxchange OFFSET START IGNORE */
  int maxchange_start;          /* default -1: disabled */
  int maxchange_ignore;
  double maxclockerror;         /* default 1 ppm */
  double maxdrift;              /* default 500000 ppm */
  double maxupdateskew;         /* default 1000 ppm */
  double maxslewrate;           /* default 83333.333 ppm */
  char *tempcomp_sensor;        /* tempcomp FILE INTERVAL (T0 K0 K1 K2 | POINTS-FILE) */
  double tempcomp_interval;
  char *tempcomp_points;        /* NULL: the coefficient form */
  double tempcomp_t0, tempcomp_k0, tempcomp_k1, tempcomp_k2;

  /* NTP server */
  char *binddevice;
  struct conf_broadcast *broadcasts;
  unsigned n_broadcasts;
  uint64_t clientloglimit;      /* default 524288 */
  int serverworkers;            /* default 0 (stratum's own: server worker threads) */
  bool noclientlog;
  char *ntpsigndsocket;
  uint16_t ntsport;             /* default 4460 */
  struct conf_strings ntsservercert, ntsserverkey;
  int ntsprocesses;             /* default 1 */
  int maxntsconnections;        /* default 100 */
  char *ntsntpserver;
  int ntsrotate;                /* default 604800 */
  struct conf_ratelimit ratelimit;     /* default off, 3 8 2, kod 0 */
  struct conf_ratelimit ntsratelimit;  /* default off, 6 8 2 */
  double smoothtime_maxfreq;    /* smoothtime MAXFREQ MAXWANDER [leaponly]; 0 = off */
  double smoothtime_maxwander;
  bool smoothtime_leaponly;

  /* Command and monitoring access */
  bool have_bindcmd4, have_bindcmd6;
  struct ip_addr bindcmd4, bindcmd6;   /* default: loopback */
  char *bindcmdpath;            /* default CONF_DEFAULT_CMDSOCKET; NULL: disabled ("/") */
  char *bindcmddevice;
  struct conf_list_access cmd_access;
  uint16_t cmdport;             /* default 323; 0 disables */
  struct conf_ratelimit cmdratelimit;  /* default off, -4 8 2 */
  uint32_t opencommands;        /* CONF_OPEN_*, default CONF_OPEN_DEFAULT */
  uint16_t metricsport;         /* Prometheus' text over HTTP; default 0: off */
  bool have_bindmetrics4, have_bindmetrics6;
  struct ip_addr bindmetrics4, bindmetrics6;   /* default: loopback */

  /* Real-time clock */
  char *hwclockfile;
  double rtcautotrim;           /* default 0: off */
  char *rtcdevice;              /* default CONF_DEFAULT_RTCDEVICE */
  char *rtcfile;
  bool rtconutc;
  bool rtcsync;

  /* Logging */
  unsigned log;                 /* CONF_LOG_* */
  int logbanner;                /* default 32 */
  double logchange;             /* default 1 */
  char *logdir;
  char *mailonchange_address;   /* mailonchange ADDRESS THRESHOLD */
  double mailonchange_threshold;

  /* Miscellaneous */
  struct conf_hwts *hwtimestamps;
  unsigned n_hwtimestamps;
  double hwtstimeout;           /* default 0.001 */
  int maxtxbuffers;             /* default 0 */
  char *keyfile;
  bool lock_all;
  char *pidfile;                /* default CONF_DEFAULT_PIDFILE; NULL: none ("/") */
  uint16_t ptpport;             /* default 0: off */
  int ptpdomain;                /* default 123 */
  int sched_priority;           /* default 0 */
  char *user;                   /* default CONF_DEFAULT_USER */

  /* File names that sources and refclocks point to (owned here). */
  struct conf_strings files;
  /* Where each entry of the directive table (conf_directives.h) was last
   * written, by table index (file NULL: not written); NULL until a
   * directive is parsed. For a reload's messages (conf_diff.h). */
  struct conf_where *where;
};

struct conf_where {
  const char *file;             /* one of files */
  int line;
};

enum conf_severity { CONF_WARNING, CONF_ERROR };

struct conf_message {
  enum conf_severity severity;
  char text[512];               /* "FILE:LINE: directive: what was expected" */
};

struct conf_diag {
  struct conf_message *items;
  unsigned n, n_errors;
};

void conf_init(struct config *c);      /* chrony's defaults */
void conf_free(struct config *c);
void conf_diag_free(struct conf_diag *d);

/* Parse text as if it were file `name`. Returns the number of errors added.
 * include and confdir are checked but not followed (a warning says so). */
int conf_parse_text(struct config *c, const char *text, size_t len, const char *name,
                    struct conf_diag *d);
/* One line, e.g. from the command line or -Q; `name` labels messages.
 * Like conf_parse_text, it reads no file. */
int conf_parse_line(struct config *c, const char *line, const char *name, int lineno,
                    struct conf_diag *d);
/* Read a file, following include (with globs) and confdir. */
int conf_load_file(struct config *c, const char *path, struct conf_diag *d);

/* Read the *.sources files of c's sourcedir directives (server, pool and peer
 * lines only; bad lines are warnings, as chrony ignores them) and append the
 * sources to out, an initialised config. Call again to reload. Returns the
 * number of sources added. */
unsigned conf_load_sourcedirs(const struct config *c, struct config *out, struct conf_diag *d);

/* The normalised configuration, one directive per line, as -p prints it. */
void conf_print(const struct config *c, FILE *out);

/* Resolve the host names of allow/deny/cmdallow/cmddeny with resolve(arg,
 * name, &addr) (false: it does not), as chronyd does when it reads them; an
 * error with file:line for each that does not. */
typedef bool conf_resolve_fn(void *arg, const char *name, struct ip_addr *out);
void conf_access_resolve(struct config *c, conf_resolve_fn *resolve, void *arg,
                         struct conf_diag *d);

#endif
