// The courier's outbox (IndexedDB): everything done without signal — positions, status taps,
// problem reports, chat and voice messages, proof photos — kept in order and sent when the
// connection returns. Each item carries a stable id the server dedupes on (a fix's time, a report's
// clientId, a message's clientMsgId; a proof is once per order), so a resend after a lost reply is
// never applied twice. An item with a file uploads it first and keeps the media id it got, so a
// retry never uploads it again. The same database keeps the last known orders (`kept`), so the app
// opens with its tasks where there is no signal.
import { api, APIError, refresh } from '/assets/session.js';
import { State, reached } from '/assets/order.js';
import { Frame } from '/assets/names.js';

const DB = 'posy-courier';
/** Where a tap queued by the service worker (sw.js, which has no module to ask) leads. */
const tapTargets = { accept: State.accepted };
let db;

function open() {
  if (db) return Promise.resolve(db);
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 2);
    r.onupgradeneeded = () => {
      const names = r.result.objectStoreNames;
      if (!names.contains('outbox')) r.result.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
      if (!names.contains('refused')) r.result.createObjectStore('refused', { keyPath: 'seq', autoIncrement: true });
      if (!names.contains('kept')) r.result.createObjectStore('kept');
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

/** What the app last knew (orders, the courier's record, the shop), for opening without signal. */
export const kept = {
  get: (key) => tx('kept', 'readonly', (s) => s.get(key)),
  put: (key, value) => tx('kept', 'readwrite', (s) => s.put(value, key)),
  clear: () => tx('kept', 'readwrite', (s) => s.clear()),
};

/** Uploads a file for the order (`POST /v1/media`) with progress; resolves with the media record.
 *  Errors carry the server's code, like `api`'s. */
export function upload(blob, orderId, progress) {
  return refresh().then((s) => new Promise((resolve, reject) => {
    if (!s) { reject(new APIError(401, { code: 'unauthorized', message: 'signed out' })); return; }
    const x = new XMLHttpRequest();
    x.open('POST', '/v1/media?orderId=' + encodeURIComponent(orderId));
    x.setRequestHeader('Authorization', 'Bearer ' + s.accessToken);
    x.setRequestHeader('Content-Type', blob.type || 'application/octet-stream');
    x.upload.onprogress = (e) => progress?.(e.loaded / (e.total || 1));
    x.onload = () => {
      let body = null;
      try { body = JSON.parse(x.responseText); } catch { /* not JSON: a proxy's page */ }
      if (x.status === 201 && body) resolve(body); else reject(new APIError(x.status, body));
    };
    x.onerror = () => reject(new Error('network'));
    x.send(blob);
  }));
}

/** Errors worth waiting out (the item is tried again later) rather than showing as refused. */
function transient(e) {
  return !(e instanceof APIError) || e.status === 401 || e.status === 408 || e.status === 429 || e.status >= 500;
}

export class Outbox extends EventTarget {
  constructor() {
    super();
    this.draining = false;
    /** The live stream, when open: small runs of positions go as one `loc.batch` frame on it. */
    this.stream = null;
    addEventListener('online', () => this.drain());
  }

  /** Keeps an action: `{kind: 'position', fix}` or `{kind: 'http', method, path, body, label,
   *  target?, orderId?, file?: {blob, field, many?}}` — with a `file`, the blob is uploaded for the
   *  order first and its media id set in `body[field]` (a list when `many`). Resolves with its id. */
  async add(item) {
    const id = item.id || crypto.randomUUID();
    await tx('outbox', 'readwrite', (s) => s.add({ ...item, id, queuedAt: Date.now() }));
    this.changed();
    // Positions go at the server's cadence (a timer drains them); what a person did goes now.
    if (item.kind !== 'position') this.drain();
    return id;
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
              await this.stream.send({ type: Frame.locations, positions });
            } else {
              await api('POST', '/v1/locations', { positions });
            }
            this.dispatchEvent(new CustomEvent('positions', { detail: { count: run.length } }));
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
            const body = await this.attach(head);
            const reply = await api(head.method, head.path, body);
            this.dispatchEvent(new CustomEvent('sent', { detail: { item: head, reply } }));
          } catch (e) {
            if (transient(e)) throw e;
            // A tap the order has already passed (sent before, the reply lost) is done.
            const target = head.target ?? tapTargets[head.tap];
            const done = target && ['invalid_transition', 'not_found'].includes(e.code) && (await this.reached({ ...head, target }));
            if (done) {
              this.dispatchEvent(new CustomEvent('sent', { detail: { item: head, reply: null } }));
            } else {
              await tx('refused', 'readwrite', (s) => s.add({ ...head, file: undefined, reason: e.message, code: e.code }));
              this.dispatchEvent(new CustomEvent('refused', { detail: { item: head, reason: e.message, code: e.code } }));
            }
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

  /** The item's body with its file uploaded (once: the media id is kept with the item). */
  async attach(item) {
    if (!item.file) return item.body;
    if (!item.mediaId) {
      const progress = (p) => this.dispatchEvent(new CustomEvent('progress', { detail: { id: item.id, progress: p } }));
      const media = await upload(item.file.blob, item.orderId, progress);
      item.mediaId = media.id;
      await tx('outbox', 'readwrite', (s) => s.put(item));
    }
    return { ...item.body, [item.file.field]: item.file.many ? [item.mediaId] : item.mediaId };
  }

  /** Whether the order is already where the tap would take it. */
  async reached(item) {
    let o;
    try { o = await api('GET', '/v1/orders/' + encodeURIComponent(item.orderId)); } catch (e) {
      // Declined: the order is no longer the courier's to see.
      return item.target === State.confirmed && e.code === 'not_found';
    }
    if (item.target === State.confirmed) return o.state === State.confirmed;
    return reached(o.state, item.target);
  }
}
