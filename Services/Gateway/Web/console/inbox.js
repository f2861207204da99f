// The notifications inbox: the shop's and the person's own, newest first; live from the stream.
import { api } from '/assets/session.js';
import { h, clear, toast } from '/assets/dom.js';
import { dateTime, t } from '/assets/i18n.js';
import { pushSupported, registerWorker, subscribePush } from '/assets/push.js';

export class Inbox {
  constructor(app) {
    this.app = app;
    this.el = document.getElementById('inbox');
    this.items = [];
    const offer = document.getElementById('alerts-on');
    offer.hidden = !pushSupported();
    offer.addEventListener('click', () => this.alerts());
  }

  /**
   * Alerts on this device for what staff must hear with the console closed (Web Push): the
   * console's own worker, this person's subscription. `app.alerts` says how it went.
   */
  async alerts() {
    this.app.alerts = 'asking';
    try {
      this.app.alerts = await subscribePush(await registerWorker('/console/sw.js', '/console/'), api);
    } catch (err) {
      this.app.alerts = 'unavailable: ' + err.message;
    }
    const state = this.app.alerts === 'subscribed' ? 'on' : this.app.alerts === 'denied' ? 'denied' : 'unavailable';
    document.getElementById('alerts-state').textContent = t('alerts.' + state);
    toast(t('alerts.' + state));
  }

  async load() {
    const page = await api('GET', '/v1/notifications?limit=50').catch(() => null);
    this.items = page?.notifications || [];
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
