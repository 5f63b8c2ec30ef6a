"""Orders for tests of what happens after placement (O6–O8), written straight to the database.

Placement itself (quotes, credit, approval) is covered by its own tests; these
orders only need what staff and the my page read: company, orderer, status,
lines with products.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.core.loading import get_model

from shop.order import status as order_status

Order = get_model("order", "Order")
Line = get_model("order", "Line")
Product = get_model("catalogue", "Product")

_numbers = itertools.count(1)


def make_order(*, member, codes=("MS-M365BS-1Y",), status=order_status.ACCEPTED, **fields):
    """An order of `member`'s company with one line per product code (quantity 1, today's price)."""
    products = [Product.objects.get(upc=code) for code in codes]
    prices = [p.stockrecords.get().price for p in products]
    net = sum(prices, Decimal("0"))
    tax = (net * Decimal("0.1")).quantize(Decimal("1"))
    order = Order.objects.create(
        number=f"T{next(_numbers):07d}",
        user=member.user,
        company=member.company,
        currency="JPY",
        total_excl_tax=net,
        total_incl_tax=net + tax,
        tax_total=tax,
        shipping_excl_tax=Decimal("0"),
        shipping_incl_tax=Decimal("0"),
        status=status,
        date_placed=timezone.now(),
        **fields,
    )
    for index, (product, price) in enumerate(zip(products, prices, strict=True), start=1):
        Line.objects.create(
            order=order,
            product=product,
            title=product.get_title(),
            upc=product.upc,
            partner_name=product.maker.name if product.maker_id else "",
            partner_sku=product.upc or f"{order.number}-{index}",
            quantity=1,
            unit_price_excl_tax=price,
            unit_price_incl_tax=price,
            line_price_excl_tax=price,
            line_price_incl_tax=price,
            line_price_before_discounts_excl_tax=price,
            line_price_before_discounts_incl_tax=price,
            num_allocated=0,
            status=status,
        )
    _payment_for(order)
    return order


def _payment_for(order) -> None:
    """The payment placement would have recorded (issue 10: delivery needs one that is not under review).

    A company screened by the partner gets a real transaction at the simulator, checked like any order;
    an unscreened one a charge captured at the card simulator.
    """
    from shop.payments.models import Payment
    from shop.payments.simulators.card import CardGatewaySimulator
    from shop.payments.simulators.invoice import InvoicePartnerSimulator

    buyer_id = order.company.invoice_buyer_id if order.company_id else ""
    if order.payment_method == "invoice" and buyer_id:
        tx = InvoicePartnerSimulator.from_settings().create_transaction(
            buyer_id=buyer_id,
            order_number=order.number,
            amount=int(order.total_incl_tax),
            idempotency_key=f"factory-{order.number}",
        )
        status = {"passed": Payment.Status.AUTHORIZED, "pending_review": Payment.Status.PENDING}.get(
            tx["status"], Payment.Status.REJECTED
        )
        Payment.objects.create(
            order=order,
            order_number=order.number,
            method=Payment.Method.INVOICE,
            status=status,
            reference=tx["reference"],
            amount=order.total_incl_tax,
            idempotency_key=f"factory-{order.number}",
        )
        return
    gateway = CardGatewaySimulator.from_settings()
    token = gateway.create_token(
        public_key=gateway.public_key,
        number="4111 1111 1111 1111",  # the simulator's Visa test card: it keeps only brand and last four
        exp_month=12,
        exp_year=timezone.localdate().year + 2,
        cvc="123",
    )["token"]
    charge = gateway.charge(
        token=token,
        amount=int(order.total_incl_tax),
        order_number=order.number,
        idempotency_key=f"factory-{order.number}",
    )
    Payment.objects.create(
        order=order,
        order_number=order.number,
        method=Payment.Method.CARD,
        status=Payment.Status.CAPTURED,
        reference=charge["reference"],
        amount=order.total_incl_tax,
        idempotency_key=f"factory-{order.number}",
        card_brand=charge["brand"],
        card_last4=charge["last4"],
    )


def staff_client(user_model, username="orders1"):
    """A signed-in 受注管理 staff member past the second factor (the dashboard needs it, M11)."""
    from shop.accounts.roles import grant
    from tests.functional.test_staff_two_factor import code_for

    staff = user_model.objects.create_user(username, f"{username}@kobai.example", "pw", is_staff=True)
    grant(staff, "orders")  # 受注管理 (S1)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client = Client()
    client.force_login(staff)
    client.post("/two-factor/verify/", {"token": code_for(device), "next": "/"})
    return client, staff
