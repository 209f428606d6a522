"""Configuration: TOML files in ``config/`` decoded into typed structs at start-up.

Layout of a configuration folder::

    madoguchi.toml      deployment: which site files to load, session/retention settings
    procedures.toml     documents, forms, self-service routes and procedures (city-wide)
    texts.toml          visitor-facing wording in every language the intake offers
    life_events.toml    questions, life events and the rules that turn answers into procedures
    staff.toml          staff accounts (PIN hashes) and enrolled display devices
    sites/<id>.toml     one ward office: departments, queues, counters, boards, notices
    calendar.toml       holidays (offices closed) and the busy season (optional)

Every error raised here is a :class:`ConfigError` whose message names the file, the key
path and what was expected, so a bad edit fails start-up with a message an operator can act on.
"""
