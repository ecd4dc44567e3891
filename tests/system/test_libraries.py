"""stratumd maps no C math library: proto/num.h has the functions it uses
(loading libm alone made 370 KiB more resident, 520 KiB once called), and
no OpenSSL unless its configuration needs it (test_openssl_module.py).
stratumd -x, loopback only, private port and files."""
from ntptest import Daemon, free_udp_port, require_stratumd, server_config


def mapped_libraries(pid):
    with open("/proc/%d/maps" % pid) as f:
        return sorted({line.split()[-1].rsplit("/", 1)[-1] for line in f
                       if ".so" in line.split()[-1]})


def test_server_maps_no_libm(tmp_path):
    require_stratumd()
    port = free_udp_port()
    d = Daemon(tmp_path / "d", server_config(port, extra=["pidfile %s" % (tmp_path / "pid")]))
    try:
        d.start(wait_ports=[(4, port)])
        libs = mapped_libraries(d.proc.pid)
        print("stratumd maps: %s" % " ".join(libs))
        assert any(lib.startswith("libc.so") for lib in libs), libs
        assert not [lib for lib in libs if lib.startswith("libm.so")], libs
    finally:
        d.stop()
