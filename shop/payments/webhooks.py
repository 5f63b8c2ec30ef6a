"""Our endpoint for the deferred-invoice partner's webhooks (P2): ``/shop/payments/webhooks/invoice/``.

The partner posts signed JSON events (transaction.passed / transaction.rejected
after a manual review, transaction.billed, transaction.paid). The endpoint
answers 400 to a bad signature or a timestamp more than five minutes off (a
replay), records each event once by its event id (a redelivered event answers
200 and changes nothing), and hands the new state to
`shop.payments.events.on_invoice_event` in the same transaction, so an event
is either recorded *and* applied, or neither and the partner retries.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import events, signing
from .models import WebhookEvent

logger = logging.getLogger(__name__)

HANDLED_TYPES = {"transaction.passed", "transaction.rejected", "transaction.billed", "transaction.paid"}


@csrf_exempt
@require_POST
def invoice_webhook(request):
    body = request.body
    if not signing.verify_webhook(secret=settings.KOBAI_INVOICE_PARTNER_SECRET, body=body, headers=request.headers):
        logger.warning("invoice webhook refused: bad signature or stale timestamp")
        return JsonResponse({"error": "invalid signature"}, status=400)
    try:
        event = json.loads(body)
        event_id, event_type = str(event["id"]), str(event["type"])
        data = event.get("data") or {}
        reference, state = str(data.get("reference") or ""), str(data.get("status") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return JsonResponse({"error": "invalid event"}, status=400)
    try:
        with transaction.atomic():
            record, created = WebhookEvent.objects.get_or_create(
                event_id=event_id,
                defaults={"type": event_type, "reference": reference, "state": state, "payload": event},
            )
            if not created:
                return JsonResponse({"status": "duplicate"})
            if event_type in HANDLED_TYPES:
                events.on_invoice_event(reference, state)
            record.processed_at = timezone.now()
            record.save(update_fields=["processed_at"])
    except IntegrityError:  # the same event, delivered twice at once: the other request applies it
        return JsonResponse({"status": "duplicate"})
    return JsonResponse({"status": "ok"})
