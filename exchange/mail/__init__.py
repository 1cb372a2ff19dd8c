"""Mail: an outbox written in the same transaction as the change that causes a mail,
and a sender that delivers it after the commit (docs/mail.md)."""
