// The courier's outbox (IndexedDB): everything done without signal — positions, status taps,
// problem reports, chat messages — kept in order and sent when the connection returns. Each item
// carries a stable id the server dedupes on (a fix's time, a report's clientId, a message's
// clientMsgId), so a resend after a lost reply is never applied twice.
import { api, APIError } from '/assets/session.js';

const DB = 'posy-courier';
let db;

function open() {
  if (db) return Promise.resolve(db);
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => {
      r.result.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
      r.result.createObjectStore('refused', { keyPath: 'seq', autoIncrement: true });
    };
    r.onsuccess = () => { db = r.result; resolve(db); };
    r.onerror = () => reject(r.error);
  });
}

function tx(store, mode, fn) {
  return open().then((d) => new Promise((resolve, reject) => {
    const t = d.transaction(store, mode);
    const result = fn(t.objectStore(store));
    t.oncomplete = () => resolve(result?.result ?? result);
    t.onerror = () => reject(t.error);
  }));
}

const all = (store) => tx(store, 'readonly', (s) => s.getAll());

export class Outbox extends EventTarget {
  constructor() {
    super();
    this.draining = false;
    /** The live stream, when open: small runs of positions go as one `loc.batch` frame on it. */
    this.stream = null;
    addEventListener('online', () => this.drain());
  }

  /** Keeps an action: `{kind: 'position', fix}` or `{kind: 'http', method, path, body, label, target?}`. */
  async add(item) {
    await tx('outbox', 'readwrite', (s) => s.add({ ...item, id: item.id || crypto.randomUUID(), queuedAt: Date.now() }));
    this.changed();
    // Positions go at the app's cadence (a timer drains them); what a person did goes now.
    if (item.kind !== 'position') this.drain();
  }

  async pending() { return all('outbox'); }
  async refused() { return all('refused'); }
  async clearRefused() { await tx('refused', 'readwrite', (s) => s.clear()); this.changed(); }

  changed() { this.dispatchEvent(new Event('change')); }

  /** Sends what waits, oldest first: the positions together in one request, then each action in
   *  order. Stops at the first failure to reach the server (tried again later); keeps what the server
   *  refused, with its reason, for the courier to see. */
  async drain() {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        const items = await all('outbox');
        if (!items.length) break;
        const head = items[0];
        if (head.kind === 'position') {
          const run = [];
          for (const it of items) { if (it.kind !== 'position' || run.length >= 5000) break; run.push(it); }
          const positions = run.map((it) => it.fix);
          try {
            // One frame on the stream when it is open and the run fits its 64 KiB; else one request.
            if (this.stream?.ws?.readyState === WebSocket.OPEN && positions.length <= 400) {
              await this.stream.send({ type: 'loc.batch', positions });
            } else {
              await api('POST', '/v1/locations', { positions });
            }
          } catch (e) {
            // Not reached, or refused for a while (rate, session): try again later. Refused for what
            // the fixes are (none could be kept): they never will be; say so and go on.
            const code = e.code;
            if (!code || ['unauthorized', 'rate_limited', 'unavailable', 'timeout', 'internal'].includes(code)) throw e;
            await tx('refused', 'readwrite', (s) => s.add({ kind: 'position', label: run.length + ' positions', reason: e.message, code }));
          }
          await tx('outbox', 'readwrite', (s) => { for (const it of run) s.delete(it.seq); });
        } else {
          try {
            const reply = await api(head.method, head.path, head.body);
            this.dispatchEvent(new CustomEvent('sent', { detail: { item: head, reply } }));
          } catch (e) {
            if (!(e instanceof APIError) || e.status === 401 || e.status === 429 || e.status >= 500) throw e;
            // A status tap the order has already passed (sent before, the reply lost) is done.
            const done = e.code === 'invalid_transition' && head.target && (await this.reached(head));
            if (!done) await tx('refused', 'readwrite', (s) => s.add({ ...head, reason: e.message, code: e.code }));
          }
          await tx('outbox', 'readwrite', (s) => s.delete(head.seq));
        }
        this.changed();
      }
    } catch {
      setTimeout(() => this.drain(), 3000 + Math.random() * 2000);
    } finally {
      this.draining = false;
      this.changed();
    }
  }

  async reached(item) {
    const o = await api('GET', '/v1/orders/' + encodeURIComponent(item.orderId)).catch(() => null);
    const order = ['accepted', 'pickedUp', 'outForDelivery', 'arriving', 'delivered', 'completed'];
    return !!o && order.indexOf(o.state) >= order.indexOf(item.target);
  }
}
