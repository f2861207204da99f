// The courier app's service worker: the app shell from the cache, so the app opens with no signal;
// the API always from the network (what it says must be current; the outbox keeps what waits).
// A new release is picked up on the next load: the shell is refetched whenever the network answers.
const CACHE = 'posy-courier-v7';
const SHELL = [
  '/courier/', '/courier/courier.js', '/courier/outbox.js', '/courier/courier.css', '/courier/manifest.webmanifest',
  '/assets/posy.css', '/assets/session.js', '/assets/stream.js', '/assets/i18n.js', '/assets/dom.js', '/assets/recorder.js', '/assets/voice.js', '/assets/call.js', '/assets/chat.js',
  '/assets/order.js', '/assets/names.js', '/assets/icon.svg',
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

// Web Push (docs/protocol.md): a push shows its notification — the payload's declarative shape, so a
// new assignment is heard with the screen off — and a tap opens the app, never another site.
self.addEventListener('push', (e) => {
  let n = null;
  try { n = e.data ? e.data.json().notification : null; } catch { n = null; }
  if (!n || typeof n.title !== 'string') return;
  e.waitUntil(self.registration.showNotification(n.title, {
    body: typeof n.body === 'string' ? n.body : '', tag: n.tag, lang: n.lang, data: { navigate: n.navigate },
  }));
});

self.addEventListener('notificationclick', (e) => {
  e.notification.close();
  let target = new URL('/courier/', location.origin);
  try {
    const asked = new URL(e.notification.data?.navigate || '/courier/', location.origin);
    if (asked.origin === location.origin && asked.pathname.startsWith('/courier/')) target = asked;
  } catch { /* the app's own page, then */ }
  e.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((open) => {
    const app = open.find((c) => new URL(c.url).pathname.startsWith('/courier/'));
    return app ? app.focus() : self.clients.openWindow(target.href);
  }));
});
