// Settings: couriers (add, invite, duty), people (invite, remove), API keys, where the shop is, how
// long it keeps customers' data, notifications and webhooks. Only managers see people, keys, the
// shop's place and its retention; posy-orders refuses them to anyone else anyway.
import { api } from '/assets/session.js';
import { h, clear, toast } from '/assets/dom.js';
import { t, dateTime } from '/assets/i18n.js';
import { AddressSearch, pinMap } from './address.js';

const scopes = ['orders:read', 'orders:write', 'webhooks'];

export class Settings {
  constructor(app) { this.app = app; this.el = document.getElementById('settings'); this.people = []; this.keys = []; this.hooks = []; }

  get shop() { return encodeURIComponent(this.app.shop.id); }

  /** Fetches what the settings show, then draws `only` those sections (all when none are named):
   * an action redraws the sections it changed and leaves the rest — an address half typed, a key
   * shown once — as they are. */
  async load(...only) {
    await this.app.loadCouriers();
    if (this.app.manager) {
      [this.people, this.keys] = await Promise.all([api('GET', '/v1/shops/' + this.shop + '/people'), api('GET', '/v1/shops/' + this.shop + '/api-keys')]);
    }
    this.hooks = await api('GET', '/v1/webhooks?shopId=' + this.shop).catch(() => []);
    this.notify = await api('GET', '/v1/shops/' + this.shop + '/notify-settings').catch(() => null);
    if (this.app.manager && !this.retention) this.retention = await api('GET', '/v1/privacy/retention').catch(() => []);
    this.render(...only);
  }

  /** The sections in page order, each by the name an action redraws it with. */
  builders() {
    const all = { couriers: () => this.couriers() };
    if (this.app.manager) {
      Object.assign(all, { people: () => this.peopleSection(), keys: () => this.keySection(), location: () => this.locationSection(), privacy: () => this.privacySection() });
    }
    return Object.assign(all, { notify: () => this.notifySection(), hooks: () => this.hookSection() });
  }

  render(...only) {
    if (!this.app.shop) return;
    const builders = this.builders();
    const names = Object.keys(builders);
    const drawn = this.parts && names.every((n) => this.parts[n]?.isConnected);
    if (only.length && drawn) {
      for (const name of only.filter((n) => builders[n])) {
        const next = builders[name]();
        this.parts[name].replaceWith(next);
        this.parts[name] = next;
      }
      return;
    }
    clear(this.el);
    this.parts = {};
    for (const name of names) this.el.append(this.parts[name] = builders[name]());
  }

  section(title, ...children) { return h('section', { class: 'settings-section' }, h('h2', {}, title), ...children); }

  showLink(invite) {
    const out = h('p', { class: 'invite' }, t('settings.linkFor', { name: invite.person.name }), ' ',
      h('input', { readonly: true, value: invite.link, 'aria-label': t('settings.link'), class: 'link-field' }));
    this.el.prepend(out);
    out.querySelector('input').select();
  }

  couriers() {
    const name = h('input', { required: true, 'aria-label': t('settings.courierName'), placeholder: t('settings.courierName') });
    const phone = h('input', { type: 'tel', required: true, 'aria-label': t('settings.courierPhone'), placeholder: t('settings.courierPhone') });
    const vehicle = h('select', { 'aria-label': t('settings.vehicle') }, ['ebike', 'bike', 'foot', 'car', 'van'].map((v) => h('option', { value: v }, t('vehicle.' + v))));
    const add = h('form', { class: 'inline', onsubmit: async (e) => {
      e.preventDefault();
      try { await api('POST', '/v1/shops/' + this.shop + '/couriers', { name: name.value, phone: phone.value, vehicle: vehicle.value }); await this.load('couriers'); } catch (err) { toast(err.message); }
    } }, name, phone, vehicle, h('button', { type: 'submit' }, t('settings.addCourier')));
    return this.section(t('settings.couriers'), h('ul', { class: 'list' }, [...this.app.couriers.values()].map((c) => h('li', { dataset: { courier: c.id } },
      h('strong', {}, c.name), ' ', h('span', { class: 'muted' }, c.phone + ' · ' + t('vehicle.' + c.vehicle)), ' ',
      h('button', { type: 'button', onclick: async () => { try { await api('POST', '/v1/couriers/' + c.id + '/duty', { onDuty: !c.onDuty }); await this.load('couriers'); } catch (e) { toast(e.message); } } },
        c.onDuty ? t('settings.setOffDuty') : t('settings.setOnDuty')),
      this.app.manager ? h('button', { type: 'button', onclick: () => this.invite('courier', c.name, c.id) }, t('settings.inviteCourier')) : null))), add);
  }

  /** Where the shop is: its address found as the manager types, the pin dragged to its door (managers). */
  locationSection() {
    const shop = this.app.shop;
    let point = [shop.lat, shop.lon];
    const input = h('input', { name: 'shop-address', value: shop.address || '', autocomplete: 'off', 'aria-label': t('settings.shopAddress') });
    const list = h('ul', { id: 'shop-address-candidates', class: 'candidates', role: 'listbox', hidden: true });
    const mapEl = h('div', { class: 'pick-map', hidden: true, role: 'application', 'aria-label': t('form.pickHint') });
    let picker = null;
    const move = (p) => { point = p; };
    const search = new AddressSearch(input, list, () => shop.id, async (c) => {
      point = [c.lat, c.lon];
      picker ??= await pinMap(mapEl, point, move, { title: t('settings.shopAddress') });
      picker?.refresh(point);
    });
    const form = h('form', { class: 'stack', dataset: { section: 'location' }, onsubmit: async (e) => {
      e.preventDefault();
      try {
        this.app.shop = await api('PUT', '/v1/shops/' + this.shop + '/location', { address: input.value.trim(), lat: point[0], lon: point[1] });
        search.show([]);
        toast(t('settings.saved'));
      } catch (err) { toast(err.message); }
    } }, h('label', {}, t('settings.shopAddress'), input), list,
      h('button', { type: 'button', onclick: async () => { picker ??= await pinMap(mapEl, point, move, { title: t('settings.shopAddress') }); picker?.refresh(point); } }, t('form.pickOnMap')),
      mapEl, h('button', { type: 'submit', class: 'primary' }, t('settings.saveLocation')));
    return this.section(t('settings.location'), form);
  }

  async invite(role, name, courierId) {
    try { this.showLink(await api('POST', '/v1/shops/' + this.shop + '/invites', { role, name, courierId })); } catch (e) { toast(e.message); }
  }

  peopleSection() {
    const name = h('input', { required: true, 'aria-label': t('settings.personName'), placeholder: t('settings.personName') });
    const role = h('select', { 'aria-label': t('settings.role') }, ['staff', 'manager'].map((r) => h('option', { value: r }, t('role.' + r))));
    return this.section(t('settings.people'),
      h('ul', { class: 'list' }, this.people.filter((p) => !p.removedAt).map((p) => h('li', { dataset: { person: p.id } },
        h('strong', {}, p.name), ' ', h('span', { class: 'muted' }, t('role.' + p.role) + (p.joinedAt ? '' : ' · ' + t('settings.invited'))), ' ',
        p.id !== this.app.person.id ? h('button', { type: 'button', class: 'danger', dataset: { act: 'remove' }, onclick: async () => {
          if (!confirm(t('settings.confirmRemove', { name: p.name }))) return;
          try { await api('DELETE', '/v1/shops/' + this.shop + '/people/' + encodeURIComponent(p.id)); await this.load('people', 'notify'); } catch (e) { toast(e.message); }
        } }, t('settings.remove')) : null))),
      h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); this.invite(role.value, name.value).then(() => this.load('people', 'notify')); } },
        name, role, h('button', { type: 'submit' }, t('settings.invite'))));
  }

  keySection() {
    const name = h('input', { required: true, 'aria-label': t('settings.keyName'), placeholder: t('settings.keyName') });
    const boxes = scopes.map((s) => h('label', {}, h('input', { type: 'checkbox', value: s, checked: s === 'orders:read' }), ' ', s));
    return this.section(t('settings.apiKeys'),
      h('ul', { class: 'list' }, this.keys.map((k) => h('li', { class: k.revokedAt ? 'muted' : '', dataset: { key: k.id } },
        h('strong', {}, k.name), ' ', k.scopes.join(', '), ' · ', k.lastUsedAt ? t('settings.lastUsed', { at: dateTime(k.lastUsedAt, this.app.zone) }) : t('settings.neverUsed'),
        k.revokedAt ? ' · ' + t('settings.revoked') : h('button', { type: 'button', class: 'danger', onclick: async () => {
          try { await api('DELETE', '/v1/shops/' + this.shop + '/api-keys/' + k.id); await this.load('keys'); } catch (e) { toast(e.message); }
        } }, t('settings.revoke'))))),
      h('form', { class: 'inline', onsubmit: async (e) => {
        e.preventDefault();
        try {
          const key = await api('POST', '/v1/shops/' + this.shop + '/api-keys', { name: name.value, scopes: boxes.map((b) => b.firstChild).filter((c) => c.checked).map((c) => c.value) });
          await this.load('keys');
          this.el.prepend(h('p', { class: 'invite' }, t('settings.keyOnce'), ' ', h('input', { readonly: true, value: key.key, class: 'link-field', 'aria-label': t('settings.apiKey') })));
        } catch (err) { toast(err.message); }
      } }, name, ...boxes, h('button', { type: 'submit' }, t('settings.createKey'))));
  }

  /** How long the shop keeps contact details and chat, within the deployment's bounds; an empty
   * field follows the deployment's days (docs/operations.md, "Personal data: retention and requests"). */
  privacySection() {
    const own = this.app.shop.retention ?? {};
    const field = (kind, name, label) => {
      const rule = (this.retention ?? []).find((r) => r.kind === kind) ?? {};
      return h('input', { type: 'number', name, step: 1, min: rule.shopMinDays ?? 1, max: rule.shopMaxDays ?? 365,
        value: own[name] ?? '', placeholder: t('settings.deploymentDays', { n: Math.round(rule.days ?? 0) }),
        'aria-label': label });
    };
    const contact = field('contact', 'contactDays', t('settings.contactDays'));
    const chat = field('chat', 'chatDays', t('settings.chatDays'));
    return this.section(t('settings.privacy'), h('form', { class: 'inline', dataset: { section: 'privacy' }, onsubmit: async (e) => {
      e.preventDefault();
      const body = {};
      if (contact.value) body.contactDays = Number(contact.value);
      if (chat.value) body.chatDays = Number(chat.value);
      try { this.app.shop = await api('PUT', '/v1/shops/' + this.shop + '/retention', body); toast(t('settings.saved')); } catch (err) { toast(err.message); }
    } }, h('p', { class: 'muted' }, t('settings.retentionHint')),
    h('label', {}, t('settings.contactDays'), ' ', contact, ' ', t('settings.days')),
    h('label', {}, t('settings.chatDays'), ' ', chat, ' ', t('settings.days')),
    h('button', { type: 'submit' }, t('settings.save'))));
  }

  /** Who hears escalated exceptions, when an unanswered assignment goes by SMS, and SMS for customers without alerts (posy-notify's shop settings). */
  notifySection() {
    const staff = this.people.filter((p) => !p.removedAt && p.role !== 'courier');
    const select = h('select', { 'aria-label': t('settings.escalationsTo') }, h('option', { value: '' }, t('settings.nobody')),
      staff.map((p) => h('option', { value: p.id, selected: this.notify?.managerId === p.id }, p.name)));
    const after = h('input', { type: 'number', min: 0, max: 3600, step: 1, required: true, name: 'assignmentSmsAfter',
      value: this.notify?.assignmentSmsAfter ?? 60, 'aria-label': t('settings.assignmentSmsAfter') });
    const fallback = h('input', { type: 'checkbox', name: 'smsWithoutPush', checked: !!this.notify?.smsWithoutPush });
    const masked = h('input', { type: 'number', min: 1, max: 168, step: 1, required: true, name: 'maskedCallHours',
      value: this.notify?.maskedCallHours ?? 24, 'aria-label': t('settings.maskedCallHours') });
    return this.section(t('settings.notifications'), h('form', { class: 'inline', onsubmit: async (e) => {
      e.preventDefault();
      const body = { assignmentSmsAfter: Number(after.value), smsWithoutPush: fallback.checked, maskedCallHours: Number(masked.value) };
      if (select.value) body.managerId = select.value;
      try { this.notify = await api('PUT', '/v1/shops/' + this.shop + '/notify-settings', body); toast(t('settings.saved')); } catch (err) { toast(err.message); }
    } }, h('label', {}, t('settings.escalationsTo'), ' ', select),
    h('label', {}, t('settings.assignmentSmsAfter'), ' ', after, ' ', t('settings.seconds')),
    h('label', {}, fallback, ' ', t('settings.smsWithoutPush')),
    h('label', {}, t('settings.maskedCallHours'), ' ', masked, ' ', t('settings.hours')),
    h('button', { type: 'submit' }, t('settings.save'))));
  }

  /** A webhook's last deliveries, each replayable. */
  async deliveries(w, el) {
    const list = await api('GET', '/v1/webhooks/' + encodeURIComponent(w.id) + '/deliveries').catch((e) => { toast(e.message); return []; });
    clear(el).append(h('ul', { class: 'list' }, (list || []).slice(0, 20).map((d) => h('li', { dataset: { delivery: d.id } },
      d.event, ' · ', t('delivery.' + d.state), ' · ', dateTime(d.createdAt, this.app.zone), ' · ', t('settings.attempts', { n: d.attempts.length }), ' ',
      h('button', { type: 'button', onclick: async () => {
        try { await api('POST', '/v1/webhooks/' + encodeURIComponent(w.id) + '/deliveries/' + encodeURIComponent(d.id) + '/replay', {}); await this.deliveries(w, el); } catch (e) { toast(e.message); }
      } }, t('settings.replay'))))));
  }

  hookSection() {
    const url = h('input', { type: 'url', required: true, 'aria-label': 'URL', placeholder: 'https://…' });
    const events = h('input', { value: 'order.*', 'aria-label': t('settings.events') });
    return this.section(t('settings.webhooks'),
      h('ul', { class: 'list' }, (this.hooks || []).map((w) => {
        const box = h('div', {});
        return h('li', { dataset: { webhook: w.id } }, h('strong', {}, w.url), ' ', (w.events || []).join(', '), ' ',
          h('button', { type: 'button', onclick: () => this.deliveries(w, box) }, t('settings.deliveries')), ' ',
          h('button', { type: 'button', class: 'danger', onclick: async () => { try { await api('DELETE', '/v1/webhooks/' + w.id); await this.load('hooks'); } catch (e) { toast(e.message); } } }, t('settings.delete')),
          box);
      })),
      h('form', { class: 'inline', onsubmit: async (e) => {
        e.preventDefault();
        try { await api('POST', '/v1/webhooks', { shopId: this.app.shop.id, url: url.value, events: events.value.split(',').map((s) => s.trim()).filter(Boolean) }); await this.load('hooks'); } catch (err) { toast(err.message); }
      } }, url, events, h('button', { type: 'submit' }, t('settings.addWebhook'))));
  }
}
