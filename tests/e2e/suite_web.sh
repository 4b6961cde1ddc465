# SPDX-License-Identifier: MIT
# End-to-end tests of the web configuration file (--web.config.file): TLS with the server
# certificate checked by the client, every client_auth_type, client_allowed_sans, TLS versions,
# curves and cipher suites, basic auth on every path, the configured headers on 200, 401, 429
# and 301 answers, the rate limit, certificates and the file itself replaced while the exporter
# runs, the handshake deadline, verified credentials served during a flood of unknown users,
# two listen addresses, systemd socket activation, Debian's Prometheus scraping over https, and
# a start-up error (exit 1, the file, the key and what was expected) for each kind of bad file.
# Certificates are made with openssl and passwords hashed with python3's crypt module at test
# time; everything listens on loopback.
#
# Sourced by run.sh, which calls suite_web; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

WEB=$WORK/web
WEB_PW=wonderland
WEB_PW_BOB=builder
# The series every scrape of the counters config has.
WEB_SERIES='ebpf_exporter_enabled_configs{name="counters"} 1'
# curl's exit codes for a connection the server ends in the TLS handshake. libmicrohttpd
# closes the connection without a TLS alert. With TLS 1.2 the client waits for the server's
# Finished: 35 (SSL_connect fails). With TLS 1.3 the client's side of the handshake is over
# when the server checks its certificate, and it has sent the request: 52 (empty reply), or
# 55/56 when the close resets the connection under the unread request.
WEB_RCS_TLS12="35"
WEB_RCS_TLS13="35 52 55 56"
WEB_PORTS=()
W_RC=
W_CODE=

# ---------------------------------------------------------------------------------------
# Certificates, hashes, files

# web_cert_ca NAME CN: a self-signed P-256 CA in $WEB/NAME.{crt,key}.
web_cert_ca()
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$WEB/$1.key" -out "$WEB/$1.crt" -days 2 -subj "/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$WEB/openssl.err"
}

# web_cert_leaf NAME CA SERIAL CN SAN EKU [EXT]: a P-256 certificate signed by CA (EXT:
# extensions instead of a leaf's, e.g. an intermediate CA's; WEB_KEY: another key type).
web_cert_leaf()
{
	local name=$1 ca=$2 serial=$3 cn=$4 san=$5 eku=$6

	if [ -n "${7:-}" ]; then
		printf '%s\n' "$7" | tr ';' '\n' >"$WEB/$name.ext"
	else
		printf '%s\n' "basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature${WEB_KEY:+,keyEncipherment}" \
			"extendedKeyUsage=$eku" "subjectAltName=$san" >"$WEB/$name.ext"
	fi
	openssl req -new -newkey "${WEB_KEY:-ec}" -pkeyopt "${WEB_KEYOPT:-ec_paramgen_curve:prime256v1}" \
		-nodes -keyout "$WEB/$name.key" -out "$WEB/$name.csr" -subj "/CN=$cn" \
		2>"$WEB/openssl.err" &&
		openssl x509 -req -in "$WEB/$name.csr" -CA "$WEB/$ca.crt" -CAkey "$WEB/$ca.key" \
			-set_serial "$serial" -days 2 -extfile "$WEB/$name.ext" \
			-out "$WEB/$name.crt" 2>"$WEB/openssl.err"
}

# web_cert_expired NAME: a client certificate of our CA valid only in January 2020 (openssl ca
# takes explicit dates).
web_cert_expired()
{
	local d=$WEB/expca

	mkdir -p "$d" && : >"$d/index.txt" && echo 3001 >"$d/serial" &&
		printf '%s\n' "[ca]" "default_ca = e2e" "[e2e]" "database = $d/index.txt" \
			"new_certs_dir = $d" "serial = $d/serial" "default_md = sha256" \
			"policy = any" "[any]" "commonName = supplied" "[ext]" \
			"basicConstraints = critical,CA:FALSE" "keyUsage = critical,digitalSignature" \
			"extendedKeyUsage = clientAuth" "subjectAltName = DNS:allowed.example" \
			>"$d/ca.cnf" &&
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$WEB/$1.key" -out "$d/$1.csr" -subj "/CN=e2e expired client" \
			2>"$WEB/openssl.err" &&
		openssl ca -batch -config "$d/ca.cnf" -cert "$WEB/ca.crt" -keyfile "$WEB/ca.key" \
			-in "$d/$1.csr" -out "$WEB/$1.crt" -startdate 20200101000000Z \
			-enddate 20200201000000Z -extensions ext 2>"$WEB/openssl.err"
}

# The test PKI: our CA with a server certificate for 127.0.0.1 and localhost (serial 0x1001), a
# second one for rotation (0x2001, another subject), client certificates with the SAN
# allowed.example and denied.example, and with an IP, e-mail or URI SAN or the allowed name in
# the CN only, or expired; an intermediate CA with a server certificate (served with its
# chain, its key in SEC1 form); an RSA server certificate (PKCS#1 key); the server key
# encrypted; another CA with a client certificate of SAN allowed.example.
web_make_certs()
{
	mkdir -p "$WEB" &&
		web_cert_ca ca "e2e web CA" &&
		web_cert_ca ca2 "e2e other CA" &&
		web_cert_leaf server ca 4097 "e2e server" "IP:127.0.0.1,DNS:localhost" serverAuth &&
		web_cert_leaf server2 ca 8193 "e2e rotated server" "IP:127.0.0.1,DNS:localhost" \
			serverAuth &&
		web_cert_leaf client ca 12289 "e2e client" "DNS:allowed.example" clientAuth &&
		web_cert_leaf client_san ca 12290 "e2e client elsewhere" "DNS:denied.example" \
			clientAuth &&
		web_cert_leaf client_ca2 ca2 16385 "e2e foreign client" "DNS:allowed.example" \
			clientAuth &&
		web_cert_leaf client_ip ca 12291 "e2e client ip" "IP:10.1.2.3" clientAuth &&
		web_cert_leaf client_mail ca 12292 "e2e client mail" "email:ops@example.org" \
			clientAuth &&
		web_cert_leaf client_uri ca 12293 "e2e client uri" "URI:spiffe://example.org/scraper" \
			clientAuth &&
		web_cert_leaf client_cn ca 12294 "allowed.example" "DNS:nothing.example" clientAuth &&
		web_cert_leaf int ca 20481 "e2e intermediate CA" "" "" \
			"basicConstraints=critical,CA:TRUE;keyUsage=critical,keyCertSign,cRLSign" &&
		web_cert_leaf leaf int 20482 "e2e leaf" "IP:127.0.0.1" serverAuth &&
		cat "$WEB/leaf.crt" "$WEB/int.crt" >"$WEB/chain.crt" &&
		openssl ec -in "$WEB/leaf.key" -out "$WEB/leaf-sec1.key" 2>"$WEB/openssl.err" &&
		WEB_KEY=rsa WEB_KEYOPT=rsa_keygen_bits:2048 \
			web_cert_leaf rsa ca 24577 "e2e rsa server" "IP:127.0.0.1" serverAuth &&
		openssl rsa -in "$WEB/rsa.key" -traditional -out "$WEB/rsa-pkcs1.key" \
			2>"$WEB/openssl.err" &&
		openssl pkcs8 -topk8 -in "$WEB/server.key" -out "$WEB/encrypted.key" \
			-passout pass:secret 2>"$WEB/openssl.err" &&
		web_cert_expired client_old
}

# web_bcrypt PASSWORD COST: a $2b$ bcrypt hash.
web_bcrypt()
{
	python3 -W ignore::DeprecationWarning -c 'import crypt, sys
print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2 ** int(sys.argv[2]))))' \
		"$1" "$2"
}

# web_file NAME: writes stdin to $WEB/NAME.yml.
web_file()
{
	cat >"$WEB/$1.yml"
}

# web_replace SRC DST: $WEB/DST gets $WEB/SRC's content through a rename, as deployment
# tools replace files.
web_replace()
{
	cp "$WEB/$1" "$WEB/$2.new" && mv -f "$WEB/$2.new" "$WEB/$2"
}

# ---------------------------------------------------------------------------------------
# The exporter and the client

# web_start NAME NPORTS ARGS...: the exporter with the counters config and ARGS, listening on
# NPORTS fresh loopback ports (WEB_PORTS, EXP_PORT the first); ready when every port listens.
# No request is made, so a rate limit starts with a full bucket.
web_start()
{
	local name=$1 n=$2 i p ready args=()

	shift 2
	WEB_PORTS=()
	for ((i = 0; i < n; i++)); do
		pick_port || return 1
		WEB_PORTS+=("$EXP_PORT")
		args+=("--web.listen-address=127.0.0.1:$EXP_PORT")
	done
	EXP_PORT=${WEB_PORTS[0]}
	EXP_LOG=$WORK/$name.log
	OTEL_TRACES_EXPORTER=none "$EXPORTER" "${args[@]}" --config.dir="$HERE" \
		--config.names=counters "$@" >"$EXP_LOG" 2>&1 &
	EXP_PID=$!
	for ((i = 0; i < START_TIMEOUT * 20; i++)); do
		ready=1
		for p in "${WEB_PORTS[@]}"; do
			port_in_use "$p" || ready=0
		done
		[ "$ready" -eq 1 ] && return 0
		if ! kill -0 "$EXP_PID" 2>/dev/null; then
			wait "$EXP_PID"
			EXP_RC=$?
			EXP_PID=
			fail "$name: exporter exited with code $EXP_RC during start-up" \
				"$(tail -n 20 "$EXP_LOG")"
			return 1
		fi
		sleep 0.05
	done
	fail "$name: exporter did not listen within ${START_TIMEOUT}s" "$(tail -n 20 "$EXP_LOG")"
	stop_exporter TERM
	return 1
}

# web_get OUT URL [CURL_ARGS...]: one GET; the server's certificate is checked against our CA.
# Sets W_RC (curl's exit code) and W_CODE (the status; 000 without an answer); the answer's
# headers go to OUT.head, its body to OUT.body, curl's error to OUT.err.
web_get()
{
	local out=$1 url=$2

	shift 2
	W_CODE=$(curl -sS --max-time 5 --cacert "$WEB/ca.crt" -D "$out.head" -o "$out.body" \
		-w '%{http_code}' "$@" "$url" 2>"$out.err")
	W_RC=$?
}

web_url()
{
	echo "https://127.0.0.1:${2:-$EXP_PORT}$1"
}

# web_status NAME WANT OUT URL [CURL_ARGS...]: the answer has status WANT.
web_status()
{
	local name=$1 want=$2 out=$3

	shift 3
	web_get "$out" "$@"
	if [ "$W_RC" -eq 0 ] && [ "$W_CODE" = "$want" ]; then
		pass "$name"
	else
		fail "$name" "curl exit $W_RC, status $W_CODE, want $want" "$(cat "$out.err")" \
			"log: $(tail -n 5 "$EXP_LOG")"
	fi
}

# web_metrics NAME OUT URL [CURL_ARGS...]: 200 with the counters config's series.
web_metrics()
{
	local name=$1 out=$2

	shift 2
	web_get "$out" "$@"
	if [ "$W_RC" -eq 0 ] && [ "$W_CODE" = 200 ] && has_line "$out.body" "$WEB_SERIES"; then
		pass "$name"
	else
		fail "$name" "curl exit $W_RC, status $W_CODE, want 200 and $WEB_SERIES" \
			"$(cat "$out.err")" "body: $(head -c 300 "$out.body" 2>/dev/null)" \
			"log: $(tail -n 5 "$EXP_LOG")"
	fi
}

# web_refused NAME RCS OUT URL [CURL_ARGS...]: the handshake fails, no answer comes: curl
# exits with one of RCS and no status.
web_refused()
{
	local name=$1 rcs=$2 out=$3 err

	shift 3
	web_get "$out" "$@"
	err=$(head -n 1 "$out.err")
	if [ "$W_CODE" = 000 ] && [[ " $rcs " == *" $W_RC "* ]]; then
		pass "$name (curl $W_RC: ${err#curl: (*) })"
	else
		fail "$name" "curl exit $W_RC, status $W_CODE, want a failed handshake" "$err" \
			"log: $(tail -n 5 "$EXP_LOG")"
	fi
}

# web_body NAME OUT WANT: the body of the last answer in OUT is exactly WANT.
web_body()
{
	if [ "$(od -An -c "$2.body")" = "$(printf '%s' "$3" | od -An -c)" ]; then
		pass "$1"
	else
		fail "$1" "body: $(od -An -c "$2.body" | head -n 3)" "want: $(printf '%s' "$3" | od -An -c)"
	fi
}

# web_header NAME OUT HEADER WANT: the last answer in OUT has this header with this value.
web_header()
{
	local got

	got=$(header "$2.head" "$3")
	if [ "$got" = "$4" ]; then
		pass "$1"
	else
		fail "$1" "$3: '$got', want '$4'" "headers: $(tr -d '\r' <"$2.head")"
	fi
}

# web_serial PORT: the serial and subject of the certificate the server presents.
web_serial()
{
	timeout 5 openssl s_client -connect "127.0.0.1:$1" </dev/null 2>/dev/null |
		openssl x509 -noout -serial -subject -nameopt oneline 2>/dev/null | tr '\n' ' '
}

# web_check_serial NAME WANT: the next connection gets the certificate with this serial.
web_check_serial()
{
	local got

	got=$(web_serial "$EXP_PORT")
	if [[ "$got" == "serial=$2 "* ]]; then
		pass "$1 ($got)"
	else
		fail "$1" "certificate: '$got', want serial $2" "log: $(tail -n 5 "$EXP_LOG")"
	fi
}

# ---------------------------------------------------------------------------------------
# Tests

# The headers every answer of the basic config carries.
web_check_headers()
{
	local what=$1 out=$2

	web_header "$what: X-Frame-Options" "$out" X-Frame-Options deny
	web_header "$what: X-Content-Type-Options" "$out" X-Content-Type-Options nosniff
	web_header "$what: Content-Security-Policy" "$out" Content-Security-Policy "default-src 'self'"
	web_header "$what: Strict-Transport-Security" "$out" Strict-Transport-Security \
		"max-age=31536000; includeSubDomains"
	web_header "$what: X-XSS-Protection" "$out" X-XSS-Protection "1; mode=block"
	check "$what: each of them once" eval "[ \$(tr -d '\\r' <'$out.head' |
		grep -ciE '^(x-frame-options|x-content-type-options|content-security-policy|strict-transport-security|x-xss-protection):') -eq 5 ]"
}

# web_check_401 WHAT OUT: the last answer is the toolkit's 401.
web_check_401()
{
	web_header "$1: WWW-Authenticate: Basic" "$2" WWW-Authenticate Basic
	web_body "$1: body Unauthorized" "$2" $'Unauthorized\n'
}

web_basic()
{
	local o=$WEB/basic p2 rc

	section "web: TLS and basic auth on two listen addresses"
	web_file basic <<EOF
# Relative file names are read from this file's directory.
tls_server_config:
  cert_file: server.crt
  key_file: server.key
http_server_config:
  headers:
    X-Frame-Options: deny
    X-Content-Type-Options: nosniff
    Content-Security-Policy: default-src 'self'
    Strict-Transport-Security: max-age=31536000; includeSubDomains
    X-XSS-Protection: 1; mode=block
basic_auth_users:
  alice: "$WEB_HASH_ALICE"
  bob: "$WEB_HASH_BOB"
EOF
	web_start web-basic 2 --web.config.file="$WEB/basic.yml" || return
	p2=${WEB_PORTS[1]}
	web_metrics "basic auth: right credentials get 200 and the metrics" "$o" \
		"$(web_url /metrics)" -u "alice:$WEB_PW"
	web_check_headers "basic auth: 200" "$o"
	web_metrics "basic auth: a \$2y\$ hash (htpasswd's) works too" "$o" \
		"$(web_url /metrics)" -u "bob:$WEB_PW_BOB"
	web_status "basic auth: a wrong password gets 401" 401 "$o" "$(web_url /metrics)" \
		-u "alice:$WEB_PW_BOB"
	web_check_401 "basic auth: wrong password" "$o"
	web_check_headers "basic auth: 401" "$o"
	web_status "basic auth: an unknown user gets 401" 401 "$o" "$(web_url /metrics)" \
		-u "carol:$WEB_PW"
	web_check_401 "basic auth: unknown user" "$o"
	web_status "basic auth: no credentials get 401" 401 "$o" "$(web_url /metrics)"
	web_check_401 "basic auth: no credentials" "$o"
	web_status "basic auth: the landing page without credentials gets 401" 401 "$o" \
		"$(web_url /)"
	web_check_401 "basic auth: landing page" "$o"
	web_status "basic auth: the landing page with credentials gets 200" 200 "$o" \
		"$(web_url /)" -u "alice:$WEB_PW"
	check "basic auth: ... and it links the metrics" grep -qF 'href="/metrics"' "$o.body"
	web_check_headers "landing page" "$o"
	web_status "basic auth: an unknown path without credentials gets 401" 401 "$o" \
		"$(web_url /no/such/path)"
	web_status "basic auth: an unclean path without credentials gets 401, no redirect" 401 \
		"$o" "$(web_url /x/../metrics)" --path-as-is
	web_status "basic auth: ... with credentials the redirect (301)" 301 "$o" \
		"$(web_url /x/../metrics)" --path-as-is -u "alice:$WEB_PW"
	web_header "basic auth: ... to the clean path" "$o" Location /metrics
	web_check_headers "redirect" "$o"

	web_metrics "two listen addresses: the second one serves TLS and the metrics" "$o" \
		"$(web_url /metrics "$p2")" -u "alice:$WEB_PW"
	web_status "two listen addresses: ... and asks the second for credentials too" 401 "$o" \
		"$(web_url /metrics "$p2")"

	# Plain HTTP to the TLS port: GnuTLS takes the request for a bad TLS record and the
	# connection is closed without an HTTP answer.
	W_CODE=$(curl -sS --max-time 5 -o "$o.body" -w '%{http_code}' \
		"http://127.0.0.1:$EXP_PORT/metrics" 2>"$o.err")
	rc=$?
	if [ "$rc" -eq 52 ] && [ "$W_CODE" = 000 ]; then
		pass "plain HTTP to the TLS port: closed without an answer (curl 52: empty reply)"
	else
		fail "plain HTTP to the TLS port: closed without an answer" \
			"curl exit $rc, status $W_CODE" "$(cat "$o.err")"
	fi
	web_metrics "plain HTTP to the TLS port: ... and TLS still serves afterwards" "$o" \
		"$(web_url /metrics)" -u "alice:$WEB_PW"
	web_refused "default min_version TLS12: a TLS 1.1 client fails the handshake" \
		"$WEB_RCS_TLS12" "$o" "$(web_url /metrics)" --tlsv1.1 --tls-max 1.1 \
		--ciphers 'DEFAULT@SECLEVEL=0'
	web_get "$o" "$(web_url /metrics)" --http2 -u "alice:$WEB_PW" \
		-w '%{http_code} HTTP/%{http_version}'
	check "http2 (default true): a client asking for h2 gets 200 over HTTP/1.1 ($W_CODE)" \
		[ "$W_CODE" = "200 HTTP/1.1" ]

	web_wrk
	web_prometheus
	stop_exporter TERM
	check_exit "basic auth: the exporter exits 0 on SIGTERM" 0
}

# web_fds: the exporter's open descriptors.
web_fds()
{
	find "/proc/$EXP_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# wrk over https with 32 keep-alive connections and the credentials; then the connections'
# descriptors are released.
web_wrk()
{
	local out req fds0

	if ! command -v wrk >/dev/null; then
		fail "web: wrk is not installed"
		return
	fi
	fds0=$(web_fds)
	out=$(wrk -t2 -c32 -d2s --timeout 5s -H "Authorization: Basic $(printf 'alice:%s' "$WEB_PW" |
		base64 -w0)" "$(web_url /metrics)" 2>&1)
	req=$(echo "$out" | awk '/requests in/ { print $1 }')
	check "wrk over TLS with basic auth, 32 connections: requests answered (${req:-0})" \
		[ "${req:-0}" -gt 0 ]
	check "wrk over TLS: no socket errors, no non-2xx answers" \
		eval "! echo \"\$out\" | grep -qE 'Socket errors|Non-2xx'"
	check_within "wrk over TLS: the connections' descriptors are released" 5 \
		sh -c "[ \$(find /proc/$EXP_PID/fd -mindepth 1 -maxdepth 1 | wc -l) -le $fds0 ]"
}

# Debian's Prometheus scrapes the running exporter over https with basic_auth and the CA.
web_prometheus()
{
	local port i up='' v=''

	web_file prometheus <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: ebpf_exporter
    scheme: https
    basic_auth:
      username: alice
      password: $WEB_PW
    tls_config:
      ca_file: $WEB/ca.crt
    static_configs:
      - targets: ['127.0.0.1:$EXP_PORT']
EOF
	prom_start_config web-prometheus 29290 "$WEB/prometheus.yml" || return
	port=$PROM_PORT
	# The first scrape comes a few seconds after start-up (target updates are batched).
	for ((i = 0; i < 300; i++)); do
		up=$(prom_query "$port" 'up{job="ebpf_exporter"}')
		v=$(prom_query "$port" 'ebpf_exporter_enabled_configs{job="ebpf_exporter",name="counters"}')
		[ "$up" = 1 ] && [ "$v" = 1 ] && break
		sleep 0.1
	done
	check "prometheus: the https target with basic_auth and tls_config.ca_file is up ('$up')" \
		[ "$up" = 1 ]
	check "prometheus: ... and its series are ingested ('$v')" [ "$v" = 1 ]
	[ "$up" = 1 ] || printf '%s\n' "$(tail -n 5 "$WORK/web-prometheus.log")" | sed 's/^/    /'
	prom_stop
	trap cleanup EXIT
}

# web_client_auth TYPE: an exporter with client_auth_type TYPE (and our CA as client CA when
# the type verifies); the checks follow as web_cert_case lines.
web_client_auth_start()
{
	local type=$1 ca=${2:-}

	{
		echo "tls_server_config:"
		echo "  cert_file: $WEB/server.crt"
		echo "  key_file: $WEB/server.key"
		echo "  client_auth_type: $type"
		[ -n "$ca" ] && echo "  client_ca_file: $WEB/$ca.crt"
	} | web_file "auth-$type"
	web_start "web-$type" 1 --web.config.file="$WEB/auth-$type.yml"
}

# web_cert_case TYPE WHAT CLIENT WANT: CLIENT (none, client, client_san, client_ca2) gets WANT
# (200 or refused), over TLS 1.3 and over TLS 1.2.
web_cert_case()
{
	local type=$1 what=$2 client=$3 want=$4 o=$WEB/cert args=()

	[ "$client" = none ] || args=(--cert "$WEB/$client.crt" --key "$WEB/$client.key")
	if [ "$want" = 200 ]; then
		web_metrics "$type: $what gets 200" "$o" "$(web_url /metrics)" "${args[@]}"
		web_metrics "$type: ... over TLS 1.2 too" "$o" "$(web_url /metrics)" \
			--tls-max 1.2 "${args[@]}"
	else
		web_refused "$type: $what is refused, no answer" "$WEB_RCS_TLS13" "$o" \
			"$(web_url /metrics)" "${args[@]}"
		web_refused "$type: ... over TLS 1.2 the handshake fails" "$WEB_RCS_TLS12" "$o" \
			"$(web_url /metrics)" --tls-max 1.2 "${args[@]}"
	fi
}

web_client_certs()
{
	local t fds0 i

	section "web: client certificates"
	t=RequireAndVerifyClientCert
	if web_client_auth_start "$t" ca; then
		fds0=$(web_fds)
		web_cert_case "$t" "no client certificate" none refused
		web_cert_case "$t" "a certificate of another CA" client_ca2 refused
		web_cert_case "$t" "a certificate of the client CA" client 200
		web_cert_case "$t" "any SAN without client_allowed_sans" client_san 200
		web_cert_case "$t" "an expired certificate of the client CA" client_old refused
		for ((i = 0; i < 20; i++)); do
			web_get "$WEB/cert" "$(web_url /metrics)"
			web_get "$WEB/cert" "$(web_url /metrics)" --tls-max 1.2 \
				--cert "$WEB/client_ca2.crt" --key "$WEB/client_ca2.key"
		done
		check_within "$t: 40 refused handshakes leave no descriptor behind" 5 \
			sh -c "[ \$(find /proc/$EXP_PID/fd -mindepth 1 -maxdepth 1 | wc -l) -le $fds0 ]"
		stop_exporter TERM
	fi
	t=VerifyClientCertIfGiven
	if web_client_auth_start "$t" ca; then
		web_cert_case "$t" "no client certificate" none 200
		web_cert_case "$t" "a certificate of another CA" client_ca2 refused
		web_cert_case "$t" "a certificate of the client CA" client 200
		stop_exporter TERM
	fi
	t=RequireAnyClientCert
	if web_client_auth_start "$t"; then
		web_cert_case "$t" "no client certificate" none refused
		web_cert_case "$t" "a certificate of another CA (not verified)" client_ca2 200
		stop_exporter TERM
	fi
	t=RequestClientCert
	if web_client_auth_start "$t"; then
		web_cert_case "$t" "no client certificate" none 200
		web_cert_case "$t" "a certificate of another CA (not verified)" client_ca2 200
		stop_exporter TERM
	fi
	t=NoClientCert
	if web_client_auth_start "$t"; then
		web_cert_case "$t" "no client certificate" none 200
		web_cert_case "$t" "an unrequested client certificate" client_ca2 200
		stop_exporter TERM
	fi

	web_file sans <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  client_allowed_sans:
    - other.example
    - allowed.example
    - 10.1.2.3
    - ops@example.org
    - spiffe://example.org/scraper
EOF
	t=client_allowed_sans
	if web_start web-sans 1 --web.config.file="$WEB/sans.yml"; then
		web_cert_case "$t" "a certificate with an allowed DNS SAN" client 200
		web_cert_case "$t" "an allowed IP SAN" client_ip 200
		web_cert_case "$t" "an allowed e-mail SAN" client_mail 200
		web_cert_case "$t" "an allowed URI SAN" client_uri 200
		web_cert_case "$t" "a certificate of the CA with another SAN" client_san refused
		web_cert_case "$t" "the allowed name in the CN only" client_cn refused
		web_cert_case "$t" "no client certificate" none refused
		stop_exporter TERM
	fi

	# The certificate, key and client CA written in the file itself.
	{
		echo "tls_server_config:"
		echo "  cert: |"
		sed 's/^/    /' "$WEB/server.crt"
		echo "  key: |"
		sed 's/^/    /' "$WEB/server.key"
		echo "  client_ca: |"
		sed 's/^/    /' "$WEB/ca.crt"
		echo "  client_auth_type: RequireAndVerifyClientCert"
	} | web_file inline
	t="inline PEM"
	if web_start web-inline 1 --web.config.file="$WEB/inline.yml"; then
		web_cert_case "$t" "a certificate of the inline client CA" client 200
		web_cert_case "$t" "a certificate of another CA" client_ca2 refused
		stop_exporter TERM
	fi
}

# web_negotiated ARGS...: the TLS 1.2 cipher and key exchange group an openssl client with
# these options (-cipher, -groups) gets, e.g. "ECDHE-ECDSA-AES256-GCM-SHA384 secp384r1".
web_negotiated()
{
	timeout 5 openssl s_client -connect "127.0.0.1:$EXP_PORT" -CAfile "$WEB/ca.crt" "$@" \
		</dev/null 2>/dev/null | sed -n 's/^New, TLSv1.2, Cipher is \(.*\)$/\1/p;
			s/^Server Temp Key: ECDH, \([^,]*\),.*/\1/p; s/^Server Temp Key: \(X25519\),.*/\1/p' |
		LC_ALL=C sort -r | tr '\n' ' ' | sed 's/ $//'
}

# prefer_server_cipher_suites: the server's order of cipher_suites and curve_preferences, or
# the client's.
web_prefer()
{
	local pref got want

	for pref in true false; do
		web_file "prefer-$pref" <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  prefer_server_cipher_suites: $pref
  cipher_suites:
    - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
  curve_preferences:
    - CurveP384
    - X25519
    - CurveP256
EOF
		web_start "web-prefer-$pref" 1 --web.config.file="$WEB/prefer-$pref.yml" || continue
		got=$(web_negotiated -tls1_2 -groups X25519:P-384:P-256 \
			-cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384)
		if [ "$pref" = true ]; then
			want="secp384r1 ECDHE-ECDSA-AES256-GCM-SHA384"
		else
			want="X25519 ECDHE-ECDSA-AES128-GCM-SHA256"
		fi
		check "prefer_server_cipher_suites $pref: a TLS 1.2 client preferring AES-128 and X25519 gets $want ($got)" \
			[ "$got" = "$want" ]
		stop_exporter TERM
	done
}

web_versions_ciphers()
{
	local o=$WEB/ver t12=(--tls-max 1.2)

	section "web: TLS versions and cipher suites"
	web_file tls13 <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  min_version: TLS13
EOF
	if web_start web-tls13 1 --web.config.file="$WEB/tls13.yml"; then
		web_refused "min_version TLS13: a TLS 1.2 client fails the handshake" \
			"$WEB_RCS_TLS12" "$o" "$(web_url /metrics)" --tlsv1.2 "${t12[@]}"
		web_metrics "min_version TLS13: a TLS 1.3 client gets 200" "$o" \
			"$(web_url /metrics)" --tlsv1.3
		stop_exporter TERM
	fi
	web_file tls12 <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  max_version: TLS12
EOF
	if web_start web-tls12 1 --web.config.file="$WEB/tls12.yml"; then
		web_refused "max_version TLS12: a TLS 1.3-only client fails the handshake" \
			"$WEB_RCS_TLS12" "$o" "$(web_url /metrics)" --tlsv1.3
		web_metrics "max_version TLS12: a TLS 1.2 client gets 200" "$o" \
			"$(web_url /metrics)" "${t12[@]}"
		stop_exporter TERM
	fi
	web_file curves <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  curve_preferences:
    - X25519
EOF
	if web_start web-curves 1 --web.config.file="$WEB/curves.yml"; then
		web_refused "curve_preferences X25519: a client offering only P-256 fails" \
			"$WEB_RCS_TLS12" "$o" "$(web_url /metrics)" --curves P-256
		web_refused "curve_preferences X25519: ... over TLS 1.2 too" "$WEB_RCS_TLS12" "$o" \
			"$(web_url /metrics)" "${t12[@]}" --curves P-256
		web_metrics "curve_preferences X25519: a client offering X25519 gets 200" "$o" \
			"$(web_url /metrics)" --curves X25519
		stop_exporter TERM
	fi
	web_file chain <<EOF
tls_server_config:
  cert_file: chain.crt
  key_file: leaf-sec1.key
EOF
	if web_start web-chain 1 --web.config.file="$WEB/chain.yml"; then
		web_metrics "chain: a leaf and its intermediate CA in cert_file, an SEC1 key: a client trusting only the root gets 200" \
			"$o" "$(web_url /metrics)"
		stop_exporter TERM
	fi
	web_file rsa <<EOF
tls_server_config:
  cert_file: rsa.crt
  key_file: rsa-pkcs1.key
  cipher_suites:
    - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
EOF
	if web_start web-rsa 1 --web.config.file="$WEB/rsa.yml"; then
		web_metrics "RSA certificate and PKCS#1 key: TLS 1.3 gets 200" "$o" "$(web_url /metrics)"
		web_metrics "RSA: a TLS 1.2 client offering the listed RSA suite gets 200" "$o" \
			"$(web_url /metrics)" "${t12[@]}" --ciphers ECDHE-RSA-AES256-GCM-SHA384
		web_refused "RSA: a TLS 1.2 client offering only another RSA suite fails" \
			"$WEB_RCS_TLS12" "$o" "$(web_url /metrics)" "${t12[@]}" \
			--ciphers ECDHE-RSA-AES128-GCM-SHA256
		stop_exporter TERM
	fi
	web_prefer
	web_file ciphers <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  cipher_suites:
    - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
EOF
	if web_start web-ciphers 1 --web.config.file="$WEB/ciphers.yml"; then
		web_refused "cipher_suites: a TLS 1.2 client offering only another suite fails" \
			"$WEB_RCS_TLS12" "$o" "$(web_url /metrics)" "${t12[@]}" \
			--ciphers ECDHE-ECDSA-AES256-GCM-SHA384
		web_refused "cipher_suites: ... or only ChaCha20-Poly1305" "$WEB_RCS_TLS12" "$o" \
			"$(web_url /metrics)" "${t12[@]}" --ciphers ECDHE-ECDSA-CHACHA20-POLY1305
		web_metrics "cipher_suites: a TLS 1.2 client offering the listed suite gets 200" "$o" \
			"$(web_url /metrics)" "${t12[@]}" --ciphers ECDHE-ECDSA-AES128-GCM-SHA256
		web_metrics "cipher_suites: TLS 1.3 is not restricted by them" "$o" \
			"$(web_url /metrics)" --tlsv1.3 --tls13-ciphers TLS_AES_256_GCM_SHA384
		stop_exporter TERM
	fi
}

web_rate_limit()
{
	local o=$WEB/rate i codes='' url

	section "web: rate limit (plain HTTP)"
	web_file rate <<EOF
http_server_config:
  headers:
    X-Frame-Options: sameorigin
    X-Content-Type-Options: nosniff
basic_auth_users:
  alice: "$WEB_HASH_ALICE"
rate_limit:
  interval: 1s
  burst: 3
EOF
	web_start web-rate 1 --web.config.file="$WEB/rate.yml" || return
	url="http://127.0.0.1:$EXP_PORT/metrics"
	for ((i = 1; i <= 6; i++)); do
		web_get "$o$i" "$url" -u "alice:$WEB_PW"
		codes="$codes $W_CODE"
	done
	check "rate_limit burst 3: 6 quick requests get 200 200 200 429 429 429 ($codes )" \
		[ "$codes" = " 200 200 200 429 429 429" ]
	check "rate_limit: the 200s are the metrics" has_line "$o"1.body "$WEB_SERIES"
	web_body "rate_limit: the 429 body is Too Many Requests" "$o"4 $'Too Many Requests\n'
	web_header "rate_limit: 429 has X-Frame-Options" "$o"4 X-Frame-Options sameorigin
	web_header "rate_limit: 429 has X-Content-Type-Options" "$o"4 X-Content-Type-Options nosniff
	web_header "rate_limit: 200 has X-Frame-Options" "$o"1 X-Frame-Options sameorigin
	sleep 1.2
	web_get "$o" "$url" -u "alice:$WEB_PW"
	codes=$W_CODE
	web_get "$o"b "$url" -u "alice:$WEB_PW"
	check "rate_limit: after 1.2 s one more token: 200, then 429 ($codes $W_CODE)" \
		[ "$codes $W_CODE" = "200 429" ]
	sleep 1.2
	web_status "rate_limit: a request without credentials after another second gets 401" 401 \
		"$o" "$url"
	web_header "rate_limit: ... with X-Frame-Options" "$o" X-Frame-Options sameorigin
	web_check_401 "rate_limit: over plain HTTP" "$o"
	web_file rate <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  alice: "$WEB_HASH_ALICE"
EOF
	sleep 1.1
	web_metrics "live file: TLS stays off when the file turns it on" "$o" "$url" \
		-u "alice:$WEB_PW"
	check_log "live file: ... and says a restart is needed" "$EXP_LOG" \
		"web config \"$WEB/rate.yml\": tls_server_config: TLS cannot be turned on while the exporter runs (it was off at start); restart the exporter to change it"
	stop_exporter TERM
}

# web_log_count TEXT: how many lines of the exporter's log contain TEXT.
web_log_count()
{
	grep -cF -- "$1" "$EXP_LOG"
}

web_live()
{
	local o=$WEB/live n

	section "web: certificates and the file replaced while serving"
	cp "$WEB/server.crt" "$WEB/live.crt" && cp "$WEB/server.key" "$WEB/live.key" || return
	web_file live <<EOF
tls_server_config:
  cert_file: live.crt
  key_file: live.key
EOF
	web_start web-live 1 --web.config.file="$WEB/live.yml" --web.request-timeout=2s || return
	web_check_serial "rotation: the first certificate is served" 1001
	web_replace server2.key live.key && web_replace server2.crt live.crt
	web_check_serial "rotation: the next connection gets the new certificate, no restart" 2001
	web_metrics "rotation: ... and curl verifies it" "$o" "$(web_url /metrics)"
	check "rotation: ... with the new subject" sh -c \
		"curl -sv --max-time 5 --cacert '$WEB/ca.crt' -o /dev/null '$(web_url /)' 2>&1 |
			grep -q 'subject: CN=e2e rotated server'"

	printf 'not a certificate\n' >"$WEB/live.crt.new" && mv -f "$WEB/live.crt.new" "$WEB/live.crt"
	web_check_serial "rotation: an invalid certificate file keeps the last good one" 2001
	web_metrics "rotation: ... which still serves" "$o" "$(web_url /metrics)"
	check_log "rotation: the invalid file is logged, naming it" "$EXP_LOG" \
		"Error reloading the web config, the previous settings stay: web config \"$WEB/live.yml\": tls_server_config.cert_file: $WEB/live.crt has no PEM data"
	n=$(web_log_count "$WEB/live.crt")
	web_get "$o" "$(web_url /metrics)"
	web_get "$o" "$(web_url /metrics)"
	n="$n $(web_log_count "$WEB/live.crt")"
	check "rotation: ... once, not on every request (lines naming it: $n, then 1)" \
		[ "$n" = "1 1" ]
	web_replace server.key live.key && web_replace server.crt live.crt
	web_check_serial "rotation: a valid file again is used" 1001

	web_file live <<EOF
tls_server_config:
  cert_file: live.crt
  key_file: live.key
basic_auth_users:
  alice: "$WEB_HASH_ALICE"
EOF
	web_status "live file: users added to the file ask for credentials at once" 401 "$o" \
		"$(web_url /metrics)"
	web_metrics "live file: ... and take them" "$o" "$(web_url /metrics)" -u "alice:$WEB_PW"
	web_file live <<EOF
tls_server_config:
  cert_file: live.crt
  key_file: live.key
basic_auth_users:
  alice: "$WEB_HASH_ALICE"
rate_limt:
  burst: 1
EOF
	web_status "live file: an invalid file keeps the last good settings" 401 "$o" \
		"$(web_url /metrics)"
	web_metrics "live file: ... credentials still work" "$o" "$(web_url /metrics)" \
		-u "alice:$WEB_PW"
	check_log "live file: the invalid file is logged with its unknown key" "$EXP_LOG" \
		"Error reloading the web config, the previous settings stay: web config \"$WEB/live.yml\": line 6: unknown key \"rate_limt\""
	web_file live <<EOF
basic_auth_users:
  alice: "$WEB_HASH_ALICE"
EOF
	web_metrics "live file: TLS stays on when the file turns it off" "$o" \
		"$(web_url /metrics)" -u "alice:$WEB_PW"
	check_log "live file: ... and says a restart is needed" "$EXP_LOG" \
		"web config \"$WEB/live.yml\": tls_server_config: TLS cannot be turned off while the exporter runs (it was on at start); restart the exporter to change it"

	web_live_client_ca
	web_handshake_timeout
	stop_exporter TERM
	check_exit "live: the exporter exits 0 on SIGTERM" 0
	web_live_symlinks
}

# The layout Kubernetes gives a mounted secret: every name a symlink into ..data, a symlink to
# the current version's directory, replaced by a rename when the secret changes.
web_live_symlinks()
{
	local k=$WEB/k8s v

	rm -rf "$k"
	for v in 1 2; do
		mkdir -p "$k/v$v" &&
			printf '%s\n' "tls_server_config:" "  cert_file: tls.crt" "  key_file: tls.key" \
				>"$k/v$v/web.yml" || return
	done
	cp "$WEB/server.crt" "$k/v1/tls.crt" && cp "$WEB/server.key" "$k/v1/tls.key" &&
		cp "$WEB/server2.crt" "$k/v2/tls.crt" && cp "$WEB/server2.key" "$k/v2/tls.key" &&
		ln -s v1 "$k/..data" && ln -s ..data/web.yml "$k/web.yml" &&
		ln -s ..data/tls.crt "$k/tls.crt" && ln -s ..data/tls.key "$k/tls.key" || return
	web_start web-k8s 1 --web.config.file="$k/web.yml" || return
	web_check_serial "symlinked secret: the first version's certificate" 1001
	ln -sfn v2 "$k/..tmp" && mv -T "$k/..tmp" "$k/..data"
	web_check_serial "symlinked secret: ..data switched to the next version: its certificate" \
		2001
	ln -sfn v1 "$k/..tmp" && mv -T "$k/..tmp" "$k/..data"
	web_check_serial "symlinked secret: ... and back" 1001
	stop_exporter TERM
}

# The server certificate and the client CA replaced while a keep-alive connection is open:
# that connection goes on with the settings it started with, new ones get the new settings.
web_live_client_ca()
{
	local out want

	cp "$WEB/ca.crt" "$WEB/liveca.crt" || return
	web_file live <<EOF
tls_server_config:
  cert_file: live.crt
  key_file: live.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: liveca.crt
EOF
	out=$(timeout 30 python3 - "$WEB" "$EXP_PORT" <<'EOF'
import http.client, os, shutil, ssl, sys

web, port = sys.argv[1], int(sys.argv[2])


def connect(cert):
    ctx = ssl.create_default_context(cafile=web + "/ca.crt")
    ctx.load_cert_chain(web + "/" + cert + ".crt", web + "/" + cert + ".key")
    return http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=5)


def get(c):
    try:
        c.request("GET", "/metrics")
        r = c.getresponse()
        r.read()
        return "%d %s" % (r.status, c.sock.getpeercert()["serialNumber"])
    except (OSError, http.client.HTTPException):
        return "refused"


def replace(src, dst):
    shutil.copy(web + "/" + src, web + "/" + dst + ".new")
    os.rename(web + "/" + dst + ".new", web + "/" + dst)


out = []
old = connect("client")
out.append(get(old))
replace("server2.key", "live.key")
replace("server2.crt", "live.crt")
replace("ca2.crt", "liveca.crt")
out.append(get(old))
out.append(get(connect("client")))
out.append(get(connect("client_ca2")))
out.append(get(old))
print(", ".join(out))
EOF
)
	want="200 1001, 200 1001, refused, 200 2001, 200 1001"
	check "live client CA: keep-alive connection, then new ones after the server certificate and client CA are replaced ($out)" \
		[ "$out" = "$want" ]
}

# A TLS connection that never sends its ClientHello, or only part of it, is closed at the
# request deadline (--web.request-timeout=2s).
web_handshake_timeout()
{
	local out

	out=$(timeout 20 python3 - "$EXP_PORT" <<'EOF'
import socket, sys, time

port = int(sys.argv[1])
res = []
for first in (b"", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(first)
    t = time.monotonic()
    s.settimeout(10)
    try:
        data = s.recv(100)
    except OSError:
        data = b""
    res.append((time.monotonic() - t, data))
    s.close()
ok = all(1.5 <= d <= 4 and data == b"" for d, data in res)
print(("ok " if ok else "bad ") + " ".join("%.2f" % d for d, _ in res))
EOF
)
	check "TLS handshake deadline: no ClientHello, or half of one, closed after 2 s ($out)" \
		[ "${out%% *}" = ok ]
}

# bcrypt runs one at a time, and an unknown user costs a run of the highest cost: 80 requests
# with unknown users and a cost-10 hash keep it busy for about 4 s. Meanwhile a scrape with
# credentials already verified needs no bcrypt run and must not wait for theirs.
web_auth_flood()
{
	local o=$WEB/flood url hash i times slow pids=() codes

	section "web: basic auth under a flood of unknown users"
	hash=$(web_bcrypt "$WEB_PW" 10)
	web_file flood <<EOF
basic_auth_users:
  carol: "$hash"
EOF
	web_start web-flood 1 --web.config.file="$WEB/flood.yml" || return
	url="http://127.0.0.1:$EXP_PORT/metrics"
	web_metrics "auth flood: the first scrape with credentials (one bcrypt run)" "$o" "$url" \
		-u "carol:$WEB_PW"
	for ((i = 0; i < 80; i++)); do
		curl -s -o /dev/null --max-time 30 -w '%{http_code}\n' -u "nobody$i:$WEB_PW" "$url" \
			>"$o.flood$i" 2>&1 &
		pids+=($!)
	done
	sleep 0.5
	times=$(for ((i = 0; i < 4; i++)); do
		curl -s -o /dev/null --max-time 30 -w '%{http_code}:%{time_total}\n' \
			-u "carol:$WEB_PW" "$url" &
	done | sort | tr '\n' ' ')
	wait "${pids[@]}"
	codes=$(cat "$o".flood* | sort | uniq -c | awk '{ printf "%s×%s ", $1, $2 }')
	check "auth flood: the 80 unknown users get 401 ($codes)" [ "$codes" = "80×401 " ]
	slow=$(printf '%s' "$times" | tr ' ' '\n' | awk -F: 'NF && ($1 != 200 || $2 > 0.5)' | tr '\n' ' ')
	check "auth flood: 4 scrapes with verified credentials answer 200 within 0.5 s meanwhile ($times)" \
		[ -z "$slow" ]
	stop_exporter TERM
}

web_systemd()
{
	local o=$WEB/sd pid port port2 i

	section "web: systemd socket activation (--web.systemd-socket)"
	pick_port || return
	port2=$EXP_PORT
	pick_port || return
	port=$EXP_PORT
	EXP_LOG=$WORK/web-systemd.log
	OTEL_TRACES_EXPORTER=none systemd-socket-activate -l "127.0.0.1:$port" \
		-l "127.0.0.1:$port2" "$EXPORTER" \
		--web.systemd-socket --web.config.file="$WEB/basic.yml" --config.dir="$HERE" \
		--config.names=counters >"$EXP_LOG" 2>&1 &
	pid=$!
	# The socket listens before the exporter runs: wait for an answer.
	for ((i = 0; i < START_TIMEOUT * 10; i++)); do
		web_get "$o" "$(web_url /metrics)" -u "alice:$WEB_PW"
		[ "$W_CODE" = 200 ] && break
		sleep 0.1
	done
	web_metrics "systemd socket: TLS and basic auth on the activated socket" "$o" \
		"$(web_url /metrics)" -u "alice:$WEB_PW"
	web_status "systemd socket: ... 401 without credentials" 401 "$o" "$(web_url /metrics)"
	web_check_headers "systemd socket: 401" "$o"
	web_metrics "systemd socket: the second activated socket serves TLS and basic auth too" \
		"$o" "$(web_url /metrics "$port2")" -u "alice:$WEB_PW"
	# systemd-socket-activate's own "Listening on ... as N." lines are in the same log.
	check "systemd socket: the exporter's log names both sockets" \
		eval "grep -qE '^[0-9/]+ [0-9:]+ Listening on 127.0.0.1:$port\$' '$EXP_LOG' &&
			grep -qE '^[0-9/]+ [0-9:]+ Listening on 127.0.0.1:$port2\$' '$EXP_LOG'"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	EXP_RC=$?
	check_exit "systemd socket: the exporter exits 0 on SIGTERM" 0
}

# web_error NAME FILE PHRASE...: the exporter started with FILE exits 1 and its output has
# every PHRASE.
web_error()
{
	local name=$1 file=$2 p missing=()

	shift 2
	run_once web-error --web.config.file="$file" --config.dir="$HERE" --config.names=counters
	for p in "$@"; do
		grep -qF -- "$p" "$EXP_LOG" || missing+=("$p")
	done
	if [ "$EXP_RC" -eq 1 ] && [ ${#missing[@]} -eq 0 ]; then
		pass "start-up error: $name"
	else
		fail "start-up error: $name" "exit code $EXP_RC (want 1)" \
			"missing: ${missing[*]}" "output: $(tail -n 5 "$EXP_LOG")"
	fi
}

web_startup_errors()
{
	local f

	section "web: start-up errors"
	f=$WEB/absent.yml
	web_error "a missing web config file" "$f" \
		"web config \"$f\": open $f: no such file or directory"

	f=$WEB/bad-key.yml
	web_file bad-key <<EOF
tls_server_confg:
  cert_file: server.crt
  key_file: server.key
EOF
	web_error "unknown key tls_server_confg" "$f" \
		"web config \"$f\": line 1: unknown key \"tls_server_confg\" (expected one of tls_server_config, http_server_config, basic_auth_users, rate_limit)"

	f=$WEB/bad-cert.yml
	web_file bad-cert <<EOF
tls_server_config:
  cert_file: missing.crt
  key_file: server.key
EOF
	web_error "missing cert file" "$f" \
		"web config \"$f\": tls_server_config.cert_file: open $WEB/missing.crt: no such file or directory"

	printf 'not a key\n' >"$WEB/garbage.key"
	f=$WEB/bad-keyfile.yml
	web_file bad-keyfile <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: garbage.key
EOF
	web_error "unreadable key" "$f" \
		"web config \"$f\": tls_server_config.key_file: $WEB/garbage.key has no PEM data"

	printf '%s\n' "-----BEGIN PRIVATE KEY-----" "bm90IGEga2V5" "-----END PRIVATE KEY-----" \
		>"$WEB/corrupt.key"
	f=$WEB/bad-keypem.yml
	web_file bad-keypem <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: corrupt.key
EOF
	web_error "a corrupt PEM key" "$f" \
		"web config \"$f\": tls_server_config.key_file: no PEM private key could be read from $WEB/corrupt.key: "

	f=$WEB/bad-enckey.yml
	web_file bad-enckey <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: encrypted.key
EOF
	web_error "an encrypted key" "$f" \
		"web config \"$f\": tls_server_config.key_file: no PEM private key could be read from $WEB/encrypted.key: "

	f=$WEB/bad-pair.yml
	web_file bad-pair <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: client.key
EOF
	web_error "key not matching the certificate" "$f" \
		"web config \"$f\": tls_server_config.key_file: the private key does not match the certificate"

	f=$WEB/bad-auth.yml
	web_file bad-auth <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: Sometimes
EOF
	web_error "unknown client_auth_type" "$f" \
		"web config \"$f\": line 4: tls_server_config.client_auth_type: unknown value \"Sometimes\" (expected NoClientCert, RequestClientCert, RequireAnyClientCert, RequireClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert)"

	f=$WEB/bad-ca.yml
	web_file bad-ca <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_ca_file: ca.crt
EOF
	web_error "client CA with NoClientCert" "$f" \
		"web config \"$f\": tls_server_config: client_ca_file is set but client_auth_type is NoClientCert"

	f=$WEB/bad-version.yml
	web_file bad-version <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  min_version: TLS14
EOF
	web_error "unknown TLS version" "$f" \
		"web config \"$f\": line 4: tls_server_config.min_version: unknown TLS version \"TLS14\" (expected TLS10, TLS11, TLS12 or TLS13)"

	f=$WEB/bad-cipher.yml
	web_file bad-cipher <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  cipher_suites:
    - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    - TLS_RSA_WITH_NULL_MD5
EOF
	web_error "unknown cipher" "$f" \
		"web config \"$f\": line 6: tls_server_config.cipher_suites[1]: unknown cipher suite \"TLS_RSA_WITH_NULL_MD5\" (expected one of TLS_AES_128_GCM_SHA256, " \
		"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256)"

	f=$WEB/bad-header.yml
	web_file bad-header <<EOF
http_server_config:
  headers:
    X-Powered-By: ebpf
EOF
	web_error "a header outside the allow-list" "$f" \
		"web config \"$f\": line 3: http_server_config.headers: HTTP header \"X-Powered-By\" can not be configured (expected one of Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)"

	f=$WEB/bad-xfo.yml
	web_file bad-xfo <<EOF
http_server_config:
  headers:
    X-Frame-Options: allow
EOF
	web_error "a bad X-Frame-Options value" "$f" \
		"web config \"$f\": line 3: http_server_config.headers.X-Frame-Options: invalid value \"allow\" (expected deny or sameorigin)"

	f=$WEB/bad-hash.yml
	web_file bad-hash <<EOF
basic_auth_users:
  alice: "$WEB_HASH_ALICE"
  bob: "\$2b\$04\$tooshort"
EOF
	run_once web-check --config.check --web.config.file="$WEB/bad-xfo.yml" \
		--config.dir="$HERE" --config.names=counters
	if [ "$EXP_RC" -eq 1 ] && grep -qF "web config \"$WEB/bad-xfo.yml\": line 3:" "$EXP_LOG"; then
		pass "start-up error: --config.check checks the web config file too"
	else
		fail "start-up error: --config.check checks the web config file too" \
			"exit code $EXP_RC (want 1)" "output: $(tail -n 5 "$EXP_LOG")"
	fi

	web_error "a malformed bcrypt hash" "$f" \
		"web config \"$f\": line 3: basic_auth_users: user \"bob\": invalid bcrypt hash: it is 15 bytes long, not 60 (expected \$2a\$, \$2b\$ or \$2y\$, a two-digit cost from 04 to 31"
}

suite_web()
{
	section "web: certificates and hashes"
	if ! web_make_certs; then
		fail "web: openssl makes the test certificates" "$(cat "$WEB/openssl.err")"
		return
	fi
	pass "web: openssl makes the test certificates"
	WEB_HASH_ALICE=$(web_bcrypt "$WEB_PW" 4)
	# htpasswd writes $2y$, the same algorithm as $2b$ for these passwords.
	WEB_HASH_BOB=$(web_bcrypt "$WEB_PW_BOB" 5)
	WEB_HASH_BOB="\$2y${WEB_HASH_BOB#\$2b}"
	if [[ "$WEB_HASH_ALICE" != "\$2b\$04\$"* ]] || [[ "$WEB_HASH_BOB" != "\$2y\$05\$"* ]]; then
		fail "web: python3's crypt makes bcrypt hashes" "'$WEB_HASH_ALICE' '$WEB_HASH_BOB'"
		return
	fi
	pass "web: python3's crypt makes bcrypt hashes"

	web_startup_errors
	web_basic
	web_client_certs
	web_versions_ciphers
	web_rate_limit
	web_auth_flood
	web_live
	web_systemd
}
