"""Which department may complete which procedure at a site, restated from the README, so
the domain test and the live server test check the same matrix."""

from __future__ import annotations

from server.config.schema import Config, Site


def expected_allowed(site: Site, config: Config, department: str, procedure: str) -> bool:
    """The rule, restated from the README: the owner, or any department of a ``shared``
    line that handles the procedure here together with its owner."""
    owner = config.procedures.procedures[procedure].department
    if owner == department:
        return True
    line = site.queue_for(procedure, owner)
    return line.shared and {owner, department} <= set(line.departments)


def site_matrix(config: Config) -> list[tuple[str, str, str]]:
    """(site, procedure, department) for every procedure a site routes and every department."""
    cases = []
    for site in config.sites.values():
        for pid, proc in config.procedures.procedures.items():
            if proc.no_visit or not any(proc.department in q.departments for q in site.queues):
                continue
            cases += [(site.id, pid, d.id) for d in site.departments]
    return cases
