// The notifications inbox: the shop's and the person's own, newest first; live from the stream.
import { api } from '/assets/session.js';
import { h, clear } from '/assets/dom.js';
import { dateTime } from '/assets/i18n.js';

export class Inbox {
  constructor(app) { this.app = app; this.el = document.getElementById('inbox'); this.items = []; }

  async load() {
    const page = await api('GET', '/v1/notifications?limit=50').catch(() => null);
    this.items = page?.items || page || [];
    this.render();
  }

  push(n) { this.items.unshift(n); this.render(); }

  render() {
    clear(this.el);
    for (const n of this.items) {
      this.el.append(h('li', { class: n.readAt ? 'muted' : '' }, h('strong', {}, n.title || n.event || ''), ' ', n.body || '', ' ',
        h('time', { datetime: n.createdAt || n.at }, dateTime(n.createdAt || n.at, this.app.zone)),
        !n.readAt && n.id ? h('button', { type: 'button', class: 'quiet', onclick: async () => { await api('POST', '/v1/notifications/' + n.id + '/read', {}); n.readAt = new Date().toISOString(); this.render(); } }, '✓') : null));
    }
  }
}
