#include "sys/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/pps.h>
#include <linux/ptp_clock.h>
#include <linux/rtc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/socket.h>
#include <termios.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Level 1: allowed without looking at the arguments. Names, so that a call
 * this architecture lacks (select, poll...) is skipped. */
static const char *const allowed[] = {
  /* memory */
  "brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
  /* the poll loop, its self-pipe, descriptors */
  "poll", "ppoll", "select", "pselect6", "_newselect", "read", "readv", "write", "writev",
  "pread64", "close", "lseek", "_llseek", "fcntl", "fcntl64", "dup", "dup3", "pipe2",
  /* sockets: NTP and command sockets, c-ares over UDP and TCP, metrics
   * over TCP (accept4; accept where there is no accept4) */
  "bind", "connect", "accept", "accept4", "getsockname", "getpeername", "getsockopt", "shutdown",
  "recvfrom", "recvmsg", "recvmmsg", "recvmmsg_time64", "sendto", "sendmsg", "sendmmsg",
  /* the clock */
  "clock_gettime", "clock_gettime64", "gettimeofday", "time", "clock_getres",
  "clock_getres_time64", "adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime",
  "clock_settime64", "settimeofday", "clock_nanosleep", "clock_nanosleep_time64", "nanosleep",
  /* files: drift, dumps, logs, key file, sourcedir, resolver configuration */
  "open", "openat", "stat", "lstat", "fstat", "stat64", "lstat64", "fstat64", "newfstatat",
  "fstatat64", "statx", "access", "faccessat", "faccessat2", "readlink", "readlinkat",
  "getdents", "getdents64", "rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir",
  "mkdirat", "fchmod", "chmod", "fchmodat", "fsync", "fdatasync", "ftruncate", "flock",
  "umask", "uname", "getcwd",
  /* OpenSSL making a TLS context (NTS-KE client, for a source added later) */
  "sysinfo",
  /* randomness, identity */
  "getrandom", "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getuid32",
  "geteuid32", "getgid32", "getegid32",
  /* signals (the handlers write to the loop's pipe), locks, exit; tgkill
   * lets abort() deliver its SIGABRT */
  "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigreturn", "sigaltstack", "tgkill",
  "futex", "futex_time64", "set_robust_list", "rseq", "restart_syscall", "exit", "exit_group",
  /* helpers (NTS-KE, mail) reaped as they end */
  "wait4", "waitid", "waitpid",
  /* reference clocks: an SHM segment is detached at exit (attached before) */
  "shmdt",
};

/* Level 2: what a running time daemon never does. */
static const char *const denied[] = {
  "fork", "vfork", "clone", "clone3", "execve", "execveat", "ptrace", "process_vm_readv",
  "process_vm_writev", "kexec_load", "kexec_file_load", "init_module", "finit_module",
  "delete_module", "mount", "umount", "umount2", "pivot_root", "chroot", "reboot", "swapon",
  "swapoff", "bpf", "perf_event_open", "setuid", "setgid", "setreuid", "setregid",
  "setresuid", "setresgid", "setgroups", "capset", "unshare", "setns", "personality",
  "keyctl", "add_key", "request_key", "userfaultfd", "acct", "quotactl", "iopl", "ioperm",
};

/* Level 1, with their arguments checked (index, allowed values). */
struct arg_rule {
  const char *name;
  unsigned arg;
  unsigned long values[13];
  unsigned n;
};

static const struct arg_rule arg_rules[] = {
  /* NTP and DNS over IPv4 and IPv6; syslog and the command socket (Unix). */
  {"socket", 0, {AF_INET, AF_INET6, AF_UNIX}, 3},
  {"setsockopt", 1, {SOL_SOCKET, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, IPPROTO_UDP}, 5},
  /* c-ares: bytes waiting, non-blocking mode; stdio: is it a terminal?
   * Reference clocks: a PPS edge, a PTP clock's readings, an RTC's time
   * (and its interrupts, a PTP clock's external timestamps and pin
   * switched off at exit); rtcfile's trim sets it; hwtimestamp: a NIC's
   * link speed (chronyd's filter allows SIOCETHTOOL too). */
  {"ioctl", 1, {FIONREAD, FIONBIO, TCGETS, PPS_FETCH, PTP_SYS_OFFSET, PTP_SYS_OFFSET_EXTENDED,
                PTP_SYS_OFFSET_PRECISE, RTC_RD_TIME, RTC_UIE_OFF, PTP_EXTTS_REQUEST,
                PTP_PIN_SETFUNC, RTC_SET_TIME, SIOCETHTOOL}, 13},
};

static int add_names(scmp_filter_ctx ctx, uint32_t action, const char *const *names, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    int nr = seccomp_syscall_resolve_name(names[i]);
    if (nr == __NR_SCMP_ERROR)
      continue;  /* not a system call of this architecture */
    int r = seccomp_rule_add(ctx, action, nr, 0);
    if (r < 0 && r != -EEXIST)
      return r;
  }
  return 0;
}

static int add_arg_rules(scmp_filter_ctx ctx)
{
  for (size_t i = 0; i < N(arg_rules); i++) {
    const struct arg_rule *a = &arg_rules[i];
    int nr = seccomp_syscall_resolve_name(a->name);
    if (nr == __NR_SCMP_ERROR)
      continue;
    for (unsigned j = 0; j < a->n; j++) {
      struct scmp_arg_cmp cmp = {.arg = a->arg, .op = SCMP_CMP_EQ, .datum_a = a->values[j]};
      int r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &cmp);
      if (r < 0)
        return r;
    }
  }
  return 0;
}

bool scf_level_valid(int level)
{
  return level >= SECCOMP_LEVEL_MIN && level <= SECCOMP_LEVEL_MAX;
}

int scf_install(int level)
{
  if (!scf_level_valid(level))
    return -EINVAL;
  if (level == 0)
    return 0;
  uint32_t block = level > 0 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_LOG;
  bool allow_list = level == 1 || level == -1;
  scmp_filter_ctx ctx = seccomp_init(allow_list ? block : SCMP_ACT_ALLOW);
  if (!ctx)
    return -ENOMEM;
  int r = allow_list ? add_names(ctx, SCMP_ACT_ALLOW, allowed, N(allowed)) : 0;
  if (r == 0)
    r = allow_list ? add_arg_rules(ctx) : add_names(ctx, block, denied, N(denied));
  /* Every thread (server workers start before the filter). */
  if (r == 0)
    r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
  if (r == 0)
    r = seccomp_load(ctx);
  seccomp_release(ctx);
  return r < 0 ? r : 0;
}
