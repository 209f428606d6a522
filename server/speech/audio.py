"""Mono 16-bit PCM: trim silence, join segments with pauses, wrap as WAV. Pure, on bytes."""

from __future__ import annotations

import array
import io
import wave
from dataclasses import dataclass

SILENCE = 400  # |sample| below this (of 32767) is silence: engines' noise floor
KEEP_MS = 40  # kept around the speech, so consonants at the edges are not clipped


@dataclass(frozen=True)
class Pcm:
    """Signed 16-bit little-endian mono samples at ``rate`` Hz."""

    samples: bytes
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / 2 / self.rate


def trimmed(pcm: Pcm) -> Pcm:
    """Without the leading and trailing silence engines add (pauses are joined in exactly)."""
    values = array.array("h", pcm.samples)
    start = next((i for i, v in enumerate(values) if abs(v) >= SILENCE), len(values))
    end = next((i for i in range(len(values) - 1, -1, -1) if abs(values[i]) >= SILENCE), start - 1)
    keep = pcm.rate * KEEP_MS // 1000
    start, end = max(0, start - keep), min(len(values), end + 1 + keep)
    return Pcm(values[start:end].tobytes(), pcm.rate)


def joined(parts: list[tuple[Pcm, float]]) -> Pcm:
    """Segments in order, each followed by its pause in seconds (the last pause dropped)."""
    rate = parts[0][0].rate
    out = bytearray()
    for i, (pcm, pause) in enumerate(parts):
        if pcm.rate != rate:
            raise ValueError(f"segment at {pcm.rate} Hz in a call at {rate} Hz")
        out += pcm.samples
        if i < len(parts) - 1:
            out += bytes(2 * int(rate * pause))
    return Pcm(bytes(out), rate)


def to_wav(pcm: Pcm) -> bytes:
    """A RIFF/WAVE file every browser plays."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(pcm.rate)
        out.writeframes(pcm.samples)
    return buffer.getvalue()


def from_wav(data: bytes) -> Pcm:
    """The samples of a mono 16-bit WAV (what espeak-ng writes)."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise ValueError("expected mono 16-bit PCM")
        return Pcm(wav.readframes(wav.getnframes()), wav.getframerate())
