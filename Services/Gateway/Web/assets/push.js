// A face's service worker and its Web Push subscription (docs/operations.md, "Web Push").
//
// The faces' CSP requires Trusted Types (docs/architecture.md, "Web faces"): a worker's script URL
// goes through a policy that knows only the face's own worker.

let policy;

/** Registers the face's worker `url` for `scope`; resolves with the registration (null where there are none). */
export function registerWorker(url, scope) {
  if (!('serviceWorker' in navigator)) return Promise.resolve(null);
  policy ??= window.trustedTypes?.createPolicy('posy-worker', { createScriptURL: (u) => (u === url ? u : null) });
  return navigator.serviceWorker.register(policy ? policy.createScriptURL(url) : url, { scope }).catch(() => null);
}

/** Whether this browser can be reached with the page closed. */
export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/**
 * Asks (once: the browser remembers the answer), subscribes this device with the suite's key
 * (`GET /v1/push/key`) and hands the subscription to posy-notify (`POST /v1/push/subscriptions`)
 * through the face's own `api` (a session or a tracking link). Resolves `subscribed`, `denied` or
 * `unsupported`; rejects when no push service answers within 10 s (a browser without one).
 */
export async function subscribePush(registration, api) {
  if (!pushSupported() || !registration) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  if (Notification.permission === 'default' && await Notification.requestPermission() !== 'granted') return 'denied';
  let subscription = await registration.pushManager.getSubscription();
  if (!subscription) {
    const { publicKey } = await api('GET', '/v1/push/key');
    const key = Uint8Array.from(atob(publicKey.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    subscription = await Promise.race([
      registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
      new Promise((_, no) => setTimeout(() => no(new Error('no push service answered')), 10000)),
    ]);
  }
  await api('POST', '/v1/push/subscriptions', subscription.toJSON());
  return 'subscribed';
}
