# Cartero - one Makefile for every program, test, lab and demo.
#
#   make            build every program into bin/
#   make demo       the live demo (README)
#   make test       every test: unit tests, then the bats suite under
#                   AddressSanitizer and UBSan, warnings as errors
#   make check-lab LAB=01    check a student's lab
#   make grade [FORMAT=tap|junit]   check every lab, as a table
#   make bench      the benchmarks in bench/
#   make certs      a lab CA and a server certificate in certs/ (for TLS)
#
# Programs are found, not listed: each directory under servers/ and tools/
# with .c files is one program, built into bin/ from its own sources and
# lib/. A program that needs another library sets LDLIBS_<name> below.

CC       ?= cc
CSTD      = -std=c17 -D_POSIX_C_SOURCE=200809L
WARN      = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT      ?= -O2 -g
CFLAGS   ?=
CPPFLAGS += -Ilib -MMD -MP
ALL_CFLAGS = $(CSTD) $(WARN) $(OPT) $(CFLAGS) $(EXTRA_CFLAGS)
LDLIBS    = -lssl -lcrypto -lcrypt

LDLIBS_mailcat = -lreadline

# Where objects and binaries go; the sanitizer build uses its own.
OBJDIR ?= build/obj
BINDIR ?= bin

PROGRAM_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard servers/*/*.c tools/*/*.c))))
PROGRAMS     := $(notdir $(PROGRAM_DIRS))
BINARIES     := $(addprefix $(BINDIR)/,$(PROGRAMS))
LIB_SRCS     := $(wildcard lib/*.c)
LIB_OBJS     := $(LIB_SRCS:%.c=$(OBJDIR)/%.o)
LIB_ARCHIVE  := $(OBJDIR)/libcartero.a

.PHONY: all deps demo test test-deps unit sanitize check-lab grade bench certs clean help
all: $(BINARIES)

help:
	@sed -n '3,12p' Makefile

$(OBJDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB_ARCHIVE): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

define PROGRAM_RULE
$(BINDIR)/$(notdir $(1)): $(patsubst %.c,$(OBJDIR)/%.o,$(wildcard $(1)/*.c)) $(LIB_ARCHIVE)
	@mkdir -p $(BINDIR)
	$$(CC) $$(ALL_CFLAGS) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) $$(LDLIBS_$(notdir $(1)))
endef
$(foreach d,$(PROGRAM_DIRS),$(eval $(call PROGRAM_RULE,$(d))))

# Missing build or test packages are installed (with apt-get), saying so.
deps:
	@scripts/deps.sh build

test-deps:
	@scripts/deps.sh test

# Unit tests for lib/: one binary per tests/unit/test_*.c.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OBJDIR)/tests/%)
$(OBJDIR)/tests/%: tests/unit/%.c $(LIB_ARCHIVE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_ARCHIVE) $(LDLIBS)

unit: $(UNIT_BINS)

SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# The suite runs once, against binaries built with the sanitizers and with
# warnings as errors; bin/ is built too (-Werror) so the demo matches.
test: test-deps
	@$(MAKE) --no-print-directory EXTRA_CFLAGS=-Werror all
	@$(MAKE) --no-print-directory OBJDIR=build/san/obj BINDIR=build/san/bin \
	    EXTRA_CFLAGS="-Werror $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" all unit
	@scripts/run-tests.sh build/san/bin build/san/obj/tests

demo: deps
	@echo "Building (make all)..."
	@$(MAKE) --no-print-directory -s all
	@scripts/demo.sh

check-lab: all
	@test -n "$(LAB)" || { echo "usage: make check-lab LAB=01" >&2; exit 64; }
	@scripts/check-lab.sh "$(LAB)"

grade: all
	@scripts/grade.sh "$(FORMAT)"

bench: all
	@bench/run.sh

# A lab certificate authority and a server certificate, in certs/.
certs:
	@scripts/certs.sh certs

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
