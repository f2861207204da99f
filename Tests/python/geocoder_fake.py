"""A local fake of the geocoders posy-gateway's address search speaks, standard library only.

usage: geocoder_fake.py PORT

GET /search?q=...            Nominatim's jsonv2 answer (WGS-84); q containing "slow" answers after
                             8 s, "boom" 500, "junk" a non-JSON 200, "busy" 429
GET /v3/geocode/geo?key=&address=   AMap's answer (GCJ-02); a key other than testkey123 is refused
                             the way AMap refuses one (status "0", INVALID_USER_KEY)
GET /log                     every geocoding request received: path, query, time
"""
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
received = []


class HTTP(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/log":
            with lock:
                return self.reply(200, received)
        with lock:
            received.append({"path": url.path, "query": query, "at": time.time(), "agent": self.headers.get("User-Agent")})
        if url.path == "/search":
            q = query.get("q", "")
            if "slow" in q:
                time.sleep(8)
            if "boom" in q:
                return self.reply(500, {"error": "boom"})
            if "junk" in q:
                return self.reply(200, b"<html>not json</html>", "text/html")
            if "busy" in q:
                return self.reply(429, {"error": "slow down"})
            if "Garden" in q:
                return self.reply(200, [
                    {"display_name": "12 Garden Rd, Xuhui, Shanghai", "lat": "31.2051", "lon": "121.4737", "type": "house"},
                    {"display_name": "Garden Rd, Xuhui, Shanghai", "lat": "31.2049", "lon": "121.4731", "type": "street"},
                ])
            return self.reply(200, [
                {"display_name": "88 Xinhua Road, Changning, Shanghai, China", "lat": "31.2100", "lon": "121.4300", "type": "house"},
                {"display_name": "Xinhua Road, Changning, Shanghai, China", "lat": "31.2095", "lon": "121.4290", "type": "street"},
            ])
        if url.path == "/v3/geocode/geo":
            if query.get("key") != "testkey123":
                return self.reply(200, {"status": "0", "info": "INVALID_USER_KEY", "infocode": "10001"})
            return self.reply(200, {"status": "1", "info": "OK", "count": "1", "geocodes": [
                {"formatted_address": "上海市长宁区新华路88号", "location": "121.434440,31.208012", "level": "门牌号"}]})
        self.reply(404, {"error": "no such path"})


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), HTTP).serve_forever()
