// Web Push in the faces' service workers (docs/architecture.md, "Web faces"), loaded with
// importScripts: a push shows its notification from the payload's declarative shape
// (docs/protocol.md, "Web Push"), and a tap opens what it names — a page of this face only (`home`),
// never another site. `actions` are the notification buttons this face handles, by name: each is
// run with the notification's data before the page is told or opened.
self.posyPush = ({ home, exact = false, actions = {} }) => {
  self.addEventListener('push', (e) => {
    let n = null;
    try { n = e.data ? e.data.json().notification : null; } catch { n = null; }
    if (!n || typeof n.title !== 'string') return;
    const orderId = typeof n.data?.orderId === 'string' ? n.data.orderId : null;
    const buttons = (Array.isArray(n.actions) ? n.actions : [])
      .filter((a) => a && Object.hasOwn(actions, a.action) && typeof a.title === 'string' && orderId)
      .map((a) => ({ action: a.action, title: a.title }));
    e.waitUntil(self.registration.showNotification(n.title, {
      body: typeof n.body === 'string' ? n.body : '', tag: n.tag, lang: n.lang, actions: buttons,
      data: { navigate: n.navigate, orderId, labels: Object.fromEntries(buttons.map((b) => [b.action, b.title])) },
    }));
  });

  self.addEventListener('notificationclick', (e) => e.waitUntil(tapped(e.notification, e.action)));

  async function tapped(notification, action) {
    notification.close();
    const data = notification.data || {};
    let target = new URL(home, location.origin);
    try {
      const asked = new URL(data.navigate || home, location.origin);
      if (asked.origin === location.origin && asked.pathname.startsWith(home)) target = asked;
    } catch { /* the face's own page, then */ }
    const handler = Object.hasOwn(actions, action) && data.orderId ? actions[action] : null;
    if (handler) await handler(data);
    const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const same = (c) => { const u = new URL(c.url); return exact ? u.pathname === target.pathname : u.pathname.startsWith(home); };
    const page = open.find(same);
    if (!page) return self.clients.openWindow(target.href);
    page.postMessage({ type: 'posy.notification', orderId: data.orderId ?? null, action: handler ? action : null });
    return page.focus().catch(() => page);
  }
};
