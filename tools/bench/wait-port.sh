# wait-port.sh: sourced by the benchmark scripts. wait_port LOG: waits (10 s at most) for
# `ward serve` to log its HTTP port in LOG and sets $port; exits with the log otherwise.
wait_port() {
    port=""
    for _ in $(seq 1 100); do
        port=$(sed -n 's/.*listening http=http:\/\/[^ ]*:\([0-9]*\).*/\1/p' "$1")
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    cat "$1"
    echo "ward did not start"
    exit 1
}
