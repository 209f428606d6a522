"""Who is who and who may do what beyond the domain's own permissions: staff sign-in and
sessions, PIN hashing and throttling, rate limits, start-up refusals and the audit trail."""
