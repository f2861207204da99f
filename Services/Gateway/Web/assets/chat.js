// A chat message as every face shows it (docs/architecture.md, "Web faces"): who said it, what —
// text, a photo, a voice note, a place, a system line or a recall — and when; and the media it shows,
// fetched with the face's own credentials (media is never public) once each.
import { h } from './dom.js';
import { has, t, time } from './i18n.js';
import { voiceNote } from './voice.js';
import { Frame } from './names.js';
import { State } from './order.js';

/**
 * Tells the server that a message someone else wrote reached this device (`msg.delivered` on the
 * stream): a courier or customer whose device has it gets no push about it (docs/architecture.md,
 * "Messaging"). `me` is this face's party.
 */
export function taken(stream, message, me) {
  if (!message?.conversationId || !(message.seq > 0) || message.party === me) return;
  stream.send({ type: Frame.delivered, conversationId: message.conversationId, seq: message.seq }).catch(() => {});
}

/** Media of one page: each item fetched once through `api` (the face's `api(method, path, body, { raw })`)
 *  and kept as an object URL until `release()`. */
export class MediaCache {
  constructor(api) {
    this.api = api;
    this.urls = new Map();
  }

  /** The bytes of media `id`, as a Blob. */
  async blob(id) {
    const r = await this.api('GET', '/v1/media/' + encodeURIComponent(id), undefined, { raw: true });
    if (!r.ok) throw new Error(String(r.status));
    return r.blob();
  }

  /** An object URL of media `id` (fetched once; a failed fetch is tried again next time). */
  url(id) {
    if (!this.urls.has(id)) {
      const u = this.blob(id).then((b) => URL.createObjectURL(b));
      u.catch(() => this.urls.delete(id));
      this.urls.set(id, u);
    }
    return this.urls.get(id);
  }

  /** An image of media `id`, filled in once its bytes came. */
  image(id, alt, attrs = {}) {
    const img = h('img', { ...attrs, alt });
    this.url(id).then((u) => { img.src = u; }).catch(() => {});
    return img;
  }

  release() {
    for (const u of this.urls.values()) u.then((x) => URL.revokeObjectURL(x), () => {});
    this.urls.clear();
  }
}

/** A line of Posy's own (an order's step, a call's) in the reader's language, from what its card says;
 *  the stored text, in English, where the card says too little (a line kept from before it said more). */
function systemLine(m) {
  const card = m.card || {};
  const stored = m.text || '';
  if (typeof card.state === 'string') {
    if (card.state === State.accepted && typeof card.courier !== 'string') return stored;
    return has('system.state.' + card.state) ? t('system.state.' + card.state, { courier: card.courier }) : stored;
  }
  const by = typeof card.by === 'string' && has('system.by.' + card.by) ? t('system.by.' + card.by) : null;
  const kind = typeof card.event === 'string' && card.event.startsWith('call.') ? card.event.slice('call.'.length) : null;
  if (!by || !kind) return stored;
  if (kind === 'hangup') {
    if (Number.isInteger(card.seconds)) return t('system.call.hangup', { by, seconds: card.seconds });
    return card.answered === false ? t('system.call.unanswered', { by }) : stored;
  }
  return has('system.call.' + kind) ? t('system.call.' + kind, { by }) : stored;
}

/** What message `m` says, as its bubble's body. */
function body(m, media) {
  if (m.recalledAt) return h('em', {}, t('chat.recalled'));
  if (m.kind === 'system') return h('em', {}, systemLine(m));
  if (m.kind === 'card' && m.card?.type === 'proofOfDelivery') return h('em', {}, t('system.proofOfDelivery'));
  if (m.kind === 'image' && m.media) return media.image(m.media.id, t('chat.photo'));
  if (m.kind === 'image') return h('span', { class: 'muted' }, t('chat.photo'));
  if (m.kind === 'voice' && m.media) return voiceNote(m, (id) => media.blob(id));
  if (m.kind === 'voice') return h('span', { class: 'muted' }, t('chat.voiceMessage') + (m.pending ? ' — ' + t('chat.waitingToSend') : ''));
  if (m.kind === 'location' && m.location) return m.location.label || m.location.lat.toFixed(4) + ', ' + m.location.lon.toFixed(4);
  return m.text || '';
}

/** The bubble of message `m`: `mine` when the viewer sent it; its time as `when(iso, zone)` shows it. */
export function bubble(m, { mine, media, zone, when = time }) {
  return h('li', { class: 'msg ' + (mine ? 'mine' : m.party), dataset: { seq: m.seq, party: m.party, kind: m.kind } },
    h('span', { class: 'who' }, t('party.' + m.party)), body(m, media), h('time', { datetime: m.at }, when(m.at, zone)));
}
