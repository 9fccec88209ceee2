# Shared setup for the bats suites: assertions, the private servers'
# coordinates (written by tests/servers/mailservers up, exported by
# tests/run as MP_SERVERS_ENV) and the dialog server helpers.
bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load "${MP_ROOT:?run the suites through tests/run}/tests/dialogs/dialog"

# The pyenv wrapper costs about 90 ms a start; Debian's python3 does not.
if [ -x /usr/bin/python3 ]; then export DIALOG_PYTHON=/usr/bin/python3; fi

# shellcheck source=/dev/null
. "${MP_SERVERS_ENV:?run the suites through tests/run}"

# A password command for a test user: the password itself never
# appears in any argv.
pwcmd() { printf 'cat %s/%s.pw' "$MP_STATE_DIR" "$1"; }

# A TCP port on 127.0.0.1 that nothing listens on.
closed_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Run "$@" with a resolver that only knows loopback: NXDOMAIN for every
# name when nxdns runs, no answer at all ("try later") when it does not.
# Needs root for the private mount namespace.
with_fake_dns() {
	local mode=$1; shift
	local conf="$BATS_TEST_TMPDIR/resolv.conf" pid=""
	echo "nameserver 127.0.0.53" >"$conf"
	if [ "$mode" = nxdomain ]; then
		python3 "$MP_ROOT/tests/servers/nxdns" 127.0.0.53 "$BATS_TEST_TMPDIR/dns.port" &
		pid=$!
		for _ in $(seq 50); do [ -e "$BATS_TEST_TMPDIR/dns.port" ] && break; sleep 0.05; done
	fi
	unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$conf" "$@"
	local rc=$?
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	return $rc
}

# The number of lines in a string.
lines_of() { printf '%s' "$1" | grep -c ''; }

# Start tests/servers/dnsserver on 127.0.0.1 with zone file $1, keeping its
# port and pid in directory $2 (a bats setup_file's $BATS_FILE_TMPDIR).
dns_server_start() {
	/usr/bin/python3 "$MP_ROOT/tests/servers/dnsserver" 127.0.0.1 0 "$1" \
		"$2/dns.port" 3>&- &
	echo $! >"$2/dns.pid"
	for _ in $(seq 100); do [ -e "$2/dns.port" ] && break; sleep 0.05; done
	[ -e "$2/dns.port" ]
}

dns_server_stop() {
	kill "$(cat "$1/dns.pid")" 2>/dev/null || true
}


# Under ASan (make asan) or valgrind (make valgrind) memory figures mean
# nothing: shadow memory.
rss_limit_applies() { [[ $MP_BIN != *asan* && $MP_BIN != *valgrind* ]]; }
