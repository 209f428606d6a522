"""Role projections: what each kind of screen may see, as collections of entities keyed by id.

A view is a pure function of (configuration, state); the hub encodes each entity once per view
and sends only those whose bytes changed. One module per role, on one shared pass:

- ``snapshot``: :func:`analyse`, the one pass over the state every view of a publish shares
  (lines, queue figures, places), and the ``Entities``/``Memo`` shapes;
- ``views``: ``ViewKey`` (kind and scope) and ``build``, which picks the role's builder;
- ``site``: the site and queue entities boards, the public page and staff views start from;
- ``board``: lobby boards, numbers only (``board_calls``, ``shown_call``);
- ``public``: the public congestion page, counts only;
- ``visitor``: the visitor's own page (their ticket only);
- ``checklist``: what a visitor must bring and fill in (their page, the ticket, the counter);
- ``staff``: the floor view and the part every staff view shares (visits, counters, leases);
- ``counter``: a department's counter view on top of it (briefings, next, recent);
- ``supervisor``: the supervisor's view on top of the floor view (alerts, watch list);
- ``booths``: the bereavement corner, for staff and for the seated family;
- ``protected``: what staff views withhold (protected visits, other departments' sensitive
  procedures).

Privacy: the ``board``, ``public`` and ``visitor`` views are built from numbers, counter
numbers and neutral queue labels only; no note or name is ever read by their builders, and the
only intake answers read are the visit's own, to list the documents it still needs (by name).

Imports run one way (``views`` → role modules → ``site``, ``snapshot``): no module imports one
that imports it back.
"""
