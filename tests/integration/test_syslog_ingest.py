"""End-to-end tests of syslog ingest over UDP and TCP (octet-counted and newline framing
detected per frame), the MozDef field mapping, and JSON bodies."""

import socket

from wardtest import Ward, test, main, eq, check, wait_for


def run(fn):
    w = Ward().start()
    try:
        fn(w)
    finally:
        w.cleanup()


def events_when(w, n):
    return wait_for(lambda: (lambda e: e if len(e) >= n else None)(w.events()), 10,
                    "%d events in the WAL" % n)


@test
def udp_rfc3164_and_5424():
    def body(w):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"<38>Mar  5 10:00:00 bastion sshd[4242]: Failed password for root from "
                 b"203.0.113.9 port 22 ssh2\n", ("127.0.0.1", w.udp_port))
        s.sendto(b'<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 '
                 b'[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] '
                 b'BOMAn application event log entry', ("127.0.0.1", w.udp_port))
        evs = [e for _, e in events_when(w, 2)]
        evs.sort(key=lambda e: e["hostname"])
        a, b = evs[0], evs[1]
        eq(a["hostname"], "bastion", "3164 hostname")
        eq(a["processname"], "sshd", "3164 tag")
        eq(a["processid"], "4242", "3164 pid")
        eq(a["severity"], "INFO", "severity from PRI 38 = auth.info")
        eq(a["source"], "auth", "facility name as MozDef source")
        check(a["summary"].startswith("Failed password for root"), "summary = message")
        check(a["utctimestamp"].endswith("-03-05T10:00:00+00:00"), "BSD time in UTC, year guessed")
        eq(a["details"]["eventsourceipaddress"], "127.0.0.1", "sender address")
        eq(b["hostname"], "mymachine.example.com", "5424 hostname")
        eq(b["processname"], "evntslog", "app-name")
        eq(b["severity"], "NOTICE", "PRI 165 = local4.notice")
        eq(b["utctimestamp"], "2003-10-11T22:14:15.003000+00:00", "5424 timestamp")
        eq(b["details"]["msgid"], "ID47", "msgid")
        eq(b["details"]["exampleSDID@32473"],
           {"iut": "3", "eventSource": "Application", "eventID": "1011"}, "structured data")
        eq(w.metric("ward_events_accepted_total", input="syslog_udp"), 2, "accepted counted")
    run(body)


@test
def tcp_mixed_framing_and_json_body():
    def body(w):
        c = socket.create_connection(("127.0.0.1", w.tcp_port))
        m1 = b"<13>1 2024-01-12T06:30:00.123+01:00 host1 app 77 - - multi\nline"
        data = (str(len(m1)).encode() + b" " + m1 +
                b"\n<14>Jan 12 06:30:00 host2 cron[1]: plain line\r\n" +
                b'<14>Jan 12 06:30:01 host3 app: @cee:{"summary":"from json","details":{"k":"v"}}\n')
        # split the stream in awkward places: the framer must wait for the rest
        for i in range(0, len(data), 7):
            c.sendall(data[i:i + 7])
        c.close()
        evs = {e["hostname"]: e for _, e in events_when(w, 3)}
        eq(evs["host1"]["summary"], "multi\nline", "octet-counted frame keeps newlines")
        eq(evs["host1"]["utctimestamp"], "2024-01-12T05:30:00.123000+00:00", "offset applied")
        eq(evs["host2"]["summary"], "plain line", "LF framing, CR stripped")
        eq(evs["host3"]["summary"], "from json", "JSON body parsed into the event")
        eq(evs["host3"]["details"]["k"], "v", "JSON details merged")
    run(body)


@test
def tcp_bad_octet_count_is_counted_and_connection_closed():
    def body(w):
        c = socket.create_connection(("127.0.0.1", w.tcp_port))
        c.sendall(b"<14>Jan 12 06:30:00 good app: before\n0123 bogus\n")
        c.settimeout(10)
        eq(c.recv(10), b"", "connection closed by ward")
        c.close()
        evs = events_when(w, 1)
        eq(evs[0][1]["summary"], "before", "good message before the bad frame kept")
        eq(w.metric("ward_events_rejected_total", input="syslog_tcp", reason="parse"), 1,
           "bad frame counted")
    run(body)


@test
def tcp_overlong_line_is_truncated_counted_and_stream_stays_in_sync():
    w = Ward(args=["--set", "syslog.max_message_bytes=480"]).start()
    try:
        c = socket.create_connection(("127.0.0.1", w.tcp_port))
        c.sendall(b"<14>Jan 12 06:30:00 big app: " + b"A" * 1000 + b"\n"
                  b"<14>Jan 12 06:30:01 small app: after\n")
        c.close()
        evs = {e["hostname"]: e for _, e in events_when(w, 2)}
        check(evs["big"]["summary"].startswith("AAAA"), "truncated message kept")
        check(len(evs["big"]["summary"]) < 480, "cut at syslog.max_message_bytes")
        eq(evs["small"]["summary"], "after", "next message intact")
        eq(w.metric("ward_syslog_truncated_total"), 1, "truncation counted")
    finally:
        w.cleanup()


if __name__ == "__main__":
    main()
