# stratd — one non-recursive Makefile.
#
#   make            build build/bin/{stratd,stratctl,exsim}
#   make test       unit tests, the same under ASan/UBSan, integration tests
#   make run        start exsim and stratd on config/demo.yaml
#   make asan       unit tests under AddressSanitizer + UBSan
#   make bench      benchmarks (print figures)
#   make soak       kill -9 soak against exsim (SOAK_CYCLES, SOAK_SEED)
#   make fuzz       each libFuzzer harness of fuzz/ for FUZZ_SECONDS (60)
#   make setup      install missing Debian packages (as root)
#   make install    install under DESTDIR/PREFIX (PREFIX=/usr/local)
#   make deb        build a Debian package in build/
#
# `make` never installs anything: it says which packages are missing and
# stops (run `make setup` as root); any user can build once they are there.
# `make run` and `make test` run `make setup` first.
# DEVELOPER=0 drops -Werror; V=1 shows the commands; BUILD=DIR builds there.

BUILD     ?= build
DEVELOPER ?= 1
SANITIZE  ?= 0

CC      ?= cc
OPT     ?= -O2
CFLAGS  := -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Wshadow \
           -Wstrict-prototypes -Wno-missing-field-initializers \
           $(if $(filter 1,$(DEVELOPER)),-Werror) -MMD -MP $(EXTRA_CFLAGS)
LDFLAGS := $(EXTRA_LDFLAGS)
LIBS    := -lrocksdb -luv -lyaml -lprotobuf-c -lsystemd -lpthread -lm
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
# Who may include what (DESIGN.md, Layout): a strategy sees only the public
# API in include/stratd/ (and the C library); a service sees that, service.h
# and its own helpers; neither sees daemon/ (runtime, journal, topology).
# The include/forbid/ headers turn a reach for libuv, RocksDB or YAML into a
# compile error naming the rule.
INC_PUBLIC   := -Iinclude -I$(BUILD)/gen/public
INC_STRATEGY := $(INC_PUBLIC) -Iinclude/forbid/strategy -Iinclude/forbid/service
INC_SERVICE  := $(INC_PUBLIC) -Iinclude/stratd -Iservices -I$(BUILD)/gen -Iinclude/forbid/service
INC_DAEMON   := $(INC_PUBLIC) -Iinclude/stratd -Idaemon -Iservices -I$(BUILD)/gen

CHECK_LIBS = -lcheck -lsubunit -lrt -lm -lpthread

ifneq ($(V),1)
Q := @
endif

# Debian 12 packages the build needs (checked by `make`), and those the
# tests, `make run` and `make deb` need too (installed by `make setup`).
BUILD_PACKAGES := build-essential pkg-config librocksdb-dev liblz4-dev libuv1-dev \
                  libyaml-dev libprotobuf-c-dev protobuf-c-compiler check \
                  libsubunit-dev libsystemd-dev
PACKAGES := $(BUILD_PACKAGES) jq python3 procps curl systemd prometheus \
            dpkg-dev lintian man-db groff-base clang libclang-rt-14-dev

# stratd.proto is the message API strategies see; the wire and state
# formats are private to services and tools.
PROTO   := $(filter-out proto/stratd.proto,$(wildcard proto/*.proto))
GEN_C   := $(PROTO:proto/%.proto=$(BUILD)/gen/%.pb-c.c) $(BUILD)/gen/public/stratd.pb-c.c
GEN_H   := $(GEN_C:.c=.h)

LIB_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c)) \
           $(wildcard services/*.c) $(wildcard strategies/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(GEN_C:$(BUILD)/gen/%.c=$(BUILD)/obj/gen/%.o)
LIB     := $(BUILD)/libstratd.a

# Test builds: the units with fault-injection hooks (STRATD_TEST_HOOKS) are
# compiled a second time with them into libstratd-test.a, which only
# stratd-test and the unit tests link; release binaries have no hooks.
HOOK_SRC     := daemon/journal.c services/orders.c
HOOK_OBJ     := $(HOOK_SRC:%.c=$(BUILD)/obj/hooks/%.o)
TEST_LIB     := $(BUILD)/libstratd-test.a
TEST_LIB_OBJ := $(filter-out $(HOOK_SRC:%.c=$(BUILD)/obj/%.o),$(LIB_OBJ)) $(HOOK_OBJ)

STRATCTL_SRC := $(wildcard tools/stratctl/*.c)
EXSIM_SRC    := $(wildcard tools/exsim/*.c)
TESTKIND_SRC := $(wildcard tests/kinds/*.c)
UNIT_SRC     := $(wildcard tests/test_*.c)
UNIT_BIN     := $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%)
LEGACY_SRC   := $(wildcard tests/legacy/*.c)
BENCH_SRC    := $(wildcard bench/*.c)
BENCH_BIN    := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRC     := $(wildcard fuzz/fuzz_*.c)

BINS := $(BUILD)/bin/stratd $(BUILD)/bin/stratctl $(BUILD)/bin/exsim \
        $(BUILD)/bin/stratd-test

ALL_OBJ := $(LIB_OBJ) $(BUILD)/obj/daemon/main.o \
           $(STRATCTL_SRC:%.c=$(BUILD)/obj/%.o) $(EXSIM_SRC:%.c=$(BUILD)/obj/%.o) \
           $(TESTKIND_SRC:%.c=$(BUILD)/obj/%.o) $(UNIT_SRC:%.c=$(BUILD)/obj/%.o) \
           $(LEGACY_SRC:%.c=$(BUILD)/obj/%.o) \
           $(BENCH_SRC:%.c=$(BUILD)/obj/%.o) $(HOOK_OBJ) \
           $(FUZZ_SRC:%.c=$(BUILD)/obj/%.o)

# Stamps: DEPS_OK, the build packages are there (checked, never installed);
# SETUP_OK, every package of PACKAGES is (installed by `make setup`). Both
# are redone when this Makefile changes.
DEPS_OK  := $(BUILD)/.deps-ok
SETUP_OK := $(BUILD)/.setup-ok

.SECONDARY: $(GEN_C) $(GEN_H)

.PHONY: all setup test boundaries unit asan integration soak run bench clean install deb \
        fuzz fuzz-short fuzzers
.DEFAULT_GOAL := all

all: $(BINS)

# --- setup. `missing LIST`: the packages of LIST not installed (none when
# dpkg-query is absent: not Debian, nothing to check).
missing = $$(command -v dpkg-query >/dev/null || exit 0; for p in $(1); do \
  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || printf ' %s' $$p; \
done)

$(DEPS_OK): Makefile
	$(Q)missing="$(call missing,$(BUILD_PACKAGES))"; \
	if [ -n "$$missing" ]; then \
	  echo "missing Debian packages:$$missing" >&2; \
	  echo "run 'make setup' as root to install them" >&2; exit 1; \
	fi
	$(Q)mkdir -p $(dir $@) && touch $@

# Installs what is missing of PACKAGES: the one target that runs apt-get.
setup: $(SETUP_OK)
$(SETUP_OK): Makefile
	$(Q)missing="$(call missing,$(PACKAGES))"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "missing Debian packages:$$missing" >&2; \
	    echo "run 'make setup' as root to install them" >&2; exit 1; \
	  fi; \
	  echo "installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi
	$(Q)mkdir -p $(dir $@) && touch $@

# --- generated protobuf-c code
$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  PROTOC  $<")
	$(Q)protoc-c --proto_path=proto --c_out=$(dir $@) $<
$(BUILD)/gen/public/%.pb-c.c $(BUILD)/gen/public/%.pb-c.h: proto/%.proto | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  PROTOC  $<")
	$(Q)protoc-c --proto_path=proto --c_out=$(dir $@) $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(filter-out -Werror -Wshadow -Wstrict-prototypes,$(CFLAGS)) $(INC_SERVICE) -c -o $@ $<

$(BUILD)/obj/strategies/%.o: strategies/%.c $(GEN_H) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(INC_STRATEGY) -c -o $@ $<

$(BUILD)/obj/services/%.o: services/%.c $(GEN_H) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(INC_SERVICE) -c -o $@ $<

$(BUILD)/obj/%.o: %.c $(GEN_H) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(INC_DAEMON) -c -o $@ $<

# the same units with their test hooks (see HOOK_SRC), include flags as above
$(BUILD)/obj/hooks/services/%.o: services/%.c $(GEN_H) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $< (test hooks)")
	$(Q)$(CC) $(CFLAGS) -DSTRATD_TEST_HOOKS $(INC_SERVICE) -c -o $@ $<
$(BUILD)/obj/hooks/daemon/%.o: daemon/%.c $(GEN_H) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $< (test hooks)")
	$(Q)$(CC) $(CFLAGS) -DSTRATD_TEST_HOOKS $(INC_DAEMON) -c -o $@ $<
# test code sees the hooks' declarations
$(TESTKIND_SRC:%.c=$(BUILD)/obj/%.o) $(UNIT_SRC:%.c=$(BUILD)/obj/%.o): \
  private CFLAGS += -DSTRATD_TEST_HOOKS

$(LIB): $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^
$(TEST_LIB): $(TEST_LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

define link
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(1)
endef

$(BUILD)/bin/stratd: $(BUILD)/obj/daemon/main.o $(LIB)
	$(call link)
$(BUILD)/bin/stratctl: $(STRATCTL_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(call link)
$(BUILD)/bin/exsim: $(EXSIM_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(call link)
# stratd with the test-only strategy kinds of tests/kinds/ (never installed)
$(BUILD)/bin/stratd-test: $(TESTKIND_SRC:%.c=$(BUILD)/obj/%.o) $(TEST_LIB)
	$(call link)
$(BUILD)/tests/test_%: $(BUILD)/obj/tests/test_%.o $(TEST_LIB)
	$(call link,$(CHECK_LIBS))
# the strategies as written on the raw API, the reference for test_typed
$(BUILD)/tests/test_typed: $(LEGACY_SRC:%.c=$(BUILD)/obj/%.o)
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	$(call link)

# --- tests
unit: $(UNIT_BIN)
	$(Q)tests/run-unit.sh $(UNIT_BIN)

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SANITIZE=1 OPT=-O1 unit

integration: all
	$(Q)BIN=$(abspath $(BUILD))/bin tests/run-integration.sh

# The kill -9 soak (tests/soak/soak.sh): long, so not part of `make test`.
SOAK_CYCLES ?= 100
SOAK_SEED   ?= 1
soak: all
	$(Q)BIN=$(abspath $(BUILD))/bin SOAK_CYCLES=$(SOAK_CYCLES) SOAK_SEED=$(SOAK_SEED) tests/soak/soak.sh

# The include rules, proven: probes that break them must not compile.
BOUNDARY_CC = $(CC) $(filter-out -MMD -MP,$(CFLAGS))
boundaries: $(GEN_H)
	$(Q)tests/boundary/run.sh "$(BOUNDARY_CC) $(INC_STRATEGY)" "$(BOUNDARY_CC) $(INC_SERVICE)"

# The stages build with every core (JOBS) even when make test itself was
# started without -j; the tests themselves run one at a time.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test: setup
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) boundaries
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) unit
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) asan
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) fuzz-short
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) integration

# --- fuzzing: the libFuzzer harnesses of fuzz/ (one per parser), linked
# against the library built again by clang with ASan, UBSan and coverage
# in $(BUILD)/fuzz (the gcc build is untouched). `make fuzz` runs each for
# FUZZ_SECONDS on its seeds (fuzz/corpus/NAME; what it finds goes to
# $(BUILD)/fuzz/corpus/NAME) and fails on a crash, whose input is kept in
# fuzz/crashes/. `make fuzz-short` (10 s each) is part of `make test`.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_CFLAGS  := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer -gline-tables-only
FUZZ_BIN      = $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzzers/%)

fuzz: fuzzers-clang
	$(Q)fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(notdir $(basename $(FUZZ_SRC)))
fuzz-short:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10
.PHONY: fuzzers-clang
fuzzers-clang: | $(DEPS_OK)
	$(Q)command -v $(FUZZ_CC) >/dev/null || \
	  { echo "missing $(FUZZ_CC): run 'make setup' as root" >&2; exit 1; }
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/fuzz CC=$(FUZZ_CC) DEVELOPER=0 OPT=-O1 \
	  EXTRA_CFLAGS="$(FUZZ_CFLAGS)" EXTRA_LDFLAGS="$(FUZZ_CFLAGS)" fuzzers
# (in the clang build)
fuzzers: $(FUZZ_BIN)
.SECONDARY: $(FUZZ_SRC:%.c=$(BUILD)/obj/%.o)
$(BUILD)/fuzzers/%: $(BUILD)/obj/fuzz/%.o $(LIB)
	$(call link,-fsanitize=fuzzer)

# --- demo and benchmarks
run: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BIN=$(abspath $(BUILD))/bin tools/run-demo.sh

bench: all $(BENCH_BIN)
	$(Q)BUILD=$(abspath $(BUILD)) BIN=$(abspath $(BUILD))/bin bench/rebuild.sh
	$(Q)BUILD=$(abspath $(BUILD)) BIN=$(abspath $(BUILD))/bin bench/latency.sh

# --- install (DESTDIR for staging, PREFIX for the binaries and man pages)
PREFIX ?= /usr/local
INSTALL_BINS := $(BUILD)/bin/stratd $(BUILD)/bin/stratctl $(BUILD)/bin/exsim
MAN1 := $(wildcard man/*.1)
MAN8 := $(wildcard man/*.8)
install: $(INSTALL_BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/stratd $(DESTDIR)/usr/share/doc/stratd \
	  $(DESTDIR)/lib/systemd/system $(DESTDIR)/usr/lib/sysusers.d $(DESTDIR)/usr/lib/tmpfiles.d \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(INSTALL_BINS) $(DESTDIR)$(PREFIX)/bin/
	sed 's|/usr/local/bin/|$(PREFIX)/bin/|g' systemd/stratd.service >$(DESTDIR)/lib/systemd/system/stratd.service
	chmod 0644 $(DESTDIR)/lib/systemd/system/stratd.service
	install -m 0644 systemd/stratd.sysusers $(DESTDIR)/usr/lib/sysusers.d/stratd.conf
	install -m 0644 systemd/stratd.tmpfiles $(DESTDIR)/usr/lib/tmpfiles.d/stratd.conf
	install -m 0644 README.md $(DESTDIR)/usr/share/doc/stratd/README.md
	install -m 0644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(MAN8) $(DESTDIR)$(PREFIX)/share/man/man8/
	test -e $(DESTDIR)/etc/stratd/stratd.yaml || install -m 0644 config/stratd.yaml $(DESTDIR)/etc/stratd/stratd.yaml

# --- Debian package: $(BUILD)/stratd_VERSION_ARCH.deb. The binaries are
# built apart, in $(DEB_BUILD), with Debian's build flags (dpkg-buildflags:
# hardening, reproducible paths) and without -Werror; the tree that `make
# install` lays out becomes the package (packaging/deb/build-deb.sh).
DEB_BUILD := $(BUILD)/deb/build
DEB_STAGE := $(BUILD)/deb/work/debian/stratd
deb:
	$(Q)command -v dpkg-buildflags >/dev/null || \
	  { echo "missing Debian package: dpkg-dev (run 'make setup' as root)" >&2; exit 1; }
	$(Q)rm -rf $(BUILD)/deb/work $(BUILD)/stratd_*.deb
	$(Q)export DEB_BUILD_MAINT_OPTIONS=hardening=+all; \
	$(MAKE) --no-print-directory BUILD=$(DEB_BUILD) DEVELOPER=0 \
	  EXTRA_CFLAGS="$$(dpkg-buildflags --get CFLAGS) $$(dpkg-buildflags --get CPPFLAGS)" \
	  EXTRA_LDFLAGS="$$(dpkg-buildflags --get LDFLAGS)" \
	  $(addprefix $(DEB_BUILD)/bin/,stratd stratctl exsim)
	$(Q)$(MAKE) --no-print-directory -s BUILD=$(DEB_BUILD) DESTDIR=$(abspath $(DEB_STAGE)) \
	  PREFIX=/usr install >/dev/null
	$(Q)packaging/deb/build-deb.sh $(DEB_STAGE) $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(ALL_OBJ:.o=.d)
