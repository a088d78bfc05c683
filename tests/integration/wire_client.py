"""wire_client.py — a tiny exsim client for integration tests: the wire
protocol of proto/wire.proto (4-byte big-endian length, one packed Frame)
with a hand-written protobuf encoder, so it needs nothing but python3."""
import socket, struct, time

def varint(v):
    if v < 0: v += 1 << 64
    out = bytearray()
    while True:
        b = v & 0x7f; v >>= 7
        if v: out.append(b | 0x80)
        else: out.append(b); return bytes(out)

def field_varint(n, v): return varint(n << 3) + varint(v) if v else b""
def field_bytes(n, b):
    if isinstance(b, str): b = b.encode()
    return varint(n << 3 | 2) + varint(len(b)) + b

def msg(fields):  # (num, value): str/bytes -> length-delimited, int -> varint
    out = b""
    for n, v in fields:
        if isinstance(v, (bytes, str)): out += field_bytes(n, v)
        else: out += field_varint(n, v)
    return out

BODY = {"md_subscribe":1,"md_tick":2,"heartbeat":3,"error":4,"logon":5,"logon_ack":6,"new_order":7,"cancel_order":8,"exec_report":9}
NAME = {v:k for k,v in BODY.items()}
def frame(kind, inner):
    body = field_bytes(BODY[kind], inner)
    return struct.pack(">I", len(body)) + body

def rvarint(b, i):
    s = 0; v = 0
    while True:
        x = b[i]; i += 1; v |= (x & 0x7f) << s; s += 7
        if not x & 0x80: return v, i
def parse(buf):
    d = {}; i = 0
    while i < len(buf):
        key, i = rvarint(buf, i); n, wt = key >> 3, key & 7
        if wt == 0: v, i = rvarint(buf, i)
        elif wt == 2:
            l, i = rvarint(buf, i); v = buf[i:i+l]; i += l
        else: raise ValueError("wire type %d" % wt)
        d.setdefault(n, []).append(v)
    return d
def s64(v): return v - (1 << 64) if v >= 1 << 63 else v

TICK = {1:"seq",2:"symbol",3:"bid",4:"ask",5:"last",6:"size",7:"exch_time_ns"}
ER = {1:"session_seq",2:"client_order_id",3:"kind",4:"symbol",5:"side",6:"price",7:"qty",8:"cum_qty",9:"leaves",10:"fill_price",11:"reason",12:"exch_time_ns"}
KINDS = {1:"ACK",2:"REJECT",3:"PARTIAL_FILL",4:"FILL",5:"CANCEL_ACK",6:"CANCEL_REJECT"}
def decode_inner(kind, b):
    names = {"md_tick":TICK,"exec_report":ER,"error":{1:"code",2:"text"},"logon_ack":{1:"next_seq"},"heartbeat":{1:"time_ns"}}.get(kind, {})
    out = {}
    for n, vs in parse(b).items():
        v = vs[-1]
        out[names.get(n, n)] = v.decode() if isinstance(v, bytes) else s64(v)
    for k in names.values():
        out.setdefault(k, "" if k in ("symbol","reason","text") else 0)
    if kind == "exec_report": out["kind"] = KINDS.get(out["kind"], out["kind"])
    return out

class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port)); self.buf = b""; self.eof = False
    def send(self, data): self.s.sendall(data)
    def recv(self, timeout=10.0):
        """the next (kind, dict), None on EOF; raises on timeout"""
        end = time.time() + timeout
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack(">I", self.buf[:4])[0]
                if len(self.buf) >= 4 + n:
                    body = self.buf[4:4+n]; self.buf = self.buf[4+n:]
                    (num, vals), = parse(body).items()
                    return NAME[num], decode_inner(NAME[num], vals[-1])
            if self.eof: return None
            self.s.settimeout(max(0.01, end - time.time()))
            try: chunk = self.s.recv(65536)
            except socket.timeout: raise TimeoutError("no frame in %.1fs" % timeout)
            if not chunk: self.eof = True
            self.buf += chunk
    def close(self): self.s.close()

def subscribe(syms, from_seq=0):
    return frame("md_subscribe", b"".join(field_bytes(1, s) for s in syms) + field_varint(2, from_seq))
def logon(acct, last=0): return frame("logon", msg([(1, acct), (2, last)]))
def new_order(coid, sym, side, typ, price, qty, tif):
    return frame("new_order", msg([(1,coid),(2,sym),(3,side),(4,typ),(5,price),(6,qty),(7,tif)]))
def cancel(coid): return frame("cancel_order", msg([(1, coid)]))
BUY, SELL, LIMIT, MARKET, GTC, IOC = 1, 2, 1, 2, 1, 2
