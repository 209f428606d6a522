// The lobby call, one at a time: chime, then the call spoken (or captioned) in each language.
//
// Calls queue so they never overlap and none is ever dropped; a recall is queued again like a
// new call. Every step is a record in `announcements` (newest last, bounded) so the state of
// the queue can be seen:
//   {call, ticket, counter, recall, kind: "chime"|"speech", lang, text, repeat,
//    state: "queued"|"playing"|"done"|"skipped", mode, queuedAt, startedAt, endedAt}
// Speech, best first: the server's rendered audio of the call (`audio`, fetched as soon as
// the call is queued, so it is ready when the chime ends); a local Web Speech voice; else the
// call captioned on screen for as long as it takes to read. The chime is a bundled WAV file,
// so the fallback always works offline.
//
// A burst (a row of counters calling at once, a board coming back from an outage) must not
// build a queue that takes many minutes: past MAX_PENDING steps, or for a call already
// MAX_AGE_MS old, repeats and further languages give way. The chime and the first language
// of every call always play.

const KEEP_RECORDS = 120;
const CHIME_MS = 1700; // the bundled chime's length, used when audio cannot play
const MAX_UTTERANCE_MS = 20000; // speak() can hang on some systems: never wait longer
const MAX_AUDIO_MS = 30000; // a call's audio never holds the queue longer than this
const AUDIO_START_MS = 4000; // audio not playing by then (server busy, no device): caption
const MAX_AGE_MS = 120000; // a call older than this is announced in its first language only
const MAX_PENDING = 60; // queued steps (chime + each language) before extras give way
const PREFETCH = 8; // audio files fetched ahead of the step playing: two calls' worth

/** How long a caption stays up when there is no voice: enough time to read it. */
export function captionMs(text) {
  return Math.min(6000, Math.max(2500, [...text].length * 55));
}

export class Announcer extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.chimeUrl   the bundled chime
   * @param {() => number} [options.now] server-aligned clock in ms
   */
  constructor({ chimeUrl, now = () => Date.now() }) {
    super();
    this.now = now;
    this.announcements = [];
    this.pending = [];
    this.current = null; // the step being played, and how to cut it short
    this.cut = null;
    this.running = false;
    this.soundBlocked = false;
    this.chime = typeof Audio === "function" ? new Audio(chimeUrl) : null;
    if (this.chime) this.chime.preload = "auto";
    this.speech = globalThis.speechSynthesis || null;
    this.clips = new Map(); // server audio by URL, while a queued step needs it
  }

  /** True while nothing is queued or playing. */
  get idle() {
    return !this.running && this.pending.length === 0;
  }

  /**
   * Queue a call. `texts` is [{lang, text, spoken, audio, repeat}] in speaking order (`audio`:
   * the server's rendering, optional; `repeat`: times spoken, default 1); `at` is the call's
   * time.
   */
  enqueue(call, texts) {
    const base = { call: call.id, ticket: call.ticket, counter: call.counter, recall: call.recall || 0, at: call.at };
    const queuedAt = Date.now();
    const speech = texts.flatMap((t, i) =>
      Array.from({ length: Math.max(1, t.repeat || 1) }, (_, repeat) => ({
        ...base,
        kind: "speech",
        lang: t.lang,
        text: t.text,
        spoken: t.spoken || t.text,
        audio: t.audio || "",
        repeat,
        essential: i === 0 && repeat === 0,
      })),
    );
    const records = [{ ...base, kind: "chime", lang: "", text: "", spoken: "", audio: "", repeat: 0, essential: true }, ...speech].map(
      (r) => ({ ...r, state: "queued", mode: "", queuedAt, startedAt: 0, endedAt: 0 }),
    );
    this.pending.push(...records);
    this.announcements.push(...records);
    this.#shed();
    this.#prefetch();
    this.#trim();
    this.#emit("queue");
    if (!this.running) this.#run();
  }

  /**
   * Drop queued steps of calls that no longer stand (the visitor came, went elsewhere or was
   * called again at another counter): the lobby must not be sent to a counter that is done.
   */
  keepOnly(callIds) {
    const playing = this.current;
    if (playing && !callIds.has(playing.call)) {
      // Stop mid-sentence rather than send the lobby to a counter the visitor has left.
      playing.state = "dropped";
      if (this.speech) this.speech.cancel();
      if (this.chime) this.chime.pause();
      if (this.cut) this.cut();
    }
    const before = this.pending.length;
    this.pending = this.pending.filter((record) => {
      if (callIds.has(record.call)) return true;
      record.state = "dropped";
      return false;
    });
    if (this.pending.length !== before) this.#emit("queue");
  }

  /** The voice for a language, if this machine has one: an offline (local) voice first. */
  voiceFor(lang) {
    if (!this.speech) return null;
    const voices = (this.speech.getVoices() || []).filter((v) => v.lang.toLowerCase().startsWith(lang));
    // A network voice fails without internet; its error falls back to the caption.
    return voices.find((v) => v.localService) || voices[0] || null;
  }

  /** Try to (re)enable audio after a user gesture (kiosks set the autoplay flag instead). */
  async unlock() {
    if (!this.chime) return;
    try {
      this.chime.muted = true;
      await this.chime.play();
      this.chime.pause();
      this.chime.muted = false;
      this.soundBlocked = false;
      this.#emit("sound", { blocked: false });
    } catch {
      this.chime.muted = false;
    }
  }

  async #run() {
    this.running = true;
    try {
      while (this.pending.length) {
        const record = this.pending.shift();
        if (!record.essential && this.now() - record.at * 1000 > MAX_AGE_MS) {
          this.#skip(record);
          continue;
        }
        this.#prefetch();
        record.state = "playing";
        record.startedAt = Date.now();
        this.current = record;
        this.#emit("start", record);
        const cut = new Promise((resolve) => {
          this.cut = resolve;
        });
        try {
          await Promise.race([record.kind === "chime" ? this.#playChime(record) : this.#speak(record), cut]);
        } catch {
          // A broken audio device must not stop the queue.
        }
        this.current = null;
        this.cut = null;
        if (record.state === "playing") record.state = "done";
        record.endedAt = Date.now();
        this.#release(record);
        this.#emit("end", record);
      }
    } finally {
      this.running = false;
      this.#emit("idle");
    }
  }

  /** Over the bound, the oldest repeats and further languages give way (never a call). */
  #shed() {
    let excess = this.pending.length - MAX_PENDING;
    for (let i = 0; excess > 0 && i < this.pending.length; ) {
      if (this.pending[i].essential) {
        i += 1;
        continue;
      }
      const [record] = this.pending.splice(i, 1);
      this.#skip(record);
      excess -= 1;
    }
  }

  #skip(record) {
    record.state = "skipped";
    this.#release(record);
    this.#emit("queue");
  }

  /**
   * Fetch the audio of the next steps now: the server renders what it has not rendered ahead
   * while the chime and the steps before play. Only the next few, so a burst of calls does
   * not ask the server for a hundred renderings at once.
   */
  #prefetch() {
    const next = new Set();
    for (const record of this.pending) {
      if (next.size >= PREFETCH) break;
      if (record.audio) next.add(record.audio);
    }
    for (const url of next) this.#clip(url);
  }

  /** The audio element of a server rendering, created (and so fetched) on first use. */
  #clip(url) {
    let clip = this.clips.get(url);
    if (!clip && typeof Audio === "function") {
      clip = new Audio(url);
      clip.preload = "auto";
      this.clips.set(url, clip);
    }
    return clip || null;
  }

  /** Forget a clip once no queued step needs it: a board runs for weeks. */
  #release(record) {
    if (!record.audio) return;
    if (this.pending.some((r) => r.audio === record.audio)) return;
    const clip = this.clips.get(record.audio);
    this.clips.delete(record.audio);
    if (clip) {
      clip.removeAttribute("src");
      clip.load();
    }
  }

  async #playChime(record) {
    if (!this.chime) {
      record.mode = "none";
      await sleep(CHIME_MS);
      return;
    }
    this.chime.currentTime = 0;
    const ended = new Promise((resolve) => {
      const done = () => {
        this.chime.removeEventListener("ended", done);
        resolve();
      };
      this.chime.addEventListener("ended", done);
      setTimeout(done, CHIME_MS + 800);
    });
    try {
      // play() may neither resolve nor fail on a machine without audio output: do not wait.
      const playing = await Promise.race([this.chime.play().then(() => true), sleep(1500).then(() => false)]);
      if (!playing) {
        this.chime.pause();
        throw new Error("audio did not start");
      }
      record.mode = "audio";
      if (this.soundBlocked) {
        this.soundBlocked = false;
        this.#emit("sound", { blocked: false });
      }
      await ended;
    } catch {
      // Autoplay refused (no kiosk flag, no gesture yet) or no audio device: keep the rhythm.
      record.mode = "silent";
      if (!this.soundBlocked) {
        this.soundBlocked = true;
        this.#emit("sound", { blocked: true });
      }
      await sleep(CHIME_MS);
    }
  }

  async #speak(record) {
    if (record.audio && (await this.#playAudio(record))) return;
    const voice = this.voiceFor(record.lang);
    if (!voice) {
      record.mode = "caption";
      await sleep(captionMs(record.text));
      return;
    }
    record.mode = "voice";
    await new Promise((resolve) => {
      const utterance = new SpeechSynthesisUtterance(record.spoken);
      utterance.voice = voice;
      utterance.lang = voice.lang;
      utterance.rate = record.lang === "ja" ? 0.95 : 0.9;
      let settled = false;
      const finish = (mode) => {
        if (settled) return;
        settled = true;
        if (mode) record.mode = mode;
        clearTimeout(guard);
        resolve();
      };
      utterance.onend = () => finish("");
      utterance.onerror = () => finish("caption");
      const guard = setTimeout(() => {
        this.speech.cancel();
        finish("caption");
      }, Math.min(MAX_UTTERANCE_MS, Math.max(captionMs(record.text), [...record.spoken].length * 250)));
      this.speech.speak(utterance);
    });
  }

  /** Play the server's rendering of the call; false when it cannot (then Web Speech/caption). */
  async #playAudio(record) {
    const clip = this.#clip(record.audio);
    if (!clip || clip.error) return false;
    clip.currentTime = 0;
    let finish;
    const ended = new Promise((resolve) => {
      finish = resolve;
      clip.addEventListener("ended", resolve, { once: true });
      clip.addEventListener("error", resolve, { once: true });
    });
    try {
      // play() resolves once sound comes out: the server may still be rendering, and a
      // machine without audio output may never answer; do not wait for ever.
      const started = await Promise.race([clip.play().then(() => true), sleep(AUDIO_START_MS).then(() => false)]);
      if (!started || clip.error) {
        clip.pause();
        return false;
      }
    } catch {
      return false; // autoplay refused, or the server had no audio for it
    }
    record.mode = "audio";
    const seconds = Number.isFinite(clip.duration) ? clip.duration : 0;
    const guard = setTimeout(finish, Math.min(MAX_AUDIO_MS, seconds * 1000 + 2000 || MAX_AUDIO_MS));
    await ended;
    clearTimeout(guard);
    clip.pause();
    return true;
  }

  #trim() {
    // Bounded history: a board runs for weeks.
    const excess = this.announcements.length - KEEP_RECORDS;
    if (excess > 0) this.announcements.splice(0, excess);
  }

  #emit(name, detail = null) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
