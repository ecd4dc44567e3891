# The commands a person types. Meson + Ninja do the building.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 600
FUZZ_SMOKE_TIME ?= 10
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_PROGRAM ?= install -D -m 0755
INSTALL_MODULE ?= install -D -m 0644
STRIP ?= strip
# PATHS=chrony: chrony's paths compiled in and installed (/etc/chrony/chrony.conf,
# /run/chrony/chronyd.sock and .pid, /var/lib/chrony, /var/log/chrony), so
# chronyc, chrony-wait, NetworkManager and DHCP hooks work without -h.
PATHS ?= stratum
ifeq ($(PATHS),chrony)
CONF_DIR = /etc/chrony
CONF_NAME = chrony.conf
PATH_SED = -e 's|/etc/stratum/stratum.conf|/etc/chrony/chrony.conf|g' -e 's|/etc/stratum/|/etc/chrony/|g' \
	-e 's|/run/stratumd/stratumd\.|/run/chrony/chronyd.|g' -e 's|/run/stratumd|/run/chrony|g' \
	-e 's|/var/lib/stratumd|/var/lib/chrony|g' -e 's|/var/log/stratumd|/var/log/chrony|g' \
	-e 's/^\(RuntimeDirectory\|StateDirectory\|LogsDirectory\)=stratumd$$/\1=chrony/'
else
CONF_DIR = /etc/stratum
CONF_NAME = stratum.conf
PATH_SED = -e ''
endif
# Text files installed with the paths of PATHS: install_text SOURCE DEST
install_text = install -d $(dir $(2)) && sed $(PATH_SED) $(1) > $(2).tmp && \
	install -m 0644 $(2).tmp $(2) && rm -f $(2).tmp

.PHONY: all programs check check-long check-unit check-asan check-system fuzz demo bench \
	bench-server install install-strip deb clean

all: $(BUILD)/build.ninja
	meson configure $(BUILD) -Dpaths=$(PATHS) >/dev/null
	ninja -C $(BUILD)

# Only the two programs make install installs and the OpenSSL module they
# load (not the tests and tools); the prefix is compiled in as the
# module's directory, PREFIX/lib/stratum.
programs: $(BUILD)/build.ninja
	meson configure $(BUILD) -Dpaths=$(PATHS) -Dprefix=$(PREFIX) >/dev/null
	ninja -C $(BUILD) stratumd stratumc stratum-ossl.so

# Warnings are errors in the build directories set up here, by
# scripts/check.sh and by scripts/fuzz.sh (meson.build leaves werror off
# for packagers).
$(BUILD)/build.ninja:
	scripts/deps.sh build
	meson setup -Dwerror=true -Dpaths=$(PATHS) $(BUILD)

# Everything but the long tests: unit tests (plain and under ASan+UBSan),
# fuzz smoke runs, system and interop tests; one summary line at the end
# (scripts/check.sh says how the suites share the machine).
check:
	scripts/deps.sh test fuzz
	scripts/check.sh

# The long tests (tests/long): rate limiting over 1000 s of real time, the
# drift file's kill -9 test at full size, the Debian package installed,
# upgraded, removed and purged in debootstrapped roots (as root; the first
# run debootstraps into .cache/debootstrap); 18-21 minutes, one summary line.
check-long: all deb
	scripts/deps.sh test deb
	scripts/peers.sh
	rm -rf $(BUILD)/test-results-long && mkdir -p $(BUILD)/test-results-long
	STRATUM_BUILD=$(abspath $(BUILD)) /usr/bin/python3 -m pytest -v -s -p no:cacheprovider \
	  --junitxml=$(BUILD)/test-results-long/pytest-long.xml tests/long; \
	/usr/bin/python3 tests/summary.py $(BUILD)/test-results-long long

check-unit: all
	meson test -C $(BUILD) --suite unit --print-errorlogs

check-asan:
	scripts/deps.sh test
	[ -f $(ASAN_BUILD)/build.ninja ] || meson setup -Dwerror=true $(ASAN_BUILD) \
	  -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(ASAN_BUILD)
	meson test -C $(ASAN_BUILD) --suite unit --print-errorlogs

check-system: all
	scripts/deps.sh test
	scripts/peers.sh
	/usr/bin/python3 -m pytest -q -n 5 --dist loadfile tests/sim tests/system tests/interop

# Simulated scenarios: one JSON line each, then a table (figures, not pass/fail).
# Every scenario for each of BENCH_SEEDS, then the table and each figure
# beside its limit (the limits tests/sim holds it to, from chrony's).
BENCH_SEEDS ?= 1 2 3
bench: all
	rm -f build/sim-results.jsonl
	for seed in $(BENCH_SEEDS); do \
		build/stratum-sim --seed $$seed >> build/sim-results.jsonl || exit 1; \
	done
	/usr/bin/python3 scripts/sim_table.py --limits build/sim-results.jsonl

# NTP server throughput on loopback: the bare batch responder, stratumd and
# Debian's chronyd one after the other, each pinned to one core with the load
# generator on another (figures, not pass/fail; about 2-4 minutes).
bench-server: all
	scripts/peers.sh
	/usr/bin/python3 bench/bench_server.py --build $(BUILD)

# Each fuzz target for FUZZ_TIME seconds (make fuzz FUZZ_TIME=60).
# FUZZ_JOBS=N runs N targets at a time.
fuzz:
	scripts/deps.sh fuzz
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_TIME)

demo: all
	scripts/peers.sh
	scripts/demo.sh $(BUILD)

# Binaries, man pages, the systemd unit (under PREFIX, or /lib with
# PREFIX=/usr; its ExecStart is rewritten to name $(PREFIX)/sbin/stratumd),
# sysusers.d and tmpfiles.d files, logrotate, and /etc/stratum/stratum.conf
# unless one is already there. Nothing is started or created on the system:
# after a real install run systemd-sysusers, systemd-tmpfiles --create and
# systemctl daemon-reload.
install: SYSTEMD_UNITDIR ?= $(if $(filter /usr,$(PREFIX)),,$(PREFIX))/lib/systemd/system
install: programs
	$(INSTALL_PROGRAM) $(BUILD)/stratumd $(DESTDIR)$(PREFIX)/sbin/stratumd
	$(INSTALL_PROGRAM) $(BUILD)/stratumc $(DESTDIR)$(PREFIX)/bin/stratumc
	$(INSTALL_MODULE) $(BUILD)/stratum-ossl.so $(DESTDIR)$(PREFIX)/lib/stratum/stratum-ossl.so
	install -D -m 0644 docs/stratumc.1 $(DESTDIR)$(PREFIX)/share/man/man1/stratumc.1
	install -D -m 0644 docs/stratum.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/stratum.conf.5
	install -D -m 0644 docs/stratumd.8 $(DESTDIR)$(PREFIX)/share/man/man8/stratumd.8
	install -d $(DESTDIR)$(SYSTEMD_UNITDIR)
	$(call install_text,packaging/stratumd.service,$(DESTDIR)$(SYSTEMD_UNITDIR)/stratumd.service.in)
	sed -e 's|^ExecStart=/usr/local/sbin/stratumd|ExecStart=$(PREFIX)/sbin/stratumd|' \
	  -e 's|^ExecReload=/usr/local/bin/stratumc|ExecReload=$(PREFIX)/bin/stratumc|' \
	  $(DESTDIR)$(SYSTEMD_UNITDIR)/stratumd.service.in > $(DESTDIR)$(SYSTEMD_UNITDIR)/stratumd.service
	rm -f $(DESTDIR)$(SYSTEMD_UNITDIR)/stratumd.service.in
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNITDIR)/stratumd.service
	sed 's|^ExecStart=/usr/local/bin/stratumc|ExecStart=$(PREFIX)/bin/stratumc|' \
	  packaging/stratum-wait.service > $(DESTDIR)$(SYSTEMD_UNITDIR)/stratum-wait.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNITDIR)/stratum-wait.service
	$(call install_text,packaging/stratumd.sysusers,$(DESTDIR)$(PREFIX)/lib/sysusers.d/stratumd.conf)
	$(call install_text,packaging/stratumd.tmpfiles,$(DESTDIR)$(PREFIX)/lib/tmpfiles.d/stratumd.conf)
	$(call install_text,packaging/stratumd.logrotate,$(DESTDIR)/etc/logrotate.d/stratumd)
	install -d $(DESTDIR)$(CONF_DIR)/conf.d $(DESTDIR)$(CONF_DIR)/sources.d
	[ -e $(DESTDIR)$(CONF_DIR)/$(CONF_NAME) ] || \
	  { $(call install_text,packaging/stratum.conf,$(DESTDIR)$(CONF_DIR)/$(CONF_NAME)); }

install-strip: INSTALL_PROGRAM = install -D -s --strip-program=$(STRIP) -m 0755
install-strip: INSTALL_MODULE = install -D -s --strip-program=$(STRIP) -m 0644
install-strip: install

# The Debian package `stratum`, which replaces chrony (chrony's paths, unit
# names, user and hooks; see README.md), built in DEB_BUILD with Debian's
# hardening flags and checked by lintian: DEB_BUILD/stratum_VERSION_ARCH.deb.
DEB_BUILD ?= build-deb
deb:
	scripts/deps.sh build deb
	scripts/deb.sh --lint $(DEB_BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(DEB_BUILD)
