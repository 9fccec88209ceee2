#!/usr/bin/env bats
# lib/dns MX lookups (dns_mx_lookup, through test_dns --lookup) against
# tests/servers/dnsserver on 127.0.0.1: sorted MX hosts, the implicit MX,
# the null MX, NXDOMAIN, SERVFAIL and servers that do not answer. Nothing
# here asks the real DNS: every lookup names its server.

setup_file() {
	load helpers
	local dir=$BATS_FILE_TMPDIR
	cat >"$dir/zone" <<-'EOF'
	mx.test MX 10 b.mx.test
	mx.test MX 5 a.mx.test
	a.mx.test A 127.0.0.1
	b.mx.test A 127.0.0.2
	nomx.test A 127.0.0.3
	v6only.test AAAA ::1
	noaddr.test EMPTY
	nullmx.test MX 0 .
	alias.test CNAME mx.test
	gone.test NXDOMAIN
	broken.test SERVFAIL
	refused.test REFUSED
	silent.test SILENT
	EOF
	# Too big for one UDP answer: the resolver must retry over TCP.
	for i in $(seq 40 -1 1); do
		echo "many.test MX $i exchanger-number-$i.many-mail-hosts.test"
	done >>"$dir/zone"
	dns_server_start "$dir/zone" "$dir"
}

teardown_file() {
	load helpers
	dns_server_stop "$BATS_FILE_TMPDIR"
}

setup() {
	load helpers
	TD="$MP_BIN/tests/unit/test_dns"
	DNS="127.0.0.1:$(cat "$BATS_FILE_TMPDIR/dns.port")"
}

lookup() {
	run --separate-stderr "$TD" --lookup "$@"
}

@test "dns: MX hosts in preference order" {
	lookup mx.test "$DNS"
	assert_success
	assert_output $'5 a.mx.test\n10 b.mx.test'
}

@test "dns: a CNAME to a domain with MX records" {
	lookup alias.test "$DNS"
	assert_success
	assert_output $'5 a.mx.test\n10 b.mx.test'
}

@test "dns: the name is absolute, case-insensitive, may end in a dot" {
	lookup MX.Test. "$DNS"
	assert_success
	assert_output $'5 a.mx.test\n10 b.mx.test'
}

@test "dns: no MX but an A record: the implicit MX" {
	lookup nomx.test "$DNS"
	assert_success
	assert_output 'implicit nomx.test'
}

@test "dns: no MX but an AAAA record: the implicit MX" {
	lookup v6only.test "$DNS"
	assert_success
	assert_output 'implicit v6only.test'
}

@test "dns: no MX and no address: host unknown (68)" {
	lookup noaddr.test "$DNS"
	assert_failure 68
	assert_output ''
	[[ $stderr == *"ERR_NOHOST: domain 'noaddr.test' has no MX and no address record" ]]
}

@test "dns: null MX (RFC 7505)" {
	lookup nullmx.test "$DNS"
	assert_success
	assert_output 'null'
}

@test "dns: NXDOMAIN: host unknown (68)" {
	lookup gone.test "$DNS"
	assert_failure 68
	assert_output ''
	[[ $stderr == *"ERR_NOHOST: domain 'gone.test' does not exist" ]]
}

@test "dns: a name the zone does not know: NXDOMAIN (68)" {
	lookup unknown.test "$DNS"
	assert_failure 68
}

@test "dns: SERVFAIL and REFUSED: try later (75), at once" {
	local start=$SECONDS
	lookup broken.test "$DNS"
	assert_failure 75
	[[ $stderr == *"ERR_TEMP: "* ]]
	lookup refused.test "$DNS"
	assert_failure 75
	[ $((SECONDS - start)) -le 2 ]
}

@test "dns: an answer too big for UDP comes over TCP, capped at 32 hosts" {
	lookup many.test "$DNS"
	assert_success
	[ "$(lines_of "$output")" -eq 32 ]
	assert_line --index 0 '1 exchanger-number-1.many-mail-hosts.test'
	assert_line --index 31 '32 exchanger-number-32.many-mail-hosts.test'
}

@test "dns: a server that never answers: try later (75) in about 4 s" {
	local start=$SECONDS
	lookup silent.test "$DNS"
	assert_failure 75
	[[ $stderr == *"ERR_TEMP: DNS server did not answer for 'silent.test'"* ]]
	local took=$((SECONDS - start))
	echo "took $took s"
	[ "$took" -ge 3 ] && [ "$took" -le 6 ]
}

@test "dns: nothing listens on the server's port: try later (75) at once" {
	local port start=$SECONDS
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	lookup mx.test "127.0.0.1:$port"
	assert_failure 75
	[[ $stderr == *"ERR_TEMP: "* ]]
	[ $((SECONDS - start)) -le 2 ]
}

@test "dns: bad server arguments: usage (64), no query" {
	local s
	for s in '::1' '[::1]:53' '127.0.0.1:0' 'localhost' '127.0.0.1:99999'; do
		lookup mx.test "$s"
		assert_failure 64
		[[ $stderr == *"ERR_USAGE: "* ]]
	done
}

@test "dns: bad domain names: data error (65), no query" {
	local d
	for d in 'bad domain.test' 'a..test' '' "$(printf 'ctl\001.test')" \
		"$(printf 'x%.0s' $(seq 254))"; do
		lookup "$d" "$DNS"
		assert_failure 65
		[[ $stderr == *"ERR_DATA: "* ]]
	done
}
