// Per-order chat: conversations with their unread counts, the assistant's hand-overs ("needs a
// person") first; text, photo and voice (recorded in the browser), played back on every side.
import { api } from '/assets/session.js';
import { h, clear, chime, toast } from '/assets/dom.js';
import { t, dateTime } from '/assets/i18n.js';
import { HoldToTalk } from '/assets/recorder.js';
import { MediaCache, bubble } from '/assets/chat.js';
import { Push, isMessage } from '/assets/names.js';

export class Chat {
  constructor(app) {
    this.app = app;
    this.list = document.getElementById('conversations');
    this.thread = document.getElementById('messages');
    this.title = document.getElementById('thread-title');
    this.composer = document.getElementById('composer');
    this.badge = document.getElementById('chat-badge');
    this.conversations = new Map();
    this.messages = [];
    this.media = new MediaCache(api);
    this.composer.addEventListener('submit', (e) => { e.preventDefault(); this.sendText(); });
    document.getElementById('chat-photo').addEventListener('change', (e) => this.sendPhoto(e.target));
    new HoldToTalk(document.getElementById('chat-voice'), async (blob, type, durationMs, waveform) => {
      try { const media = await this.upload(blob, type); await this.send({ kind: 'voice', mediaId: media.id, durationMs, waveform }); } catch (e) { toast(e.message); }
    }, () => toast(t('chat.noMicrophone')));
  }

  async load() {
    const list = await api('GET', '/v1/conversations');
    this.conversations = new Map(list.items.map((c) => [c.id, c]));
    this.renderList();
  }

  unread() { let n = 0; for (const c of this.conversations.values()) n += c.unread || 0; return n; }

  renderList() {
    const n = this.unread();
    this.badge.hidden = n === 0;
    this.badge.textContent = String(n);
    this.badge.setAttribute('aria-label', t('chat.unread', { n }));
    const sorted = [...this.conversations.values()].sort((a, b) =>
      (!!b.needsPersonSince - !!a.needsPersonSince) || ((b.lastMessage?.at || '').localeCompare(a.lastMessage?.at || '')));
    clear(this.list);
    for (const c of sorted) {
      this.list.append(h('li', {}, h('button', { type: 'button', class: 'conversation' + (c.id === this.current ? ' current' : ''), dataset: { conversation: c.id, unread: c.unread || 0 },
        'aria-current': c.id === this.current ? 'true' : undefined, onclick: () => this.open(c.id) },
        h('strong', {}, c.orderId ? t('chat.order', { id: c.orderId }) : t('chat.direct')),
        c.needsPersonSince ? h('span', { class: 'flag risk' }, t('chat.needsPerson')) : null,
        c.unread ? h('span', { class: 'badge' }, String(c.unread)) : null,
        h('span', { class: 'muted' }, preview(c.lastMessage)))));
    }
    if (!sorted.length) this.list.append(h('li', { class: 'muted' }, t('chat.none')));
  }

  openOrder(order) { this.app.show('chat'); this.open(order.conversationId); }

  async open(id) {
    this.current = id;
    const page = await api('GET', '/v1/conversations/' + encodeURIComponent(id) + '/messages?limit=100');
    this.messages = page.messages;
    const c = this.conversations.get(id);
    this.title.textContent = c?.orderId ? t('chat.order', { id: c.orderId }) : t('chat.direct');
    this.composer.hidden = c ? !c.canSend : false;
    this.renderThread();
    this.renderList();
    this.markRead();
  }

  async markRead() {
    const last = this.messages[this.messages.length - 1];
    const c = this.conversations.get(this.current);
    if (!last || !c || document.getElementById('tab-chat').hidden) return;
    const r = await api('POST', '/v1/conversations/' + encodeURIComponent(this.current) + '/read', { seq: last.seq }).catch(() => null);
    if (r) { c.unread = r.unread ?? 0; this.renderList(); }
  }

  renderThread() {
    clear(this.thread);
    for (const m of this.messages) this.thread.append(this.bubble(m));
    this.thread.lastElementChild?.scrollIntoView({ block: 'end' });
  }

  bubble(m) {
    return bubble(m, { mine: m.senderId === this.app.person.id, media: this.media, zone: this.app.zone, when: dateTime });
  }

  push(f) {
    const c = this.conversations.get(f.conversationId);
    if (isMessage(f)) {
      if (c) { c.lastMessage = f.data; if (typeof f.unread === 'number') c.unread = f.unread; }
      else { this.load(); }
      if (f.conversationId === this.current) {
        const i = this.messages.findIndex((m) => m.seq === f.data.seq);
        if (i >= 0) this.messages[i] = f.data; else this.messages.push(f.data);
        this.messages.sort((a, b) => a.seq - b.seq);
        this.renderThread();
        this.markRead();
      }
      if (f.type === Push.messageNew && f.data.senderId !== this.app.person.id && f.data.kind !== 'system') chime();
    } else if (f.type === Push.messageUnread && c && typeof f.unread === 'number') { c.unread = f.unread; }
    else if (f.type === Push.conversationUpdated) { this.load(); return; }
    this.renderList();
  }

  async send(message) {
    const id = this.current;
    const input = { clientMsgId: crypto.randomUUID(), ...message };
    try {
      const r = await api('POST', '/v1/conversations/' + encodeURIComponent(id) + '/messages', input);
      if (id === this.current && !this.messages.some((m) => m.seq === r.message.seq)) { this.messages.push(r.message); this.renderThread(); }
      return r;
    } catch (e) { toast(e.message); throw e; }
  }

  async sendText() {
    const input = document.getElementById('chat-text');
    const text = input.value.trim();
    if (!text) return;
    await this.send({ kind: 'text', text });
    input.value = '';
  }

  async upload(blob, type) {
    const c = this.conversations.get(this.current);
    const r = await api('POST', '/v1/media?orderId=' + encodeURIComponent(c?.orderId || ''), new Blob([blob], { type }), { raw: true });
    const body = await r.json();
    if (!r.ok) throw new Error(body.message);
    return body;
  }

  async sendPhoto(input) {
    const file = input.files[0];
    input.value = '';
    if (!file) return;
    try { const media = await this.upload(file, file.type); await this.send({ kind: 'image', mediaId: media.id }); } catch (e) { toast(e.message); }
  }

}

function preview(m) {
  if (!m) return '';
  if (m.kind === 'image') return t('chat.photo');
  if (m.kind === 'voice') return t('chat.voiceMessage');
  return (m.text || '').slice(0, 60);
}
