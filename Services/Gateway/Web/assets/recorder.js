// Press and hold to talk: records from the microphone (MediaRecorder) while the button is held —
// pointer, or Space/Enter from the keyboard — and hands over the recording with its length.
// Chromium records audio/webm (Opus), Firefox audio/ogg, Safari audio/mp4: posy-receipts takes all three.
export class HoldToTalk {
  /** `done(blob, type, durationMs)` gets every recording of at least half a second. */
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
      recorder.ondataavailable = (e) => chunks.push(e.data);
      recorder.onstop = () => {
        stream.getTracks().forEach((tr) => tr.stop());
        const durationMs = Math.round(performance.now() - started);
        this.recorder = null;
        this.button.classList.remove('recording');
        if (durationMs < 500) return;
        const type = recorder.mimeType.split(';')[0] || 'audio/webm';
        this.done(new Blob(chunks, { type }), type, durationMs);
      };
      recorder.start();
      this.button.classList.add('recording');
    } catch (e) {
      this.onError?.(e);
    }
  }

  stop() { if (this.recorder && this.recorder.state === 'recording') this.recorder.stop(); }
}
