"""Email: delivery from the outbox, signed links in emails, digests, and the local SMTP sink."""
