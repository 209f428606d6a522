"""Server-side speech for the lobby boards: every call rendered to audio, offline.

- ``wording``  — what a call says, as text an engine reads (pure: numbers read the way a
  Japanese office reads them, the site's wording split into cacheable segments);
- ``ahead``    — which calls are likely next (pure: the heads of the waiting lines);
- ``audio``    — PCM helpers: trim silence, join segments, write WAV (pure, on bytes);
- ``engines``  — Open JTalk (``pyopenjtalk-plus``, the ``speech`` extra) for Japanese and
  ``espeak-ng`` for the other languages, each turning text into PCM (I/O);
- ``renderer`` — renders in a bounded worker, caches segments (LRU, size-limited), renders
  the next calls ahead, and counts render time and cache hits for ``/metrics``.
"""
