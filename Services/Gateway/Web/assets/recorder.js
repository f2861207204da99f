// Press and hold to talk: records from the microphone (MediaRecorder) while the button is held —
// pointer, or Space/Enter from the keyboard — and hands over the recording with its length and a
// small waveform (its loudness every 100 ms, drawn by every side from the message).
// Chromium records audio/webm (Opus), Firefox audio/ogg, Safari audio/mp4: posy-receipts takes all three.
export class HoldToTalk {
  /** `done(blob, type, durationMs, waveform)` gets every recording of at least half a second. */
  constructor(button, done, onError) {
    this.button = button;
    this.done = done;
    this.onError = onError;
    this.recorder = null;
    button.addEventListener('pointerdown', () => this.start());
    button.addEventListener('pointerup', () => this.stop());
    button.addEventListener('pointerleave', () => this.stop());
    button.addEventListener('keydown', (e) => { if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) { e.preventDefault(); this.start(); } });
    button.addEventListener('keyup', (e) => { if (e.key === ' ' || e.key === 'Enter') this.stop(); });
  }

  async start() {
    if (this.recorder) return;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const chunks = [];
      const recorder = new MediaRecorder(stream);
      this.recorder = recorder;
      const started = performance.now();
      const levels = listen(stream);
      recorder.ondataavailable = (e) => chunks.push(e.data);
      recorder.onstop = () => {
        stream.getTracks().forEach((tr) => tr.stop());
        const durationMs = Math.round(performance.now() - started);
        const waveform = levels.stop();
        this.recorder = null;
        this.button.classList.remove('recording');
        if (durationMs < 500) return;
        const type = recorder.mimeType.split(';')[0] || 'audio/webm';
        this.done(new Blob(chunks, { type }), type, durationMs, waveform);
      };
      recorder.start();
      this.button.classList.add('recording');
    } catch (e) {
      this.onError?.(e);
    }
  }

  stop() { if (this.recorder && this.recorder.state === 'recording') this.recorder.stop(); }
}

/** Samples the stream's loudness every 100 ms; `stop()` gives at most 32 levels 0…100 (the
 *  loudest 100), or undefined where the browser offers no audio analysis. */
function listen(stream) {
  let ctx;
  try { ctx = new AudioContext(); } catch { return { stop: () => undefined }; }
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  ctx.createMediaStreamSource(stream).connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  const samples = [];
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const v of buf) sum += v * v;
    samples.push(Math.sqrt(sum / buf.length));
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      ctx.close().catch(() => {});
      if (!samples.length) return undefined;
      const bars = Math.min(32, samples.length);
      const out = [];
      for (let i = 0; i < bars; i++) {
        const part = samples.slice(Math.floor((i * samples.length) / bars), Math.floor(((i + 1) * samples.length) / bars));
        out.push(Math.max(...part, 0));
      }
      const peak = Math.max(...out);
      return out.map((v) => (peak > 0 ? Math.round((v / peak) * 100) : 0));
    },
  };
}
