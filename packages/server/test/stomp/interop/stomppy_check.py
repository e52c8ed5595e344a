"""Interop check: stomp.py (Debian python3-stomp) against a Sockwire STOMP server.

Usage: stomppy_check.py tcp HOST PORT | ws URL
Prints one line per check and exits 0 when all passed. Over WebSocket it uses a small transport of its own
on websocket-client, because stomp.py 8.0 has none (8.1 added one).
"""
import json
import queue
import sys
import time
import traceback
import uuid

import stomp
import websocket
from stomp.transport import BaseTransport


class WebSocketTransport(BaseTransport):
    """stomp.py's transport contract over one WebSocket: text frames out, whatever arrives in."""

    def __init__(self, url):
        BaseTransport.__init__(self)
        self.url = url
        self.socket = None
        self.vhost = None

    def attempt_connection(self):
        self.socket = websocket.create_connection(self.url, subprotocols=["v12.stomp", "v11.stomp", "v10.stomp"])
        # Protocol12.connect names this host in its CONNECT `host` header.
        self.current_host_and_port = (self.url.split("/")[2].rsplit(":", 1)[0], 0)

    def is_connected(self):
        return self.socket is not None and self.socket.connected

    def send(self, encoded_frame):
        self.socket.send(encoded_frame.decode("utf-8"))

    def receive(self):
        try:
            data = self.socket.recv()
        except (websocket.WebSocketConnectionClosedException, OSError):
            return b""
        return data.encode("utf-8") if isinstance(data, str) else data

    def disconnect_socket(self):
        self.running = False
        if self.socket is not None:
            self.socket.close()

    def cleanup(self):
        self.socket = None


class WebSocketConnection12(stomp.connect.BaseConnection, stomp.protocol.Protocol12):
    def __init__(self, url, heartbeats=(0, 0)):
        transport = WebSocketTransport(url)
        stomp.connect.BaseConnection.__init__(self, transport)
        stomp.protocol.Protocol12.__init__(self, transport, heartbeats)

    def connect(self, *args, **kwargs):
        self.transport.start()
        stomp.protocol.Protocol12.connect(self, *args, **kwargs)

    def disconnect(self, receipt=None, headers=None, **keyword_headers):
        stomp.protocol.Protocol12.disconnect(self, receipt, headers, **keyword_headers)
        if receipt is not None:
            self.transport.stop()


class Collector(stomp.ConnectionListener):
    """Everything the server sends, in order, for the checks to wait on."""

    def __init__(self):
        self.frames = queue.Queue()
        self.heartbeats = 0

    def on_message(self, frame):
        self.frames.put(("MESSAGE", frame.headers, frame.body))

    def on_receipt(self, frame):
        self.frames.put(("RECEIPT", frame.headers, frame.body))

    def on_error(self, frame):
        self.frames.put(("ERROR", frame.headers, frame.body))

    def on_heartbeat(self):
        self.heartbeats += 1

    def next(self, command, timeout=3.0):
        kind, headers, body = self.frames.get(timeout=timeout)
        if kind != command:
            raise AssertionError("expected %s, got %s %r %r" % (command, kind, headers, body))
        return headers, body


def open_connection(mode, target, heartbeats=(0, 0)):
    if mode == "tcp":
        host, port = target
        conn = stomp.Connection12([(host, int(port))], heartbeats=heartbeats, auto_content_length=True)
    else:
        conn = WebSocketConnection12(target[0], heartbeats=heartbeats)
    listener = Collector()
    conn.set_listener("collector", listener)
    conn.connect("guest", "guest", wait=True, headers={"host": "/"})
    return conn, listener


def main():
    mode, target = sys.argv[1], sys.argv[2:]
    ns = uuid.uuid4().hex[:8]
    results = []

    def check(name, fn):
        try:
            fn()
            results.append((name, True, ""))
        except Exception as error:  # every failure is reported, none stops the others
            traceback.print_exc()
            results.append((name, False, "%s: %s" % (type(error).__name__, error)))

    def pubsub():
        conn, got = open_connection(mode, target)
        conn.subscribe("/topic/py-%s" % ns, id="s1", headers={"receipt": "sub"})
        got.next("RECEIPT")
        conn.send("/topic/py-%s" % ns, "héllo wörld", headers={"x-note": "a:b\nc\\d"})
        headers, body = got.next("MESSAGE")
        assert body == "héllo wörld", body
        assert headers["x-note"] == "a:b\nc\\d", headers
        assert headers["subscription"] == "s1" and headers["message-id"], headers
        conn.disconnect(receipt="bye")

    def acks_and_nack():
        conn, got = open_connection(mode, target)
        conn.subscribe("/queue/py-%s" % ns, id="q", ack="client-individual", headers={"receipt": "sub"})
        got.next("RECEIPT")
        conn.send("/queue/py-%s" % ns, "m1")
        headers, body = got.next("MESSAGE")
        conn.nack(headers["ack"])
        headers, body = got.next("MESSAGE")
        assert body == "m1" and headers.get("redelivered") == "true", headers
        conn.ack(headers["ack"], receipt="acked")
        got.next("RECEIPT")
        conn.disconnect(receipt="bye")

    def transaction():
        conn, got = open_connection(mode, target)
        conn.subscribe("/topic/tx-%s" % ns, id="t", headers={"receipt": "sub"})
        got.next("RECEIPT")
        tx = conn.begin()
        conn.send("/topic/tx-%s" % ns, "held", transaction=tx)
        conn.send("/topic/tx-%s" % ns, "direct")
        assert got.next("MESSAGE")[1] == "direct"
        conn.commit(tx)
        assert got.next("MESSAGE")[1] == "held"
        conn.disconnect(receipt="bye")

    def heartbeats():
        conn, got = open_connection(mode, target, heartbeats=(500, 500))
        time.sleep(2.5)
        assert conn.is_connected(), "dropped while heart-beating"
        assert got.heartbeats > 0, "no heart-beat from the server"
        conn.disconnect(receipt="bye")

    def error_frame():
        conn, got = open_connection(mode, target)
        conn.unsubscribe("never-subscribed", headers={"receipt": "bad"})
        headers, body = got.next("ERROR")
        assert headers["message"] == "Unknown subscription" and headers["receipt-id"] == "bad", headers
        time.sleep(0.3)
        assert not conn.is_connected(), "still connected after ERROR"

    check("publish/subscribe with UTF-8 and escaped headers", pubsub)
    check("client-individual ACK, NACK redelivery", acks_and_nack)
    check("transaction held until COMMIT", transaction)
    check("heart-beats both ways (500 ms)", heartbeats)
    check("ERROR with receipt-id, then close", error_frame)
    for name, ok, why in results:
        print(json.dumps({"check": name, "ok": ok, "error": why}))
    sys.exit(0 if all(ok for _, ok, _ in results) else 1)


if __name__ == "__main__":
    main()
