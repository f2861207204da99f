// The customer's service worker, for the tracking links (scope /t/, which the gateway allows with
// Service-Worker-Allowed): Web Push only — "tell me when the flowers are close" — and a tap opens
// that order's tracking page. It caches nothing: a tracking page is never kept.
importScripts('/assets/push-worker.js');
self.posyPush({ home: '/t/', exact: true });
