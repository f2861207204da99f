// The live stream (docs/protocol.md, "Stream frames"): one WebSocket that resumes from the last
// event id after any break, with backoff and jitter; the token travels as a subprotocol, never in
// the URL. Emits 'state' ('live' | 'offline' | 'ended'), 'open' (the `stream.open` frame: what the
// server asks of this client, e.g. a courier's `positionCadenceMs`), 'event' (durable events), 'push', 'reset'.
import { refresh, session } from './session.js';
import { Frame } from './names.js';

export class LiveStream extends EventTarget {
  /** `link`: a fixed token (a customer's tracking link) instead of the signed-in person's session. */
  constructor({ link = null } = {}) {
    super();
    this.link = link;
    this.lastId = null;
    this.attempt = 0;
    this.ws = null;
    this.stopped = false;
    this.pending = new Map();
    this.refs = 0;
    addEventListener('online', () => this.kick());
    // The device says it lost its network: say so now and reconnect when it is back, instead of
    // waiting for a dead socket to time out.
    addEventListener('offline', () => this.ws?.close());
  }

  start() { this.stopped = false; this.connect(); }

  stop() { this.stopped = true; this.ws?.close(1000); }

  kick() { if (!this.ws && !this.stopped) { clearTimeout(this.retryTimer); this.connect(); } }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  async connect() {
    if (this.stopped || this.ws) return;
    let s = this.link ? { accessToken: this.link, expiresAt: '9999-12-31T00:00:00Z' } : session();
    if (!s || Date.parse(s.expiresAt) - Date.now() < 30_000) {
      // A refresh that fails to reach the gateway is a break like any other; only a refused one ends the session.
      try { s = await refresh(); } catch { this.emit('state', 'offline'); this.retry(); return; }
    }
    if (!s) { this.emit('state', 'ended'); return; }
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = proto + '//' + location.host + '/v1/stream' + (this.lastId ? '?after=' + encodeURIComponent(this.lastId) : '');
    let ws;
    try { ws = new WebSocket(url, ['posy.v1', 'posy.bearer.' + s.accessToken]); } catch { this.retry(); return; }
    this.ws = ws;
    ws.onmessage = (m) => this.receive(m.data);
    ws.onclose = (e) => {
      this.ws = null;
      for (const p of this.pending.values()) p.reject(new Error('disconnected'));
      this.pending.clear();
      if (this.stopped) return;
      if (e.code === 4003) { this.emit('state', 'ended'); return; }
      this.emit('state', 'offline');
      if (e.code === 4001) {
        // A link's token does not renew: its end is the page's end.
        if (this.link) { this.emit('state', 'ended'); return; }
        refresh().catch(() => {}).finally(() => this.connect());
        return;
      }
      this.retry();
    };
  }

  retry() {
    if (this.stopped) return;
    // Exponential backoff, 0.5 s to 15 s, with full jitter so a restarted gateway is not stormed.
    const cap = Math.min(15_000, 500 * 2 ** this.attempt++);
    this.retryTimer = setTimeout(() => this.connect(), cap / 2 + Math.random() * cap / 2);
  }

  receive(text) {
    let f;
    try { f = JSON.parse(text); } catch { return; }
    if (f.type === Frame.open) {
      this.attempt = 0;
      if (f.id) this.lastId = f.id;
      this.emit('open', f);
      this.emit('state', 'live');
      return;
    }
    if (f.type === Frame.reply) {
      const p = this.pending.get(f.ref);
      if (p) { this.pending.delete(f.ref); f.ok ? p.resolve(f.data) : p.reject(Object.assign(new Error(f.error?.message), { code: f.error?.code })); }
      return;
    }
    if (f.type === Frame.reset) { if (f.id) this.lastId = f.id; this.emit('reset', f); return; }
    if (f.id && f.src) { this.lastId = f.id; this.emit('event', f); return; }
    this.emit('push', f);
  }

  /** Sends a client frame; resolves with its reply's data. */
  send(frame) {
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) { reject(new Error('offline')); return; }
      const ref = 'r' + (++this.refs);
      this.pending.set(ref, { resolve, reject });
      this.ws.send(JSON.stringify({ ...frame, ref }));
    });
  }
}
