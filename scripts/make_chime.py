"""Write the lobby boards' chime, ``displays/chime.wav``: a soft two-tone "pin-pon".

Run ``python scripts/make_chime.py`` to regenerate it (stdlib only, deterministic output).
Two bell-like notes (E5 then C5, a falling major third, the usual Japanese public chime)
with a few inharmonic partials and an exponential decay, 22.05 kHz mono 16-bit, ~1.6 s.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050
VOLUME = 0.45
# (start second, frequency Hz, length seconds)
NOTES = ((0.0, 659.25, 1.0), (0.55, 523.25, 1.05))
# Bell-ish partials: (frequency ratio, relative amplitude, decay per second).
PARTIALS = ((1.0, 1.0, 3.2), (2.0, 0.35, 5.0), (3.01, 0.12, 7.0), (4.2, 0.05, 9.0))
TARGET = Path(__file__).resolve().parent.parent / "displays" / "chime.wav"


def sample(t: float) -> float:
    """The chime's amplitude at ``t`` seconds (before scaling), in about -1..1."""
    value = 0.0
    for start, freq, length in NOTES:
        local = t - start
        if not 0.0 <= local < length:
            continue
        attack = min(1.0, local / 0.008)  # 8 ms attack: no click
        release = min(1.0, (length - local) / 0.05)  # 50 ms fade: no click at the end
        for ratio, amp, decay in PARTIALS:
            value += (
                amp
                * attack
                * release
                * math.exp(-decay * local)
                * math.sin(2 * math.pi * freq * ratio * local)
            )
    return value / sum(a for _, a, _ in PARTIALS)


def render() -> bytes:
    """The 16-bit little-endian PCM frames of the whole chime."""
    total = max(start + length for start, _, length in NOTES)
    frames = bytearray()
    for i in range(int(total * RATE)):
        level = max(-1.0, min(1.0, VOLUME * sample(i / RATE)))
        frames += struct.pack("<h", int(level * 32767))
    return bytes(frames)


def main() -> None:
    with wave.open(str(TARGET), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(render())
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
