// The console's service worker: Web Push only (problems, disputes, assignments not accepted reach
// staff with the console closed), and a tap opens the console. It caches nothing.
importScripts('/assets/push-worker.js');
self.posyPush({ home: '/console/' });
