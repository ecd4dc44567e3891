#include "stratumc/help.h"

#include <string.h>

#include "proto/cmdmon.h"
#include "stratumc/options.h"

/* Pairs of columns; an empty first column continues the line above, an
 * entry with an empty second column is a section title. */
static const char *const commands[][2] = {
  {"System clock:", ""},
  {"tracking", "Display system time information"},
  {"makestep", "Correct clock by stepping immediately"},
  {"makestep <threshold> <updates>", "Configure automatic clock stepping"},
  {"maxupdateskew <skew>", "Modify maximum valid skew to update frequency"},
  {"waitsync [<max-tries> [<max-correction> [<max-skew> [<interval>]]]]",
   "Wait until synchronised in specified limits"},
  {"", ""},
  {"Time sources:", ""},
  {"sources [-a] [-v]", "Display information about current sources"},
  {"sourcestats [-a] [-v]", "Display statistics about collected measurements"},
  {"selectdata [-a] [-v]", "Display information about source selection"},
  {"selectopts <address|refid> <+|-options>", "Modify selection options"},
  {"reselect", "Force reselecting synchronisation source"},
  {"reselectdist <dist>", "Modify reselection distance"},
  {"offset <address|refid> <offset>", "Modify offset correction"},
  {"", ""},
  {"NTP sources:", ""},
  {"activity", "Check how many NTP sources are online/offline"},
  {"authdata [-a] [-v]", "Display information about authentication"},
  {"ntpdata [<address>]", "Display information about last valid measurement"},
  {"add server <name> [options]", "Add new NTP server"},
  {"add pool <name> [options]", "Add new pool of NTP servers"},
  {"add peer <name> [options]", "Add new NTP peer"},
  {"delete <address>", "Remove server or peer"},
  {"burst <n-good>/<n-max> [[<mask>/]<address>]", "Start rapid set of measurements"},
  {"maxdelay <address> <delay>", "Modify maximum valid sample delay"},
  {"maxdelayratio <address> <ratio>", "Modify maximum valid delay/minimum ratio"},
  {"maxdelaydevratio <address> <ratio>", "Modify maximum valid delay/deviation ratio"},
  {"minpoll <address> <poll>", "Modify minimum polling interval"},
  {"maxpoll <address> <poll>", "Modify maximum polling interval"},
  {"minstratum <address> <stratum>", "Modify minimum stratum"},
  {"offline [[<mask>/]<address>]", "Set sources in subnet to offline status"},
  {"online [[<mask>/]<address>]", "Set sources in subnet to online status"},
  {"onoffline", "Set all sources to online or offline status"},
  {"", "according to network configuration"},
  {"polltarget <address> <target>", "Modify poll target"},
  {"refresh", "Refresh IP addresses"},
  {"reload sources", "Re-read *.sources files"},
  {"reload config [--dry-run]", "Re-read the configuration (Stratum's own)"},
  {"sourcename <address>", "Display original name"},
  {"", ""},
  {"Manual time input:", ""},
  {"manual off|on|reset", "Disable/enable/reset settime command"},
  {"manual list", "Show previous settime entries"},
  {"manual delete <index>", "Delete previous settime entry"},
  {"", ""},
  {"NTP access:", ""},
  {"accheck <address>", "Check whether address is allowed"},
  {"clients [-p <packets>] [-k] [-r]", "Report on clients that accessed the server"},
  {"serverstats", "Display statistics of the server"},
  {"allow [<subnet>]", "Allow access to subnet as a default"},
  {"allow all [<subnet>]", "Allow access to subnet and all children"},
  {"deny [<subnet>]", "Deny access to subnet as a default"},
  {"deny all [<subnet>]", "Deny access to subnet and all children"},
  {"local [options]", "Serve time even when not synchronised"},
  {"local off", "Don't serve time when not synchronised"},
  {"smoothtime reset|activate", "Reset/activate time smoothing"},
  {"smoothing", "Display current time smoothing state"},
  {"", ""},
  {"Monitoring access:", ""},
  {"cmdaccheck <address>", "Check whether address is allowed"},
  {"cmdallow [<subnet>]", "Allow access to subnet as a default"},
  {"cmdallow all [<subnet>]", "Allow access to subnet and all children"},
  {"cmddeny [<subnet>]", "Deny access to subnet as a default"},
  {"cmddeny all [<subnet>]", "Deny access to subnet and all children"},
  {"", ""},
  {"Real-time clock:", ""},
  {"rtcdata", "Print current RTC performance parameters"},
  {"trimrtc", "Correct RTC relative to system clock"},
  {"writertc", "Save RTC performance parameters to file"},
  {"", ""},
  {"Other daemon commands:", ""},
  {"metrics", "Print all reports in Prometheus' text format"},
  {"cyclelogs", "Close and re-open log files"},
  {"dump", "Dump measurements and NTS keys/cookies"},
  {"rekey", "Re-read keys"},
  {"reset sources", "Drop all measurements"},
  {"shutdown", "Stop daemon"},
  {"", ""},
  {"Client commands:", ""},
  {"dns -n|+n", "Disable/enable resolving IP addresses to hostnames"},
  {"dns -4|-6|-46", "Resolve hostnames only to IPv4/IPv6/both addresses"},
  {"timeout <milliseconds>", "Set initial response timeout"},
  {"retries <retries>", "Set maximum number of retries"},
  {"keygen [<id> [<type> [<bits>]]]", "Generate key for key file"},
  {"exit|quit", "Leave the program"},
  {"help", "Generate this help"},
  {"", ""},
};

void sc_help_commands(FILE *f)
{
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
    const char *name = commands[i][0], *what = commands[i][1];
    /* a long first column gets a line of its own */
    if (strlen(name) >= 28)
      fprintf(f, "%s\n%28s%s\n", name, "", what);
    else
      fprintf(f, "%-28s%s\n", name, what);
  }
}

void sc_help_usage(FILE *f, const char *progname)
{
  fprintf(f,
          "Usage: %s [OPTION]... [COMMAND]...\n\n"
          "Options:\n"
          "  -4\t\tUse IPv4 addresses only\n"
          "  -6\t\tUse IPv6 addresses only\n"
          "  -n\t\tDon't resolve hostnames\n"
          "  -N\t\tPrint original source names\n"
          "  -c\t\tEnable CSV format\n"
          "  -j\t\tEnable JSON format (one object per command)\n"
          "  -e\t\tEnd responses with dot\n"
          "  -m\t\tAccept multiple commands\n"
          "  -d\t\tEnable debug messages\n"
          "  -h HOST\tSpecify server (%s)\n"
          "  -p PORT\tSpecify UDP port (%d)\n"
          "  -v, --version\tPrint version and exit\n"
          "      --help\tPrint usage and exit\n\n"
          "Commands:\n",
          progname, SC_DEFAULT_HOSTS, CMD_DEFAULT_PORT);
  sc_help_commands(f);
}
