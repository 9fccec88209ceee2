#!/usr/bin/env bats
# The documentation keeps up with the tools: every tool has a clean man
# page with an EXIT STATUS section that documents each option --help lists.

setup() {
	load helpers
	cd "$MP_ROOT"
}

@test "man pages pass mandoc -Tlint" {
	run mandoc -Tlint -Wwarning man/*.[157]
	assert_success
	assert_output ''
}

@test "every tool has a man page with EXIT STATUS and its options" {
	for c in cmd/*.c; do
		t=$(basename "$c" .c)
		[ -f "man/$t.1" ]
		grep -q '^\.Sh EXIT STATUS' "man/$t.1"
		page=$(mandoc -Tascii "man/$t.1" | sed 's/.\x08//g')
		for o in $("$MP_BIN/$t" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
			[ "$o" = --help ] || [ "$o" = --usage ] && continue
			grep -q -- "$o" <<<"$page" || { echo "man/$t.1 lacks $o"; false; }
		done
	done
}

@test "README gives the two set-up commands and lists every tool" {
	grep -q 'make demo' README.md
	grep -q 'make check' README.md
	for c in cmd/*.c; do
		grep -q "$(basename "$c" .c)" README.md
	done
}

@test "only lib/conn.c includes curl.h" {
	run grep -l 'curl/curl.h' lib/*.c lib/*.h cmd/*.c cmd/shared/*
	assert_output 'lib/conn.c'
}

@test "no banned string functions in lib/ and cmd/" {
	run grep -nE '\b(sprintf|strcpy|strcat|strtok|atoi|gets)\(' lib/*.c cmd/*.c cmd/shared/*.c
	assert_failure 1
}
