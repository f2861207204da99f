// A voice message as every face shows it: a play button, the waveform the sender's app drew (flat
// when it sent none) and the length. The audio is fetched with the session (media is never public)
// only when played.
import { h } from './dom.js';
import { t } from './i18n.js';

/** `load(mediaId)` resolves with a Blob of the audio. */
export function voiceNote(m, load) {
  const levels = m.media?.waveform?.length ? m.media.waveform : new Array(16).fill(12);
  const seconds = Math.max(1, Math.round((m.media?.durationMs || 0) / 1000));
  // Heights through the CSSOM: the pages' CSP allows no style attributes.
  const wave = h('span', { class: 'wave', 'aria-hidden': 'true' }, levels.map((v) => {
    const bar = h('i');
    bar.style.height = Math.max(8, Math.min(100, Number(v) || 0)) + '%';
    return bar;
  }));
  const audio = h('audio', { preload: 'none' });
  const button = h('button', { type: 'button', class: 'play', 'aria-label': t('chat.play') }, '▶');
  let url = null;
  button.addEventListener('click', async () => {
    if (!audio.paused) { audio.pause(); return; }
    try {
      if (!url) { url = URL.createObjectURL(await load(m.media.id)); audio.src = url; }
      await audio.play();
    } catch { button.classList.add('failed'); }
  });
  audio.addEventListener('play', () => { button.textContent = '❚❚'; button.dataset.playing = 'true'; });
  audio.addEventListener('pause', () => { button.textContent = '▶'; delete button.dataset.playing; });
  audio.addEventListener('ended', () => { button.dataset.played = 'true'; });
  audio.addEventListener('timeupdate', () => {
    const done = audio.duration > 0 && isFinite(audio.duration) ? audio.currentTime / audio.duration : 0;
    wave.style.setProperty('--played', Math.round(done * 100) + '%');
  });
  return h('span', { class: 'voice-note', dataset: { media: m.media?.id || '' } }, button, wave, audio,
    h('span', { class: 'len' }, seconds + ' s'));
}
