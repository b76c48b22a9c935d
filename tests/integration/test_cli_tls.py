"""End-to-end tests of the command line (every command has --help, `ward version`,
`ward config`) and of HTTPS ingest with a certificate from openssl."""

import http.client
import json
import os
import shutil
import ssl
import subprocess
import tempfile

from wardtest import WARD, Ward, test, main, eq, check, SkipTest


def run(*args):
    return subprocess.run([WARD] + list(args), capture_output=True, text=True, timeout=30)


@test
def every_command_has_help():
    top = run("--help")
    eq(top.returncode, 0, "ward --help")
    for cmd in ("serve", "gen", "config", "wal", "version"):
        check(cmd in top.stdout, cmd + " listed in ward --help")
        r = run(cmd, "--help")
        eq(r.returncode, 0, "ward %s --help exit status" % cmd)
        check("usage" in r.stdout.lower() or cmd == "version", "usage for " + cmd)
    r = run("nosuchcommand")
    eq(r.returncode, 2, "unknown command")
    check("unknown command" in r.stderr, "message")


@test
def version_and_config_dump():
    r = run("version")
    check(r.stdout.startswith("ward "), "version text")
    r = run("config", "--set", "wal.durability=async")
    eq(r.returncode, 0, "config")
    check("wal.durability: async\n" in r.stdout, "override shown")
    r = run("config", "--set", "wal.durability=sometimes")
    eq(r.returncode, 2, "bad value")
    check("'sometimes' is not one of fsync, async, none" in r.stderr, r.stderr)


@test
def https_ingest_with_configured_certificate():
    if not shutil.which("openssl"):
        raise SkipTest("openssl not installed: cannot make a test certificate")
    tmp = tempfile.mkdtemp(prefix="ward-tls-")
    try:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                        "2", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True, timeout=60)
        w = Ward(args=["--set", "http.tls_cert=" + cert, "--set", "http.tls_key=" + key])
        w.start()
        try:
            check(any("listening http=https://" in l for l in w.log), "https announced")
            ctx = ssl.create_default_context(cafile=cert)
            ctx.check_hostname = False
            c = http.client.HTTPSConnection("127.0.0.1", w.http_port, context=ctx, timeout=10)
            c.request("POST", "/events", json.dumps({"summary": "over tls"}))
            r = c.getresponse()
            eq(r.status, 200, "HTTPS POST /events")
            r.read()
            c.close()
            eq([e["summary"] for _, e in w.events()], ["over tls"], "stored")
            plain = http.client.HTTPConnection("127.0.0.1", w.http_port, timeout=5)
            try:
                plain.request("GET", "/status")
                st = plain.getresponse().status
            except Exception:
                st = None
            check(st != 200, "plain HTTP is not served on the TLS port")
        finally:
            w.cleanup()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
