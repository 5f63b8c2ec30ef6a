"""Opening and answering inquiries (C4, I1, I2).

Opening makes the inquiry and its first message in one transaction, with
the next 問い合わせ番号; the same submission key never makes a second one
(a unique column, so two racing requests cannot either). The shop is told
and the buyer gets a receipt. Every later message moves the status to whose
turn it is: a staff answer makes it 回答済 and tells the buyer, a buyer's
message makes it 受付中 again and tells the shop. A closed (完了) inquiry
takes no more buyer messages. Emails go through the outbox, so they leave
only once the transaction has committed (E1).

An inquiry may be bound to an order (「この注文について問い合わせ」, O6, I1);
staff news about the order (a delivery date, a status message, O7) is posted
into that thread by `post_on_order`, so the buyer finds it beside their own
questions.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from shop.billing import numbering
from shop.notifications import mail

from .models import Inquiry, InquiryMessage


class InquiryClosed(Exception):
    pass


def pre_application_subject(product) -> str:
    """The subject a 「事前申請」 inquiry starts with (C4)."""
    return f"事前申請: {product.get_title()}（{product.upc}）"


def order_subject(order) -> str:
    """The subject an inquiry about an order starts with (O6)."""
    return f"ご注文 {order.number} について"


def category_for(*, product=None, order=None, chosen: str = "") -> str:
    """The inquiry's category: what it is bound to decides, else the one the buyer chose (I1)."""
    if product is not None and product.requires_pre_application:
        return Inquiry.Category.PRE_APPLICATION
    if order is not None:
        return Inquiry.Category.ORDER
    if product is not None:
        return Inquiry.Category.PRODUCT
    return chosen if chosen in Inquiry.Category.values else Inquiry.Category.OTHER


def _open(*, scope: dict, submission_key: UUID | None, author, body: str, receipt: tuple[str, str], **fields):
    """Create an inquiry and its first message once per submission key (within `scope`); (inquiry, created)."""

    def existing():
        if submission_key is None:
            return None
        return Inquiry.objects.filter(submission_key=submission_key, **scope).first()

    if (found := existing()) is not None:
        return found, False
    try:
        with transaction.atomic():
            inquiry = Inquiry.objects.create(
                number=numbering.next_number(kind="inquiry", prefix="I"), submission_key=submission_key, **fields
            )
            message = InquiryMessage.objects.create(inquiry=inquiry, author=author, body=body.strip())
            context = _context(inquiry, message)
            mail.queue(template="inquiry_received_shop", to=settings.SHOP_CONTACT_EMAIL, context=context)
            template, to, *make_context = receipt  # (template, address[, context for that address])
            if to:
                mail.queue(template=template, to=to, context=make_context[0](inquiry) if make_context else context)
    except IntegrityError:  # the same form sent twice at once: the first one won
        if (found := existing()) is None:
            raise
        return found, False
    return inquiry, True


def open_inquiry(
    *,
    member,
    subject: str,
    body: str,
    product=None,
    order=None,
    category: str = "",
    submission_key: UUID | None = None,
) -> tuple[Inquiry, bool]:
    """A member's inquiry, company-wide; returns (inquiry, created)."""
    return _open(
        scope={"company": member.company},
        submission_key=submission_key,
        author=member.user,
        body=body,
        receipt=("inquiry_receipt", member.user.email),
        company=member.company,
        created_by=member.user,
        product=product,
        order=order,
        category=category_for(product=product, order=order, chosen=category),
        subject=subject.strip(),
    )


def _unverified_receipt_context(inquiry: Inquiry) -> dict:
    """The visitor's receipt goes to an address nobody verified: nothing they typed, only our own words (I1).

    Otherwise the form would send anyone's text to any address from the shop's domain.
    """
    return {
        "number": inquiry.number,
        "category": inquiry.get_category_display(),
        "created_at": inquiry.created_at,
        "site_link": mail.site_url("/"),
    }


def open_visitor_inquiry(
    *,
    name: str,
    company_name: str,
    email: str,
    phone: str,
    category: str,
    subject: str,
    body: str,
    submission_key: UUID | None = None,
) -> tuple[Inquiry, bool]:
    """A visitor's pre-sales question (I1): no company, answered by email to the address given."""
    return _open(
        scope={"company__isnull": True},
        submission_key=submission_key,
        author=None,
        body=body,
        receipt=("inquiry_visitor_receipt", email.strip(), _unverified_receipt_context),
        category=category_for(chosen=category),
        visitor_name=name.strip(),
        visitor_company_name=company_name.strip(),
        visitor_email=email.strip(),
        visitor_phone=phone.strip(),
        subject=subject.strip(),
    )


@transaction.atomic
def reply_as_buyer(*, inquiry: Inquiry, member, body: str) -> InquiryMessage:
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk, company=member.company)
    if inquiry.is_closed:
        raise InquiryClosed(inquiry.number)
    message = InquiryMessage.objects.create(inquiry=inquiry, author=member.user, body=body.strip())
    inquiry.status = Inquiry.Status.OPEN
    inquiry.save(update_fields=["status", "updated_at"])
    mail.queue(template="inquiry_buyer_replied", to=settings.SHOP_CONTACT_EMAIL, context=_context(inquiry, message))
    return message


@transaction.atomic
def reply_as_staff(*, inquiry: Inquiry, by, body: str) -> InquiryMessage:
    """A staff answer (I2): the inquiry becomes 回答済 and the buyer is told an answer is there."""
    inquiry = Inquiry.objects.select_for_update(of=("self",)).select_related("created_by", "company").get(pk=inquiry.pk)
    message = InquiryMessage.objects.create(inquiry=inquiry, author=by, from_staff=True, body=body.strip())
    inquiry.status = Inquiry.Status.ANSWERED
    inquiry.save(update_fields=["status", "updated_at"])
    if inquiry.from_visitor:  # no thread page for a visitor: the answer itself goes by email
        mail.queue(template="inquiry_visitor_answered", to=inquiry.visitor_email, context=_context(inquiry, message))
        return message
    buyer = inquiry.created_by
    if buyer is not None and buyer.email:
        mail.queue(template="inquiry_answered", to=buyer.email, context=_context(inquiry, message))
    return message


@transaction.atomic
def post_on_order(*, order, by, body: str) -> InquiryMessage:
    """A staff message in the order's thread (O7), without an email of its own.

    The caller (the order's status change) emails the buyer the same news, so a
    second 「回答がありました」 email would only repeat it. The latest thread bound
    to the order that is not 完了 takes the message; without one a new thread
    is opened in the orderer's name. An existing thread keeps its status: a
    status notice does not by itself answer the buyer's open question.
    """
    inquiry = (
        Inquiry.objects.select_for_update()
        .filter(order=order)
        .exclude(status=Inquiry.Status.CLOSED)
        .order_by("-created_at", "-pk")
        .first()
    )
    if inquiry is None:
        inquiry = Inquiry.objects.create(
            number=numbering.next_number(kind="inquiry", prefix="I"),
            company=order.company,
            created_by=order.user,
            order=order,
            subject=order_subject(order),
            status=Inquiry.Status.ANSWERED,
        )
    message = InquiryMessage.objects.create(inquiry=inquiry, author=by, from_staff=True, body=body.strip())
    inquiry.save(update_fields=["updated_at"])
    return message


@transaction.atomic
def close(*, inquiry: Inquiry, by) -> None:
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    inquiry.status = Inquiry.Status.CLOSED
    inquiry.save(update_fields=["status", "updated_at"])


def _context(inquiry: Inquiry, message: InquiryMessage) -> dict:
    return {
        "inquiry": inquiry,
        "message": message,
        "company": inquiry.company,
        "user": inquiry.created_by,
        "product": inquiry.product,
        "order": inquiry.order,
        "link": mail.site_url(reverse("inquiries:inquiry-detail", kwargs={"number": inquiry.number})),
        "dashboard_link": mail.site_url(
            reverse("inquiries-dashboard:inquiry-detail", kwargs={"number": inquiry.number})
        ),
    }
