"""A stand-in trace collector for the telemetry-cost benchmark: accepts OTLP/HTTP exports
(POST /v1/traces, protobuf) and throws them away after counting. The services pay the whole cost
of tracing (spans, batching, serialising, sending); only the collector's own work is left out.

    otlp-sink.py PORT        prints "bodies bytes" on stdout when stopped (SIGTERM)
"""
import http.server
import signal
import sys

received = {'bodies': 0, 'bytes': 0}


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive, as the exporter expects

    def do_POST(self):
        length = int(self.headers.get('Content-Length', 0))
        self.rfile.read(length)
        received['bodies'] += 1
        received['bytes'] += length
        self.send_response(200)
        self.send_header('Content-Type', 'application/x-protobuf')
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


def stop(*_):
    print(f"{received['bodies']} {received['bytes']}", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Sink).serve_forever()
