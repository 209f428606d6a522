"""Speech engines: text in, 16-bit PCM out. Both work with no network.

- Japanese: Open JTalk through ``pyopenjtalk-plus`` (the ``speech`` install extra), whose
  wheel bundles the dictionary and the ``mei`` voice. Rendered at 48 kHz and halved to 24 kHz:
  a lobby speaker gains nothing above 12 kHz and the files are half the size.
- English, Chinese, Korean, Vietnamese: Debian's ``espeak-ng`` (a subprocess per segment).

Engines are blocking; the renderer calls them from its worker thread only. Open JTalk
releases the GIL while it synthesises, so the event loop keeps running meanwhile.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import shutil
import subprocess
import threading
from collections.abc import Callable
from typing import Any

from server.speech.audio import Pcm, from_wav

ESPEAK_VOICES = {"en": "en-us", "zh": "cmn-latn-pinyin", "ko": "ko", "vi": "vi"}
# espeak-ng's words per minute: a little slower than its default 175, as lobby calls are.
ESPEAK_WPM = {"en": 150, "zh": 140, "ko": 150, "vi": 140}
OPENJTALK_SPEED = 0.95
# The mei voice peaks past full scale on stressed vowels; this keeps it unclipped and about as
# loud as espeak-ng (-21 dB RMS), so languages do not jump in volume on the lobby speakers.
OPENJTALK_GAIN = 0.7

Engine = Callable[[str], Pcm]


class OpenJTalk:
    """Japanese text to speech; loads the dictionary on first use (about a second)."""

    name = "open_jtalk"

    def __init__(self) -> None:
        self._module: Any = None
        self._lock = threading.Lock()

    @staticmethod
    def installed() -> bool:
        return importlib.util.find_spec("pyopenjtalk") is not None

    def __call__(self, text: str) -> Pcm:
        with self._lock:
            if self._module is None:
                # Its import prints a note about an optional model it can do without.
                with contextlib.redirect_stdout(io.StringIO()):
                    import pyopenjtalk

                self._module = pyopenjtalk
            samples, rate = self._module.tts(text, speed=OPENJTALK_SPEED, predict_nani=False)
        # float64 already on the int16 scale; average pairs to halve the rate (a gentle
        # low-pass that keeps aliasing out of the speech band).
        import numpy as np

        halves = samples[: len(samples) // 2 * 2].reshape(-1, 2).mean(axis=1) * OPENJTALK_GAIN
        pcm = np.clip(np.round(halves), -32768, 32767).astype("<i2").tobytes()
        return Pcm(pcm, int(rate) // 2)


class Espeak:
    """espeak-ng for one language, as a subprocess writing WAV to its stdout."""

    name = "espeak-ng"

    def __init__(self, lang: str) -> None:
        self.voice = ESPEAK_VOICES[lang]
        self.wpm = ESPEAK_WPM[lang]

    @staticmethod
    def installed() -> bool:
        return shutil.which("espeak-ng") is not None

    def __call__(self, text: str) -> Pcm:
        done = subprocess.run(
            ["espeak-ng", "-v", self.voice, "-s", str(self.wpm), "--stdout", text],
            capture_output=True,
            timeout=20,
            check=True,
        )
        return from_wav(done.stdout)


def available(allowed: frozenset[str]) -> dict[str, Engine]:
    """The engine of each language that this machine has (and the settings allow)."""
    engines: dict[str, Engine] = {}
    if OpenJTalk.name in allowed and OpenJTalk.installed():
        engines["ja"] = OpenJTalk()
    if Espeak.name in allowed and Espeak.installed():
        for lang in ESPEAK_VOICES:
            engines[lang] = Espeak(lang)
    return engines


def engine_name(engine: Engine) -> str:
    """What /healthz reports for a language."""
    return str(getattr(engine, "name", type(engine).__name__))
