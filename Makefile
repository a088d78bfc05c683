# stratd — one non-recursive Makefile.
#
#   make            build build/bin/{stratd,stratctl,exsim}
#   make test       unit tests, the same under ASan/UBSan, integration tests
#   make run        start exsim and stratd on config/demo.yaml
#   make asan       unit tests under AddressSanitizer + UBSan
#   make bench      benchmarks (print figures)
#   make setup      install missing Debian packages (as root)
#
# DEVELOPER=0 drops -Werror; V=1 shows the commands.

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

# Debian 12 packages the build, the tests and `make run` need.
PACKAGES := build-essential pkg-config librocksdb-dev liblz4-dev libuv1-dev \
            libyaml-dev libprotobuf-c-dev protobuf-c-compiler check \
            libsubunit-dev libsystemd-dev jq python3 procps curl systemd \
            prometheus

# stratd.proto is the message API strategies see; the wire and state
# formats are private to services and tools.
PROTO   := $(filter-out proto/stratd.proto,$(wildcard proto/*.proto))
GEN_C   := $(PROTO:proto/%.proto=$(BUILD)/gen/%.pb-c.c) $(BUILD)/gen/public/stratd.pb-c.c
GEN_H   := $(GEN_C:.c=.h)

LIB_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c)) \
           $(wildcard services/*.c) $(wildcard strategies/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(GEN_C:$(BUILD)/gen/%.c=$(BUILD)/obj/gen/%.o)
LIB     := $(BUILD)/libstratd.a

STRATCTL_SRC := $(wildcard tools/stratctl/*.c)
EXSIM_SRC    := $(wildcard tools/exsim/*.c)
TESTKIND_SRC := $(wildcard tests/kinds/*.c)
UNIT_SRC     := $(wildcard tests/test_*.c)
UNIT_BIN     := $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC    := $(wildcard bench/*.c)
BENCH_BIN    := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

BINS := $(BUILD)/bin/stratd $(BUILD)/bin/stratctl $(BUILD)/bin/exsim \
        $(BUILD)/bin/stratd-test

ALL_OBJ := $(LIB_OBJ) $(BUILD)/obj/daemon/main.o \
           $(STRATCTL_SRC:%.c=$(BUILD)/obj/%.o) $(EXSIM_SRC:%.c=$(BUILD)/obj/%.o) \
           $(TESTKIND_SRC:%.c=$(BUILD)/obj/%.o) $(UNIT_SRC:%.c=$(BUILD)/obj/%.o) \
           $(LEGACY_SRC:%.c=$(BUILD)/obj/%.o) \
           $(BENCH_SRC:%.c=$(BUILD)/obj/%.o)

DEPS_OK := build/.deps-ok

.SECONDARY: $(GEN_C) $(GEN_H)

.PHONY: all setup test boundaries unit asan integration run bench clean install
.DEFAULT_GOAL := all

all: $(BINS)

# --- setup: install what is missing, once (the stamp is redone when the
# package list in this Makefile changes).
setup: $(DEPS_OK)
$(DEPS_OK): Makefile
	$(Q)missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "missing Debian packages:$$missing (run 'make setup' as root)"; exit 1; fi; \
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

$(LIB): $(LIB_OBJ)
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
$(BUILD)/bin/stratd-test: $(TESTKIND_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(call link)
$(BUILD)/tests/test_%: $(BUILD)/obj/tests/test_%.o $(LIB)
	$(call link,$(CHECK_LIBS))
# the strategies as written on the raw API, the reference for test_typed
LEGACY_SRC := $(wildcard tests/legacy/*.c)
$(BUILD)/tests/test_typed: $(LEGACY_SRC:%.c=$(BUILD)/obj/%.o)
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	$(call link)

# --- tests
unit: $(UNIT_BIN)
	$(Q)tests/run-unit.sh $(UNIT_BIN)

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 OPT=-O1 unit

integration: all
	$(Q)tests/run-integration.sh

# The include rules, proven: probes that break them must not compile.
BOUNDARY_CC = $(CC) $(filter-out -MMD -MP,$(CFLAGS))
boundaries: $(GEN_H)
	$(Q)tests/boundary/run.sh "$(BOUNDARY_CC) $(INC_STRATEGY)" "$(BOUNDARY_CC) $(INC_SERVICE)"

test: $(DEPS_OK)
	$(Q)$(MAKE) --no-print-directory boundaries
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory asan
	$(Q)$(MAKE) --no-print-directory integration

# --- demo and benchmarks
run: all
	$(Q)tools/run-demo.sh

bench: all $(BENCH_BIN)
	$(Q)bench/rebuild.sh
	$(Q)bench/latency.sh

# --- install (DESTDIR for staging, PREFIX for the binaries)
PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/stratd $(DESTDIR)/usr/share/doc/stratd \
	  $(DESTDIR)/lib/systemd/system $(DESTDIR)/usr/lib/sysusers.d $(DESTDIR)/usr/lib/tmpfiles.d
	install -m 0755 $(BUILD)/bin/stratd $(BUILD)/bin/stratctl $(BUILD)/bin/exsim $(DESTDIR)$(PREFIX)/bin/
	sed 's|/usr/local/bin/|$(PREFIX)/bin/|g' systemd/stratd.service >$(DESTDIR)/lib/systemd/system/stratd.service
	install -m 0644 systemd/stratd.sysusers $(DESTDIR)/usr/lib/sysusers.d/stratd.conf
	install -m 0644 systemd/stratd.tmpfiles $(DESTDIR)/usr/lib/tmpfiles.d/stratd.conf
	install -m 0644 README.md $(DESTDIR)/usr/share/doc/stratd/README.md
	test -e $(DESTDIR)/etc/stratd/stratd.yaml || install -m 0644 config/stratd.yaml $(DESTDIR)/etc/stratd/stratd.yaml

clean:
	rm -rf build

-include $(ALL_OBJ:.o=.d)
