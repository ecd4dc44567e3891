#!/usr/bin/python3
"""make bench-server: NTP server throughput on loopback, one server after the
other in the same run: the bare batch responder (bench/ntpbare.c, the ceiling),
stratumd and Debian's chronyd 4.3 (from .cache/peers, scripts/peers.sh), each
with `local stratum 1`, `allow 127.0.0.0/8` and -x (the clock is never
touched), pinned to one core with the load generator (bench/ntpload.c) on
another.

For each server the request rate is stepped up (doubling, then bisecting
between the last rate answered with < 1 % loss and the first one not) and
the table gives: the highest rate answered with < 1 % loss (a step that
misses by a little is run once more: one scheduling hiccup overflows the
default socket buffer), the CPU time the
server used per 1000 replies (utime + stime from /proc/PID/stat) at a common
low rate (the median of --rounds runs: others' load moves single runs) and
at its highest rate, its peak RSS (VmHWM), and the ratios
stratumd/chronyd and stratumd/bare. A rate the generator itself could not
send (it sends on one core too) is marked ">=": the figure is then a lower
bound set by the generator, not by the server.

With --workers K1,K2... (default 1), stratumd also runs with `serverworkers
K` (K threads beside its main loop), pinned to K+1 cores when the machine has
them besides the generator's (else to as many as it has: the table says how
many), to show how the rate grows per added core.

Then NTS (RFC 8915), stratumd and chronyd each serving NTS-KE with a
certificate made here (openssl) besides NTP: bench/ntsprep does one key
exchange and writes 4096 NTS-protected requests (AES-SIV-CMAC-256, one
cookie, no placeholders: a client holding its 8 cookies), checking that
the server's reply to one verifies; ntpload sends them in turn, stepped
as above, a reply counting when it is a full NTS reply (as long as the
request, not a NAK). Both servers run from the start on the same core,
their --rounds runs at the common rate alternating, and the ratio of CPU
per reply is the median of the rounds' ratios; then each is stepped
alone. The table adds the NTS-KE sessions per second that
ntsprep completes one after the other for --duration seconds (the client
on the generator's core: the figure counts both ends; each server's NTS-KE
helper process, ntsprocesses 1 by default in both, shares the server's
core) with the server's CPU time per session (the helpers' included: the
rate also counts the time a session waits rather than works), and the
peak RSS (with the helper's).

On a machine others load, the highest rates measure their load more than
the servers: --pair RATE starts stratumd and chronyd (or --vs BINARY,
another stratumd) at once on the server core, and has one generator for
each send RATE requests/s at the same time (NTS requests with
--nts-only), --rounds runs: it prints the ratio of their CPU time per
reply (median of the runs' ratios). Requests carry a zero origin, as
chronyd's (ntsprep's NTS requests too); --origin N gives the plain ones
origin N (an even one: an ntpd client's, naming the server's transmit
timestamp; odd: an interleaved client's).

Figures, not pass/fail. Options: --duration S (per step, default 2),
--rounds N (at the common rate, default 3),
--servers bare,stratumd,chronyd, --server-cpu N --gen-cpu N, --max-rate R,
--workers K[,K...] (0: none), --no-nts, --nts-only.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / ".cache" / "peers" / "root"
LOSS_LIMIT = 1.0          # percent
COMMON_RATE = 20000       # CPU per 1000 replies compared at this rate
START_RATE = 25000
NTS_COMMON_RATE = 20000   # the same for NTS requests
NTS_START_RATE = 2500
BISECT_STEPS = 3


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """utime + stime of pid (all its threads) in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is state (field 3); utime is field 14, stime field 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        m = re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M)
    return int(m.group(1)) if m else 0


class Server:
    def __init__(self, name, argv, env=None, workdir=None, workers=0):
        self.name, self.argv, self.env, self.workdir = name, argv, env, workdir
        self.workers = workers
        self.proc = None
        self.log = None

    def start(self, cpus):
        self.log = open(os.path.join(self.workdir, self.name + ".log"), "wb")
        self.proc = subprocess.Popen(["taskset", "-c", ",".join(map(str, cpus))] + self.argv,
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=self.env,
                                     start_new_session=True)

    def pid(self):
        return self.proc.pid   # taskset execs the server: same pid

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.log:
            self.log.close()

    def log_text(self):
        try:
            return Path(self.workdir, self.name + ".log").read_text(errors="replace")
        except OSError:
            return ""


def run_load(args, port, rate, duration, load=()):
    out = subprocess.run(["taskset", "-c", str(args.gen_cpu), str(args.build / "bench" / "ntpload"),
                          "-p", str(port), "-r", "%d" % rate, "-d", str(duration)] + list(load),
                         capture_output=True, text=True, timeout=duration + 30)
    if out.returncode != 0:
        raise RuntimeError("ntpload failed: " + out.stderr)
    return {k: float(v) for k, v in re.findall(r"(\w+)=([-\d.]+)", out.stdout)}


def wait_ready(args, server, port):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError("%s exited during start-up:\n%s" % (server.name, server.log_text()))
        r = run_load(args, port, 200, 0.1)
        if r["replies"] > 0:
            return
        time.sleep(0.1)
    raise RuntimeError("%s did not answer within 10 s:\n%s" % (server.name, server.log_text()))


def trial(args, server, port, rate, load=()):
    pid = server.pid()
    c0 = cpu_seconds(pid)
    r = run_load(args, port, rate, args.duration, load)
    c1 = cpu_seconds(pid)
    r["cpu_s"] = c1 - c0
    r["cpu_ms_per_1000"] = 1e6 * (c1 - c0) / r["replies"] if r["replies"] else float("nan")
    r["gen_limited"] = r["send_rate"] < 0.97 * rate
    r["ok"] = r["loss_pct"] < LOSS_LIMIT and not r["gen_limited"]
    print("  %-9s rate %8d/s  sent %8d/s  loss %6.2f %%  cpu %6.3f ms/1000%s" %
          (server.name, rate, r["send_rate"], r["loss_pct"], r["cpu_ms_per_1000"],
           "  (generator limited)" if r["gen_limited"] else ""), flush=True)
    return r


def passes(args, server, port, rate, load=()):
    """One run at rate; a run that fails by a small margin (loss < 5 %, the
    kind a single scheduling hiccup causes with the servers' default socket
    buffers) is repeated once. Returns (passed, last result)."""
    r = trial(args, server, port, rate, load)
    if not r["ok"] and not r["gen_limited"] and r["loss_pct"] < 5.0:
        r = trial(args, server, port, rate, load)
    return r["ok"], r


def median_run(runs):
    """The run with the median CPU per reply (other people's load on a
    shared machine moves single runs by tens of percent)."""
    return sorted(runs, key=lambda r: r["cpu_ms_per_1000"])[len(runs) // 2]


def measure(args, server, port, load=(), common_rate=COMMON_RATE, start_rate=START_RATE,
            common=None):
    """Step the rate; the highest rate with < 1 % loss and its figures.
    common: the runs at the common rate, if made already (else --rounds
    runs now)."""
    common = median_run(common or [trial(args, server, port, common_rate, load)
                                   for _ in range(args.rounds)])
    best, best_r, bad = None, None, None
    rate = start_rate
    gen_limited = False
    while rate <= args.max_rate:
        ok, r = passes(args, server, port, rate, load)
        if r["gen_limited"] and r["loss_pct"] < LOSS_LIMIT:
            gen_limited = True
            bad = rate
            break
        if not ok:
            bad = rate
            break
        best, best_r = rate, r
        rate *= 2
    if bad is not None and best is not None:
        lo, hi = best, bad
        for _ in range(BISECT_STEPS):
            mid = int((lo + hi) / 2 / 1000) * 1000
            if mid <= lo or mid >= hi:
                break
            ok, r = passes(args, server, port, mid, load)
            if ok:
                lo, best, best_r = mid, mid, r
            else:
                hi = mid
                if r["gen_limited"] and r["loss_pct"] < LOSS_LIMIT:
                    gen_limited = True
    return {"max_rate": best or 0, "max": best_r, "common": common,
            "gen_limited": gen_limited, "rss_kib": vm_hwm_kib(server.pid())}


def servers(args, workdir):
    port = free_udp_port()
    out = []
    if "bare" in args.servers:
        out.append((Server("bare", [str(args.build / "bench" / "ntpbare"), "-p", str(port)],
                           workdir=workdir), port))
    if "stratumd" in args.servers:
        for k in [0] + args.workers:
            port = free_udp_port()
            name = "stratumd" if k == 0 else "stratumd+%dw" % k
            conf = Path(workdir, name + ".conf")
            conf.write_text("port %d\nbindaddress 127.0.0.1\nlocal stratum 1\n"
                            "allow 127.0.0.0/8\ncmdport 0\nbindcmdaddress /\n"
                            "pidfile %s/%s.pid\nserverworkers %d\n" % (port, workdir, name, k))
            out.append((Server(name, [str(args.stratumd or args.build / "stratumd"), "-x", "-d",
                                      "-f", str(conf)], workdir=workdir, workers=k), port))
    if "chronyd" in args.servers:
        port = free_udp_port()
        conf = Path(workdir, "chrony.conf")
        conf.write_text("port %d\nbindaddress 127.0.0.1\nlocal stratum 1\nallow 127.0.0.0/8\n"
                        "cmdport 0\nbindcmdaddress /\npidfile %s/chronyd.pid\n" % (port, workdir))
        out.append((chronyd_server("chronyd", conf, workdir), port))
    return out


def chronyd_server(name, conf, workdir):
    """Debian's chronyd 4.3 (extracted by scripts/peers.sh) with conf, -x."""
    chronyd = PEERS / "usr" / "sbin" / "chronyd"
    if not chronyd.exists():
        subprocess.run([str(ROOT / "scripts" / "peers.sh")], check=True)
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = str(PEERS / "usr" / "lib" / "x86_64-linux-gnu")
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
    argv = [str(chronyd), "-x", "-d", "-f", str(conf), "-u", user]
    if os.geteuid() != 0:
        argv.append("-U")
    return Server(name, argv, env=env, workdir=workdir)


def make_certificate(workdir):
    """A self-signed certificate for IP:127.0.0.1 (the clients do not check it)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "nts.key", "-out",
                    "nts.pem", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1"], cwd=workdir, check=True,
                   capture_output=True, timeout=30)
    return Path(workdir, "nts.pem"), Path(workdir, "nts.key")


def nts_servers(args, workdir):
    """(Server, NTP port, NTS-KE port) of stratumd and chronyd serving NTS."""
    cert, key = make_certificate(workdir)
    out = []
    for name in ("stratumd", "chronyd"):
        if name not in args.servers:
            continue
        port, keport = free_udp_port(), free_udp_port()
        nts = "ntsservercert %s\nntsserverkey %s\nntsport %d\n" % (cert, key, keport)
        if name == "stratumd":
            conf = Path(workdir, "stratumd-nts.conf")
            conf.write_text("port %d\nbindaddress 127.0.0.1\nlocal stratum 1\n"
                            "allow 127.0.0.0/8\ncmdport 0\nbindcmdaddress /\n"
                            "pidfile %s/stratumd-nts.pid\n%s" % (port, workdir, nts))
            out.append((Server("stratumd", [str(args.stratumd or args.build / "stratumd"), "-x",
                                            "-d", "-f", str(conf)], workdir=workdir),
                        port, keport))
        else:
            conf = Path(workdir, "chrony-nts.conf")
            conf.write_text("port %d\nbindaddress 127.0.0.1\nlocal stratum 1\n"
                            "allow 127.0.0.0/8\ncmdport 0\nbindcmdaddress /\n"
                            "pidfile %s/chronyd-nts.pid\n%s" % (port, workdir, nts))
            out.append((chronyd_server("chronyd", conf, workdir), port, keport))
    return out


def pair_servers(args, workdir, nts):
    """--pair: stratumd and chronyd (or --vs BINARY, another stratumd), as
    (Server, NTP port, NTS-KE port), serving NTS too with --nts-only."""
    if nts:
        cert, key = make_certificate(workdir)
    out = []
    for name, binary in (("stratumd", args.stratumd or args.build / "stratumd"),
                         ("vs", args.vs) if args.vs else ("chronyd", None)):
        port, keport = free_udp_port(), free_udp_port()
        conf = Path(workdir, name + "-pair.conf")
        conf.write_text("port %d\nbindaddress 127.0.0.1\nlocal stratum 1\nallow 127.0.0.0/8\n"
                        "cmdport 0\nbindcmdaddress /\npidfile %s/%s-pair.pid\n%s" %
                        (port, workdir, name, "ntsservercert %s\nntsserverkey %s\nntsport %d\n" %
                         (cert, key, keport) if nts else ""))
        server = (chronyd_server(name, conf, workdir) if binary is None else
                  Server(name, [str(binary), "-x", "-d", "-f", str(conf)], workdir=workdir))
        out.append((server, port, keport))
    return out


def pair_run(args, pair, loads):
    """One run: each server sent --pair requests/s by its own generator, at
    the same time; [(replies, loss %, cpu ms per 1000 replies)] in pair's
    order."""
    c0 = [cpu_seconds(server.pid()) for server, _, _ in pair]
    procs = [subprocess.Popen(["taskset", "-c", str(args.gen_cpu),
                               str(args.build / "bench" / "ntpload"), "-p", str(port), "-r",
                               "%d" % args.pair, "-d", str(args.duration), "-s", str(77 + i),
                               "-O", str(args.origin)] +
                              loads[i], stdout=subprocess.PIPE, text=True)
             for i, (server, port, _) in enumerate(pair)]
    outs = [p.communicate(timeout=args.duration + 30)[0] for p in procs]
    c1 = [cpu_seconds(server.pid()) for server, _, _ in pair]
    runs = []
    for out, a, b in zip(outs, c0, c1):
        r = {k: float(v) for k, v in re.findall(r"(\w+)=([-\d.]+)", out)}
        runs.append((r["replies"], r["loss_pct"],
                     1e6 * (b - a) / r["replies"] if r["replies"] else float("nan")))
    return runs


def run_pair(args, workdir):
    """Both servers up at once on the server core, their generators on the
    generator core sending the same rate at the same time: whatever else
    loads the machine weighs on both alike, where stepping one server after
    the other measures the others' load. The figure is CPU time per reply
    (the servers may both be short of CPU: a reply's share is what a core
    would serve flat out), the median of the runs' ratios."""
    pair, started = pair_servers(args, workdir, args.nts_only), []
    try:
        for server, port, _ in pair:
            server.start([args.server_cpu])
            started.append(server)
            wait_ready(args, server, port)
        loads = [nts_load(args, server, port, keport, workdir)[0] if args.nts_only else []
                 for server, port, keport in pair]
        ratios = []
        for _ in range(args.rounds):
            runs = pair_run(args, pair, loads)
            for (server, _, _), (replies, loss, cpu) in zip(pair, runs):
                print("  %-9s rate %8d/s  replies %8d  loss %6.2f %%  cpu %6.3f ms/1000" %
                      (server.name, args.pair, replies, loss, cpu), flush=True)
            ratios.append(runs[0][2] / runs[1][2])
    finally:
        for server in started:
            server.stop()
    ratios.sort()
    print("%s/%s%s cpu per reply at %d/s each: median %.2f (%.2f-%.2f, %d runs)" %
          (pair[0][0].name, pair[1][0].name, " NTS" if args.nts_only else "", args.pair,
           ratios[len(ratios) // 2], ratios[0], ratios[-1], len(ratios)))


def ntsprep(args, *opts, timeout=60):
    out = subprocess.run(["taskset", "-c", str(args.gen_cpu), str(args.build / "bench" / "ntsprep"),
                          "-a", "127.0.0.1"] + list(opts), capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError("ntsprep failed: " + out.stdout + out.stderr)
    return {k: v for k, v in re.findall(r"(\w+)=(\S+)", out.stdout)}


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def tree_cpu_seconds(pid):
    """CPU seconds of pid and its children (the NTS-KE helpers)."""
    return cpu_seconds(pid) + sum(cpu_seconds(c) for c in children(pid))


def nts_load(args, server, port, keport, workdir):
    """ntpload's options sending the server's NTS requests (one key
    exchange made for them), and their length."""
    requests = Path(workdir, server.name + "-nts.bin")
    prep = ntsprep(args, "-k", str(keport), "-p", str(port), "-o", str(requests))
    return ["-t", str(requests), "-l", prep["request_len"]], int(prep["request_len"])


def measure_nts(args, server, port, keport, load, common):
    res = measure(args, server, port, load, NTS_COMMON_RATE, NTS_START_RATE, common)
    c0 = tree_cpu_seconds(server.pid())
    hs = ntsprep(args, "-k", str(keport), "-H", str(args.duration),
                 timeout=args.duration + 60)
    res["handshakes"] = float(hs["rate"])
    res["hs_cpu_ms"] = (1e3 * (tree_cpu_seconds(server.pid()) - c0) / int(hs["handshakes"])
                        if int(hs["handshakes"]) else float("nan"))
    # the NTS-KE helpers (ntsprocesses, 1 by default in both) are child
    # processes: counted too
    res["rss_parts"] = [vm_hwm_kib(server.pid())] + [vm_hwm_kib(c) for c in children(server.pid())]
    res["rss_kib"] = sum(res["rss_parts"])
    print("  %-9s NTS-KE sessions %8.1f/s, peak RSS %s KiB (main, then helpers)" %
          (server.name, res["handshakes"], " + ".join(map(str, res["rss_parts"]))), flush=True)
    return res


def run_nts(args, workdir):
    """Both servers run from the start: their runs at the common rate
    alternate, round by round, so that whatever else loads the machine
    weighs on both alike; then each is stepped alone."""
    results, started, request_len = {}, [], 0
    try:
        for server, port, keport in nts_servers(args, workdir):
            server.cpus = [args.server_cpu]
            server.start(server.cpus)
            started.append((server, port, keport))
            wait_ready(args, server, port)
        loads = {}
        for server, port, keport in started:
            loads[server.name], request_len = nts_load(args, server, port, keport, workdir)
        common = {server.name: [] for server, _, _ in started}
        for _ in range(args.rounds):
            for server, port, _ in started:
                common[server.name].append(trial(args, server, port, NTS_COMMON_RATE,
                                                 loads[server.name]))
        for server, port, keport in started:
            results[server.name] = measure_nts(args, server, port, keport, loads[server.name],
                                               common[server.name])
    finally:
        for server, _, _ in started:
            server.stop()
    if not results:
        return
    print()
    print("NTS (%d-byte requests)" % request_len)
    print("%-12s %12s %16s %16s %12s %14s %10s" %
          ("server", "max rate/s", "cpu ms/1000 @%dk" % (NTS_COMMON_RATE // 1000),
           "cpu ms/1000 @max", "NTS-KE/s", "NTS-KE cpu ms", "peak RSS"))
    for name, res in results.items():
        print("%-12s %12s %16.3f %16.3f %12.1f %14.3f %7d KiB" %
              (name, fmt_rate(res), res["common"]["cpu_ms_per_1000"],
               res["max"]["cpu_ms_per_1000"] if res["max"] else float("nan"),
               res["handshakes"], res["hs_cpu_ms"], res["rss_kib"]))
    s, c = results.get("stratumd"), results.get("chronyd")
    if s and c:
        # the ratio of each round's pair of runs, made close in time
        pairs = sorted(a["cpu_ms_per_1000"] / b["cpu_ms_per_1000"]
                       for a, b in zip(common["stratumd"], common["chronyd"]))
        print("stratumd/chronyd NTS: rate %s, cpu per reply @%dk %.2f (median of %d rounds' "
              "ratios), NTS-KE sessions %s, cpu per NTS-KE session %s, peak RSS %s (with the "
              "NTS-KE helper processes)" %
              (ratio(s["max_rate"], c["max_rate"]), NTS_COMMON_RATE // 1000,
               pairs[len(pairs) // 2], len(pairs),
               ratio(s["handshakes"], c["handshakes"]), ratio(s["hs_cpu_ms"], c["hs_cpu_ms"]),
               ratio(s["rss_kib"], c["rss_kib"])))


def server_cpus(args, workers):
    """The server's cores: its own, and one more per worker while there are
    cores besides the generator's."""
    spare = [c for c in sorted(os.sched_getaffinity(0)) if c not in (args.server_cpu, args.gen_cpu)]
    return [args.server_cpu] + spare[:workers]


def fmt_rate(res):
    return ("%s%d" % (">=" if res["gen_limited"] else "", res["max_rate"]))


def ratio(a, b):
    return "%.2f" % (a / b) if a and b else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=ROOT / "build")
    ap.add_argument("--duration", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=3,
                    help="runs at the common rate; the median CPU per reply is shown")
    ap.add_argument("--servers", default="bare,stratumd,chronyd")
    ap.add_argument("--server-cpu", type=int, default=1)
    ap.add_argument("--gen-cpu", type=int, default=0)
    ap.add_argument("--max-rate", type=int, default=3200000)
    ap.add_argument("--stratumd", type=Path, help="another stratumd binary (before/after)")
    ap.add_argument("--workers", default="1")
    ap.add_argument("--no-nts", action="store_true", help="skip the NTS part")
    ap.add_argument("--nts-only", action="store_true", help="only the NTS part")
    ap.add_argument("--pair", type=int, metavar="RATE",
                    help="stratumd and chronyd at once, RATE requests/s each (see run_pair)")
    ap.add_argument("--vs", type=Path, help="with --pair: this stratumd instead of chronyd")
    ap.add_argument("--origin", type=lambda v: int(v, 0), default=0,
                    help="with --pair: the origin of every plain request (ntpload -O)")
    args = ap.parse_args()
    args.servers = args.servers.split(",")
    args.workers = [int(k) for k in args.workers.split(",") if int(k) > 0]
    if shutil.which("taskset") is None:
        sys.exit("bench-server: taskset (util-linux) is needed")
    print("bench-server: server on CPU %d, generator on CPU %d, %g s per step, "
          "1024 source addresses in 127.77.0.0/16, loss limit %g %%"
          "\nstratumd: %s" %
          (args.server_cpu, args.gen_cpu, args.duration, LOSS_LIMIT,
           args.stratumd or args.build / "stratumd"), flush=True)
    if args.pair:
        with tempfile.TemporaryDirectory(prefix="bench-server-") as workdir:
            run_pair(args, workdir)
        return
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-server-") as workdir:
        for server, port in ([] if args.nts_only else servers(args, workdir)):
            server.cpus = server_cpus(args, server.workers)
            server.start(server.cpus)
            try:
                wait_ready(args, server, port)
                results[server.name] = measure(args, server, port)
                results[server.name]["cpus"] = len(server.cpus)
            finally:
                server.stop()
        if not args.no_nts:
            run_nts(args, workdir)
    if args.nts_only:
        return
    print()
    print("%-12s %5s %12s %16s %16s %10s" % ("server", "cores", "max rate/s", "cpu ms/1000 @20k",
                                              "cpu ms/1000 @max", "peak RSS"))
    for name, res in results.items():
        print("%-12s %5d %12s %16.3f %16.3f %7d KiB" %
              (name, res["cpus"], fmt_rate(res), res["common"]["cpu_ms_per_1000"],
               res["max"]["cpu_ms_per_1000"] if res["max"] else float("nan"), res["rss_kib"]))
    s, c, b = (results.get(n) for n in ("stratumd", "chronyd", "bare"))
    if s and c:
        print("stratumd/chronyd: rate %s, cpu per reply @20k %s, peak RSS %s" %
              (ratio(s["max_rate"], c["max_rate"]),
               ratio(s["common"]["cpu_ms_per_1000"], c["common"]["cpu_ms_per_1000"]),
               ratio(s["rss_kib"], c["rss_kib"])))
    if s and b:
        print("stratumd/bare:    rate %s%s" % (ratio(s["max_rate"], b["max_rate"]),
              " (bare limited by the generator: an upper bound)" if b["gen_limited"] else ""))
    if c and b:
        print("chronyd/bare:     rate %s" % ratio(c["max_rate"], b["max_rate"]))
    for k in args.workers:
        w = results.get("stratumd+%dw" % k)
        if s and w:
            added = w["cpus"] - s["cpus"]
            print("stratumd with %d worker%s on %d core%s: rate x%s of one loop on one core%s" %
                  (k, "s" if k > 1 else "", w["cpus"], "s" if w["cpus"] > 1 else "",
                   ratio(w["max_rate"], s["max_rate"]),
                   ", %+.0f/s per added core" % ((w["max_rate"] - s["max_rate"]) / added)
                   if added else " (no core to spare besides the generator's: overhead only)"))


if __name__ == "__main__":
    main()
