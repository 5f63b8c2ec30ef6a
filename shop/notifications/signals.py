"""What the outbox tells the layers above it (staff alerts), without importing them.

- `email_dead(sender, email)`: a message failed its last attempt and is now a dead letter.
- `email_resent(sender, email, by)`: a staff member put a message back in the queue.
"""

from django.dispatch import Signal

email_dead = Signal()
email_resent = Signal()
