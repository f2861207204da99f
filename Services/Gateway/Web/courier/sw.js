// The courier app's service worker: the app shell from the cache, so the app opens with no signal;
// the API always from the network (what it says must be current; the outbox keeps what waits).
// A new release is picked up on the next load: the shell is refetched whenever the network answers.
const CACHE = 'posy-courier-v12';
const SHELL = [
  '/courier/', '/courier/courier.js', '/courier/outbox.js', '/courier/navigate.js', '/assets/coords.js', '/courier/courier.css', '/courier/manifest.webmanifest',
  '/assets/posy.css', '/assets/session.js', '/assets/stream.js', '/assets/i18n.js', '/assets/dom.js', '/assets/recorder.js', '/assets/voice.js', '/assets/call.js', '/assets/chat.js',
  '/assets/order.js', '/assets/names.js', '/assets/push.js', '/assets/icon.svg',
  '/assets/i18n/en.json', '/assets/i18n/zh-CN.json',
];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== location.origin || !SHELL.includes(url.pathname)) return;
  // Network first (fresh when there is signal), the cached copy when there is none.
  e.respondWith(fetch(e.request).then((r) => {
    if (r.ok) { const copy = r.clone(); caches.open(CACHE).then((c) => c.put(url.pathname, copy)); }
    return r;
  }).catch(() => caches.match(url.pathname)));
});

// Web Push (docs/protocol.md): a push shows its notification, so a new assignment is heard with the
// screen off, and a tap opens its task. "Accept" on a new assignment's notification is queued in the
// app's outbox first — the same IndexedDB the app sends from, in order and again after a lost reply —
// so it is kept with no signal and sent when the app runs.
importScripts('/assets/push-worker.js');
self.posyPush({ home: '/courier/', actions: { accept: (data) => queueAccept(data.orderId, data.labels?.accept || 'Accept') } });

/** The outbox item the app's own Accept makes (`tap` in courier.js), naming the tap rather than the
 *  state it leads to (outbox.js knows the states). */
function queueAccept(orderId, label) {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open('posy-courier', 2);
    r.onupgradeneeded = () => {
      const names = r.result.objectStoreNames;
      if (!names.contains('outbox')) r.result.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
      if (!names.contains('refused')) r.result.createObjectStore('refused', { keyPath: 'seq', autoIncrement: true });
      if (!names.contains('kept')) r.result.createObjectStore('kept');
    };
    r.onerror = () => reject(r.error);
    r.onsuccess = () => {
      const t = r.result.transaction('outbox', 'readwrite');
      t.objectStore('outbox').add({
        kind: 'http', method: 'POST', path: '/v1/orders/' + encodeURIComponent(orderId) + '/accept', body: {}, label,
        tap: 'accept', orderId, id: crypto.randomUUID(), queuedAt: Date.now(),
      });
      t.oncomplete = () => { r.result.close(); resolve(); };
      t.onerror = () => reject(t.error);
    };
  });
}
