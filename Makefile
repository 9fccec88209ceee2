# mailpipe: plain make. `make check` installs what is missing, builds and
# runs every test; `make demo` shows the tools against private local
# servers. See README.md.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=
B       ?= build

CC      ?= cc
CFLAGS  ?= -O2 -g
# libcurl is compiled against but not linked: lib/conn.c loads it with
# dlopen when a session needs it (see there why).
PKGS     = libcurl openssl popt
# Recursive (=) so that pkg-config runs after `deps` has installed it.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs openssl popt) -ldl

override CFLAGS += -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE \
	-Wall -Wextra -Wshadow -Wcast-qual -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	-Ilib -Icmd/shared $(PKG_CFLAGS)
ifdef CI
override CFLAGS += -Werror
endif
override LDFLAGS += -Wl,-z,relro,-z,now

TOOLS    = mailtalk mailsend smtpverify imapls imapflag popfetch imapbox imapfetch imapput imapcopy
LIB_SRC  = $(wildcard lib/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(B)/%.o)
TOOL_OBJ = $(B)/cmd/shared/tool.o
UNITS    = $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))
FUZZERS  = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
# Modules a test or fuzz target links, from its first line "MODULES: a b".
modules = $(patsubst %,$(B)/lib/%.o,$(shell sed -n '1s/.*MODULES: *\([^*]*\).*/\1/p' $(1)))

.PHONY: all deps check test asan valgrind fuzz bench install uninstall demo lint clean units
all: $(TOOLS:%=$(B)/%) units

deps:
	@sh scripts/install-deps

$(B)/%.o: %.c $(wildcard lib/*.h cmd/shared/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/libmailpipe.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

# Every tool: its own object, the shared cmd helpers, the library.
$(TOOLS:%=$(B)/%): $(B)/%: $(B)/cmd/%.o $(TOOL_OBJ) $(B)/libmailpipe.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Unit tests link only the modules under test. Fuzz targets are also
# built with a plain driver that replays their corpus in `make check`.
units: $(UNITS:%=$(B)/tests/unit/test_%) $(FUZZERS:%=$(B)/tests/fuzz/replay_%)
$(B)/tests/unit/test_%: tests/unit/test_%.c tests/unit/t.h $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -Itests/unit -o $@ $< $(call modules,$<) $(PKG_LIBS)
$(B)/tests/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(call modules,$<) $(PKG_LIBS)

# libFuzzer with ASan and UBSan, FUZZ_SECONDS per target; new inputs go
# to build-fuzz/corpus, the seeds stay in tests/fuzz/corpus.
fuzz:
	@sh scripts/install-deps fuzz
	@$(MAKE) --no-print-directory B=build-fuzz CC=clang \
		CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined" \
		$(LIB_OBJ:$(B)/%=build-fuzz/%)
	@for f in $(FUZZERS); do \
		mkdir -p build-fuzz/corpus/$$f && \
		clang -g -O1 -fsanitize=fuzzer,address,undefined $(CFLAGS) -o build-fuzz/fuzz_$$f \
			tests/fuzz/fuzz_$$f.c $$(sed -n '1s/.*MODULES: *\([^*]*\).*/\1/p' tests/fuzz/fuzz_$$f.c | \
			sed 's|\([a-z0-9_]*\)|build-fuzz/lib/\1.o|g') $(PKG_LIBS) || exit 1; \
		echo "fuzz_$$f: $(FUZZ_SECONDS) s"; \
		build-fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			-artifact_prefix=build-fuzz/crash-$$f- build-fuzz/corpus/$$f \
			tests/fuzz/corpus/$$f 2>&1 | grep -E '^(#[0-9]+.*DONE|Done|==|SUMMARY)' ; \
		test -z "$$(ls build-fuzz/crash-$$f-* 2>/dev/null)" || exit 1; \
	done

check:
	@sh scripts/install-deps
	@$(MAKE) --no-print-directory all
	@B=$(B) tests/run

test: all
	@B=$(B) tests/run

asan:
	@sh scripts/install-deps
	@$(MAKE) --no-print-directory B=build-asan \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" all
	@B=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 tests/run

# Every tool the bats suites run, under valgrind's memcheck: no errors
# allowed (VALGRIND_TESTS: some bats files instead of all).
valgrind:
	@sh scripts/install-deps valgrind
	@$(MAKE) --no-print-directory all
	@bash scripts/valgrind $(VALGRIND_TESTS)

demo:
	@sh scripts/install-deps
	@$(MAKE) --no-print-directory all
	@B=$(B) sh scripts/demo

# Benchmarks against the peer tools (not tests): ratios measured in one run.
bench:
	@sh scripts/install-deps bench
	@$(MAKE) --no-print-directory all
	@for b in bench/*.sh; do [ "$$b" = bench/lib.sh ] || B=$(B) bash "$$b" || exit 1; done

lint:
	mandoc -Tlint -Wwarning man/*.[157]

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 0755 $(TOOLS:%=$(B)/%) $(DESTDIR)$(BINDIR)
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 man/*.7 $(DESTDIR)$(MANDIR)/man7

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man1/%,$(wildcard man/*.1))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man5/%,$(wildcard man/*.5))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man7/%,$(wildcard man/*.7))

clean:
	rm -rf build build-asan build-fuzz
