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
PKGS     = libcurl openssl popt
# Recursive (=) so that pkg-config runs after `deps` has installed it.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))

override CFLAGS += -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE \
	-Wall -Wextra -Wshadow -Wcast-qual -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	-Ilib -Icmd/shared $(PKG_CFLAGS)
ifdef CI
override CFLAGS += -Werror
endif
override LDFLAGS += -Wl,-z,relro,-z,now

TOOLS    = mailtalk
LIB_SRC  = $(wildcard lib/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(B)/%.o)
TOOL_OBJ = $(B)/cmd/shared/tool.o
UNITS    = $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))

.PHONY: all deps check test asan install uninstall demo lint clean units
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

# Unit tests link only the module under test (named in the test file's
# first line as "MODULES: a b").
units: $(UNITS:%=$(B)/tests/unit/test_%)
$(B)/tests/unit/test_%: tests/unit/test_%.c tests/unit/t.h $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -Itests/unit -o $@ $< \
		$(patsubst %,$(B)/lib/%.o,$(shell sed -n '1s/.*MODULES: *\([^*]*\).*/\1/p' $<)) $(PKG_LIBS)

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
	@B=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run

demo:
	@sh scripts/install-deps
	@$(MAKE) --no-print-directory all
	@B=$(B) sh scripts/demo

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

clean:
	rm -rf build build-asan
