// The new-order form: every florist field; the API's validation errors land on their fields and
// nothing typed is lost (the draft survives a failed submit, a closed dialog and a reload).
import { api } from '/assets/session.js';
import { h, clear, toast } from '/assets/dom.js';
import { t, translate } from '/assets/i18n.js';
import { today } from './board.js';
import { AddressSearch, pinMap } from './address.js';

const draftKey = 'posy.console.draft';

/** `yyyy-mm-dd` + `hh:mm` in `zone` → an RFC 3339 instant. */
export function zoned(day, hm, zone) {
  const guess = new Date(day + 'T' + hm + ':00Z');
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .formatToParts(guess).map((p) => [p.type, p.value]));
  const offset = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute) - guess.getTime();
  return new Date(guess.getTime() - offset).toISOString();
}

const fields = [
  ['customer.name', 'text', true], ['customer.phone', 'tel', false],
  ['recipient.name', 'text', true], ['recipient.phone', 'tel', false], ['recipient.address', 'text', true],
  // Where the address is, in WGS-84: from a search candidate or the pin, never typed (kept in the API).
  ['recipient.lat', 'hidden', true], ['recipient.lon', 'hidden', true],
  ['items', 'text', true], ['cardMessage', 'textarea', false],
  ['window.day', 'date', true], ['window.start', 'time', true], ['window.end', 'time', true],
  ['sender.name', 'text', false], ['sender.phone', 'tel', false],
  ['notes', 'textarea', false],
  ['dropOff.kind', 'select', false], ['dropOff.description', 'text', false],
];
const dropOffKinds = ['', 'handToNeighbour', 'safePlace'];
const flags = ['handling.keepCool', 'handling.noDoorstep', 'handling.fragile', 'handling.needsWater', 'surprise', 'sender.anonymous'];

export class OrderForm {
  constructor(app) {
    this.app = app;
    this.dialog = document.getElementById('order-dialog');
    this.form = document.getElementById('order-form');
    this.build();
    this.form.addEventListener('input', (e) => {
      this.saveDraft();
      // A field being corrected no longer shows its old error.
      const field = e.target.closest?.('.field');
      if (field) { field.querySelector('.error').textContent = ''; e.target.removeAttribute('aria-invalid'); }
    });
    this.form.addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
  }

  build() {
    clear(this.form);
    this.form.append(h('h2', { id: 'order-dialog-title', 'data-i18n': 'form.title' }));
    const grid = h('div', { class: 'form-grid' });
    for (const [name, type, required] of fields) {
      const id = 'f-' + name.replace('.', '-');
      if (type === 'hidden') { this.form.append(h('input', { id, name, type })); continue; }
      const input = type === 'textarea'
        ? h('textarea', { id, name, rows: 2 })
        : type === 'select'
          ? h('select', { id, name }, dropOffKinds.map((k) => h('option', { value: k, 'data-i18n': k ? 'change.dropOff.' + k : 'form.noDropOff' })))
          : h('input', { id, name, type, required, step: type === 'number' ? 'any' : undefined, autocomplete: 'off' });
      grid.append(h('div', { class: 'field', dataset: { field: name } },
        h('label', { for: id, 'data-i18n': 'field.' + name }), input,
        h('p', { class: 'error', id: id + '-error', role: 'alert' })));
      input.setAttribute('aria-describedby', id + '-error');
    }
    const boxes = h('fieldset', { class: 'flags' }, h('legend', { 'data-i18n': 'form.handling' }));
    for (const name of flags) {
      const id = 'f-' + name.replace('.', '-');
      boxes.append(h('label', { for: id }, h('input', { type: 'checkbox', id, name }), h('span', { 'data-i18n': 'field.' + name })));
    }
    // The recipient's position: a candidate of the address search (as the florist types), or the pin
    // put on the map and dragged where the door is.
    this.candidates = h('ul', { id: 'address-candidates', class: 'candidates', role: 'listbox', hidden: true });
    const address = grid.querySelector('[data-field="recipient.address"]');
    address.querySelector('input').after(this.candidates);
    this.search = new AddressSearch(address.querySelector('input'), this.candidates, () => this.app.shop.id, (c) => this.choose(c));
    this.pickMap = h('div', { class: 'pick-map', hidden: true, role: 'application', 'data-i18n-aria-label': 'form.pickHint' });
    this.placed = h('span', { id: 'address-placed', class: 'muted', 'data-i18n': 'form.placed', hidden: true });
    const pick = h('div', { class: 'pick' },
      h('button', { type: 'button', 'data-i18n': 'form.pickOnMap', onclick: () => this.openPicker() }),
      this.hint = h('span', { class: 'muted', 'data-i18n': 'form.pickHint' }), this.placed, this.pickMap);
    address.after(pick);
    this.form.append(grid, boxes,
      h('p', { class: 'error', id: 'form-error', role: 'alert' }),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'quiet', 'data-i18n': 'form.cancel', onclick: () => this.dialog.close() }),
        h('button', { type: 'submit', class: 'primary', 'data-i18n': 'form.create' })));
    translate(this.form);
  }

  open() {
    translate(this.form);
    const draft = JSON.parse(localStorage.getItem(draftKey) || '{}');
    for (const el of this.form.elements) {
      if (!el.name) continue;
      if (el.type === 'checkbox') el.checked = !!draft[el.name];
      else el.value = draft[el.name] ?? '';
    }
    if (!this.form.elements['window.day'].value) this.form.elements['window.day'].value = today(this.app.zone);
    // A position comes with the draft, or not at all: the last order's pin is not this one's.
    this.placed.hidden = !this.form.elements['recipient.lat'].value;
    this.hint.hidden = !this.placed.hidden;
    this.pickMap.hidden = true;
    this.search.show([]);
    this.clearErrors();
    this.dialog.showModal();
    this.form.elements['customer.name'].focus();
  }

  /** A candidate fills the address and puts the pin where it is. */
  choose(c) {
    this.place(c.lat, c.lon);
    this.openPicker();
  }

  /** Sets the recipient's position (WGS-84) and says where it is. */
  place(lat, lon) {
    this.form.elements['recipient.lat'].value = Number(lat).toFixed(6);
    this.form.elements['recipient.lon'].value = Number(lon).toFixed(6);
    this.placed.hidden = false;
    this.hint.hidden = true;
    this.form.dispatchEvent(new Event('input', { bubbles: true }));
    const field = this.form.querySelector('[data-field="recipient.address"] .error');
    if (field) field.textContent = '';
  }

  /** The map with the pin: at the position set, else around the shop until a click or a candidate puts it. */
  async openPicker() {
    const lat = this.form.elements['recipient.lat'], lon = this.form.elements['recipient.lon'];
    const at = lat.value && lon.value ? [Number(lat.value), Number(lon.value)] : null;
    const shop = [this.app.shop.lat, this.app.shop.lon];
    this.pickMap.hidden = false;
    this.picker ??= await pinMap(this.pickMap, at ?? shop, ([a, b]) => this.place(a, b), { shop, title: t('form.pinTitle') });
    this.picker?.refresh(at);
  }

  saveDraft() {
    const draft = {};
    for (const el of this.form.elements) if (el.name) draft[el.name] = el.type === 'checkbox' ? el.checked : el.value;
    localStorage.setItem(draftKey, JSON.stringify(draft));
  }

  clearErrors() {
    for (const p of this.form.querySelectorAll('.error')) p.textContent = '';
    for (const el of this.form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  }

  /** Shows `message` on the field `name` (the API's `field: why`), or on the form. */
  fieldError(name, message) {
    const key = Object.keys(map).find((k) => name === k || name.startsWith(k + '.')) ;
    const target = this.form.querySelector('[data-field="' + (map[key] || name) + '"]');
    if (!target) { document.getElementById('form-error').textContent = message; return; }
    target.querySelector('.error').textContent = message;
    const input = target.querySelector('input, textarea, select');
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }

  async submit() {
    this.clearErrors();
    const v = (n) => this.form.elements[n].value.trim();
    const c = (n) => this.form.elements[n].checked;
    let missing = false;
    for (const [name, type, required] of fields) {
      if (required && !v(name)) { this.fieldError(name, t(type === 'hidden' ? 'form.placeRequired' : 'form.required')); missing = true; }
    }
    if (missing) return;
    const zone = this.app.zone;
    const phone = v('customer.phone');
    const order = {
      shopId: this.app.shop.id,
      customer: { id: 'c' + (phone.replace(/\D/g, '') || crypto.randomUUID().slice(0, 8)), name: v('customer.name'), phone: phone || undefined },
      recipient: { name: v('recipient.name'), phone: v('recipient.phone') || undefined, address: v('recipient.address'), lat: Number(v('recipient.lat')), lon: Number(v('recipient.lon')) },
      items: v('items').split(/[,，;；]/).map((s) => s.trim()).filter(Boolean).map((s) => {
        const m = s.match(/^(\d+)\s*[x×]?\s*(.+)$/);
        return m ? { name: m[2], quantity: Number(m[1]) } : { name: s, quantity: 1 };
      }),
      cardMessage: v('cardMessage') || undefined,
      handling: { keepCool: c('handling.keepCool'), noDoorstep: c('handling.noDoorstep'), fragile: c('handling.fragile'), needsWater: c('handling.needsWater') },
      window: { start: zoned(v('window.day'), v('window.start'), zone), end: zoned(v('window.day'), v('window.end'), zone) },
      surprise: c('surprise'),
      sender: (v('sender.name') || c('sender.anonymous')) ? { name: v('sender.name') || undefined, phone: v('sender.phone') || undefined, anonymous: c('sender.anonymous') } : undefined,
      notes: v('notes') || undefined,
      dropOff: v('dropOff.kind') ? { kind: v('dropOff.kind'), description: v('dropOff.description') } : undefined,
    };
    try {
      const created = await api('POST', '/v1/orders', order);
      localStorage.removeItem(draftKey);
      this.dialog.close();
      toast(t('form.created', { id: created.id }));
      this.app.board?.upsert?.(created);
    } catch (e) {
      if (e.code === 'invalid_field' || e.code === 'bad_request') {
        const [field, ...why] = e.message.split(': ');
        this.fieldError(field, why.join(': ') || e.message);
      } else {
        document.getElementById('form-error').textContent = e.message;
      }
    }
  }
}

// API field paths → the form field that holds them.
const map = {
  customer: 'customer.name', 'customer.phone': 'customer.phone', 'recipient.name': 'recipient.name', 'recipient.phone': 'recipient.phone',
  'recipient.address': 'recipient.address', 'recipient.lat': 'recipient.address', 'recipient.lon': 'recipient.address', items: 'items',
  cardMessage: 'cardMessage', notes: 'notes', 'window.start': 'window.start', 'window.end': 'window.end', window: 'window.end',
  'sender.name': 'sender.name', 'sender.phone': 'sender.phone', 'dropOff.description': 'dropOff.description', dropOff: 'dropOff.kind',
};
