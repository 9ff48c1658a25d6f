"""Pure compliance rules: plain dataclasses in, decisions out. No ORM in reach (import-linter).

``model`` holds the vocabulary (channels, parties, outcomes, the situation), ``packs`` loads the
versioned rule-pack files, ``evaluators`` holds one pure function per rule kind and ``engine``
composes packs strictest-wins and computes ``next_allowed_at``.
"""
