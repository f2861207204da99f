// A video call between an order's parties ("look before you sign", docs/protocol.md, "Calls"):
// WebRTC peer to peer; the signalling goes as `call.signal` frames on the live stream, the ICE
// servers (TURN credentials) come from GET /v1/calls/turn?orderId=. One class for both ends: the caller
// invites and makes the offer, the callee rings, answers and answers the offer. Emits 'state'
// ('ringing' | 'calling' | 'connecting' | 'connected' | 'ended'), 'remote' (the other side's
// MediaStream) and 'local'.
import { t } from './i18n.js';
import { chime } from './dom.js';
import { Frame, Push } from './names.js';

const RING_MS = 30_000;

export class VideoCall extends EventTarget {
  /** `stream`: the page's LiveStream; `api(method, path)`: the page's API call; `orderId` and `conversationId`: the order and its chat. */
  constructor({ stream, api, orderId, conversationId, facingMode = 'user' }) {
    super();
    this.stream = stream;
    this.api = api;
    this.orderId = orderId;
    this.conversationId = conversationId;
    this.facingMode = facingMode;
    this.device = sessionStorage.getItem('posy.device') || crypto.randomUUID();
    sessionStorage.setItem('posy.device', this.device);
    this.callId = null;
    this.pc = null;
    this.local = null;
    this.pendingIce = [];
    this.state = 'idle';
    stream.addEventListener('push', (e) => this.onPush(e.detail));
  }

  set(state) { this.state = state; this.dispatchEvent(new CustomEvent('state', { detail: state })); }

  send(kind, extra = {}) {
    return this.stream.send({ type: Frame.callSignal, conversationId: this.conversationId, callId: this.callId, kind, device: this.device, ...extra });
  }

  /** The caller: rings the other parties; the offer follows their answer. */
  async start() {
    this.callId = 'c' + crypto.randomUUID().replaceAll('-', '');
    this.role = 'caller';
    await this.open();
    this.set('calling');
    await this.send('invite');
    this.ringTimer = setTimeout(() => { if (this.state === 'calling') this.hangup('no answer'); }, RING_MS);
  }

  /** The callee: takes the ringing call. */
  async accept() {
    clearTimeout(this.ringTimer);
    this.role = 'callee';
    await this.open();
    this.set('connecting');
    await this.send('accept');
  }

  async decline() {
    clearTimeout(this.ringTimer);
    await this.send('decline').catch(() => {});
    this.end();
  }

  async hangup(reason) {
    if (!this.callId || this.state === 'ended') return;
    await this.send('hangup', reason ? { reason: String(reason).slice(0, 200) } : {}).catch(() => {});
    this.end();
  }

  /** Camera, microphone and the peer connection with the suite's ICE servers. */
  async open() {
    const ice = await this.api('GET', '/v1/calls/turn?orderId=' + encodeURIComponent(this.orderId)).catch(() => ({ iceServers: [] }));
    this.pc = new RTCPeerConnection({ iceServers: ice.iceServers || [], iceTransportPolicy: ice.iceTransportPolicy || 'all' });
    this.pc.onicecandidate = (e) => { if (e.candidate) this.send('ice', { candidate: e.candidate.toJSON() }).catch(() => {}); };
    this.pc.ontrack = (e) => this.dispatchEvent(new CustomEvent('remote', { detail: e.streams[0] }));
    this.pc.onconnectionstatechange = () => {
      const s = this.pc?.connectionState;
      if (s === 'connected') this.set('connected');
      if (s === 'failed') this.hangup('connection failed');
    };
    this.local = await navigator.mediaDevices.getUserMedia({ video: { facingMode: this.facingMode }, audio: true });
    for (const track of this.local.getTracks()) this.pc.addTrack(track, this.local);
    this.dispatchEvent(new CustomEvent('local', { detail: this.local }));
  }

  end() {
    clearTimeout(this.ringTimer);
    this.local?.getTracks().forEach((t) => t.stop());
    this.pc?.close();
    this.pc = null;
    this.local = null;
    this.set('ended');
    this.callId = null;
  }

  async onPush(f) {
    if (f.type !== Push.callSignal || f.data?.conversationId !== this.conversationId) return;
    const s = f.data.signal;
    if (s.device === this.device) return; // my own step, echoed
    if (s.kind === 'invite') {
      if (this.callId && this.state !== 'ended') return; // busy with a call
      this.callId = s.callId;
      this.from = f.data.from;
      this.set('ringing');
      this.ringTimer = setTimeout(() => { if (this.state === 'ringing') this.end(); }, RING_MS);
      return;
    }
    if (s.callId !== this.callId) return;
    switch (s.kind) {
      case 'accept':
        if (this.role === 'caller') {
          clearTimeout(this.ringTimer);
          this.set('connecting');
          const offer = await this.pc.createOffer();
          await this.pc.setLocalDescription(offer);
          await this.send('offer', { sdp: offer.sdp });
        } else if (this.state === 'ringing') {
          this.end(); // answered on another of my devices
        }
        break;
      case 'offer':
        if (this.role !== 'callee' || !this.pc) return;
        await this.pc.setRemoteDescription({ type: 'offer', sdp: s.sdp });
        for (const c of this.pendingIce.splice(0)) await this.pc.addIceCandidate(c).catch(() => {});
        {
          const answer = await this.pc.createAnswer();
          await this.pc.setLocalDescription(answer);
          await this.send('answer', { sdp: answer.sdp });
        }
        break;
      case 'answer':
        if (this.role !== 'caller' || !this.pc) return;
        await this.pc.setRemoteDescription({ type: 'answer', sdp: s.sdp });
        for (const c of this.pendingIce.splice(0)) await this.pc.addIceCandidate(c).catch(() => {});
        break;
      case 'ice':
        if (!this.pc?.remoteDescription) this.pendingIce.push(s.candidate);
        else await this.pc.addIceCandidate(s.candidate).catch(() => {});
        break;
      case 'decline':
      case 'hangup':
        this.end();
        break;
      default:
        break;
    }
  }

  /** The kind of the local candidate the connection uses: `host`, `srflx` or `relay` (TURN). */
  async route() {
    if (!this.pc) return null;
    const stats = await this.pc.getStats();
    let pair = null;
    stats.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId); });
    if (!pair) stats.forEach((r) => { if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') pair = r; });
    return pair ? stats.get(pair.localCandidateId)?.candidateType ?? null : null;
  }

  /** Video frames decoded from the other side so far (for the page's own display and tests). */
  async framesDecoded() {
    if (!this.pc) return 0;
    let n = 0;
    (await this.pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') n += r.framesDecoded || 0; });
    return n;
  }
}

/** Wires a page's call dialog (`#call`, see the faces' index.html) to `call`: rings, shows both
 *  videos, answer/decline/hang up, and — on the customer's side — "looks good" / "please fix". */
export function callDialog(call, { onVerdict } = {}) {
  const dialog = document.getElementById('call');
  const state = document.getElementById('call-state');
  const ring = document.getElementById('call-ring');
  const verdict = document.getElementById('call-verdict');
  call.addEventListener('state', (e) => {
    const s = e.detail;
    dialog.dataset.state = s;
    state.textContent = t(s === 'connected' && call.role === 'caller' ? 'call.showing' : 'call.state.' + s);
    ring.hidden = s !== 'ringing';
    if (verdict) verdict.hidden = s !== 'connected';
    if (s === 'ringing') { chime(); navigator.vibrate?.([300, 200, 300]); }
    if (s === 'ended') { setTimeout(() => { if (call.state === 'ended' && dialog.open) dialog.close(); }, 1500); return; }
    if (!dialog.open) dialog.showModal();
  });
  call.addEventListener('remote', (e) => { document.getElementById('call-remote').srcObject = e.detail; });
  call.addEventListener('local', (e) => { document.getElementById('call-local').srcObject = e.detail; });
  document.getElementById('call-accept').onclick = () => call.accept().catch(() => call.hangup('no camera'));
  document.getElementById('call-decline').onclick = () => call.decline();
  document.getElementById('call-hangup').onclick = () => call.hangup();
  dialog.addEventListener('cancel', () => call.hangup());
  if (verdict) {
    // The verdict is kept (with the frame seen) before the call ends: `onVerdict(ok, note, still)`.
    const say = async (ok) => {
      const note = ok ? '' : document.getElementById('call-note').value.trim();
      const still = await snapshot(document.getElementById('call-remote')).catch(() => null);
      try { await onVerdict?.(ok, note, still, call.callId); } finally { call.hangup(ok ? 'looks good' : 'please fix' + (note ? ': ' + note : '')); }
    };
    document.getElementById('call-good').onclick = () => say(true);
    document.getElementById('call-fix').onclick = () => say(false);
  }
}

/** The frame a video shows now, as a JPEG. */
function snapshot(video) {
  return new Promise((resolve, reject) => {
    if (!video.videoWidth) { reject(new Error('no picture')); return; }
    const c = document.createElement('canvas');
    c.width = video.videoWidth;
    c.height = video.videoHeight;
    c.getContext('2d').drawImage(video, 0, 0, c.width, c.height);
    c.toBlob((b) => (b ? resolve(b) : reject(new Error('no picture'))), 'image/jpeg', 0.85);
  });
}
