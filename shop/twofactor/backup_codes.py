"""Backup codes (M11): ten single-use codes, shown once, stored as keyed hashes.

A code has 10 characters from an alphabet without look-alikes (about 49
bits), so a keyed HMAC (the project's SECRET_KEY as the key) is enough to
make a stolen table useless; a slow password hash would make every check
cost seconds. Typed codes are forgiving: width, case, spaces and hyphens
do not matter. Issuing new codes replaces the old set.
"""

from __future__ import annotations

import secrets
import unicodedata

from django.db import transaction
from django.utils.crypto import salted_hmac

from .models import BackupCode, BackupCodeDevice

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
LENGTH = 10
COUNT = 10
DEVICE_NAME = "backup-codes"


def normalise(code: str) -> str:
    text = unicodedata.normalize("NFKC", code or "").lower()
    return "".join(char for char in text if char.isalnum())


def digest(code: str) -> str:
    return salted_hmac("kobai.twofactor.backup-code", normalise(code), algorithm="sha256").hexdigest()


def looks_like_backup_code(code: str) -> bool:
    text = normalise(code)
    return len(text) == LENGTH and all(char in ALPHABET for char in text)


def display(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


@transaction.atomic
def issue(*, user) -> list[str]:
    """A fresh set of codes for `user`, replacing any earlier set; the plain codes are returned once."""
    BackupCodeDevice.objects.filter(user=user).delete()
    device = BackupCodeDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(COUNT)]
    BackupCode.objects.bulk_create(BackupCode(device=device, digest=digest(code)) for code in codes)
    return [display(code) for code in codes]
