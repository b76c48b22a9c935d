# lib.sh: shell helpers shared by the benchmark scripts (sourced, POSIX sh).
#   free_port                 prints a free TCP port on 127.0.0.1
#   ward_start LOG ARGS...    starts `$WARD serve ARGS...` with stderr to LOG; sets
#                             ward_pid and port (its HTTP port) and exports WARD_TOKEN,
#                             an admin token of that server; exits the script when
#                             ward does not come up
#   ch_start DIR              starts a private clickhouse-server ($CH) with its data in DIR
#                             on loopback ports; sets ch_pid, http_port, tcp_port;
#                             returns non-zero (logs printed) when it does not answer /ping

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

ward_start() {
    _log=$1
    shift
    # the API needs a token (docs/security.md): one per benchmark run, in $WARD_TOKEN
    [ -n "${WARD_TOKEN:-}" ] || WARD_TOKEN=bench_$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')
    export WARD_TOKEN
    "$WARD" serve --set auth.bootstrap_token="$WARD_TOKEN" "$@" 2> "$_log" &
    ward_pid=$!
    port=""
    for _ in $(seq 1 100); do
        port=$(sed -n 's/.*listening http=http:\/\/[^ ]*:\([0-9]*\).*/\1/p' "$_log")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$_log"; echo "ward did not start"; exit 1; }
}

ch_start() {
    _d=$1
    mkdir -p "$_d/data" "$_d/tmp" "$_d/user_files"
    http_port=$(free_port)
    tcp_port=$(free_port)
    # Minimal server config for 18.16: loopback only, own ports and paths, no
    # system-wide files; one passwordless default user limited to 127.0.0.1.
    cat > "$_d/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$_d/server.log</log><errorlog>$_d/error.log</errorlog><console>0</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <path>$_d/data/</path>
  <tmp_path>$_d/tmp/</tmp_path>
  <user_files_path>$_d/user_files/</user_files_path>
  <users_config>$_d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>1073741824</mark_cache_size>
  <keep_alive_timeout>600</keep_alive_timeout>
</yandex>
XML
    cat > "$_d/users.xml" <<'XML'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>10000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
    (cd "$_d" && exec "$CH" --config-file="$_d/config.xml") > "$_d/stdout.log" 2>&1 &
    ch_pid=$!
    _i=0
    until curl -sf "http://127.0.0.1:$http_port/ping" > /dev/null 2>&1; do
        _i=$((_i + 1))
        if [ $_i -ge 300 ] || ! kill -0 "$ch_pid" 2>/dev/null; then break; fi
        sleep 0.1
    done
    if ! curl -sf "http://127.0.0.1:$http_port/ping" > /dev/null 2>&1; then
        tail -5 "$_d/stdout.log" "$_d/error.log" 2>/dev/null || true
        return 1
    fi
}
